using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Crm.Mcp.Common;
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
using Crm.Mcp.Features.Search;
using Crm.Mcp.Features.Services;
using Crm.Mcp.Features.Tasks;
using Crm.Mcp.Features.Users;
using Crm.Mcp.Features.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Every tool the server can expose, and the one filter that picks the exposed ones: a toolset is the feature folder
/// a tool lives in (Features/Deals is "deals"); read-only mode keeps the tools annotated ReadOnly.
/// </summary>
public static class ToolCatalog
{
    public sealed record Entry(MethodInfo Method, Type ToolType, string Name, string Toolset, bool ReadOnly)
    {
        /// <summary>A fresh instance per call, its constructor's services from the request's scope.</summary>
        public required Func<IServiceProvider, object> Create { get; init; }
    }

    /// <summary>
    /// Every [McpServerToolType] class, listed by name rather than found with Assembly.GetTypes(), which the native
    /// (trimmed, AOT) build cannot do: a new tool class is added here, and NativeBuildTests fails until it is.
    /// </summary>
    public static IReadOnlyList<Entry> All { get; } = new[]
    {
        ToolsOf<BoardTools>(), ToolsOf<CompanyTools>(), ToolsOf<ConfigurationTools>(), ToolsOf<ContactTools>(), ToolsOf<CustomFieldTools>(),
        ToolsOf<DealTools>(), ToolsOf<DuplicateTools>(), ToolsOf<JournalTools>(), ToolsOf<LinkTools>(),
        ToolsOf<NoteTools>(), ToolsOf<PipelineTools>(), ToolsOf<SearchTools>(), ToolsOf<ServiceTools>(),
        ToolsOf<TaskTools>(), ToolsOf<UserTools>(), ToolsOf<WebhookTools>(),
    }.SelectMany(tools => tools).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

    public static IReadOnlyList<string> Toolsets => All.Select(e => e.Toolset).Distinct().Order().ToList();

    public static IEnumerable<Entry> Select(IReadOnlyCollection<string>? toolsets, bool readOnly) =>
        All.Where(e => (toolsets is null || toolsets.Count == 0 || toolsets.Contains(e.Toolset)) && (!readOnly || e.ReadOnly));

    public static IMcpServerBuilder WithCrmTools(this IMcpServerBuilder builder, IReadOnlyCollection<string>? toolsets, bool readOnly)
    {
        // Arguments are checked by ArgumentCheck's filter (CrmServer registers it inside access control and error handling).
        foreach (var entry in Select(toolsets, readOnly))
        {
            builder.Services.AddSingleton(services =>
            {
                var tool = McpServerTool.Create(
                    entry.Method,
                    request => entry.Create(request.Services!),
                    new McpServerToolCreateOptions { Services = services, SerializerOptions = CrmJson.Options, SchemaCreateOptions = ToolSchemas.CreateOptions });
                WriteCalls.Describe(tool, entry.Method);
                ToolSchemas.Compact(tool);
                return tool;
            });
        }
        return builder;
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
            .Select(x => new Entry(x.Method, typeof(T), x.Attribute!.Name!, ToolsetOf(typeof(T)), x.Attribute.ReadOnly)
            {
                Create = services => factory(services, null),
            })
            .ToList();
    }

    private static string ToolsetOf(Type type)
    {
        var parts = type.Namespace?.Split('.') ?? [];
        var index = Array.IndexOf(parts, "Features");
        return index >= 0 && index + 1 < parts.Length ? parts[index + 1].ToLowerInvariant() : "core";
    }
}
