using System.Text.Json;
using Crm.Mcp.Features.Search;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Features.Search;

public sealed class SearchAllTests
{
    private static async Task<List<JsonElement>> Search(TestServer server, object args) =>
        (await server.CallOkAsync("search_all", args)).GetProperty("data").GetProperty("items").EnumerateArray().ToList();

    private static async Task Execute(TestServer server, string sql, object? args = null)
    {
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        await connection.ExecuteAsync(sql, args);
    }

    [Fact]
    public async Task Finds_deals_companies_and_contacts_with_title_matches_first()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", name = "Renewal 2027",
            people = new[] { new { name = "Hank Scorpio", email = "hank@globex.com" } } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Initech", name = "Globex referral" });

        var hits = await Search(server, new { query = "globex" });
        // The company and the deal named "Globex referral" match in the title; Globex's own deal and Hank only in the body.
        Assert.Equal(["company:Globex", "deal:Globex referral"], hits.Take(2).Select(h => $"{h.GetProperty("type")}:{h.GetProperty("title")}").Order());
        Assert.Contains(hits.Skip(2), h => h.GetProperty("title").GetString() == "Renewal 2027");
        Assert.Contains(hits.Skip(2), h => h.GetProperty("title").GetString() == "Hank Scorpio");
        Assert.All(hits, h => Assert.Equal("all_words", h.GetProperty("match").GetString()));
        var scores = hits.Select(h => h.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.Contains("**Globex**", hits.Single(h => h.GetProperty("title").GetString() == "Renewal 2027").GetProperty("snippet").GetString());
        Assert.All(scores, score => Assert.Equal(Math.Round(score, 3), score));

        // A deal hit says which deal and where it stands; other hits carry none of that.
        var deal = hits.Single(h => h.GetProperty("title").GetString() == "Renewal 2027");
        Assert.Equal("DEAL-001", deal.GetProperty("identifier").GetString());
        Assert.Equal("Globex", deal.GetProperty("company").GetString());
        Assert.False(string.IsNullOrEmpty(deal.GetProperty("stage").GetString()));
        Assert.False(hits.Single(h => h.GetProperty("type").GetString() == "company").TryGetProperty("identifier", out _));
    }

    [Fact]
    public async Task Prefixes_accents_emails_identifiers_and_substrings_match()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Zürich Versicherung", name = "Fleet policy",
            people = new[] { new { name = "Anaïs Dubois", email = "anais.dubois@zurich.example" } } });

        async Task<string?> First(string query) => (await Search(server, new { query })).FirstOrDefault() is { ValueKind: JsonValueKind.Object } hit
            ? $"{hit.GetProperty("type")}:{hit.GetProperty("title")}:{hit.GetProperty("match")}" : null;
        Assert.Equal("company:Zürich Versicherung:all_words", await First("zurich vers"));
        Assert.Equal("contact:Anaïs Dubois:all_words", await First("anais.dubois@zurich.example"));
        Assert.Equal("deal:Fleet policy:all_words", await First("deal-001"));
        Assert.Equal("company:Zürich Versicherung:substring", await First("sicherung"));
        Assert.Null(await First("nothing-like-this"));
    }

    [Fact]
    public async Task Records_with_some_of_the_words_follow_those_with_all()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", name = "Acme renewal" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Umbrella", name = "Umbrella renewal" });

        var hits = await Search(server, new { query = "acme renewal", types = new[] { "deal" } });
        Assert.Equal([("Acme renewal", "all_words"), ("Umbrella renewal", "some_words")],
            hits.Select(h => (h.GetProperty("title").GetString(), h.GetProperty("match").GetString())));
    }

    [Theory]
    [InlineData("search_all", """{"query": "acme\u0000"}""", "query")]
    [InlineData("get_deals", """{"search": "a\u0000"}""", "search")]
    [InlineData("get_deals", """{"filters": [{"field": "name", "op": "equals", "value": "x\u0000y"}]}""", "filters[0].value")]
    [InlineData("create_deal_draft", """{"company_name": "Acme", "people": [{"name": "Jane"}, {"name": "B\u0000b"}]}""", "people[1].name")]
    [InlineData("append_note", """{"entity": "deal", "record": "DEAL-001", "text": "\u0000"}""", "text")]
    public async Task A_nul_character_in_any_string_argument_is_an_error_naming_the_field(string tool, string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync(tool, System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments));
        Assert.Equal(("invalid_argument", field), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Contains("NUL", error.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Theory]
    [InlineData("\"acme", true)]
    [InlineData("acme\"", true)]
    [InlineData("\"\"\"", false)]
    [InlineData("acme*", true)]
    [InlineData("*", false)]
    [InlineData("acme AND OR NOT", false)]
    [InlineData("NEAR(acme renewal, 2)", false)]
    [InlineData("title:acme", false)]
    [InlineData("^acme", true)]
    [InlineData("-acme +renewal", true)]
    [InlineData("(acme", true)]
    [InlineData("acme; DROP TABLE deals; --", false)]
    [InlineData("日本語 株式会社", false)]
    [InlineData("🚀 acme", true)]
    [InlineData("a", true)]
    public async Task Any_text_is_searched_literally_and_never_errors(string query, bool findsAcme)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", name = "Acme renewal" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "日本語 株式会社" });

        var result = await server.CallAsync("search_all", new { query });
        if (result.IsError == true)
        {
            // Only text without a single letter or digit may be refused, and it says so.
            Assert.DoesNotContain(query, char.IsLetterOrDigit);
            return;
        }
        var hits = await Search(server, new { query });
        // Operators are words like any other: "acme AND OR NOT" finds Acme only as a some_words hit, never as syntax.
        Assert.Equal(findsAcme, hits.Any(h => h.GetProperty("title").GetString() == "Acme renewal" && h.GetProperty("match").GetString() == "all_words"));
        if (query.StartsWith("日本語", StringComparison.Ordinal)) Assert.Contains(hits, h => h.GetProperty("type").GetString() == "company");
        Assert.Equal(2, await server.Database.CountAsync("deals"));
    }

    [Fact]
    public async Task Index_follows_updates_renames_and_deletes_from_any_write_path()
    {
        await using var server = await TestServer.StartAsync();
        var deal = (await server.CallOkAsync("create_deal_draft", new { company_name = "Hooli", name = "Pilot" }))
            .GetProperty("data").GetProperty("deal");
        var companyId = deal.GetProperty("company_id").GetString();

        await Execute(server, "UPDATE companies SET name = 'Pied Piper', name_key = 'pied piper' WHERE id = @companyId", new { companyId });
        Assert.Empty(await Search(server, new { query = "hooli" }));
        var renamed = await Search(server, new { query = "pied piper" });
        Assert.Equal(["company", "deal"], renamed.Select(h => h.GetProperty("type").GetString()).Order());

        await Execute(server, "UPDATE deals SET notes = 'Compression algorithm demo' WHERE id = @id", new { id = deal.GetProperty("id").GetString() });
        Assert.Equal("deal", Assert.Single(await Search(server, new { query = "compression" })).GetProperty("type").GetString());

        await Execute(server, "DELETE FROM companies WHERE id = @companyId", new { companyId });
        Assert.Empty(await Search(server, new { query = "pied piper" }));
        await Execute(server, "DELETE FROM deals");
        Assert.Empty(await Search(server, new { query = "compression" }));
        Assert.Equal(0, await server.Database.CountAsync("search_documents"));
    }

    [Fact]
    public async Task Tasks_are_searchable_and_types_narrow_the_hits()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Initech", name = "Initech quarterly review" });
        await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Prepare quarterly review deck", type = "meeting" } } });

        var both = await Search(server, new { query = "quarterly review" });
        Assert.Equal(["deal", "task"], both.Select(h => h.GetProperty("type").GetString()).Order());
        var tasks = await Search(server, new { query = "quarterly review", types = new[] { "TASK" } });
        Assert.Equal("Prepare quarterly review deck", Assert.Single(tasks).GetProperty("title").GetString());
    }

    /// <summary>A term hitting more than RankCap documents ranks only its newest RankCap, after the whole-word tier:
    /// the oldest company, the one named exactly the word, still comes first (both backends).</summary>
    [Fact]
    public async Task A_term_hitting_more_than_the_rank_cap_still_finds_the_whole_word_first()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", new { items = new[] { new { name = "Farm" } } });
        for (var batch = 0; batch < 5; batch++)
            await server.CallOkAsync("create_companies", new { items = Enumerable.Range(0, 90).Select(i => new { name = $"Farmstead Holdings {batch * 90 + i}" }).ToArray() });
        Assert.True(await server.Database.CountAsync("companies") > Crm.Mcp.Features.Search.SearchSql.RankCap);

        var hits = await Search(server, new { query = "farm", types = new[] { "company" }, limit = 5 });
        Assert.Equal("Farm", hits[0].GetProperty("title").GetString());
        Assert.Equal(5, hits.Count);
        Assert.All(hits.Skip(1), h => Assert.StartsWith("Farmstead Holdings", h.GetProperty("title").GetString()));
    }

    /// <summary>A word held whole matches whole in SQLite's word tiers (fast at any size); the longer words it begins
    /// come next, as substring hits. PostgreSQL matches both as prefixes.</summary>
    [Fact]
    public async Task Longer_words_a_whole_word_begins_follow_as_substring_hits()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", new { items = new[] { new { name = "Boldmark Studio" }, new { name = "Bold Ventures" } } });

        var hits = await Search(server, new { query = "bold", types = new[] { "company" } });
        // PostgreSQL matches every term as a prefix in its word tier (its prefix search reads an index at any size).
        Assert.Equal(TestDatabase.IsPostgres ? [("Boldmark Studio", "all_words"), ("Bold Ventures", "all_words")] : [("Bold Ventures", "all_words"), ("Boldmark Studio", "substring")],
            hits.Select(h => (h.GetProperty("title").GetString(), h.GetProperty("match").GetString())));
        // A term no word is whole: a prefix, in the word tier.
        var prefix = Assert.Single(await Search(server, new { query = "boldm", types = new[] { "company" } }));
        Assert.Equal(("Boldmark Studio", "all_words"), (prefix.GetProperty("title").GetString(), prefix.GetProperty("match").GetString()));
    }

    /// <summary>The SQLite trigram index keeps no positions (migration 0180): a substring hit must hold the term whole,
    /// not only its trigrams scattered over the text; a long term is asked for by some of its trigrams and still found.</summary>
    [Fact]
    public async Task A_substring_hit_holds_the_whole_term_not_just_its_trigrams()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", new { items = new[]
        {
            new { name = "Tacmexa" }, new { name = "Cmed Mexa" }, new { name = "Nordische Versicherungsgesellschaft" },
        } });

        async Task<List<string?>> Titles(string query) =>
            (await Search(server, new { query, types = new[] { "company" } })).Select(h => h.GetProperty("title").GetString()).ToList();
        // "Cmed Mexa" holds cme, mex and exa, but not "cmexa".
        Assert.Equal(["Tacmexa"], await Titles("cmexa"));
        Assert.Equal(["Nordische Versicherungsgesellschaft"], await Titles("sicherungsgesell"));
        Assert.Empty(await Titles("sicherungxgesell"));
    }

    /// <summary>The all-words tier ranks only the newest RankCap records holding the query's words; the company named as
    /// the query (its name key is the query's, or begins with it on SQLite), its deals and its people are still
    /// all-words hits, and the best, however many newer records of their type hold the words (found by key).</summary>
    [Fact]
    public async Task The_record_named_as_the_query_is_found_under_many_newer_ones_holding_its_words()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Blue & Machines", name = "Blue Machines fleet renewal",
            people = new[] { new { name = "Ada Quist", email = "ada@blue-machines.example" } } });
        await server.CallOkAsync("create_companies", new { items = new[] { new { name = "Cobalt Works Group" } } });
        // Newer than all of them: more than RankCap documents of each type holding the words in a long body (written
        // straight into the index's table, whose triggers index them; search_all reads no entity behind them).
        var newer = Crm.Mcp.Features.Search.SearchSql.RankCap + 50;
        await Execute(server, $"""
            WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {newer})
            INSERT INTO search_documents (entity_type, entity_id, title, body)
            SELECT t.type, 'bulk-' || n.i, 'Lot ' || n.i,
                   'spare parts for blue machines and cobalt works, shipped from the north depot on the second pallet of the week'
            FROM n, (SELECT 'company' AS type UNION ALL SELECT 'deal' UNION ALL SELECT 'contact') t
            """);

        async Task<string> Best(string query, string type) =>
            (await Search(server, new { query, types = new[] { type } })).Select(h => $"{h.GetProperty("title")}:{h.GetProperty("match")}").First();
        // The query as the company is named, "&" and all (its name key says "and"; "&" is no word to search for).
        Assert.Equal("Blue & Machines:all_words", await Best("blue & machines", "company"));
        Assert.Equal("Blue Machines fleet renewal:all_words", await Best("Blue & Machines", "deal"));
        Assert.Equal("Ada Quist:all_words", await Best("blue & machines", "contact"));
        // A name key that goes on past the query's ("group" is no legal form the key drops). PostgreSQL's named tier
        // matches whole keys only.
        if (!TestDatabase.IsPostgres)
            Assert.Equal("Cobalt Works Group:all_words", await Best("cobalt works", "company"));
    }

    /// <summary>SQLite reads an AND's hits oldest first (cheaper for FTS5) and falls back to newest first past
    /// AscendingScan hits: the same candidates as the newest-first read whether the AND is sparse or dense, with and
    /// without a type filter and exclusions.</summary>
    [Fact]
    public async Task An_and_read_oldest_first_returns_the_newest_first_candidates()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("SQLite's FTS5 read plan.");
        await using var server = await TestServer.StartAsync();
        var dense = Crm.Mcp.Features.Search.SearchSql.AscendingScan + 300;
        await Execute(server, $"""
            WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {dense})
            INSERT INTO search_documents (entity_type, entity_id, title, body)
            SELECT CASE i % 3 WHEN 0 THEN 'deal' WHEN 1 THEN 'company' ELSE 'contact' END, 'doc-' || i,
                   'Lot ' || i, 'amber kiln' || CASE WHEN i % 40 = 0 THEN ' quartz' ELSE '' END FROM n
            """);
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
        foreach (var (match, types, exclude) in new[]
        {
            ("\"amber\" AND \"kiln\"", (string?)null, "[]"),                 // denser than AscendingScan
            ("\"amber\" AND \"kiln\"", "[\"deal\"]", "[]"),
            ("\"amber\" AND \"quartz\"", null, "[]"),                       // sparse: read oldest first
            ("\"kiln\" AND \"quartz\"", "[\"company\",\"deal\"]", "[40, 120]"),
        })
        {
            var query = new Crm.Mcp.Features.Search.SearchSql.CandidateQuery(match, types, exclude, Crm.Mcp.Features.Search.SearchSql.RankCap);
            var newestFirst = await Crm.Mcp.Features.Search.SearchSql.CandidatesAsync(connection, transaction, "search_words", query);
            var read = await Crm.Mcp.Features.Search.SearchSql.AllWordsCandidatesAsync(connection, transaction, query);
            Assert.NotEmpty(newestFirst);
            Assert.Equal(newestFirst.Select(c => (c.DocId, c.Type, c.Title, c.Body)), read.Select(c => (c.DocId, c.Type, c.Title, c.Body)));
        }
    }

    /// <summary>Two writers in flight together that add the same new word do not wait for each other (a unique word key
    /// made the second wait for the first's end, and two new words in opposite orders deadlocked), and a prefix still
    /// expands to the word once.</summary>
    [Fact]
    public async Task Writers_adding_the_same_new_word_do_not_wait_for_each_other()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's vocabulary; FTS5 has its own prefix index.");
        var ct = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync();
        await using var first = await server.Db.OpenAsync(ct);
        await using var second = await server.Db.OpenAsync(ct);
        await using var firstTx = await first.BeginTransactionAsync(ct);
        await using var secondTx = await second.BeginTransactionAsync(ct);
        const string insert = "INSERT INTO search_documents (entity_type, entity_id, title, body) VALUES ('task', @id, @title, '')";
        await first.ExecuteAsync(new CommandDefinition(insert, new { id = "t-1", title = "Zephyrine audit" }, firstTx, commandTimeout: 10, cancellationToken: ct));
        await second.ExecuteAsync(new CommandDefinition(insert, new { id = "t-2", title = "Audit zephyrine" }, secondTx, commandTimeout: 10, cancellationToken: ct));
        await secondTx.CommitAsync(ct);
        await firstTx.CommitAsync(ct);

        var hits = await Search(server, new { query = "zephyr", limit = 10 });
        Assert.Equal(["Audit zephyrine", "Zephyrine audit"], hits.Select(h => h.GetProperty("title").GetString()).Order());
        var expansions = await SearchSql.PostgresExpansionsAsync(first, null!, ["zephyr"]);
        Assert.Equal(["zephyrine"], expansions["zephyr"]);
    }

    /// <summary>PostgreSQL matches a prefix as the whole words search_vocabulary (migration 0230) says it begins, so the
    /// vocabulary must hold every word the index holds, whichever path wrote the document: the entity triggers (a draft,
    /// an update, a company renamed inside its deals) and a document written straight into the index.</summary>
    [Fact]
    public async Task The_search_vocabulary_holds_every_word_of_the_index_from_every_write_path()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's vocabulary; FTS5 has its own prefix index.");
        await using var server = await TestServer.StartAsync();
        var deal = (await server.CallOkAsync("create_deal_draft", new { company_name = "Quillon Dynamics", name = "Fleet renewal",
            people = new[] { new { name = "Zoë Brandt", email = "zoe@quillon.example" } } })).GetProperty("data").GetProperty("deal");
        await Execute(server, "UPDATE companies SET name = 'Quillonne Systèmes', name_key = 'quillonne systemes' WHERE id = @id",
            new { id = deal.GetProperty("company_id").GetString() });
        await Execute(server, "UPDATE deals SET notes = 'Kiln retrofit' WHERE id = @id", new { id = deal.GetProperty("id").GetString() });
        await Execute(server, "INSERT INTO search_documents (entity_type, entity_id, title, body) VALUES ('task', 't-1', 'Quillotine check', 'amberline')");

        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        var missing = await connection.QueryAsync<string>("""
            SELECT DISTINCT w FROM search_documents, unnest(tsvector_to_array(words)) w
            WHERE w NOT IN (SELECT word FROM search_vocabulary) AND w !~ '^[0-9]+$'
            """);
        Assert.Empty(missing);
        Assert.Superset(new HashSet<string> { "quillonne", "systemes", "kiln", "quillotine", "amberline", "zoe" },
            (await connection.QueryAsync<string>("SELECT word FROM search_vocabulary")).ToHashSet());

        // Every word a prefix begins matches, as before (the renamed deal's body, the email, the task written straight in).
        var hits = await Search(server, new { query = "quill", limit = 50 });
        Assert.Equal(["company:Quillonne Systèmes", "contact:Zoë Brandt", "deal:Fleet renewal", "task:Quillotine check"],
            hits.Select(h => $"{h.GetProperty("type")}:{h.GetProperty("title")}").Order());
    }

    /// <summary>The vocabulary holds no digits-only words (migration 0280: a row per deal identifier made it grow with the
    /// deals), and a digits-only prefix still matches, as a prefix.</summary>
    [Fact]
    public async Task The_vocabulary_holds_no_digits_only_words_and_their_prefixes_still_match()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's vocabulary; FTS5 has its own prefix index.");
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Kestrel Optics", name = "Lens order" });
        await Execute(server, "INSERT INTO search_documents (entity_type, entity_id, title, body) VALUES ('task', 't-1', 'Order 48213 kestrel', 'call 555 0199 or q3')");

        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        var words = (await connection.QueryAsync<string>("SELECT word FROM search_vocabulary")).ToHashSet();
        Assert.DoesNotContain(words, w => w.All(char.IsAsciiDigit));
        Assert.Superset(new HashSet<string> { "kestrel", "order", "q3", "deal" }, words);

        async Task<string?> First(string query) => (await Search(server, new { query })).FirstOrDefault() is { ValueKind: JsonValueKind.Object } hit
            ? $"{hit.GetProperty("type")}:{hit.GetProperty("title")}:{hit.GetProperty("match")}" : null;
        Assert.Equal("deal:Lens order:all_words", await First("deal-00"));
        Assert.Equal("task:Order 48213 kestrel:all_words", await First("4821"));
        Assert.Equal("task:Order 48213 kestrel:all_words", await First("555 019"));
    }

    /// <summary>Any two of the query's words are looked for only when no record holds them all, on both backends: after
    /// all-words hits the page is filled from the newest any-word hits. On PostgreSQL the pairs are an OR of ANDs that
    /// GIN answers by walking every posting of each word (≈ 7 ms of CPU per call at 1M documents).</summary>
    [Fact]
    public async Task Records_with_two_of_the_words_are_looked_for_only_when_none_holds_all()
    {
        await using var server = await TestServer.StartAsync();
        // Oldest: a record with two of the words, then one with all three; then more than RankCap newer ones with one.
        var newer = SearchSql.RankCap + 50;
        await Execute(server, $"""
            INSERT INTO search_documents (entity_type, entity_id, title, body) VALUES ('task', 'pair', 'Quartz kiln audit', '');
            INSERT INTO search_documents (entity_type, entity_id, title, body) VALUES ('task', 'all', 'Quartz kiln amber', '');
            WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {newer})
            INSERT INTO search_documents (entity_type, entity_id, title, body) SELECT 'task', 'lot-' || i, 'Lot ' || i, 'amber' FROM n;
            """);

        async Task<List<(string?, string?)>> Hits(string query) => (await Search(server, new { query, types = new[] { "task" }, limit = 5 }))
            .Select(h => (h.GetProperty("title").GetString(), h.GetProperty("match").GetString())).ToList();
        var all = await Hits("quartz kiln amber");
        Assert.Equal(("Quartz kiln amber", "all_words"), all[0]);
        Assert.DoesNotContain(all, h => h.Item1 == "Quartz kiln audit");
        Assert.All(all.Skip(1), h => Assert.Equal("some_words", h.Item2));

        // No record holds all four: the two holding two or three of them come first.
        Assert.Equal([("Quartz kiln amber", "some_words"), ("Quartz kiln audit", "some_words")], (await Hits("quartz kiln amber zinc")).Take(2));
    }

    /// <summary>A prefix that begins more words than SearchQuery.MaxExpansion stays a prefix, and still finds them all.</summary>
    [Fact]
    public async Task A_prefix_beginning_many_words_finds_every_one()
    {
        await using var server = await TestServer.StartAsync();
        var many = Crm.Mcp.Features.Search.SearchQuery.MaxExpansion + 8;
        await server.CallOkAsync("create_companies", new { items = Enumerable.Range(0, many).Select(i => new { name = $"Vexor{(char)('a' + i % 26)}{i} Labs" }).ToArray() });

        var hits = await Search(server, new { query = "vexor labs", types = new[] { "company" }, limit = 50 });
        Assert.Equal(many, hits.Count);
        Assert.All(hits, h => Assert.Equal("all_words", h.GetProperty("match").GetString()));
    }

    /// <summary>PostgreSQL's word tiers: a term's last word is a prefix, written as the whole words it begins when the
    /// vocabulary names 1 to MaxExpansion of them (in a phrase too), else left a prefix; the ranked form never expands.</summary>
    [Fact]
    public void A_prefix_is_written_as_the_words_it_begins_for_the_index_only()
    {
        var parsed = Crm.Mcp.Features.Search.SearchQuery.Parse("query", "jane.doe@acme bold zeta");
        var expansions = new Dictionary<string, IReadOnlyList<string>>
        {
            ["acme"] = ["acme", "acmecorp"], ["bold"] = ["bold"],
            ["zeta"] = Enumerable.Range(0, Crm.Mcp.Features.Search.SearchQuery.MaxExpansion + 1).Select(i => $"zeta{i}").ToList(),
        };
        Assert.Equal(["acme", "bold", "zeta"], parsed.PostgresPrefixes);
        var filter = parsed.Postgres(expansions);
        Assert.Equal("('jane' <-> 'doe' <-> ('acme' | 'acmecorp')) & (('bold')) & ('zeta':*)", filter.All);
        Assert.Equal("('jane' <-> 'doe' <-> ('acme' | 'acmecorp')) | (('bold')) | ('zeta':*)", filter.Any);
        Assert.Equal("('jane' <-> 'doe' <-> 'acme') & ('bold') & ('zeta')", filter.AllExact);
        Assert.Equal("('jane' <-> 'doe' <-> 'acme':*) & ('bold':*) & ('zeta':*)", parsed.Postgres().All);
        Assert.Equal(parsed.Postgres().AllExact, filter.AllExact);
    }

    /// <summary>A snippet is the title, or a window of at most 16 words of the body around the match, with "…" where it
    /// cuts the text and the matched words (accents and case as written) in bold.</summary>
    [Fact]
    public async Task Snippets_show_the_matched_words_in_a_short_window()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's snippets are ts_headline's, over the unfolded text.");
        await using var server = await TestServer.StartAsync();
        var filler = string.Join(' ', Enumerable.Range(0, 40).Select(i => $"word{i}"));
        await server.CallOkAsync("create_companies", new { items = new[] { new { name = "Umbrella Holdings", notes = $"{filler} met Zoë from Zürich about the renewal {filler}" } } });

        var hit = Assert.Single(await Search(server, new { query = "zurich zoe" }));
        var snippet = hit.GetProperty("snippet").GetString()!;
        Assert.Contains("**Zoë**", snippet);
        Assert.Contains("**Zürich**", snippet);
        Assert.StartsWith("…", snippet);
        Assert.EndsWith("…", snippet);
        Assert.InRange(snippet.Split(' ').Length, 3, 16);
        var title = Assert.Single(await Search(server, new { query = "umbrella" })).GetProperty("snippet").GetString();
        Assert.Equal("**Umbrella** Holdings", title);
    }

    [Fact]
    public async Task Limit_and_has_more()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 4; i++) await server.CallOkAsync("create_deal_draft", new { company_name = $"Vendor {i}" });
        var page = (await server.CallOkAsync("search_all", new { query = "vendor", types = new[] { "company" }, limit = 3 })).GetProperty("data");
        Assert.Equal(3, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("has_more").GetBoolean());
        var all = (await server.CallOkAsync("search_all", new { query = "vendor", types = new[] { "company" }, limit = 4 })).GetProperty("data");
        Assert.False(all.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("""{"query": "  "}""", "query", "no letters or digits")]
    [InlineData("""{"query": "!!! ***"}""", "query", "no letters or digits")]
    [InlineData("""{"query": "acme", "types": ["deals"]}""", "types[0]", "not a searchable type")]
    [InlineData("""{"query": "acme", "limit": 0}""", "limit", "out of range")]
    [InlineData("""{"query": "acme", "limit": 51}""", "limit", "out of range")]
    [InlineData("""{"query": "acme", "q": "acme"}""", "q", "not an argument")]
    public async Task Bad_input_names_the_field(string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("search_all", JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Query_longer_than_the_limit_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("search_all", new { query = new string('a', 201) });
        Assert.Equal("query", error.GetProperty("field").GetString());
        var many = await server.CallErrorAsync("search_all", new { query = string.Join(' ', Enumerable.Range(0, 17).Select(i => $"w{i}")) });
        Assert.Contains("limit is 16", many.GetProperty("message").GetString());
    }
}
