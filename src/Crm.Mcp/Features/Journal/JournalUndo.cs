using System.Data.Common;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;
using System.Text.RegularExpressions;
#if CRM_POSTGRES
using Npgsql;
#endif

namespace Crm.Mcp.Features.Journal;

/// <summary>
/// Applies the inverse of a change's rows, newest row first: an insert is deleted, a delete re-inserted from its
/// before image, an update gets its changed columns back (updated_at becomes now: the revert is a new change).
/// Foreign keys are checked at the end, so a restored deal and its restored links may come back in any order.
/// </summary>
public static partial class JournalUndo
{
    internal sealed record Dangling(string Child, string Parent);

    public static async Task ApplyAsync(DbConnection connection, DbTransaction transaction, long changeId,
        IReadOnlyList<JournalSql.RecordRow> records, string now)
    {
        var dialect = SqlDialect.Of(connection);
        // PostgreSQL's foreign keys are DEFERRABLE for exactly this (its migrations); checked below, before COMMIT.
        await connection.ExecuteAsync(dialect.IsPostgres ? "SET CONSTRAINTS ALL DEFERRED" : "PRAGMA defer_foreign_keys = ON", transaction: transaction);
        var schemas = new Dictionary<string, IReadOnlyList<SqlDialect.Column>>();
        try
        {
            foreach (var record in records.Reverse())
            {
                if (JournaledTables.Find(record.Entity) is null)
                    throw new CrmError(ErrorCodes.Conflict, "change_id",
                        $"change_id: change {changeId} touched {record.Entity}, which is no longer journaled; it cannot be reverted.",
                        "a change whose records are all in journaled tables");
                if (!schemas.TryGetValue(record.Entity, out var columns))
                    schemas[record.Entity] = columns = await dialect.ColumnsAsync(connection, transaction, record.Entity);
                await UndoAsync(connection, transaction, record, columns, now, dialect.IsPostgres);
            }
            if (dialect.IsPostgres) await connection.ExecuteAsync("SET CONSTRAINTS ALL IMMEDIATE", transaction: transaction);
        }
#if CRM_POSTGRES
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            var parent = ReferencedTable().Match(e.Detail ?? "") is { Success: true } m ? m.Groups[1].Value : "referenced";
            throw DanglingError(changeId, new Dangling(e.TableName ?? "child", parent));
        }
#endif
        catch (Exception e) when (dialect.IsConstraintViolation(e))
        {
            throw new CrmError(ErrorCodes.Conflict, "change_id",
                $"change_id: reverting change {changeId} would break a uniqueness or integrity rule ({e.Message.Split('\n')[0]}); nothing was written.",
                "first change or remove the record that now holds the same name or email, then revert again");
        }
        if (dialect.IsPostgres) return;

        foreach (var table in schemas.Keys)
        {
            const string checkSql = "SELECT \"table\" AS Child, parent AS Parent FROM pragma_foreign_key_check(@table) LIMIT 1";
            if (await connection.QuerySingleOrDefaultAsync<Dangling>(checkSql, new { table }, transaction) is { } first)
                throw DanglingError(changeId, first);
        }
    }

    private static CrmError DanglingError(long changeId, Dangling first) =>
        new(ErrorCodes.Conflict, "change_id",
            $"change_id: reverting change {changeId} would leave a {first.Child} row pointing to a {first.Parent} row that no longer exists; nothing was written.",
            $"restore the {first.Parent} row first (revert the change that deleted it), then revert this one");

    private static Task UndoAsync(DbConnection connection, DbTransaction transaction, JournalSql.RecordRow record,
        IReadOnlyList<SqlDialect.Column> columns, string now, bool postgres)
    {
        var keys = columns.Where(c => c.Pk > 0).Select(c => c.Name).ToList();
        // PostgreSQL reads the JSON back as a row of the table, so every value gets its column's type.
        string Value(string column, string parameter) => postgres
            ? $"(jsonb_populate_record(NULL::\"{record.Entity}\", {parameter}::jsonb)).\"{column}\""
            : $"json_extract({parameter}, '$.\"{column}\"')";
        string KeyMatch(string parameter) => string.Join(" AND ", keys.Select(k => $"\"{k}\" = {Value(k, parameter)}"));

        switch (record.Operation)
        {
            case "insert":
                return connection.ExecuteAsync($"DELETE FROM \"{record.Entity}\" WHERE {KeyMatch("@after")}",
                    new { after = record.After }, transaction);
            case "delete":
            {
                using var before = JsonDocument.Parse(record.Before!);
                var restored = columns.Where(c => before.RootElement.TryGetProperty(c.Name, out _)).Select(c => c.Name).ToList();
                var sql = $"INSERT INTO \"{record.Entity}\" ({string.Join(", ", restored.Select(c => $"\"{c}\""))}) " +
                          $"VALUES ({string.Join(", ", restored.Select(c => Value(c, "@before")))})";
                return connection.ExecuteAsync(sql, new { before = record.Before }, transaction);
            }
            default:
            {
                using var before = JsonDocument.Parse(record.Before!);
                using var after = JsonDocument.Parse(record.After!);
                var changed = columns.Select(c => c.Name)
                    .Where(c => c != JournalTriggers.UpdatedAt && before.RootElement.TryGetProperty(c, out var old) &&
                                !(after.RootElement.TryGetProperty(c, out var @new) && JsonElement.DeepEquals(old, @new)))
                    .ToList();
                if (changed.Count == 0) return Task.CompletedTask;
                var assignments = changed.Select(c => $"\"{c}\" = {Value(c, "@before")}").ToList();
                if (columns.Any(c => c.Name == JournalTriggers.UpdatedAt)) assignments.Add($"\"{JournalTriggers.UpdatedAt}\" = @now");
                var sql = $"UPDATE \"{record.Entity}\" SET {string.Join(", ", assignments)} WHERE {KeyMatch("@after")}";
                return connection.ExecuteAsync(sql, new { before = record.Before, after = record.After, now }, transaction);
            }
        }
    }
#if CRM_POSTGRES

    [GeneratedRegex("table \"([^\"]+)\"")]
    private static partial Regex ReferencedTable();
#endif
}
