using Crm.Mcp.Common;
using Crm.Mcp.Features.Deals;

namespace Crm.Mcp.Tests.Features.Deals;

public sealed class IdentifierTemplateTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 9, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, 1, "DEAL-001", "DEAL-{seq}")]
    [InlineData("DEAL-{seq}", 1234, "DEAL-1234", "DEAL-{seq}")]
    [InlineData("Q-{yyyy}-{seq:4}", 7, "Q-2026-0007", "Q-2026-{seq}")]
    [InlineData("{yy}{mm}{dd}-{seq:1}", 5, "260309-5", "260309-{seq}")]
    public void Renders_tokens_and_names_its_counter(string? template, long seq, string expected, string counter)
    {
        var parsed = IdentifierTemplate.Parse(template, Now);
        Assert.Equal(expected, parsed.Render(seq));
        Assert.Equal(counter, parsed.CounterName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("DEAL")]
    [InlineData("{seq}-{seq}")]
    [InlineData("D-{seq}-{quarter}")]
    [InlineData("D-{seq}}")]
    public void Rejects_templates_without_exactly_one_seq_or_with_unknown_tokens(string template) =>
        Assert.Equal("identifier_template", Assert.Throws<CrmError>(() => IdentifierTemplate.Parse(template, Now)).Field);
}
