using System.Globalization;

namespace Crm.Mcp.Bench;

/// <summary>
/// What row <c>i</c> of a populated database holds, as pure functions of <c>i</c> (no RNG state), so Populate can call
/// them from SQL set-based and the workloads and Verify can name any row without reading the database.
/// The data is meant to look like a CRM's: company names from word lists in four shapes ("Apex Logistics",
/// "Harper Robotics GmbH", "Ellis &amp; Moreno", "Northern Quinn Foods Inc") with a spread of legal forms, people
/// whose first and last names repeat as real ones do (≈ 30k distinct full names however many rows), deals spread
/// over the stages like a funnel, amounts spread log-uniformly from $300 to $300k, a tenth drafts, three currencies.
/// Company name keys are unique by construction (each row gets its own index into one of the shapes), so the unique
/// index on companies.name_key holds at every size up to <see cref="MaxRows"/>.
/// </summary>
public static class BenchData
{
    private static readonly string[] Adjectives =
    [
        "Apex", "Northern", "Summit", "Silver", "Pioneer", "Bright", "Crest", "Delta", "Evergreen", "Falcon", "Granite",
        "Harbor", "Horizon", "Iron", "Juniper", "Keystone", "Lakeside", "Liberty", "Maple", "Meridian", "Midland",
        "Nova", "Oak", "Orbit", "Pacific", "Pinnacle", "Prairie", "Quantum", "Radiant", "Redwood", "Riverside", "Sierra",
        "Solid", "Southern", "Spark", "Sterling", "Stone", "Sunrise", "Swift", "Terra", "Tidal", "Titan", "Trinity",
        "Union", "Vantage", "Vertex", "Vista", "Western", "Zenith", "Alpine", "Atlas", "Beacon", "Blue", "Cardinal",
        "Cedar", "Clear", "Cobalt", "Coastal", "Compass", "Copper", "Crystal", "Eastern", "Echo", "Ember", "Emerald",
        "First", "Frontier", "Golden", "Green", "Highland", "Indigo", "Ivory", "Jade", "Lunar", "Metro", "Nimbus",
        "Noble", "Northstar", "Ocean", "Onyx", "Orchid", "Peak", "Polar", "Prime", "Rapid", "Royal", "Sage", "Scarlet",
        "Silverline", "Solar", "Sonic", "Spruce", "Stellar", "True", "Urban", "Valley", "Velvet", "Willow", "Bold", "Open",
    ];

    private static readonly string[] Nouns =
    [
        "Analytics", "Logistics", "Systems", "Foods", "Labs", "Partners", "Robotics", "Media", "Health", "Energy",
        "Capital", "Studios", "Software", "Networks", "Consulting", "Dynamics", "Industries", "Solutions", "Ventures",
        "Works", "Bakery", "Brewing", "Clinic", "Construction", "Design", "Devices", "Digital", "Electric", "Engineering",
        "Farms", "Finance", "Fitness", "Freight", "Furniture", "Games", "Insurance", "Interiors", "Learning", "Legal",
        "Machines", "Marine", "Materials", "Medical", "Metals", "Mining", "Motors", "Optics", "Outdoors", "Packaging",
        "Pharma", "Plastics", "Power", "Printing", "Properties", "Realty", "Records", "Recycling", "Research", "Retail",
        "Security", "Semiconductors", "Shipping", "Signals", "Sports", "Supply", "Telecom", "Textiles", "Therapeutics",
        "Tools", "Trading", "Travel", "Trust", "Vision", "Wellness", "Wines", "Aerospace", "Apparel", "Audio", "Biotech",
        "Chemicals", "Cloud", "Coffee", "Data", "Dental", "Education", "Events", "Fabrication", "Gardens", "Glass",
        "Hospitality", "Imaging", "Instruments", "Kitchens", "Lighting", "Mobility", "Nutrition", "Paper", "Pets", "Solar",
        "Yachts",
    ];

    private static readonly string[] LastNames =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez",
        "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
        "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
        "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Adams", "Nelson", "Baker", "Hall", "Rivera",
        "Campbell", "Mitchell", "Carter", "Roberts", "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
        "Wagner", "Becker", "Schulz", "Hoffmann", "Dubois", "Laurent", "Lefebvre", "Moreau", "Fournier", "Rossi", "Russo",
        "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Silva", "Santos", "Oliveira",
        "Pereira", "Costa", "Almeida", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kim",
        "Park", "Choi", "Chen", "Wang", "Zhang", "Liu", "Yang", "Huang", "Singh", "Kumar", "Patel", "Sharma", "Gupta",
        "Khan", "Ali", "Ahmed", "Hassan", "Novak", "Kowalski", "Nowak", "Wisniewski", "Horvat", "Jensen", "Nielsen",
        "Hansen", "Larsen", "Andersen", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Virtanen", "Korhonen", "Murphy",
        "Kelly", "Sullivan", "Walsh", "Byrne", "Ryan", "O'Brien", "McCarthy", "Doyle", "Quinn", "Harper", "Ellis",
        "Moreno", "Ortiz", "Gutierrez", "Chavez", "Ramos", "Ruiz", "Alvarez", "Castillo", "Vargas", "Morales", "Reyes",
        "Fernandez", "Jimenez", "Diaz", "Cruz", "Mendoza", "Bauer", "Vogel", "Keller", "Brandt", "Sato", "Kato",
    ];

    private static readonly string[] FirstNames =
    [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
        "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa",
        "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven",
        "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda",
        "Brian", "Dorothy", "George", "Melissa", "Timothy", "Deborah", "Lukas", "Anna", "Leon", "Lena", "Felix", "Marie",
        "Jonas", "Sophie", "Pauline", "Emma", "Louis", "Chloe", "Hugo", "Camille", "Jules", "Manon", "Luca", "Giulia",
        "Marco", "Chiara", "Matteo", "Sofia", "Lorenzo", "Francesca", "Joao", "Ana", "Pedro", "Beatriz", "Tiago", "Ines",
        "Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Mei", "Wei", "Li", "Jun", "Min", "Ji-woo", "Seo-yeon", "Arjun",
        "Priya", "Rahul", "Ananya", "Vikram", "Aisha", "Omar", "Fatima", "Yusuf", "Layla", "Jakub", "Zuzana", "Piotr",
        "Katarzyna", "Lars", "Ingrid", "Erik", "Astrid", "Mikko", "Aino", "Sean", "Siobhan", "Liam", "Aoife", "Conor",
        "Niamh", "Carlos", "Lucia", "Diego", "Valentina", "Mateo", "Camila", "Santiago", "Isabella", "Alejandro", "Elena",
        "Noah", "Olivia", "Ethan", "Ava", "Mason", "Mia", "Logan", "Harper", "Lucas", "Evelyn", "Aiden", "Abigail",
        "Jackson", "Ella", "Owen", "Scarlett", "Caleb", "Grace", "Nathan", "Hannah", "Ryan", "Zoe", "Isaac", "Nora", "Clara",
    ];

    /// <summary>Legal forms by how often they end a name ("" = none); NameKeys drops all but "Group".</summary>
    private static readonly string[] Forms = ["", "", "", "", " Inc", " Inc.", " Ltd", " LLC", " GmbH", " Corp", " Group", " AG", " S.A.", " Pty Ltd", " B.V.", " plc"];

    private static readonly string[] Domains = [".com", ".com", ".com", ".io", ".co.uk", ".de", ".fr", ".net"];

    private static readonly (string Product, int Weight)[] Products =
        [("renewal", 5), ("expansion", 3), ("platform license", 3), ("pilot", 2), ("support contract", 2), ("onboarding", 1), ("upgrade", 2), ("services", 1)];

    /// <summary>The default pipeline's six stages (ids ...101 to ...106) weighted as a funnel: most deals early, a few won and lost.</summary>
    private static readonly int[] StageWeights = [30, 22, 18, 12, 10, 8];

    private const int A = 100, N = 100, L = 150; // word list sizes the shapes below count on (checked in the static constructor)
    private const int AnCount = A * N, LnCount = L * N, LlCount = L * L, AlnCount = A * L * N;
    public const int MaxRows = 1_500_000;

    static BenchData()
    {
        if (Adjectives.Length < A || Nouns.Length < N || LastNames.Length < L)
            throw new InvalidOperationException("bench word lists are shorter than the shapes count on");
    }

    /// <summary>A 64-bit mix of (i, salt): the seeded "random" draw for one attribute of row i.</summary>
    private static ulong Draw(long i, ulong salt)
    {
        var z = (ulong)i * 0x9E3779B97F4A7C15UL + salt * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double Uniform(long i, ulong salt) => (Draw(i, salt) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Row i's company name without its legal form; unique per i below <see cref="MaxRows"/>. Rows go round
    /// the four shapes; a shape whose combinations run out hands its rows to a spare range of the three-word shape.</summary>
    public static string CompanyCore(long i)
    {
        var shape = i % 4;
        var sub = i / 4;
        var capacity = shape switch { 0 => AnCount, 1 => LnCount, 2 => LlCount, _ => AlnCount };
        if (shape == 3 || sub < capacity)
        {
            // An affine permutation inside the shape scatters neighbouring rows over different words.
            var k = Scatter(sub, capacity);
            return shape switch
            {
                0 => $"{Adjectives[k / N]} {Nouns[k % N]}",
                1 => $"{LastNames[k / N]} {Nouns[k % N]}",
                2 => $"{LastNames[k / L]} & {LastNames[k % L]}",
                _ => Aln(k),
            };
        }
        // Overflow: disjoint ranges of the three-word shape after what its own rows use (MaxRows / 4).
        long offset = MaxRows / 4;
        if (shape >= 1) offset += MaxRows / 4 - AnCount;
        if (shape >= 2) offset += MaxRows / 4 - LnCount;
        return Aln(Scatter(offset + sub - capacity, AlnCount));
    }

    private static string Aln(long k) => $"{Adjectives[k / (L * N)]} {LastNames[k / N % L]} {Nouns[k % N]}";

    private static int Scatter(long index, long size) => (int)((index * 7_919L + 104_729L) % size); // 7919 is prime and divides no size

    public static string CompanyName(long i) => CompanyCore(i) + Forms[Draw(i, 1) % (ulong)Forms.Length];

    public static string Domain(long i) =>
        CompanyCore(i).ToLowerInvariant().Replace(" & ", "-and-").Replace(' ', '-').Replace("'", "") + Domains[Draw(i, 2) % (ulong)Domains.Length];

    public static string FirstName(long i) => FirstNames[Draw(i, 3) % (ulong)FirstNames.Length];

    public static string LastName(long i) => LastNames[Draw(i, 4) % (ulong)LastNames.Length];

    public static string FullName(long i) => $"{FirstName(i)} {LastName(i)}";

    /// <summary>first.last@ the company's domain: unique because each company has one populated person.</summary>
    public static string Email(long i) =>
        $"{FirstName(i).ToLowerInvariant()}.{LastName(i).ToLowerInvariant().Replace("'", "")}@{Domain(i)}";

    public static string DealName(long i)
    {
        var total = Products.Sum(p => p.Weight);
        var pick = (int)(Draw(i, 5) % (ulong)total);
        foreach (var (product, weight) in Products)
        {
            if (pick < weight) return $"{CompanyCore(i)} {product}";
            pick -= weight;
        }
        throw new InvalidOperationException();
    }

    /// <summary>1-based position of row i's stage in the default pipeline (1 Qualified … 6 Closed Lost).</summary>
    public static int Stage(long i)
    {
        var pick = (int)(Draw(i, 6) % 100);
        for (var s = 0; s < StageWeights.Length; s++)
        {
            if (pick < StageWeights[s]) return s + 1;
            pick -= StageWeights[s];
        }
        return StageWeights.Length;
    }

    /// <summary>Minor units (cents), log-uniform from $300 to $300,000, rounded to $50.</summary>
    public static long AmountMinor(long i) => (long)Math.Round(Math.Pow(10, 2.5 + 3 * Uniform(i, 7)) / 50) * 50 * 100;

    public static string Currency(long i) => (Draw(i, 8) % 20) switch { < 17 => "USD", < 19 => "EUR", _ => "GBP" };

    public static bool IsDraft(long i) => Draw(i, 9) % 10 == 0;

    private static DateTime Created(long i) =>
        new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds((long)(Uniform(i, 10) * 2 * 365 * 86400));

    /// <summary>Spread over two years from 2024-01-01, in no relation to i.</summary>
    public static string CreatedAt(long i) => Created(i).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Four deals in five have an expected close date, 2 weeks to 6 months after creation (reports group by
    /// its month, so leaving it empty would make every such report one group).</summary>
    public static string? ExpectedCloseDate(long i) => Draw(i, 11) % 5 == 0 ? null
        : Created(i).AddDays(14 + (long)(Uniform(i, 12) * 166)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>When a won or lost deal closed: a week to nine months after creation, log-uniform (most close fast).</summary>
    public static string ClosedAt(long i) =>
        Created(i).AddSeconds((long)(Math.Pow(10, Math.Log10(7) + (Math.Log10(270) - Math.Log10(7)) * Uniform(i, 13)) * 86400))
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
