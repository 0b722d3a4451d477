namespace Crm.Mcp.Common;

/// <summary>Server-wide choices made at start (flags or environment).</summary>
public sealed record CrmSettings
{
    public required string DatabasePath { get; init; }
    public Currency DefaultCurrency { get; init; } = Currency.Parse("currency", "USD");

    public const string AllowPrivateWebhooksVariable = "CRM_MCP_ALLOW_PRIVATE_WEBHOOKS";

    /// <summary>Webhooks may target loopback and private addresses (local receivers, tests): only when the operator
    /// sets CRM_MCP_ALLOW_PRIVATE_WEBHOOKS=1, read by every command that creates or delivers webhooks.</summary>
    public bool AllowPrivateWebhooks { get; init; } = Environment.GetEnvironmentVariable(AllowPrivateWebhooksVariable) == "1";
}
