using System.CommandLine;
using Crm.Mcp.Clients;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp doctor`: one line per check, a "fix:" line under each problem; exit 1 when something fails.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check the database, its migrations and every installed client's crm-mcp config, and say what to fix") { CrmCli.Db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CrmCli.Settings(parse);
            var doctor = new Doctor(settings.DatabasePath, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                Directory.GetCurrentDirectory(), Doctor.OnPath) { Build = ServerLaunch.Running };
            var findings = await doctor.RunAsync(cancellationToken);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"crm-mcp {Hosting.CrmServer.Version} on .NET {Environment.Version}");
            foreach (var finding in findings)
            {
                output.WriteLine($"{Label(finding.Severity),-5} {finding.Subject}: {finding.Message}");
                if (finding.Fix is not null) output.WriteLine($"      fix: {finding.Fix}");
            }
            var failed = findings.Count(f => f.Severity == Severity.Fail);
            var warned = findings.Count(f => f.Severity == Severity.Warn);
            output.WriteLine(failed + warned == 0 ? "Everything looks right." : $"{failed} problem(s), {warned} warning(s).");
            return failed > 0 ? 1 : 0;
        });
        return command;
    }

    private static string Label(Severity severity) => severity switch
    {
        Severity.Ok => "ok",
        Severity.Info => "info",
        Severity.Warn => "warn",
        _ => "FAIL",
    };
}
