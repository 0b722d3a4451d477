using Crm.Mcp.Cli;
using Crm.Mcp.Common;
using Crm.Mcp.Hosting;

try
{
    var parse = CrmCli.Build().Parse(args);
    // The stdio binary carries no PostgreSQL driver and no MCP client (idle memory): a command given such a database,
    // and `stress`, run as the full build beside it, crm-mcp-http, in this process's place (exec: same process, stdio
    // and exit code).
    if (!HttpTransport.Included && CrmCli.LeftToFullBuild(parse, Environment.GetEnvironmentVariable) is { } leftToFullBuild)
        return await HttpTransport.RunFullBuildAsync(AppContext.BaseDirectory, args, leftToFullBuild, Console.Error, CancellationToken.None);
    // Writes by a CLI command (an import, a webhook change) are journaled as the OS user running "cli <command>";
    // `serve` replaces this per tool call with the MCP client or API key.
    using (CallContext.Use(CallContext.Local with { Tool = CrmCli.CommandPath(parse) }))
        return await parse.InvokeAsync();
}
catch (CrmError error)
{
    // Bad flag values (e.g. --currency XYZ) are the user's to fix: one line, no stack trace.
    return CrmCli.Fail(error.Message + (error.Expected is null ? "" : $" Expected {error.Expected}."));
}
