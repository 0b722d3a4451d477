using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>dry_run, idempotency_key and elicitation as any [Resolves]/[Creates] tool gets them (here create_deal_draft).</summary>
public sealed class WriteCallTests
{
    private static JsonElement Data(JsonElement response) => response.GetProperty("data");

    /// <summary>The parts of a reply that a preview must predict: every decision and value except new records' ids and
    /// timestamps (a new record's id is only drawn when it is really created).</summary>
    private static string Decisions(JsonElement response)
    {
        var data = Data(response);
        var deal = data.GetProperty("deal");
        var resolution = data.GetProperty("resolution");
        IEnumerable<string> Entry(JsonElement e) => [e.GetProperty("created").GetRawText(), e.GetProperty("matched_by").GetString()!, e.GetProperty("name").GetString()!,
            e.GetProperty("created").GetBoolean() ? "(new id)" : e.GetProperty("id").GetString()!];
        return string.Join("|", new[]
        {
            deal.GetProperty("identifier").GetString()!, deal.GetProperty("name").GetString()!, deal.GetProperty("amount").GetString()!,
            deal.GetProperty("stage").GetProperty("name").GetString()!, deal.GetProperty("order_in_stage").GetRawText(),
            deal.GetProperty("company_sort_index").GetRawText(), string.Join(",", deal.GetProperty("people").EnumerateArray().Select(p => p.GetProperty("person").GetProperty("full_name").GetString())),
        }.Concat(Entry(resolution.GetProperty("company"))).Concat(Entry(resolution.GetProperty("stage")))
         .Concat(resolution.GetProperty("people").EnumerateArray().SelectMany(Entry)));
    }

    [Fact]
    public async Task A_dry_run_writes_nothing_and_the_real_call_does_what_it_previewed()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        var arguments = new Dictionary<string, object?>
        {
            ["company_name"] = "ACME inc", ["amount"] = 2500, ["stage_name"] = "Security Review",
            ["people"] = new object[] { new { name = "Jane Founder", email = "JANE@acme.com" }, new { name = "Omar Haddad", email = "omar@acme.com" } },
        };
        var before = await server.Database.FingerprintAsync();

        var preview = await server.CallOkAsync("create_deal_draft", new Dictionary<string, object?>(arguments) { ["dry_run"] = true });
        Assert.True(preview.GetProperty("dry_run").GetBoolean());
        Assert.Equal(before, await server.Database.FingerprintAsync());

        var real = await server.CallOkAsync("create_deal_draft", arguments);
        Assert.False(real.TryGetProperty("dry_run", out _));
        Assert.Equal(Decisions(preview), Decisions(real));
        Assert.Contains("DEAL-002|", Decisions(real));
        Assert.NotEqual(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_dry_run_with_an_idempotency_key_does_not_use_the_key_up()
    {
        await using var server = await TestServer.StartAsync();
        var preview = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", idempotency_key = "op-1", dry_run = true });
        var real = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", idempotency_key = "op-1" });
        Assert.False(real.TryGetProperty("idempotent_replay", out _));
        Assert.Equal(Decisions(preview), Decisions(real));
        var retried = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", idempotency_key = "op-1", dry_run = true });
        Assert.True(retried.GetProperty("idempotent_replay").GetBoolean());
        Assert.Equal(1, await server.Database.CountAsync("deals"));
    }

    [Fact]
    public async Task A_dry_run_reports_errors_like_the_real_call()
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", expected_close_date = "soon", dry_run = true });
        Assert.Equal("expected_close_date", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_same_idempotency_key_and_arguments_return_the_first_result_without_writing()
    {
        await using var server = await TestServer.StartAsync();
        var first = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 100, idempotency_key = "retry-1" });
        var fingerprint = await server.Database.FingerprintAsync();

        // Same arguments in another order: still the same call.
        var again = await server.CallOkAsync("create_deal_draft", new Dictionary<string, object?> { ["idempotency_key"] = "retry-1", ["amount"] = 100, ["company_name"] = "Acme" });

        Assert.True(again.GetProperty("idempotent_replay").GetBoolean());
        Assert.Equal(Data(first).GetRawText(), Data(again).GetRawText());
        Assert.Equal(fingerprint, await server.Database.FingerprintAsync());
        var other = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 100, idempotency_key = "retry-2" });
        Assert.Equal("DEAL-002", Data(other).GetProperty("deal").GetProperty("identifier").GetString());
    }

    [Fact]
    public async Task The_same_idempotency_key_with_other_arguments_is_an_error_that_writes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 100, idempotency_key = "op-7" });
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", amount = 200, idempotency_key = "op-7" });

        Assert.Equal(("conflict", "idempotency_key"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Contains("different arguments", error.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_tool_whose_write_returns_something_else_than_its_reply_still_replays_the_reply()
    {
        // create_webhook builds its reply (with the one-time secret) after its write: the filter stores the key then.
        await using var server = await TestServer.StartAsync();
        var first = await server.CallOkAsync("create_webhook", new { url = "https://example.com/hooks/crm", events = new[] { "*" }, idempotency_key = "hook-1" });
        var again = await server.CallOkAsync("create_webhook", new { url = "https://example.com/hooks/crm", events = new[] { "*" }, idempotency_key = "hook-1" });
        Assert.True(again.GetProperty("idempotent_replay").GetBoolean());
        Assert.Equal(Data(first).GetRawText(), Data(again).GetRawText());
        Assert.Equal(1, await server.Database.CountAsync("webhooks"));
        var error = await server.CallErrorAsync("create_webhook", new { url = "https://example.com/other", events = new[] { "*" }, idempotency_key = "hook-1" });
        Assert.Equal("idempotency_key", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_failed_call_does_not_use_up_its_idempotency_key()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", currency = "XXX1", idempotency_key = "k" });
        Assert.Equal(0, await server.Database.CountAsync("idempotency_keys"));
        var ok = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", currency = "EUR", idempotency_key = "k" });
        Assert.False(ok.TryGetProperty("idempotent_replay", out _));
    }

    [Fact]
    public async Task A_blank_idempotency_key_is_rejected_by_name()
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", idempotency_key = "  " });
        Assert.Equal("idempotency_key", error.GetProperty("field").GetString());
        Assert.Equal(0, await server.Database.CountAsync("deals"));
    }

    private static McpClientOptions Eliciting(Func<ElicitRequestParams?, ElicitResult> answer, List<ElicitRequestParams?> asked) => new()
    {
        ClientInfo = new Implementation { Name = "eliciting-client", Version = "1" },
        Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                asked.Add(request);
                return ValueTask.FromResult(answer(request));
            },
        },
    };

    private static ElicitResult Pick(string value) => new()
    {
        Action = "accept",
        Content = new Dictionary<string, JsonElement> { ["choice"] = JsonSerializer.SerializeToElement(value) },
    };

    private static IReadOnlyList<string> Options(ElicitRequestParams? request) =>
        ((ElicitRequestParams.TitledSingleSelectEnumSchema)request!.RequestedSchema!.Properties["choice"]).OneOf.Select(o => o.Const).ToList();

    [Fact]
    public async Task A_client_that_can_elicit_is_asked_and_the_users_pick_is_used()
    {
        var asked = new List<ElicitRequestParams?>();
        await using var server = await TestServer.StartAsync(clientOptions: Eliciting(r => Pick(Options(r)[0]), asked));
        var globex = Data(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" })).GetProperty("resolution").GetProperty("company");

        var response = await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", amount = 5 });

        var company = Data(response).GetProperty("resolution").GetProperty("company");
        Assert.Equal(globex.GetProperty("id").GetString(), company.GetProperty("id").GetString());
        Assert.Equal("user_choice", company.GetProperty("matched_by").GetString());
        var question = Assert.Single(asked);
        Assert.Contains("Globx", question!.Message);
        Assert.Equal([globex.GetProperty("id").GetString()!, "new"], Options(question));
        Assert.Equal(1, await server.Database.CountAsync("companies"));
        Assert.Equal(2, await server.Database.CountAsync("deals"));
    }

    [Fact]
    public async Task Each_ambiguous_field_is_asked_about_in_turn()
    {
        var asked = new List<ElicitRequestParams?>();
        await using var server = await TestServer.StartAsync(clientOptions: Eliciting(r => Pick(Options(r)[0]), asked));
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", people = new[] { new { name = "Jane Founder" } } });

        var response = await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", people = new[] { new { name = "Jane Foudner" } } });

        Assert.Equal(2, asked.Count);
        var resolution = Data(response).GetProperty("resolution");
        Assert.Equal("user_choice", resolution.GetProperty("company").GetProperty("matched_by").GetString());
        Assert.Equal("user_choice", resolution.GetProperty("people")[0].GetProperty("matched_by").GetString());
        Assert.Equal((1, 1), (await server.Database.CountAsync("companies"), await server.Database.CountAsync("people")));
    }

    [Fact]
    public async Task The_user_can_answer_that_it_is_a_new_record()
    {
        var asked = new List<ElicitRequestParams?>();
        await using var server = await TestServer.StartAsync(clientOptions: Eliciting(_ => Pick("new"), asked));
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder" } } });

        var response = await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Foudner" } } });

        Assert.Equal("created", Data(response).GetProperty("resolution").GetProperty("people")[0].GetProperty("matched_by").GetString());
        Assert.Single(asked);
        Assert.Equal(2, await server.Database.CountAsync("people"));
    }

    [Fact]
    public async Task When_the_user_declines_the_candidates_go_back_to_the_model_and_nothing_is_written()
    {
        var asked = new List<ElicitRequestParams?>();
        await using var server = await TestServer.StartAsync(clientOptions: Eliciting(_ => new ElicitResult { Action = "decline" }, asked));
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Globx" });

        Assert.Single(asked);
        Assert.Equal("needs_disambiguation", error.GetProperty("code").GetString());
        Assert.Contains("did not pick", error.GetProperty("message").GetString());
        Assert.Equal("Globex", error.GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task With_create_if_missing_never_the_user_is_not_offered_a_new_record()
    {
        var asked = new List<ElicitRequestParams?>();
        await using var server = await TestServer.StartAsync(clientOptions: Eliciting(r => Pick(Options(r)[0]), asked));
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Sam Lee", email = "sam1@x.com" } } });
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Sam Lee", email = "sam2@y.com" } } });

        var response = await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Sam Lee" } }, create_if_missing = "never" });

        Assert.DoesNotContain("new", Options(Assert.Single(asked)));
        Assert.Equal("user_choice", Data(response).GetProperty("resolution").GetProperty("people")[0].GetProperty("matched_by").GetString());
    }

    [Fact]
    public async Task A_client_without_elicitation_gets_the_ranked_candidates()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globexo", create_if_missing = "always" });

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Globx" });

        var candidates = error.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(2, candidates.Count);
        Assert.True(candidates[0].GetProperty("score").GetDouble() >= candidates[1].GetProperty("score").GetDouble());
        Assert.All(candidates, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("why").GetString())));
    }
}
