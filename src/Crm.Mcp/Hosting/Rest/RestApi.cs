using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Crm.Mcp.Hosting.Rest;

/// <summary>How a route turns a request into tool arguments and the tool's reply into the response.</summary>
public enum RestShape
{
    /// <summary>The JSON body (or nothing) is the tool's arguments; the reply is the response.</summary>
    Body,
    /// <summary>The body is one item: the tool runs with items: [body] and the response is that item's result.</summary>
    CreateOne,
    /// <summary>The body's fields plus the path id as the tool's id argument.</summary>
    WithId,
    /// <summary>The path id alone, as a one-element list argument; the response is that item's result.</summary>
    DeleteOne,
    /// <summary>{"ids": [...], "atomic"}: the ids become the tool's list argument.</summary>
    DeleteMany,
    /// <summary>Query parameters are the tool's arguments.</summary>
    Query,
}

/// <summary>One REST operation: which tool serves it and how.</summary>
public sealed record RestRoute(string Method, string Path, string Tool, string Summary, RestShape Shape, string? IdArgument = null, string? Entity = null)
{
    public string OperationId => $"{Method.ToLowerInvariant()}_{Path.Replace("/api/v1/", "").Replace("/{id}", "_by_id").Replace('/', '_')}";
}

/// <summary>
/// /api/v1: Customermates' REST paths over the MCP tools (RestToolRunner). Field names are the tools' snake_case
/// arguments; names work wherever the tool takes a name (GET /api/v1/contacts/jane@acme.com). Errors are RFC 9457
/// problem details carrying the tool's code, field, expected form and candidates.
/// </summary>
public static class RestApi
{
    public const string Prefix = "/api/v1";

    private static readonly (string Path, string Config, string Singular, string Plural, string Create, string Name)[] Entities =
    [
        ("contacts", "contacts", "contact", "contacts", "create_contacts", "contact"),
        ("organizations", "companies", "company", "companies", "create_companies", "organization"),
        ("deals", "deals", "deal", "deals", "create_deals", "deal"),
        ("services", "services", "service", "services", "create_services", "service"),
        ("tasks", "tasks", "task", "tasks", "create_tasks", "task"),
    ];

    /// <summary>Every operation, in the order the OpenAPI document lists them.</summary>
    public static IReadOnlyList<RestRoute> Routes { get; } = BuildRoutes();

    private static List<RestRoute> BuildRoutes()
    {
        var routes = new List<RestRoute>();
        foreach (var e in Entities)
        {
            var root = $"{Prefix}/{e.Path}";
            var a = e.Name is "organization" ? "an" : "a";
            routes.Add(new("POST", root, e.Create, $"Create {a} {e.Name}", e.Path == "services" ? RestShape.Body : RestShape.CreateOne, Entity: e.Path));
            routes.Add(new("POST", $"{root}/many", e.Create, $"Create many {e.Path}", RestShape.Body, Entity: e.Path));
            routes.Add(new("PUT", $"{root}/many", $"update_{e.Plural}", $"Update many {e.Path}", RestShape.Body, Entity: e.Path));
            routes.Add(new("DELETE", $"{root}/many", $"delete_{e.Plural}", $"Delete many {e.Path}", RestShape.DeleteMany, e.Plural, e.Path));
            routes.Add(new("POST", $"{root}/search", $"get_{e.Plural}", $"Get {e.Path}", RestShape.Body, Entity: e.Path));
            routes.Add(new("GET", $"{root}/configuration", "get_entity_configuration", $"Get {e.Path} configuration", RestShape.Query, e.Config, e.Path));
            routes.Add(new("GET", $"{root}/{{id}}", $"get_{e.Singular}", $"Get {a} {e.Name} by ID", RestShape.WithId, e.Singular, e.Path));
            routes.Add(new("PUT", $"{root}/{{id}}", $"update_{e.Singular}", $"Update {a} {e.Name}", RestShape.WithId, e.Singular, e.Path));
            routes.Add(new("DELETE", $"{root}/{{id}}", $"delete_{e.Plural}", $"Delete {a} {e.Name}", RestShape.DeleteOne, e.Plural, e.Path));
        }
        routes.Add(new("POST", $"{Prefix}/users/search", "get_users", "Get users", RestShape.Body, Entity: "users"));
        routes.Add(new("GET", $"{Prefix}/users/me", "get_current_user", "Get own user profile", RestShape.Query, Entity: "users"));
        routes.Add(new("POST", $"{Prefix}/users", "create_user", "Create a user", RestShape.Body, Entity: "users"));
        routes.Add(new("GET", $"{Prefix}/board", "show_pipeline_board", "Get the pipeline board", RestShape.Query, Entity: "board"));
        routes.Add(new("GET", $"{Prefix}/webhooks", "list_webhooks", "List webhooks", RestShape.Query, Entity: "webhooks"));
        routes.Add(new("POST", $"{Prefix}/webhooks", "create_webhook", "Create a webhook", RestShape.Body, Entity: "webhooks"));
        routes.Add(new("PUT", $"{Prefix}/webhooks/{{id}}", "update_webhook", "Update a webhook", RestShape.WithId, "webhook_id", "webhooks"));
        routes.Add(new("DELETE", $"{Prefix}/webhooks/{{id}}", "delete_webhook", "Delete a webhook", RestShape.WithId, "webhook_id", "webhooks"));
        routes.Add(new("GET", $"{Prefix}/webhooks/deliveries", "list_webhook_deliveries", "List webhook deliveries", RestShape.Query, Entity: "webhooks"));
        routes.Add(new("POST", $"{Prefix}/webhooks/deliveries/{{id}}/resend", "resend_webhook_delivery", "Resend a webhook delivery", RestShape.WithId, "delivery_id", "webhooks"));
        return routes;
    }

    public const string OpenApiPath = "/openapi.json", DocsPath = "/docs";

    /// <summary>The runner and the OpenAPI document generator. The generator describes bodies through the HTTP JSON
    /// options; they resolve through <see cref="RestJsonContext"/> alone (no reflection fallback, which the native
    /// build lacks anyway), so the JIT build and its tests need exactly the metadata the native build has.</summary>
    public static IServiceCollection AddCrmRestApi(this IServiceCollection services) =>
        services.AddSingleton<RestToolRunner>()
            .ConfigureHttpJsonOptions(options =>
            {
                options.SerializerOptions.TypeInfoResolverChain.Clear();
                options.SerializerOptions.TypeInfoResolverChain.Add(RestJsonContext.Default);
            })
            .AddOpenApi(RestOpenApi.Configure);

    /// <summary>Maps every route of <see cref="Routes"/>, /openapi.json and /docs; the host calls this once.</summary>
    public static IEndpointRouteBuilder MapCrmRestApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(OpenApiPath);
        app.MapScalarApiReference(DocsPath, options => options.WithTitle("crm-mcp REST API").WithOpenApiRoutePattern(OpenApiPath));
        foreach (var route in Routes)
        {
            // Two parameters, so this is a Delegate endpoint (described in the OpenAPI document), not a bare RequestDelegate.
            var endpoint = app.MapMethods(route.Path, [route.Method], (HttpContext context, CancellationToken _) => HandleAsync(context, route))
                .WithName(route.OperationId)
                .WithSummary(route.Summary)
                .WithDescription($"Runs the MCP tool `{route.Tool}`: {DescribeShape(route)} Errors are problem details (RFC 9457) naming the field and the accepted form.")
                .WithTags(route.Entity ?? "crm")
                .Produces<JsonObject>(route.Shape == RestShape.CreateOne ? StatusCodes.Status201Created : StatusCodes.Status200OK)
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
            if (route.Shape is RestShape.Body or RestShape.CreateOne or RestShape.DeleteMany || (route.Shape == RestShape.WithId && route.Method is "PUT"))
                endpoint.Accepts<JsonObject>("application/json");
        }
        return app;
    }

    private static string DescribeShape(RestRoute route) => route.Shape switch
    {
        RestShape.CreateOne => "the body is one item of the tool's `items`; the response's data is that item's result.",
        RestShape.Body => "the JSON body is the tool's arguments (snake_case).",
        RestShape.WithId => $"the path id is the tool's `{route.IdArgument}` (an id, or a name where the tool takes one); a body adds the other arguments.",
        RestShape.DeleteOne => $"the path id is deleted (`{route.IdArgument}`: [id]); the response's data is its result.",
        RestShape.DeleteMany => $"body {{\"ids\": [...], \"atomic\": true}}; ids become the tool's `{route.IdArgument}`.",
        _ => "query parameters are the tool's arguments.",
    };

    private static async Task HandleAsync(HttpContext context, RestRoute route)
    {
        var runner = context.RequestServices.GetRequiredService<RestToolRunner>();
        if (runner.Find(route.Tool) is not { } tool)
        {
            await RestProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "tool_not_served", null,
                $"{route.Method} {route.Path} runs the tool {route.Tool}, which this server does not serve (--toolsets or --read-only).",
                $"a server started with the toolset of {route.Tool}, without --read-only for writes");
            return;
        }
        JsonObject arguments;
        try
        {
            arguments = await ArgumentsAsync(context, route);
            AddCallOptions(context, route, tool, arguments);
        }
        catch (RestInputException problem)
        {
            await RestProblems.WriteAsync(context, problem.Status, problem.Code, problem.Field, problem.Message, problem.Expected);
            return;
        }

        var (ok, body) = await runner.CallAsync(context, tool, arguments);
        if (!ok)
        {
            var error = body["error"] as JsonObject ?? new JsonObject();
            if (route.Shape == RestShape.CreateOne) Unprefix(error, "items[0].", "");
            if (route.Shape == RestShape.DeleteOne) Unprefix(error, $"{route.IdArgument}[0]", "id");
            await RestProblems.WriteAsync(context, error);
            return;
        }
        if (route.Shape is RestShape.CreateOne or RestShape.DeleteOne && body["data"]?["results"] is JsonArray { Count: 1 } results)
            body["data"] = results[0]!["result"]?.DeepClone();
        var status = route.Shape == RestShape.CreateOne && body["data"]?["updated"] is null && body["dry_run"] is null && body["idempotent_replay"] is null ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        await Results.Json(body, CrmJson.TypeInfo<JsonObject>(), statusCode: status).ExecuteAsync(context);
    }

    private static async Task<JsonObject> ArgumentsAsync(HttpContext context, RestRoute route)
    {
        var id = context.Request.RouteValues.TryGetValue("id", out var value) ? value?.ToString() : null;
        var body = route.Shape is RestShape.Query or RestShape.DeleteOne ? new JsonObject() : await BodyAsync(context, required: route.Shape != RestShape.WithId);
        switch (route.Shape)
        {
            case RestShape.CreateOne:
                var item = body;
                var items = new JsonObject { ["items"] = new JsonArray(item) };
                foreach (var option in new[] { "upsert" })
                    if (context.Request.Query.TryGetValue(option, out var flag)) items[option] = Flag(option, flag.ToString());
                return items;
            case RestShape.WithId:
                body[route.IdArgument!] = id;
                return body;
            case RestShape.DeleteOne:
                return new JsonObject { [route.IdArgument!] = new JsonArray(id) };
            case RestShape.DeleteMany:
                var ids = body["ids"] ?? throw new RestInputException(StatusCodes.Status422UnprocessableEntity, "invalid_argument", "ids", "ids: is required.", "{\"ids\": [\"id or name\", ...], \"atomic\": true}");
                body.Remove("ids");
                body[route.IdArgument!] = ids;
                return body;
            case RestShape.Query:
                var query = new JsonObject();
                if (route.IdArgument is { } entity) query["entity"] = entity;
                foreach (var (name, text) in context.Request.Query)
                {
                    if (name is "dry_run") continue;
                    query[name] = name == "limit" && int.TryParse(text, out var limit) ? limit : text.ToString();
                }
                return query;
            default:
                return body;
        }
    }

    /// <summary>?dry_run=true and the Idempotency-Key header, as the tool's dry_run and idempotency_key arguments.</summary>
    private static void AddCallOptions(HttpContext context, RestRoute route, ModelContextProtocol.Server.McpServerTool tool, JsonObject arguments)
    {
        var entry = ToolCatalog.All.FirstOrDefault(e => e.Name == tool.ProtocolTool.Name);
        var extras = entry is null ? [] : WriteCalls.ExtrasOf(entry.Method);
        if (context.Request.Query.TryGetValue("dry_run", out var dryRun) && Flag("dry_run", dryRun.ToString()) is true)
        {
            if (!extras.Contains(WriteCalls.DryRun))
                throw new RestInputException(StatusCodes.Status400BadRequest, "invalid_argument", "dry_run",
                    $"dry_run: {route.Method} {route.Path} cannot be previewed.", "leave dry_run out; previews exist for create, update and delete endpoints");
            arguments[WriteCalls.DryRun] = true;
        }
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0) return;
        if (!extras.Contains(WriteCalls.IdempotencyKey))
            throw new RestInputException(StatusCodes.Status400BadRequest, "invalid_argument", "Idempotency-Key",
                $"Idempotency-Key: {route.Method} {route.Path} does not take one; only create endpoints replay.", "no Idempotency-Key header here (updates and deletes are safe to retry as they are)");
        arguments[WriteCalls.IdempotencyKey] = key;
    }

    private static bool Flag(string name, string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "" => true,
        "false" or "0" => false,
        _ => throw new RestInputException(StatusCodes.Status400BadRequest, "invalid_argument", name, $"{name}: '{Validate.Shorten(text)}' is not a boolean.", "true or false"),
    };

    private static async Task<JsonObject> BodyAsync(HttpContext context, bool required)
    {
        JsonNode? node;
        try
        {
            var hasBody = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
            node = !hasBody || context.Request.ContentLength == 0 ? null : await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new RestInputException(StatusCodes.Status400BadRequest, "invalid_json", e.Path, $"The body is not valid JSON: {e.Message}", "a JSON object, e.g. {\"name\": \"Acme, Inc.\"}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new RestInputException(StatusCodes.Status413PayloadTooLarge, "payload_too_large", null, "The body is larger than the server accepts (--max-request-bytes).",
                "a smaller body: at most 100 items per /many call");
        }
        return node switch
        {
            JsonObject obj => obj,
            null when !required => new JsonObject(),
            null => throw new RestInputException(StatusCodes.Status400BadRequest, "invalid_json", null, "The body is empty.", "a JSON object with the tool's arguments"),
            _ => throw new RestInputException(StatusCodes.Status400BadRequest, "invalid_json", null, $"The body is a JSON {node.GetValueKind().ToString().ToLowerInvariant()}, not an object.", "a JSON object, e.g. {\"name\": \"Acme, Inc.\"}"),
        };
    }

    /// <summary>A single-record route reports "name", not the bulk tool's "items[0].name".</summary>
    private static void Unprefix(JsonObject error, string prefix, string replacement)
    {
        foreach (var key in new[] { "field", "message" })
            if (error[key]?.GetValue<string>() is { } text)
                error[key] = text.Replace(prefix, replacement).Replace("1 of 1 items failed; nothing was written (atomic). ", "");
    }
}

/// <summary>Bad HTTP input found before the tool runs (body, query, header), with its problem-details status.</summary>
public sealed class RestInputException(int status, string code, string? field, string message, string? expected) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Field { get; } = field;
    public string? Expected { get; } = expected;
}
