using Crm.Mcp.Clients;

namespace Crm.Mcp.Tests.Cli;

/// <summary>`crm-mcp config` and `doctor` name whichever build is installed: the layouts below are the ones `dotnet tool
/// install`, `dnx` and `dotnet publish` produce (seen in CI's package phase).</summary>
public sealed class ServerLaunchTests
{
    private static RunningBuild Detect(string processPath, string baseDirectory, bool nativeAot = false, params string[] existing) =>
        ServerLaunch.Detect(processPath, baseDirectory, nativeAot, existing.Contains, p => p == "dotnet" ? "/usr/share/dotnet/dotnet" : null);

    private static string[] Line(StdioLaunch launch) => [launch.Command, .. launch.Args];

    [Fact]
    public void A_native_binary_outside_any_package_starts_itself()
    {
        var build = Detect("/opt/crm/crm-mcp", "/opt/crm/", nativeAot: true);
        Assert.Equal(BuildKind.Executable, build.Kind);
        Assert.Equal(["/opt/crm/crm-mcp", "--read-only"], Line(ServerLaunch.For(build, null, ["--read-only"])));
        Assert.Equal("Native AOT executable /opt/crm/crm-mcp", build.Describe());
    }

    /// <summary>The release's HTTP build, run as `crm-mcp-http config ...` or by the stdio build's `serve --transport http`:
    /// a client's stdio entry starts the lean `crm-mcp` beside it, not the twice-as-heavy full build.</summary>
    [Fact]
    public void The_http_build_names_the_stdio_build_beside_it()
    {
        var build = Detect("/opt/crm/crm-mcp-http", "/opt/crm/", nativeAot: true, "/opt/crm/crm-mcp");
        Assert.Equal(["/opt/crm/crm-mcp"], Line(ServerLaunch.For(build, null, [])));
        Assert.Equal("Native AOT executable /opt/crm/crm-mcp-http", build.Describe());
        Assert.Equal(["/opt/crm/crm-mcp-http"], Line(ServerLaunch.For(Detect("/opt/crm/crm-mcp-http", "/opt/crm/", nativeAot: true), null, [])));
    }

    [Fact]
    public void A_framework_dependent_build_runs_as_dotnet_and_the_dll()
    {
        var build = Detect("/usr/share/dotnet/dotnet", "/src/Crm.Mcp/bin/Release/net10.0/");
        Assert.Equal(BuildKind.Dll, build.Kind);
        Assert.Equal(["/usr/share/dotnet/dotnet", "/src/Crm.Mcp/bin/Release/net10.0/crm-mcp.dll"], Line(ServerLaunch.For(build, null, [])));
    }

    [Theory]
    // the native RID package: the executable runs from the versioned .store copy
    [InlineData("/home/u/.dotnet/tools/.store/crm.mcp/0.1.0/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/crm-mcp", "/home/u/.dotnet/tools/.store/crm.mcp/0.1.0/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/", true)]
    // the framework-dependent fallback run through dotnet
    [InlineData("/usr/share/dotnet/dotnet", "/home/u/.dotnet/tools/.store/crm.mcp/0.1.0/crm.mcp.any/0.1.0/tools/net10.0/any/", false)]
    public void An_installed_tool_is_started_by_its_command_in_the_tool_folder_not_the_versioned_copy(string processPath, string baseDirectory, bool nativeAot)
    {
        var build = Detect(processPath, baseDirectory, nativeAot, "/home/u/.dotnet/tools/crm-mcp");
        Assert.Equal(BuildKind.DotnetTool, build.Kind);
        Assert.Equal(["/home/u/.dotnet/tools/crm-mcp", "serve"], Line(ServerLaunch.For(build, "/data/crm.db", ["serve"])));
        Assert.Equal("/data/crm.db", ServerLaunch.For(build, "/data/crm.db", []).Env["CRM_MCP_DB"]);
        Assert.StartsWith("dotnet tool (" + (nativeAot ? "Native AOT" : "framework-dependent") + ") in /home/u/.dotnet/tools", build.Describe());
    }

    [Theory]
    [InlineData("/root/.nuget/packages/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/crm-mcp", "/root/.nuget/packages/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/", "/usr/share/dotnet/dotnet")]
    [InlineData("/opt/dotnet/dotnet", "/ci/nuget-packages/crm.mcp.any/0.1.0-beta.2/tools/net10.0/any/", "/opt/dotnet/dotnet")]
    public void A_package_run_by_dnx_is_started_by_dnx_again(string processPath, string baseDirectory, string dotnet)
    {
        var build = Detect(processPath, baseDirectory);
        Assert.Equal(BuildKind.Dnx, build.Kind);
        Assert.Equal([dotnet, "dnx", "Crm.Mcp", "--yes"], Line(ServerLaunch.For(build, null, [])));
        Assert.Equal([dotnet, "dnx", "Crm.Mcp", "--yes", "--", "--toolsets", "all"], Line(ServerLaunch.For(build, null, ["--toolsets", "all"])));
    }

    [Fact]
    public void A_store_copy_without_its_tool_command_beside_the_store_starts_itself()
    {
        var build = Detect("/x/.store/crm.mcp/0.1.0/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/crm-mcp", "/x/.store/crm.mcp/0.1.0/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/", true);
        Assert.Equal(BuildKind.Executable, build.Kind);
    }

    [Theory]
    [InlineData("/home/u/.dotnet/tools/.store/crm.mcp/0.1.0/crm.mcp/0.1.0/tools/net10.0/any/crm-mcp.dll", true)]
    [InlineData("/root/.nuget/packages/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/crm-mcp", true)]
    [InlineData("/home/u/.dotnet/tools/crm-mcp", false)]
    [InlineData("/work/Crm.Mcp/src/Crm.Mcp/bin/Release/net10.0/crm-mcp.dll", false)]
    public void Package_copies_are_told_from_stable_paths(string path, bool copy) =>
        Assert.Equal(copy, ServerLaunch.IsPackageCopy(path));
}
