using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Crm.Mcp.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Crm.Mcp.Transfer;

/// <summary>
/// Moves a SQLite database into an empty PostgreSQL one (`crm-mcp migrate-data`): every table of the schema, the
/// journal and webhook outbox included, in one PostgreSQL transaction through binary COPY. Derived data is rebuilt,
/// not copied: the search index and the name blocks fill themselves from their triggers as rows arrive. Journal triggers are off while copying
/// (the copy is nobody's change); identity sequences continue after the copied ids. Then both sides are read back
/// and compared table by table: row counts, and a checksum over every row's values (order-independent, numbers
/// compared by value), so "moved" means verified, not just "no error".
/// </summary>
public sealed class DataMigration(CrmDb source, CrmDb target)
{
    public sealed record TableResult(string Table, long SourceRows, long TargetRows, string SourceChecksum, string TargetChecksum)
    {
        public bool Matches => SourceRows == TargetRows && SourceChecksum == TargetChecksum;
    }

    /// <summary>Derived tables the target's triggers fill as rows arrive: compared by count only (the name blocks' row_id
    /// is SQLite's rowid there, the record's id here).</summary>
    private static readonly string[] Derived = ["search_documents", "companies_name_blocks", "people_name_blocks"];

    /// <summary>Bookkeeping the target keeps for itself, the derived tables, and search's vocabulary (PostgreSQL only,
    /// filled by search_documents' trigger as the entities arrive).</summary>
    private static readonly HashSet<string> NotCopied = ["schema_migrations", "search_vocabulary", .. Derived];

    /// <summary>Tables whose rows the target's own migrations create (seeded pipeline and stages, the default user):
    /// replaced by the source's.</summary>
    private static readonly string[] Seeded = ["stages", "pipelines", "users"];

    public async Task<IReadOnlyList<TableResult>> RunAsync(CancellationToken cancellationToken)
    {
        if (source.IsPostgres || !target.IsPostgres)
            throw new InvalidOperationException("migrate-data moves a SQLite file into PostgreSQL (--from FILE --to postgres://...).");
        await new Migrator(source).MigrateAsync(cancellationToken);
        await new Migrator(target).MigrateAsync(cancellationToken);

        await using var from = await source.OpenAsync(cancellationToken);
        await using var readTransaction = await from.BeginTransactionAsync(cancellationToken);
        var tables = await TablesAsync(target, cancellationToken);

        await target.WriteAsync(async (connection, transaction) =>
        {
            foreach (var (table, _) in tables.Where(t => !Seeded.Contains(t.Table)))
                if (await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM \"{table}\"", transaction: transaction) > 0)
                    throw new InvalidOperationException($"the target already holds data ({table}); migrate-data fills an empty database only.");
            await JournalTriggers.DropAsync(connection, transaction);
            await connection.ExecuteAsync("SET CONSTRAINTS ALL DEFERRED", transaction: transaction);
            foreach (var table in Seeded) await connection.ExecuteAsync($"DELETE FROM \"{table}\"", transaction: transaction);
            foreach (var (table, columns) in tables)
                await CopyAsync(from, readTransaction, (NpgsqlConnection)connection, table, columns, cancellationToken);
            foreach (var (table, columns) in tables)
                foreach (var column in columns.Where(c => c.Identity))
                    await connection.ExecuteAsync($"""
                        SELECT setval(pg_get_serial_sequence('"{table}"', '{column.Name}'), COALESCE((SELECT MAX("{column.Name}") FROM "{table}"), 0) + 1, false)
                        """, transaction: transaction);
            await connection.ExecuteAsync("SET CONSTRAINTS ALL IMMEDIATE", transaction: transaction);
            await JournalTriggers.InstallAsync(connection, transaction);
            return 0;
        }, cancellationToken);

        await using var to = await target.OpenAsync(cancellationToken);
        var results = new List<TableResult>();
        foreach (var (table, columns) in tables.Concat(Derived.Select(d => (d, (IReadOnlyList<TargetColumn>)[]))))
        {
            var names = columns.Select(c => c.Name).ToList();
            var (sourceRows, sourceSum) = await ChecksumAsync(from, readTransaction, table, names);
            var (targetRows, targetSum) = await ChecksumAsync(to, null, table, names);
            results.Add(new TableResult(table, sourceRows, targetRows, sourceSum, targetSum));
        }
        await readTransaction.CommitAsync(cancellationToken);
        return results;
    }

    private sealed record TargetColumn(string Name, string Type, bool Identity);

    internal sealed record SourceColumn(string Table, string Name, string Type, bool Identity);

    private static async Task<List<(string Table, IReadOnlyList<TargetColumn> Columns)>> TablesAsync(CrmDb target, CancellationToken cancellationToken)
    {
        await using var connection = await target.OpenAsync(cancellationToken);
        const string sql = """
            SELECT c.table_name AS "Table", c.column_name AS Name, c.data_type AS Type, c.is_identity = 'YES' AS Identity
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER'
            ORDER BY c.table_name, c.ordinal_position
            """;
        var rows = await connection.QueryAsync<SourceColumn>(sql);
        return rows.Where(r => !NotCopied.Contains(r.Table))
            .GroupBy(r => r.Table)
            .Select(g => (g.Key, (IReadOnlyList<TargetColumn>)g.Select(r => new TargetColumn(r.Name, r.Type, r.Identity)).ToList()))
            .ToList();
    }

    private static async Task CopyAsync(DbConnection from, DbTransaction readTransaction, NpgsqlConnection to, string table,
        IReadOnlyList<TargetColumn> columns, CancellationToken cancellationToken)
    {
        var list = string.Join(", ", columns.Select(c => $"\"{c.Name}\""));
        await using var command = from.CreateCommand();
        command.Transaction = readTransaction;
        command.CommandText = $"SELECT {list} FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await using var importer = await to.BeginBinaryImportAsync($"COPY \"{table}\" ({list}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            await importer.StartRowAsync(cancellationToken);
            for (var i = 0; i < columns.Count; i++)
            {
                if (await reader.IsDBNullAsync(i, cancellationToken)) { await importer.WriteNullAsync(cancellationToken); continue; }
                var value = reader.GetValue(i);
                switch (columns[i].Type)
                {
                    case "bigint": await importer.WriteAsync(Convert.ToInt64(value, CultureInfo.InvariantCulture), NpgsqlDbType.Bigint, cancellationToken); break;
                    case "integer": await importer.WriteAsync(Convert.ToInt32(value, CultureInfo.InvariantCulture), NpgsqlDbType.Integer, cancellationToken); break;
                    case "numeric": await importer.WriteAsync(Convert.ToDecimal(value, CultureInfo.InvariantCulture), NpgsqlDbType.Numeric, cancellationToken); break;
                    default: await importer.WriteAsync(Convert.ToString(value, CultureInfo.InvariantCulture)!, NpgsqlDbType.Text, cancellationToken); break;
                }
            }
        }
        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>Row count and a SHA-256 over the sorted per-row hashes of the given columns (no columns: count only).</summary>
    private static async Task<(long Rows, string Checksum)> ChecksumAsync(DbConnection connection, DbTransaction? transaction, string table, IReadOnlyList<string> columns)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = columns.Count == 0
            ? $"SELECT COUNT(*) FROM \"{table}\""
            : $"SELECT {string.Join(", ", columns.Select(c => $"\"{c}\""))} FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync();
        if (columns.Count == 0)
        {
            await reader.ReadAsync();
            return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), "-");
        }
        var rowHashes = new List<string>();
        var text = new StringBuilder();
        while (await reader.ReadAsync())
        {
            text.Clear();
            for (var i = 0; i < columns.Count; i++) text.Append(Canonical(reader.IsDBNull(i) ? null : reader.GetValue(i))).Append('\u001f');
            rowHashes.Add(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))));
        }
        rowHashes.Sort(StringComparer.Ordinal);
        return (rowHashes.Count, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", rowHashes))))[..16].ToLowerInvariant());
    }

    private static string Canonical(object? value) => value switch
    {
        null => "\u0000null",
        long or int or short or decimal or double or float => Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString("G29", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
