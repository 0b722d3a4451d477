using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Crm.Mcp.Common;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>CrmJson's settings plus reflection, for the anonymous objects tests pass as tool arguments (CrmJson itself
/// only knows the source-generated types, as in the native build).</summary>
public static class TestJson
{
    public static readonly JsonSerializerOptions Options = new(CrmJson.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(CrmJson.Options.TypeInfoResolver, new DefaultJsonTypeInfoResolver()),
    };
}
