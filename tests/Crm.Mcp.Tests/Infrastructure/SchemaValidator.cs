using System.Text.Json;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>
/// The part of JSON Schema 2020-12 our tool schemas use (type, properties, required, additionalProperties, items,
/// enum, anyOf, oneOf, allOf, $ref into #/$defs), enough to check structuredContent against an outputSchema the way
/// validating clients (MCP Inspector, Codex) do. JsonSchema.Net does not restore on this machine's mirror.
/// An unknown keyword is ignored, as validators do; a $ref it cannot follow is an error, not a pass.
/// </summary>
public static class SchemaValidator
{
    public static IReadOnlyList<string> Validate(JsonElement schema, JsonElement instance)
    {
        var errors = new List<string>();
        Check(schema, schema, instance, "$", errors);
        return errors;
    }

    private static void Check(JsonElement root, JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True) return;
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here");
            return;
        }
        if (schema.TryGetProperty("$ref", out var reference)) Check(root, Resolve(root, reference.GetString()!), value, path, errors);
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!types.Any(t => Fits(t, value)))
            {
                errors.Add($"{path}: {value.ValueKind} is not {string.Join(" or ", types)}");
                return;
            }
        }
        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
            errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}");
        if (schema.TryGetProperty("anyOf", out var anyOf) && !anyOf.EnumerateArray().Any(s => Validate(root, s, value)))
            errors.Add($"{path}: matches none of anyOf");
        if (schema.TryGetProperty("oneOf", out var oneOf) && oneOf.EnumerateArray().Count(s => Validate(root, s, value)) != 1)
            errors.Add($"{path}: does not match exactly one of oneOf");
        if (schema.TryGetProperty("allOf", out var allOf))
            foreach (var sub in allOf.EnumerateArray()) Check(root, sub, value, path, errors);

        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            if (schema.TryGetProperty("required", out var required))
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                    if (!value.TryGetProperty(name, out _)) errors.Add($"{path}: required property '{name}' is missing");
            foreach (var member in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var propertySchema))
                    Check(root, propertySchema, member.Value, $"{path}.{member.Name}", errors);
                else if (schema.TryGetProperty("additionalProperties", out var additional))
                    Check(root, additional, member.Value, $"{path}.{member.Name}", errors);
            }
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray()) Check(root, items, item, $"{path}[{index++}]", errors);
        }
    }

    private static bool Validate(JsonElement root, JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Check(root, schema, value, "", errors);
        return errors.Count == 0;
    }

    private static JsonElement Resolve(JsonElement root, string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) throw new NotSupportedException($"$ref {reference}: only #/... pointers");
        var node = root;
        foreach (var part in reference[2..].Split('/'))
            if (!node.TryGetProperty(part.Replace("~1", "/").Replace("~0", "~"), out node))
                throw new InvalidOperationException($"$ref {reference} points nowhere");
        return node;
    }

    private static bool Fits(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && decimal.TryParse(value.GetRawText(), System.Globalization.CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"type {type}"),
    };
}
