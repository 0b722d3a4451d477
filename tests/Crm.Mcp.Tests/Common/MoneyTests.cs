using Crm.Mcp.Common;

namespace Crm.Mcp.Tests.Common;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("USD", 0, "$0.00")]
    [InlineData("USD", 950, "$950.00")]
    [InlineData("USD", 999.99, "$999.99")]
    [InlineData("USD", 999.995, "$1.00K")]
    [InlineData("USD", 1000, "$1.00K")]
    [InlineData("USD", 100000, "$100.00K")]
    [InlineData("USD", 999999.99, "$1.00M")]
    [InlineData("USD", 1500000, "$1.50M")]
    [InlineData("USD", 2000000000, "$2.00B")]
    [InlineData("USD", 3000000000000, "$3.00T")]
    [InlineData("EUR", 12345.67, "€12.35K")]
    [InlineData("GBP", 250, "£250.00")]
    [InlineData("JPY", 950, "¥950")]
    [InlineData("JPY", 1500000, "¥1.50M")]
    [InlineData("CHF", 2000000000, "CHF 2.00B")]
    [InlineData("KWD", 1.234, "KWD 1.234")]
    public void Formats_compactly_with_exact_rounding(string code, decimal major, string expected) =>
        Assert.Equal(expected, Money.Format(major, Currency.Parse("currency", code)));

    [Theory]
    [InlineData("USD", 100000, 10000000)]
    [InlineData("USD", 0.1, 10)]
    [InlineData("USD", 2500.5, 250050)]
    [InlineData("USD", 19.99, 1999)]
    [InlineData("JPY", 1500000, 1500000)]
    [InlineData("KWD", 1.234, 1234)]
    [InlineData("USD", 12345678901.23, 1234567890123)]
    public void Converts_major_units_to_exact_minor_units(string code, double major, long minor) =>
        Assert.Equal(minor, Money.ToMinor("amount", major, Currency.Parse("currency", code)));

    [Theory]
    [InlineData("USD", 0.001)]
    [InlineData("JPY", 0.5)]
    [InlineData("USD", -0.01)]
    [InlineData("USD", double.NaN)]
    [InlineData("USD", double.PositiveInfinity)]
    [InlineData("USD", 1e19)]
    public void Refuses_lossy_or_invalid_amounts(string code, double major)
    {
        var error = Assert.Throws<CrmError>(() => Money.ToMinor("amount", major, Currency.Parse("currency", code)));
        Assert.Equal("amount", error.Field);
    }

    [Fact]
    public void Display_carries_the_minor_unit_and_major_value()
    {
        var display = Money.Display(10000000, Currency.Parse("currency", "usd"));
        Assert.Equal(new AmountDisplay("USD", "$100.00K", "cents", 100000.0), display);
    }
}
