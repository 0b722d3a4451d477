using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Transfer;

/// <summary>The import's own SQL: source keys, fill-in updates, owners, pipelines and closed stages.</summary>
public static class ImportSql
{
    public static Task<string?> FindKeyAsync(DbConnection connection, DbTransaction transaction, string source, string entity, string externalId)
    {
        const string sql = "SELECT record_id FROM import_keys WHERE source = @source AND entity = @entity AND external_id = @externalId";
        return connection.QuerySingleOrDefaultAsync<string>(sql, new { source, entity, externalId }, transaction);
    }

    public static Task SaveKeyAsync(DbConnection connection, DbTransaction transaction, string source, string entity, string? externalId, string recordId)
    {
        if (externalId is null) return Task.CompletedTask;
        const string sql = """
            INSERT INTO import_keys (source, entity, external_id, record_id, created_at)
            VALUES (@source, @entity, @externalId, @recordId, @now)
            ON CONFLICT (source, entity, external_id) DO NOTHING
            """;
        return connection.ExecuteAsync(sql, new { source, entity, externalId, recordId, now = Clock.NowIso() }, transaction);
    }

    /// <summary>Fills the company's empty fields; never overwrites what the CRM already knows.</summary>
    public static Task FillCompanyAsync(DbConnection connection, DbTransaction transaction, string id,
        string? domain, string? website, string? phone, string? industry, string? ownerId)
    {
        const string sql = """
            UPDATE companies SET domain = COALESCE(domain, @domain), website = COALESCE(website, @website),
                   phone = COALESCE(phone, @phone), industry = COALESCE(industry, @industry),
                   owner_id = COALESCE(owner_id, @ownerId), updated_at = @now
            WHERE id = @id AND (domain IS NULL AND @domain IS NOT NULL OR website IS NULL AND @website IS NOT NULL
                   OR phone IS NULL AND @phone IS NOT NULL OR industry IS NULL AND @industry IS NOT NULL
                   OR owner_id IS NULL AND @ownerId IS NOT NULL)
            """;
        return connection.ExecuteAsync(sql, new { id, domain, website, phone, industry, ownerId, now = Clock.NowIso() }, transaction);
    }

    public static Task FillPersonAsync(DbConnection connection, DbTransaction transaction, string id, string? phone, string? title, string? ownerId)
    {
        const string sql = """
            UPDATE people SET phone = COALESCE(phone, @phone), title = COALESCE(title, @title),
                   owner_id = COALESCE(owner_id, @ownerId), updated_at = @now
            WHERE id = @id AND (phone IS NULL AND @phone IS NOT NULL OR title IS NULL AND @title IS NOT NULL
                   OR owner_id IS NULL AND @ownerId IS NOT NULL)
            """;
        return connection.ExecuteAsync(sql, new { id, phone, title, ownerId, now = Clock.NowIso() }, transaction);
    }

    public static Task LinkCompanyPersonAsync(DbConnection connection, DbTransaction transaction, string companyId, string personId)
    {
        const string sql = """
            INSERT INTO company_people (company_id, person_id, created_at) VALUES (@companyId, @personId, @now)
            ON CONFLICT DO NOTHING
            """;
        return connection.ExecuteAsync(sql, new { companyId, personId, now = Clock.NowIso() }, transaction);
    }

    /// <summary>A deal already in the CRM with this name at this company (how a row without a source id is matched).</summary>
    public static Task<string?> FindDealAsync(DbConnection connection, DbTransaction transaction, string name, string? companyId)
    {
        const string sql = """
            SELECT id FROM deals WHERE name = @name COLLATE NOCASE AND company_id IS @companyId
            ORDER BY created_at, id LIMIT 1
            """;
        // PostgreSQL's IS compares only with NULL/TRUE/FALSE; IS NOT DISTINCT FROM is its null-safe equality.
        const string postgresSql = """
            SELECT id FROM deals WHERE name = @name COLLATE NOCASE AND company_id IS NOT DISTINCT FROM @companyId
            ORDER BY created_at, id LIMIT 1
            """;
        return connection.QuerySingleOrDefaultAsync<string>(SqlDialect.Of(connection).IsPostgres ? postgresSql : sql, new { name, companyId }, transaction);
    }

    /// <summary>Imported deals are live, not drafts, and keep their creation time from the source.</summary>
    public static Task MarkImportedDealAsync(DbConnection connection, DbTransaction transaction, string id, string? createdAt)
    {
        const string sql = "UPDATE deals SET is_draft = 0, created_at = COALESCE(@createdAt, created_at) WHERE id = @id";
        return connection.ExecuteAsync(sql, new { id, createdAt }, transaction);
    }

    internal sealed record UserRow(string Id, string FirstName, string LastName, string? EmailKey);

    /// <summary>An owner as exports name them (full name, or an email): an existing user, else a new one.</summary>
    public static async Task<(string Id, bool Created)> ResolveOwnerAsync(DbConnection connection, DbTransaction transaction, string owner)
    {
        var text = owner.Trim();
        var isEmail = text.Contains('@');
        const string findSql = """
            SELECT id, first_name AS FirstName, last_name AS LastName, email_key AS EmailKey FROM users
            WHERE (@emailKey IS NOT NULL AND email_key = @emailKey)
               OR lower(trim(first_name || ' ' || last_name)) = lower(@name)
            ORDER BY is_default DESC, created_at LIMIT 1
            """;
        var emailKey = isEmail ? NameKeys.Email(text) : null;
        var found = await connection.QuerySingleOrDefaultAsync<UserRow>(findSql, new { emailKey, name = text }, transaction);
        if (found is not null) return (found.Id, false);
        var split = isEmail ? -1 : text.LastIndexOf(' ');
        var (first, last) = isEmail ? (text[..text.IndexOf('@')], "") : split < 0 ? (text, "") : (text[..split].Trim(), text[(split + 1)..]);
        const string insertSql = """
            INSERT INTO users (id, first_name, last_name, email, email_key, is_default, created_at, updated_at)
            VALUES (@id, @first, @last, @email, @emailKey, 0, @now, @now)
            """;
        var id = Ids.New();
        await connection.ExecuteAsync(insertSql, new { id, first, last, email = isEmail ? text : null, emailKey, now = Clock.NowIso() }, transaction);
        return (id, true);
    }

    internal sealed record PipelineRow(string Id, string NameKey, long IsDefault);

    /// <summary>
    /// The pipeline a source pipeline name means. "Pipeline", "Default" and "Sales Pipeline" are the vendors' names for
    /// their default pipeline, so a trailing "pipeline" is ignored and an empty or "default" name is ours.
    /// </summary>
    public static async Task<(string Id, bool Created)> ResolvePipelineAsync(DbConnection connection, DbTransaction transaction, string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return (Resolver.DefaultPipelineId, false);
        static string Core(string key) => (key.EndsWith(" pipeline", StringComparison.Ordinal) ? key[..^9] : key == "pipeline" ? "" : key).Trim();
        var key = NameKeys.Pipeline(name);
        var core = Core(key);
        if (core is "" or "default") return (Resolver.DefaultPipelineId, false);
        const string allSql = "SELECT id, name_key AS NameKey, is_default AS IsDefault FROM pipelines";
        var pipelines = (await connection.QueryAsync<PipelineRow>(allSql, transaction: transaction)).ToList();
        if ((pipelines.FirstOrDefault(p => p.NameKey == key) ?? pipelines.FirstOrDefault(p => Core(p.NameKey) == core)) is { } match)
            return (match.Id, false);
        const string insertSql = """
            INSERT INTO pipelines (id, name, name_key, is_default, created_at, updated_at)
            VALUES (@id, @name, @key, 0, @now, @now)
            """;
        var id = Ids.New();
        await connection.ExecuteAsync(insertSql, new { id, name = name.Trim(), key, now = Clock.NowIso() }, transaction);
        return (id, true);
    }

    /// <summary>The pipeline's won or lost stage, created at the end when the pipeline has none.</summary>
    public static async Task<(string Id, bool Created)> ClosedStageAsync(DbConnection connection, DbTransaction transaction, string pipelineId, string kind)
    {
        const string findSql = "SELECT id FROM stages WHERE pipeline_id = @pipelineId AND kind = @kind ORDER BY position LIMIT 1";
        if (await connection.QuerySingleOrDefaultAsync<string>(findSql, new { pipelineId, kind }, transaction) is { } id) return (id, false);
        var name = kind == "won" ? "Closed Won" : "Closed Lost";
        const string insertSql = """
            INSERT INTO stages (id, pipeline_id, name, name_key, position, kind, created_at, updated_at)
            VALUES (@id, @pipelineId, @name, @key, COALESCE((SELECT MAX(position) FROM stages WHERE pipeline_id = @pipelineId), 0) + 1,
                    @kind, @now, @now)
            ON CONFLICT (pipeline_id, name_key) DO UPDATE SET kind = excluded.kind
            RETURNING id
            """;
        var newId = await connection.QuerySingleAsync<string>(insertSql,
            new { id = Ids.New(), pipelineId, name, key = NameKeys.Stage(name), kind, now = Clock.NowIso() }, transaction);
        return (newId, true);
    }
}
