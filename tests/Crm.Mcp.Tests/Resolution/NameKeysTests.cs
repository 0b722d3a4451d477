using Crm.Mcp.Resolution;

namespace Crm.Mcp.Tests.Resolution;

public sealed class NameKeysTests
{
    [Theory]
    [InlineData("Acme, Inc.", "acme")]
    [InlineData("ACME inc", "acme")]
    [InlineData("  acme  ", "acme")]
    [InlineData("Acme Pty Ltd", "acme")]
    [InlineData("Globex GmbH & Co. KG", "globex")]
    [InlineData("The Boring Company", "boring")]
    [InlineData("Initech L.L.C.", "initech")]
    [InlineData("Société Générale S.A.", "societe generale")]
    [InlineData("Johnson & Johnson", "johnson and johnson")]
    [InlineData("Inc", "inc")]
    [InlineData("Acme Corp East", "acme corp east")]
    public void Company_keys_ignore_case_punctuation_accents_and_legal_suffixes(string name, string key) =>
        Assert.Equal(key, NameKeys.Company(name));

    [Theory]
    [InlineData("Jane  Founder", "jane founder")]
    [InlineData("JANE FOUNDER", "jane founder")]
    [InlineData("José O'Neil", "jose oneil")]
    public void Person_keys_fold_case_spacing_and_accents(string name, string key) =>
        Assert.Equal(key, NameKeys.Person(name));

    [Fact]
    public void Stage_keys_treat_separators_alike() =>
        Assert.Equal(NameKeys.Stage("Closed Won"), NameKeys.Stage("closed-won"));
}
