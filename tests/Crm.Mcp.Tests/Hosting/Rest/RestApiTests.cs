using System.Net;
using System.Text.Json;
using Crm.Mcp.Hosting;
using Crm.Mcp.Hosting.Rest;
using Crm.Mcp.Security;
using Crm.Mcp.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Mcp.Tests.Hosting.Rest;

/// <summary>/api/v1 over a real Kestrel port: every route, the statuses, and REST and MCP on the same data.</summary>
public sealed class RestApiTests
{
    private static IEnumerable<string?> Names(JsonElement page, string property = "name") =>
        page.GetProperty("data").GetProperty("items").EnumerateArray().Select(i => i.GetProperty(property).GetString());

    [Fact]
    public async Task Contacts_are_created_read_searched_paged_updated_and_deleted()
    {
        await using var server = await RestTestServer.StartAsync();
        var key = await server.CreateKeyAsync("script", AccessScope.Admin);
        var jane = (await server.OkAsync("POST", "/api/v1/contacts", new { name = "Jane Founder", email = "jane@acme.com", company_name = "Acme, Inc." }, key, HttpStatusCode.Created)).GetProperty("data");
        var janeId = jane.GetProperty("contact").GetProperty("id").GetString();
        Assert.True(jane.GetProperty("company").GetProperty("created").GetBoolean());
        var many = await server.OkAsync("POST", "/api/v1/contacts/many", new { items = new object[] { new { name = "Bob Builder", company_name = "acme inc" }, new { name = "Carol Chen", title = "CFO" } } }, key);
        Assert.Equal(2, many.GetProperty("data").GetProperty("succeeded").GetInt32());

        Assert.Equal("Jane Founder", (await server.OkAsync("GET", $"/api/v1/contacts/{janeId}", key: key)).GetProperty("data").GetProperty("contact").GetProperty("name").GetString());
        // Names work in paths and bodies, as in the tools.
        Assert.Equal(janeId, (await server.OkAsync("GET", "/api/v1/contacts/JANE@acme.com", key: key)).GetProperty("data").GetProperty("contact").GetProperty("id").GetString());

        var page1 = await server.OkAsync("POST", "/api/v1/contacts/search", new { company = "Acme", sort = new[] { new { field = "name" } }, limit = 1 }, key);
        Assert.Equal(["Bob Builder"], Names(page1));
        Assert.True(page1.GetProperty("data").GetProperty("has_more").GetBoolean());
        var page2 = await server.OkAsync("POST", "/api/v1/contacts/search", new { company = "Acme", sort = new[] { new { field = "name" } }, limit = 1, cursor = page1.GetProperty("data").GetProperty("next_cursor").GetString() }, key);
        Assert.Equal(["Jane Founder"], Names(page2));
        var cfo = await server.OkAsync("POST", "/api/v1/contacts/search", new { filters = new[] { new { field = "title", op = "equals", value = "cfo" } } }, key);
        Assert.Equal(["Carol Chen"], Names(cfo));

        var updated = (await server.OkAsync("PUT", "/api/v1/contacts/Jane Founder", new { title = "CEO" }, key)).GetProperty("data").GetProperty("contact");
        Assert.Equal("CEO", updated.GetProperty("title").GetString());
        var bulk = await server.OkAsync("PUT", "/api/v1/contacts/many", new { items = new[] { new { contact = "Bob Builder", title = "CTO" }, new { contact = "Carol Chen", title = "COO" } } }, key);
        Assert.Equal(2, bulk.GetProperty("data").GetProperty("succeeded").GetInt32());

        var config = (await server.OkAsync("GET", "/api/v1/contacts/configuration", key: key)).GetProperty("data").GetProperty("entities").EnumerateArray().Single();
        Assert.Equal("contacts", config.GetProperty("entity").GetString());

        var deletedOne = (await server.OkAsync("DELETE", $"/api/v1/contacts/{janeId}", key: key)).GetProperty("data");
        Assert.Equal(janeId, deletedOne.GetProperty("id").GetString());
        var deletedMany = await server.OkAsync("DELETE", "/api/v1/contacts/many", new { ids = new[] { "Bob Builder", "Carol Chen" } }, key);
        Assert.Equal(2, deletedMany.GetProperty("data").GetProperty("succeeded").GetInt32());
        Assert.Equal(0, await server.Database.CountAsync("people"));
    }

    [Fact]
    public async Task Organizations_deals_services_and_tasks_serve_every_operation()
    {
        await using var server = await RestTestServer.StartAsync(o => o with { RequireAuth = false });
        var acme = (await server.OkAsync("POST", "/api/v1/organizations", new { name = "Acme, Inc.", domain = "acme.com" }, expected: HttpStatusCode.Created)).GetProperty("data");
        await server.OkAsync("POST", "/api/v1/organizations/many", new { items = new[] { new { name = "Globex" } } });
        await server.OkAsync("PUT", "/api/v1/organizations/many", new { items = new[] { new { company = "Globex", industry = "Energy" } } });
        Assert.Equal("Robotics", (await server.OkAsync("PUT", "/api/v1/organizations/acme", new { industry = "Robotics" })).GetProperty("data").GetProperty("industry").GetString());
        Assert.Equal(["Globex"], Names(await server.OkAsync("POST", "/api/v1/organizations/search", new { filters = new[] { new { field = "industry", op = "equals", value = "Energy" } } })));
        Assert.Equal(acme.GetProperty("id").GetString(), (await server.OkAsync("GET", "/api/v1/organizations/Acme")).GetProperty("data").GetProperty("company").GetProperty("id").GetString());
        Assert.Equal("companies", (await server.OkAsync("GET", "/api/v1/organizations/configuration")).GetProperty("data").GetProperty("entities")[0].GetProperty("entity").GetString());

        var deal = (await server.OkAsync("POST", "/api/v1/deals", new { name = "Acme renewal", company_name = "Acme", amount = 5000, stage_name = "Proposal" }, expected: HttpStatusCode.Created)).GetProperty("data");
        Assert.Equal("DEAL-001", deal.GetProperty("deal").GetProperty("identifier").GetString());
        await server.OkAsync("POST", "/api/v1/deals/many", new { items = new[] { new { name = "Globex pilot", company_name = "Globex" } } });
        await server.OkAsync("PUT", "/api/v1/deals/many", new { items = new[] { new { deal = "DEAL-002", amount = 900 } } });
        Assert.Equal("120000", (await server.OkAsync("PUT", "/api/v1/deals/DEAL-001", new { amount = 1200 })).GetProperty("data").GetProperty("deal").GetProperty("amount").GetString());
        Assert.Equal(["Acme renewal"], Names(await server.OkAsync("POST", "/api/v1/deals/search", new { filters = new[] { new { field = "amount", op = "gte", value = 1000 } } })));
        Assert.Equal("Acme renewal", (await server.OkAsync("GET", "/api/v1/deals/DEAL-001")).GetProperty("data").GetProperty("name").GetString());
        await server.OkAsync("GET", "/api/v1/deals/configuration");

        var service = (await server.OkAsync("POST", "/api/v1/services", new { deal = "DEAL-001", items = new[] { new { name = "Licence", amount = 100 } } })).GetProperty("data").GetProperty("results")[0].GetProperty("result");
        var serviceId = service.GetProperty("id").GetString();
        await server.OkAsync("POST", "/api/v1/services/many", new { deal = "DEAL-002", items = new[] { new { name = "Setup", amount = 50, quantity = 2 } } });
        await server.OkAsync("PUT", "/api/v1/services/many", new { items = new[] { new { service = serviceId, quantity = 4 } } });
        Assert.Equal(5, (await server.OkAsync("PUT", $"/api/v1/services/{serviceId}", new { quantity = 5 })).GetProperty("data").GetProperty("service").GetProperty("quantity").GetInt64());
        Assert.Equal(["Licence"], Names(await server.OkAsync("POST", "/api/v1/services/search", new { deal = "DEAL-001" })));
        Assert.Equal("Licence", (await server.OkAsync("GET", $"/api/v1/services/{serviceId}")).GetProperty("data").GetProperty("name").GetString());
        await server.OkAsync("GET", "/api/v1/services/configuration");

        var task = (await server.OkAsync("POST", "/api/v1/tasks", new { title = "Call Jane", deals = new[] { "DEAL-001" } }, expected: HttpStatusCode.Created)).GetProperty("data");
        var taskId = task.GetProperty("id").GetString();
        await server.OkAsync("POST", "/api/v1/tasks/many", new { items = new[] { new { title = "Send proposal" } } });
        await server.OkAsync("PUT", "/api/v1/tasks/many", new { items = new[] { new { task = taskId, due = "2026-12-24" } } });
        Assert.Equal("done", (await server.OkAsync("PUT", $"/api/v1/tasks/{taskId}", new { status = "done" })).GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(["Call Jane"], Names(await server.OkAsync("POST", "/api/v1/tasks/search", new { deal = "DEAL-001", status = new[] { "any" } }), "title"));
        Assert.Equal("Call Jane", (await server.OkAsync("GET", $"/api/v1/tasks/{taskId}")).GetProperty("data").GetProperty("title").GetString());
        await server.OkAsync("GET", "/api/v1/tasks/configuration");

        await server.OkAsync("DELETE", $"/api/v1/tasks/{taskId}");
        await server.OkAsync("DELETE", $"/api/v1/services/{serviceId}");
        await server.OkAsync("DELETE", "/api/v1/deals/DEAL-002");
        await server.OkAsync("DELETE", "/api/v1/deals/many", new { ids = new[] { "DEAL-001" } });
        await server.OkAsync("DELETE", "/api/v1/organizations/Globex");
        await server.OkAsync("DELETE", "/api/v1/organizations/many", new { ids = new[] { "Acme" } });
        var remainingTasks = await server.OkAsync("POST", "/api/v1/tasks/search", new { });
        await server.OkAsync("DELETE", "/api/v1/tasks/many", new { ids = Names(remainingTasks, "id").ToArray() });
        Assert.Equal("deals=0", (await server.Database.FingerprintAsync()).Split(' ').Single(p => p.StartsWith("deals=")));
        Assert.Equal(0, await server.Database.CountAsync("tasks"));
    }

    [Fact]
    public async Task Every_status_is_a_problem_detail_naming_the_field()
    {
        await using var server = await RestTestServer.StartAsync(o => o with { MaxRequestBytes = 4096, RateLimit = 0 });
        var admin = await server.CreateKeyAsync("admin", AccessScope.Admin);
        var reader = await server.CreateKeyAsync("reader", AccessScope.Read);

        Assert.Equal("invalid_json", (await server.ProblemAsync("POST", "/api/v1/contacts", HttpStatusCode.BadRequest, "{not json", admin)).GetProperty("code").GetString());
        Assert.Equal("dry_run", (await server.ProblemAsync("POST", "/api/v1/contacts/search?dry_run=true", HttpStatusCode.BadRequest, new { }, admin)).GetProperty("field").GetString());
        Assert.Equal("unauthorized", (await server.ProblemAsync("POST", "/api/v1/contacts/search", HttpStatusCode.Unauthorized, new { })).GetProperty("code").GetString());
        var forbidden = await server.ProblemAsync("POST", "/api/v1/contacts", HttpStatusCode.Forbidden, new { name = "Jane" }, reader);
        Assert.Contains("scope write", forbidden.GetProperty("detail").GetString());
        Assert.Equal(0, await server.Database.CountAsync("people"));
        Assert.Equal("not_found", (await server.ProblemAsync("GET", $"/api/v1/contacts/{Guid.NewGuid()}", HttpStatusCode.NotFound, key: admin)).GetProperty("code").GetString());

        await server.OkAsync("POST", "/api/v1/contacts", new { name = "Jane Founder", email = "jane@acme.com" }, admin, HttpStatusCode.Created);
        var taken = await server.ProblemAsync("POST", "/api/v1/contacts", HttpStatusCode.Conflict, new { name = "Jane Two", email = "JANE@acme.com" }, admin);
        Assert.Equal("email", taken.GetProperty("field").GetString());
        Assert.Equal("Jane Founder", taken.GetProperty("candidates")[0].GetProperty("name").GetString());

        var invalid = await server.ProblemAsync("POST", "/api/v1/deals", HttpStatusCode.UnprocessableEntity, new { name = "X", expected_close_date = "next week" }, admin);
        Assert.Equal("expected_close_date", invalid.GetProperty("field").GetString());
        Assert.True(invalid.TryGetProperty("expected", out _));
        var unknownField = await server.ProblemAsync("POST", "/api/v1/contacts/search", HttpStatusCode.UnprocessableEntity, new { colour = "red" }, admin);
        Assert.Equal("colour", unknownField.GetProperty("field").GetString());
        var tooMany = await server.ProblemAsync("PUT", "/api/v1/tasks/many", HttpStatusCode.UnprocessableEntity, new { items = Array.Empty<object>() }, admin);
        Assert.Equal("items", tooMany.GetProperty("field").GetString());

        var big = new { items = Enumerable.Range(0, 100).Select(i => new { name = new string('x', 100) + i }) };
        Assert.Equal("body_too_large", (await server.ProblemAsync("POST", "/api/v1/organizations/many", HttpStatusCode.RequestEntityTooLarge, big, admin)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_read_only_server_refuses_rest_writes_as_it_refuses_the_tools()
    {
        await using var server = await RestTestServer.StartAsync(o => o with { RequireAuth = false }, s => s with { ReadOnly = true });
        var refused = await server.ProblemAsync("POST", "/api/v1/contacts", HttpStatusCode.Forbidden, new { name = "Jane" });
        Assert.Equal("tool_not_served", refused.GetProperty("code").GetString());
        Assert.Contains("create_contacts", refused.GetProperty("detail").GetString());
        await server.OkAsync("POST", "/api/v1/contacts/search", new { });
        Assert.Equal(0, await server.Database.CountAsync("people"));
    }

    [Fact]
    public async Task Too_many_requests_get_429_with_retry_after()
    {
        await using var server = await RestTestServer.StartAsync(o => o with { RateLimit = 2 });
        var key = await server.CreateKeyAsync("busy", AccessScope.Read);
        await server.OkAsync("GET", "/api/v1/users/me", key: key);
        await server.OkAsync("GET", "/api/v1/users/me", key: key);
        var (status, body, response) = await server.SendAsync("GET", "/api/v1/users/me", key: key);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("rate_limited", body.GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Dry_runs_write_nothing_and_idempotency_keys_replay_the_first_result()
    {
        await using var server = await RestTestServer.StartAsync(o => o with { RequireAuth = false });
        var preview = await server.OkAsync("POST", "/api/v1/deals?dry_run=true", new { name = "Acme renewal", company_name = "Acme" });
        Assert.True(preview.GetProperty("dry_run").GetBoolean());
        Assert.True(preview.GetProperty("data").GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal(0, await server.Database.CountAsync("deals"));
        Assert.Equal(0, await server.Database.CountAsync("companies"));

        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "order-42" };
        var (first, firstBody, _) = await server.SendAsync("POST", "/api/v1/tasks", new { title = "Call Jane" }, headers: headers);
        var (second, secondBody, _) = await server.SendAsync("POST", "/api/v1/tasks", new { title = "Call Jane" }, headers: headers);
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first, second));
        Assert.Equal(firstBody.GetProperty("data").GetProperty("id").GetString(), secondBody.GetProperty("data").GetProperty("id").GetString());
        Assert.True(secondBody.GetProperty("idempotent_replay").GetBoolean());
        Assert.Equal(1, await server.Database.CountAsync("tasks"));
        var (reused, reusedBody, _) = await server.SendAsync("POST", "/api/v1/tasks", new { title = "Something else" }, headers: headers);
        Assert.Equal(HttpStatusCode.Conflict, reused);
        Assert.Equal("idempotency_key", reusedBody.GetProperty("field").GetString());
        var (update, updateBody, _) = await server.SendAsync("PUT", "/api/v1/tasks/many", new { items = new[] { new { task = Guid.NewGuid(), status = "done" } } }, headers: headers);
        Assert.Equal(HttpStatusCode.BadRequest, update);
        Assert.Equal("Idempotency-Key", updateBody.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Rest_and_mcp_see_the_same_data_and_write_the_same_journal_as_the_keys_user()
    {
        await using var server = await RestTestServer.StartAsync();
        var admin = await server.CreateKeyAsync("admin", AccessScope.Admin);
        var jane = (await server.OkAsync("POST", "/api/v1/users", new { name = "Jane Founder", email = "jane@acme.com" }, admin)).GetProperty("data");
        var janesKey = await server.CreateKeyAsync("jane-laptop", AccessScope.Write, "jane@acme.com");

        var me = (await server.OkAsync("GET", "/api/v1/users/me", key: janesKey)).GetProperty("data");
        Assert.Equal((jane.GetProperty("id").GetString(), true), (me.GetProperty("id").GetString(), me.GetProperty("is_current").GetBoolean()));
        Assert.NotEqual(jane.GetProperty("id").GetString(), (await server.OkAsync("GET", "/api/v1/users/me", key: admin)).GetProperty("data").GetProperty("id").GetString());
        Assert.Equal(2, (await server.OkAsync("POST", "/api/v1/users/search", new { }, admin)).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());

        var task = (await server.OkAsync("POST", "/api/v1/tasks", new { title = "Call Bob" }, janesKey, HttpStatusCode.Created)).GetProperty("data");
        var mcp = await server.ConnectMcpAsync(janesKey);
        var viaMcp = await HttpTestServer.CallOkAsync(mcp, "get_task", new { task = task.GetProperty("id").GetString() });
        Assert.Equal(jane.GetProperty("id").GetString(), viaMcp.GetProperty("data").GetProperty("assignee_id").GetString());
        Assert.Equal(jane.GetProperty("id").GetString(), (await HttpTestServer.CallOkAsync(mcp, "get_current_user")).GetProperty("data").GetProperty("id").GetString());

        await HttpTestServer.CallOkAsync(mcp, "update_task", new { task = task.GetProperty("id").GetString(), status = "in_progress" });
        Assert.Equal("in_progress", (await server.OkAsync("GET", $"/api/v1/tasks/{task.GetProperty("id").GetString()}", key: janesKey)).GetProperty("data").GetProperty("status").GetString());

        var changes = (await HttpTestServer.CallOkAsync(mcp, "get_changes", new { entity = "tasks" })).GetProperty("data").GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["update_task", "create_tasks"], changes.Select(c => c.GetProperty("tool").GetString()));
        Assert.All(changes, c => Assert.Equal("Jane Founder (jane-laptop)", c.GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task Webhooks_are_managed_over_rest_and_a_rest_write_queues_their_event()
    {
        await using var server = await RestTestServer.StartAsync(o => o with { RequireAuth = false });
        var hook = (await server.OkAsync("POST", "/api/v1/webhooks", new { url = "https://example.com/hooks/crm", events = new[] { "contact.created" } })).GetProperty("data");
        var hookId = hook.GetProperty("webhook").GetProperty("id").GetString();
        Assert.Equal(1, (await server.OkAsync("GET", "/api/v1/webhooks?limit=10")).GetProperty("data").GetProperty("total").GetInt64());

        await server.OkAsync("POST", "/api/v1/contacts", new { name = "Jane Founder" }, expected: HttpStatusCode.Created);
        var deliveries = (await server.OkAsync("GET", $"/api/v1/webhooks/deliveries?webhook_id={hookId}&event_type=contact.created")).GetProperty("data").GetProperty("items");
        var delivery = Assert.Single(deliveries.EnumerateArray());
        var resent = (await server.OkAsync("POST", $"/api/v1/webhooks/deliveries/{delivery.GetProperty("id").GetString()}/resend")).GetProperty("data");
        Assert.NotEqual(delivery.GetProperty("id").GetString(), resent.GetProperty("id").GetString());
        Assert.Equal(2, (await server.OkAsync("GET", $"/api/v1/webhooks/deliveries?webhook_id={hookId}")).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
        var badStatus = await server.ProblemAsync("GET", "/api/v1/webhooks/deliveries?status=lost", HttpStatusCode.UnprocessableEntity);
        Assert.Equal("status", badStatus.GetProperty("field").GetString());

        await server.OkAsync("PUT", $"/api/v1/webhooks/{hookId}", new { active = false });
        await server.OkAsync("DELETE", $"/api/v1/webhooks/{hookId}");
        Assert.Equal(0, (await server.OkAsync("GET", "/api/v1/webhooks")).GetProperty("data").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Every_seed_operation_maps_to_a_served_endpoint_and_a_tool()
    {
        var seed = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rest", "customermates-operations.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t')).ToList();
        Assert.Equal(47, seed.Count);
        await using var server = await RestTestServer.StartAsync();
        var mapped = server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .ToHashSet();
        foreach (var operation in seed)
        {
            var route = RestApi.Routes.SingleOrDefault(r => r.Method == operation[0] && r.Summary == operation[1]);
            Assert.True(route is not null, $"no route for the seed's '{operation[1]}' ({operation[0]})");
            Assert.Contains($"{route.Method} {route.Path}", mapped);
            Assert.Contains(ToolCatalog.All, e => e.Name == route.Tool);
        }
        Assert.All(RestApi.Routes, r => Assert.Contains(ToolCatalog.All, e => e.Name == r.Tool));
    }

    [Fact]
    public async Task The_openapi_document_lists_every_route_and_docs_are_served_without_a_key()
    {
        await using var server = await RestTestServer.StartAsync();
        var document = await server.OkAsync("GET", RestApi.OpenApiPath);
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        foreach (var route in RestApi.Routes)
            Assert.True(paths.GetProperty(route.Path).TryGetProperty(route.Method.ToLowerInvariant(), out _), $"{route.Method} {route.Path} is not in the document");
        var parameters = paths.GetProperty("/api/v1/contacts/{id}").GetProperty("put").GetProperty("parameters").EnumerateArray().ToList();
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "id" && p.GetProperty("in").GetString() == "path" && p.GetProperty("required").GetBoolean());
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "dry_run" && p.GetProperty("in").GetString() == "query");
        Assert.Contains(paths.GetProperty("/api/v1/tasks").GetProperty("post").GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal("x-api-key", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKeyAuth").GetProperty("name").GetString());
        var docs = await server.Http.GetAsync("/docs/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("text/html", docs.Content.Headers.ContentType?.MediaType);
        // Everything else still needs a key.
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync("GET", "/api/v1/users/me")).Status);
    }
}
