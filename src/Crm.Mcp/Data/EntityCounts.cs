using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>How many companies, people and deals a database holds, as doctor and backup report them.</summary>
public sealed record EntityCounts(long Companies, long People, long Deals)
{
    public static Task<EntityCounts> ReadAsync(DbConnection connection)
    {
        const string sql = """
            SELECT (SELECT COUNT(*) FROM companies) AS companies, (SELECT COUNT(*) FROM people) AS people,
                   (SELECT COUNT(*) FROM deals) AS deals
            """;
        return connection.QuerySingleAsync<EntityCounts>(sql);
    }

    public override string ToString() => $"{Companies} companies, {People} people, {Deals} deals";
}
