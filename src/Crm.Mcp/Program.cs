using Crm.Mcp.Cli;
using Crm.Mcp.Common;

try
{
    return await CrmCli.Build().Parse(args).InvokeAsync();
}
catch (CrmError error)
{
    // Bad flag values (e.g. --currency XYZ) are the user's to fix: one line, no stack trace.
    return CrmCli.Fail(error.Message + (error.Expected is null ? "" : $" Expected {error.Expected}."));
}
