using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Dapper;

namespace Crm.Mcp.Bench;

/// <summary>
/// `near-names DB [--names N] [--seed S] [--out FILE]`: the near-name lookups of N company and N person names drawn from
/// the bench's word lists (exact, other case, accents, one or two typos, words swapped, a legal form dropped or added,
/// names not in the database) against DB, in process, through the resolver's public lookups only; one JSON line per
/// name with its candidates (id, score) and the decision auto mode takes (found / created / ambiguous). The same
/// source built against two versions of the resolver writes files to compare line by line; CPU per lookup is printed.
/// Nothing is written: every lookup runs in a transaction rolled back. DB may be a PostgreSQL connection string (a
/// database moved from a bench file by `crm-mcp migrate-data`); the backend's CPU is then printed too.
/// </summary>
public static class NearNames
{
    public static async Task RunAsync(string path, int names, int seed, string? output)
    {
        var db = new CrmDb(path);
        await using var connection = await db.OpenAsync();
        // PostgreSQL (DB is a connection string): bench ids are dense, so the count is the last row's number; the
        // lookups' CPU is mostly the server backend's, read from /proc beside the client's.
        var postgres = SqlDialect.Of(connection).IsPostgres;
        var rows = await connection.ExecuteScalarAsync<long>(postgres ? "SELECT COUNT(*) FROM companies" : "SELECT max(rowid) FROM companies");
        var backend = postgres ? await connection.ExecuteScalarAsync<int>("SELECT pg_backend_pid()") : 0;
        var random = new Random(seed);
        var queries = new List<(string Kind, string Variant, string Name)>();
        for (var i = 0; i < names; i++)
        {
            var variant = Variants[i % Variants.Length];
            var inDb = random.NextInt64(0, Math.Max(1, rows));
            var company = variant == "new" ? BenchData.CompanyName(rows + random.NextInt64(0, BenchData.MaxRows - rows)) : BenchData.CompanyName(inDb);
            queries.Add(("company", variant, Vary(company, variant, random, company: true)));
            var person = variant == "new" ? $"{BenchData.FirstName(random.Next())} {Vary(BenchData.LastName(random.Next()), "typo1", random, false)}" : BenchData.FullName(random.Next());
            queries.Add(("person", variant, Vary(person, variant, random, company: false)));
        }

        await using var writer = output is null ? null : new StreamWriter(output);
        var cpu = new Dictionary<string, (TimeSpan Time, int Count)>();
        var serverCpu = new Dictionary<string, double>();
        await using var transaction = await connection.BeginTransactionAsync();
        for (var pass = 0; pass < 2; pass++) // the first pass warms caches and the JIT; the second is timed and written
        {
            foreach (var (kind, variant, name) in queries)
            {
                var key = kind == "company" ? NameKeys.Company(name) : NameKeys.Person(name);
                if (key.Length == 0) continue;
                var serverBefore = postgres ? Measure.CpuSeconds(backend) : 0;
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                var near = kind == "company"
                    ? await Resolver.NearCompaniesAsync(connection, transaction, key)
                    : await Resolver.NearPeopleAsync(connection, transaction, key);
                var spent = Process.GetCurrentProcess().TotalProcessorTime - before;
                var serverSpent = postgres ? Measure.CpuSeconds(backend) - serverBefore : 0;
                if (pass == 0) continue;
                cpu[kind] = cpu.TryGetValue(kind, out var c) ? (c.Time + spent, c.Count + 1) : (spent, 1);
                serverCpu[kind] = serverCpu.GetValueOrDefault(kind) + serverSpent;
                var exact = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM (SELECT 1 FROM {(kind == "company" ? "companies" : "people")} WHERE name_key = @key LIMIT 2) AS named", new { key }, transaction);
                var decision = exact > 1 ? "ambiguous" : exact == 1 ? "found" : near.Count > 0 && near[0].Score >= NameSimilarity.Close ? "ambiguous" : "created";
                writer?.WriteLine(JsonSerializer.Serialize(new Line(kind, variant, name, key, decision,
                    near.Select(n => $"{n.Id} {n.Score:0.000} {n.Name}").ToArray()), LineContext.Default.Line));
            }
        }
        await transaction.RollbackAsync();
        foreach (var (kind, (time, count)) in cpu)
            Console.WriteLine($"{kind}: {count} lookups, {time.TotalMicroseconds / count:F0} µs CPU per lookup" +
                              (postgres ? $", {serverCpu[kind] * 1e6 / count:F0} µs PostgreSQL backend CPU" : "") + $"; load {Measure.LoadAverage():F2}");
    }

    private static readonly string[] Variants = ["exact", "case", "accent", "typo1", "typo1", "typo2", "swap", "suffix", "new", "new"];

    private static readonly string[] Suffixes = [" Inc", " Ltd", " Group", " Holdings", " GmbH", " & Co"];

    private static string Vary(string name, string variant, Random random, bool company)
    {
        switch (variant)
        {
            case "case": return random.Next(2) == 0 ? name.ToUpperInvariant() : name.ToLowerInvariant();
            case "accent":
                var i = name.IndexOfAny(['e', 'a', 'o']);
                return i < 0 ? name : name[..i] + (name[i] switch { 'e' => "é", 'a' => "à", _ => "ö" }) + name[(i + 1)..];
            case "typo1": return Typo(name, random);
            case "typo2": return Typo(Typo(name, random), random);
            case "swap":
                var words = name.Split(' ');
                return string.Join(' ', words.Reverse());
            case "suffix":
                if (!company) return Typo(name, random);
                var form = Suffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal));
                return form is not null ? name[..^form.Length] : name + Suffixes[random.Next(Suffixes.Length)];
            default: return name;
        }
    }

    /// <summary>One deletion, insertion, substitution or swap of neighbours at a letter.</summary>
    private static string Typo(string name, Random random)
    {
        var letters = Enumerable.Range(0, name.Length).Where(i => char.IsLetter(name[i])).ToList();
        if (letters.Count < 2) return name;
        var at = letters[random.Next(letters.Count)];
        var letter = (char)('a' + random.Next(26));
        var text = new StringBuilder(name);
        switch (random.Next(4))
        {
            case 0: text.Remove(at, 1); break;
            case 1: text.Insert(at, letter); break;
            case 2: text[at] = letter; break;
            default:
                if (at + 1 < name.Length) (text[at], text[at + 1]) = (text[at + 1], text[at]);
                break;
        }
        return text.ToString();
    }
}

public sealed record Line(string Kind, string Variant, string Name, string Key, string Decision, string[] Candidates);

[System.Text.Json.Serialization.JsonSerializable(typeof(Line))]
internal sealed partial class LineContext : System.Text.Json.Serialization.JsonSerializerContext;
