using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>The instructions a client receives at initialize carry today's date, so "Friday" resolves in one step.</summary>
public sealed class InstructionsTests
{
    [Fact]
    public void Instructions_begin_with_the_weekday_and_the_iso_date_in_utc()
    {
        var text = CrmServer.InstructionsFor(new DateTimeOffset(2026, 12, 4, 23, 30, 0, TimeSpan.FromHours(-5)));
        Assert.StartsWith("Today is Saturday 2026-12-05 (UTC).", text);
        Assert.Contains("needs_disambiguation", text);
    }

    [Fact]
    public async Task Initialize_sends_todays_date()
    {
        var before = DateTime.UtcNow;
        await using var server = await TestServer.StartAsync();
        var after = DateTime.UtcNow;
        var instructions = server.Client.ServerInstructions ?? "";
        Assert.True(instructions.StartsWith($"Today is {before:dddd yyyy-MM-dd} (UTC).", StringComparison.Ordinal)
                    || instructions.StartsWith($"Today is {after:dddd yyyy-MM-dd} (UTC).", StringComparison.Ordinal), instructions);
    }

    /// <summary>The shared write arguments are described once, here; the tool schemas keep only a cue (issue 17).</summary>
    [Fact]
    public void Instructions_teach_the_shared_write_arguments_once()
    {
        var text = CrmServer.InstructionsFor(DateTimeOffset.UnixEpoch);
        foreach (var argument in new[] { WriteCalls.DryRun, WriteCalls.IdempotencyKey, WriteCalls.CreateIfMissingArgument, "atomic: false" })
            Assert.Contains(argument, text);
    }
}
