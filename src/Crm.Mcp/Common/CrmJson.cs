using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crm.Mcp.Common;

/// <summary>One set of JSON options for tool arguments, results and errors: snake_case, nulls kept (the
/// create_deal_draft contract shows them), numbers only as numbers.</summary>
public static class CrmJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(ModelContextProtocol.McpJsonUtilities.DefaultOptions)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly();
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
