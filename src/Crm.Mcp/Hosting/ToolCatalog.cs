using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Crm.Mcp.Common;
using Crm.Mcp.Features.Activities;
using Crm.Mcp.Features.Board;
using Crm.Mcp.Features.Companies;
using Crm.Mcp.Features.Contacts;
using Crm.Mcp.Features.CustomFields;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Features.Duplicates;
using Crm.Mcp.Features.Journal;
using Crm.Mcp.Features.Links;
using Crm.Mcp.Features.Notes;
using Crm.Mcp.Features.Pipelines;
using Crm.Mcp.Features.Reports;
using Crm.Mcp.Features.Search;
using Crm.Mcp.Features.Services;
using Crm.Mcp.Features.Tasks;
using Crm.Mcp.Features.Users;
using Crm.Mcp.Features.Webhooks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
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
    public sealed record Entry(MethodInfo Method, Type ToolType, McpServerToolAttribute Attribute, string Toolset)
    {
        public string Name => Attribute.Name!;
        public bool ReadOnly => Attribute.ReadOnly;
        /// <summary>The tool whose arguments its items take (<see cref="ItemsLikeAttribute"/>).</summary>
        public string? ItemsLike { get; init; }

        /// <summary>A fresh instance per call, its constructor's services from the request's scope.</summary>
        public required Func<IServiceProvider, object> NewInstance { get; init; }
    }

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

    /// <summary>
    /// Every [McpServerToolType] class, listed by name rather than found with Assembly.GetTypes(), which the native
    /// (trimmed, AOT) build cannot do: a new tool class is added here, and NativeBuildTests fails until it is.
    /// </summary>
    public static IReadOnlyList<Entry> All { get; } = new[]
    {
        ToolsOf<ActivityTools>(), ToolsOf<BoardTools>(), ToolsOf<CompanyTools>(), ToolsOf<ConfigurationTools>(), ToolsOf<ContactTools>(),
        ToolsOf<CustomFieldTools>(), ToolsOf<DealTools>(), ToolsOf<DuplicateTools>(), ToolsOf<JournalTools>(), ToolsOf<LinkTools>(),
        ToolsOf<NoteTools>(), ToolsOf<PipelineTools>(), ToolsOf<ReportTools>(), ToolsOf<SearchTools>(), ToolsOf<ServiceTools>(),
        ToolsOf<TaskTools>(), ToolsOf<TimelineTools>(), ToolsOf<UserTools>(), ToolsOf<WebhookTools>(),
    }.SelectMany(tools => tools).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

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

    /// <summary>
    /// The tool as served: the SDK binds its arguments and shapes its replies, but its schemas are the ones
    /// <see cref="ToolSchemas.Generate"/> made at build time (Hosting/ToolSchemas.json): generating them here, through the
    /// SDK's reflection over every parameter and reply type, was two thirds of the native start-up (BENCHMARKS.md).
    /// </summary>
    /// <param name="served">The tools served beside it, which decide what its schema can leave to them; null: none.</param>
    public static McpServerTool Create(Entry entry, IServiceProvider services, IReadOnlySet<string>? served = null)
    {
        var (input, output) = ToolSchemas.Of(entry.Name);
        var attribute = entry.Attribute;
        var description = entry.Method.GetCustomAttribute<DescriptionAttribute>()?.Description;
        var function = AIFunctionFactory.Create(entry.Method, arguments => entry.NewInstance(arguments.Services!), new AIFunctionFactoryOptions
        {
            Name = entry.Name,
            Description = description,
            SerializerOptions = CrmJson.Options,
            JsonSchemaCreateOptions = ToolSchemas.NoneGenerated,
            ExcludeResultSchema = true,
            MarshalResult = SdkBinding.AsIs,
            ConfigureParameterBinding = SdkBinding.Services<CallToolRequestParams>(services),
        });
        var tool = McpServerTool.Create(function, new McpServerToolCreateOptions
        {
            Services = services,
            SerializerOptions = CrmJson.Options,
            Name = entry.Name,
            Title = attribute.Title,
            Description = description,
            ReadOnly = attribute.ReadOnly,
            Destructive = attribute.Destructive,
            Idempotent = attribute.Idempotent,
            OpenWorld = attribute.OpenWorld,
            UseStructuredContent = attribute.UseStructuredContent,
            OutputSchema = output,
            Metadata = SdkBinding.Metadata(entry.Method),
        });
        tool.ProtocolTool.InputSchema = input;
        if (entry.ItemsLike is { } twin && served?.Contains(twin) == true)
            ToolSchemas.ShareItems(tool, twin);
        return tool;
    }

    /// <summary>The [McpServerTool] methods of one class. The annotation keeps the methods and the
    /// constructor in the trimmed build, where the SDK still reads them (parameters, descriptions) by reflection.</summary>
    private static IEnumerable<Entry> ToolsOf<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class
    {
        var factory = ActivatorUtilities.CreateFactory<T>(Type.EmptyTypes);
        return typeof(T).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<McpServerToolAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => new Entry(x.Method, typeof(T), x.Attribute!,
                x.Method.GetCustomAttribute<ToolsetAttribute>()?.Name ?? typeof(T).GetCustomAttribute<ToolsetAttribute>()?.Name ?? FolderOf(typeof(T)))
            {
                NewInstance = services => factory(services, null),
                ItemsLike = x.Method.GetCustomAttribute<ItemsLikeAttribute>()?.Tool,
            })
            .ToList();
    }

    private static string FolderOf(Type type)
    {
        var parts = type.Namespace?.Split('.') ?? [];
        var index = Array.IndexOf(parts, "Features");
        return index >= 0 && index + 1 < parts.Length ? parts[index + 1].ToLowerInvariant() : "core";
    }
}
