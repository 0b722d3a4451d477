using System.Data.Common;
using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Dapper;

namespace Crm.Mcp.Cli;

/// <summary>
/// `crm-mcp seed-demo`: fills an empty database with a realistic, deterministic sales team's data (users,
/// companies, contacts, deals across every stage with line items and Markdown notes, tasks) in one transaction.
/// The same --seed gives the same rows, ids and timestamps on every machine, so tests, the README and benchmarks agree.
/// </summary>
public static class SeedDemoCommand
{
    public sealed record Options(int Deals = 1000, int Seed = 42);

    public sealed record Counts(int Users, int Companies, int Contacts, int Deals, int Services, int Tasks, int Notes)
    {
        public int Rows => Users + Companies + Contacts + Deals + Services + Tasks;
    }

    private static readonly Option<int> DealsOption = new("--deals")
    {
        Description = "How many deals; companies, contacts, tasks and line items scale with it (1000 gives about 5,000 rows)",
        DefaultValueFactory = _ => 1000,
    };

    private static readonly Option<int> SeedOption = new("--seed")
    {
        Description = "Random seed: the same seed gives the same data",
        DefaultValueFactory = _ => 42,
    };

    public static Command Build()
    {
        var command = new Command("seed-demo", "Fill an empty database with realistic demo data (companies, contacts, deals, tasks), then exit");
        command.Add(CrmCli.Db);
        command.Add(DealsOption);
        command.Add(SeedOption);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var deals = parse.GetValue(DealsOption);
            if (deals is < 1 or > 1_000_000) return CrmCli.Fail($"--deals: {deals} is out of range; use 1 to 1000000.");
            var path = DatabasePath.Resolve(parse.GetValue(CrmCli.Db));
            var db = new CrmDb(path);
            await new Migrator(db).MigrateAsync(cancellationToken);
            var watch = Stopwatch.StartNew();
            Counts counts;
            try
            {
                counts = await SeedAsync(db, new Options(deals, parse.GetValue(SeedOption)), cancellationToken);
            }
            catch (CrmError error)
            {
                return CrmCli.Fail($"{path}: {error.Message}");
            }
            Console.Error.WriteLine($"{path}: seeded {counts.Companies} companies, {counts.Contacts} contacts, {counts.Deals} deals " +
                $"({counts.Services} line items, {counts.Notes} with notes), {counts.Tasks} tasks and {counts.Users} users " +
                $"({counts.Rows} rows) in {watch.Elapsed.TotalSeconds:0.0} s");
            return 0;
        });
        return command;
    }

    /// <summary>Seeds a migrated, empty database; refuses one that already has companies or deals.</summary>
    public static Task<Counts> SeedAsync(CrmDb db, Options options, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (connection, transaction) =>
        {
            const string existingSql = "SELECT (SELECT COUNT(*) FROM companies) + (SELECT COUNT(*) FROM deals)";
            if (await connection.ExecuteScalarAsync<long>(existingSql, transaction: transaction) > 0)
                throw new CrmError(ErrorCodes.Conflict, "--db", "the database already has companies or deals; seed-demo only fills an empty one.",
                    "a new --db path");
            return await new Generator(connection, transaction, options).RunAsync();
        }, cancellationToken);

    private sealed class Generator(DbConnection connection, DbTransaction transaction, Options options)
    {
        // Fixed "now" of the demo data: created_at values lie before it, open deals close after it.
        private static readonly DateTime Epoch = new(2026, 11, 1, 9, 0, 0, DateTimeKind.Utc);
        private readonly Random _random = new(options.Seed);

        private static readonly string[] FirstNames =
        [
            "Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Chloé", "Lucas", "Amara", "Mateo", "Priya", "Oliver", "Sofía",
            "Kenji", "Leila", "Jonas", "Ingrid", "Ravi", "Hannah", "Tomás", "Yuki", "Fatima", "Marco", "Elena", "Samuel",
            "Aisha", "Felix", "Nora", "Diego", "Mei", "Omar", "Clara", "Björn", "Isabel", "Kwame", "Lena", "Arjun", "Grace",
        ];

        private static readonly string[] LastNames =
        [
            "Nguyen", "Smith", "García", "Müller", "Okafor", "Rossi", "Kowalski", "Tanaka", "Johansson", "Patel", "Dubois",
            "Silva", "O'Brien", "Kim", "Haddad", "Novak", "Fischer", "Larsen", "Moreau", "Costa", "Ivanova", "Walsh",
            "Schmidt", "Mensah", "Yilmaz", "Chen", "Andersen", "Russo", "Hughes", "Lindqvist",
        ];

        private static readonly string[] Prefixes =
        [
            "Blue", "North", "Bright", "Iron", "Silver", "Green", "Red", "Summit", "Harbor", "Cedar", "Atlas", "Nova",
            "Pioneer", "Granite", "Falcon", "Willow", "Crescent", "Quantum", "Orbit", "Maple", "Coastal", "Vertex", "Lumen", "Apex",
        ];

        private static readonly string[] Cores =
        [
            "Ridge", "Field", "Stone", "Bridge", "Wave", "Peak", "Forge", "Point", "Lake", "Path", "Gate", "Works", "Line", "Sky",
        ];

        private static readonly (string Word, string Industry)[] Kinds =
        [
            ("Logistics", "Logistics"), ("Health", "Healthcare"), ("Labs", "Biotech"), ("Software", "Software"),
            ("Energy", "Energy"), ("Foods", "Food & Beverage"), ("Capital", "Financial Services"), ("Retail", "Retail"),
            ("Robotics", "Manufacturing"), ("Media", "Media"), ("Analytics", "Software"), ("Motors", "Automotive"),
        ];

        private static readonly string[] Legal = ["Inc.", "LLC", "GmbH", "Ltd", "", "", "", "S.A.", "B.V."];

        private static readonly string[] Titles =
        [
            "CEO", "CTO", "CFO", "VP Sales", "Head of Operations", "Procurement Manager", "IT Director", "Product Manager",
            "Engineering Manager", "Office Manager", "COO", "Head of Finance",
        ];

        private static readonly (string Name, long UnitMinor)[] Products =
        [
            ("Platform license (annual)", 2_400_000), ("Seat pack (10 seats)", 360_000), ("Onboarding package", 500_000),
            ("Premium support (annual)", 900_000), ("Data migration", 750_000), ("Training workshop", 250_000),
            ("API add-on", 120_000), ("Analytics module", 480_000), ("Custom integration", 1_500_000),
        ];

        // Default pipeline stage ids (migration 0001) with the share of deals in each.
        private static readonly (string Id, string Kind, int Weight)[] Stages =
        [
            ("00000000-0000-4000-8000-000000000101", "open", 24), ("00000000-0000-4000-8000-000000000102", "open", 20),
            ("00000000-0000-4000-8000-000000000103", "open", 15), ("00000000-0000-4000-8000-000000000104", "open", 11),
            ("00000000-0000-4000-8000-000000000105", "won", 18), ("00000000-0000-4000-8000-000000000106", "lost", 12),
        ];

        private static readonly string[] DealThemes =
        [
            "platform rollout", "renewal", "expansion", "pilot", "enterprise license", "team upgrade", "migration project",
            "multi-year agreement", "regional rollout", "proof of concept",
        ];

        private static readonly (string Type, string Title)[] TaskTemplates =
        [
            ("call", "Discovery call with {0}"), ("email", "Send proposal to {0}"), ("meeting", "Demo for {0}"),
            ("follow_up", "Follow up with {0} on pricing"), ("todo", "Prepare contract draft for {0}"),
            ("deadline", "Security questionnaire due for {0}"), ("call", "Check in with {0} about budget"),
        ];

        private static readonly string[] NoteLines =
        [
            "Budget approved for this fiscal year.", "Champion is pushing internally; CFO sign-off pending.",
            "Competitor evaluation in progress (two vendors).", "Security review requested: send SOC 2 report.",
            "Wants a 12-month term with an option to expand.", "Procurement needs three references.",
            "Pilot with one team first, then company-wide.", "Legal redlines expected next week.",
            "Decision maker changed; re-qualify.", "Asked for a discount on multi-year commitment.",
        ];

        // One prepared command per statement, re-bound per row: preparing an insert compiles its search-index
        // triggers too, which would otherwise dominate the run.
        private readonly Dictionary<string, DbCommand> _commands = [];
        private static readonly Dictionary<Type, System.Reflection.PropertyInfo[]> Properties = [];

        // Generic so the trimmer sees each anonymous argument type and keeps the properties read below.
        private Task ExecAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(string sql, T args)
            where T : notnull
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                command.Transaction = transaction;
                _commands[sql] = command;
            }
            if (!Properties.TryGetValue(typeof(T), out var properties)) Properties[typeof(T)] = properties = typeof(T).GetProperties();
            foreach (var property in properties)
            {
                var name = "@" + property.Name;
                var value = property.GetValue(args) ?? DBNull.Value;
                if (command.Parameters.Contains(name)) command.Parameters[name].Value = value;
                else
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = value;
                    command.Parameters.Add(parameter);
                }
            }
            return command.ExecuteNonQueryAsync();
        }

        private sealed record Company(string Id, string Name, string Domain, List<Person> People);
        private sealed record Person(string Id, string FullName, string Email);

        public async Task<Counts> RunAsync()
        {
            try
            {
                var users = await UsersAsync();
                var companies = await CompaniesAsync(Math.Max(3, options.Deals / 5), users);
                var (deals, services, notes, dealRefs) = await DealsAsync(companies, users);
                var tasks = await TasksAsync(dealRefs, users);
                return new Counts(users.Count, companies.Count, companies.Sum(c => c.People.Count), deals, services, tasks, notes);
            }
            finally
            {
                foreach (var command in _commands.Values) command.Dispose();
            }
        }

        private string NewId()
        {
            Span<byte> bytes = stackalloc byte[16];
            _random.NextBytes(bytes);
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes).ToString();
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private string Before(int maxDays) => Clock.Format(Epoch.AddMinutes(-_random.Next(maxDays * 24 * 60)));

        private static string Date(DateTime value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        private async Task<List<string>> UsersAsync()
        {
            (string First, string Last)[] reps = [("Dana", "Whitfield"), ("Marcus", "Lee"), ("Sara", "Lindgren"), ("Tobi", "Adeyemi")];
            const string sql = """
                INSERT INTO users (id, first_name, last_name, email, email_key, is_default, created_at, updated_at)
                VALUES (@Id, @First, @Last, @Email, lower(@Email), 0, @Now, @Now)
                """;
            var ids = new List<string>();
            foreach (var (first, last) in reps)
            {
                var id = NewId();
                ids.Add(id);
                await ExecAsync(sql, new { Id = id, First = first, Last = last, Email = $"{first}.{last}@demo-crm.example".ToLowerInvariant(), Now = Before(400) });
            }
            return ids;
        }

        private async Task<List<Company>> CompaniesAsync(int count, List<string> users)
        {
            const string companySql = """
                INSERT INTO companies (id, name, name_key, domain, website, phone, industry, notes, owner_id, created_at, updated_at)
                VALUES (@Id, @Name, @NameKey, @Domain, @Website, @Phone, @Industry, @Notes, @OwnerId, @CreatedAt, @CreatedAt)
                """;
            const string personSql = """
                INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, phone, title, owner_id, created_at, updated_at)
                VALUES (@Id, @First, @Last, @FullName, @NameKey, @Email, lower(@Email), @Phone, @Title, @OwnerId, @CreatedAt, @CreatedAt)
                """;
            const string linkSql = "INSERT INTO company_people (company_id, person_id, created_at) VALUES (@CompanyId, @PersonId, @CreatedAt)";

            var companies = new List<Company>();
            var keys = new HashSet<string>();
            var emails = new HashSet<string>();
            while (companies.Count < count)
            {
                var kind = Pick(Kinds);
                var baseName = $"{Pick(Prefixes)}{Pick(Cores).ToLowerInvariant()} {kind.Word}";
                // Past the word lists' combinations, a number keeps names (and their unique keys) distinct.
                if (keys.Contains(NameKeys.Company(baseName))) baseName += $" {companies.Count + 1}";
                var name = $"{baseName} {Pick(Legal)}".Trim();
                if (!keys.Add(NameKeys.Company(name))) continue;
                var domain = NameKeys.Company(baseName).Replace(" ", "") + ".example";
                var createdAt = Before(720);
                var company = new Company(NewId(), name, domain, []);
                await ExecAsync(companySql, new
                {
                    company.Id, Name = name, NameKey = NameKeys.Company(name), Domain = domain, Website = $"https://www.{domain}",
                    Phone = Phone(), Industry = kind.Industry, OwnerId = Pick(users), CreatedAt = createdAt,
                    Notes = _random.Next(4) == 0 ? $"- Customer since {createdAt[..4]}\n- {Pick(NoteLines)}" : null,
                });

                for (var i = 0; i < 2 + _random.Next(3); i++)
                {
                    var (first, last) = (Pick(FirstNames), Pick(LastNames));
                    var local = NameKeys.Person($"{first} {last}").Replace(' ', '.');
                    var email = $"{local}@{domain}";
                    for (var n = 2; !emails.Add(email); n++) email = $"{local}{n}@{domain}";
                    var person = new Person(NewId(), $"{first} {last}", email);
                    await ExecAsync(personSql, new
                    {
                        person.Id, First = first, Last = last, person.FullName, NameKey = NameKeys.Person(person.FullName), Email = email,
                        Phone = Phone(), Title = Pick(Titles), OwnerId = Pick(users), CreatedAt = createdAt,
                    });
                    await ExecAsync(linkSql, new { CompanyId = company.Id, PersonId = person.Id, CreatedAt = createdAt });
                    company.People.Add(person);
                }
                companies.Add(company);
            }
            return companies;
        }

        private string Phone() => $"+1 {_random.Next(200, 999)} 555 {_random.Next(100, 9999):0000}";

        private async Task<(int Deals, int Services, int Notes, List<(string Id, Company Company, string Kind)> Refs)> DealsAsync(
            List<Company> companies, List<string> users)
        {
            const string dealSql = """
                INSERT INTO deals (id, identifier, name, amount_minor, currency, company_id, pipeline_id, stage_id, owner_id,
                                   is_draft, expected_close_date, source, order_in_stage, company_sort_index, notes, created_at, updated_at)
                VALUES (@Id, @Identifier, @Name, @AmountMinor, @Currency, @CompanyId, '00000000-0000-4000-8000-000000000001',
                        @StageId, @OwnerId, @IsDraft, @CloseDate, @Source, @OrderInStage, @CompanySortIndex, @Notes, @CreatedAt, @UpdatedAt)
                """;
            const string personSql = "INSERT INTO deal_people (deal_id, person_id, created_at) VALUES (@DealId, @PersonId, @CreatedAt)";
            const string serviceSql = """
                INSERT INTO services (id, deal_id, name, amount_minor, currency, quantity, position, created_at, updated_at)
                VALUES (@Id, @DealId, @Name, @AmountMinor, @Currency, @Quantity, @Position, @CreatedAt, @CreatedAt)
                """;
            const string counterSql = """
                INSERT INTO counters (name, value) VALUES ('DEAL-{seq}', @value)
                ON CONFLICT (name) DO UPDATE SET value = MAX(counters.value, excluded.value)
                """;

            var totalWeight = Stages.Sum(s => s.Weight);
            var orderInStage = new Dictionary<string, int>();
            var perCompany = new Dictionary<string, int>();
            var refs = new List<(string, Company, string)>();
            int services = 0, notes = 0;
            string[] sources = ["api", "web", "referral", "import", "event"];
            for (var n = 1; n <= options.Deals; n++)
            {
                var company = Pick(companies);
                var roll = _random.Next(totalWeight);
                var stage = Stages.First(s => (roll -= s.Weight) < 0);
                var currency = _random.Next(10) switch { < 7 => "USD", < 9 => "EUR", _ => "GBP" };
                var createdAt = Before(540);
                var created = DateTime.Parse(createdAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                var updated = created.AddDays(_random.Next(0, 30));
                var closeDate = stage.Kind == "open" ? Epoch.AddDays(_random.Next(-20, 180)) : created.AddDays(_random.Next(14, 120));
                var id = NewId();

                var lines = new List<(string Name, long Unit, int Quantity)>();
                foreach (var product in Products.OrderBy(_ => _random.Next()).Take(1 + _random.Next(3)))
                    lines.Add((product.Name, product.UnitMinor, product.Name.StartsWith("Seat", StringComparison.Ordinal) ? 1 + _random.Next(20) : 1));
                var amount = lines.Sum(l => l.Unit * l.Quantity);

                var note = _random.Next(5) < 2
                    ? $"## {Pick(["Discovery call", "Demo recap", "Pricing discussion", "Kickoff"])}\n- {Pick(NoteLines)}\n- {Pick(NoteLines)}"
                    : null;
                if (note is not null) notes++;
                orderInStage[stage.Id] = orderInStage.GetValueOrDefault(stage.Id);
                perCompany[company.Id] = perCompany.GetValueOrDefault(company.Id);
                await ExecAsync(dealSql, new
                {
                    Id = id, Identifier = $"DEAL-{n:000}", Name = $"{company.Name.Split(' ')[0]} {Pick(DealThemes)}",
                    AmountMinor = amount, Currency = currency, CompanyId = company.Id, StageId = stage.Id, OwnerId = Pick(users),
                    IsDraft = _random.Next(20) == 0 ? 1 : 0, CloseDate = Date(closeDate), Source = Pick(sources),
                    OrderInStage = orderInStage[stage.Id]++, CompanySortIndex = perCompany[company.Id]++, Notes = note,
                    CreatedAt = createdAt, UpdatedAt = Clock.Format(updated < Epoch ? updated : Epoch),
                });
                foreach (var person in company.People.OrderBy(_ => _random.Next()).Take(1 + _random.Next(Math.Min(3, company.People.Count))))
                    await ExecAsync(personSql, new { DealId = id, PersonId = person.Id, CreatedAt = createdAt });
                for (var i = 0; i < lines.Count; i++)
                    await ExecAsync(serviceSql, new
                    {
                        Id = NewId(), DealId = id, lines[i].Name, AmountMinor = lines[i].Unit, Currency = currency,
                        lines[i].Quantity, Position = i + 1, CreatedAt = createdAt,
                    });
                services += lines.Count;
                refs.Add((id, company, stage.Kind));
            }
            await ExecAsync(counterSql, new { value = options.Deals });
            return (options.Deals, services, notes, refs);
        }

        private async Task<int> TasksAsync(List<(string Id, Company Company, string Kind)> deals, List<string> users)
        {
            const string taskSql = """
                INSERT INTO tasks (id, title, type, status, due, assignee_id, notes, completed_at, created_at, updated_at)
                VALUES (@Id, @Title, @Type, @Status, @Due, @AssigneeId, @Notes, @CompletedAt, @CreatedAt, @CreatedAt)
                """;
            const string dealLinkSql = "INSERT INTO task_deals (task_id, deal_id, created_at) VALUES (@TaskId, @TargetId, @CreatedAt)";
            const string personLinkSql = "INSERT INTO task_people (task_id, person_id, created_at) VALUES (@TaskId, @TargetId, @CreatedAt)";
            var count = 0;
            foreach (var (dealId, company, kind) in deals)
            {
                // Open deals carry the work; closed ones keep an occasional finished task.
                var howMany = kind == "open" ? _random.Next(3) : _random.Next(4) == 0 ? 1 : 0;
                for (var i = 0; i < howMany; i++)
                {
                    var person = Pick(company.People);
                    var template = Pick(TaskTemplates);
                    var due = Epoch.AddDays(_random.Next(-30, 45));
                    var status = kind != "open" ? "done" : due < Epoch ? Pick(["done", "done", "open", "in_progress"]) : Pick(["open", "open", "in_progress"]);
                    var createdAt = Clock.Format(due.AddDays(-_random.Next(1, 30)));
                    var id = NewId();
                    await ExecAsync(taskSql, new
                    {
                        Id = id, Title = string.Format(CultureInfo.InvariantCulture, template.Title, person.FullName), template.Type, Status = status,
                        Due = Date(due), AssigneeId = Pick(users), Notes = _random.Next(3) == 0 ? Pick(NoteLines) : null,
                        CompletedAt = status == "done" ? Clock.Format(due) : null, CreatedAt = createdAt,
                    });
                    await ExecAsync(dealLinkSql, new { TaskId = id, TargetId = dealId, CreatedAt = createdAt });
                    await ExecAsync(personLinkSql, new { TaskId = id, TargetId = person.Id, CreatedAt = createdAt });
                    count++;
                }
            }
            return count;
        }
    }
}
