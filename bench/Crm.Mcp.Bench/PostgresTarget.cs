using System.Diagnostics;
using Npgsql;

namespace Crm.Mcp.Bench;

/// <summary>
/// `--postgres CONNECTION` (or CRM_MCP_BENCH_POSTGRES): the e2e and growth drivers serve from PostgreSQL instead of a
/// SQLite file. Each size's cached SQLite database is moved once into a seed database with `crm-mcp migrate-data`
/// (verified table by table); every run then gets a fresh copy of the seed (CREATE DATABASE ... TEMPLATE, a file copy),
/// as a SQLite run gets a fresh copy of the file. Databases are named crm_bench_*; nothing else on the server is touched.
/// </summary>
public static class PostgresTarget
{
    /// <summary>The server to use (any database name in it is replaced), or null for SQLite.</summary>
    public static string? Server { get; set; } = Environment.GetEnvironmentVariable("CRM_MCP_BENCH_POSTGRES") is { Length: > 0 } s ? s : null;

    /// <summary>The seed database's name for a cached SQLite database (same size and schema key: same seed).</summary>
    public static async Task<string> SeedAsync(string sqlitePath, int rows)
    {
        var schema = Path.GetFileName(Path.GetDirectoryName(sqlitePath))!.Replace("db-", "").ToLowerInvariant();
        var name = $"crm_bench_{new string(schema.Where(char.IsLetterOrDigit).ToArray())}_{rows}";
        if (await ScalarAsync("SELECT COUNT(*) FROM pg_database WHERE datname = @name", name) > 0) return name;
        var building = name + "_tmp";
        await AdminAsync($"DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)");
        await AdminAsync($"CREATE DATABASE \"{building}\" TEMPLATE template0");
        var clock = Stopwatch.StartNew();
        var (command, prefix) = ServerProcess.CrmCommand();
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[.. prefix, "migrate-data", "--from", sqlitePath, "--to", Connection(building)]) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"migrate-data into {building} failed: {error}{await output}");
        await using (var connection = new NpgsqlConnection(Connection(building)))
        {
            await connection.OpenAsync();
            await using var analyze = new NpgsqlCommand("VACUUM ANALYZE", connection);
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
        Console.Error.WriteLine($"postgres seed {name}: {rows:N0} rows in {clock.Elapsed.TotalSeconds:F0} s");
        return name;
    }

    /// <summary>A fresh copy of <paramref name="seed"/>, named after it, so that benches of other schemas (other
    /// branches) on the same server never drop each other's run; returns its connection string.</summary>
    public static async Task<string> FreshAsync(string seed)
    {
        var name = $"{seed}_run";
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{seed}\"");
        return Connection(name);
    }

    private static string Connection(string database) =>
        new NpgsqlConnectionStringBuilder(Server) { Database = database }.ConnectionString;

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string sql, string name)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
