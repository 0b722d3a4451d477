using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Crm.Mcp.Common;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>
/// What the native (trimmed, AOT) build cannot find at run time must be listed at compile time: tool classes, entity
/// fields, and the JSON metadata of every tool's arguments and reply. These fail in the JIT build, where a mistake would
/// otherwise only show in the native binary. (Reflection is fine here: tests never run natively.)
/// </summary>
public sealed class NativeBuildTests
{
    private static readonly Type[] AppTypes = typeof(ToolCatalog).Assembly.GetTypes();

    [Fact]
    public void Every_tool_class_is_listed_in_the_catalog()
    {
        var toolClasses = AppTypes.Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null).Select(t => t.Name);
        var listed = ToolCatalog.All.Select(e => e.ToolType.Name).Distinct();
        Assert.True(!toolClasses.Except(listed).Any(),
            $"Add ToolsOf<{string.Join(">(), ToolsOf<", toolClasses.Except(listed))}>() to ToolCatalog.All (Hosting/ToolCatalog.cs).");
    }

    [Fact]
    public void Every_entity_fields_class_is_listed_in_the_field_registry()
    {
        var declared = AppTypes.Where(t => typeof(IEntityFields).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((IEntityFields)Activator.CreateInstance(t)!).Schema.Entity);
        var missing = declared.Except(FieldRegistry.BuiltIn.Keys).ToList();
        Assert.True(missing.Count == 0, $"Add the fields of {string.Join(", ", missing)} to FieldRegistry.BuiltIn (Lists/EntitySchema.cs).");
    }

    public static TheoryData<string> ToolNames() => new(ToolCatalog.All.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(ToolNames))]
    public void Tool_arguments_and_reply_have_source_generated_json_metadata(string tool)
    {
        var entry = ToolCatalog.All.Single(e => e.Name == tool);
        var types = entry.Method.GetParameters().Select(p => p.ParameterType).Where(IsJsonBound).Append(ReplyType(entry.Method));
        foreach (var type in types)
        {
            Assert.True(CrmJson.Options.TryGetTypeInfo(type, out var info),
                $"{tool}: {type} has no source-generated JSON metadata; add [JsonSerializable(typeof({type.Name}))] to CrmJsonContext (Hosting/CrmJsonContext.cs).");
            AssertEnumsAreStrings(tool, info, []);
        }
    }

    [Fact]
    public void CrmJson_refuses_types_the_context_does_not_list_even_where_reflection_is_available()
    {
        Assert.True(JsonSerializer.IsReflectionEnabledByDefault); // the JIT test host, where a fallback would hide a gap
        var error = Assert.Throws<NotSupportedException>(() => CrmJson.Serialize(new Unlisted("x")));
        Assert.Contains(nameof(Unlisted), error.Message);
    }

    private sealed record Unlisted(string Name);

    /// <summary>Dapper.AOT replaces each Dapper call it can generate and leaves the rest to plain Dapper, which emits IL at
    /// run time: the native binary then fails on that call alone, and Dapper.AOT 1.1.0 does not always say so at build
    /// time (an anonymous parameter object in a loop in an async method was left in silence). An intercepted call leaves
    /// no reference to SqlMapper's Query/Execute methods in our assembly, so any such reference is a call left behind.</summary>
    [Fact]
    public void Every_dapper_call_is_generated_ahead_of_time()
    {
        using var pe = new PEReader(File.OpenRead(typeof(ToolCatalog).Assembly.Location));
        var metadata = pe.GetMetadataReader();
        var plain = metadata.MemberReferences.Select(metadata.GetMemberReference)
            .Where(m => m.Parent.Kind == HandleKind.TypeReference &&
                        metadata.GetTypeReference((TypeReferenceHandle)m.Parent) is var type &&
                        metadata.GetString(type.Namespace) == "Dapper" && metadata.GetString(type.Name) == "SqlMapper")
            .Select(m => metadata.GetString(m.Name))
            .Where(name => name.StartsWith("Query", StringComparison.Ordinal) || name.StartsWith("Execute", StringComparison.Ordinal))
            .Distinct().Order().ToList();
        Assert.True(plain.Count == 0,
            $"Plain Dapper is still called ({string.Join(", ", plain)}): a call Dapper.AOT did not intercept. Pass a named record as its parameters " +
            "instead of an anonymous object (WebhookOutbox.Delivery), or read with a plain DbCommand (DuplicateSql.RowAsync).");
    }

    private static bool IsJsonBound(Type type) =>
        type != typeof(CancellationToken) && !(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IProgress<>)) &&
        type != typeof(McpServer) && type != typeof(IServiceProvider);

    private static Type ReplyType(MethodInfo method) =>
        method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() is var definition &&
        (definition == typeof(Task<>) || definition == typeof(ValueTask<>))
            ? method.ReturnType.GetGenericArguments()[0]
            : method.ReturnType;

    /// <summary>CrmJson has no catch-all enum converter (the reflection-based one is not AOT-safe): an enum in a tool's
    /// JSON would silently become a number, so give it a string property or a JsonStringEnumConverter&lt;T&gt;.</summary>
    private static void AssertEnumsAreStrings(string tool, JsonTypeInfo info, HashSet<Type> seen)
    {
        if (!seen.Add(info.Type)) return;
        var underlying = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        Assert.False(underlying.IsEnum && info.Converter.GetType().Name.StartsWith("EnumConverter", StringComparison.Ordinal),
            $"{tool}: enum {underlying.Name} would be written as a number.");
        foreach (var property in info.Properties)
            if (CrmJson.Options.TryGetTypeInfo(property.PropertyType, out var child)) AssertEnumsAreStrings(tool, child, seen);
        if (info.ElementType is { } element && CrmJson.Options.TryGetTypeInfo(element, out var item)) AssertEnumsAreStrings(tool, item, seen);
    }
}
