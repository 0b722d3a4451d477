using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Contacts;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Bench;

/// <summary>
/// `profile-bulk [--rows 1000] [--calls 50]`: create_contacts (new companies, then existing ones) and create_deals with 100 items each (the `bulk` section's
/// items), in process on a copy of the populated database, without the protocol: CPU per call and SQLite's own profile
/// of every statement (a statement's time includes its trigger programs).
/// </summary>
public static class BulkProfile
{
    public static async Task RunAsync(string seeded, int rows, string work, int calls)
    {
        var profile = await StatementProfile.OpenCopyAsync(seeded, work, "profile-bulk.db");
        var db = profile.Db;

        var settings = new CrmSettings { DatabasePath = profile.Path };
        var contacts = new ContactTools(db, new Resolver(), new FieldRegistry([]));
        var deals = new DealTools(db, new Resolver(), settings);
        var run = Guid.NewGuid().ToString("N")[..6];
        const int size = Workloads.BulkItems;
        // The warm-up writes under its own names: batch -4 beside batch 4 gave names the resolver calls close.
        var warmUp = false;
        // The bulk section's items (Workloads), bound as the server binds them.
        static T[] Items<T>(Dictionary<string, object?>[] items) =>
            JsonSerializer.Deserialize<T[]>(JsonSerializer.Serialize(items), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;
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
        async Task ContactsAtExisting(int i)
        {
            WriteCall.Enter(new WriteCall { Tool = "create_contacts", CreateIfMissing = CreateIfMissing.Auto });
            var items = Workloads.ContactItemsAtExisting(warmUp ? "w" + run : run, i, size, r => Workloads.Spread(r, rows));
            var reply = await contacts.CreateContacts(Items<ContactInput>(items));
            if (reply.Data.Failed > 0) throw new InvalidOperationException("create_contacts failed");
        }
        foreach (var (name, call) in new (string, Func<int, Task>)[]
                 { ("create_contacts", Contacts), ("create_contacts at existing companies", ContactsAtExisting), ("create_deals", Deals) })
        {
            warmUp = true;
            for (var i = 0; i < 10; i++) await call(1000 + i); // warm-up: JIT, tiering, statement caches
            warmUp = false;
            profile.Start();
            for (var i = 0; i < calls; i++) await call(i);
            var (wallMs, cpuMs, sqlMs, perCall) = profile.Stop(calls);
            Console.WriteLine($"\n### {name}, {size} items per call, in process, {calls} calls\n");
            Console.WriteLine($"wall {wallMs:F2} ms/call, CPU {cpuMs:F2} ms/call ({cpuMs * 1000 / size:F0} µs per record, {size * 1000 / cpuMs:F0} records per CPU second), " +
                              $"in SQLite statements {sqlMs:F2} ms/call, {perCall:F1} statements/call; load {Measure.LoadAverage():F2}\n");
            profile.PrintTable(calls, "call", take: 25);
        }
    }
}
