using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Bench;

/// <summary>`explain DB SQL [@p=value ...]`: EXPLAIN QUERY PLAN and the best of five timed runs of one statement, on
/// the SQLite the server links (a planner question answered by the sqlite3 shell may get another version's answer).</summary>
public static class Explain
{
    public static void Run(string path, string sql, Dictionary<string, string> parameters)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        SqliteCommand Command(string text)
        {
            var command = connection.CreateCommand();
            command.CommandText = text;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            return command;
        }
        Console.WriteLine($"SQLite {connection.ServerVersion}");
        using (var reader = Command("EXPLAIN QUERY PLAN " + sql).ExecuteReader())
            while (reader.Read()) Console.WriteLine($"  {reader.GetInt32(0)}/{reader.GetInt32(1)} {reader.GetString(3)}");
        var best = double.MaxValue;
        var rows = 0;
        for (var run = 0; run < 5; run++)
        {
            var clock = Stopwatch.StartNew();
            using var reader = Command(sql).ExecuteReader();
            rows = 0;
            while (reader.Read()) rows++;
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"{rows} rows, best of 5: {best:F3} ms");
    }
}
