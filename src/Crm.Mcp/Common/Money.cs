using System.Globalization;

namespace Crm.Mcp.Common;

/// <summary>An ISO 4217 currency as far as a CRM needs it: how many minor digits, how it is written.</summary>
public sealed record Currency(string Code, string Symbol, int Decimals, string MinorUnit, bool SymbolIsWord = false)
{
    private static readonly Dictionary<string, Currency> Known = new Currency[]
    {
        new("USD", "$", 2, "cents"), new("EUR", "€", 2, "cents"), new("GBP", "£", 2, "pence"),
        new("JPY", "¥", 0, "yen"), new("CNY", "CN¥", 2, "fen"), new("INR", "₹", 2, "paise"),
        new("CAD", "CA$", 2, "cents"), new("AUD", "A$", 2, "cents"), new("NZD", "NZ$", 2, "cents"),
        new("CHF", "CHF", 2, "rappen", true), new("SEK", "SEK", 2, "öre", true), new("NOK", "NOK", 2, "øre", true),
        new("DKK", "DKK", 2, "øre", true), new("PLN", "PLN", 2, "grosze", true), new("CZK", "CZK", 2, "haléře", true),
        new("BRL", "R$", 2, "centavos"), new("MXN", "MX$", 2, "centavos"), new("KRW", "₩", 0, "won"),
        new("SGD", "SGD", 2, "cents", true), new("HKD", "HK$", 2, "cents"), new("ZAR", "ZAR", 2, "cents", true),
        new("ILS", "₪", 2, "agorot"), new("TRY", "TRY", 2, "kuruş", true), new("AED", "AED", 2, "fils", true),
        new("SAR", "SAR", 2, "halalas", true), new("BHD", "BHD", 3, "fils", true), new("KWD", "KWD", 3, "fils", true),
        new("JOD", "JOD", 3, "fils", true), new("OMR", "OMR", 3, "baisa", true), new("TND", "TND", 3, "millimes", true),
        new("ISK", "ISK", 0, "krónur", true), new("HUF", "HUF", 2, "fillér", true), new("CLP", "CLP", 0, "pesos", true),
        new("VND", "₫", 0, "dong"), new("TWD", "NT$", 2, "cents"), new("THB", "฿", 2, "satang"),
        new("IDR", "IDR", 2, "sen", true), new("PHP", "₱", 2, "centavos"), new("UAH", "₴", 2, "kopiyok"),
        new("NGN", "₦", 2, "kobo"), new("RON", "RON", 2, "bani", true), new("COP", "COP", 2, "centavos", true),
        new("ARS", "ARS", 2, "centavos", true), new("EGP", "EGP", 2, "piastres", true), new("MYR", "RM", 2, "sen"),
    }.ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);

    public const string Form = "an ISO 4217 code such as USD, EUR, GBP or JPY";

    public static IReadOnlyCollection<string> Codes => Known.Keys;

    public static IEnumerable<Currency> All => Known.Values;

    public static Currency Parse(string field, string? code)
    {
        var text = code?.Trim() ?? "";
        if (Known.TryGetValue(text, out var currency)) return currency;
        throw CrmError.Invalid(field, $"'{Validate.Shorten(text)}' is not a supported currency.", $"{Form}; supported: {string.Join(", ", Known.Keys)}");
    }

    public static Currency FromStored(string code) => Known.TryGetValue(code, out var c) ? c : new(code, code, 2, "cents", true);
}

/// <summary>The display block of an amount: exact minor units as text plus a compact human label.</summary>
public sealed record AmountDisplay(string Currency, string Formatted, string Unit, double Value);

public static class Money
{
    public const string AmountForm = "a non-negative number in major units, e.g. 100000 or 2500.50";
    private static readonly decimal MaxMinor = 900_000_000_000_000_000m;

    /// <summary>Major units (as a client sends them) to exact integer minor units, refusing anything lossy.</summary>
    public static long ToMinor(string field, double amount, Currency currency)
    {
        if (double.IsNaN(amount) || double.IsInfinity(amount))
            throw CrmError.Invalid(field, "must be a finite number.", AmountForm);
        if (amount < 0)
            throw CrmError.Invalid(field, $"{amount.ToString(CultureInfo.InvariantCulture)} is negative.", AmountForm);
        // The shortest round-trip text is what the client wrote, so decimals are counted on it, not on the binary value.
        var text = amount.ToString("R", CultureInfo.InvariantCulture);
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var major) ||
            major * Pow10(currency.Decimals) > MaxMinor)
            throw CrmError.Invalid(field, $"{text} is too large.", $"{AmountForm}, below 9e{17 - currency.Decimals}");
        var minor = major * Pow10(currency.Decimals);
        if (minor != decimal.Truncate(minor))
            throw CrmError.Invalid(field, $"{text} has more decimals than {currency.Code} allows ({currency.Decimals}).",
                currency.Decimals == 0 ? $"a whole number of {currency.Code}, e.g. 150000" : $"at most {currency.Decimals} decimals, e.g. 2500.{new string('5', currency.Decimals)}");
        return (long)minor;
    }

    /// <summary>SQL for an amount in major units from its minor-unit and currency columns, so filters and sorts take
    /// the numbers a caller writes (50000 means $50,000 and ¥50,000 alike).</summary>
    public static string MajorUnitsSql(string minorSql, string currencySql)
    {
        static string Codes(int decimals) => string.Join(", ", Currency.All.Where(c => c.Decimals == decimals).Select(c => $"'{c.Code}'"));
        return $"(CASE WHEN {currencySql} IN ({Codes(0)}) THEN {minorSql} * 1.0 WHEN {currencySql} IN ({Codes(3)}) THEN {minorSql} / 1000.0 ELSE {minorSql} / 100.0 END)";
    }

    public static decimal ToMajor(long minor, Currency currency) => minor / Pow10(currency.Decimals);

    /// <summary>The least minor amount whose major value, as <see cref="MajorUnitsSql"/> computes it in this currency
    /// (a double division), is at least <paramref name="major"/> (above it when <paramref name="strict"/>). The major
    /// value grows with the minor amount, so `major >= v` is exactly `minor >= this`, a range an index can seek.</summary>
    public static long LeastMinorReaching(double major, Currency currency, bool strict)
    {
        // The divisor MajorUnitsSql uses: * 1.0 for no decimals, / 1000.0 for three, / 100.0 otherwise.
        var divisor = currency.Decimals switch { 0 => 1.0, 3 => 1000.0, _ => 100.0 };
        var target = major * divisor;
        // Stored amounts stay below 9e17 (MaxMinor): beyond long's range every or no amount qualifies.
        if (target >= 9e18) return long.MaxValue;
        if (target <= -9e18) return long.MinValue;
        bool Reaches(long minor) => strict ? minor / divisor > major : minor / divisor >= major;
        var least = (long)Math.Ceiling(target);
        while (Reaches(least - 1)) least--;
        while (!Reaches(least)) least++;
        return least;
    }

    /// <summary>Stored minor units as one exact text for a model, e.g. "100000.00 USD"; null when unknown.</summary>
    public static string? Exact(string? minor, string currencyCode)
    {
        if (minor is null || !long.TryParse(minor, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return null;
        var currency = Currency.FromStored(currencyCode);
        return ToMajor(value, currency).ToString("F" + currency.Decimals, CultureInfo.InvariantCulture) + " " + currency.Code;
    }

    public static AmountDisplay Display(long minor, Currency currency)
    {
        var major = ToMajor(minor, currency);
        return new AmountDisplay(currency.Code, Format(major, currency), currency.MinorUnit, (double)major);
    }

    /// <summary>Compact form: "$950.00", "$100.00K", "$1.50M", "¥950", "CHF 2.00B". Rounds half away from zero
    /// and carries into the next suffix, so 999,999.99 is "$1.00M", never "$1000.00K".</summary>
    public static string Format(decimal major, Currency currency)
    {
        string[] suffixes = ["", "K", "M", "B", "T", "Q"];
        var index = 0;
        var scaled = major;
        while (index < suffixes.Length - 1 && Math.Abs(scaled) >= 1000m)
        {
            scaled /= 1000m;
            index++;
        }
        var decimals = index == 0 ? currency.Decimals : 2;
        var rounded = Math.Round(scaled, decimals, MidpointRounding.AwayFromZero);
        if (index < suffixes.Length - 1 && Math.Abs(rounded) >= 1000m)
        {
            index++;
            decimals = 2;
            rounded = Math.Round(scaled / 1000m, decimals, MidpointRounding.AwayFromZero);
        }
        var number = rounded.ToString("F" + decimals, CultureInfo.InvariantCulture) + suffixes[index];
        return currency.SymbolIsWord ? $"{currency.Symbol} {number}" : currency.Symbol + number;
    }

    /// <summary>The display block of a minor-unit sum that may not fit a long (totals of many deals or line items).</summary>
    public static AmountDisplay Display(decimal minor, Currency currency)
    {
        var major = minor / Pow10(currency.Decimals);
        return new AmountDisplay(currency.Code, Format(major, currency), currency.MinorUnit, (double)major);
    }

    /// <summary>Minor units (a sum, or a fraction of one such as a weighted amount) as exact major-unit text with the
    /// currency's decimals, rounded half away from zero: 125050 USD is "1250.50".</summary>
    public static string MajorText(decimal minor, Currency currency) =>
        Math.Round(minor / Pow10(currency.Decimals), currency.Decimals, MidpointRounding.AwayFromZero)
            .ToString("F" + currency.Decimals, CultureInfo.InvariantCulture);

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++) result *= 10m;
        return result;
    }
}
