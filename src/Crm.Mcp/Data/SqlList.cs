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
