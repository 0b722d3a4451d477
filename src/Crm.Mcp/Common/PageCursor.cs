using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Crm.Mcp.Common;

/// <summary>Opaque keyset cursors: the sort values of the last row of a page, so paging survives inserts.</summary>
public static class PageCursor
{
    private const string Form = "the next_cursor value from the previous page, unchanged";

    public static string Encode(params string[] keys) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(keys, CommonJsonContext.Default.StringArray)));

    public static string[]? Decode(string? cursor, int expectedParts)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var keys = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(cursor), CommonJsonContext.Default.StringArray);
            if (keys is not null && keys.Length == expectedParts) return keys;
        }
        catch (Exception e) when (e is FormatException or JsonException) { }
        throw CrmError.Invalid("cursor", "is not a cursor this list produced.", Form);
    }
}
