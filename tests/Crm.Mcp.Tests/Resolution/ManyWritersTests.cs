using Crm.Mcp.Cli;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>Real crm-mcp processes over stdio on one database file, as two desktop clients would run them (the small
/// CI-sized version of `crm-mcp stress`).</summary>
public sealed class ManyWritersTests
{
    [Fact]
    public async Task Three_server_processes_writing_overlapping_names_leave_no_duplicate_no_lost_write_and_no_error()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("several processes on one SQLite file; PostgreSQL runs the HTTP instances test below");
        var folder = Directory.CreateTempSubdirectory("crm-mcp-race").FullName;
        try
        {
            var runner = new StressRunner("dotnet", [Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll")], Path.Combine(folder, "race.db"));
            var report = await runner.RunAsync(processes: 3, callsPerProcess: 24, TestContext.Current.CancellationToken);

            Assert.True(report.Clean, report + Environment.NewLine + string.Join(Environment.NewLine, report.ErrorSamples));
            Assert.Equal(72, report.Calls);
            Assert.Equal(72, report.Succeeded);
            Assert.True(report.Replays > 0, "the workload retries some calls with their idempotency key");
            Assert.True(report.DryRuns > 0, "the workload previews some calls");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    /// <summary>Several instances behind a load balancer: separate processes (so separate connection pools), stateless
    /// HTTP, one database (PostgreSQL when the suite runs against it), overlapping names created at once.</summary>
    [Fact]
    public async Task Three_stateless_http_instances_on_one_database_leave_no_duplicate_no_lost_write_and_unique_identifiers()
    {
        await using var database = await TestDatabase.CreateAsync();
        var runner = new StressRunner("dotnet", [Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll")], database.Path) { Http = true };
        var report = await runner.RunAsync(processes: 3, callsPerProcess: 24, TestContext.Current.CancellationToken);

        Assert.True(report.Clean, report + Environment.NewLine + string.Join(Environment.NewLine, report.ErrorSamples));
        Assert.Equal(72, report.Succeeded);
        Assert.Equal(0, report.DuplicateIdentifiers);
        Assert.True(report.Replays > 0, "the workload retries some calls with their idempotency key");
        Assert.True(await database.CountAsync("deals") > 0);
    }
}
