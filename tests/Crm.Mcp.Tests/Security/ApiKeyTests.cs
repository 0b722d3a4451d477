using System.Diagnostics;
using Crm.Mcp.Security;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Security;

public sealed class ApiKeyTests
{
    [Fact]
    public async Task A_key_is_stored_only_as_a_hash_and_verifies_until_revoked()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        var store = new ApiKeyStore(database.Db);

        var (info, key) = await store.CreateAsync("ci-bot", AccessScope.Write, ct);
        Assert.Matches("^crm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", key);
        await using (var connection = await database.Db.OpenAsync(ct))
        {
            var row = await connection.QuerySingleAsync<(string KeyId, string SecretHash)>("SELECT key_id, secret_hash FROM api_keys");
            Assert.Equal(info.KeyId, row.KeyId);
            Assert.DoesNotContain(key[17..], row.SecretHash);
            Assert.Equal(64, row.SecretHash.Length);
        }
        foreach (var file in new[] { database.Path, database.Path + "-wal" }.Where(File.Exists)) // the database and its WAL
            Assert.DoesNotContain(key[17..], await File.ReadAllTextAsync(file, ct));

        Assert.Equal(("ci-bot", AccessScope.Write), (await store.VerifyAsync(key, ct)) is { } found ? (found.Name, found.Scope) : default);
        Assert.Null(await store.VerifyAsync(key + "x", ct));
        Assert.Null(await store.VerifyAsync(key.Replace(info.KeyId, "000000000000"), ct));
        Assert.Null(await store.VerifyAsync("", ct));

        Assert.Equal(1, await store.RevokeAsync(info.KeyId, ct));
        Assert.Null(await store.VerifyAsync(key, ct));
        Assert.Equal(0, await store.RevokeAsync("ci-bot", ct));
    }

    [Fact]
    public async Task Two_live_keys_cannot_share_a_name_but_a_revoked_name_can_be_reused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        var store = new ApiKeyStore(database.Db);
        await store.CreateAsync("laptop", AccessScope.Read, ct);

        var conflict = await Assert.ThrowsAsync<Crm.Mcp.Common.CrmError>(() => store.CreateAsync("laptop", AccessScope.Admin, ct));
        Assert.Equal("name", conflict.Field);
        await Assert.ThrowsAsync<Crm.Mcp.Common.CrmError>(() => store.CreateAsync("  ", AccessScope.Read, ct));

        await store.RevokeAsync("laptop", ct);
        await store.CreateAsync("laptop", AccessScope.Admin, ct);
        var keys = await store.ListAsync(ct);
        Assert.Equal([AccessScope.Read, AccessScope.Admin], keys.Select(k => k.Scope));
        Assert.Single(keys, k => k.RevokedAt is null);
    }

    [Fact]
    public async Task Keys_cli_prints_the_key_once_lists_without_it_and_revokes()
    {
        var folder = Directory.CreateTempSubdirectory("crm-mcp-keys").FullName;
        var db = Path.Combine(folder, "crm.db");
        try
        {
            var (created, createCode) = await RunAsync("keys", "create", "--name", "cursor-laptop", "--scope", "write", "--db", db);
            Assert.Equal(0, createCode);
            var key = Assert.Single(created.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
            Assert.StartsWith("crm_", key);

            Assert.Equal(0, (await RunAsync("keys", "revoke", "cursor-laptop", "--db", db)).Code);
            var (listed, _) = await RunAsync("keys", "list", "--all", "--db", db);
            var row = Assert.Single(listed.Split('\n'), l => l.StartsWith("cursor-laptop", StringComparison.Ordinal));
            Assert.Matches(@"^cursor-laptop\s+[0-9a-f]{12}\s+write\s+\(local\)\s+\S+Z\s+\S+Z", row); // revoked: a timestamp, not "-"
            Assert.DoesNotContain(key, listed);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Users_cli_creates_and_lists_users_and_a_key_can_belong_to_one()
    {
        var folder = Directory.CreateTempSubdirectory("crm-mcp-users").FullName;
        var db = Path.Combine(folder, "crm.db");
        try
        {
            var (created, code) = await RunAsync("users", "create", "--name", "Jane Founder", "--email", "jane@acme.com", "--db", db);
            Assert.Equal(0, code);
            var id = created.Trim();
            Assert.True(Guid.TryParse(id, out _), created);
            Assert.Equal(0, (await RunAsync("keys", "create", "--name", "jane-laptop", "--scope", "read", "--user", "jane@acme.com", "--db", db)).Code);
            Assert.NotEqual(0, (await RunAsync("keys", "create", "--name", "ghost", "--user", "nobody@acme.com", "--db", db)).Code);

            var (users, _) = await RunAsync("users", "list", "--db", db);
            Assert.Contains(users.Split('\n'), l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains("jane@acme.com"));
            var (keys, _) = await RunAsync("keys", "list", "--db", db);
            Assert.Matches(@"jane-laptop\s+[0-9a-f]{12}\s+read\s+Jane Founder\s", keys);
            Assert.DoesNotContain("ghost", keys);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    [Theory]
    [InlineData("keys", "create", "--scope", "write")]
    [InlineData("keys", "create", "--name", "x", "--scope", "root")]
    [InlineData("keys", "revoke")]
    public void Keys_cli_refuses_a_missing_name_or_an_unknown_scope(params string[] args) =>
        Assert.NotEmpty(Crm.Mcp.Cli.CrmCli.Build().Parse(args).Errors);

    private static async Task<(string Stdout, int Code)> RunAsync(params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        await stderr;
        return (await stdout, process.ExitCode);
    }
}
