using System.Globalization;

namespace Crm.Mcp.Common;

/// <summary>All stored timestamps are ISO 8601 UTC with milliseconds, so they sort as text.</summary>
public static class Clock
{
    public static TimeProvider Time { get; set; } = TimeProvider.System;

    public static string NowIso() => Format(Time.GetUtcNow());

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
