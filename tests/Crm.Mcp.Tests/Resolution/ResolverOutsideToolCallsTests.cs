using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>The Resolver called by code that is not a tool call (imports, CLI): old signatures, old default.</summary>
public sealed class ResolverOutsideToolCallsTests
{
    [Fact]
    public async Task Without_a_tool_call_a_near_name_is_created_unless_the_caller_asks_for_auto()
    {
        await using var database = await TestDatabase.CreateAsync();
        var resolver = new Resolver();
        await database.Db.WriteAsync((c, t) => resolver.ResolveCompanyAsync(c, t, null, "Globex"));

        var created = await database.Db.WriteAsync((c, t) => resolver.ResolveCompanyAsync(c, t, null, "Globx"));
        Assert.Equal(MatchedBy.Created, created!.MatchedBy);

        var error = await Assert.ThrowsAsync<CrmError>(() => database.Db.WriteAsync((c, t) =>
            resolver.ResolveCompanyAsync(c, t, null, "Globexx", createIfMissing: CreateIfMissing.Auto)));
        Assert.Equal(ErrorCodes.NeedsDisambiguation, error.Code);
        Assert.Equal(2, error.Candidates!.Count);
        Assert.Equal(2, await database.CountAsync("companies"));
    }
}
