using Crm.Mcp.Data;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Tests.Transfer;

/// <summary>`crm-mcp migrate-data`: a SQLite file moved into PostgreSQL, verified, and usable there.</summary>
public sealed class MigrateDataTests
{
    [Theory]
    [InlineData("postgres://crm:secret@db:5432/crm", 0)]
    [InlineData("Host=db;Database=crm;Username=crm", 0)]
    [InlineData("Host=db;Database=crm;Username=crm;Command Timeout=45", 45)]
    public void The_move_runs_without_the_tool_calls_statement_timeout_unless_the_user_sets_one(string target, int expectedSeconds)
    {
        // 1M rows per entity: one table's COPY ran past the 120 s a tool call's statement may take, and the move failed.
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(Crm.Mcp.Cli.MigrateDataCommand.WithoutStatementTimeout(target));
        Assert.Equal(expectedSeconds, connection.CommandTimeout);
        Assert.Equal("crm", connection.Database);
    }

    [Fact]
    public async Task A_sqlite_database_moves_into_postgresql_verified_and_keeps_working_there()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("needs CRM_MCP_TEST_POSTGRES (a PostgreSQL server to move into)");
        var folder = Directory.CreateTempSubdirectory("crm-mcp-move").FullName;
        var file = Path.Combine(folder, "crm.db");
        try
        {
            Assert.Equal(0, (await CliRunner.RunAsync("seed-demo", "--db", file, "--deals", "60", "--seed", "3")).ExitCode);
            // A journaled change too, so the journal's history moves with the data.
            var source = new CrmDb(file);
            await Features.Journal.JournalTests.WriteSqlAsync(source, "UPDATE companies SET industry = 'Moved' WHERE name_key = (SELECT MIN(name_key) FROM companies)");
            await using var target = await TestDatabase.CreateAsync(migrate: false);

            var moved = await CliRunner.RunAsync("migrate-data", "--from", file, "--to", target.Path);

            Assert.True(moved.ExitCode == 0, moved.Output + moved.Error);
            Assert.Contains("every count and checksum matches", moved.Output);
            Assert.DoesNotContain("DIFF", moved.Output);
            await using (var sqlite = await source.OpenAsync(TestContext.Current.CancellationToken))
                foreach (var table in new[] { "companies", "people", "deals", "services", "tasks", "changes", "change_records", "users", "stages" })
                    Assert.Equal(await sqlite.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"), await target.CountAsync(table));

            // The moved CRM answers and writes: search found its rebuilt index, identifiers and the journal continue.
            await using var server = await TestServer.StartAsync(database: target);
            var search = await server.CallOkAsync("search_all", new { query = "Moved" });
            Assert.NotEmpty(search.GetProperty("data").GetProperty("items").EnumerateArray());
            var created = await server.CallOkAsync("create_deal_draft", new { company_name = "After The Move" });
            Assert.StartsWith("DEAL-", created.GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString());
            Assert.Equal(61, await target.CountAsync("deals"));

            var again = await CliRunner.RunAsync("migrate-data", "--from", file, "--to", target.Path);
            Assert.Equal(2, again.ExitCode);
            Assert.Contains("already holds data", again.Error);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }
}
