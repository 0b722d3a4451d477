using Crm.Mcp.Cli;

namespace Crm.Mcp.Tests.Cli;

public sealed class CommandPathTests
{
    [Theory]
    [InlineData("webhooks create --url https://example.com/h --events *", "cli webhooks create")]
    [InlineData("migrate --db x.db", "cli migrate")]
    [InlineData("--db x.db", "cli")]
    public void A_cli_write_is_journaled_under_its_command_path(string commandLine, string tool) =>
        Assert.Equal(tool, CrmCli.CommandPath(CrmCli.Build().Parse(commandLine.Split(' '))));
}
