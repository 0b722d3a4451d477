using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
#if CRM_POSTGRES
using Npgsql;
#endif

namespace Crm.Mcp.Data;

/// <summary>
/// The explicit seam between the two backends. SQL is shared wherever SQLite and PostgreSQL agree (the PostgreSQL
/// migrations also define a few SQLite-named helpers, e.g. json_group_array, and a NOCASE collation, so most queries
/// need no second form); what differs lives here or as a second const string beside its Dapper call, chosen by
/// <see cref="Of"/>. Full-text search, catalog queries, and error classification differ (list parameters do not: see SqlList)
/// (case-insensitive matching is written lower(x) LIKE lower(y), which both agree on).
/// </summary>
public abstract class SqlDialect
{
    public static readonly SqlDialect Sqlite = new SqliteDialect();
#if CRM_POSTGRES
    public static readonly SqlDialect Postgres = new PostgresDialect();

    public static SqlDialect Of(DbConnection connection) => connection is NpgsqlConnection ? Postgres : Sqlite;
#else
    // The stdio binary opens SQLite only (CRM_POSTGRES, Crm.Mcp.csproj): a PostgreSQL --db runs the full build.
    public static SqlDialect Of(DbConnection connection) => Sqlite;
#endif

    public abstract bool IsPostgres { get; }

    public sealed record Column(string Name, long Pk);

    public abstract Task<bool> TableExistsAsync(DbConnection connection, DbTransaction? transaction, string table);

    /// <summary>A table's columns in declaration order; Pk is the column's 1-based position in the primary key, else 0.</summary>
    public abstract Task<IReadOnlyList<Column>> ColumnsAsync(DbConnection connection, DbTransaction? transaction, string table);

    /// <summary>A unique, primary-key, check or foreign-key rule refused the statement.</summary>
    public abstract bool IsConstraintViolation(Exception e);

    public abstract bool IsUniqueViolation(Exception e);

    /// <summary>Another writer held the database (or a serialization conflict): the whole transaction may be retried.</summary>
    public abstract bool IsTransient(Exception e);

    private sealed class SqliteDialect : SqlDialect
    {
        public override bool IsPostgres => false;

        public override async Task<bool> TableExistsAsync(DbConnection connection, DbTransaction? transaction, string table) =>
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @table",
                new { table }, transaction) > 0;

        public override async Task<IReadOnlyList<Column>> ColumnsAsync(DbConnection connection, DbTransaction? transaction, string table) =>
            (await connection.QueryAsync<Column>("SELECT name, pk FROM pragma_table_info(@table) ORDER BY cid", new { table }, transaction)).ToList();

        public override bool IsConstraintViolation(Exception e) => e is SqliteException { SqliteErrorCode: 19 };
        public override bool IsUniqueViolation(Exception e) => e is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };
        public override bool IsTransient(Exception e) =>
            e is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED };
    }

#if CRM_POSTGRES
    private sealed class PostgresDialect : SqlDialect
    {
        public override bool IsPostgres => true;

        public override async Task<bool> TableExistsAsync(DbConnection connection, DbTransaction? transaction, string table) =>
            await connection.ExecuteScalarAsync<long>("""
                SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @table
                """, new { table }, transaction) > 0;

        public override async Task<IReadOnlyList<Column>> ColumnsAsync(DbConnection connection, DbTransaction? transaction, string table)
        {
            const string sql = """
                SELECT c.column_name AS Name, COALESCE(k.ordinal_position, 0)::bigint AS Pk
                FROM information_schema.columns c
                LEFT JOIN information_schema.table_constraints t
                  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.constraint_type = 'PRIMARY KEY'
                LEFT JOIN information_schema.key_column_usage k
                  ON k.constraint_name = t.constraint_name AND k.table_schema = c.table_schema AND k.column_name = c.column_name
                WHERE c.table_schema = current_schema() AND c.table_name = @table
                ORDER BY c.ordinal_position
                """;
            return (await connection.QueryAsync<Column>(sql, new { table }, transaction)).ToList();
        }

        public override bool IsConstraintViolation(Exception e) => e is PostgresException { SqlState: ['2', '3', ..] };
        public override bool IsUniqueViolation(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
        // A deal identifier another writer inserted meanwhile is transient too: writers running in parallel take numbers
        // outside their transactions (DealSql.NextCounterAsync), and two templates can render one text ("D-{seq:1}" and
        // "D-{seq:2}" both give D-10); run again, the write takes the next number. So is a lock wait that timed out
        // (lock_timeout, which the deal counter's detached statement sets to break a wait cycle PostgreSQL cannot detect:
        // DealSql.NextCounterAsync).
        public override bool IsTransient(Exception e) =>
            e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable }
                or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "ux_deals_identifier" };
    }
#endif
}
