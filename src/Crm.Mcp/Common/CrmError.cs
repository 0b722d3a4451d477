using System.Text.Json.Serialization;

namespace Crm.Mcp.Common;

/// <summary>
/// A failure the caller can fix: bad input, an unknown id, an ambiguous name. It reaches the client as an
/// isError tool result (never a stack trace), and because it is thrown inside the call's transaction,
/// nothing the call wrote survives.
/// </summary>
public sealed class CrmError(string code, string? field, string message, string? expected = null) : Exception(message)
{
    public string Code { get; } = code;
    public string? Field { get; } = field;
    public string? Expected { get; } = expected;
    public IReadOnlyList<Candidate>? Candidates { get; init; }

    public static CrmError Invalid(string field, string problem, string expected) =>
        new(ErrorCodes.InvalidArgument, field, $"{field}: {problem}", expected);

    public static CrmError NotFound(string field, string what, string value) =>
        new(ErrorCodes.NotFound, field, $"{field}: no {what} has id '{value}'.",
            $"the id of an existing {what}, or pass a name instead so it can be resolved");

    public ToolErrorBody ToBody() => new(Code, Field, Message, Expected, Candidates);
}

public static class ErrorCodes
{
    public const string InvalidArgument = "invalid_argument";
    public const string NotFound = "not_found";
    public const string NeedsDisambiguation = "needs_disambiguation";
    public const string Conflict = "conflict";
    public const string Internal = "internal_error";
    public const string Forbidden = "forbidden";
    public const string Timeout = "timeout";
}

/// <summary>A record that an ambiguous name could mean, ranked best first. Score 0..1 (1 = the same normalized
/// name); why says in words what matched.</summary>
public sealed record Candidate(
    string Id,
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email,
    double Score,
    string Why,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Domain = null);

public sealed record ToolErrorBody(
    string Code,
    string? Field,
    string Message,
    string? Expected,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Candidate>? Candidates);

public sealed record ToolErrorResponse(bool Success, ToolErrorBody Error);
