using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Crm.Mcp.Hosting.Rest;

/// <summary>The document's title, the server's version, the two ways to send an API key, and the parameters the
/// endpoints read themselves (the path id, ?dry_run, ?upsert, Idempotency-Key, list queries).</summary>
public static class RestOpenApi
{
    public static void Configure(OpenApiOptions options)
    {
        options.AddOperationTransformer((operation, _, _) =>
        {
            if (RestApi.Routes.FirstOrDefault(r => r.OperationId == operation.OperationId) is not { } route) return Task.CompletedTask;
            var parameters = operation.Parameters ??= [];
            if (route.Path.Contains("{id}"))
                parameters.Add(Parameter("id", ParameterLocation.Path, true,
                    $"The tool's `{route.IdArgument}`: a UUID, or (where the tool resolves names) a name, email or identifier such as DEAL-001."));
            var extras = ToolCatalog.All.FirstOrDefault(e => e.Name == route.Tool) is { } entry ? WriteCalls.ExtrasOf(entry.Method) : [];
            if (extras.Contains(WriteCalls.DryRun))
                parameters.Add(Parameter("dry_run", ParameterLocation.Query, false, "true: do everything, write nothing, answer what would happen.", JsonSchemaType.Boolean));
            if (extras.Contains(WriteCalls.IdempotencyKey))
                parameters.Add(Parameter("Idempotency-Key", ParameterLocation.Header, false, "Unique text per operation: a retry with the same key and body replays the first reply (7 days)."));
            if (route.Shape == RestShape.CreateOne && route.Entity is "contacts" or "organizations")
                parameters.Add(Parameter("upsert", ParameterLocation.Query, false, "true: a contact with the same email (an organization with the same domain) is updated instead.", JsonSchemaType.Boolean));
            if (route.Shape == RestShape.Query)
                foreach (var name in QueryArguments(route.Tool))
                    parameters.Add(Parameter(name, ParameterLocation.Query, false, $"The tool's `{name}`.", name == "limit" ? JsonSchemaType.Integer : JsonSchemaType.String));
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "crm-mcp REST API",
                Version = CrmServer.Version,
                Description = "Customermates' REST paths over the same tools MCP clients call: the same resolver, journal, webhooks, " +
                              "idempotency (Idempotency-Key) and previews (?dry_run=true). Field names are the tools' snake_case arguments.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                ["apiKeyAuth"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "x-api-key",
                    Description = "An API key from `crm-mcp keys create`; also accepted as Authorization: Bearer KEY.",
                },
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKeyAuth", document)] = [] }];
            return Task.CompletedTask;
        });
    }

    private static IEnumerable<string> QueryArguments(string tool) => tool switch
    {
        "list_webhooks" => ["limit", "cursor"],
        "list_webhook_deliveries" => ["webhook_id", "status", "event_type", "limit", "cursor"],
        _ => [],
    };

    private static OpenApiParameter Parameter(string name, ParameterLocation location, bool required, string description, JsonSchemaType type = JsonSchemaType.String) =>
        new() { Name = name, In = location, Required = required, Description = description, Schema = new OpenApiSchema { Type = type } };
}
