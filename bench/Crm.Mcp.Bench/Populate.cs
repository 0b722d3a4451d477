using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Bench;

/// <summary>
/// Fills a database with N companies, N people and N deals (each deal with its company and one person, each person
/// linked to the company; names, stages and amounts from <see cref="BenchData"/>), set-based in SQL so 1M of each
/// takes minutes rather than hours of tool calls.
/// The result has the shape the server itself gives: the same migrations, the same search documents and FTS5 indexes
/// the triggers would have written (rebuilt in bulk instead of row by row), the same triggers afterwards, and no
/// ANALYZE statistics (the server never runs ANALYZE, and statistics would change its query plans). The journal is
/// left empty, as if the rows predated it: no measured call reads it, and 5N journal rows would double the file.
/// Built databases are cached under the work folder keyed by size and schema (a hash of the migrations), so reruns
/// reuse them.
/// </summary>
public static class Populate
{
    /// <summary>Bumped whenever the generated data changes, so stale cached databases are not reused.</summary>
    private const int DataVersion = 4;

    private static readonly string[] BulkTables = ["companies", "people", "company_people", "deals", "deal_people", "search_documents"];

    public static string DefaultWork =>
        System.Environment.GetEnvironmentVariable("BENCH_WORK") is { Length: > 0 } w ? w : Path.Combine(Path.GetTempPath(), "crm-mcp-bench");

    public static string SchemaKey
    {
        get
        {
            var assembly = typeof(CrmDb).Assembly;
            using var sha = SHA256.Create();
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                var bytes = Encoding.UTF8.GetBytes(name).Concat(ReadAll(stream)).ToArray();
                sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
            }
            sha.TransformFinalBlock(BitConverter.GetBytes(DataVersion), 0, 4);
            return Convert.ToHexStringLower(sha.Hash!)[..12];
        }
    }

    public static async Task<string> CreateAsync(string folder, int rows)
    {
        folder = Path.Combine(folder, "db-" + SchemaKey);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"bench-{rows}.db");
        if (File.Exists(path)) return path;
        var clock = Stopwatch.StartNew();
        var temp = path + ".tmp";
        foreach (var f in new[] { temp, temp + "-wal", temp + "-shm" }) File.Delete(f);
        var db = new CrmDb(temp);
        await new Migrator(db).MigrateAsync();
        await using (var connection = (SqliteConnection)await db.OpenAsync())
        {
            // Only for building: the file's own settings (WAL) are what the server set.
            await Exec(connection, null, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
            connection.CreateFunction("company_key", (string name) => NameKeys.Company(name), isDeterministic: true);
            connection.CreateFunction("person_key", (string name) => NameKeys.Person(name), isDeterministic: true);
            await using var transaction = connection.BeginTransaction();

            // Every trigger on the bulk-filled tables goes, and comes back byte for byte once the rows and indexes are in.
            var triggers = new List<(string Name, string Sql)>();
            await using (var list = connection.CreateCommand())
            {
                list.Transaction = transaction;
                list.CommandText = $"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({string.Join(", ", BulkTables.Select(t => $"'{t}'"))})";
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync()) triggers.Add((reader.GetString(0), reader.GetString(1)));
            }
            foreach (var (name, _) in triggers) await Exec(connection, transaction, $"DROP TRIGGER \"{name}\"");

            // Row i is BenchData's: word-list names, people at their company's domain, deals spread over the stages,
            // amounts and two years of dates (see BenchData). Generated in C# per row, inserted set-based.
            connection.CreateFunction("bench_company", (long i) => BenchData.CompanyName(i), isDeterministic: true);
            connection.CreateFunction("bench_domain", (long i) => BenchData.Domain(i), isDeterministic: true);
            connection.CreateFunction("bench_first", (long i) => BenchData.FirstName(i), isDeterministic: true);
            connection.CreateFunction("bench_last", (long i) => BenchData.LastName(i), isDeterministic: true);
            connection.CreateFunction("bench_email", (long i) => BenchData.Email(i), isDeterministic: true);
            connection.CreateFunction("bench_deal", (long i) => BenchData.DealName(i), isDeterministic: true);
            connection.CreateFunction("bench_stage", (long i) => BenchData.Stage(i), isDeterministic: true);
            connection.CreateFunction("bench_amount", (long i) => BenchData.AmountMinor(i), isDeterministic: true);
            connection.CreateFunction("bench_currency", (long i) => BenchData.Currency(i), isDeterministic: true);
            connection.CreateFunction("bench_draft", (long i) => BenchData.IsDraft(i) ? 1L : 0L, isDeterministic: true);
            connection.CreateFunction("bench_at", (long i) => BenchData.CreatedAt(i), isDeterministic: true);
            connection.CreateFunction("bench_expected_close", (long i) => BenchData.ExpectedCloseDate(i), isDeterministic: true);
            connection.CreateFunction("bench_closed_at", (long i) => BenchData.ClosedAt(i), isDeterministic: true);
            const string numbers = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $rows - 1)";
            const string at = "bench_at(i)";
            string Id(int kind) => $"printf('00000000-0000-4000-800{kind}-%012x', i)";
            await Exec(connection, transaction, $"""
                {numbers}
                INSERT INTO companies (id, name, name_key, domain, created_at, updated_at)
                SELECT {Id(1)}, bench_company(i), company_key(bench_company(i)), bench_domain(i), {at}, {at} FROM n
                """, rows);
            await Exec(connection, transaction, $"""
                {numbers}
                INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, created_at, updated_at)
                SELECT {Id(2)}, bench_first(i), bench_last(i), bench_first(i) || ' ' || bench_last(i), person_key(bench_first(i) || ' ' || bench_last(i)),
                       bench_email(i), bench_email(i), {at}, {at} FROM n
                """, rows);
            await Exec(connection, transaction, $"""
                {numbers}
                INSERT INTO company_people (company_id, person_id, created_at) SELECT {Id(1)}, {Id(2)}, {at} FROM n
                """, rows);
            await Exec(connection, transaction, $"""
                {numbers}
                INSERT INTO deals (id, identifier, name, amount_minor, currency, company_id, pipeline_id, stage_id, is_draft,
                                   source, order_in_stage, company_sort_index, expected_close_date, created_at, updated_at)
                SELECT {Id(3)}, printf('BENCH-%07d', i), bench_deal(i), bench_amount(i), bench_currency(i), {Id(1)},
                       '00000000-0000-4000-8000-000000000001', printf('00000000-0000-4000-8000-%012d', 100 + bench_stage(i)),
                       bench_draft(i), 'import', i, 0, bench_expected_close(i), {at}, {at} FROM n
                """, rows);
            // A won or lost deal closed some time after it was created (what deals_closed_at_au, migration 0120, records
            // when it moved there).
            await Exec(connection, transaction, """
                UPDATE deals SET closed_at = bench_closed_at(CAST(substr(identifier, 7) AS INTEGER))
                WHERE stage_id IN (SELECT id FROM stages WHERE kind <> 'open')
                """);
            await Exec(connection, transaction, $"""
                {numbers}
                INSERT INTO deal_people (deal_id, person_id, created_at) SELECT {Id(3)}, {Id(2)}, {at} FROM n
                """, rows);

            // What the *_search_ai and *_name_blocks_ai triggers would have written, in bulk.
            await Exec(connection, transaction, """
                INSERT INTO search_documents (entity_type, entity_id, title, body) SELECT entity_type, entity_id, title, body FROM search_source;
                INSERT INTO search_words (search_words) VALUES ('rebuild');
                INSERT INTO search_trigrams (search_trigrams) VALUES ('rebuild');
                """);
            // As every rebuild in the migrations ends (0180, 0210): in one segment, not the many a rebuild leaves under
            // 0103's lazy merge settings (the word index at 1M: 25), each of which every MATCH opens.
            await Exec(connection, transaction, """
                INSERT INTO search_words (search_words) VALUES ('optimize');
                INSERT INTO search_trigrams (search_trigrams) VALUES ('optimize');
                """);
            await Crm.Mcp.Resolution.NameBlocks.MigrateAsync(connection, transaction);
            foreach (var (_, sql) in triggers) await Exec(connection, transaction, sql);
            // What the deals_rollup_* triggers (migration 0122) would have kept.
            await Exec(connection, transaction, "DELETE FROM deal_rollup; INSERT INTO deal_rollup SELECT * FROM deal_rollup_source;");
            await transaction.CommitAsync();
            await Exec(connection, null, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        SqliteConnection.ClearAllPools();
        File.Move(temp, path);
        Console.Error.WriteLine($"populated {rows:N0} rows each of companies, people, deals in {clock.Elapsed.TotalSeconds:F1} s ({new FileInfo(path).Length / 1048576.0:F0} MB): {path}");
        return path;
    }

    private static async Task Exec(SqliteConnection connection, SqliteTransaction? transaction, string sql, int rows = 0)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue("$rows", rows);
        await command.ExecuteNonQueryAsync();
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
