using Crm.Mcp.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>The stdio server's log lines: the console logger's single-line form, on the writer given (stderr).</summary>
public sealed class StderrLoggerTests
{
    [Fact]
    public void A_line_names_the_level_category_and_event_and_an_exception_follows_it()
    {
        var output = new StringWriter();
        using var factory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(new StderrLoggerProvider(output)));
        var logger = factory.CreateLogger("Crm.Mcp.Tools");
        logger.LogDebug("not shown");
        logger.LogInformation(new EventId(7), "started on {Transport}", "stdio");
        logger.LogWarning(new InvalidOperationException("boom"), "pass failed");

        var lines = output.ToString().Split(Environment.NewLine);
        Assert.Equal("info: Crm.Mcp.Tools[7] started on stdio", lines[0]);
        Assert.Equal("warn: Crm.Mcp.Tools[0] pass failed", lines[1]);
        Assert.Equal("System.InvalidOperationException: boom", lines[2]);
        Assert.DoesNotContain("not shown", output.ToString());
    }
}
