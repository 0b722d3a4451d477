using Crm.Mcp.Features.Board;
using Microsoft.AspNetCore.Http;

namespace Crm.Mcp.Hosting.Http;

/// <summary>GET /board: the pipeline board app as a page in the browser, calling the REST API (/api/v1) on the same origin.</summary>
public static class BoardPage
{
    // Inline script and style only, requests to this origin only, never framed by another site.
    private const string Policy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static Task ServeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(BoardTools.Html, context.RequestAborted);
    }
}
