using System.Data.Common;
using System.Text.Json;
using Crm.Mcp.Data;
using Crm.Mcp.Lists;
using Dapper;

namespace Crm.Mcp.Features.Journal;

/// <summary>Reading the journal and undoing one change.</summary>
public static class JournalSql
{
    public const int RecordsPerChange = 100;

    public sealed class ChangeRow
    {
        public long Id { get; init; }
        public string At { get; init; } = "";
        public string Actor { get; init; } = "";
        public string? Tool { get; init; }
        public string? Arguments { get; init; }
        public long? RevertsChangeId { get; init; }
        public long? RevertedByChangeId { get; init; }
        public long RecordCount { get; init; }
        /// <summary>PostgreSQL: the writer's transaction id, get_changes' first sort key (0 on SQLite, and for changes
        /// from before migration 0160).</summary>
        public long Xid { get; init; }
    }

    public sealed record RecordRow(long Id, long ChangeId, string Entity, string RecordId, string Operation, string? Before, string? After);

    public sealed record Filter(
        string? Entity, string? RecordId, string? Actor, string? Tool, string? Since, string? Until, int Limit, Key? Before);

    /// <summary>A change's place in get_changes' order: (xid, id) on PostgreSQL, id alone on SQLite (xid 0).</summary>
    public sealed record Key(long Xid, long Id);

    private const string ChangeColumns = """
        c.id, c.at, c.actor, c.tool, c.arguments, c.reverts_change_id AS RevertsChangeId,
               c.reverted_by_change_id AS RevertedByChangeId,
               (SELECT COUNT(*) FROM change_records r WHERE r.change_id = c.id) AS RecordCount
        FROM changes c
        """;
    private const string SelectChange = "SELECT " + ChangeColumns;

    /// <summary>Newest first, keyset-paged. A record filter also matches the link rows that name the record (deal_people
    /// "deal/person"), so a deal's history shows its people being attached. SQLite: by change id, which is commit order
    /// (one writer at a time). PostgreSQL: writers run in parallel and change ids are taken before COMMIT, so a change
    /// can commit after a later-numbered one was read; only changes whose writer is older than every write still in
    /// flight in this database are listed, by (writer's transaction id, change id), so whatever commits later sorts
    /// above all that was shown (0160_change_commit_order.sql). <c>Last</c> is the last item's key, for the cursor.
    /// The total is counted as lists count theirs (<see cref="ListEngine.ExactTotalUpTo"/>).</summary>
    public static async Task<(IReadOnlyList<ChangeView> Items, ListTotal Total, bool HasMore, Key? Last, bool Held)> ListAsync(
        DbConnection connection, DbTransaction transaction, Filter filter)
    {
        var postgres = SqlDialect.Of(connection).IsPostgres;
        var where = Where(postgres, filter.RecordId is not null);
        var args = new
        {
            filter.Entity, filter.RecordId, filter.Actor, filter.Tool, filter.Since, filter.Until,
            BeforeXid = filter.Before?.Xid, BeforeId = filter.Before?.Id, Take = filter.Limit + 1, Bound = ListEngine.ExactTotalUpTo + 1,
        };
        var rows = (await connection.QueryAsync<ChangeRow>(PageSql(postgres, filter.RecordId is not null), args, transaction)).ToList();
        var hasMore = rows.Count > filter.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        // A first page that holds every match is its own exact total.
        var counted = filter.Before is null && !hasMore ? rows.Count
            : await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM (SELECT 1 AS one FROM changes c" + where + "\n LIMIT @Bound) AS matches", args, transaction);
        // Committed changes this snapshot holds back behind a write still in flight (or one that ended while the bound
        // was read): the caller asks again rather than answer without them.
        const string heldSql = "SELECT EXISTS (SELECT 1 FROM changes c WHERE c.xid >= " + SettledBound + ")";
        var held = postgres && await connection.ExecuteScalarAsync<bool>(heldSql, transaction: transaction);
        return (await ToViewsAsync(connection, transaction, rows), ListTotal.Counted(counted, ListEngine.ExactTotalUpTo), hasMore,
            rows.Count == 0 ? null : new Key(rows[^1].Xid, rows[^1].Id), held);
    }

    /// <summary>get_changes' page: newest first, after the cursor's key, one row past the limit.</summary>
    public static string PageSql(bool postgres, bool byRecord) => (postgres ? "SELECT c.xid, " + ChangeColumns : SelectChange) + Where(postgres, byRecord) + (postgres
        ? "\n   AND (@BeforeId IS NULL OR (c.xid, c.id) < (@BeforeXid, @BeforeId))\n ORDER BY c.xid DESC, c.id DESC\n LIMIT @Take"
        : "\n   AND (@BeforeId IS NULL OR c.id < @BeforeId)\n ORDER BY c.id DESC\n LIMIT @Take");

    private static string Where(bool postgres, bool byRecord) =>
        (byRecord ? postgres ? PostgresRecordWhere : SqliteRecordWhere : EntityWhere) + (postgres ? "\n   AND c.xid < " + SettledBound : "");

    private const string FiltersWhere = """

         WHERE (@Actor IS NULL OR c.actor = @Actor)
           AND (@Tool IS NULL OR c.tool = @Tool)
           AND (@Since IS NULL OR c.at >= @Since)
           AND (@Until IS NULL OR c.at < @Until)
        """;

    /// <summary>No record: changes are read newest first and each is checked for a row of the entity.</summary>
    private const string EntityWhere = FiltersWhere + """

           AND (@Entity IS NULL OR EXISTS (SELECT 1 FROM change_records r WHERE r.change_id = c.id AND r.entity = @Entity))
        """;

    /// <summary>A record: its few changes are found from the record's index entries, not by checking every change in the
    /// journal (1M changes took seconds): its own rows by (entity, record_id) for each journaled table, its link rows by
    /// either side of "left/right" (0163's indexes, whose expressions differ by dialect).</summary>
    private static string RecordWhere(string leftPart, string rightPart, string isLink) => FiltersWhere + $"""

           AND c.id IN (
               SELECT r.change_id FROM change_records r
                WHERE r.entity IN ({JournaledNames}) AND (@Entity IS NULL OR r.entity = @Entity) AND r.record_id = @RecordId
               UNION ALL
               SELECT r.change_id FROM change_records r
                WHERE {isLink} AND {leftPart} = @RecordId AND (@Entity IS NULL OR r.entity = @Entity)
               UNION ALL
               SELECT r.change_id FROM change_records r
                WHERE {isLink} AND {rightPart} = @RecordId AND (@Entity IS NULL OR r.entity = @Entity))
        """;

    private static readonly string JournaledNames = string.Join(", ", JournaledTables.All.Select(t => $"'{t.Name}'"));
    private static readonly string SqliteRecordWhere = RecordWhere(
        "substr(r.record_id, 1, instr(r.record_id, '/') - 1)", "substr(r.record_id, instr(r.record_id, '/') + 1)", "instr(r.record_id, '/') > 0");
    private static readonly string PostgresRecordWhere = RecordWhere(
        "split_part(r.record_id, '/', 1)", "split_part(r.record_id, '/', 2)", "strpos(r.record_id, '/') > 0");

    /// <summary>PostgreSQL: the oldest transaction still in progress in the reader's snapshot (the snapshot's xmax when
    /// none), leaving out those another database's sessions run: their changes are never ours, and they must not hold ours back.</summary>
    private const string SettledBound = """
        (SELECT COALESCE(MIN(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
         FROM pg_snapshot_xip(pg_current_snapshot()) AS x
         WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                           WHERE a.backend_xid = x::xid AND a.datname IS DISTINCT FROM current_database()))
        """;

    public static async Task<ChangeView?> FindAsync(DbConnection connection, DbTransaction transaction, long id)
    {
        const string sql = SelectChange + " WHERE c.id = @id";
        var row = await connection.QuerySingleOrDefaultAsync<ChangeRow>(sql, new { id }, transaction);
        return row is null ? null : (await ToViewsAsync(connection, transaction, [row]))[0];
    }

    public static async Task<IReadOnlyList<RecordRow>> RecordsAsync(DbConnection connection, DbTransaction transaction, long changeId)
    {
        const string sql = """
            SELECT id, change_id AS ChangeId, entity, record_id AS RecordId, operation, before, after
            FROM change_records WHERE change_id = @changeId ORDER BY id
            """;
        return (await connection.QueryAsync<RecordRow>(sql, new { changeId }, transaction)).ToList();
    }

    /// <summary>Changes after <paramref name="changeId"/> that touched any of its records: what a revert would overwrite.</summary>
    public static async Task<IReadOnlyList<ChangeRow>> LaterChangesAsync(DbConnection connection, DbTransaction transaction, long changeId)
    {
        const string sql = SelectChange + """
             WHERE c.id > @changeId AND EXISTS (
                SELECT 1 FROM change_records later
                JOIN change_records mine ON mine.change_id = @changeId
                     AND mine.entity = later.entity AND mine.record_id = later.record_id
                WHERE later.change_id = c.id)
             ORDER BY c.id
             LIMIT 20
            """;
        return (await connection.QueryAsync<ChangeRow>(sql, new { changeId }, transaction)).ToList();
    }

    public static Task MarkRevertedAsync(DbConnection connection, DbTransaction transaction, long changeId, long revertedBy)
    {
        const string sql = "UPDATE changes SET reverted_by_change_id = @revertedBy WHERE id = @changeId";
        return connection.ExecuteAsync(sql, new { changeId, revertedBy }, transaction);
    }

    private static async Task<IReadOnlyList<ChangeView>> ToViewsAsync(DbConnection connection, DbTransaction transaction, List<ChangeRow> rows)
    {
        if (rows.Count == 0) return [];
        const string recordsSql = """
            SELECT id, change_id AS ChangeId, entity, record_id AS RecordId, operation, before, after
            FROM (SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.change_id ORDER BY r.id) AS n
                  FROM change_records r WHERE r.change_id IN (SELECT CAST(value AS BIGINT) FROM json_each(@ids))) numbered
            WHERE n <= @RecordsPerChange
            ORDER BY id
            """;
        var records = (await connection.QueryAsync<RecordRow>(recordsSql, new { ids = SqlList.Json(rows.Select(r => r.Id)), RecordsPerChange }, transaction))
            .ToLookup(r => r.ChangeId);
        return rows.Select(c => new ChangeView(c.Id, c.At, c.Actor, c.Tool, Parse(c.Arguments), c.RevertsChangeId,
            c.RevertedByChangeId, c.RecordCount, records[c.Id].Select(ToView).ToList())).ToList();
    }

    private static ChangeRecordView ToView(RecordRow r)
    {
        if (r.Operation != "update") return new ChangeRecordView(r.Entity, r.RecordId, r.Operation, Parse(r.Before), Parse(r.After), null);
        var before = JsonDocument.Parse(r.Before!).RootElement;
        var after = JsonDocument.Parse(r.After!).RootElement;
        var changed = new SortedDictionary<string, FieldChange>(StringComparer.Ordinal);
        foreach (var field in after.EnumerateObject())
        {
            var old = before.TryGetProperty(field.Name, out var value) ? value : default;
            if (old.ValueKind != JsonValueKind.Undefined && JsonElement.DeepEquals(old, field.Value)) continue;
            changed[field.Name] = new FieldChange(old.ValueKind == JsonValueKind.Undefined ? null : old, field.Value);
        }
        return new ChangeRecordView(r.Entity, r.RecordId, r.Operation, null, null, changed);
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
