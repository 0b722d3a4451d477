using System.Runtime.InteropServices;
using Crm.Mcp.Hosting.Http;
using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Hosting;

/// <summary>
/// `serve --transport http`, and the hand-over to the full build. The release ships two native binaries: `crm-mcp`,
/// built without ASP.NET Core, Npgsql and an MCP client (-p:CrmHttp=false: 25 MB instead of 45, and a stdio server on
/// SQLite, which is what clients start, idles in 42 MB instead of 65), and beside it `crm-mcp-http`, the full build,
/// which serves HTTP and PostgreSQL and runs `stress`. The lean one hands `serve --transport http`, `stress` and any
/// command given a PostgreSQL database (Program.cs) to the full one.
/// </summary>
public static class HttpTransport
{
    /// <summary>The full build's file name, beside the lean `crm-mcp`.</summary>
    public const string FullBuildName = "crm-mcp-http";

    /// <summary>Whether this build serves HTTP itself (the full build) or hands it to the full one (the stdio build).</summary>
    public static bool Included =>
#if CRM_HTTP
        true;
#else
        false;
#endif

    /// <summary>Whether this build opens PostgreSQL itself (the full build) or hands such a command to the full one.</summary>
    public static bool PostgresIncluded =>
#if CRM_POSTGRES
        true;
#else
        false;
#endif

    /// <summary>Where the lean build looks for the full one.</summary>
    public static string FullBuildPath(string directory) =>
        Path.Combine(directory, FullBuildName + (OperatingSystem.IsWindows() ? ".exe" : ""));

    public static Task<int> RunAsync(ServeOptions serve, HttpServeOptions http, LogLevel logLevel, CancellationToken cancellationToken)
#if CRM_HTTP
        => HttpHost.RunAsync(serve, http, logLevel, cancellationToken);
#else
        => RunFullBuildAsync(AppContext.BaseDirectory, Environment.GetCommandLineArgs()[1..], "HTTP", Console.Error, cancellationToken);
#endif

    /// <summary>
    /// Runs the full build with these arguments in this process's place: on Unix by exec (same process id, stdio,
    /// environment and signals, so a supervisor or `kill` reaches the server, and its exit code is ours); elsewhere as
    /// a child sharing the console, whose exit code is returned. <paramref name="what"/> ("HTTP", "PostgreSQL") is
    /// what this build leaves to it, for the message when it is missing.
    /// </summary>
    public static async Task<int> RunFullBuildAsync(string directory, string[] args, string what, TextWriter error, CancellationToken cancellationToken)
    {
        var full = FullBuildPath(directory);
        if (!File.Exists(full))
        {
            error.WriteLine($"crm-mcp: this build serves stdio on SQLite only; {what} is served by {FullBuildName}, which should lie beside it " +
                                    $"but is missing: {full}. Reinstall crm-mcp (the package and the release folder carry both), " +
                                    $"or run a {FullBuildName} you have with the same arguments.");
            return 2;
        }
        if (!OperatingSystem.IsWindows())
        {
            MakeExecutable(full);
            Exec(full, args);
            error.WriteLine($"crm-mcp: could not start {full}: {Marshal.GetLastPInvokeErrorMessage()}");
            return 2;
        }
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(full, args) { UseShellExecute = false })!;
        await child.WaitForExitAsync(cancellationToken);
        return child.ExitCode;
    }

    /// <summary>A package unpacked by NuGet may leave only the tool's own command executable.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakeExecutable(string path)
    {
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) != 0) return;
        try
        {
            File.SetUnixFileMode(path, mode | execute);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // exec then fails with "Permission denied", which the caller reports.
        }
    }

    /// <summary>execv(2): returns only when it failed.</summary>
    private static void Exec(string path, string[] args)
    {
        var argv = new IntPtr[args.Length + 2];
        argv[0] = Marshal.StringToCoTaskMemUTF8(path);
        for (var i = 0; i < args.Length; i++) argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        try
        {
            execv(argv[0], argv);
        }
        finally
        {
            foreach (var arg in argv) Marshal.FreeCoTaskMem(arg);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int execv(IntPtr path, IntPtr[] argv);
}
