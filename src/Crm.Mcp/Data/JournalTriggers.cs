using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>
/// Generates the AFTER INSERT/UPDATE/DELETE triggers of every journaled table from its current columns, so a column a
/// later migration adds is journaled without anyone remembering to. The update trigger fires only when a column
/// other than updated_at changed: an update that changes nothing leaves no journal entry and sends no webhook.
/// </summary>
public static class JournalTriggers
{
    public const string Prefix = "journal_";
    public const string UpdatedAt = "updated_at";

    /// <summary>Creates or refreshes the triggers; a no-op when they already match the schema. Skips tables that do
    /// not exist yet, and does nothing before the journal's own migration has run.</summary>
    public static async Task InstallAsync(DbConnection connection, DbTransaction transaction)
    {
        var dialect = SqlDialect.Of(connection);
        if (!await dialect.TableExistsAsync(connection, transaction, "change_records")) return;
        foreach (var table in JournaledTables.All)
        {
            if (!await dialect.TableExistsAsync(connection, transaction, table.Name)) continue;
            var columns = await dialect.ColumnsAsync(connection, transaction, table.Name);
            if (columns.Count == 0) continue;
            if (dialect.IsPostgres)
            {
                await InstallPostgresAsync(connection, transaction, table.Name, columns);
                continue;
            }
            foreach (var (name, sql) in Generate(table.Name, columns))
            {
                const string existingSql = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = @name";
                var existing = await connection.ExecuteScalarAsync<string?>(existingSql, new { name }, transaction);
                if (existing == sql) continue;
                await connection.ExecuteAsync($"DROP TRIGGER IF EXISTS \"{name}\"; {sql};", transaction: transaction);
            }
        }
    }

    /// <summary>Removes every journal trigger, so a migration's own data changes are not journaled as anyone's
    /// change (and a column a trigger names can be dropped). InstallAsync puts them back in the same transaction.</summary>
    internal sealed record TriggerRow(string Name, string TableName);

    public static async Task DropAsync(DbConnection connection, DbTransaction transaction)
    {
        if (SqlDialect.Of(connection).IsPostgres)
        {
            const string triggersSql = """
                SELECT t.tgname AS Name, c.relname AS TableName FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname LIKE 'journal\_%'
                """;
            foreach (var trigger in await connection.QueryAsync<TriggerRow>(triggersSql, transaction: transaction))
                await connection.ExecuteAsync($"DROP TRIGGER \"{trigger.Name}\" ON \"{trigger.TableName}\"", transaction: transaction);
            return;
        }
        const string sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'journal\\_%' ESCAPE '\\'";
        foreach (var name in await connection.QueryAsync<string>(sql, transaction: transaction))
            await connection.ExecuteAsync($"DROP TRIGGER \"{name}\"", transaction: transaction);
    }

    /// <summary>A row as the triggers write it (json_object of every column), or null when it does not exist. For
    /// tables with a one-column primary key.</summary>
    public static async Task<string?> RowJsonAsync(DbConnection connection, DbTransaction transaction, string table, string id)
    {
        var dialect = SqlDialect.Of(connection);
        var columns = await dialect.ColumnsAsync(connection, transaction, table);
        var key = columns.Single(c => c.Pk == 1).Name;
        if (dialect.IsPostgres)
            return await connection.QuerySingleOrDefaultAsync<string?>(
                $"SELECT row_to_json(r)::text FROM \"{table}\" r WHERE \"{key}\" = @id", new { id }, transaction);
        var sql = $"SELECT json_object({string.Join(", ", columns.Select(c => $"'{c.Name}', \"{c.Name}\""))}) FROM \"{table}\" WHERE \"{key}\" = @id";
        return await connection.QuerySingleOrDefaultAsync<string?>(sql, new { id }, transaction);
    }

    /// <summary>PostgreSQL: one PL/pgSQL function (journal_row, migration 0070) serves every table; it writes the
    /// row as row_to_json (every column, so a later column is journaled too) and skips updates that change nothing
    /// but updated_at. The record id's key columns are the trigger's arguments. Nothing to regenerate when a column
    /// is added, so an existing trigger is left alone.</summary>
    private static async Task InstallPostgresAsync(DbConnection connection, DbTransaction transaction, string table,
        IReadOnlyList<SqlDialect.Column> columns)
    {
        var keys = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => $"'{c.Name}'");
        const string existingSql = """
            SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = @table AND t.tgname LIKE 'journal\_%'
            """;
        var existing = (await connection.QueryAsync<string>(existingSql, new { table }, transaction)).ToHashSet();
        foreach (var operation in new[] { "insert", "update", "delete" })
            if (!existing.Contains($"{Prefix}{table}_{operation}"))
                await connection.ExecuteAsync($"""
                CREATE OR REPLACE TRIGGER "{Prefix}{table}_{operation}" AFTER {operation.ToUpperInvariant()} ON "{table}"
                FOR EACH ROW EXECUTE FUNCTION journal_row({string.Join(", ", keys)})
                """, transaction: transaction);
    }

    /// <summary>
    /// SQLite: the insert trigger's journal rows for rows written while triggers were off (the import's load path):
    /// every row of <paramref name="table"/> above <paramref name="afterRowId"/>, in rowid
    /// order, the order the trigger would have written them, with the trigger's own record id and row JSON, and with
    /// <paramref name="changeId"/> already (a change <see cref="ChangeJournal.OpenAsync"/> opened; null: unclaimed, as
    /// the trigger writes them).
    /// </summary>
    public static async Task JournalInsertedAsync(DbConnection connection, DbTransaction transaction, string table, long afterRowId,
        long? changeId = null)
    {
        var columns = await SqlDialect.Of(connection).ColumnsAsync(connection, transaction, table);
        var sql = $"""
            INSERT INTO change_records (change_id, entity, record_id, operation, before, after)
                SELECT @changeId, '{table}', {RecordId(columns, "t")}, 'insert', NULL, {Json(columns, "t")} FROM "{table}" AS t
                WHERE t.rowid > @afterRowId ORDER BY t.rowid
            """;
        await connection.ExecuteAsync(sql, new { afterRowId, changeId }, transaction);
    }

    private static string RecordId(IReadOnlyList<SqlDialect.Column> columns, string row)
    {
        var keys = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name).ToList();
        return keys.Count == 0 ? $"{row}.rowid" : string.Join(" || '/' || ", keys.Select(k => $"{row}.\"{k}\""));
    }

    private static string Json(IReadOnlyList<SqlDialect.Column> columns, string row) =>
        $"json_object({string.Join(", ", columns.Select(c => $"'{c.Name}', {row}.\"{c.Name}\""))})";

    private static IEnumerable<(string Name, string Sql)> Generate(string table, IReadOnlyList<SqlDialect.Column> columns)
    {
        string Insert(string operation, string row, string before, string after) => $"""
            INSERT INTO change_records (entity, record_id, operation, before, after)
                VALUES ('{table}', {RecordId(columns, row)}, '{operation}', {before}, {after});
            """;

        yield return ($"{Prefix}{table}_insert", $"""
            CREATE TRIGGER "{Prefix}{table}_insert" AFTER INSERT ON "{table}" BEGIN
                {Insert("insert", "NEW", "NULL", Json(columns, "NEW"))}
            END
            """);
        var compared = columns.Where(c => c.Name != UpdatedAt).Select(c => $"OLD.\"{c.Name}\" IS NOT NEW.\"{c.Name}\"").ToList();
        if (compared.Count > 0)
            yield return ($"{Prefix}{table}_update", $"""
                CREATE TRIGGER "{Prefix}{table}_update" AFTER UPDATE ON "{table}"
                WHEN {string.Join(" OR ", compared)} BEGIN
                    {Insert("update", "NEW", Json(columns, "OLD"), Json(columns, "NEW"))}
                END
                """);
        yield return ($"{Prefix}{table}_delete", $"""
            CREATE TRIGGER "{Prefix}{table}_delete" AFTER DELETE ON "{table}" BEGIN
                {Insert("delete", "OLD", Json(columns, "OLD"), "NULL")}
            END
            """);
    }
}
