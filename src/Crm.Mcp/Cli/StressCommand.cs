using System.Data.Common;
using System.CommandLine;
using Crm.Mcp.Data;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp stress`: the many-writers check (StressRunner) against this very build. Only the full build runs it:
/// its MCP client (the SDK's client half, which brought System.Net.Http.Json's per-type async serialization along)
/// stays out of the stdio binary, which parses the command and runs crm-mcp-http in its place (Program.cs).</summary>
public static class StressCommand
{
    public static Command Create()
    {
        var processes = new Option<int>("--processes") { Description = "Server processes writing at once", DefaultValueFactory = _ => 8 };
        var calls = new Option<int>("--calls") { Description = "Tool calls per client (one client per process unless --clients)", DefaultValueFactory = _ => 1000 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients per HTTP instance (with --http)", DefaultValueFactory = _ => 1 };
        var db = new Option<string?>("--db") { Description = "Database to write: a file, or a PostgreSQL URL (default: a new temporary file, removed after)", HelpName = "PATH" };
        var http = new Option<bool>("--http") { Description = "Run the servers as stateless HTTP instances on loopback (as behind a load balancer) instead of over stdio" };
        var command = new Command("stress", "Start N crm-mcp servers on one database, make M create_deal_draft calls through each over MCP, then check for duplicates, lost writes and errors");
        command.Add(processes);
        command.Add(calls);
        command.Add(db);
        command.Add(http);
        command.Add(clients);
#if CRM_HTTP
        command.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(processes);
            var m = parse.GetValue(calls);
            if (n is < 1 or > 64) return CrmCli.Fail("--processes: use 1 to 64.");
            if (m is < 1 or > 1_000_000) return CrmCli.Fail("--calls: use 1 to 1000000.");
            var c = parse.GetValue(clients);
            if (c is < 1 or > 64) return CrmCli.Fail("--clients: use 1 to 64.");
            if (c > 1 && !parse.GetValue(http)) return CrmCli.Fail("--clients: needs --http (a stdio server has one client).");
            var chosen = parse.GetValue(db);
            var temporary = chosen is null ? Directory.CreateTempSubdirectory("crm-mcp-stress").FullName : null;
            var path = chosen is null ? Path.Combine(temporary!, "stress.db") : DatabasePath.Resolve(chosen);
            var self = Clients.ServerLaunch.ThisProcess();
            Console.WriteLine($"crm-mcp stress: {n} processes x {c} clients x {m} calls on {DatabaseLocation.Display(path)}");
            try
            {
                var report = await new StressRunner(self.Command, self.Args, path) { Progress = Console.Error, Http = parse.GetValue(http), ClientsPerProcess = c }.RunAsync(n, m, cancellationToken);
                Console.WriteLine(report);
                foreach (var sample in report.ErrorSamples) Console.WriteLine($"  error: {sample}");
                if (!report.Clean)
                    foreach (var line in report.ServerLog) Console.WriteLine($"  server: {line}");
                return report.Clean ? 0 : 1;
            }
            finally
            {
                if (temporary is not null)
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    try { Directory.Delete(temporary, true); } catch (IOException) { }
                }
            }
        });
#endif
        return command;
    }
}
