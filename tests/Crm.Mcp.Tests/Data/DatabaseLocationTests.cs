using Crm.Mcp.Data;
using Npgsql;

namespace Crm.Mcp.Tests.Data;

public sealed class DatabaseLocationTests
{
    [Theory]
    [InlineData("postgres://crm:s%40cret@db.internal:6543/crm_prod?sslmode=require", "db.internal", 6543, "crm", "s@cret", "crm_prod")]
    [InlineData("postgresql://localhost/crm", "localhost", 5432, null, null, "crm")]
    [InlineData("Host=127.0.0.1;Port=54329;Username=postgres;Database=crm", "127.0.0.1", 54329, "postgres", null, "crm")]
    public void A_url_or_connection_string_selects_postgresql_and_becomes_an_npgsql_connection_string(
        string location, string host, int port, string? user, string? password, string database)
    {
        Assert.True(DatabaseLocation.IsPostgres(location));
        var built = new NpgsqlConnectionStringBuilder(DatabaseLocation.ToNpgsql(location));
        Assert.Equal((host, port, user, password, database), (built.Host, built.Port, built.Username, built.Password, built.Database));
        Assert.Equal(location, DatabasePath.Resolve(location));
        Assert.DoesNotContain("cret", DatabaseLocation.Display(location));
    }

    [Fact]
    public void A_url_with_sslmode_keeps_it()
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseLocation.ToNpgsql("postgres://u:p@h/db?sslmode=require"));
        Assert.Equal(SslMode.Require, built.SslMode);
    }

    [Theory]
    [InlineData("crm.db")]
    [InlineData("/var/lib/crm/Host=odd.db")]
    [InlineData("~/crm/postgres.db")]
    public void Anything_else_is_a_sqlite_file(string location)
    {
        Assert.False(DatabaseLocation.IsPostgres(location));
        Assert.Equal(SqlDialect.Sqlite, new CrmDb(Path.Combine(Path.GetTempPath(), "never-opened.db")).Dialect);
    }
}
