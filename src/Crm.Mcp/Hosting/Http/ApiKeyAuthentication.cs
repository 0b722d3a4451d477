using System.Security.Claims;
using System.Text.Encodings.Web;
using Crm.Mcp.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// The API key as an authentication scheme. A valid key becomes a principal named after the key, with its scope and,
/// as NameIdentifier, its key id: the claim the SDK binds each session to. Challenge and forbid answer in the JSON
/// shape of every other refusal.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "crm:key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } presented)
            return AuthenticateResult.Fail("Unauthorized: send an API key as 'x-api-key: KEY' or 'Authorization: Bearer KEY'. " +
                                           "Create one on the server with: crm-mcp keys create --name NAME --scope read|write|admin");
        if (await keys.VerifyAsync(presented, Context.RequestAborted) is not { } key)
            return AuthenticateResult.Fail("Unauthorized: the API key is not valid (unknown, mistyped or revoked). List keys with: crm-mcp keys list");
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, key.Name),
            new Claim(ClaimTypes.NameIdentifier, key.KeyId),
            new Claim(ToolAccess.ScopeClaim, key.Scope.Name()),
            new Claim(KeyIdClaim, key.KeyId),
            // A key that belongs to a user: get_current_user, default assignees and the journal's actor follow it.
            .. key.UserId is null ? [] : new[] { new Claim(CallContextFilter.UserIdClaim, key.UserId), new Claim(CallContextFilter.UserNameClaim, key.UserName ?? "") },
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer realm=\"crm-mcp\"";
        await HttpErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, "unauthorized",
            result.Failure?.Message ?? "Unauthorized: send an API key as 'x-api-key: KEY' or 'Authorization: Bearer KEY'.");
    }

    /// <summary>The SDK forbids a legacy SSE message sent with another key than the stream's.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        HttpErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, "session_owner", HttpErrors.SessionOwnerMessage);

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers["x-api-key"].ToString().Trim();
        if (header.Length > 0) return header;
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..].Trim() is { Length: > 0 } token
            ? token : null;
    }
}
