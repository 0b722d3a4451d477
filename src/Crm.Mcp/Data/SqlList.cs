using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Crm.Mcp.Data;

/// <summary>
/// A list of values bound as one parameter, the same way on both backends: a JSON array in text that the SQL unpacks
/// with json_each (SQLite's own; PostgreSQL's from migration 0001, over jsonb_array_elements_text):
/// <c>WHERE d.id IN (SELECT value FROM json_each(@ids))</c>, or for an integer column
/// <c>IN (SELECT CAST(value AS BIGINT) FROM json_each(@seqs))</c> (PostgreSQL's value is text).
/// Not Dapper's <c>IN @ids</c>: that expands the list at run time (SqlMapper.PackListParameters), which reflects over
/// the value and so cannot be trimmed out of the native build, and makes each list length a new statement. Both
/// backends still look each value up in the column's index (NativeBuildTests keeps <c>IN @</c> out of the SQL).
/// </summary>
public static class SqlList
{
    public static string Json(IEnumerable<string> values) => Array(values, (writer, value) => writer.WriteStringValue(value));

    public static string Json(IEnumerable<long> values) => Array(values, (writer, value) => writer.WriteNumberValue(value));

    /// <summary>Rows bound as one parameter: a JSON array of objects, each written by <paramref name="write"/>; the SQL
    /// reads them FROM <see cref="Rows"/> as <c>value -&gt;&gt; 'field'</c>.</summary>
    public static string Objects<T>(IEnumerable<T> rows, Action<Utf8JsonWriter, T> write) =>
        Array(rows, (writer, row) =>
        {
            writer.WriteStartObject();
            write(writer, row);
            writer.WriteEndObject();
        });

    /// <summary>The FROM item that unpacks <see cref="Objects{T}"/> bound as @rows into rows of one column, value:
    /// SQLite's json_each, PostgreSQL's jsonb_array_elements (migration 0001's json_each gives text there, which
    /// -&gt;&gt; cannot read). In array order; each object carries its own position to ORDER BY.</summary>
    public static string Rows(System.Data.Common.DbConnection connection) =>
        SqlDialect.Of(connection).IsPostgres ? "jsonb_array_elements(CAST(@rows AS jsonb)) AS j(value)" : "json_each(@rows)";

    private static string Array<T>(IEnumerable<T> values, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values) write(writer, value);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
