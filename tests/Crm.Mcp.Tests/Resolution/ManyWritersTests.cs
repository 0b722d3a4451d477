using Crm.Mcp.Cli;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>Real crm-mcp processes over stdio on one database file, as two desktop clients would run them (the small
/// CI-sized version of `crm-mcp stress`).</summary>
public sealed class ManyWritersTests
{
    [Fact]
    public async Task Three_server_processes_writing_overlapping_names_leave_no_duplicate_no_lost_write_and_no_error()
    {
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
}
