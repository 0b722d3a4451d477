using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Transfer;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>Names that look the same are one key, in the runtime mode the shipped build uses.</summary>
public sealed class KeyFoldingTests
{
    [Fact]
    public void The_tests_run_with_the_shipped_build_s_globalization_mode()
    {
        // The shipped runtimeconfig (copied beside the tests) against the mode this test host runs in: if they differ,
        // every other test here proves nothing about the shipped build.
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "crm-mcp.runtimeconfig.json")));
        var shipped = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties")
            .TryGetProperty("System.Globalization.Invariant", out var invariant) && invariant.GetBoolean();
        Assert.Equal(shipped, AppContext.TryGetSwitch("System.Globalization.Invariant", out var running) && running);
        Assert.True(shipped, "the shipped build is expected to run without ICU (Directory.Build.props)");
        // And what that mode means: no decomposition from the runtime, so the keys must not depend on it.
        Assert.Equal("Bäckerei".Length, "Bäckerei".Normalize(System.Text.NormalizationForm.FormD).Length);
    }

    [Fact]
    public void The_ascii_shortcuts_fold_as_the_rune_by_rune_paths()
    {
        // Every ASCII character alone and beside letters, then random ASCII texts (controls, punctuation, digits,
        // dots and apostrophes that Words drops): Fold, Canonical and Words must give what the rune paths give.
        var texts = new List<string>();
        for (var c = (char)0; c < 128; c++) texts.AddRange([c.ToString(), $"Ab{c}Cd", $"{c} x.Y'z {c}"]);
        var random = new Random(15);
        for (var i = 0; i < 5000; i++)
            texts.Add(new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)(random.Next(4) == 0 ? random.Next(128) : "aZ .'-&,9 "[random.Next(10)])).ToArray()));
        foreach (var text in texts)
        {
            Assert.Equal(UnicodeFold.FoldRunes(text), UnicodeFold.Fold(text));
            Assert.Equal(UnicodeFold.CanonicalRunes(text), UnicodeFold.Canonical(text));
            Assert.Equal(NameKeys.RuneWords(UnicodeFold.FoldRunes(text)), NameKeys.Words(text));
        }
        // Text that folds to ASCII ("Zoë" -> "zoe") takes the shortcut for its words, with the same answer.
        Assert.Equal(NameKeys.RuneWords(UnicodeFold.FoldRunes("Zoë O'Brien-Müller")), NameKeys.Words("Zoë O'Brien-Müller"));
    }

    [Theory]
    [InlineData("Bäckerei Müller")]                     // precomposed ä, ü
    [InlineData("Ba\u0308ckerei Mu\u0308ller")]         // a + combining diaeresis
    [InlineData("Backerei Muller")]
    [InlineData("BÄCKEREI MÜLLER GmbH")]
    [InlineData("Bäcker\u200Bei Mül\u00ADler")]         // zero-width space, soft hyphen
    [InlineData("\uFEFF\u200EBäckerei Müller\u202C")]   // BOM, bidi marks
    [InlineData("Ｂäｃｋｅｒｅｉ Ｍüｌｌｅｒ")]                // fullwidth forms
    public void Every_spelling_of_one_name_is_one_key(string spelling) =>
        Assert.Equal("backerei muller", NameKeys.Company(spelling));

    [Theory]
    [InlineData("Zoë", "zoe")]
    [InlineData("Łódź Søren", "lodz soren")]
    [InlineData("Straße", "strasse")]
    [InlineData("ﬁrst 𝐀𝐜𝐦𝐞", "first acme")]
    [InlineData("한국", "한국")]
    public void Person_and_stage_keys_fold_the_same_way(string name, string key)
    {
        var folded = NameKeys.Person(name);
        Assert.Equal(NameKeys.Person(key), folded);
        Assert.Equal(folded, NameKeys.Stage(name));
        Assert.Equal(folded, NameKeys.Pipeline(name));
    }

    [Fact]
    public void Email_keys_are_canonical_but_keep_accents()
    {
        Assert.Equal(NameKeys.Email("José@Example.com"), NameKeys.Email("Jose\u0301@example.COM"));
        Assert.Equal(NameKeys.Email("jose@example.com"), NameKeys.Email("\u200Bjose@example.com\uFEFF"));
        Assert.NotEqual(NameKeys.Email("josé@example.com"), NameKeys.Email("jose@example.com"));
    }

    [Fact]
    public async Task Precomposed_and_decomposed_names_are_one_company_through_the_tools()
    {
        await using var server = await TestServer.StartAsync();
        var first = await server.CallOkAsync("create_deal_draft", new { company_name = "Bäckerei Müller" });
        var second = await server.CallOkAsync("create_deal_draft", new { company_name = "Ba\u0308ckerei Mu\u0308ller" });
        var third = await server.CallOkAsync("create_deal_draft", new { company_name = "Backerei Muller" });
        var ids = new[] { first, second, third }.Select(r => r.GetProperty("data").GetProperty("resolution").GetProperty("company").GetProperty("id").GetString()).Distinct();
        Assert.Single(ids);
        Assert.Equal(1, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task Precomposed_and_decomposed_names_are_one_company_through_import()
    {
        await using var database = await TestDatabase.CreateAsync();
        var file = Path.Combine(database.Folder, "companies.csv");
        await File.WriteAllTextAsync(file, "name,domain\nBäckerei Müller,\nBa\u0308ckerei Mu\u0308ller,\n\uFEFFＢackerei Muller\u200B,\n", TestContext.Current.CancellationToken);
        var plan = ImportMapping.Map(ImportSource.Csv, CsvFile.Read(file));
        var report = await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
            .RunAsync(plan, false, 500, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((3, 1, 2), (report.Rows, report.Created, report.Matched));
        Assert.Equal(1, await database.CountAsync("companies"));
    }

    [Fact]
    public async Task Migration_0090_recomputes_keys_and_reports_records_that_become_equal_without_merging()
    {
        var database = await TestDatabase.CreateAsync(); // the server below disposes it
        var ct = TestContext.Current.CancellationToken;
        // Keys as the ICU-less build stored them: the precomposed ä kept, so two spellings were two companies.
        var (old, composed, decomposed) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await using (var connection = await database.Db.OpenAsync(ct))
        {
            await connection.ExecuteAsync("""
                INSERT INTO companies (id, name, name_key, created_at, updated_at) VALUES
                    (@old, 'Zoë Labs', 'zoë labs', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
                    (@composed, 'Bäckerei Müller', 'bäckerei müller', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),
                    (@decomposed, 'Backerei Muller', 'backerei muller', '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z');
                DELETE FROM schema_migrations WHERE version = 90;
                """, new { old, composed, decomposed });
        }
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        try { await new Migrator(database.Db).MigrateAsync(ct); }
        finally { Console.SetError(previous); }

        await using (var connection = await database.Db.OpenAsync(ct))
        {
            var keys = (await connection.QueryAsync<(string Id, string Key)>("SELECT id, name_key FROM companies")).ToDictionary(r => r.Id, r => r.Key);
            Assert.Equal("zoe labs", keys[old]);                 // recomputed
            Assert.Equal("backerei muller", keys[decomposed]);   // already held the key: keeps it
            Assert.Equal("bäckerei müller", keys[composed]);     // would collide: kept apart, with its old key
        }
        Assert.Contains($"'Bäckerei Müller' ({composed}) now has the same key as 'Backerei Muller' ({decomposed})", stderr.ToString());

        // Reported, not merged: both records exist and find_duplicates puts them side by side.
        await using var server = await TestServer.StartAsync(database: database);
        var pairs = (await server.CallOkAsync("find_duplicates", new { kind = "companies" })).GetProperty("data").GetProperty("pairs");
        Assert.Contains(pairs.EnumerateArray(), p => new[] { p.GetProperty("a").GetProperty("id").GetString(), p.GetProperty("b").GetProperty("id").GetString() }.Order().SequenceEqual(new[] { composed, decomposed }.Order()));
    }
}
