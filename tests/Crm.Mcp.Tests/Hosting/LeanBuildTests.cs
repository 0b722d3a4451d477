using System.Diagnostics;
using System.Text.Json.Nodes;
using Crm.Mcp.Cli;
using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>
/// The release's stdio binary is built without ASP.NET Core (CrmHttp=false): half the file and idle memory of the full
/// build (BENCHMARKS.md, "Start-up and memory", seventh session). These keep it lean and keep its HTTP path working;
/// CI publishes both native binaries and runs every HTTP check through the lean one's `serve --transport http`.
/// </summary>
public sealed class LeanBuildTests
{
    /// <summary>What the lean build compiles and references, as MSBuild evaluates it (no build: a few seconds). A file
    /// that needs ASP.NET Core outside Hosting/Http or Hosting/Rest breaks the lean publish; a reference added for
    /// everyone brings the 20 MB back silently, which this catches.</summary>
    [Fact]
    public async Task The_lean_build_references_no_aspnetcore_and_compiles_no_http_host()
    {
        var items = await EvaluateAsync("-p:CrmHttp=false");
        Assert.DoesNotContain(Names(items, "FrameworkReference"), n => n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(Names(items, "PackageReference"), n => n.Contains("AspNetCore", StringComparison.Ordinal) || n.StartsWith("Scalar", StringComparison.Ordinal));
        // StdioHost runs without Microsoft.Extensions.Hosting (its configuration sources and console logger).
        Assert.DoesNotContain(Names(items, "PackageReference"), n => n is "Microsoft.Extensions.Hosting" or "Microsoft.Extensions.Logging.Console");
        var sources = Names(items, "Compile").Select(f => f.Replace('\\', '/')).ToList();
        Assert.Contains(sources, f => f.EndsWith("Hosting/HttpTransport.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(sources, f => f.Contains("Hosting/Rest/", StringComparison.Ordinal) ||
                                            (f.Contains("Hosting/Http/", StringComparison.Ordinal) && !f.EndsWith("HttpServeOptions.cs", StringComparison.Ordinal)));

        // The full build (tests, `dotnet run`, crm-mcp-http) keeps all of it.
        var full = await EvaluateAsync("-p:CrmHttp=true");
        Assert.Contains("Microsoft.AspNetCore.App", Names(full, "FrameworkReference"));
        Assert.Contains(Names(full, "Compile"), f => f.Replace('\\', '/').EndsWith("Hosting/Http/HttpHost.cs", StringComparison.Ordinal));
    }

    /// <summary>No PostgreSQL driver in the stdio binary: Npgsql was 3 MB of a SQLite
    /// server's idle memory (BENCHMARKS.md, "Start-up and memory", ninth session). The full build keeps it.</summary>
    [Fact]
    public async Task The_lean_build_carries_no_postgresql_driver()
    {
        var lean = await EvaluateAsync("-p:CrmHttp=false");
        Assert.DoesNotContain(Names(lean, "PackageReference"), n => n.StartsWith("Npgsql", StringComparison.Ordinal));
        Assert.DoesNotContain(Names(lean, "Compile"), f => f.Replace('\\', '/').EndsWith("Transfer/DataMigration.cs", StringComparison.Ordinal));
        Assert.DoesNotContain("CRM_POSTGRES", (await EvaluateAsync("-p:CrmHttp=false", "-getProperty:DefineConstants")).Split(';', StringSplitOptions.TrimEntries));

        var full = await EvaluateAsync("-p:CrmHttp=true");
        Assert.Contains("Npgsql", Names(full, "PackageReference"));
        Assert.Contains("CRM_POSTGRES", (await EvaluateAsync("-p:CrmHttp=true", "-getProperty:DefineConstants")).Split(';', StringSplitOptions.TrimEntries));
        Assert.True(HttpTransport.PostgresIncluded, "the tests run the full build");
    }

    /// <summary>Which commands the lean binary hands to crm-mcp-http because they would open PostgreSQL: --db or
    /// CRM_MCP_DB naming one, stress's own --db, migrate-data; never `config` (it only writes the location into an
    /// entry), help or a command line with errors, nor a SQLite file.</summary>
    [Theory]
    [InlineData("", null, false)]
    [InlineData("--db /tmp/crm.db", null, false)]
    [InlineData("--db postgres://u:p@db:5432/crm", null, true)]
    [InlineData("serve --db Host=db;Database=crm", null, true)]
    [InlineData("serve --transport http --db postgresql://db/crm", null, true)]
    [InlineData("serve", "postgres://db/crm", true)]
    [InlineData("serve --db /tmp/crm.db", "postgres://db/crm", false)]
    [InlineData("doctor", "postgres://db/crm", true)]
    [InlineData("migrate --db postgres://db/crm", null, true)]
    [InlineData("keys list --db postgres://db/crm", null, true)]
    [InlineData("webhooks list", "Host=db", true)]
    [InlineData("import contacts.csv --from csv --db postgres://db/crm", null, true)]
    [InlineData("stress --db postgres://db/crm", null, true)]
    [InlineData("stress", "postgres://db/crm", false)]
    [InlineData("migrate-data --from /tmp/crm.db --to postgres://db/crm", null, true)]
    [InlineData("migrate-data --from /tmp/crm.db", null, false)]
    [InlineData("migrate-data --help", null, false)]
    [InlineData("config claude-code --db postgres://db/crm", null, false)]
    [InlineData("config cursor", "postgres://db/crm", false)]
    [InlineData("tools", "postgres://db/crm", false)]
    public void The_lean_build_hands_a_command_that_opens_postgresql_to_the_full_build(string commandLine, string? environment, bool handedOver)
    {
        var parse = CrmCli.Build().Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(handedOver, CrmCli.NeedsPostgres(parse, name => name == "CRM_MCP_DB" ? environment : null));
    }

    /// <summary>No MCP client in the stdio binary: `stress`'s client (the SDK's client half, with System.Net.Http.Json's
    /// per-type async serialization) was 3.5–4 MB of a stdio server's idle memory (BENCHMARKS.md, "Start-up and
    /// memory", tenth session). The full build keeps it, and the lean one hands `stress` to it.</summary>
    [Fact]
    public async Task The_lean_build_compiles_no_mcp_client()
    {
        var lean = Names(await EvaluateAsync("-p:CrmHttp=false"), "Compile").Select(f => f.Replace('\\', '/')).ToList();
        Assert.DoesNotContain(lean, f => f.EndsWith("Cli/StressRunner.cs", StringComparison.Ordinal));
        Assert.Contains(lean, f => f.EndsWith("Cli/StressCommand.cs", StringComparison.Ordinal));
        Assert.Contains(Names(await EvaluateAsync("-p:CrmHttp=true"), "Compile"), f => f.Replace('\\', '/').EndsWith("Cli/StressRunner.cs", StringComparison.Ordinal));
    }

    /// <summary>What the lean binary runs as crm-mcp-http: PostgreSQL (above) and `stress`, but not stress's help or a
    /// stress command line with errors, which the lean binary answers itself.</summary>
    [Theory]
    [InlineData("stress", "stress")]
    [InlineData("stress --processes 3 --calls 20 --db /tmp/crm.db", "stress")]
    [InlineData("stress --http --clients 4", "stress")]
    [InlineData("stress --db postgres://db/crm", "PostgreSQL")]
    [InlineData("stress --help", null)]
    [InlineData("stress --processes many", null)]
    [InlineData("serve --db /tmp/crm.db", null)]
    [InlineData("serve --db postgres://db/crm", "PostgreSQL")]
    [InlineData("tools", null)]
    public void The_lean_build_hands_stress_to_the_full_build(string commandLine, string? leftToFullBuild)
    {
        var parse = CrmCli.Build().Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(leftToFullBuild, CrmCli.LeftToFullBuild(parse, _ => null));
    }

    /// <summary>A native publish (RID + PublishAot) is the lean build unless told otherwise.</summary>
    [Fact]
    public async Task A_native_publish_is_lean_by_default()
    {
        var properties = await EvaluateAsync("-p:PublishAot=true -p:RuntimeIdentifier=linux-x64", "-getProperty:CrmHttp");
        Assert.Equal("false", properties.Trim());
    }

    [Fact]
    public async Task Without_the_full_build_beside_it_http_and_postgresql_are_refused_with_what_to_run()
    {
        var directory = Directory.CreateTempSubdirectory("crm-mcp-lean-").FullName;
        try
        {
            var error = new StringWriter();
            var exit = await HttpTransport.RunFullBuildAsync(directory, ["serve", "--transport", "http"], "HTTP", error, TestContext.Current.CancellationToken);
            Assert.Equal(2, exit);
            Assert.Contains($"HTTP is served by crm-mcp-http, which should lie beside it but is missing: {HttpTransport.FullBuildPath(directory)}", error.ToString());
            Assert.Contains("run a crm-mcp-http you have with the same arguments", error.ToString());

            error = new StringWriter();
            exit = await HttpTransport.RunFullBuildAsync(directory, ["migrate", "--db", "postgres://crm:s3cret@db/crm"], "PostgreSQL", error, TestContext.Current.CancellationToken);
            Assert.Equal(2, exit);
            Assert.Contains("this build serves stdio on SQLite only; PostgreSQL is served by crm-mcp-http", error.ToString());
            // The arguments are not echoed: a connection string carries its password.
            Assert.DoesNotContain("s3cret", error.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static IEnumerable<string> Names(JsonNode items, string kind) =>
        items["Items"]?[kind]?.AsArray().Select(i => i!["Identity"]!.GetValue<string>()) ?? [];

    private static async Task<JsonNode> EvaluateAsync(string properties) =>
        JsonNode.Parse(await EvaluateAsync(properties, "-getItem:FrameworkReference -getItem:PackageReference -getItem:Compile"))!;

    private static async Task<string> EvaluateAsync(string properties, string query)
    {
        var project = Path.Combine(CliRunner.RepositoryRoot(), "src", "Crm.Mcp", "Crm.Mcp.csproj");
        using var process = Process.Start(new ProcessStartInfo("dotnet", $"msbuild \"{project}\" {properties} {query}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"dotnet msbuild failed: {output}{await process.StandardError.ReadToEndAsync()}");
        return output;
    }
}
