using BenchmarkDotNet.Attributes;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Bench;

/// <summary>Resolver lookups in process against a database of 1M companies: the cost the resolver adds per named record.</summary>
[MemoryDiagnoser]
public class ResolverBenchmarks
{
    private SqliteConnection _connection = null!;
    private SqliteTransaction _transaction = null!;
    private readonly Resolver _resolver = new();
    private int _i;

    [Params(1_000_000)]
    public int Companies { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var path = await Populate.CreateAsync(Populate.DefaultWork, Companies);
        _connection = (SqliteConnection)await new CrmDb(path).OpenAsync();
        _transaction = _connection.BeginTransaction(deferred: true);
    }

    [Benchmark]
    public Task<ResolvedRecord?> Company_by_name() =>
        _resolver.ResolveCompanyAsync(_connection, _transaction, null, BenchData.CompanyCore(_i++ % Companies).ToUpperInvariant() + ", LTD.");

    [Benchmark]
    public Task<ResolvedRecord> Person_by_email()
    {
        var i = _i++ % Companies;
        return _resolver.ResolvePersonAsync(_connection, _transaction, new PersonInput { Email = BenchData.Email(i) }, "people[0]");
    }

    [Benchmark]
    public string Company_key() => NameKeys.Company("Globex GmbH & Co. KG");

    [GlobalCleanup]
    public void Cleanup()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
