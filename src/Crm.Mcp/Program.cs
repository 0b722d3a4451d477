using Crm.Mcp.Cli;
using Crm.Mcp.Common;

try
{
    var parse = CrmCli.Build().Parse(args);
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
