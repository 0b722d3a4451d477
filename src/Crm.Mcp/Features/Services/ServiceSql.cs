using System.Data.Common;
using System.Globalization;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Services;

/// <summary>The services table's SQL (deal line items), each statement beside its Dapper call.</summary>
public static class ServiceSql
{
    public sealed record DealRow(string Id, string Identifier, string Name, string Currency);

    internal sealed class ServiceRow
    {
        public string Id { get; init; } = "";
        public string DealId { get; init; } = "";
        public string DealIdentifier { get; init; } = "";
        public string DealName { get; init; } = "";
        public string Name { get; init; } = "";
        public long AmountMinor { get; init; }
        public string Currency { get; init; } = "";
        public long Quantity { get; init; }
        public long Position { get; init; }
        public string CreatedAt { get; init; } = "";
        public string UpdatedAt { get; init; } = "";
    }

    internal sealed record LineRow(string DealId, long AmountMinor, long Quantity);

    public static Task<DealRow> DealAsync(DbConnection connection, DbTransaction transaction, string dealId)
    {
        const string sql = "SELECT id, identifier, name, currency FROM deals WHERE id = @dealId";
        return connection.QuerySingleAsync<DealRow>(sql, new { dealId }, transaction);
    }

    public sealed record NewService(string Id, string DealId, string Name, long AmountMinor, string Currency, long Quantity, string Now);

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, NewService service)
    {
        const string sql = """
            INSERT INTO services (id, deal_id, name, amount_minor, currency, quantity, position, created_at, updated_at)
            VALUES (@Id, @DealId, @Name, @AmountMinor, @Currency, @Quantity,
                    COALESCE((SELECT MAX(position) FROM services WHERE deal_id = @DealId), 0) + 1, @Now, @Now)
            """;
        return connection.ExecuteAsync(sql, service, transaction);
    }

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, string id, string? name, long? amountMinor, long? quantity, string now)
    {
        const string sql = """
            UPDATE services
            SET name = COALESCE(@name, name), amount_minor = COALESCE(@amountMinor, amount_minor),
                quantity = COALESCE(@quantity, quantity), updated_at = @now
            WHERE id = @id
            """;
        return connection.ExecuteAsync(sql, new { id, name, amountMinor, quantity, now }, transaction);
    }

    /// <summary>Deletes one service; returns its name, or null when no service has the id.</summary>
    public static Task<string?> DeleteAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = "DELETE FROM services WHERE id = @id RETURNING name";
        return connection.QuerySingleOrDefaultAsync<string?>(sql, new { id }, transaction);
    }

    private const string SelectService = """
        SELECT s.id, s.deal_id AS DealId, d.identifier AS DealIdentifier, d.name AS DealName, s.name, s.amount_minor AS AmountMinor,
               s.currency, s.quantity, s.position, s.created_at AS CreatedAt, s.updated_at AS UpdatedAt
        FROM services s JOIN deals d ON d.id = s.deal_id
        """;

    public static async Task<IReadOnlyList<ServiceView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = SelectService + " WHERE s.id IN (SELECT value FROM json_each(@ids))";
        var rows = (await connection.QueryAsync<ServiceRow>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToDictionary(r => r.Id);
        return ids.Where(rows.ContainsKey).Select(id => ToView(rows[id])).ToList();
    }

    /// <summary>total_value and total_quantity of each deal, summed exactly in decimal (a product of two large
    /// integers may not fit SQLite's 64 bits). Deals without services get zeros.</summary>
    public static async Task<IReadOnlyDictionary<string, DealServiceTotals>> DealTotalsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<(string Id, string Currency)> deals)
    {
        if (deals.Count == 0) return new Dictionary<string, DealServiceTotals>();
        const string sql = "SELECT deal_id AS DealId, amount_minor AS AmountMinor, quantity FROM services WHERE deal_id IN (SELECT value FROM json_each(@ids))";
        var lines = (await connection.QueryAsync<LineRow>(sql, new { ids = SqlList.Json(deals.Select(d => d.Id)) }, transaction)).ToLookup(l => l.DealId);
        return Totals(deals, lines);
    }

    /// <summary>The totals of deals created in this call, which have no services yet: what
    /// <see cref="DealTotalsAsync(DbConnection, DbTransaction, IReadOnlyList{ValueTuple{string, string}})"/> would read, without the read.</summary>
    public static IReadOnlyDictionary<string, DealServiceTotals> WithoutServices(IReadOnlyList<(string Id, string Currency)> deals) =>
        Totals(deals, NoLines);

    private static readonly ILookup<string, LineRow> NoLines = Array.Empty<LineRow>().ToLookup(l => l.DealId);

    private static Dictionary<string, DealServiceTotals> Totals(IReadOnlyList<(string Id, string Currency)> deals, ILookup<string, LineRow> lines)
    {
        return deals.DistinctBy(d => d.Id).ToDictionary(d => d.Id, d =>
        {
            var value = lines[d.Id].Sum(l => (decimal)l.AmountMinor * l.Quantity);
            return new DealServiceTotals(d.Id, value.ToString(CultureInfo.InvariantCulture), Money.Display(value, Currency.FromStored(d.Currency)), lines[d.Id].Sum(l => l.Quantity));
        });
    }

    public static async Task<DealServiceTotals> DealTotalsAsync(DbConnection connection, DbTransaction transaction, string dealId)
    {
        var deal = await DealAsync(connection, transaction, dealId);
        return (await DealTotalsAsync(connection, transaction, [(deal.Id, deal.Currency)]))[deal.Id];
    }

    private static ServiceView ToView(ServiceRow r)
    {
        var currency = Currency.FromStored(r.Currency);
        var total = (decimal)r.AmountMinor * r.Quantity;
        return new ServiceView
        {
            Id = r.Id,
            DealId = r.DealId,
            Deal = new ServiceDealRef(r.DealId, r.DealIdentifier, r.DealName),
            Name = r.Name,
            Amount = r.AmountMinor.ToString(CultureInfo.InvariantCulture),
            AmountDisplay = Money.Display(r.AmountMinor, currency),
            Currency = r.Currency,
            Quantity = r.Quantity,
            Total = total.ToString(CultureInfo.InvariantCulture),
            TotalDisplay = Money.Display(total, currency),
            Position = r.Position,
            CreatedAt = r.CreatedAt,
            UpdatedAt = r.UpdatedAt,
        };
    }
}
