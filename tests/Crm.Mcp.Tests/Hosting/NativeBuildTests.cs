using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Crm.Mcp.Common;
using Crm.Mcp.Hosting;
using Crm.Mcp.Hosting.Rest;
using Crm.Mcp.Lists;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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

    /// <summary>The OpenAPI generator describes every body through the HTTP JSON options; a reflection fallback there
    /// would let the JIT build (and RestApiTests' /openapi.json check) describe a type the native build cannot.</summary>
    [Fact]
    public void The_http_json_options_resolve_only_through_source_generated_contexts()
    {
        using var provider = new ServiceCollection().AddLogging().AddCrmRestApi().BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        Assert.All(options.TypeInfoResolverChain, r => Assert.IsAssignableFrom<JsonSerializerContext>(r));
        Assert.False(options.TryGetTypeInfo(typeof(Unlisted), out _));
        Assert.True(options.TryGetTypeInfo(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), out _));
    }

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
            // AsList too: any use of SqlMapper runs its static constructor, whose type-handler setup keeps Dapper.dll's
            // reflection (IL2104/IL3053) in the native build (search_all's AsList brought them back once).
            .Where(name => name.StartsWith("Query", StringComparison.Ordinal) || name.StartsWith("Execute", StringComparison.Ordinal) || name == "AsList")
            .Distinct().Order().ToList();
        Assert.True(plain.Count == 0,
            $"Plain Dapper is still called ({string.Join(", ", plain)}): a call Dapper.AOT did not intercept. Pass a named record as its parameters " +
            "instead of an anonymous object (WebhookOutbox.Delivery), or read with a plain DbCommand (DuplicateSql.RowAsync).");
    }

    /// <summary>What Dapper.AOT's generated code still hands to Dapper.dll's run-time paths, which reflect over values
    /// and so keep trim/AOT warnings in the native build (IL2104/IL3053 over Dapper.dll, now errors there): a list bound
    /// as a parameter (SqlMapper.PackListParameters, from <c>IN @ids</c> or any enumerable member), DynamicParameters,
    /// and dynamic rows. Generated code is compiled into our assembly, so a reference here is such a call.</summary>
    [Fact]
    public void No_call_reaches_dappers_reflection_paths()
    {
        using var pe = new PEReader(File.OpenRead(typeof(ToolCatalog).Assembly.Location));
        var metadata = pe.GetMetadataReader();
        string TypeName(EntityHandle handle) => handle.Kind == HandleKind.TypeReference && metadata.GetTypeReference((TypeReferenceHandle)handle) is var type
            ? (type.ResolutionScope.Kind == HandleKind.TypeReference ? TypeName((EntityHandle)type.ResolutionScope) + "+" : metadata.GetString(type.Namespace) + ".") + metadata.GetString(type.Name)
            : "";
        var members = metadata.MemberReferences.Select(metadata.GetMemberReference).Select(m => $"{TypeName(m.Parent)}.{metadata.GetString(m.Name)}");
        var types = metadata.TypeReferences.Select(h => TypeName(h));
        var forbidden = members.Concat(types).Distinct()
            .Where(n => n is "Dapper.SqlMapper.PackListParameters" or "Dapper.DynamicParameters" or "Dapper.RowFactory+Inbuilt.get_Dynamic" or "Dapper.RowFactory+Inbuilt.Dynamic" or "Dapper.SqlMapper+DapperRow")
            .Order().ToList();
        Assert.True(forbidden.Count == 0,
            $"Dapper's reflection paths are reached through {string.Join(", ", forbidden)}: bind a list as one JSON text (Data/SqlList), " +
            "run-time parameter names through Data/SqlArgs, and read rows into named types.");
    }

    /// <summary>Dapper's list expansion written in SQL (<c>x IN @ids</c>, PostgreSQL's <c>= ANY(@ids)</c> or
    /// <c>unnest(@ids)</c> over an array parameter): the idiom is <c>x IN (SELECT value FROM json_each(@ids))</c> with
    /// <see cref="Crm.Mcp.Data.SqlList.Json(IEnumerable{string})"/>, the same SQL on both backends.</summary>
    [Fact]
    public void Sql_binds_lists_as_one_json_parameter()
    {
        var source = Path.Combine(Infrastructure.CliRunner.RepositoryRoot(), "src", "Crm.Mcp");
        var listSyntax = new System.Text.RegularExpressions.Regex(@"\bIN\s+@\w|=\s*ANY\s*\(\s*@|\bunnest\s*\(\s*@|\bDynamicParameters\b",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var found = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(source, f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && listSyntax.IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}").ToList();
        Assert.True(found.Count == 0,
            $"A list parameter or DynamicParameters in {string.Join(", ", found)}: write x IN (SELECT value FROM json_each(@ids)) with SqlList.Json(ids) (Data/SqlList.cs), or use Data/SqlArgs.");
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
