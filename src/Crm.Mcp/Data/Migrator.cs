using System.Reflection;
using Crm.Mcp.Common;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>Applies the embedded numbered .sql files in order, each once, each in its own write transaction.
/// Safe when several processes start together: the check and the apply share one serialized write transaction.
/// SQLite runs Data/Migrations/*.sql, PostgreSQL Data/Migrations/postgres/*.sql: the same versions, each dialect's
/// own DDL (a version one dialect does not need is an empty file there, so the numbering stays aligned).</summary>
public sealed class Migrator(CrmDb db)
{
    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> All { get; } = Load("Migrations.");

    public static IReadOnlyList<Migration> Postgres { get; } = Load("PgMigrations.");

    /// <summary>Returns the versions applied by this call (empty when the database was current).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (db.IsPostgres)
            await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(CreateHistorySql, transaction: transaction), cancellationToken);
        else
        {
            var directory = System.IO.Path.GetDirectoryName(db.Path);
            try
            {
                if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CrmError.Invalid("--db", $"cannot create the database folder {directory}: {e.Message}",
                    $"a writable location: pass --db PATH or set {DatabasePath.EnvironmentVariable}");
            }
            await using var connection = await db.OpenAsync(cancellationToken);
            // WAL is a property of the file: set once, kept by every later connection.
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
            await connection.ExecuteAsync(CreateHistorySql);
        }

        var applied = new List<int>();
        foreach (var migration in db.IsPostgres ? Postgres : All)
        {
            var ran = await db.WriteAsync(async (connection, transaction) =>
            {
                const string isAppliedSql = "SELECT COUNT(*) FROM schema_migrations WHERE version = @Version";
                if (await connection.ExecuteScalarAsync<long>(isAppliedSql, new { migration.Version }, transaction) > 0)
                    return false;
                // The migration's own data changes are nobody's change: journal triggers are off while it runs and
                // regenerated from the new schema before it commits.
                await JournalTriggers.DropAsync(connection, transaction);
                await connection.ExecuteAsync(migration.Sql, transaction: transaction);
                if (CodeSteps.TryGetValue(migration.Version, out var step)) await step(connection, transaction);
                await JournalTriggers.InstallAsync(connection, transaction);
                const string recordSql = """
                    INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)
                    """;
                await connection.ExecuteAsync(recordSql, new { migration.Version, migration.Name, AppliedAt = Common.Clock.NowIso() }, transaction);
                return true;
            }, cancellationToken);
            if (ran) applied.Add(migration.Version);
        }
        await EnsureDefaultUserAsync(cancellationToken);
        await RefreshPlannerStatisticsAsync(cancellationToken);
        return applied;
    }

    /// <summary>Steps SQL cannot do, run right after the migration of that version, in its transaction.</summary>
    private static readonly Dictionary<int, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task>> CodeSteps = new()
    {
        [90] = RecomputeKeysAsync,
        [150] = async (connection, transaction) =>
        {
            if (SqlDialect.Of(connection).IsPostgres) return;
            await Resolution.NameBlocks.MigrateAsync(connection, transaction);
            await DropNameTrigramIndexesAfterAsync(180, connection, transaction);
        },
        [180] = (connection, transaction) => DropNameTrigramIndexesAfterAsync(150, connection, transaction),
        [220] = async (connection, transaction) =>
        {
            if (SqlDialect.Of(connection).IsPostgres) await Resolution.NameBlocks.MigratePostgresAsync(connection, transaction);
        },
        // The reversed blocks (typo keys for a word's start) of the names there are.
        [260] = (connection, transaction) => SqlDialect.Of(connection).IsPostgres
            ? Resolution.NameBlocks.MigratePostgresAsync(connection, transaction, reversedOnly: true)
            : Resolution.NameBlocks.MigrateAsync(connection, transaction, reversedOnly: true),
    };

    /// <summary>0150 replaces the FTS5 name trigram indexes with block tables, but 0180 (numbered later, written
    /// earlier) drops and recreates those indexes, and fails if they are gone: they go after whichever of the two runs
    /// last (on a database that already had 0180, right after 0150).</summary>
    private static async Task DropNameTrigramIndexesAfterAsync(int otherVersion, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction)
    {
        if (SqlDialect.Of(connection).IsPostgres) return;
        const string appliedSql = "SELECT COUNT(*) FROM schema_migrations WHERE version = @otherVersion";
        if (await connection.ExecuteScalarAsync<long>(appliedSql, new { otherVersion }, transaction) > 0)
            await Resolution.NameBlocks.DropTrigramIndexesAsync(connection, transaction);
    }

    /// <summary>0090: keys folded without ICU (Resolution/UnicodeFold). Records that now share a key are reported on
    /// stderr (stdout is the protocol) and left apart for find_duplicates / merge_records, never merged here.</summary>
    private static async Task RecomputeKeysAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction)
    {
        foreach (var c in await Resolution.KeyRecomputation.RunAsync(connection, transaction))
            Console.Error.WriteLine($"crm-mcp: migration 0090: {c.Table} '{c.OtherName}' ({c.OtherId}) now has the same key as '{c.KeptName}' ({c.KeptId}); " +
                                    "both kept, see find_duplicates to merge them.");
    }

    private static readonly string[] StatisticsTables = ["deals", "companies", "people"];
    private const long MinRowsToAnalyze = 1000;

    /// <summary>
    /// SQLite plans from sqlite_stat1, which only ANALYZE writes. A table that has grown far past what it held when it
    /// was last measured (or never was) gets plans that scan and sort a whole stage: get_deals at 100k deals took
    /// 178 ms p50 without statistics and 28 ms with them (BENCHMARKS.md). So a start re-measures the database when such a table exists;
    /// PostgreSQL's autovacuum keeps its own statistics.
    /// </summary>
    private async Task RefreshPlannerStatisticsAsync(CancellationToken cancellationToken)
    {
        if (db.IsPostgres) return;
        await using var connection = await db.OpenAsync(cancellationToken);
        const string hasStatisticsSql = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'";
        // The largest index's count is the table's: a partial index (e.g. companies with a domain) counts fewer rows.
        const string measuredRowsSql = "SELECT stat FROM sqlite_stat1 WHERE tbl = @table ORDER BY CAST(stat AS INTEGER) DESC LIMIT 1";
        // A partial index may match no row, and ANALYZE writes nothing for an empty index: only whole ones count.
        const string unmeasuredIndexesSql = """
            SELECT COUNT(*) FROM pragma_index_list(@table) WHERE partial = 0
            AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE tbl = @table AND idx IS NOT NULL)
            """;
        var hasStatistics = await connection.ExecuteScalarAsync<long>(hasStatisticsSql) > 0;
        foreach (var table in StatisticsTables)
        {
            // MAX(rowid) reads one index page where COUNT(*) reads the whole table on every start (cold, seconds at 1M);
            // it bounds the row count from above, which is all a growth check needs.
            var rows = await connection.ExecuteScalarAsync<long?>($"SELECT MAX(rowid) FROM {table}") ?? 0;
            if (rows < MinRowsToAnalyze) continue;
            var stat = hasStatistics ? await connection.ExecuteScalarAsync<string?>(measuredRowsSql, new { table }) : null;
            var measured = long.TryParse(stat?.Split(' ')[0], out var n) ? n : 0;
            // An index added since (e.g. by a migration) has no statistics while its table's others have: SQLite then
            // misjudges it (0101's page index lost to a sort of the whole stage at 1M: 0.08 ms -> 560 ms).
            if (rows <= measured * 4 && !(hasStatistics && await connection.ExecuteScalarAsync<long>(unmeasuredIndexesSql, new { table }) > 0)) continue;
            // The whole database, not just this table: get_deals' plan also depends on the small tables it joins
            // (stages, pipelines); with statistics for deals alone it stayed as slow.
            await connection.ExecuteAsync("ANALYZE", commandType: System.Data.CommandType.Text); // one word: Dapper would call it a procedure
            return;
        }
    }

    public async Task<IReadOnlyList<int>> AppliedVersionsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        if (!await db.Dialect.TableExistsAsync(connection, null, "schema_migrations")) return [];
        return (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
    }

    private const string CreateHistorySql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     INTEGER PRIMARY KEY,
            name        TEXT NOT NULL,
            applied_at  TEXT NOT NULL
        );
        """;

    /// <summary>The local owner profile every deal can be assigned to; named after the OS account. Setup, not
    /// anyone's change, so not journaled; the trigger refresh also runs when no migration did, which is how a table
    /// newly listed in JournaledTables gets its triggers on the next start.</summary>
    private Task EnsureDefaultUserAsync(CancellationToken cancellationToken) =>
        db.WriteAsync(async (connection, transaction) =>
        {
            const string existsSql = "SELECT COUNT(*) FROM users WHERE is_default = 1";
            if (await connection.ExecuteScalarAsync<long>(existsSql, transaction: transaction) > 0)
            {
                await JournalTriggers.InstallAsync(connection, transaction);
                return 0;
            }
            await JournalTriggers.DropAsync(connection, transaction);
            const string sql = """
                INSERT INTO users (id, first_name, last_name, email, email_key, is_default, created_at, updated_at)
                VALUES (@Id, @FirstName, '', NULL, NULL, 1, @Now, @Now)
                ON CONFLICT DO NOTHING
                """;
            var now = Common.Clock.NowIso();
            var name = string.IsNullOrWhiteSpace(Environment.UserName) ? "Local user" : Environment.UserName;
            var inserted = await connection.ExecuteAsync(sql, new { Id = Ids.New(), FirstName = name, Now = now }, transaction);
            await JournalTriggers.InstallAsync(connection, transaction);
            return inserted;
        }, cancellationToken);

    private static IReadOnlyList<Migration> Load(string prefix)
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var fileName = n[prefix.Length..^4];
                var version = int.Parse(fileName[..fileName.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return new Migration(version, fileName, reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    }
}
