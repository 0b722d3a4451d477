using System.Data.Common;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Dapper;

namespace Crm.Mcp.Transfer;

/// <summary>
/// A batch of people rows written set-based (SQLite and PostgreSQL): the rows whose outcome a join settles are staged in one temp
/// table and written with one INSERT … SELECT per table; the rest go back to the caller for the row path (the resolver,
/// a savepoint each), which reports them exactly as before. A row is settled here when nothing else in the batch shares
/// its keys and the database has no person its name could match: then the resolver's answer is known without it — the
/// person with its email, else a new person — and its company is the one with its name key, else a new one (an import
/// never asks about near names). Rows that may be rejected (a bad name, a long phone on a new person), rows whose name
/// or email another row of the batch also has, names an email-less person already has, and source ids already imported
/// all take the row path. The search index is still written at the batch's end (<see cref="SearchIndexBatch"/>).
/// </summary>
internal static class PeopleBatch
{
    private sealed record Row(int Index, ImportRecord Record, string? CompanyName, string? CompanyKey, string? FullName,
        string FirstName, string LastName, string NameKey, string? Email, string? EmailKey, string? Phone, string? Title, bool MayCreate);

    internal sealed record Settled(long I, string? PersonId);

    /// <summary>Writes what it can settle and returns the records left for the row path, in their batch order.</summary>
    /// <param name="derive">The load path (SQLite): the new companies, people and links are inserted without their
    /// per-row triggers, whose rows <see cref="BulkLoad.WriteDerivedAsync"/> writes set-based, journal rows in the load's change.</param>
    public static async Task<IReadOnlyList<ImportRecord>> WriteAsync(DbConnection connection, DbTransaction transaction,
        string source, IReadOnlyList<ImportRecord> batch, ImportReport report, Func<ImportRecord, string> personField, BulkLoad.LoadJournal? derive = null)
    {
        var rows = new Row?[batch.Count];
        for (var i = 0; i < batch.Count; i++) rows[i] = Read(i, batch[i], personField(batch[i]));

        // Keys two rows share make their outcome depend on their order (the first creates, the next finds it): row path.
        var emails = Counts(rows.Select(r => r?.EmailKey));
        var names = Counts(rows.Select(r => r?.NameKey is "" ? null : r?.NameKey));
        var emaillessNames = Counts(rows.Select(r => r is { EmailKey: null, NameKey: not "" } ? r.NameKey : null));
        var sourceIds = Counts(rows.Select(r => r?.Record.ExternalId));
        var slow = new bool[batch.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            slow[i] = row is null
                || row.Record.ExternalId is { } externalId && sourceIds[externalId] > 1
                || row.EmailKey is { } emailKey && (emails[emailKey] > 1 || row.NameKey != "" && emaillessNames.ContainsKey(row.NameKey))
                || row.EmailKey is null && names[row.NameKey] > 1;
        }
        if (slow.All(s => s)) return batch;

        var now = Clock.NowIso();
        var sql = SqlDialect.Of(connection).IsPostgres ? Postgres : Sqlite;
        // PostgreSQL writers run side by side: lock what the resolver would lock for these rows (their company names,
        // the mailboxes of their emails, the names of email-less people), all at once in ascending order (WriteKeys).
        var keys = new WriteKeys();
        foreach (var row in rows)
            if (row is not null && !slow[row.Index])
                keys.Add("company", row.CompanyKey).Add(Resolver.PersonKeys(row.EmailKey is null ? row.NameKey : null, row.EmailKey));
        await keys.LockAsync(connection, transaction);
        if (sql.Stage is { } stage)
            await connection.ExecuteAsync(StageCreateSql + stage + StageLookupSql, new { rows = StageJson(rows, slow), source }, transaction);
        else
        {
            await connection.ExecuteAsync(StageCreateSql, transaction: transaction);
            await StageRowsAsync(connection, transaction, rows, slow);
            await connection.ExecuteAsync(StageLookupSql, new { source }, transaction);
        }
        // What the database says: people found by email; rows whose name an existing person may be (the resolver's
        // by-name lookup) or whose source id was imported before.
        foreach (var i in await connection.QueryAsync<long>(sql.SlowRows, transaction: transaction)) slow[i] = true;
        var found = (await connection.QueryAsync<Settled>(sql.Found, transaction: transaction)).ToDictionary(s => (int)s.I, s => s.PersonId);

        // Owners as the row path resolves them (an exact name or email, else a new user), once per distinct text.
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        var ownerCreated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
            if (row is { Record.Owner: { } owner } && !slow[row.Index] && !owners.ContainsKey(owner))
            {
                var (id, created) = await ImportSql.ResolveOwnerAsync(connection, transaction, owner);
                owners[owner] = id;
                if (created) ownerCreated.Add(owner);
            }

        // A new person with a phone or title the row path would reject: row path, so the rejection reads the same.
        for (var i = 0; i < rows.Length; i++)
            if (!slow[i] && !found.ContainsKey(i) && !rows[i]!.MayCreate) slow[i] = true;

        var slowRows = Json(json =>
        {
            json.WriteStartArray();
            for (var i = 0; i < slow.Length; i++) if (slow[i]) json.WriteNumberValue(i);
            json.WriteEndArray();
        });
        var ownerIds = Json(json =>
        {
            json.WriteStartObject();
            foreach (var (owner, id) in owners) json.WriteString(owner, id);
            json.WriteEndObject();
        });
        await connection.ExecuteAsync(sql.Settle, new { slowRows, owners = ownerIds }, transaction);
        var missingCompanies = (await connection.QueryAsync<long>(sql.MissingCompanies, transaction: transaction)).Select(i => (int)i).ToHashSet();
        if (derive is not null)
        {
            await BulkLoad.WriteDerivedAsync(connection, transaction, derive, () => connection.ExecuteAsync(InsertSql, new { now }, transaction));
            await connection.ExecuteAsync(FillSql, new { source, now }, transaction);
        }
        else await connection.ExecuteAsync(InsertSql + FillSql, new { source, now }, transaction);

        // Counted as the row path counts, row by row in batch order.
        var companiesSeen = new HashSet<string>(StringComparer.Ordinal);
        var ownersSeen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row is null || slow[row.Index]) continue;
            if (row.Record.Owner is { } owner) report.Count("owners", created: ownersSeen.Add(owner) && ownerCreated.Contains(owner));
            if (row.CompanyKey is { } companyKey) report.Count("companies", created: companiesSeen.Add(companyKey) && missingCompanies.Contains(row.Index));
            var created = !found.ContainsKey(row.Index);
            report.Count("people", created);
            if (created) report.Created++; else report.Matched++;
        }
        return batch.Where((_, i) => slow[i]).ToList();
    }

    /// <summary>The row path's checks, in its order, without the database; null when one fails (the row path then
    /// reports it) or when the row is not a plain one.</summary>
    private static Row? Read(int index, ImportRecord record, string field)
    {
        try
        {
            string? companyName = null, companyKey = null;
            if (record.CompanyName is not null)
            {
                var column = record.Columns.TryGetValue(nameof(record.CompanyName), out var c) ? c : "company";
                companyName = Validate.Text(column, record.CompanyName, 200, "\"Acme, Inc.\"");
                companyKey = NameKeys.Company(companyName!);
                if (companyKey.Length == 0) return null;
            }
            var input = new PersonInput { Name = record.PersonName, FirstName = record.FirstName, LastName = record.LastName, Email = record.Email, Phone = record.Phone, Title = record.Title };
            var (fullName, first, last, email) = Resolver.ReadPerson(input, field);
            var mayCreate = true;
            string? phone = null, title = null;
            try
            {
                phone = Validate.Text($"{field}.phone", input.Phone, 50, "\"+1 415 555 0100\"");
                title = Validate.Text($"{field}.title", input.Title, 200, "\"CEO\"");
            }
            catch (CrmError) { mayCreate = false; }
            return new Row(index, record, companyName, companyKey, fullName, first, last, fullName is null ? "" : NameKeys.Person(fullName),
                email, email is null ? null : NameKeys.Email(email), phone, title, mayCreate);
        }
        catch (CrmError) { return null; }
    }

    private static Dictionary<string, int> Counts(IEnumerable<string?> keys)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in keys)
            if (key is not null) counts[key] = counts.GetValueOrDefault(key) + 1;
        return counts;
    }

    /// <summary>import_stage's columns that a row brings (the rest are the database's answers), in the order of
    /// <see cref="StageValues"/>.</summary>
    private static readonly string[] StageColumns =
    [
        "i", "person_id", "company_new_id", "company_name", "company_key", "full_name", "first_name", "last_name", "name_key",
        "email", "email_key", "phone", "title", "raw_phone", "raw_title", "owner", "external_id",
    ];

    private static object?[] StageValues(Row row) =>
    [
        row.Index, Ids.New(), Ids.New(), row.CompanyName, row.CompanyKey, row.FullName ?? "",
        row.FirstName, row.LastName, row.NameKey, row.Email, row.EmailKey, row.Phone, row.Title, row.Record.Phone,
        row.Record.Title, row.Record.Owner, row.Record.ExternalId,
    ];

    /// <summary>PostgreSQL: the candidate rows as one JSON array (one parameter and one round trip, whatever the batch size).</summary>
    private static string StageJson(Row?[] rows, bool[] slow) => Json(json =>
    {
        json.WriteStartArray();
        foreach (var row in rows)
        {
            if (row is null || slow[row.Index]) continue;
            json.WriteStartObject();
            var values = StageValues(row);
            for (var c = 0; c < StageColumns.Length; c++)
                if (values[c] is int number) json.WriteNumber(StageColumns[c], number);
                else json.WriteString(StageColumns[c], (string?)values[c]);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    /// <summary>
    /// SQLite: the candidate rows through one prepared INSERT, executed once per row. In process that costs a few
    /// microseconds a row, where json_each's `value ->> 'field'` turned each row's object back into text and parsed it
    /// again for every one of its 17 fields (≈ 30 µs a row: 5,000 rows 154 ms → see BENCHMARKS "fifth session").
    /// </summary>
    private static async Task StageRowsAsync(DbConnection connection, DbTransaction transaction, Row?[] rows, bool[] slow)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO import_stage ({string.Join(", ", StageColumns)}) VALUES ({string.Join(", ", StageColumns.Select(c => "@" + c))})";
        var parameters = StageColumns.Select(c =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + c;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        await command.PrepareAsync();
        foreach (var row in rows)
        {
            if (row is null || slow[row.Index]) continue;
            var values = StageValues(row);
            for (var c = 0; c < parameters.Length; c++) parameters[c].Value = values[c] ?? DBNull.Value;
            await command.ExecuteNonQueryAsync();
        }
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The batch's statements in one dialect: they differ only in how a JSON parameter becomes rows.</summary>
    /// <summary>Stage: the rows from one JSON parameter (PostgreSQL); null where they are staged row by row (SQLite).</summary>
    private sealed record Statements(string? Stage, string Settle)
    {
        public string SlowRows => "SELECT CAST(i AS BIGINT) FROM import_stage WHERE slow = 1";
        public string Found => "SELECT CAST(i AS BIGINT) AS I, found_id AS PersonId FROM import_stage WHERE slow = 0 AND found_id IS NOT NULL";
        /// <summary>Rows whose company does not exist yet (the first row of each such key creates it).</summary>
        public string MissingCompanies => "SELECT CAST(i AS BIGINT) FROM import_stage WHERE company_key IS NOT NULL AND company_id IS NULL";
    }

    private static readonly Statements Sqlite = new(
        null,
        SettleSql("SELECT value FROM json_each(@slowRows)", "SELECT value FROM json_each(@owners)"));

    private static readonly Statements Postgres = new(
        StageSql("FROM jsonb_array_elements(CAST(@rows AS jsonb)) AS j(value)"),
        SettleSql("SELECT CAST(value AS INTEGER) FROM jsonb_array_elements_text(CAST(@slowRows AS jsonb)) AS j(value)",
            "SELECT value FROM jsonb_each_text(CAST(@owners AS jsonb))"));

    // Unqualified, import_stage is the temp table in both dialects (SQLite and PostgreSQL search the temp schema first).
    private const string StageCreateSql = """
        CREATE TEMP TABLE IF NOT EXISTS import_stage (
            i INTEGER PRIMARY KEY, person_id TEXT NOT NULL, company_new_id TEXT NOT NULL, company_name TEXT, company_key TEXT,
            company_id TEXT, full_name TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL, name_key TEXT NOT NULL,
            email TEXT, email_key TEXT, phone TEXT, title TEXT, raw_phone TEXT, raw_title TEXT, owner TEXT, owner_id TEXT,
            external_id TEXT, found_id TEXT, slow INTEGER NOT NULL DEFAULT 0);
        DELETE FROM import_stage;
        """;

    private static string StageSql(string rows) => $"""
        INSERT INTO import_stage ({string.Join(", ", StageColumns)})
            SELECT {string.Join(", ", StageColumns.Select(c => c == "i" ? "CAST(value ->> 'i' AS INTEGER)" : $"value ->> '{c}'"))}
            {rows};
        """;

    private const string StageLookupSql = """
        UPDATE import_stage SET found_id = (SELECT id FROM people WHERE people.email_key = import_stage.email_key)
            WHERE email_key IS NOT NULL;
        -- The resolver's by-name lookup (with an email: only people without one), and source ids imported before.
        -- Split by whether the row has an email, so that the email-less probe names people.email_key IS NULL and seeks
        -- ix_people_name_key_emailless (0200) instead of reading every namesake's row.
        UPDATE import_stage SET slow = 1
            WHERE found_id IS NULL AND name_key <> '' AND (
                      email_key IS NULL AND EXISTS (SELECT 1 FROM people WHERE people.name_key = import_stage.name_key)
                   OR email_key IS NOT NULL AND EXISTS (SELECT 1 FROM people
                          WHERE people.name_key = import_stage.name_key AND people.email_key IS NULL))
               OR external_id IS NOT NULL AND EXISTS (SELECT 1 FROM import_keys
                      WHERE source = @source AND entity = 'person' AND import_keys.external_id = import_stage.external_id);
        """;

    private static string SettleSql(string slowRows, string owners) => $"""
        DELETE FROM import_stage WHERE i IN ({slowRows});
        UPDATE import_stage SET owner_id = ({owners} WHERE key = owner) WHERE owner IS NOT NULL;
        UPDATE import_stage SET company_id = (SELECT id FROM companies WHERE companies.name_key = import_stage.company_key)
            WHERE company_key IS NOT NULL;
        """;

    // The new people keep batch order. Inserts only (BulkLoad.WriteDerivedAsync runs them without triggers).
    private const string InsertSql = """
        INSERT INTO companies (id, name, name_key, created_at, updated_at)
            SELECT company_new_id, company_name, company_key, @now, @now FROM import_stage
            WHERE i IN (SELECT MIN(i) FROM import_stage WHERE company_key IS NOT NULL AND company_id IS NULL GROUP BY company_key)
            ORDER BY i
            ON CONFLICT (name_key) DO NOTHING;
        UPDATE import_stage SET company_id = (SELECT id FROM companies WHERE companies.name_key = import_stage.company_key)
            WHERE company_key IS NOT NULL AND company_id IS NULL;
        INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, phone, title, owner_id, created_at, updated_at)
            SELECT person_id, first_name, last_name, full_name, name_key, email, email_key, phone, title, owner_id, @now, @now
            FROM import_stage WHERE found_id IS NULL ORDER BY i;
        INSERT INTO company_people (company_id, person_id, created_at)
            SELECT company_id, COALESCE(found_id, person_id), @now FROM import_stage WHERE company_id IS NOT NULL
            ON CONFLICT DO NOTHING;
        """;

    private const string FillSql = """
        -- A found person's empty fields are filled, never overwritten (ImportSql.FillPersonAsync, set-based).
        UPDATE people SET phone = COALESCE(people.phone, s.raw_phone), title = COALESCE(people.title, s.raw_title),
               owner_id = COALESCE(people.owner_id, s.owner_id), updated_at = @now
            FROM import_stage AS s
            WHERE people.id = s.found_id AND (people.phone IS NULL AND s.raw_phone IS NOT NULL OR people.title IS NULL AND s.raw_title IS NOT NULL
                   OR people.owner_id IS NULL AND s.owner_id IS NOT NULL);
        INSERT INTO import_keys (source, entity, external_id, record_id, created_at)
            SELECT @source, 'person', external_id, COALESCE(found_id, person_id), @now FROM import_stage WHERE external_id IS NOT NULL
            ON CONFLICT (source, entity, external_id) DO NOTHING;
        DELETE FROM import_stage;
        """;
}
