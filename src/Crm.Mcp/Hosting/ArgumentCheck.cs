using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Checks call arguments against the tool's inputSchema before binding, so a wrong type or a misspelt argument name
/// is reported by field with the accepted form instead of the SDK's generic binding failure (or, for a misspelt name,
/// silently ignored: "stage" instead of "stage_name" must not put a deal in the default stage).
/// </summary>
public static class ArgumentCheck
{
    private const string UnreadableTextKey = "crm.unreadable_text";

    /// <summary>Registered after the access filter, so a caller without the scope learns nothing about arguments.</summary>
    public static IMcpServerBuilder WithArgumentCheck(this IMcpServerBuilder builder) =>
        builder
            // A lone UTF-16 surrogate ("\ud800" escaped in the JSON) makes the SDK fail while it binds tools/call's
            // params, before any tool filter runs (JSON-RPC -32603 "An error occurred."). So the raw message is read
            // first: such a string is blanked, and the call filter below reports the field it was in.
            .WithMessageFilters(filters => filters.AddIncomingFilter(next => (context, cancellationToken) =>
            {
                if (context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.ToolsCall, Params: JsonObject call } &&
                    call["arguments"] is JsonObject arguments && BlankUnreadableText(arguments, null) is { } field)
                    context.Items[UnreadableTextKey] = field;
                return next(context, cancellationToken);
            }))
            .WithRequestFilters(filters => filters.AddCallToolFilter(next => (request, cancellationToken) =>
                request.Items.TryGetValue(UnreadableTextKey, out var field)
                    ? throw CrmError.Invalid((string)field!, "contains a lone UTF-16 surrogate (e.g. \\ud800 without its pair), which is not text.",
                        "valid Unicode text: escape characters beyond U+FFFF as a surrogate pair or send them as UTF-8")
                    : request.MatchedPrimitive is ModelContextProtocol.Server.McpServerTool tool &&
                      Find(ToolSchemas.CheckedSchema(tool.ProtocolTool), request.Params?.Arguments) is { } badArgument
                        ? throw badArgument
                        : next(request, cancellationToken)));

    /// <summary>The path of the first string (or property name) that cannot be read as UTF-16 text, after blanking
    /// it so that the SDK can bind the rest; null when every string reads.</summary>
    private static string? BlankUnreadableText(JsonNode node, string? path)
    {
        static string Child(string? path, string name) => path is null ? name : $"{path}.{name}";
        try
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, value) in obj.ToList())
                    {
                        if (value is null) continue;
                        if (value is JsonValue leaf && leaf.GetValueKind() == JsonValueKind.String && !Readable(leaf))
                        {
                            obj[name] = "";
                            return Child(path, name);
                        }
                        if (BlankUnreadableText(value, Child(path, name)) is { } found) return found;
                    }
                    return null;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is JsonValue leaf && leaf.GetValueKind() == JsonValueKind.String && !Readable(leaf))
                        {
                            array[i] = "";
                            return $"{path}[{i}]";
                        }
                        if (array[i] is { } item && BlankUnreadableText(item, $"{path}[{i}]") is { } found) return found;
                    }
                    return null;
                default:
                    return null;
            }
        }
        catch (InvalidOperationException)
        {
            return path ?? "arguments"; // a property name itself holds the lone surrogate
        }
    }

    private static bool Readable(JsonValue value)
    {
        try
        {
            _ = value.GetValue<string>();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static CrmError? Find(JsonElement schema, IDictionary<string, JsonElement>? arguments)
    {
        foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
            if (FindNul(value, name) is { } nul) return nul;
        if (!schema.TryGetProperty("properties", out var properties)) return null;
        foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            if (!properties.TryGetProperty(name, out var property))
            {
                var known = properties.EnumerateObject().Select(p => p.Name).ToList();
                var close = known.Where(k => k.Contains(name, StringComparison.OrdinalIgnoreCase) || name.Contains(k, StringComparison.OrdinalIgnoreCase)).ToList();
                return CrmError.Invalid(name, "is not an argument of this tool" + (close.Count > 0 ? $"; did you mean {string.Join(" or ", close)}?" : "."),
                    $"one of: {string.Join(", ", known)}");
            }
            if (NullWhereClearExists(schema, name, value, name) is { } ambiguous) return ambiguous;
            if (Check(property, value, name, IsRequired(schema, name)) is { } error) return error;
        }
        // Required last: a misspelt name ("q" for "query") is the more useful error than "query is required".
        // A missing required argument would otherwise fail inside the SDK's binder as an internal error.
        if (schema.TryGetProperty("required", out var required))
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                if (arguments is null || !arguments.ContainsKey(name))
                {
                    var example = properties.TryGetProperty(name, out var p) && p.TryGetProperty("description", out var d) ? d.GetString()! : "see the tool's inputSchema";
                    return CrmError.Invalid(name, "is required.", example);
                }
        return null;
    }

    /// <summary>NUL ends a C string: SQLite's parser and PostgreSQL's text type refuse it, so no argument may hold one,
    /// however deep (a filter value, a contact's name in a list).</summary>
    private static CrmError? FindNul(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when value.GetString()!.Contains('\0'):
                return CrmError.Invalid(path, "contains the NUL character (U+0000).", "text without NUL characters");
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                    if (FindNul(item, $"{path}[{index++}]") is { } error) return error;
                return null;
            case JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                    if (FindNul(member.Value, $"{path}.{member.Name}") is { } error) return error;
                return null;
            default:
                return null;
        }
    }

    private static bool IsRequired(JsonElement schema, string name) =>
        schema.TryGetProperty("required", out var required) && required.EnumerateArray().Any(r => r.GetString() == name);

    /// <summary>An explicit null for a property that is not required means "not given" (ToolSchemas drops the null
    /// from optional types); anywhere else null must fit the type.</summary>
    private static CrmError? Check(JsonElement schema, JsonElement value, string path, bool required = true)
    {
        if (value.ValueKind == JsonValueKind.Null && !required) return null;
        // A boolean schema: true (any value; the SDK writes an undescribed JsonElement so) or false (none).
        if (schema.ValueKind == JsonValueKind.True) return null;
        if (schema.ValueKind == JsonValueKind.False) return CrmError.Invalid(path, "is not accepted here.", "leave it out");
        var types = TypesOf(schema);
        if (types.Count > 0 && !types.Any(t => Fits(t, value)))
        {
            var example = schema.TryGetProperty("description", out var d) ? $" ({d.GetString()})" : "";
            return CrmError.Invalid(path, $"got {Describe(value)}, not {string.Join(" or ", types.Where(t => t != "null"))}.",
                $"{string.Join(" or ", types.Where(t => t != "null"))}{example}");
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
                if (Check(items, item, $"{path}[{index++}]") is { } error) return error;
        }
        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            foreach (var member in value.EnumerateObject())
            {
                if (!properties.TryGetProperty(member.Name, out var property))
                    return CrmError.Invalid($"{path}.{member.Name}", "is not a known field.",
                        $"one of: {string.Join(", ", properties.EnumerateObject().Select(p => p.Name))}");
                if (NullWhereClearExists(schema, member.Name, member.Value, $"{path}.{member.Name}") is { } ambiguous) return ambiguous;
                if (Check(property, member.Value, $"{path}.{member.Name}", IsRequired(schema, member.Name)) is { } error) return error;
            }
        }
        return null;
    }

    /// <summary>Where a `clear` argument exists (update tools), null could mean "empty it" or "leave it": an update
    /// that silently ignored amount: null looked done. Refused, naming both ways to say it.</summary>
    private static CrmError? NullWhereClearExists(JsonElement schema, string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Null || name == "clear") return null;
        if (!schema.TryGetProperty("properties", out var properties) || !properties.TryGetProperty("clear", out _)) return null;
        var clearPath = path.Contains('.') ? path[..path.LastIndexOf('.')] + ".clear" : "clear";
        return CrmError.Invalid(path, "is null, which does not empty a field here; nothing was written.",
            $"{clearPath}: [\"{name}\"] to empty it (see clear's description for what can be emptied), or leave {name} out to keep it");
    }

    private static List<string> TypesOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type)) return [];
        return type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
    }

    private static bool Fits(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Validate.Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
