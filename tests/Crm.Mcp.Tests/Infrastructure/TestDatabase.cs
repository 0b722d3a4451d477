using Crm.Mcp.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>A migrated database file in its own temporary folder, removed afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public string Folder { get; }
    public string Path { get; }
    public CrmDb Db { get; }

    private TestDatabase(string folder)
    {
        Folder = folder;
        Path = System.IO.Path.Combine(folder, "crm.db");
        Db = new CrmDb(Path);
    }

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "crm-mcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var database = new TestDatabase(folder);
        if (migrate) await new Migrator(database.Db).MigrateAsync(TestContext.Current.CancellationToken);
        return database;
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

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
