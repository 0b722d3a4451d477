using System.CommandLine;
using System.Runtime.CompilerServices;
using Crm.Mcp.Cli;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>Runs the real command line in-process and captures what it writes.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CrmCli.Build().Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return new Result(exit, output.ToString(), error.ToString());
    }

    /// <summary>The repository's root folder (for files such as mcp.json.example).</summary>
    public static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}
