using System.Diagnostics;
using Crm.Mcp.Data;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Crm.Mcp.Bench;

/// <summary>
/// A migrated copy of a populated database whose pooled connections report every statement to SQLite's profile hook
/// (a statement's time includes its trigger programs), for the in-process profiles (`profile-draft`, `profile-bulk`, `profile-import`).
/// </summary>
public sealed class StatementProfile
{
    readonly Dictionary<string, (int Count, long Ns)> statements = [];
    readonly Stopwatch clock = new();
    TimeSpan cpu;
    bool profiling;

    StatementProfile(CrmDb db, string path) => (Db, Path) = (db, path);

    public CrmDb Db { get; }
    public string Path { get; }

    public static Task<StatementProfile> OpenCopyAsync(string seeded, string work, string name) => OpenAsync(work, name, seeded);

    /// <summary>A new, empty database (`profile-import`).</summary>
    public static Task<StatementProfile> OpenNewAsync(string work, string name) => OpenAsync(work, name, null);

    private static async Task<StatementProfile> OpenAsync(string work, string name, string? seeded)
    {
        var path = System.IO.Path.Combine(work, name);
        foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        if (seeded is not null) File.Copy(seeded, path);
        var profile = new StatementProfile(new CrmDb(path), path);
        await new Migrator(profile.Db).MigrateAsync();
        // The pool's connections, each with the profile hook (a call takes whichever is idle).
        var opened = new List<System.Data.Common.DbConnection>();
        for (var i = 0; i < 8; i++)
        {
            var connection = await profile.Db.OpenAsync();
            raw.sqlite3_profile(((SqliteConnection)connection).Handle!, (_, sql, ns) =>
            {
                if (!profile.profiling) return;
                var key = (sql.Length > 160 ? sql[..160] : sql).ReplaceLineEndings(" ");
                profile.statements[key] = profile.statements.TryGetValue(key, out var s) ? (s.Count + 1, s.Ns + ns) : (1, ns);
            }, null);
            opened.Add(connection);
        }
        foreach (var connection in opened) await connection.DisposeAsync();
        return profile;
    }

    public void Start()
    {
        statements.Clear();
        profiling = true;
        cpu = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
    }

    /// <summary>Per call since <see cref="Start"/>: wall and CPU ms, ms inside SQLite statements, statements.</summary>
    public (double WallMs, double CpuMs, double SqlMs, double Statements) Stop(int calls)
    {
        var wallMs = clock.Elapsed.TotalMilliseconds / calls;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / calls;
        profiling = false;
        return (wallMs, cpuMs, statements.Values.Sum(s => s.Ns) / 1e6 / calls, statements.Values.Sum(s => s.Count) / (double)calls);
    }

    /// <summary>The costliest statements as a Markdown table, per <paramref name="unit"/> ("draft", "call").</summary>
    public void PrintTable(int calls, string unit, int take = int.MaxValue)
    {
        Console.WriteLine($"| statement | per {unit} | µs each | µs per {unit} |\n|---|---|---|---|");
        foreach (var (sql, (count, ns)) in statements.OrderByDescending(s => s.Value.Ns).Take(take))
            Console.WriteLine($"| `{sql.Replace("|", "\\|")}` | {count / (double)calls:F2} | {ns / 1e3 / count:F1} | {ns / 1e3 / calls:F1} |");
    }
}
