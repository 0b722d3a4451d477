using Crm.Mcp.Data;
using Crm.Mcp.Hosting;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>Which arguments a tool gets from its attributes: the opt-in other features rely on.</summary>
public sealed class WriteCallsTests
{
    private static class Samples
    {
        [Resolves, Creates] public static void CreateThing(string name) { }
        [Resolves] public static void UpdateThing(string name) { }
        [DryRun] public static void DeleteThing(string id) { }
        [Creates] public static void OwnDryRun(string name, bool dry_run = false) { }
        public static void ReadThing(string id) { }
    }

    [Theory]
    [InlineData(nameof(Samples.CreateThing), "dry_run,idempotency_key,create_if_missing")]
    [InlineData(nameof(Samples.UpdateThing), "dry_run,create_if_missing")]
    [InlineData(nameof(Samples.DeleteThing), "dry_run")]
    [InlineData(nameof(Samples.OwnDryRun), "idempotency_key")]
    [InlineData(nameof(Samples.ReadThing), "")]
    public void Attributes_decide_the_extra_arguments_and_a_tools_own_parameter_wins(string method, string expected) =>
        Assert.Equal(expected, string.Join(",", WriteCalls.ExtrasOf(typeof(Samples).GetMethod(method)!)));

    [Fact]
    public void Every_catalog_tool_that_writes_declares_how_it_can_be_previewed()
    {
        foreach (var entry in ToolCatalog.All.Where(e => !e.ReadOnly))
            Assert.True(WriteCalls.ExtrasOf(entry.Method).Contains(WriteCalls.DryRun) || entry.Method.GetParameters().Any(p => p.Name == WriteCalls.DryRun),
                $"{entry.Name} writes but has no [Resolves], [Creates] or [DryRun]: give it one so callers can preview it");
    }

    [Fact]
    public void Every_create_tool_takes_an_idempotency_key()
    {
        foreach (var entry in ToolCatalog.All.Where(e => e.Name.StartsWith("create_", StringComparison.Ordinal)))
            Assert.True(WriteCalls.ExtrasOf(entry.Method).Contains(WriteCalls.IdempotencyKey),
                $"{entry.Name} creates records but has no [Creates]: add it so an agent's retry never duplicates");
    }
}
