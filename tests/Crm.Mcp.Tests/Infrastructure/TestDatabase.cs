using Crm.Mcp.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>A migrated database file in its own temporary folder, removed afterwards. When CRM_MCP_TEST_POSTGRES
/// holds a connection string (see .ci/postgres-start), a fresh PostgreSQL database on that server instead: the whole
/// suite then runs against PostgreSQL.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "CRM_MCP_TEST_POSTGRES";

    /// <summary>The PostgreSQL server the suite runs against, or null for SQLite.</summary>
    public static string? PostgresServer { get; } = Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } s ? s : null;

    public static bool IsPostgres => PostgresServer is not null;

    public string Folder { get; }
    /// <summary>What --db takes: the SQLite file, or the PostgreSQL connection string.</summary>
    public string Path { get; }
    public CrmDb Db { get; }
    private readonly string? _postgresDatabase;

    private TestDatabase(string folder, string? postgresDatabase)
    {
        Folder = folder;
        _postgresDatabase = postgresDatabase;
        Path = postgresDatabase is null
            ? System.IO.Path.Combine(folder, "crm.db")
            : new NpgsqlConnectionStringBuilder(PostgresServer) { Database = postgresDatabase }.ConnectionString;
        Db = new CrmDb(Path);
    }

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "crm-mcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (IsPostgres)
        {
            var name = "crm_test_" + Guid.NewGuid().ToString("N");
            // A migrated template copied per test: CREATE DATABASE ... TEMPLATE is far cheaper than migrating.
            var template = migrate ? await MigratedTemplateAsync() : "template0";
            await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
            return new TestDatabase(folder, name);
        }
        var database = new TestDatabase(folder, null);
        if (migrate) await new Migrator(database.Db).MigrateAsync(TestContext.Current.CancellationToken);
        return database;
    }

    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _template;

    private static async Task<string> MigratedTemplateAsync()
    {
        await TemplateLock.WaitAsync();
        try
        {
            if (_template is not null) return _template;
            var name = $"crm_template_{Environment.ProcessId}";
            await AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE template0");
            var location = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name, Pooling = false }.ConnectionString;
            await new Migrator(new CrmDb(location)).MigrateAsync();
            NpgsqlConnection.ClearAllPools();
            return _template = name;
        }
        finally { TemplateLock.Release(); }
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync(sql);
    }

    public async Task<long> CountAsync(string table)
    {
        await using var connection = await Db.OpenAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }

    /// <summary>Row counts of every data table: equal before and after a failed call means nothing was written.</summary>
    public async Task<string> FingerprintAsync()
    {
        string[] tables = ["users", "companies", "people", "company_people", "pipelines", "stages", "deals", "deal_people", "counters",
            "tasks", "task_deals", "task_companies", "task_people", "services"];
        var counts = new List<string>();
        foreach (var table in tables) counts.Add($"{table}={await CountAsync(table)}");
        return string.Join(" ", counts);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresDatabase is not null)
        {
            try { await AdminAsync($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)"); }
            catch (NpgsqlException) { }
        }
        else
        {
            Db.ReleaseConnections();
            SqliteConnection.ClearAllPools();
        }
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
