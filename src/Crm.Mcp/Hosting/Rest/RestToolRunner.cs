using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting.Rest;

/// <summary>
/// Runs a REST request as the MCP tool call it stands for, through the very same call-tool filters (scope check,
/// error handling, argument check against the inputSchema, journal attribution, dry_run / idempotency, timeout), so
/// a REST write and an MCP write are the same change: same resolver, same journal entry, same webhook events.
/// </summary>
public sealed class RestToolRunner
{
    private readonly McpServerOptions _options;
    private readonly McpServer _server;
    private readonly McpRequestHandler<CallToolRequestParams, CallToolResult> _pipeline;
    private readonly IServiceProvider _services;
    private readonly bool _readOnly;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, McpServerTool?> _unlisted = new();

    public RestToolRunner(IOptions<McpServerOptions> options, ILoggerFactory loggerFactory, IServiceProvider services, ServeOptions serve)
    {
        _options = options.Value;
        _services = services;
        _readOnly = serve.ReadOnly;
        // A server that never runs: RequestContext needs one, and it has no client, so nothing ever asks a question
        // (elicitation) of a REST caller.
        _server = McpServer.Create(new StreamServerTransport(Stream.Null, Stream.Null), _options, loggerFactory, services);
        McpRequestHandler<CallToolRequestParams, CallToolResult> handler = (request, cancellationToken) =>
            ((McpServerTool)request.MatchedPrimitive!).InvokeAsync(request, cancellationToken);
        // The first filter registered is the outermost, as the SDK composes them.
        foreach (var filter in _options.Filters.Request.CallToolFilters.Reverse()) handler = filter(handler);
        _pipeline = handler;
    }

    /// <summary>
    /// The tool behind a route. --read-only applies to REST too; --toolsets does not: it keeps a model's context small,
    /// and a REST client pays nothing for operations it does not call, so every operation stays served.
    /// </summary>
    public McpServerTool? Find(string name) =>
        _options.ToolCollection is { } tools && tools.TryGetPrimitive(name, out var tool) ? tool
        : _unlisted.GetOrAdd(name, missing => ToolCatalog.Select([ToolCatalog.AllToolsets], _readOnly).FirstOrDefault(e => e.Name == missing) is { } entry
            ? ToolCatalog.Create(entry, _services) : null);

    /// <summary>The tool's reply: its structuredContent, or the error body of an isError result.</summary>
    public async Task<(bool Ok, JsonObject Body)> CallAsync(HttpContext context, McpServerTool tool, JsonObject arguments)
    {
        var parameters = new CallToolRequestParams
        {
            Name = tool.ProtocolTool.Name,
            Arguments = arguments.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, CrmJson.TypeInfo<JsonNode?>())),
        };
        var request = new RequestContext<CallToolRequestParams>(_server, new JsonRpcRequest { Method = RequestMethods.ToolsCall, Id = new RequestId(0) }, parameters)
        {
            MatchedPrimitive = tool,
            Services = context.RequestServices,
            User = context.User.Identity?.IsAuthenticated == true ? context.User : Anonymous,
        };
        var result = await _pipeline(request, context.RequestAborted);
        if (result.IsError is not true && result.StructuredContent is { } structured)
            return (true, JsonNode.Parse(structured.GetRawText())!.AsObject());
        var text = result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "{}";
        return (false, JsonNode.Parse(text) as JsonObject ?? new JsonObject());
    }

    /// <summary>A caller the server does not authenticate (--no-auth): the journal's actor is "rest", no scope applies.</summary>
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "rest")], "none"));
}
