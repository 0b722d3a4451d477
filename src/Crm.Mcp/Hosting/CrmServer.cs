using System.Reflection;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Completions;
using Crm.Mcp.Features.Webhooks;
using Crm.Mcp.Resolution;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Hosting;

/// <summary>What to expose and where the data is; shared by every transport.</summary>
public sealed record ServeOptions
{
    public required CrmSettings Settings { get; init; }
    /// <summary>Toolset names, "default" or "all"; none = the default toolsets (ToolCatalog.Default).</summary>
    public IReadOnlyCollection<string>? Toolsets { get; init; }
    /// <summary>An exact list of tool names; when given, Toolsets is not consulted.</summary>
    public IReadOnlyCollection<string>? Tools { get; init; }
    public bool ReadOnly { get; init; }
}

public static class CrmServer
{
    public const string Name = "crm-mcp";

    public static string Version { get; } =
        typeof(CrmServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private const string Instructions = """
        A CRM: deals, companies, people (contacts), pipelines and stages. Write tools take names or ids: pass what the
        user said ("Acme, Inc.", "Jane Founder <jane@acme.com>") and read the `resolution` block to learn whether each
        record was found (and how) or created. A needs_disambiguation error lists candidates: ask the user or pass an id.
        Errors name the field and the accepted form; nothing is written when a call fails.
        Writes take `dry_run: true` (preview the reply, write nothing) and, where retrying could write twice,
        `idempotency_key` (a repeat with the same key returns the first result). Bulk tools take 1 to 100 items, all
        or none unless `atomic: false`. `create_if_missing`: auto (default) creates an unmatched name unless a near
        match exists, always, or never.
        """;

    /// <summary>The instructions with today's date (UTC) and weekday first, so "Friday" or "next week" resolves
    /// without a call.</summary>
    public static string InstructionsFor(DateTimeOffset now) =>
        $"Today is {now.UtcDateTime.ToString("dddd yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)} (UTC).\n{Instructions}";

    /// <summary>Writes today's instructions into every initialize reply: a server (stdio or HTTP) can outlive the day
    /// it started on.</summary>
    private static IMcpServerBuilder WithDatedInstructions(this IMcpServerBuilder builder) =>
        builder.WithMessageFilters(filters => filters.AddOutgoingFilter(next => (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcResponse { Result: System.Text.Json.Nodes.JsonObject result }
                && result.ContainsKey("serverInfo") && result.ContainsKey("protocolVersion"))
                result["instructions"] = InstructionsFor(Clock.Time.GetUtcNow());
            return next(context, cancellationToken);
        }));

    /// <summary>The data layer and resolver, for the server and for CLI commands alike.</summary>
    public static IServiceCollection AddCrmCore(this IServiceCollection services, CrmSettings settings) =>
        services
            .AddSingleton(settings)
            .AddSingleton(new CrmDb(settings.DatabasePath))
            .AddSingleton<Migrator>()
            .AddSingleton<Resolver>()
            .AddSingleton<Lists.FieldRegistry>()
            .AddSingleton<Lists.IFieldProvider, Features.CustomFields.CustomFieldProvider>();

    /// <summary>The MCP server without a transport: each host adds the one it speaks.</summary>
    public static IMcpServerBuilder AddCrmMcpServer(this IServiceCollection services, ServeOptions options) =>
        services
            .AddCrmCore(options.Settings)
            .AddSingleton(options)
            .AddHostedService<WebhookWorker>()
            .AddMcpServer(server =>
            {
                server.ServerInfo = new Implementation { Name = Name, Title = "Crm.Mcp", Version = Version };
                server.ServerInstructions = InstructionsFor(Clock.Time.GetUtcNow());
            })
            .WithDatedInstructions()
            .WithCrmResources()
            .WithCrmPrompts<Features.Prompts.CrmPrompts>()
            .WithCrmCompletions()
            // Access first (the outermost filter): a tool outside the key's scope is refused whatever its arguments.
            .WithCrmToolAccess()
            .WithCrmErrorHandling()
            .WithArgumentCheck()
            .WithCrmCallContext()
            .WithWriteCalls()  // innermost: after the schema check, inside error handling
            .WithCrmTools(options);
}
