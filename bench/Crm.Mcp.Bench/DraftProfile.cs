using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Resolution;

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
        var profile = await StatementProfile.OpenCopyAsync(seeded, work, "profile-draft.db");

        var tools = new DealTools(profile.Db, new Resolver(), new CrmSettings { DatabasePath = profile.Path });
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
        profile.Start();
        for (var i = 0; i < calls; i++) await Draft(i);
        var (wallMs, cpuMs, sqlMs, perDraft) = profile.Stop(calls);
        Console.WriteLine($"\n### create_deal_draft in process, {calls} calls\n");
        Console.WriteLine($"wall {wallMs:F3} ms/draft, CPU {cpuMs:F3} ms/draft, in SQLite statements {sqlMs:F3} ms/draft, " +
                          $"{perDraft:F1} statements/draft; load {Measure.LoadAverage():F2}\n");
        profile.PrintTable(calls, "draft");
    }
}
