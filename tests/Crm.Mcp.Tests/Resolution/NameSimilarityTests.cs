using Crm.Mcp.Resolution;

namespace Crm.Mcp.Tests.Resolution;

public sealed class NameSimilarityTests
{
    [Theory]
    [InlineData("Acme Corporation", "ACME Corp.")]
    [InlineData("Acme Inc", "Acme Incorporated")]
    [InlineData("Acme, Inc.", "The Acme Company")]
    public void Legal_forms_make_the_same_key_so_the_score_is_one(string a, string b) =>
        Assert.Equal(1.0, NameSimilarity.Score(NameKeys.Company(a), NameKeys.Company(b)).Score);

    [Theory]
    [InlineData("globex", "globx", "one letter apart")]
    [InlineData("jane founder", "jane foudner", "one letter apart")]
    [InlineData("proposal", "proposals", "one letter apart")]
    [InlineData("stark industries", "stark industreis", "one letter apart")]
    [InlineData("smith john", "john smith", "same words in another order")]
    [InlineData("face book", "facebook", "same letters")]
    public void Typos_spacing_and_word_order_are_close(string a, string b, string why)
    {
        var (score, reason) = NameSimilarity.Score(a, b);
        Assert.True(score >= NameSimilarity.Close, $"{a} ~ {b}: {score}");
        Assert.Contains(why, reason);
    }

    [Theory]
    [InlineData("acme", "acme robotics")]
    [InlineData("acme", "acne")]
    public void Related_but_not_close_names_are_listed_without_blocking_creation(string a, string b)
    {
        var score = NameSimilarity.Score(a, b).Score;
        Assert.InRange(score, NameSimilarity.Listed, NameSimilarity.Close - 0.001);
    }

    [Theory]
    [InlineData("acme", "globex")]
    [InlineData("initech", "umbrella")]
    [InlineData("jane founder", "omar haddad")]
    [InlineData("vendor 1", "vendor 2")]
    [InlineData("vendor 0", "vendor 1")]
    [InlineData("building 7", "building 17")]
    public void Unrelated_names_are_not_candidates(string a, string b) =>
        Assert.True(NameSimilarity.Score(a, b).Score < NameSimilarity.Listed);

    [Fact]
    public void Jaro_winkler_matches_the_textbook_values()
    {
        Assert.Equal(0.961, Math.Round(NameSimilarity.JaroWinkler("martha", "marhta"), 3));
        Assert.Equal(0.840, Math.Round(NameSimilarity.JaroWinkler("dwayne", "duane"), 3));
    }

    [Fact]
    public void IsClose_answers_exactly_as_the_score_does()
    {
        // Names with shared words, typos, swaps, respacing, numbers and accents-free non-ASCII: IsClose's shortcut
        // (a bound on the Jaro matches and the edit distance from the letters two keys share) must never differ.
        string[] words = ["acme", "acne", "globex", "globx", "robotics", "robotic", "initech", "company", "vipesa", "lovika",
            "fisava", "lovive", "pevoli", "vuduzo", "povicu", "koluve", "jane", "founder", "foudner", "1004", "53", "007", "7", "ab", "ba", "łódź"];
        var random = new Random(15);
        var keys = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var key = string.Join(' ', Enumerable.Range(0, random.Next(1, 5)).Select(_ => words[random.Next(words.Length)]));
            keys.Add(key);
            var chars = key.ToCharArray();
            var at = random.Next(chars.Length);
            if (chars[at] != ' ') chars[at] = (char)('a' + random.Next(26)); // a typo
            keys.Add(new string(chars));
            keys.Add(key.Replace(" ", "")); // run together
        }
        var pairs = 0;
        for (var i = 0; i + 1 < keys.Count; i++)
            foreach (var other in new[] { keys[i + 1], keys[random.Next(keys.Count)] })
            {
                Assert.True(NameSimilarity.IsClose(keys[i], other) == NameSimilarity.Score(keys[i], other).Score >= NameSimilarity.Close, $"{keys[i]} ~ {other}");
                Assert.True(NameSimilarity.IsAtLeast(keys[i], other, NameSimilarity.Listed) == NameSimilarity.Score(keys[i], other).Score >= NameSimilarity.Listed,
                    $"{keys[i]} ~ {other} (listed)");
                pairs++;
            }
        Assert.True(pairs > 10_000);
        Assert.True(NameSimilarity.IsClose("fisava lovive company 100453", "vipesa lovika company 100453"));
        Assert.False(NameSimilarity.IsClose("initech 2", "initech 3"));
        Assert.True(NameSimilarity.IsAtLeast("acme", "acme robotics", NameSimilarity.Listed));
        Assert.True(NameSimilarity.IsAtLeast("acne", "acme", NameSimilarity.Listed));
        Assert.True(NameSimilarity.IsAtLeast("acme acme", "acme robotics inc", NameSimilarity.Listed));
    }

    [Fact]
    public void One_probe_answers_for_every_key_it_is_compared_with()
    {
        // A lookup makes one probe of its key and asks it about every candidate row: what it keeps from one key must
        // not leak into the next comparison (repeated words, digits, non-ASCII on either side).
        string[] keys = ["acme", "acme acme", "acme robotics", "acne", "globex 7", "globex 17", "łódź", "lodz", "a", "ab ba", "ba ab",
            "jane founder", "jane foudner", "founder jane", "janefounder", "vipesa lovika company 100453", "fisava lovive company 100453", ""];
        foreach (var key in keys.Where(k => k.Length > 0))
        {
            var probe = new NameSimilarity.Probe(key);
            foreach (var other in keys.Concat(keys.Reverse()))
            {
                var score = NameSimilarity.Score(key, other).Score;
                Assert.True(probe.IsAtLeast(other, NameSimilarity.Listed) == score >= NameSimilarity.Listed, $"{key} ~ {other} (listed)");
                Assert.True(probe.IsAtLeast(other, NameSimilarity.Close) == score >= NameSimilarity.Close, $"{key} ~ {other} (close)");
            }
        }
    }
}

public sealed class DomainsTests
{
    [Theory]
    [InlineData("Jane@ACME.com", "acme.com")]
    [InlineData("jane@gmail.com", null)]
    [InlineData("jane@Outlook.com", null)]
    [InlineData("not-an-email", null)]
    public void Email_domains_ignore_free_mail(string email, string? domain) => Assert.Equal(domain, Domains.FromEmail(email));

    [Theory]
    [InlineData("https://www.Acme.com/about", "acme.com")]
    [InlineData("acme.com", "acme.com")]
    [InlineData("http://initech.co.uk", "initech.co.uk")]
    [InlineData("   ", null)]
    public void Website_domains_are_the_host_without_www(string website, string? domain) => Assert.Equal(domain, Domains.FromWebsite(website));
}
