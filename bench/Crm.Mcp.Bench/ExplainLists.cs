using System.Diagnostics;
using Crm.Mcp.Data;
using Crm.Mcp.Lists;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Bench;

/// <summary>`explain-lists DB`: the plan and best-of-5 time of every get_&lt;plural&gt; tool's count and page SQL
/// as the list engine builds them (default request, plus get_deals' common filters), so a list that sorts or scans
/// at 100k or 1M shows up in one command.</summary>
public static class ExplainLists
{
    public static async Task RunAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction(deferred: true);
        Console.WriteLine($"SQLite {connection.ServerVersion}, {path}\n");
        var proposal = await connection.QuerySingleAsync<string>("SELECT id FROM stages WHERE name = 'Proposal' LIMIT 1", transaction: transaction);
        var requests = new List<(string Name, string Entity, List<Filter> Extra, Dictionary<string, IReadOnlyList<string>> References)>();
        foreach (var entity in FieldRegistry.BuiltIn.Keys.Order())
            requests.Add(($"get_{entity} (default)", entity, [], []));
        requests.Add(("get_deals stage=Proposal", "deals", [Filter.Rule("stage_id", FilterOps.EqualsOp, proposal)], []));
        requests.Add(("get_deals stage=Proposal, is_draft=false", "deals",
            [Filter.Rule("stage_id", FilterOps.EqualsOp, proposal), Filter.Rule("is_draft", FilterOps.EqualsOp, false)], []));
        requests.Add(("get_deals stage=Proposal, is_draft=false, currency=USD, amount>=1000 (bench)", "deals",
            [Filter.Rule("stage", FilterOps.EqualsOp, "Proposal"), Filter.Rule("is_draft", FilterOps.EqualsOp, false),
             Filter.Rule("currency", FilterOps.EqualsOp, "USD"), Filter.Rule("amount", "gte", 1000)],
            new() { ["stage"] = [proposal] }));
        foreach (var (name, entity, extra, references) in requests)
        {
            var schema = await new FieldRegistry().LoadAsync(entity, connection, transaction);
            var plan = ListEngine.Build(schema, new ListRequest(null, null, null, 25, null), extra, references);
            Console.WriteLine($"## {name}");
            await ShowAsync(connection, transaction, "count", ListEngine.CountSql(schema, plan), plan.Parameters);
            await ShowAsync(connection, transaction, "page", ListEngine.PageSql(schema, plan), plan.Parameters);
            Console.WriteLine();
        }
    }

    private static async Task ShowAsync(SqliteConnection connection, SqliteTransaction transaction, string what, string sql, SqlArgs parameters)
    {
        var plan = await parameters.QueryAsync(connection, transaction, "EXPLAIN QUERY PLAN " + sql, r => (Id: r.GetInt64(0), Detail: r.GetString(3)));
        var best = double.MaxValue;
        var rows = 0;
        for (var run = 0; run < 5; run++)
        {
            var clock = Stopwatch.StartNew();
            rows = (await parameters.QueryAsync(connection, transaction, sql, _ => 0)).Count;
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"- {what} `{sql}`");
        Console.WriteLine($"  {rows} rows, best of 5 {best:F3} ms; plan: {string.Join(" | ", plan.Select(p => p.Detail))}");
    }
}
