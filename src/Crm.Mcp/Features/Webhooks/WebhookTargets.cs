using System.Net;
using System.Net.Sockets;
using Crm.Mcp.Common;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>
/// Where webhooks may POST. A webhook URL is chosen by whoever holds write access, and its delivery errors are shown to
/// the read scope, so a URL pointing into the server's own network would be a server-side request forgery and a port
/// scanner. Refused: loopback, private, carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local,
/// unspecified, multicast, broadcast and reserved addresses, in any spelling (2130706433, 0x7f.1, [::ffff:127.0.0.1]).
/// Checked when a webhook is created or changed (every address the name resolves to) and again for the address each
/// delivery actually connects to, so a name that later resolves elsewhere (DNS rebinding) is caught as well.
/// CRM_MCP_ALLOW_PRIVATE_WEBHOOKS=1 lifts the rule, for receivers on the operator's own machine or network.
/// </summary>
public static class WebhookTargets
{
    /// <summary>Why a delivery may not connect to <paramref name="address"/>, or null when it may.</summary>
    public static string? Forbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 => "unspecified",
                10 => "private",
                127 => "loopback",
                100 when b[1] is >= 64 and < 128 => "private (carrier-grade NAT)",
                169 when b[1] == 254 => "link-local",
                172 when b[1] is >= 16 and < 32 => "private",
                192 when b[1] == 168 => "private",
                192 when b[1] == 0 && b[2] is 0 or 2 => "reserved",
                198 when b[1] is 18 or 19 => "reserved",
                >= 224 and < 240 => "multicast",
                >= 240 => "reserved",
                _ => null,
            };
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "not an IP address";
        if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any)) return "unspecified";
        if (address.Equals(IPAddress.IPv6Loopback)) return "loopback";
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal) return "link-local";
        if (address.IsIPv6Multicast) return "multicast";
        var bytes = address.GetAddressBytes();
        if ((bytes[0] & 0xfe) == 0xfc) return "unique-local";
        // IPv4 inside IPv6 (IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) reaches that IPv4 address.
        if (bytes.Take(12).All(x => x == 0)) return Forbidden(new IPAddress(bytes[12..16]));
        if (bytes[..12].SequenceEqual(new byte[] { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 })) return Forbidden(new IPAddress(bytes[12..16]));
        if (bytes[0] == 0x20 && bytes[1] == 0x02) return Forbidden(new IPAddress(bytes[2..6]));
        return null;
    }

    /// <summary>Refuses a URL whose host is, or resolves to, a forbidden address. A name that does not resolve now is
    /// accepted: every delivery checks the address it connects to.</summary>
    public static async Task CheckUrlAsync(string field, Uri url, bool allowPrivate, CancellationToken cancellationToken)
    {
        if (allowPrivate) return;
        var host = url.IdnHost.Trim('[', ']');
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal)) addresses = [literal];
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(host, cancellationToken); }
            catch (SocketException) { return; }
        }
        foreach (var address in addresses)
            if (Forbidden(address) is { } why)
                throw CrmError.Invalid(field,
                    $"{url.Host} {(literal is null ? $"resolves to {address}, a" : "is a")}{(why[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "n" : "")} {why} address; webhooks may only reach public addresses.",
                    $"a public receiver URL such as \"https://example.com/hooks/crm\" (the operator can allow private receivers with {CrmSettings.AllowPrivateWebhooksVariable}=1)");
    }

    /// <summary>The HTTP handler deliveries use: no redirects, no proxy (the address check must see the real target),
    /// and a connect step that resolves the name itself and refuses a forbidden address it would connect to.</summary>
    public static SocketsHttpHandler Handler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var allowed = allowPrivate ? addresses : addresses.Where(a => Forbidden(a) is null).ToArray();
            if (allowed.Length == 0)
                throw new RefusedTargetException(addresses.Length == 0 ? "the host has no address" : $"the host resolves to a {Forbidden(addresses[0])} address");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>A delivery target refused by <see cref="Handler"/>; its message names no address.</summary>
    public sealed class RefusedTargetException(string reason) : Exception($"refused: {reason}; webhooks may only reach public addresses ({CrmSettings.AllowPrivateWebhooksVariable}=1 allows private ones)");

    /// <summary>What a delivery error may tell the read scope: the kind of failure, never which address or port
    /// answered how (a "connection refused (10.0.0.5:5432)" would make deliveries a port scanner).</summary>
    public static string Describe(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is RefusedTargetException) return e.Message;
            if (e is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the receiver's host name did not resolve",
                    SocketError.TimedOut => "connecting to the receiver timed out",
                    _ => "could not connect to the receiver",
                };
            if (e is System.Security.Authentication.AuthenticationException) return "TLS handshake with the receiver failed";
        }
        return error is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }
            ? "the receiver's host name did not resolve"
            : error is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
                ? "could not connect to the receiver"
                : "the request to the receiver failed";
    }
}
