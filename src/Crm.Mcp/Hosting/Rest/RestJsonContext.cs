using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Mcp.Hosting.Rest;

/// <summary>Compile-time JSON metadata for every type the OpenAPI document describes: the JSON bodies the routes
/// accept and produce, and the problem details they answer errors with (ProducesProblem). It is the HTTP JSON
/// options' only resolver, in the JIT build too, so a type missing here fails the tests instead of only the native
/// build's /openapi.json.</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(ProblemDetails))]
internal sealed partial class RestJsonContext : JsonSerializerContext;
