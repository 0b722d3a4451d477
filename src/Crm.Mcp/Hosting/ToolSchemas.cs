using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Crm.Mcp.Common;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Keeps tools/list small (an assistant pays for it on every turn) in one place instead of per tool. The SDK's
/// TransformSchemaNode hook sees one node at a time, so it only tags object shapes with their C# type (and takes a
/// property that is left out when null off `required`); the pass over the finished schemas does the rest:
/// inputSchema: an optional argument is one that is not required, so `["string", "null"]` becomes `"string"` and
/// `"default": null` goes (ArgumentCheck still takes an explicit null for an optional argument);
/// outputSchema: shape only, no prose (result fields are described in docs/tools.md), and an object shape that
/// occurs twice is written once under `$defs` and referenced (`$ref` within the schema, JSON Schema 2020-12).
/// This runs when Hosting/ToolSchemas.json is written (<see cref="Generate"/>), not at start: the server reads the file.
/// </summary>
public static class ToolSchemas
{
    private const string TypeTag = "x-crm-type";

    /// <summary>Shapes smaller than this stay inline: a reference would not save much.</summary>
    private const int MinSharedLength = 60;

    /// <summary>For the served tool: no schema generated for its parameters (its reply's is excluded apart).</summary>
    public static AIJsonSchemaCreateOptions NoneGenerated { get; } = new() { IncludeParameter = _ => false };

    /// <summary>The generated file, embedded: one line per tool, `"name": {"inputSchema": …, "outputSchema": …}`.</summary>
    public const string FileResource = "Hosting.ToolSchemas.json";

    private static readonly Lazy<JsonDocument> Generated = new(() =>
    {
        using var stream = typeof(ToolSchemas).Assembly.GetManifestResourceStream(FileResource)
            ?? throw new InvalidOperationException($"{FileResource} is not embedded.");
        return JsonDocument.Parse(stream);
    });

    /// <summary>A tool's schemas as <see cref="Generate"/> made them when Hosting/ToolSchemas.json was last written.</summary>
    public static (JsonElement Input, JsonElement? Output) Of(string tool)
    {
        if (!Generated.Value.RootElement.TryGetProperty(tool, out var schemas))
            throw new InvalidOperationException($"{tool} is not in Hosting/ToolSchemas.json: run `UPDATE_SNAPSHOTS=1 dotnet test --filter ToolSchemaFileTests` and rebuild.");
        return (schemas.GetProperty("inputSchema"), schemas.TryGetProperty("outputSchema", out var output) ? output : null);
    }

    /// <summary>
    /// A tool's schemas from its C# signature, through the SDK's generator (reflection over every parameter, reply type
    /// and their attributes) and the compaction below. Run by ToolSchemaFileTests, which writes Hosting/ToolSchemas.json
    /// (UPDATE_SNAPSHOTS=1) and fails when the file is not what this gives; never at run time.
    /// </summary>
    public static (JsonElement Input, JsonElement? Output) Generate(ToolCatalog.Entry entry, IServiceProvider services)
    {
        var tool = McpServerTool.Create(
            entry.Method,
            request => entry.NewInstance(request.Services!),
            new McpServerToolCreateOptions { Services = services, SerializerOptions = CrmJson.Options, SchemaCreateOptions = CreateOptions });
        WriteCalls.Describe(tool, entry.Method);
        Compact(tool);
        return (tool.ProtocolTool.InputSchema, tool.ProtocolTool.OutputSchema);
    }

    /// <summary>The text of Hosting/ToolSchemas.json for these tools' schemas.</summary>
    public static string FileText(IEnumerable<(string Name, JsonElement Input, JsonElement? Output)> tools) =>
        "{\n" + string.Join(",\n", tools.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t =>
            $"\"{t.Name}\": {{\"inputSchema\": {t.Input.GetRawText()}" + (t.Output is { } output ? $", \"outputSchema\": {output.GetRawText()}" : "") + "}"))
        + "\n}\n";

    private static AIJsonSchemaCreateOptions CreateOptions { get; } = new()
    {
        TransformSchemaNode = (context, node) =>
        {
            if (node is JsonObject obj && obj.ContainsKey("properties") && context.TypeInfo.Kind == JsonTypeInfoKind.Object)
            {
                obj[TypeTag] = NameOf(context.TypeInfo.Type);
                // A constructor parameter counts as required, but one that is left out when null is not always there.
                if (obj["required"] is JsonArray required)
                    foreach (var omitted in context.TypeInfo.Properties.Where(OmittedWhenNull).Select(p => p.Name))
                        if (required.FirstOrDefault(r => r?.GetValue<string>() == omitted) is { } entry) required.Remove(entry);
            }
            return node;
        },
    };

    private static bool OmittedWhenNull(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), true)
            .OfType<System.Text.Json.Serialization.JsonIgnoreAttribute>()
            .Any(a => a.Condition is System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull or System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault) == true;

    private static void Compact(McpServerTool tool)
    {
        var input = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!.AsObject();
        Visit(input, CompactInput);
        tool.ProtocolTool.InputSchema = JsonSerializer.SerializeToElement(input, CommonJsonContext.Default.JsonObject);

        if (tool.ProtocolTool.OutputSchema is { } outputSchema)
        {
            var output = JsonNode.Parse(outputSchema.GetRawText())!.AsObject();
            InlinePathReferences(output);
            Visit(output, node =>
            {
                node.Remove("description");
                if (node.TryGetPropertyValue("default", out var value) && value is null) node.Remove("default");
            });
            Share(output);
            Visit(output, node => node.Remove(TypeTag));
            tool.ProtocolTool.OutputSchema = JsonSerializer.SerializeToElement(output, CommonJsonContext.Default.JsonObject);
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ModelContextProtocol.Protocol.Tool, object> Checked = new();

    /// <summary>
    /// A bulk tool whose items are another served tool's arguments lists its `items` as plain objects and says whose
    /// arguments they are: the field set is written once, in that tool. Its calls are still checked against the whole
    /// item shape (<see cref="CheckedSchema"/>), so a misspelt item field is an error, never ignored.
    /// </summary>
    public static void ShareItems(McpServerTool tool, string twin)
    {
        var input = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!.AsObject();
        if (input["properties"]?["items"] is not JsonObject items) return;
        Checked.AddOrUpdate(tool.ProtocolTool, tool.ProtocolTool.InputSchema);
        var said = items["description"]?.GetValue<string>().TrimEnd('.') is { Length: > 0 } text ? text + ", each" : "Each";
        items["description"] = $"{said} {twin}'s arguments.";
        items["items"] = new JsonObject { ["type"] = "object" };
        tool.ProtocolTool.InputSchema = JsonSerializer.SerializeToElement(input, CommonJsonContext.Default.JsonObject);
    }

    /// <summary>The schema a call is checked against: the listed one, or the whole one a bulk tool shares.</summary>
    public static JsonElement CheckedSchema(ModelContextProtocol.Protocol.Tool tool) =>
        Checked.TryGetValue(tool, out var schema) ? (JsonElement)schema : tool.InputSchema;

    private static void CompactInput(JsonObject node)
    {
        // A filter's and a sort key's form is taught once by the filters and sort arguments' text (ListDocs); their
        // property schemas would only repeat it in every list tool. ListEngine checks each rule and key by path.
        if (node[TypeTag]?.GetValue<string>() is nameof(Lists.Filter) or nameof(Lists.SortInput))
        {
            node.Clear();
            node["type"] = "object";
            return;
        }
        node.Remove(TypeTag);
        if (node.TryGetPropertyValue("default", out var value) && value is null) node.Remove("default");
        if (node["type"] is JsonArray types && types.Count == 2 && types.Any(t => t?.GetValue<string>() == "null"))
            node["type"] = types.First(t => t?.GetValue<string>() != "null")!.GetValue<string>();
        if (node["enum"] is JsonArray values && values.Any(v => v is null))
            node["enum"] = new JsonArray(values.Where(v => v is not null).Select(v => v!.DeepClone()).ToArray());
    }

    /// <summary>
    /// The SDK writes a type's second occurrence as a reference to the first one's path ("#/properties/data/...");
    /// moving shapes into $defs would break those paths, so they are expanded first and shared again by <see cref="Share"/>.
    /// </summary>
    private static void InlinePathReferences(JsonObject root)
    {
        var original = root.DeepClone();
        for (var round = 0; round < 8; round++)
        {
            var references = new List<JsonObject>();
            Visit(root, node =>
            {
                if (node["$ref"]?.GetValue<string>() is { } target && target.StartsWith("#/properties/", StringComparison.Ordinal)) references.Add(node);
            });
            if (references.Count == 0) return;
            foreach (var node in references)
            {
                var target = Pointer(original, node["$ref"]!.GetValue<string>());
                node.Remove("$ref");
                foreach (var (key, value) in target.AsObject()) if (!node.ContainsKey(key)) node[key] = value?.DeepClone();
            }
        }
        throw new InvalidOperationException("A recursive type in an outputSchema: give it an explicit $defs entry.");
    }

    private static JsonNode Pointer(JsonNode root, string pointer) =>
        pointer[2..].Split('/').Aggregate(root, (node, part) => node[part.Replace("~1", "/").Replace("~0", "~")]
            ?? throw new InvalidOperationException($"{pointer} points nowhere."));

    /// <summary>Moves the largest shape that occurs twice or more into $defs, then the next, until none is left.</summary>
    private static void Share(JsonObject root)
    {
        var defs = new JsonObject();
        while (true)
        {
            var shapes = new Dictionary<string, List<JsonObject>>();
            Visit(root, node =>
            {
                if (ReferenceEquals(node, root) || !node.ContainsKey("properties") || defs.Any(d => ReferenceEquals(d.Value, node))) return;
                var key = ShapeKey(node);
                if (!shapes.TryGetValue(key, out var list)) shapes[key] = list = [];
                list.Add(node);
            }, defs);
            var (shapeKey, nodes) = shapes.Where(s => s.Value.Count > 1 && s.Key.Length >= MinSharedLength)
                .OrderByDescending(s => s.Key.Length * (s.Value.Count - 1)).FirstOrDefault();
            if (nodes is null) break;

            var name = UniqueName(defs, nodes[0][TypeTag]?.GetValue<string>() ?? "shape");
            var shape = nodes[0].DeepClone().AsObject();
            shape["type"] = "object";
            defs[name] = shape;
            var reference = new JsonObject { ["$ref"] = $"#/$defs/{name}" };
            foreach (var node in nodes)
            {
                var nullable = node["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() == "null");
                node.Clear();
                if (nullable) node["anyOf"] = new JsonArray(reference.DeepClone(), new JsonObject { ["type"] = "null" });
                else node["$ref"] = reference["$ref"]!.DeepClone();
            }
        }
        if (defs.Count > 0) root["$defs"] = defs;
    }

    /// <summary>The shape without its nullability or its type tag, so DealView? and DealView are one shape.</summary>
    private static string ShapeKey(JsonObject node) =>
        new JsonObject(node.Where(p => p.Key is not "type" and not TypeTag).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))
            .ToJsonString();

    private static string UniqueName(JsonObject defs, string name)
    {
        var unique = name;
        for (var i = 2; defs.ContainsKey(unique); i++) unique = $"{name}{i}";
        return unique;
    }

    private static string NameOf(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}Of{string.Join("And", type.GetGenericArguments().Select(NameOf))}" : type.Name;

    /// <summary>Calls <paramref name="action"/> on every subschema (children first), not on property-name maps.</summary>
    private static void Visit(JsonObject schema, Action<JsonObject> action, JsonObject? extraDefs = null)
    {
        foreach (var child in Children(schema).ToList()) Visit(child, action);
        if (extraDefs is not null)
            foreach (var def in extraDefs.Select(d => d.Value).OfType<JsonObject>().ToList()) Visit(def, action);
        action(schema);
    }

    private static IEnumerable<JsonObject> Children(JsonObject schema)
    {
        foreach (var map in new[] { "properties", "$defs" })
            if (schema[map] is JsonObject properties)
                foreach (var property in properties.Select(p => p.Value).OfType<JsonObject>()) yield return property;
        foreach (var single in new[] { "items", "additionalProperties", "not" })
            if (schema[single] is JsonObject child) yield return child;
        foreach (var list in new[] { "anyOf", "oneOf", "allOf", "prefixItems" })
            if (schema[list] is JsonArray children)
                foreach (var child in children.OfType<JsonObject>()) yield return child;
    }
}
