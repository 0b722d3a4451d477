using System.Reflection;
using Crm.Mcp.Common;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>Puts a tool (or every tool of a class) in a toolset other than its feature folder's.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class ToolsetAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>A bulk tool whose items take another tool's arguments: while that tool is served, the item shape is
/// written there only (the deal field set was written four times in tools/list); see ToolSchemas.ShareItems.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ItemsLikeAttribute(string tool) : Attribute
{
    public string Tool { get; } = tool;
}

/// <summary>
/// Every tool the server can expose, and the one filter that picks the exposed ones. A tool's toolset is its
/// [Toolset] if it has one, else its feature folder (Features/Deals is "deals"). Only the toolsets named in
/// <see cref="Default"/> are served unless --toolsets or --tools says otherwise, so a new folder is opt-in until it is
/// added there; read-only mode keeps the tools annotated ReadOnly.
/// </summary>
public static class ToolCatalog
{
    public sealed record Entry(MethodInfo Method, Type ToolType, string Name, string Toolset, bool ReadOnly);

    public const string AllToolsets = "all";
    public const string DefaultToolsets = "default";

    /// <summary>What a newcomer's sales assistant needs (README, "Toolsets"): find a record, read and move deals, keep
    /// people and companies current, log notes and tasks, as one user; nothing that deletes or overwrites. Everything
    /// else is one --toolsets away.</summary>
    public static IReadOnlyList<string> Default { get; } = ["context", "deals", "companies", "contacts", "notes", "tasks", "search"];

    /// <summary>One line per toolset for --help, the README and docs/tools.md.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        ["context"] = "the current user, the pipelines and stages, the fields lists filter on",
        ["deals"] = "read, create (draft) and update one deal",
        ["companies"] = "read, create and update companies",
        ["contacts"] = "read, create and update people",
        ["notes"] = "add a dated note to a deal, company, contact or task",
        ["tasks"] = "list, create and update tasks",
        ["search"] = "one search over deals, companies, people and tasks",
        ["users"] = "list and add users (a team's owners and assignees)",
        ["board"] = "the pipeline board as an interactive view (MCP Apps hosts)",
        ["reports"] = "pipeline analytics: counts, sums, weighted pipeline, win rate by stage, owner, month or field",
        ["activities"] = "logged calls, meetings and emails, and one record's timeline",
        ["records"] = "one task or service by id (get_task, get_service)",
        ["bulk"] = "create_deals and the update_<plural> tools: 1 to 100 records a call",
        ["destructive"] = "delete deals, companies, contacts and tasks; replace a record's notes (set_notes)",
        ["customfields"] = "define custom fields and set their values",
        ["duplicates"] = "find and merge duplicate companies and people",
        ["journal"] = "who changed what, and undo",
        ["links"] = "link and unlink records (contact-company, deal-contact, ...)",
        ["pipelines"] = "create, rename, reorder and delete stages",
        ["services"] = "the products/services catalog and deal line items",
        ["webhooks"] = "webhook subscriptions and deliveries",
    };

    public static IReadOnlyList<Entry> All { get; } = Discover();

    public static IReadOnlyList<string> Toolsets => All.Select(e => e.Toolset).Distinct().Order().ToList();

    /// <summary>The tools to serve: an explicit tool list wins; otherwise the named toolsets ("all", "default", or
    /// none given = the default ones).</summary>
    public static IEnumerable<Entry> Select(IReadOnlyCollection<string>? toolsets, bool readOnly, IReadOnlyCollection<string>? tools = null)
    {
        IEnumerable<Entry> chosen;
        if (tools is { Count: > 0 }) chosen = All.Where(e => tools.Contains(e.Name));
        else
        {
            var names = toolsets is { Count: > 0 } ? toolsets : [DefaultToolsets];
            var wanted = names.SelectMany(n => n == DefaultToolsets ? Default : [n]).ToHashSet();
            chosen = names.Contains(AllToolsets) ? All : All.Where(e => wanted.Contains(e.Toolset));
        }
        return chosen.Where(e => !readOnly || e.ReadOnly);
    }

    /// <summary>The names in <paramref name="toolsets"/> and <paramref name="tools"/> that are neither, as one message; null when all are known.</summary>
    public static string? Unknown(IEnumerable<string> toolsets, IEnumerable<string> tools)
    {
        var badSets = toolsets.Except([.. Toolsets, AllToolsets, DefaultToolsets]).ToList();
        if (badSets.Count > 0) return $"--toolsets: unknown {string.Join(", ", badSets)}. Available: {string.Join(", ", Toolsets)}, default, all";
        var badTools = tools.Except(All.Select(e => e.Name)).ToList();
        return badTools.Count > 0 ? $"--tools: unknown {string.Join(", ", badTools)}. `crm-mcp tools` lists them" : null;
    }

    public static IMcpServerBuilder WithCrmTools(this IMcpServerBuilder builder, ServeOptions options)
    {
        // Arguments are checked by ArgumentCheck's filter (CrmServer registers it inside access control and error handling).
        var entries = Select(options.Toolsets, options.ReadOnly, options.Tools).ToList();
        var served = entries.Select(e => e.Name).ToHashSet();
        foreach (var entry in entries)
            builder.Services.AddSingleton(services => Create(entry, services, served));
        return builder;
    }

    /// <param name="served">The tools served beside it, which decide what its schema can leave to them; null: none.</param>
    public static McpServerTool Create(Entry entry, IServiceProvider services, IReadOnlySet<string>? served = null)
    {
        var tool = McpServerTool.Create(
            entry.Method,
            request => ActivatorUtilities.CreateInstance(request.Services!, entry.ToolType),
            new McpServerToolCreateOptions { Services = services, SerializerOptions = CrmJson.Options, SchemaCreateOptions = ToolSchemas.CreateOptions });
        WriteCalls.Describe(tool, entry.Method);
        ToolSchemas.Compact(tool);
        if (entry.Method.GetCustomAttribute<ItemsLikeAttribute>() is { } like && served?.Contains(like.Tool) == true)
            ToolSchemas.ShareItems(tool, like.Tool);
        return tool;
    }

    private static List<Entry> Discover() =>
        typeof(ToolCatalog).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                .Select(m => (Method: m, Attribute: m.GetCustomAttribute<McpServerToolAttribute>()))
                .Where(x => x.Attribute is not null)
                .Select(x => new Entry(x.Method, t, x.Attribute!.Name!,
                    x.Method.GetCustomAttribute<ToolsetAttribute>()?.Name ?? t.GetCustomAttribute<ToolsetAttribute>()?.Name ?? FolderOf(t),
                    x.Attribute.ReadOnly)))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();

    private static string FolderOf(Type type)
    {
        var parts = type.Namespace?.Split('.') ?? [];
        var index = Array.IndexOf(parts, "Features");
        return index >= 0 && index + 1 < parts.Length ? parts[index + 1].ToLowerInvariant() : "core";
    }
}
