using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Crm.Mcp.Data;

namespace Crm.Mcp.Clients;

/// <summary>How this copy of crm-mcp was installed, which decides the command a client's config should carry.</summary>
public enum BuildKind
{
    /// <summary>An executable of its own outside any package folder: a Native AOT or single-file publish, an apphost.</summary>
    Executable,
    /// <summary>`dotnet crm-mcp.dll`: a framework-dependent build (a source build's bin folder).</summary>
    Dll,
    /// <summary>`dotnet tool install` (-g or --tool-path): the tool folder's `crm-mcp` command, stable across updates.</summary>
    DotnetTool,
    /// <summary>`dnx Crm.Mcp`: the package ran from the NuGet cache, where no path is meant to be kept.</summary>
    Dnx,
}

/// <summary>The running build: its kind, whether it is Native AOT, where it lives, and how a client starts it.</summary>
public sealed record RunningBuild(BuildKind Kind, bool NativeAot, string Location, string Command, IReadOnlyList<string> Prefix)
{
    public string Describe() => Kind switch
    {
        BuildKind.DotnetTool => $"dotnet tool ({Flavour}) in {Path.GetDirectoryName(Command)}",
        BuildKind.Dnx => $"dnx Crm.Mcp ({Flavour}) from the NuGet cache ({Location})",
        BuildKind.Dll => $"framework-dependent {Location}",
        _ => $"{Flavour} executable {Location}",
    };

    private string Flavour => NativeAot ? "Native AOT" : Kind == BuildKind.Dll || Location.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? "framework-dependent" : "JIT";
}

/// <summary>The command that starts this very build of crm-mcp, for a client's config.</summary>
public static partial class ServerLaunch
{
    // A package folder as NuGet lays it out: <id>/<version>/tools/..., the id being crm.mcp or a RID package crm.mcp.<rid>.
    [GeneratedRegex(@"[/\\]crm\.mcp(\.[a-z0-9-]+)?[/\\]\d+\.\d+\.\d+[^/\\]*[/\\]tools[/\\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PackageFolder();

    public static RunningBuild Running { get; } = Detect(Environment.ProcessPath ?? "crm-mcp", AppContext.BaseDirectory,
        !RuntimeFeature.IsDynamicCodeSupported, File.Exists, Doctor.OnPath);

    /// <summary>
    /// What a client should run to start the installed build: the tool folder's `crm-mcp` command (not the versioned copy
    /// in .store, which `dotnet tool update` replaces), `dotnet dnx Crm.Mcp --yes` for a package run from the NuGet
    /// cache, `dotnet …/crm-mcp.dll` for a framework-dependent build, else the executable itself. Paths are absolute:
    /// clients started from a desktop (Claude Desktop on macOS) do not see the shell's PATH.
    /// </summary>
    public static RunningBuild Detect(string processPath, string baseDirectory, bool nativeAot, Func<string, bool> fileExists, Func<string, string?> onPath)
    {
        var directory = Path.TrimEndingDirectorySeparator(baseDirectory);
        var viaDotnet = Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var location = viaDotnet ? Path.Combine(directory, "crm-mcp.dll") : processPath;
        var store = directory.Replace('\\', '/').IndexOf("/.store/", StringComparison.Ordinal);
        if (store >= 0)
        {
            var shim = Path.Combine(directory[..store], "crm-mcp" + (OperatingSystem.IsWindows() ? ".exe" : ""));
            if (fileExists(shim)) return new(BuildKind.DotnetTool, nativeAot, location, shim, []);
        }
        else if (PackageFolder().IsMatch(directory + Path.DirectorySeparatorChar))
        {
            // dnx ships with the SDK as `dotnet dnx`; the standalone `dnx` script is not always on PATH.
            var dotnet = viaDotnet ? processPath : onPath("dotnet") ?? "dotnet";
            return new(BuildKind.Dnx, nativeAot, location, dotnet, ["dnx", "Crm.Mcp", "--yes"]);
        }
        if (viaDotnet) return new(BuildKind.Dll, nativeAot, location, processPath, [location]);
        // The release's HTTP build (crm-mcp-http) names the stdio build beside it: what a client should start.
        var lean = Path.Combine(directory, "crm-mcp" + Path.GetExtension(processPath));
        var command = Path.GetFileNameWithoutExtension(processPath) == Hosting.HttpTransport.FullBuildName && fileExists(lean) ? lean : processPath;
        return new(BuildKind.Executable, nativeAot, location, command, []);
    }

    /// <summary>The entry a client's config carries; the database is passed in env, so every client shares the file
    /// the user chose.</summary>
    public static StdioLaunch Current(string? databasePath, IReadOnlyList<string> extraArgs) => For(Running, databasePath, extraArgs);

    public static StdioLaunch For(RunningBuild build, string? databasePath, IReadOnlyList<string> extraArgs)
    {
        var args = new List<string>(build.Prefix);
        // dnx reads options up to `--`; what follows is the tool's.
        if (build.Kind == BuildKind.Dnx && extraArgs.Count > 0) args.Add("--");
        args.AddRange(extraArgs);
        var env = new Dictionary<string, string>();
        if (databasePath is not null) env[DatabasePath.EnvironmentVariable] = databasePath;
        return new StdioLaunch(build.Command, args, env);
    }

    /// <summary>This very process's program (no tool shim, no dnx): for starting copies of itself, as `stress` does.</summary>
    public static StdioLaunch ThisProcess()
    {
        var self = Environment.ProcessPath ?? "crm-mcp";
        return new StdioLaunch(self, Running.Location == self ? [] : [Running.Location], new Dictionary<string, string>());
    }

    /// <summary>A path inside a tool's .store or the NuGet cache: a versioned copy that an update or a cache clean-up
    /// removes, so a client's config should not name it.</summary>
    public static bool IsPackageCopy(string path) =>
        path.Replace('\\', '/').Contains("/.store/", StringComparison.Ordinal) || PackageFolder().IsMatch(path);
}
