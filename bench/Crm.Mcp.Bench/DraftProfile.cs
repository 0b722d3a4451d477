using System.Diagnostics;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Resolution;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Crm.Mcp.Bench;

/// <summary>
/// `profile-draft DB [--calls N]`: create_deal_draft (new company + 2 new people) run in process on a copy of DB, without
/// the protocol, with SQLite's own profile of every statement (its time includes the statement's trigger programs). The
/// breakdown says where a draft's time goes: which statements, how much in SQL, how much in C# around it.
/// </summary>
public static class DraftProfile
{
    public static async Task RunAsync(string seeded, string work, int calls)
    {
        var path = Path.Combine(work, "profile-draft.db");
        foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        File.Copy(seeded, path);
        var db = new CrmDb(path);
        await new Migrator(db).MigrateAsync();
        var statements = new Dictionary<string, (int Count, long Ns)>();
        var profiling = false;
        // The pool's connections, each with the profile hook (a draft takes whichever is idle).
        var opened = new List<System.Data.Common.DbConnection>();
        for (var i = 0; i < 8; i++)
        {
            var connection = await db.OpenAsync();
            raw.sqlite3_profile(((SqliteConnection)connection).Handle!, (_, sql, ns) =>
            {
                if (!profiling) return;
                var key = sql.Length > 160 ? sql[..160] : sql;
                key = key.ReplaceLineEndings(" ");
                statements[key] = statements.TryGetValue(key, out var s) ? (s.Count + 1, s.Ns + ns) : (1, ns);
            }, null);
            opened.Add(connection);
        }
        foreach (var connection in opened) await connection.DisposeAsync();

        var tools = new DealTools(db, new Resolver(), new CrmSettings { DatabasePath = path });
        var run = Guid.NewGuid().ToString("N")[..6];
        async Task Draft(int i)
        {
            for (var attempt = 0; ; attempt++)
            {
                // The call filter's part: the ambient write call (auto mode, so near names are looked up as over MCP).
                WriteCall.Enter(new WriteCall { Tool = "create_deal_draft", CreateIfMissing = CreateIfMissing.Auto, ResponseType = typeof(DealDraftResponse) });
                try
                {
                    await tools.CreateDealDraft(company_name: $"{Words.Name($"{run} draft company {i}.{attempt}")} Ltd", amount: 1000 + i, stage_name: "Proposal",
                        people: [new PersonInput { Name = Words.Name($"{run} ann {i}.{attempt}"), Email = $"ann@{run}-{i}.example" },
                                 new PersonInput { Name = Words.Name($"{run} bob {i}.{attempt}"), Email = $"bob@{run}-{i}.example" }]);
                    return;
                }
                catch (CrmError e) when (e.Code == ErrorCodes.NeedsDisambiguation && attempt < 3)
                {
                }
            }
        }
        for (var i = 0; i < 200; i++) await Draft(-1 - i); // warm-up: JIT, tiering, statement caches
        profiling = true;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++) await Draft(i);
        var wallMs = clock.Elapsed.TotalMilliseconds / calls;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / calls;
        profiling = false;
        var sqlMs = statements.Values.Sum(s => s.Ns) / 1e6 / calls;
        Console.WriteLine($"\n### create_deal_draft in process, {calls} calls\n");
        Console.WriteLine($"wall {wallMs:F3} ms/draft, CPU {cpuMs:F3} ms/draft, in SQLite statements {sqlMs:F3} ms/draft, " +
                          $"{statements.Values.Sum(s => s.Count) / (double)calls:F1} statements/draft; load {Measure.LoadAverage():F2}\n");
        Console.WriteLine("| statement | per draft | µs each | µs per draft |\n|---|---|---|---|");
        foreach (var (sql, (count, ns)) in statements.OrderByDescending(s => s.Value.Ns))
            Console.WriteLine($"| `{sql.Replace("|", "\\|")}` | {count / (double)calls:F2} | {ns / 1e3 / count:F1} | {ns / 1e3 / calls:F1} |");
    }
}
