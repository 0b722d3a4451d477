using System.Security.Cryptography;
using System.Text;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>
/// X-Crm-Signature: "v1=" + lowercase hex HMAC-SHA256(secret, timestamp + "." + body), where timestamp is the
/// X-Crm-Timestamp header (Unix seconds of this attempt) and body the raw request bytes. Receivers recompute it,
/// compare in constant time and reject stale timestamps (replays). docs/webhooks.md has the receiver side.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Crm-Signature";
    public const string TimestampHeader = "X-Crm-Timestamp";
    public const string EventIdHeader = "X-Crm-Event-Id";
    public const string EventTypeHeader = "X-Crm-Event-Type";
    public const string DeliveryIdHeader = "X-Crm-Delivery-Id";

    public static string Sign(string secret, string timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>What a receiver does: same HMAC, constant-time comparison, timestamp within the tolerance.</summary>
    public static bool Verify(string secret, string? signature, string? timestamp, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (signature is null || !long.TryParse(timestamp, out var seconds)) return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance) return false;
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(secret, timestamp!, body)), Encoding.ASCII.GetBytes(signature));
    }

    /// <summary>A new secret: 32 random bytes, shown to the user once.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
