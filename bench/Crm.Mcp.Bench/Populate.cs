using System.Diagnostics;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Bench;

/// <summary>Fills a database with N companies, N people and N deals straight through SQL (prepared statements in one
/// transaction), so growth runs start from 1k, 100k or 1M rows in seconds rather than hours of tool calls.</summary>
public static class Populate
{
    private static readonly string[] Stages =
    [
        "00000000-0000-4000-8000-000000000101", "00000000-0000-4000-8000-000000000102", "00000000-0000-4000-8000-000000000103",
        "00000000-0000-4000-8000-000000000104", "00000000-0000-4000-8000-000000000105", "00000000-0000-4000-8000-000000000106",
    ];

    public static async Task<string> CreateAsync(string folder, int rows)
    {
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
            await using var transaction = connection.BeginTransaction();
            // Filling the database is nobody's change: without the journal's triggers the first write of a run does
            // not seal millions of rows into one change (and webhook events) during the server's start-up.
            await JournalTriggers.DropAsync(connection, transaction);
            var company = Prepare(connection, transaction, "INSERT INTO companies (id, name, name_key, domain, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)", 5);
            var person = Prepare(connection, transaction, "INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $7)", 7);
            var link = Prepare(connection, transaction, "INSERT INTO company_people (company_id, person_id, created_at) VALUES ($1, $2, $3)", 3);
            var deal = Prepare(connection, transaction, """
                INSERT INTO deals (id, identifier, name, amount_minor, currency, company_id, pipeline_id, stage_id, is_draft,
                                   source, order_in_stage, company_sort_index, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 'USD', $5, '00000000-0000-4000-8000-000000000001', $6, $7, 'import', $8, 0, $9, $9)
                """, 9);
            var dealPerson = Prepare(connection, transaction, "INSERT INTO deal_people (deal_id, person_id, created_at) VALUES ($1, $2, $3)", 3);
            var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            var random = new Random(42);
            for (var i = 0; i < rows; i++)
            {
                var at = start.AddSeconds(i * 17).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
                var companyId = Guid.NewGuid().ToString();
                var personId = Guid.NewGuid().ToString();
                var dealId = Guid.NewGuid().ToString();
                var name = $"Company {i} Ltd";
                Run(company, companyId, name, NameKeys.Company(name), $"company{i}.example", at);
                Run(person, personId, $"First{i}", $"Last{i}", $"First{i} Last{i}", $"first{i} last{i}", $"person{i}@company{i}.example", at);
                Run(link, companyId, personId, at);
                Run(deal, dealId, $"BENCH-{i:0000000}", $"Deal {i}", random.Next(1, 1_000_000) * 100L, companyId, Stages[i % Stages.Length], i % 3 == 0 ? 1 : 0, i / Stages.Length, at);
                Run(dealPerson, dealId, personId, at);
            }
            await JournalTriggers.InstallAsync(connection, transaction);
            await transaction.CommitAsync();
            await using var analyze = connection.CreateCommand();
            analyze.CommandText = "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);";
            await analyze.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        File.Move(temp, path);
        Console.Error.WriteLine($"populated {rows:N0} rows each of companies, people, deals in {clock.Elapsed.TotalSeconds:F1} s");
        return path;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var p = 1; p <= parameters; p++) command.Parameters.Add(new SqliteParameter($"${p}", null));
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
        command.ExecuteNonQuery();
    }
}
