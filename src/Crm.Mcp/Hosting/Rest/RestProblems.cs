using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Microsoft.AspNetCore.Http;

namespace Crm.Mcp.Hosting.Rest;

/// <summary>
/// RFC 9457 problem details for /api: type, title, status and detail, plus the tool error's code, field, expected
/// form and candidates as extension members, so a script can fix its request the way a model fixes its call.
/// </summary>
public static class RestProblems
{
    public const string ContentType = "application/problem+json";

    /// <summary>The HTTP status of a tool error code.</summary>
    public static int StatusOf(string? code) => code switch
    {
        ErrorCodes.InvalidArgument => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Conflict or ErrorCodes.NeedsDisambiguation => StatusCodes.Status409Conflict,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.Timeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>A tool's error body ({code, field, message, expected, candidates}) as a problem.</summary>
    public static Task WriteAsync(HttpContext context, JsonObject error) =>
        WriteAsync(context, StatusOf(error["code"]?.GetValue<string>()), error["code"]?.GetValue<string>() ?? ErrorCodes.Internal,
            error["field"]?.GetValue<string>(), error["message"]?.GetValue<string>() ?? "The request failed.", error["expected"]?.GetValue<string>(),
            error["candidates"]?.DeepClone());

    public static Task WriteAsync(HttpContext context, int status, string code, string? field, string detail, string? expected, JsonNode? candidates = null)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        var problem = new JsonObject
        {
            ["type"] = "about:blank",
            ["title"] = ReasonPhrase(status),
            ["status"] = status,
            ["detail"] = detail,
            ["instance"] = context.Request.Path.Value,
            ["code"] = code,
        };
        if (field is not null) problem["field"] = field;
        if (expected is not null) problem["expected"] = expected;
        if (candidates is not null) problem["candidates"] = candidates;
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        return context.Response.WriteAsync(problem.ToJsonString(CrmJson.Options), context.RequestAborted);
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
