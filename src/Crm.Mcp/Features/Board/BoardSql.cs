using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Features.Pipelines;
using Dapper;

namespace Crm.Mcp.Features.Board;

/// <summary>The board's cards; stage order and totals come from <see cref="PipelineSql.ViewsAsync"/>.</summary>
public static class BoardSql
{
    internal sealed class PipelineRow
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
    }

    internal sealed class CardRow
    {
        public string Id { get; init; } = "";
        public string Identifier { get; init; } = "";
        public string Name { get; init; } = "";
        public string? Company { get; init; }
        public long? AmountMinor { get; init; }
        public string Currency { get; init; } = "";
        public string? ExpectedCloseDate { get; init; }
        public string? OwnerFirst { get; init; }
        public string? OwnerLast { get; init; }
        public bool IsDraft { get; init; }
    }

    public static async Task<PipelineBoard> LoadAsync(DbConnection connection, DbTransaction transaction, string? pipeline, bool includeDrafts, int perStage)
    {
        var pipelineRow = await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline);
        var view = (await PipelineSql.ViewsAsync(connection, transaction, pipelineRow.Id, includeDrafts)).Single();
        const string pipelinesSql = "SELECT id, name FROM pipelines ORDER BY is_default DESC, name, id";
        var pipelines = (await connection.QueryAsync<PipelineRow>(pipelinesSql, transaction: transaction))
            .Select(p => new BoardPipeline(p.Id, p.Name)).ToList();

        // Board order is the stage's own order (order_in_stage): the stage index answers each column without a sort.
        const string cardsSql = """
            SELECT d.id, d.identifier, d.name, c.name AS Company, d.amount_minor AS AmountMinor, d.currency,
                   d.expected_close_date AS ExpectedCloseDate, u.first_name AS OwnerFirst, u.last_name AS OwnerLast,
                   d.is_draft AS IsDraft
            FROM deals d
            LEFT JOIN companies c ON c.id = d.company_id
            LEFT JOIN users u ON u.id = d.owner_id
            WHERE d.stage_id = @stageId AND (@includeDrafts = 1 OR d.is_draft = 0)
            ORDER BY d.order_in_stage, d.id
            LIMIT @perStage
            """;
        var columns = new List<BoardColumn>();
        foreach (var stage in view.Stages)
        {
            var rows = await connection.QueryAsync<CardRow>(cardsSql,
                new { stageId = stage.Id, includeDrafts = includeDrafts ? 1 : 0, perStage }, transaction);
            var cards = rows.Select(Card).ToList();
            columns.Add(new BoardColumn
            {
                Id = stage.Id, Name = stage.Name, Kind = stage.Kind, DealCount = stage.DealCount,
                Totals = stage.Totals.Select(t => new BoardTotal(t.Currency, t.AmountDisplay.Formatted, t.DealCount)).ToList(),
                Deals = cards, More = stage.DealCount - cards.Count,
            });
        }
        return new PipelineBoard(new BoardPipeline(view.Id, view.Name), columns, view.DealCount, pipelines);
    }

    private static BoardCard Card(CardRow row) => new()
    {
        Id = row.Id, Identifier = row.Identifier, Name = row.Name, Company = row.Company,
        Amount = row.AmountMinor is { } minor ? Money.Display(minor, Currency.FromStored(row.Currency)).Formatted : null,
        CloseDate = row.ExpectedCloseDate,
        Owner = $"{row.OwnerFirst} {row.OwnerLast}".Trim() is { Length: > 0 } owner ? owner : null,
        IsDraft = row.IsDraft,
    };
}
