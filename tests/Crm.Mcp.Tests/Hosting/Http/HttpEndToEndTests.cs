using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Crm.Mcp.Tests.Hosting.Http;

/// <summary>The built executable as an operator starts it: `serve --transport http`, reached over a real port, stopped by a signal.</summary>
public sealed partial class HttpEndToEndTests
{
    [Fact]
    public async Task Built_server_serves_http_on_a_loopback_port_and_stops_cleanly_on_sigterm()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("crm-mcp-http-e2e").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"), "serve", "--transport", "http", "--no-auth",
                "--urls", "http://127.0.0.1:0", "--db", Path.Combine(folder, "crm.db") },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        try
        {
            string? address = null;
            while (address is null)
            {
                var line = await process.StandardError.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), ct)
                           ?? throw new Xunit.Sdk.XunitException("the server exited before listening");
                if (ListeningOn().Match(line) is { Success: true } match) address = match.Groups[1].Value;
            }
            var drain = process.StandardError.ReadToEndAsync(ct);

            using var http = new HttpClient();
            using var initialize = await Raw.PostAsync(http, Raw.Initialize, endpoint: $"{address}/mcp");
            Assert.Equal(HttpStatusCode.OK, initialize.StatusCode);
            Assert.Contains("crm-mcp", await initialize.Content.ReadAsStringAsync(ct));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync(ct);
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
            Assert.Equal(0, process.ExitCode);
            await drain;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    [GeneratedRegex(@" on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
