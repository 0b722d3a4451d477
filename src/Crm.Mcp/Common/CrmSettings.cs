namespace Crm.Mcp.Common;

/// <summary>Server-wide choices made at start (flags or environment).</summary>
public sealed record CrmSettings
{
    public required string DatabasePath { get; init; }
    public Currency DefaultCurrency { get; init; } = Currency.Parse("currency", "USD");
}
