using System.Globalization;
using Crm.Mcp.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Features.Services;

/// <summary>The services table's SQL (deal line items), each statement beside its Dapper call.</summary>
public static class ServiceSql
{
    public sealed record DealRow(string Id, string Identifier, string Name, string Currency);

    private sealed class ServiceRow
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

    private sealed record LineRow(string DealId, long AmountMinor, long Quantity);

    public static Task<DealRow> DealAsync(SqliteConnection connection, SqliteTransaction transaction, string dealId)
    {
        const string sql = "SELECT id, identifier, name, currency FROM deals WHERE id = @dealId";
        return connection.QuerySingleAsync<DealRow>(sql, new { dealId }, transaction);
    }

    public sealed record NewService(string Id, string DealId, string Name, long AmountMinor, string Currency, long Quantity, string Now);

    public static Task InsertAsync(SqliteConnection connection, SqliteTransaction transaction, NewService service)
    {
        const string sql = """
            INSERT INTO services (id, deal_id, name, amount_minor, currency, quantity, position, created_at, updated_at)
            VALUES (@Id, @DealId, @Name, @AmountMinor, @Currency, @Quantity,
                    COALESCE((SELECT MAX(position) FROM services WHERE deal_id = @DealId), 0) + 1, @Now, @Now)
            """;
        return connection.ExecuteAsync(sql, service, transaction);
    }

    public static Task UpdateAsync(SqliteConnection connection, SqliteTransaction transaction, string id, string? name, long? amountMinor, long? quantity, string now)
    {
        const string sql = """
            UPDATE services
            SET name = COALESCE(@name, name), amount_minor = COALESCE(@amountMinor, amount_minor),
                quantity = COALESCE(@quantity, quantity), updated_at = @now
            WHERE id = @id
            """;
        return connection.ExecuteAsync(sql, new { id, name, amountMinor, quantity, now }, transaction);
    }

    /// <summary>Deletes the services and returns the distinct deals they belonged to.</summary>
    public static async Task<IReadOnlyList<string>> DeleteAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<string> ids)
    {
        const string dealsSql = "SELECT DISTINCT deal_id FROM services WHERE id IN @ids ORDER BY deal_id";
        var deals = (await connection.QueryAsync<string>(dealsSql, new { ids }, transaction)).ToList();
        const string sql = "DELETE FROM services WHERE id IN @ids";
        await connection.ExecuteAsync(sql, new { ids }, transaction);
        return deals;
    }

    public static async Task<IReadOnlyList<string>> MissingAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<string> ids)
    {
        const string sql = "SELECT id FROM services WHERE id IN @ids";
        var found = (await connection.QueryAsync<string>(sql, new { ids }, transaction)).ToHashSet();
        return ids.Where(id => !found.Contains(id)).ToList();
    }

    private const string SelectService = """
        SELECT s.id, s.deal_id AS DealId, d.identifier AS DealIdentifier, d.name AS DealName, s.name, s.amount_minor AS AmountMinor,
               s.currency, s.quantity, s.position, s.created_at AS CreatedAt, s.updated_at AS UpdatedAt
        FROM services s JOIN deals d ON d.id = s.deal_id
        """;

    public static async Task<IReadOnlyList<ServiceView>> FindManyAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<string> ids)
    {
        const string sql = SelectService + " WHERE s.id IN @ids";
        var rows = (await connection.QueryAsync<ServiceRow>(sql, new { ids }, transaction)).ToDictionary(r => r.Id);
        return ids.Where(rows.ContainsKey).Select(id => ToView(rows[id])).ToList();
    }

    public sealed record ListFilter(string? DealId, string? Search, int Limit, string[]? After);

    /// <summary>Oldest first, a deal's items in position order; keyset-paged on (created_at, deal_id, position), which
    /// is unique because positions are unique per deal.</summary>
    public static async Task<(IReadOnlyList<ServiceView> Items, long Total, bool HasMore)> ListAsync(
        SqliteConnection connection, SqliteTransaction transaction, ListFilter filter)
    {
        const string where = """
             WHERE (@DealId IS NULL OR s.deal_id = @DealId)
               AND (@Pattern IS NULL OR lower(s.name) LIKE @Pattern ESCAPE '\')
            """;
        const string countSql = "SELECT COUNT(*) FROM services s" + where;
        const string pageSql = SelectService + where + """
               AND (@AfterCreatedAt IS NULL OR s.created_at > @AfterCreatedAt
                    OR (s.created_at = @AfterCreatedAt AND (s.deal_id > @AfterDealId
                        OR (s.deal_id = @AfterDealId AND s.position > @AfterPosition))))
             ORDER BY s.created_at, s.deal_id, s.position
             LIMIT @Take
            """;
        var args = new
        {
            filter.DealId, Pattern = SqlText.ContainsPattern(filter.Search), AfterCreatedAt = filter.After?[0], AfterDealId = filter.After?[1],
            AfterPosition = filter.After is null ? 0 : long.TryParse(filter.After[2], out var p) ? p : throw CrmError.Invalid("cursor", "is not a cursor this list produced.", "the next_cursor value from the previous page, unchanged"),
            Take = filter.Limit + 1,
        };
        var total = await connection.ExecuteScalarAsync<long>(countSql, args, transaction);
        var rows = (await connection.QueryAsync<ServiceRow>(pageSql, args, transaction)).ToList();
        var hasMore = rows.Count > filter.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        return (rows.Select(ToView).ToList(), total, hasMore);
    }

    /// <summary>total_value and total_quantity of each deal, summed exactly in decimal (a product of two large
    /// integers may not fit SQLite's 64 bits). Deals without services get zeros.</summary>
    public static async Task<IReadOnlyDictionary<string, DealServiceTotals>> DealTotalsAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<(string Id, string Currency)> deals)
    {
        if (deals.Count == 0) return new Dictionary<string, DealServiceTotals>();
        const string sql = "SELECT deal_id AS DealId, amount_minor AS AmountMinor, quantity FROM services WHERE deal_id IN @ids";
        var lines = (await connection.QueryAsync<LineRow>(sql, new { ids = deals.Select(d => d.Id).ToList() }, transaction)).ToLookup(l => l.DealId);
        return deals.DistinctBy(d => d.Id).ToDictionary(d => d.Id, d =>
        {
            var value = lines[d.Id].Sum(l => (decimal)l.AmountMinor * l.Quantity);
            return new DealServiceTotals(d.Id, value.ToString(CultureInfo.InvariantCulture), Money.Display(value, Currency.FromStored(d.Currency)), lines[d.Id].Sum(l => l.Quantity));
        });
    }

    public static async Task<DealServiceTotals> DealTotalsAsync(SqliteConnection connection, SqliteTransaction transaction, string dealId)
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
