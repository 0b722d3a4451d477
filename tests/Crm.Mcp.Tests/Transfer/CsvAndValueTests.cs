using Crm.Mcp.Common;
using Crm.Mcp.Transfer;

namespace Crm.Mcp.Tests.Transfer;

public sealed class CsvAndValueTests
{
    [Fact]
    public void Quoted_cells_keep_delimiters_doubled_quotes_and_line_breaks()
    {
        var table = CsvFile.Parse("\uFEFFName,Note\r\n\"Acme, Inc.\",\"said \"\"hi\"\"\r\nthen left\"\r\nGlobex,plain\r\n");
        Assert.Equal(["Name", "Note"], table.Headers);
        Assert.Equal(["Acme, Inc.", "said \"hi\"\r\nthen left"], table.Rows[0].Cells);
        Assert.Equal((2, 4), (table.Rows[1].Row, table.Rows[1].Line));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"https://evil.example\",\"x\")", "'=HYPERLINK(\"https://evil.example\",\"x\")")]
    [InlineData("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [InlineData("@SUM(1+1)", "'@SUM(1+1)")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("\tlead", "'\tlead")]
    [InlineData("\rlead", "'\rlead")]
    [InlineData("+1 555 0100", "'+1 555 0100")]
    [InlineData("'=already", "''=already")]
    [InlineData("-5", "-5")]
    [InlineData("-1250.50", "-1250.50")]
    [InlineData("-", "'-")]
    [InlineData("'quoted", "'quoted")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    public void Formula_cells_are_neutralised_and_restored_exactly(string value, string written)
    {
        Assert.Equal(written, CsvFile.Neutralise(value));
        Assert.Equal(value, CsvFile.Restore(written));
        Assert.Equal(value, CsvFile.Parse("h,x\n" + CsvFile.Line([value, "x"]) + "\n").Rows[0].Cells[0]);
    }

    [Theory]
    [InlineData("a;b;c\n1;2,5;3\n", ';')]
    [InlineData("a,b,c\n1,\"2;5\",3\n", ',')]
    [InlineData("a\tb\n1\t2\n", '\t')]
    [InlineData("\"x;y\",b,c\n", ',')]
    public void The_delimiter_is_sniffed_from_the_header_line(string text, char delimiter) =>
        Assert.Equal(delimiter, CsvFile.Parse(text).Delimiter);

    [Theory]
    [InlineData("25000", false, "25000", null)]
    [InlineData("117.0", false, "117.0", null)]
    [InlineData("1,234.56", false, "1234.56", null)]
    [InlineData("1.234,56", true, "1234.56", null)]
    [InlineData("1 234,56", true, "1234.56", null)]
    [InlineData("120 000", true, "120000", null)]
    [InlineData("120,000", false, "120000", null)]
    [InlineData("2,5", true, "2.5", null)]
    [InlineData("£1,250.50", false, "1250.50", "GBP")]
    [InlineData("€ 99,90", true, "99.90", "EUR")]
    [InlineData("1,250.50 CHF", false, "1250.50", "CHF")]
    [InlineData(" 42", false, "42", null)]
    public void Localized_amounts_read_as_exact_decimals(string text, bool commaDecimal, string expected, string? currency)
    {
        var (value, hint) = ImportValues.Amount("Deal - Value", text, commaDecimal)!.Value;
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(currency, hint);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("12 apples")]
    [InlineData("-5")]
    public void A_value_that_is_no_amount_names_the_column(string text)
    {
        var error = Assert.Throws<CrmError>(() => ImportValues.Amount("Deal - Value", text, false));
        Assert.Equal("Deal - Value", error.Field);
    }

    [Theory]
    [InlineData("2026-12-31", "2026-12-31", "2026-12-31T00:00:00.000Z")]
    [InlineData("2026-01-30 15:55:37", "2026-01-30", "2026-01-30T15:55:37.000Z")]
    [InlineData("2026-01-30 15:55", "2026-01-30", "2026-01-30T15:55:00.000Z")]
    [InlineData("4/8/2025 17:19", "2025-04-08", "2025-04-08T17:19:00.000Z")]
    [InlineData("45631", "2024-12-05", "2024-12-05T00:00:00.000Z")]
    [InlineData("2026-01-30T15:55:37+02:00", "2026-01-30", "2026-01-30T13:55:37.000Z")]
    public void Export_dates_read_as_iso(string text, string date, string instant)
    {
        Assert.Equal(date, ImportValues.Date("d", text));
        Assert.Equal(instant, ImportValues.Instant("d", text));
    }
}
