using Crm.Mcp.Data;
using Microsoft.Data.Sqlite;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Bench;

/// <summary>`verify`: checks that a database Populate built in bulk is one the server could have written — same
/// schema objects as a freshly migrated file, search documents equal to what the triggers derive, FTS5 indexes
/// consistent with their content — and that the served tools find, resolve and refuse its rows as they would their own.</summary>
public static class Verify
{
    public static async Task<int> RunAsync(string seeded, string work, int rows)
    {
        var failures = 0;
        void Check(bool ok, string what, string? detail = null)
        {
            Console.WriteLine($"- {(ok ? "ok" : "FAILED")}: {what}{(ok || detail is null ? "" : $"\n  {detail[..Math.Min(detail.Length, 1500)]}")}");
            if (!ok) failures++;
        }

        var fresh = Path.Combine(work, "verify-fresh.db");
        foreach (var f in new[] { fresh, fresh + "-wal", fresh + "-shm" }) File.Delete(f);
        await new Migrator(new CrmDb(fresh)).MigrateAsync();
        const string schemaSql = "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(10)) FROM (SELECT * FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name)";
        var expectedSchema = Scalar(fresh, schemaSql);
        Check(Scalar(seeded, schemaSql) == expectedSchema, "schema objects (tables, indexes, triggers, views) identical to a freshly migrated database");
        const string statsSql = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'";
        Check(Scalar(seeded, statsSql) == Scalar(fresh, statsSql), "ANALYZE statistics only if migrations write them (a served file gets what the server runs itself)");
        Check(Scalar(seeded, "SELECT count(*) FROM companies") == $"{rows}" && Scalar(seeded, "SELECT count(*) FROM people") == $"{rows}" && Scalar(seeded, "SELECT count(*) FROM deals") == $"{rows}", $"{rows} companies, people, deals");
        Check(Scalar(seeded, "SELECT count(*) FROM search_documents") == Scalar(seeded, "SELECT count(*) FROM search_source"), "one search document per record");
        Check(Scalar(seeded, "SELECT count(*) FROM search_documents d JOIN search_source s USING (entity_type, entity_id) WHERE d.title IS NOT s.title OR d.body IS NOT s.body") == "0", "search documents equal what the triggers derive");
        foreach (var fts in new[] { "search_words", "search_trigrams", "companies_name_trgm", "people_name_trgm" })
            Check(Scalar(seeded, $"INSERT INTO {fts} ({fts}, rank) VALUES ('integrity-check', 1); SELECT 'ok'") == "ok", $"{fts} consistent with its content table");
        Check(Scalar(seeded, "SELECT count(*) FROM change_records WHERE change_id IS NULL") == "0", "no unsealed journal rows");

        var copy = Path.Combine(work, "verify.db");
        foreach (var f in new[] { copy, copy + "-wal", copy + "-shm" }) File.Delete(f);
        File.Copy(seeded, copy);
        await using (var server = await ServerProcess.StartCrmAsync(copy))
        {
            var client = server.Client;
            async Task<(bool Error, string Text)> Call(string tool, Dictionary<string, object?> arguments)
            {
                var result = await client.CallToolAsync(tool, arguments);
                return (result.IsError == true, string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text)));
            }
            var n = rows / 2;
            var companyId = $"00000000-0000-4000-8001-{n:x12}";
            var core = BenchData.CompanyCore(n);
            var deal = await Call("get_deal", new() { ["deal"] = $"BENCH-{n:0000000}" });
            Check(!deal.Error && deal.Text.Contains(BenchData.CompanyName(n)), "get_deal by identifier finds the deal and its company", deal.Text);
            var search = await Call("search_all", new() { ["query"] = core, ["limit"] = 5 });
            Check(!search.Error && search.Text.Contains(companyId), "search_all finds the company by name", search.Text);
            var trigram = await Call("search_all", new() { ["query"] = core[1..^1], ["limit"] = 5 });
            Check(!trigram.Error && trigram.Text.Contains(companyId), "search_all finds it by a substring (trigram index)", trigram.Text);
            var draft = await Call("create_deal_draft", new() { ["company_name"] = core.ToUpperInvariant() + ", LTD.", ["amount"] = 10, ["stage_name"] = "Proposal" });
            Check(!draft.Error && draft.Text.Contains(companyId), "create_deal_draft resolves the company by name key instead of creating one", draft.Text);
            var typo = core[..2] + core[3] + core[2] + core[4..]; // two letters swapped
            var near = await Call("create_deal_draft", new() { ["company_name"] = typo, ["amount"] = 10, ["stage_name"] = "Proposal" });
            Check(near.Text.Contains(companyId), "a misspelt name is matched to it as a near-name candidate (trigram name index)", near.Text);
            var duplicate = await Call("create_contacts", new() { ["items"] = new[] { new Dictionary<string, object?> { ["name"] = "Someone Else", ["email"] = BenchData.Email(n).ToUpperInvariant() } } });
            Check(duplicate.Error, "create_contacts refuses an email a populated person has");
            var contact = await Call("get_contact", new() { ["contact"] = BenchData.Email(n) });
            Check(!contact.Error && contact.Text.Contains(BenchData.FullName(n)), "get_contact finds a person by email", contact.Text);
            var deals = await Call("get_deals", new() { ["limit"] = 5 });
            Check(!deals.Error && deals.Text.Contains("BENCH-"), "get_deals lists populated deals");
        }
        Console.WriteLine(failures == 0 ? "verify: all checks passed" : $"verify: {failures} checks FAILED");
        return failures == 0 ? 0 : 1;
    }

    public static string Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
