using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Crm.Mcp.Hosting.Rest;

/// <summary>The document's title, the server's version and the two ways to send an API key.</summary>
public static class RestOpenApi
{
    public static void Configure(OpenApiOptions options)
    {
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
}
