using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Finds or creates the records a write names, inside the caller's write transaction. An id must exist (never a
/// create); a name that fits several records is an error listing them (never a guess, never a new duplicate).
/// </summary>
public sealed partial class Resolver
{
    public const string DefaultPipelineId = "00000000-0000-4000-8000-000000000001";

    public const int MaxCandidates = 5;

    public sealed record CompanyRow(string Id, string Name, string NameKey, string? Domain, string? Website);
    internal sealed record StageRow(string Id, string PipelineId, string Name, string NameKey);
    internal sealed record StageKindRow(string Id, string Name, string NameKey, string Kind);
    // A class, not a positional record: the queries select different column subsets and Dapper maps by property.
    internal sealed class PersonRow
    {
        public string Id { get; init; } = "";
        public string FullName { get; init; } = "";
        public string? Email { get; init; }
        public string? EmailKey { get; init; }
        public string? NameKey { get; init; }
    }

    /// <summary>
    /// Id first (must exist); then, for a name: the user's pick from elicitation, the same normalized name, the
    /// company's email or website domain (<paramref name="domain"/>, e.g. from the people's emails; free-mail ignored),
    /// and near names as candidates. Creates the company (with the domain) when nothing matches, as
    /// <paramref name="createIfMissing"/> (default: the call's create_if_missing) allows.
    /// </summary>
    public async Task<ResolvedRecord?> ResolveCompanyAsync(
        DbConnection connection, DbTransaction transaction, string? companyId, string? companyName,
        string idField = "company_id", string nameField = "company_name", string? domain = null, CreateIfMissing? createIfMissing = null)
    {
        var id = Validate.Uuid(idField, companyId);
        var name = Validate.Text(nameField, companyName, 200, "\"Acme, Inc.\"");
        string? key = null;
        if (name is not null)
        {
            key = NameKeys.Company(name);
            if (key.Length == 0)
                throw CrmError.Invalid(nameField, $"'{name}' has no letters or digits to match on.", "a company name such as \"Acme, Inc.\"");
        }

        if (id is not null)
        {
            var row = await CompanyByIdAsync(connection, transaction, id) ?? throw CrmError.NotFound(idField, "company", id);
            if (key is not null && key != row.NameKey)
                throw new CrmError(ErrorCodes.InvalidArgument, nameField,
                    $"{idField} and {nameField} disagree: company {id} is '{row.Name}', not '{name}'.",
                    $"either {idField} alone, or a {nameField} that names the same company");
            return new ResolvedRecord(false, row.Id, row.Name, MatchedBy.Id);
        }
        if (name is null || key is null) return null;

        var choice = Choice(nameField);
        if (choice is not null && choice != WriteCall.CreateNew)
        {
            var picked = await CompanyByIdAsync(connection, transaction, choice) ?? throw CrmError.NotFound(nameField, "company", choice);
            return new ResolvedRecord(false, picked.Id, picked.Name, MatchedBy.UserChoice);
        }

        const string byKeySql = "SELECT id, name, name_key AS NameKey, domain, website FROM companies WHERE name_key = @key";
        var existing = await connection.QuerySingleOrDefaultAsync<CompanyRow>(byKeySql, new { key }, transaction);
        var companyDomain = Domains.Normalize(domain);
        if (companyDomain is not null && Domains.IsFreeMail(companyDomain)) companyDomain = null;
        // Not found, so perhaps created here: lock the name and the domain it may claim, then look again (WriteKeys).
        if (existing is null && await new WriteKeys().Add("company", key).Add("domain", companyDomain).LockAsync(connection, transaction))
            existing = await connection.QuerySingleOrDefaultAsync<CompanyRow>(byKeySql, new { key }, transaction);
        if (existing is not null) return new ResolvedRecord(false, existing.Id, existing.Name, MatchedBy.Name);

        if (companyDomain is not null && choice is null)
        {
            // The domain is evidence, not a licence: an explicit name that is not the domain company's name is never
            // overridden by it. Only a name that is the domain's own ("Initech" for initech.com) is matched by domain;
            // "Acme Robotics" beside "Acme, Inc." on acme.com is a candidate, and "Company 2" is not "Company 1"
            // because both have people at one domain.
            var onDomain = await CompaniesByDomainAsync(connection, transaction, companyDomain);
            var sameDomain = onDomain.Where(c => Compatible(key, c.NameKey)).ToList();
            if (onDomain.Count > 0) companyDomain = null; // another company owns it: do not share it
            if (sameDomain.Count == 1 && key.Replace(" ", "") == Domains.Label(Domains.Normalize(sameDomain[0].Domain) ?? Domains.FromWebsite(sameDomain[0].Website)))
                return new ResolvedRecord(false, sameDomain[0].Id, sameDomain[0].Name, MatchedBy.Domain);
            if (sameDomain.Count > 0 && Mode(createIfMissing) != CreateIfMissing.Always)
                throw new CrmError(ErrorCodes.NeedsDisambiguation, nameField,
                    $"{nameField}: no company is named '{Validate.Shorten(name)}', but {(sameDomain.Count == 1 ? $"'{sameDomain[0].Name}' uses" : $"{sameDomain.Count} companies use")} the domain of its people; nothing was written.",
                    $"the company's id in {idField} or its exact name, or create_if_missing \"always\" to create '{Validate.Shorten(name)}' as a separate company")
                {
                    Candidates = sameDomain.Take(MaxCandidates).Select(c => new Candidate(c.Id, c.Name, null, 0.95, "same domain", Domains.Normalize(c.Domain) ?? Domains.FromWebsite(c.Website))).ToList(),
                };
        }

        var mode = Mode(createIfMissing);
        // "always" creates whatever the candidates are: do not look for them (imports create thousands of rows this way).
        if (choice is null && mode != CreateIfMissing.Always)
        {
            var near = await NearCompaniesAsync(connection, transaction, key);
            CheckCreation(mode, near, nameField, "company", name, $"the company's id in {idField}, its exact name");
        }

        // ON CONFLICT keeps the unique key the last word even if another writer slipped in (a write that did not name
        // this key in its WriteKeys): the row that exists wins and is reported as found.
        const string insertSql = """
            INSERT INTO companies (id, name, name_key, domain, created_at, updated_at)
            VALUES (@id, @name, @key, @companyDomain, @now, @now)
            ON CONFLICT (name_key) DO NOTHING
            RETURNING id
            """;
        var newId = Ids.New();
        var inserted = await connection.QuerySingleOrDefaultAsync<string>(insertSql, new { id = newId, name, key, companyDomain, now = Clock.NowIso() }, transaction);
        if (inserted is not null) return new ResolvedRecord(true, inserted, name, MatchedBy.Created);
        var winner = await connection.QuerySingleAsync<CompanyRow>(byKeySql, new { key }, transaction);
        return new ResolvedRecord(false, winner.Id, winner.Name, MatchedBy.Name);
    }

    private static Task<CompanyRow?> CompanyByIdAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = "SELECT id, name, name_key AS NameKey, domain, website FROM companies WHERE id = @id";
        return connection.QuerySingleOrDefaultAsync<CompanyRow>(sql, new { id }, transaction);
    }

    /// <summary>
    /// PostgreSQL's form of <see cref="CompaniesByDomainAsync"/>: the domain index and the website trigram index (0100)
    /// as one bitmap, materialized before the order. Written as one WHERE … OR … ORDER BY created_at LIMIT, the planner
    /// walked ix_companies_created and filtered every company (100k: 537 ms per lookup, i.e. per new person with an
    /// email); materialized it reads only the hits (1.4 ms).
    /// </summary>
    internal const string CompaniesByDomainPostgresSql = """
        WITH hits AS MATERIALIZED (
            SELECT id, name, name_key, domain, website, created_at FROM companies
            WHERE (lower(domain) IN (@domain, 'www.' || @domain) AND domain IS NOT NULL)
               OR (lower(website) LIKE '%' || @domain || '%' AND website IS NOT NULL))
        SELECT id, name, name_key AS NameKey, domain, website FROM hits ORDER BY created_at, id LIMIT 50
        """;

    /// <summary>Companies whose domain, or whose website's host, is <paramref name="domain"/>.</summary>
    public static async Task<IReadOnlyList<CompanyRow>> CompaniesByDomainAsync(DbConnection connection, DbTransaction transaction, string domain)
    {
        // The SQL only narrows; the exact comparison on the parsed host is done here. SQLite has no index for the LIKE,
        // so it reads the index on lower(website) from each prefix a website on that host starts with ("acme.com/…",
        // "https://www.acme.com", …).
        const string sqliteSql = """
            SELECT id, name, name_key AS NameKey, domain, website FROM companies WHERE rowid IN (
                SELECT rowid FROM companies WHERE lower(domain) IN (@domain, 'www.' || @domain) AND domain IS NOT NULL
                UNION ALL
                SELECT rowid FROM companies, (SELECT @domain AS p UNION ALL SELECT 'www.' || @domain UNION ALL SELECT 'http://' || @domain
                    UNION ALL SELECT 'https://' || @domain UNION ALL SELECT 'http://www.' || @domain UNION ALL SELECT 'https://www.' || @domain) AS prefixes
                WHERE lower(website) >= prefixes.p AND lower(website) < prefixes.p || char(1114111) AND website IS NOT NULL)
            ORDER BY created_at, id LIMIT 50
            """;
        var rows = await connection.QueryAsync<CompanyRow>(SqlDialect.Of(connection).IsPostgres ? CompaniesByDomainPostgresSql : sqliteSql, new { domain }, transaction);
        return rows.Where(r => Domains.Normalize(r.Domain) == domain || Domains.FromWebsite(r.Website) == domain).ToList();
    }

    /// <summary>Companies whose name is close to <paramref name="key"/>, scored and ranked best first. Candidates come
    /// from bounded queries (see <see cref="NearRowsAsync"/>), so the cost stays flat however many companies exist.</summary>
    public static async Task<IReadOnlyList<Candidate>> NearCompaniesAsync(DbConnection connection, DbTransaction transaction, string key, string? excludeId = null)
    {
        var rows = await NearRowsAsync(connection, transaction, "companies", "id, name, name_key AS NameKey, domain, website", key,
            r => new CompanyRow(r.GetString(0), r.GetString(1), r.GetString(2), SqlArgs.Text(r, 3), SqlArgs.Text(r, 4)), Needed(excludeId));
        return Rank(rows.Where(x => x.Row.Id != excludeId)
            .Select(x => new Candidate(x.Row.Id, x.Row.Name, null, x.Similarity.Score, x.Similarity.Why, Domains.Normalize(x.Row.Domain) ?? Domains.FromWebsite(x.Row.Website))));
    }

    /// <summary>
    /// The rows of <paramref name="table"/> whose name key is near <paramref name="key"/>, each once, with its score;
    /// only rows that can be listed (<see cref="NameSimilarity.Listed"/>), which is all <see cref="Rank"/> keeps.
    /// Candidates are the names sorted just before and after the key with its first two letters (a typo after them),
    /// plus the rows of the key's blocks (<see cref="NameBlocks"/>: a word ordered by the start of the name's other
    /// words, or the words run together), <see cref="RowsPerBlock"/> nearest the key's own at most, of the words
    /// sorted beside each word (a typo in it), and of the reversed words sorted at and below each word's reversed block
    /// (a typo in its first letters, <see cref="NameBlocks.Reversed"/>). Every part is a B-tree range with a LIMIT, so nothing here grows with the
    /// table or its write history. First only each candidate's row id and name key are read (the neighbours from the
    /// name-key index alone), then whole rows only for those <see cref="Rank"/> can keep: the <paramref name="needed"/>
    /// best scores and every row tied with the last of them (Rank breaks ties by name).
    /// </summary>
    private static Task<List<(T Row, (double Score, string Why) Similarity)>> NearRowsAsync<T>(
        DbConnection connection, DbTransaction transaction, string table, string columns, string key,
        Func<DbDataReader, T> read, int needed) =>
        SqlDialect.Of(connection).IsPostgres
            ? NearRowsAsync<T, string>(connection, transaction, table, columns, key, read, needed, PostgresNear)
            : NearRowsAsync<T, long>(connection, transaction, table, columns, key, read, needed, SqliteNear);

    private static async Task<List<(T Row, (double Score, string Why) Similarity)>> NearRowsAsync<T, TRowId>(
        DbConnection connection, DbTransaction transaction, string table, string columns, string key,
        Func<DbDataReader, T> read, int needed, NearSql<TRowId> dialect) where TRowId : notnull
    {
        var scored = await NearScoredAsync(connection, transaction, table, key, dialect);
        if (scored.Count == 0) return [];
        if (scored.Count > needed)
        {
            // A row scored below the needed-th best has that many rows above it: Rank never reaches it.
            var floor = scored.Values.Select(x => x.Similarity.Score).OrderDescending().ElementAt(needed - 1);
            scored = scored.Where(x => x.Value.Similarity.Score >= floor).ToDictionary();
        }
        var rows = new SqlArgs();
        rows.Add("rowids", dialect.Json(scored.Keys));
        var found = await rows.QueryAsync(connection, transaction, $"SELECT {columns}, {dialect.RowId} FROM {table} WHERE {dialect.RowId} IN (SELECT value FROM json_each(@rowids))",
            r => (Row: read(r), Scored: scored[r.GetFieldValue<TRowId>(r.FieldCount - 1)]));
        return found.OrderBy(x => x.Scored.Order).Select(x => (x.Row, x.Scored.Similarity)).ToList();
    }

    /// <summary>What the near-name reads write differently per dialect. The row id: SQLite's rowid, PostgreSQL's id
    /// (its block tables' row_id, migration 0220). Name keys in SQLite's BINARY order, PostgreSQL's "C" (byte order
    /// whatever the database's collation), namesakes by row id as SQLite's name-key index keeps them. PostgreSQL reads
    /// the blocks' rows through the primary key (= ANY of an array: an IN over the UNION was planned as a hash join
    /// over every row) and in row-id order, as SQLite's rowid IN reads them.</summary>
    private sealed record NearSql<TRowId>(string RowId, string Collate, string LastChar, string ThenRowId, string ThenRowIdDesc,
        Func<string, string, string> BlockRows, Func<IEnumerable<TRowId>, string> Json);

    private static readonly NearSql<long> SqliteNear = new("rowid", "", "char(1114111)", "", "",
        (table, reads) => $"SELECT rowid, name_key FROM {table} WHERE rowid IN ({reads})", SqlList.Json);

    private static readonly NearSql<string> PostgresNear = new("id", " COLLATE \"C\"", "chr(1114111)", ", id", ", id DESC",
        (table, reads) => $"SELECT * FROM (SELECT id, name_key FROM {table} WHERE id = ANY(ARRAY({reads})) ORDER BY id) AS blocks", SqlList.Json);

    /// <summary>The candidates of <see cref="NearRowsAsync{T}"/>: each row id once, in the order first read, with its
    /// name key's score, only those that can be listed (<paramref name="closeOnly"/>: the first close one alone, if
    /// any). Reads the name-key index and the block tables, not the rows.</summary>
    private static async Task<Dictionary<TRowId, (int Order, (double Score, string Why) Similarity)>> NearScoredAsync<TRowId>(
        DbConnection connection, DbTransaction transaction, string table, string key, NearSql<TRowId> dialect, bool closeOnly = false) where TRowId : notnull
    {
        // The pieces vary in number, so the query is read by hand (SqlArgs).
        var parameters = new SqlArgs();
        parameters.Add("key", key);
        parameters.Add("prefix", key[..Math.Min(2, key.Length)]);
        var (id, nameKey) = (dialect.RowId, $"name_key{dialect.Collate}");
        var parts = new List<string>
        {
            $"SELECT * FROM (SELECT {id}, name_key FROM {table} WHERE {nameKey} >= @key AND {nameKey} < @prefix || {dialect.LastChar} ORDER BY {nameKey}{dialect.ThenRowId} LIMIT {NeighboursEachSide}) AS above",
            $"SELECT * FROM (SELECT {id}, name_key FROM {table} WHERE {nameKey} < @key AND {nameKey} >= @prefix ORDER BY {nameKey} DESC{dialect.ThenRowIdDesc} LIMIT {NeighboursEachSide}) AS below",
        };
        // Each block of the key (a word with the first letters of its other words, or the words run together) gives
        // the rows sorted nearest it in its block, RowsPerBlock at most: one B-tree seek and a bounded range each,
        // whatever the table's size. Among thousands of Watanabes "ysuuf watanabe" reads those whose other words begin
        // near "ysuuf". A word with a typo sorts beside the word it misspells: the nearest word on each side (with the
        // same first letter) is read the same way ("deborha" -> "deborah").
        var blocks = NameBlocks.Lookup(key);
        if (blocks.Count > 0)
        {
            var blockTable = NameBlocks.TableOf(table);
            var reads = new List<string>();
            string Near(string block, string rest, int each) =>
                $"SELECT row_id FROM (SELECT row_id FROM {blockTable} WHERE block = {block} AND rest >= {rest} ORDER BY rest, row_id LIMIT {each}) AS after UNION " +
                $"SELECT row_id FROM (SELECT row_id FROM {blockTable} WHERE block = {block} AND rest < {rest} ORDER BY rest DESC, row_id DESC LIMIT {each}) AS before";
            for (var i = 0; i < blocks.Count; i++)
            {
                parameters.Add($"block{i}", blocks[i].Key);
                parameters.Add($"rest{i}", blocks[i].Rest);
                reads.Add(Near($"@block{i}", $"@rest{i}", RowsPerBlock / 2));
                if (blocks[i].Key.Length < 3 || blocks[i].Key[0] == ' ') continue;
                parameters.Add($"initial{i}", blocks[i].Key[..1]);
                reads.Add(Near($"(SELECT block FROM {blockTable} WHERE block > @block{i} ORDER BY block LIMIT 1)", $"@rest{i}", TypoRowsEachSide));
                reads.Add(Near($"(SELECT block FROM {blockTable} WHERE block < @block{i} AND block >= @initial{i} ORDER BY block DESC LIMIT 1)", $"@rest{i}", TypoRowsEachSide));
                // A typo in the word's first letters: the reversed block at or just above the word's own, which
                // holds the longer words that end as it does ("ischer" -> "!rehcsi", "fischer"'s too) or, when there is
                // none, the next ("ecker" -> "!rekceb" of "becker"), and the one just below (same last letter both).
                var reversed = NameBlocks.Reversed(blocks[i].Key);
                parameters.Add($"reversed{i}", reversed);
                parameters.Add($"reversedInitial{i}", reversed[..(char.IsSurrogate(reversed[1]) ? 3 : 2)]);
                reads.Add(Near($"(SELECT block FROM {blockTable} WHERE block >= @reversed{i} AND block < @reversedInitial{i} || {dialect.LastChar} ORDER BY block LIMIT 1)", $"@rest{i}", TypoRowsEachSide));
                reads.Add(Near($"(SELECT block FROM {blockTable} WHERE block < @reversed{i} AND block >= @reversedInitial{i} ORDER BY block DESC LIMIT 1)", $"@rest{i}", TypoRowsEachSide));
            }
            parts.Add(dialect.BlockRows(table, string.Join(" UNION ", reads)));
        }
        // Each row id once, in the order first read (Rank's sort is stable: equal names keep it).
        var seen = new HashSet<TRowId>();
        var scored = new Dictionary<TRowId, (int Order, (double Score, string Why) Similarity)>();
        var probe = new NameSimilarity.Probe(key);
        // A score is the key's alone: namesakes (dozens a name at 1M people) are scored once.
        var byKey = new Dictionary<string, (double Score, string Why)?>(StringComparer.Ordinal);
        foreach (var (rowId, candidateKey) in await parameters.QueryAsync(connection, transaction, string.Join("\nUNION ALL\n", parts), r => (r.GetFieldValue<TRowId>(0), SqlArgs.Text(r, 1) ?? "")))
        {
            if (!seen.Add(rowId)) continue;
            if (closeOnly)
            {
                // Only whether one is close: the first such row answers it.
                if (!probe.IsAtLeast(candidateKey, NameSimilarity.Close)) continue;
                scored[rowId] = (seen.Count, (NameSimilarity.Close, ""));
                break;
            }
            // Most rows read are far from the key: the cheap bound refuses them before Score builds its reason.
            if (!byKey.TryGetValue(candidateKey, out var similarity))
                byKey[candidateKey] = similarity = probe.IsAtLeast(candidateKey, NameSimilarity.Listed) ? NameSimilarity.Score(key, candidateKey) : null;
            if (similarity is { } listed) scored[rowId] = (seen.Count, listed);
        }
        return scored;
    }

    /// <summary>Whether <paramref name="table"/> has a name close to <paramref name="key"/> (the near-name lookup's
    /// candidates, without reading their rows).</summary>
    internal static async Task<bool> HasCloseNameAsync(DbConnection connection, DbTransaction transaction, string table, string key) =>
        SqlDialect.Of(connection).IsPostgres
            ? (await NearScoredAsync(connection, transaction, table, key, PostgresNear, closeOnly: true)).Count > 0
            : (await NearScoredAsync(connection, transaction, table, key, SqliteNear, closeOnly: true)).Count > 0;

    private const int NeighboursEachSide = 100;

    /// <summary>At most this many rows per block, half on each side of the key's own rest: the document-frequency cap
    /// that keeps a lookup's reads flat as tables grow.</summary>
    private const int RowsPerBlock = 50;

    /// <summary>Rows read on each side in the words sorted beside each of the key's words (a typo in that word).</summary>
    private const int TypoRowsEachSide = 10;

    /// <summary>Resolves a stage within a pipeline (the default pipeline unless a stage id says otherwise). Without
    /// either argument the pipeline's first open stage is used. A new stage goes after the last open stage.</summary>
    public async Task<(ResolvedRecord Stage, string PipelineId)> ResolveStageAsync(
        DbConnection connection, DbTransaction transaction, string? stageId, string? stageName,
        string? pipelineId = null, string idField = "stage_id", string nameField = "stage_name", CreateIfMissing? createIfMissing = null)
    {
        var id = Validate.Uuid(idField, stageId);
        var name = Validate.Text(nameField, stageName, 100, "\"Proposal\"");
        string? key = null;
        if (name is not null)
        {
            key = NameKeys.Stage(name);
            if (key.Length == 0)
                throw CrmError.Invalid(nameField, $"'{name}' has no letters or digits to match on.", "a stage name such as \"Proposal\"");
        }

        if (id is not null)
        {
            const string byIdSql = "SELECT id, pipeline_id AS PipelineId, name, name_key AS NameKey FROM stages WHERE id = @id";
            var row = await connection.QuerySingleOrDefaultAsync<StageRow>(byIdSql, new { id }, transaction)
                      ?? throw CrmError.NotFound(idField, "stage", id);
            if (key is not null && key != row.NameKey)
                throw new CrmError(ErrorCodes.InvalidArgument, nameField,
                    $"{idField} and {nameField} disagree: stage {id} is '{row.Name}', not '{name}'.",
                    $"either {idField} alone, or a {nameField} that names the same stage");
            return (new ResolvedRecord(false, row.Id, row.Name, MatchedBy.Id), row.PipelineId);
        }

        var pipeline = pipelineId ?? DefaultPipelineId;
        if (key is null)
        {
            const string firstOpenSql = """
                SELECT id, pipeline_id AS PipelineId, name, name_key AS NameKey FROM stages
                WHERE pipeline_id = @pipeline AND kind = 'open' ORDER BY position LIMIT 1
                """;
            var first = await connection.QuerySingleOrDefaultAsync<StageRow>(firstOpenSql, new { pipeline }, transaction)
                        ?? throw new CrmError(ErrorCodes.NotFound, nameField, "the pipeline has no open stage to put the deal in.", "a stage_name to create one, e.g. \"Qualified\"");
            return (new ResolvedRecord(false, first.Id, first.Name, MatchedBy.Default), pipeline);
        }

        var choice = Choice(nameField);
        if (choice is not null && choice != WriteCall.CreateNew)
        {
            const string pickedSql = "SELECT id, pipeline_id AS PipelineId, name, name_key AS NameKey FROM stages WHERE id = @choice";
            var picked = await connection.QuerySingleOrDefaultAsync<StageRow>(pickedSql, new { choice }, transaction)
                         ?? throw CrmError.NotFound(nameField, "stage", choice);
            return (new ResolvedRecord(false, picked.Id, picked.Name, MatchedBy.UserChoice), picked.PipelineId);
        }

        const string byKeySql = """
            SELECT id, pipeline_id AS PipelineId, name, name_key AS NameKey FROM stages
            WHERE pipeline_id = @pipeline AND name_key = @key
            """;
        var existing = await connection.QuerySingleOrDefaultAsync<StageRow>(byKeySql, new { pipeline, key }, transaction);
        if (existing is null && await new WriteKeys().Add("stage", $"{pipeline}/{key}").LockAsync(connection, transaction))
            existing = await connection.QuerySingleOrDefaultAsync<StageRow>(byKeySql, new { pipeline, key }, transaction);
        if (existing is not null) return (new ResolvedRecord(false, existing.Id, existing.Name, MatchedBy.Name), pipeline);

        if (choice is null)
        {
            // A pipeline has a handful of stages: score them all.
            const string allSql = "SELECT id, name, name_key AS NameKey, kind FROM stages WHERE pipeline_id = @pipeline";
            var stages = await connection.QueryAsync<StageKindRow>(allSql, new { pipeline }, transaction);
            var near = Rank(stages.Select(st => (Row: st, Similarity: StageSimilarity(key, st.NameKey, st.Kind)))
                .Select(x => new Candidate(x.Row.Id, x.Row.Name, null, x.Similarity.Score, x.Similarity.Why)));
            CheckCreation(Mode(createIfMissing), near, nameField, "stage", name!, $"the stage's id in {idField}, its exact name");
        }

        // Closed stages stay last: the new stage takes the slot after the last open one and the closed ones move up.
        const string insertSql = """
            UPDATE stages SET position = position + 1, updated_at = @now
            WHERE pipeline_id = @pipeline AND kind <> 'open';

            INSERT INTO stages (id, pipeline_id, name, name_key, position, kind, created_at, updated_at)
            VALUES (@id, @pipeline, @name, @key,
                    COALESCE((SELECT MAX(position) FROM stages WHERE pipeline_id = @pipeline AND kind = 'open'), 0) + 1,
                    'open', @now, @now)
            ON CONFLICT (pipeline_id, name_key) DO NOTHING;
            """;
        var newId = Ids.New();
        // PostgreSQL writers of different new stage names run at once (WriteKeys): the pipeline's row lock makes their
        // position arithmetic take turns (NO KEY: deals inserted meanwhile still pass their foreign key check). SQLite has
        // one writer anyway.
        if (SqlDialect.Of(connection).IsPostgres)
            await connection.ExecuteAsync("SELECT 1 FROM pipelines WHERE id = @pipeline FOR NO KEY UPDATE", new { pipeline }, transaction);
        await connection.ExecuteAsync(insertSql, new { id = newId, pipeline, name, key, now = Clock.NowIso() }, transaction);
        var stage = await connection.QuerySingleAsync<StageRow>(byKeySql, new { pipeline, key }, transaction);
        var created = stage.Id == newId;
        return (new ResolvedRecord(created, stage.Id, stage.Name, created ? MatchedBy.Created : MatchedBy.Name), pipeline);
    }

    /// <summary>Email first (case-insensitive); then the user's pick from elicitation; then the full name, among people
    /// without a different email; near names are candidates. A new person is linked to <paramref name="companyId"/>
    /// when one is given.</summary>
    public async Task<ResolvedRecord> ResolvePersonAsync(
        DbConnection connection, DbTransaction transaction, PersonInput input, string field, string? companyId = null,
        CreateIfMissing? createIfMissing = null)
    {
        var (fullName, firstName, lastName, email) = ReadPerson(input, field);
        var emailKey = email is null ? null : NameKeys.Email(email);
        var nameKey = fullName is null ? null : NameKeys.Person(fullName);

        if (emailKey is not null)
        {
            const string byEmailSql = "SELECT id, full_name AS FullName, email, email_key AS EmailKey FROM people WHERE email_key = @emailKey";
            var byEmail = await connection.QuerySingleOrDefaultAsync<PersonRow>(byEmailSql, new { emailKey }, transaction);
            // A new address: this call will store it (on a person found by name, or a new one). Lock its mailbox (so
            // "jane+crm@" and "jane@" take turns too), then look again (WriteKeys).
            if (byEmail is null && await PersonKeys(null, emailKey).LockAsync(connection, transaction))
                byEmail = await connection.QuerySingleOrDefaultAsync<PersonRow>(byEmailSql, new { emailKey }, transaction);
            if (byEmail is not null) return new ResolvedRecord(false, byEmail.Id, byEmail.FullName, MatchedBy.Email, byEmail.Email);
        }

        var choice = Choice(field);
        if (emailKey is not null && choice is null && Mode(createIfMissing) != CreateIfMissing.Always)
        {
            // jane.founder+crm@acme.com and jane.founder@acme.com reach one mailbox: likely one person, never silently two.
            var sameMailbox = await SameMailboxAsync(connection, transaction, emailKey);
            if (sameMailbox.Count > 0)
                throw new CrmError(ErrorCodes.NeedsDisambiguation, field,
                    $"{field}: no person has the email '{Validate.Shorten(email!)}', but {(sameMailbox.Count == 1 ? $"'{Display(sameMailbox[0])}' has" : $"{sameMailbox.Count} people have")} the same address with another +tag; nothing was written.",
                    "the person's id in person_ids or their exact email, or create_if_missing \"always\" to create a separate person")
                {
                    Candidates = sameMailbox.Select(p => new Candidate(p.Id, p.FullName, p.Email, 0.95, "same mailbox, other +tag")).ToList(),
                };
        }

        if (choice is not null && choice != WriteCall.CreateNew)
        {
            var picked = await RequirePersonAsync(connection, transaction, choice, field);
            if (email is not null && picked.Email is null) await SetEmailAsync(connection, transaction, picked.Id, email, emailKey!);
            return picked with { MatchedBy = MatchedBy.UserChoice, Email = picked.Email ?? email };
        }

        if (nameKey is not null && fullName is not null && choice is null)
        {
            // With an email in hand, only people who have no email yet can be the same person.
            const string byNameSql = """
                SELECT id, full_name AS FullName, email, email_key AS EmailKey FROM people
                WHERE name_key = @nameKey AND (@withEmail = 0 OR email_key IS NULL)
                ORDER BY created_at, id LIMIT 11
                """;
            var byName = (await connection.QueryAsync<PersonRow>(byNameSql, new { nameKey, withEmail = emailKey is null ? 0 : 1 }, transaction)).ToList();
            // Without an email, a name not found is a person created here: lock it and look again (with one, it is locked).
            if (byName.Count == 0 && emailKey is null && await PersonKeys(nameKey, null).LockAsync(connection, transaction))
                byName = (await connection.QueryAsync<PersonRow>(byNameSql, new { nameKey, withEmail = 0 }, transaction)).ToList();
            if (byName.Count > 1)
                throw new CrmError(ErrorCodes.NeedsDisambiguation, field,
                    $"{field}: {byName.Count}{(byName.Count > 10 ? "+" : "")} people are named '{fullName}'; nothing was written.",
                    "the person's id in person_ids, or an email that tells them apart")
                {
                    Candidates = byName.Take(10).Select(p => new Candidate(p.Id, p.FullName, p.Email, 1.0, "same name")).ToList(),
                };
            // With an email the name is not locked: if another writer gave this person an address first, this one is
            // not them any more (as it would not be after that write) and is created below.
            if (byName.Count == 1 && (email is null || await SetEmailAsync(connection, transaction, byName[0].Id, email, emailKey!) > 0))
                return new ResolvedRecord(false, byName[0].Id, byName[0].FullName, MatchedBy.Name, email ?? byName[0].Email);
            if (Mode(createIfMissing) != CreateIfMissing.Always)
            {
                var near = Rank((await NearPeopleAsync(connection, transaction, nameKey))
                    .Where(c => emailKey is null || c.Email is null).Select(c => StartOfName(nameKey, c)));
                CheckCreation(Mode(createIfMissing), near, field, "person", fullName, "the person's id in person_ids, an email, or the exact name");
            }
        }
        else if (choice is null && Mode(createIfMissing) == CreateIfMissing.Never)
            CheckCreation(CreateIfMissing.Never, [], field, "person", email!, "an existing person's email or id");

        const string insertSql = """
            INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, phone, title, created_at, updated_at)
            VALUES (@id, @firstName, @lastName, @displayName, @displayKey, @email, @emailKey, @phone, @title, @now, @now)
            """;
        var id = Ids.New();
        // An email is not a name: a person known only by email has none until someone gives it.
        var displayName = fullName ?? "";
        var now = Clock.NowIso();
        await connection.ExecuteAsync(insertSql, new
        {
            id, firstName, lastName, displayName, displayKey = NameKeys.Person(displayName), email, emailKey,
            phone = Validate.Text($"{field}.phone", input.Phone, 50, "\"+1 415 555 0100\""),
            title = Validate.Text($"{field}.title", input.Title, 200, "\"CEO\""), now,
        }, transaction);
        if (companyId is not null)
        {
            const string linkSql = """
                INSERT INTO company_people (company_id, person_id, created_at) VALUES (@companyId, @id, @now)
                ON CONFLICT DO NOTHING
                """;
            await connection.ExecuteAsync(linkSql, new { companyId, id, now }, transaction);
        }
        return new ResolvedRecord(true, id, displayName, MatchedBy.Created, email);
    }

    /// <summary>A person's lock keys: the name key and the mailbox of the email.</summary>
    public static WriteKeys PersonKeys(string? nameKey, string? emailKey) =>
        new WriteKeys().Add("person", nameKey).Add("mailbox", emailKey is null ? null : NameKeys.Mailbox(emailKey));

    /// <summary>Gives an address to a person who has none; returns 0 when they have one by now.</summary>
    private static Task<int> SetEmailAsync(DbConnection connection, DbTransaction transaction, string id, string email, string emailKey)
    {
        const string sql = "UPDATE people SET email = @email, email_key = @emailKey, updated_at = @now WHERE id = @id AND email_key IS NULL";
        return connection.ExecuteAsync(sql, new { email, emailKey, now = Clock.NowIso(), id }, transaction);
    }

    private static string Display(PersonRow person) => person.FullName.Length > 0 ? person.FullName : person.Email ?? person.Id;

    // Must stay the expression of migration 0091's index (SQLite matches an index by its expression).
    private const string MailboxSqlite = "CASE WHEN instr(email_key, '+') > 0 AND instr(email_key, '+') < instr(email_key, '@') THEN substr(email_key, 1, instr(email_key, '+') - 1) || substr(email_key, instr(email_key, '@')) ELSE email_key END";
    private const string MailboxPostgres = "CASE WHEN strpos(email_key, '+') > 0 AND strpos(email_key, '+') < strpos(email_key, '@') THEN substr(email_key, 1, strpos(email_key, '+') - 1) || substr(email_key, strpos(email_key, '@')) ELSE email_key END";

    /// <summary>Other people whose email is this one's mailbox with or without a +tag (indexed, migration 0091).</summary>
    private static async Task<IReadOnlyList<PersonRow>> SameMailboxAsync(DbConnection connection, DbTransaction transaction, string emailKey)
    {
        var mailbox = NameKeys.Mailbox(emailKey);
        var expression = SqlDialect.Of(connection).IsPostgres ? MailboxPostgres : MailboxSqlite;
        var sql = $"SELECT id, full_name AS FullName, email, email_key AS EmailKey FROM people WHERE {expression} = @mailbox AND email_key <> @emailKey ORDER BY created_at, id LIMIT {MaxCandidates}";
        return (await connection.QueryAsync<PersonRow>(sql, new { mailbox, emailKey }, transaction)).ToList();
    }

    /// <summary>"Jane" or "Jane F" names the start of "Jane Founder": close (a person is usually called by the first
    /// name), so it is asked about rather than created beside her.</summary>
    private static Candidate StartOfName(string key, Candidate candidate)
    {
        if (candidate.Score >= NameSimilarity.Close) return candidate;
        var words = key.Split(' ');
        var theirs = NameKeys.Person(candidate.Name).Split(' ');
        return words.Length <= theirs.Length && words.Select((w, i) => theirs[i].StartsWith(w, StringComparison.Ordinal)).All(x => x)
            ? candidate with { Score = 0.92, Why = $"'{key}' is the start of '{string.Join(' ', theirs)}'" }
            : candidate;
    }

    /// <summary>People whose name is close to <paramref name="key"/> (bounded candidates as for companies), best first.</summary>
    public static async Task<IReadOnlyList<Candidate>> NearPeopleAsync(DbConnection connection, DbTransaction transaction, string key, string? excludeId = null)
    {
        if (key.Length == 0) return []; // a person known only by email has no name to be near

        var rows = await NearRowsAsync(connection, transaction, "people", "id, full_name AS FullName, email, email_key AS EmailKey, name_key AS NameKey", key,
            r => new PersonRow
            {
                Id = r.GetString(0), FullName = r.GetString(1), Email = SqlArgs.Text(r, 2), EmailKey = SqlArgs.Text(r, 3), NameKey = SqlArgs.Text(r, 4),
            }, Needed(excludeId));
        return Rank(rows.Where(x => x.Row.Id != excludeId)
            .Select(x => new Candidate(x.Row.Id, x.Row.FullName, x.Row.Email, x.Similarity.Score, x.Similarity.Why)));
    }

    // What people call the closed stages: "Won" means the pipeline's won stage ("Closed Won"), never a new open one.
    private static readonly Dictionary<string, string[]> StageSynonyms = new()
    {
        ["won"] = ["won"], ["win"] = ["won"], ["closed won"] = ["won"], ["won deal"] = ["won"], ["success"] = ["won"],
        ["lost"] = ["lost"], ["loss"] = ["lost"], ["closed lost"] = ["lost"], ["lost deal"] = ["lost"], ["dead"] = ["lost"],
        ["closed"] = ["won", "lost"], ["done"] = ["won", "lost"],
    };

    /// <summary>A stage name is close to a stage whose name contains it ("won" in "closed won") or whose kind it
    /// names ("lost" for a lost stage called "Churned"): a pipeline is small, so a new stage beside such a one is far
    /// likelier a slip than a wish.</summary>
    private static (double Score, string Why) StageSimilarity(string key, string stageKey, string kind)
    {
        var similarity = NameSimilarity.Score(key, stageKey);
        if (similarity.Score >= NameSimilarity.Close) return similarity;
        if (StageSynonyms.TryGetValue(key, out var kinds) && kinds.Contains(kind)) return (0.93, $"a {kind} stage");
        var words = key.Split(' ');
        var stageWords = stageKey.Split(' ');
        if (words.Length < stageWords.Length && words.All(stageWords.Contains)) return (0.92, $"'{key}' is part of '{stageKey}'");
        return similarity;
    }

    /// <summary>Rows a near-name lookup must fetch for <see cref="Rank"/>: one more when one row is to be left out.</summary>
    private static int Needed(string? excludeId) => MaxCandidates + (excludeId is null ? 0 : 1);

    private static IReadOnlyList<Candidate> Rank(IEnumerable<Candidate> candidates) =>
        candidates.Where(c => c.Score >= NameSimilarity.Listed)
            .OrderByDescending(c => c.Score).ThenBy(c => c.Name, StringComparer.Ordinal).Take(MaxCandidates).ToList();

    /// <summary>Names that can be one company: same first word or similar overall, and no different numbers.</summary>
    private static bool Compatible(string key, string otherKey)
    {
        var (score, why) = NameSimilarity.Score(key, otherKey);
        if (why == "different numbers") return false;
        return score >= NameSimilarity.Listed || key.Split(' ')[0] == otherKey.Split(' ')[0];
    }

    private static string? Choice(string field) =>
        WriteCall.Current?.Choices.TryGetValue(field, out var choice) == true ? choice : null;

    /// <summary>The caller's explicit mode, else the tool call's (auto unless create_if_missing says otherwise). Code
    /// outside a tool call (imports, CLI commands) keeps the original behaviour, always, unless it passes a mode: it
    /// has nobody to ask, and find_duplicates shows what it created beside similar records.</summary>
    private static CreateIfMissing Mode(CreateIfMissing? explicitMode) => explicitMode ?? WriteCall.Current?.CreateIfMissing ?? CreateIfMissing.Always;

    /// <summary>Throws unless a new record may be created: never mode forbids it; auto mode forbids it beside a close
    /// candidate (it could be the same record misspelt), and lists the candidates either way.</summary>
    private static void CheckCreation(CreateIfMissing mode, IReadOnlyList<Candidate> near, string field, string what, string name, string expected)
    {
        if (mode == CreateIfMissing.Never)
            throw new CrmError(ErrorCodes.NotFound, field,
                $"{field}: no {what} matches '{Validate.Shorten(name)}' and create_if_missing is \"never\"; nothing was written.",
                near.Count > 0 ? $"one of the candidates ({expected}), or create_if_missing \"auto\" to create it" : $"{expected}, or create_if_missing \"auto\" to create it")
            {
                Candidates = near.Count > 0 ? near : null,
            };
        if (mode == CreateIfMissing.Auto && near.Count > 0 && near[0].Score >= NameSimilarity.Close)
            throw new CrmError(ErrorCodes.NeedsDisambiguation, field,
                $"{field}: no {what} is named '{Validate.Shorten(name)}', but {(near.Count == 1 ? $"'{near[0].Name}' is" : $"{near.Count} similar ones are")} close; nothing was written.",
                $"{expected} of a candidate, or create_if_missing \"always\" to create '{Validate.Shorten(name)}' anyway")
            {
                Candidates = near,
            };
    }

    /// <summary>An existing person by id, or a not_found error naming the field.</summary>
    public async Task<ResolvedRecord> RequirePersonAsync(DbConnection connection, DbTransaction transaction, string id, string field)
    {
        const string sql = "SELECT id, full_name AS FullName, email, email_key AS EmailKey FROM people WHERE id = @id";
        var row = await connection.QuerySingleOrDefaultAsync<PersonRow>(sql, new { id }, transaction)
                  ?? throw CrmError.NotFound(field, "person", id);
        return new ResolvedRecord(false, row.Id, row.FullName, MatchedBy.Id, row.Email);
    }

    /// <summary>An existing user (owner profile) by id, or a not_found error naming the field.</summary>
    public async Task<string?> RequireUserAsync(DbConnection connection, DbTransaction transaction, string? userId, string field)
    {
        var id = Validate.Uuid(field, userId);
        if (id is null) return null;
        const string sql = "SELECT COUNT(*) FROM users WHERE id = @id";
        if (await connection.ExecuteScalarAsync<long>(sql, new { id }, transaction) == 0)
            throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no user has id '{id}'.", "the id of a user from get_users (the default local user exists from the first run)");
        return id;
    }

    internal static (string? FullName, string FirstName, string LastName, string? Email) ReadPerson(PersonInput input, string field)
    {
        var name = Validate.Text($"{field}.name", input.Name, 200, "\"Jane Founder\"");
        var first = Validate.Text($"{field}.first_name", input.FirstName, 100, "\"Jane\"");
        var last = Validate.Text($"{field}.last_name", input.LastName, 100, "\"Founder\"");
        var email = input.Email is null ? null : Validate.Email($"{field}.email", input.Email);
        if (name is null && first is null && last is null && email is null)
            throw CrmError.Invalid(field, "a person needs a name or an email.", "{\"name\": \"Jane Founder\", \"email\": \"jane@acme.com\"}");

        var fullName = name ?? (first is null && last is null ? null : string.Join(' ', new[] { first, last }.Where(p => p is not null)));
        if (fullName is not null && NameKeys.Person(fullName).Length == 0)
            throw CrmError.Invalid($"{field}.name", $"'{fullName}' has no letters or digits.", "a name such as \"Jane Founder\"");
        if (first is null && last is null && name is not null)
        {
            var split = name.LastIndexOf(' ');
            (first, last) = split < 0 ? (name, "") : (name[..split].Trim(), name[(split + 1)..]);
        }
        return (fullName, first ?? "", last ?? "", email);
    }
}
