using System.Data.Common;
using System.Globalization;

namespace Crm.Mcp.Data;

/// <summary>
/// Parameters whose number and names are known only at run time (a list filter's @lp0, @lp1, ..., the resolver's
/// trigram pieces), bound on a plain ADO.NET command and read with a plain reader. Dapper.AOT generates a call only
/// for a parameter type it sees at compile time; Dapper's DynamicParameters would bind through Dapper's reflection
/// paths instead, which the native build cannot keep. A name added twice keeps its last value, as there.
/// </summary>
public sealed class SqlArgs
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    public void Add(string name, object? value) => _values[name] = value;

    public async Task<List<T>> QueryAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> read)
    {
        await using var command = Command(connection, transaction, sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }

    public async Task<long> ScalarLongAsync(DbConnection connection, DbTransaction? transaction, string sql)
    {
        await using var command = Command(connection, transaction, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in _values)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    // Column readers for such rows: SQL NULL is null; numbers convert as Dapper converted them (SQLite gives long or
    // double, PostgreSQL's SUM of bigint gives numeric).
    public static object? Value(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetValue(i);
    public static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
    public static long? Long(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
    public static decimal? Decimal(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : Convert.ToDecimal(reader.GetValue(i), CultureInfo.InvariantCulture);
    public static double? Double(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
}
