using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Crm.Mcp.Common;

/// <summary>One set of JSON options for tool arguments, results and errors: snake_case, nulls kept (the
/// create_deal_draft contract shows them), numbers only as numbers. Metadata comes from source generators only (the
/// feature types' context that Hosting hands over with <see cref="Use"/>, <see cref="CommonJsonContext"/> and the SDK's
/// protocol types), never from reflection, in the JIT build as in the native one.</summary>
public static class CrmJson
{
    private static IJsonTypeInfoResolver? _features;
    private static readonly Lazy<JsonSerializerOptions> Built = new(Create);

    public static JsonSerializerOptions Options => Built.Value;

    /// <summary>The feature types' metadata; called once by a module initializer, before any code reads <see cref="Options"/>.</summary>
    public static void Use(IJsonTypeInfoResolver features)
    {
        if (Built.IsValueCreated) throw new InvalidOperationException("CrmJson.Options was built before the feature types were registered.");
        _features = features;
    }

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
                JsonTypeInfoResolver.Combine(
                    _features ?? throw new InvalidOperationException("No feature JSON metadata registered (CrmJsonContext's module initializer)."),
                    CommonJsonContext.Default, ModelContextProtocol.McpJsonUtilities.DefaultOptions.TypeInfoResolver)),
        };
        options.MakeReadOnly();
        return options;
    }

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>
    /// Passes on metadata the source generators made and refuses what a reflection fallback would build (the SDK's
    /// resolver has one when reflection is enabled, as in the JIT build and tests): a type missing from
    /// the source-generated contexts then fails everywhere with "JsonTypeInfo metadata for type ... was not provided",
    /// instead of only in the native binary.
    /// </summary>
    private sealed class SourceGeneratedOnly(IJsonTypeInfoResolver inner) : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            inner.GetTypeInfo(type, options) is { } info && info.OriginatingResolver is not DefaultJsonTypeInfoResolver ? info : null;
    }
}
