using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Crm.Mcp.Common;

/// <summary>One set of JSON options for tool arguments, results and errors: snake_case, nulls kept (the
/// create_deal_draft contract shows them), numbers only as numbers. Metadata comes from <see cref="CrmJsonContext"/>
/// and the SDK's own source-generated protocol types, never from reflection, in the JIT build as in the native one.</summary>
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
            TypeInfoResolver = new SourceGeneratedOnly(
                JsonTypeInfoResolver.Combine(CrmJsonContext.Default, ModelContextProtocol.McpJsonUtilities.DefaultOptions.TypeInfoResolver)),
        };
        options.MakeReadOnly();
        return options;
    }

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>
    /// Passes on metadata the source generators made and refuses what a reflection fallback would build (the SDK's
    /// resolver has one when reflection is enabled, as in the JIT build and tests): a type missing from
    /// <see cref="CrmJsonContext"/> then fails everywhere with "JsonTypeInfo metadata for type ... was not provided",
    /// instead of only in the native binary.
    /// </summary>
    private sealed class SourceGeneratedOnly(IJsonTypeInfoResolver inner) : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            inner.GetTypeInfo(type, options) is { } info && info.OriginatingResolver is not DefaultJsonTypeInfoResolver ? info : null;
    }
}
