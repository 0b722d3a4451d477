using Microsoft.Playwright;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>
/// Debian's chromium driven by Playwright (its own browser download is never used). Without the browser a test skips,
/// unless CRM_MCP_REQUIRE_BROWSER=1 (CI sets it after installing chromium), where a missing browser fails.
/// </summary>
public static class Browser
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CRM_MCP_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            var message = $"No browser at {ExecutablePath}: apt-get install chromium (or set CRM_MCP_CHROMIUM).";
            if (Environment.GetEnvironmentVariable("CRM_MCP_REQUIRE_BROWSER") == "1") Assert.Fail(message);
            Assert.Skip(message);
        }
        var playwright = await Playwright.CreateAsync();
        // --no-sandbox: tests and CI run as root, where Chromium's sandbox refuses to start.
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox"] });
        return (playwright, browser);
    }

    /// <summary>Where screenshots go: CRM_MCP_ARTIFACTS (CI keeps that folder), else the test output folder.</summary>
    public static string ArtifactPath(string file)
    {
        var folder = Environment.GetEnvironmentVariable("CRM_MCP_ARTIFACTS") is { Length: > 0 } dir ? dir : AppContext.BaseDirectory;
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, file);
    }
}
