using System.Diagnostics;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Contacts;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Crm.Mcp.Bench;

/// <summary>
/// `profile-bulk [--rows 1000] [--calls 50]`: create_contacts and create_deals with 100 items each (the `bulk` section's
/// items), in process on a copy of the populated database, without the protocol: CPU per call and SQLite's own profile
/// of every statement (a statement's time includes its trigger programs).
/// </summary>
public static class BulkProfile
{
    public static async Task RunAsync(string seeded, string work, int calls)
    {
        var path = Path.Combine(work, "profile-bulk.db");
        foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        File.Copy(seeded, path);
        var db = new CrmDb(path);
        await new Migrator(db).MigrateAsync();
        var profiling = false;
        var statements = await ProfileStatementsAsync(db, () => profiling);

        var settings = new CrmSettings { DatabasePath = path };
        var contacts = new ContactTools(db, new Resolver(), new FieldRegistry([]));
        var deals = new DealTools(db, new Resolver(), settings);
        var run = Guid.NewGuid().ToString("N")[..6];
        const int size = Workloads.BulkItems;
        // The bulk section's items (Workloads), bound as the server binds them.
        static T[] Items<T>(Dictionary<string, object?>[] items) =>
            JsonSerializer.Deserialize<T[]>(JsonSerializer.Serialize(items), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;
        // The warm-up writes under its own run key: batch -4 beside batch 4 made names the resolver calls close.
        var warmUp = true;
        async Task Contacts(int i)
        {
            WriteCall.Enter(new WriteCall { Tool = "create_contacts", CreateIfMissing = CreateIfMissing.Auto });
            var reply = await contacts.CreateContacts(Items<ContactInput>(Workloads.ContactItems(warmUp ? "w" + run : run, i, size)));
            if (reply.Data.Failed > 0) throw new InvalidOperationException("create_contacts failed");
        }
        async Task Deals(int i)
        {
            WriteCall.Enter(new WriteCall { Tool = "create_deals", CreateIfMissing = CreateIfMissing.Auto });
            var reply = await deals.CreateDeals(Items<DealInput>(Workloads.DealItems(warmUp ? "w" + run : run, i, size)));
            if (reply.Data.Failed > 0) throw new InvalidOperationException("create_deals failed");
        }
        foreach (var (name, call) in new (string, Func<int, Task>)[] { ("create_contacts", Contacts), ("create_deals", Deals) })
        {
            warmUp = true;
            for (var i = 0; i < 10; i++) await call(1000 + i); // warm-up: JIT, tiering, statement caches
            warmUp = false;
            statements.Clear();
            profiling = true;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++) await call(i);
            var wallMs = clock.Elapsed.TotalMilliseconds / calls;
            var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / calls;
            profiling = false;
            var sqlMs = statements.Values.Sum(s => s.Ns) / 1e6 / calls;
            Console.WriteLine($"\n### {name}, {size} items per call, in process, {calls} calls\n");
            Console.WriteLine($"wall {wallMs:F2} ms/call, CPU {cpuMs:F2} ms/call ({cpuMs * 1000 / size:F0} µs per record, {size * 1000 / cpuMs:F0} records per CPU second), " +
                              $"in SQLite statements {sqlMs:F2} ms/call, {statements.Values.Sum(s => s.Count) / (double)calls:F1} statements/call; load {Measure.LoadAverage():F2}\n");
            PrintStatements(statements, calls, "call");
        }
    }

    /// <summary>SQLite's own profile of every statement run on <paramref name="db"/>'s pooled connections while
    /// <paramref name="on"/> says so (a statement's time includes its trigger programs), by its first 160 characters.</summary>
    public static async Task<Dictionary<string, (int Count, long Ns)>> ProfileStatementsAsync(CrmDb db, Func<bool> on)
    {
        var statements = new Dictionary<string, (int Count, long Ns)>();
        var opened = new List<System.Data.Common.DbConnection>();
        for (var i = 0; i < 8; i++)
        {
            var connection = await db.OpenAsync();
            raw.sqlite3_profile(((SqliteConnection)connection).Handle!, (_, sql, ns) =>
            {
                if (!on()) return;
                var key = (sql.Length > 160 ? sql[..160] : sql).ReplaceLineEndings(" ");
                statements[key] = statements.TryGetValue(key, out var s) ? (s.Count + 1, s.Ns + ns) : (1, ns);
            }, null);
            opened.Add(connection);
        }
        foreach (var connection in opened) await connection.DisposeAsync();
        return statements;
    }

    public static void PrintStatements(Dictionary<string, (int Count, long Ns)> statements, int units, string unit)
    {
        Console.WriteLine($"| statement | per {unit} | µs each | µs per {unit} |\n|---|---|---|---|");
        foreach (var (sql, (count, ns)) in statements.OrderByDescending(s => s.Value.Ns).Take(25))
            Console.WriteLine($"| `{sql.Replace("|", "\\|")}` | {count / (double)units:F2} | {ns / 1e3 / count:F1} | {ns / 1e3 / units:F1} |");
    }
}
