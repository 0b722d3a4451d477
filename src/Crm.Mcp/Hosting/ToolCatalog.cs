using System.Reflection;
using Crm.Mcp.Common;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Every tool the server can expose, and the one filter that picks the exposed ones: a toolset is the feature folder
/// a tool lives in (Features/Deals is "deals"); read-only mode keeps the tools annotated ReadOnly.
/// </summary>
public static class ToolCatalog
{
    public sealed record Entry(MethodInfo Method, Type ToolType, string Name, string Toolset, bool ReadOnly);

    public static IReadOnlyList<Entry> All { get; } = Discover();

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
                    request => ActivatorUtilities.CreateInstance(request.Services!, entry.ToolType),
                    new McpServerToolCreateOptions { Services = services, SerializerOptions = CrmJson.Options, SchemaCreateOptions = ToolSchemas.CreateOptions });
                WriteCalls.Describe(tool, entry.Method);
                ToolSchemas.Compact(tool);
                return tool;
            });
        }
        return builder;
    }

    private static List<Entry> Discover() =>
        typeof(ToolCatalog).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                .Select(m => (Method: m, Attribute: m.GetCustomAttribute<McpServerToolAttribute>()))
                .Where(x => x.Attribute is not null)
                .Select(x => new Entry(x.Method, t, x.Attribute!.Name!, ToolsetOf(t), x.Attribute.ReadOnly)))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();

    private static string ToolsetOf(Type type)
    {
        var parts = type.Namespace?.Split('.') ?? [];
        var index = Array.IndexOf(parts, "Features");
        return index >= 0 && index + 1 < parts.Length ? parts[index + 1].ToLowerInvariant() : "core";
    }
}
