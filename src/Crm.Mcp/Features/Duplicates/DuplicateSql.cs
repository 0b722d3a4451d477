using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Duplicates;

/// <summary>SQL for finding and merging duplicates. Merging follows the schema's own foreign keys, so every table
/// that references companies or people (deals, links, and whatever later features add) is moved without a list here.</summary>
public static class DuplicateSql
{
    public sealed record Kind(string Name, string Singular, string Table, string NameColumn);

    public static readonly Kind Companies = new("companies", "company", "companies", "name");
    public static readonly Kind People = new("people", "person", "people", "full_name");

    // Columns the merge never copies from a duplicate: identity, the survivor's name and its audit timestamps.
    private static readonly HashSet<string> KeptColumns = ["id", "name", "name_key", "full_name", "first_name", "last_name", "created_at", "updated_at"];

    public sealed record Reference(string TableName, string ColumnName);

    /// <summary>Every (table, column) that can hold an id of a <paramref name="table"/> row: declared foreign keys, plus
    /// the id-of-any-record columns by convention (entity_id, record_id: custom field values, import keys, search rows)
    /// that cannot declare one. Ids are UUIDs, so a match in those columns can only be this record. The journal is not a
    /// reference but history: its rows keep naming the duplicate, so get_changes for it still lists what happened to it.</summary>
    public static async Task<IReadOnlyList<Reference>> ReferencesToAsync(DbConnection connection, DbTransaction transaction, string table)
    {
        const string sql = """
            SELECT m.name AS TableName, f."from" AS ColumnName
            FROM sqlite_master m, pragma_foreign_key_list(m.name) f
            WHERE m.type = 'table' AND f."table" = @table
            UNION
            SELECT m.name, c.name
            FROM sqlite_master m, pragma_table_info(m.name) c
            WHERE m.type = 'table' AND m.sql NOT LIKE 'CREATE VIRTUAL%' AND m.name NOT LIKE 'sqlite%'
              AND c.name IN ('entity_id', 'record_id') AND m.name <> @journal
            ORDER BY 1, 2
            """;
        const string postgresSql = """
            SELECT cl.relname::text AS TableName, a.attname::text AS ColumnName
            FROM pg_constraint c
            JOIN pg_class cl ON cl.oid = c.conrelid
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.contype = 'f' AND c.confrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(@table))
            UNION
            SELECT c.table_name::text, c.column_name::text
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.column_name IN ('entity_id', 'record_id')
              AND c.table_name <> @journal
            ORDER BY 1, 2
            """;
        return (await connection.QueryAsync<Reference>(SqlDialect.Of(connection).IsPostgres ? postgresSql : sql, new { table, journal = ChangeJournal.RecordsTable }, transaction)).ToList();
    }

    public static async Task<IDictionary<string, object?>?> RowAsync(DbConnection connection, DbTransaction transaction, Kind kind, string id)
    {
        // Table names come from the fixed Kind records, never from input.
        // A plain reader, not Dapper's dynamic row: casting that needs the C# runtime binder, which the native build lacks.
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT * FROM {kind.Table} WHERE id = @id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        var row = new Dictionary<string, object?>(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++) row[reader.GetName(i)] = await reader.IsDBNullAsync(i) ? null : reader.GetValue(i);
        return row;
    }

    /// <summary>Points a reference at the survivor; rows that would then duplicate a survivor's link are dropped.</summary>
    public static async Task<(long Moved, long Dropped)> MoveAsync(
        DbConnection connection, DbTransaction transaction, Reference reference, string survivorId, string duplicateId)
    {
        // Identifiers come from the schema itself (sqlite_master, pg_catalog), values are parameters.
        long moved;
        if (SqlDialect.Of(connection).IsPostgres) moved = await MoveRowsOneByOneAsync(connection, transaction, reference, survivorId, duplicateId);
        else
        {
            var moveSql = $"UPDATE OR IGNORE \"{reference.TableName}\" SET \"{reference.ColumnName}\" = @survivorId WHERE \"{reference.ColumnName}\" = @duplicateId";
            moved = await connection.ExecuteAsync(moveSql, new { survivorId, duplicateId }, transaction);
        }
        var dropSql = $"DELETE FROM \"{reference.TableName}\" WHERE \"{reference.ColumnName}\" = @duplicateId";
        var dropped = await connection.ExecuteAsync(dropSql, new { duplicateId }, transaction);
        return (moved, dropped);
    }

    /// <summary>PostgreSQL has no UPDATE OR IGNORE: each row moves under a savepoint, and one whose move would break
    /// a unique rule stays behind (to be dropped with the duplicate), exactly as SQLite skips it.</summary>
    private static async Task<long> MoveRowsOneByOneAsync(
        DbConnection connection, DbTransaction transaction, Reference reference, string survivorId, string duplicateId)
    {
        var rowsSql = $"SELECT ctid::text FROM \"{reference.TableName}\" WHERE \"{reference.ColumnName}\" = @duplicateId";
        var moveSql = $"UPDATE \"{reference.TableName}\" SET \"{reference.ColumnName}\" = @survivorId WHERE ctid = @row::tid";
        long moved = 0;
        foreach (var row in (await connection.QueryAsync<string>(rowsSql, new { duplicateId }, transaction)).ToList())
        {
            await connection.ExecuteAsync("SAVEPOINT merge_move", transaction: transaction);
            try
            {
                moved += await connection.ExecuteAsync(moveSql, new { survivorId, row }, transaction);
                await connection.ExecuteAsync("RELEASE SAVEPOINT merge_move", transaction: transaction);
            }
            catch (Exception e) when (SqlDialect.Of(connection).IsUniqueViolation(e))
            {
                await connection.ExecuteAsync("ROLLBACK TO SAVEPOINT merge_move; RELEASE SAVEPOINT merge_move", transaction: transaction);
            }
        }
        return moved;
    }

    public static Task DeleteAsync(DbConnection connection, DbTransaction transaction, Kind kind, string id)
    {
        var sql = $"DELETE FROM {kind.Table} WHERE id = @id";
        return connection.ExecuteAsync(sql, new { id }, transaction);
    }

    /// <summary>Copies into the survivor each field it lacks and the merged record had (after the merged record is gone,
    /// so a unique email can move). Returns the names of the fields filled.</summary>
    public static async Task<IReadOnlyList<string>> FillGapsAsync(
        DbConnection connection, DbTransaction transaction, Kind kind, string survivorId, IDictionary<string, object?> merged, string now)
    {
        var survivor = (await RowAsync(connection, transaction, kind, survivorId))!;
        var filled = new List<string>();
        foreach (var (column, value) in merged)
        {
            if (KeptColumns.Contains(column) || value is null || survivor.TryGetValue(column, out var current) && current is not null) continue;
            var sql = $"UPDATE {kind.Table} SET \"{column.Replace("\"", "")}\" = @value, updated_at = @now WHERE id = @survivorId";
            await connection.ExecuteAsync(sql, new { value, now, survivorId }, transaction);
            if (!column.EndsWith("_key", StringComparison.Ordinal)) filled.Add(column);
        }
        return filled;
    }

    public static async Task<string> AuditAsync(
        DbConnection connection, DbTransaction transaction, Kind kind, string survivorId, IDictionary<string, object?> merged,
        IReadOnlyDictionary<string, long> moved, string now)
    {
        const string sql = """
            INSERT INTO merge_audit (id, kind, survivor_id, merged_id, merged_record, moved, merged_at)
            VALUES (@id, @kind, @survivorId, @mergedId, @record, @moved, @now)
            """;
        var id = Ids.New();
        await connection.ExecuteAsync(sql, new
        {
            id, kind = kind.Singular, survivorId, mergedId = (string)merged["id"]!,
            record = CrmJson.Serialize(merged), moved = CrmJson.Serialize(moved), now,
        }, transaction);
        return id;
    }

    /// <summary>Journals the merge on the survivor too (an update whose after image adds merged_from, the duplicates'
    /// ids), so get_changes for the survivor lists the merge and reverting an older change of it names the merge as
    /// the conflict. Reverting this row restores nothing: merged_from is no column.</summary>
    public static async Task JournalMergeAsync(DbConnection connection, DbTransaction transaction, Kind kind, string survivorId, IReadOnlyList<string> mergedIds)
    {
        var row = (await JournalTriggers.RowJsonAsync(connection, transaction, kind.Table, survivorId))!;
        var after = JsonNode.Parse(row)!.AsObject();
        after["merged_from"] = new JsonArray(mergedIds.Select(id => (JsonNode?)id).ToArray());
        const string sql = """
            INSERT INTO change_records (entity, record_id, operation, before, after)
            VALUES (@table, @survivorId, 'update', @row, @after)
            """;
        await connection.ExecuteAsync(sql, new { table = kind.Table, survivorId, row, after = after.ToJsonString() }, transaction);
    }

    public sealed record CompanyRow(string Id, string Name, string NameKey, string? Domain, string? Website);

    public static async Task<IReadOnlyList<CompanyRow>> AllCompaniesAsync(DbConnection connection, DbTransaction transaction, int max)
    {
        const string sql = "SELECT id, name, name_key AS NameKey, domain, website FROM companies ORDER BY created_at, id LIMIT @max";
        return (await connection.QueryAsync<CompanyRow>(sql, new { max }, transaction)).ToList();
    }

    public sealed record PersonRow(string Id, string FullName, string NameKey, string? Email, string? Phone);

    public static async Task<IReadOnlyList<PersonRow>> AllPeopleAsync(DbConnection connection, DbTransaction transaction, int max)
    {
        const string sql = "SELECT id, full_name AS FullName, name_key AS NameKey, email, phone FROM people ORDER BY created_at, id LIMIT @max";
        return (await connection.QueryAsync<PersonRow>(sql, new { max }, transaction)).ToList();
    }
}
