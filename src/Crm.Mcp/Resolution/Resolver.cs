using Crm.Mcp.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Finds or creates the records a write names, inside the caller's write transaction. An id must exist (never a
/// create); a name that fits several records is an error listing them (never a guess, never a new duplicate).
/// </summary>
public sealed class Resolver
{
    public const string DefaultPipelineId = "00000000-0000-4000-8000-000000000001";

    private sealed record CompanyRow(string Id, string Name, string NameKey);
    private sealed record StageRow(string Id, string PipelineId, string Name, string NameKey);
    private sealed record PersonRow(string Id, string FullName, string? Email, string? EmailKey);

    public async Task<ResolvedRecord?> ResolveCompanyAsync(
        SqliteConnection connection, SqliteTransaction transaction, string? companyId, string? companyName,
        string idField = "company_id", string nameField = "company_name")
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
            const string byIdSql = "SELECT id, name, name_key AS NameKey FROM companies WHERE id = @id";
            var row = await connection.QuerySingleOrDefaultAsync<CompanyRow>(byIdSql, new { id }, transaction)
                      ?? throw CrmError.NotFound(idField, "company", id);
            if (key is not null && key != row.NameKey)
                throw new CrmError(ErrorCodes.InvalidArgument, nameField,
                    $"{idField} and {nameField} disagree: company {id} is '{row.Name}', not '{name}'.",
                    $"either {idField} alone, or a {nameField} that names the same company");
            return new ResolvedRecord(false, row.Id, row.Name, MatchedBy.Id);
        }
        if (name is null) return null;

        const string byKeySql = "SELECT id, name, name_key AS NameKey FROM companies WHERE name_key = @key";
        var existing = await connection.QuerySingleOrDefaultAsync<CompanyRow>(byKeySql, new { key }, transaction);
        if (existing is not null) return new ResolvedRecord(false, existing.Id, existing.Name, MatchedBy.Name);

        // ON CONFLICT keeps the unique key the last word even if another writer slipped in (e.g. a future backend
        // without SQLite's single-writer lock): the row that exists wins and is reported as found.
        const string insertSql = """
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            VALUES (@id, @name, @key, @now, @now)
            ON CONFLICT (name_key) DO NOTHING
            RETURNING id
            """;
        var newId = Guid.NewGuid().ToString();
        var inserted = await connection.QuerySingleOrDefaultAsync<string>(insertSql, new { id = newId, name, key, now = Clock.NowIso() }, transaction);
        if (inserted is not null) return new ResolvedRecord(true, inserted, name, MatchedBy.Created);
        var winner = await connection.QuerySingleAsync<CompanyRow>(byKeySql, new { key }, transaction);
        return new ResolvedRecord(false, winner.Id, winner.Name, MatchedBy.Name);
    }

    /// <summary>Resolves a stage within a pipeline (the default pipeline unless a stage id says otherwise). Without
    /// either argument the pipeline's first open stage is used. A new stage goes after the last open stage.</summary>
    public async Task<(ResolvedRecord Stage, string PipelineId)> ResolveStageAsync(
        SqliteConnection connection, SqliteTransaction transaction, string? stageId, string? stageName,
        string? pipelineId = null, string idField = "stage_id", string nameField = "stage_name")
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

        const string byKeySql = """
            SELECT id, pipeline_id AS PipelineId, name, name_key AS NameKey FROM stages
            WHERE pipeline_id = @pipeline AND name_key = @key
            """;
        var existing = await connection.QuerySingleOrDefaultAsync<StageRow>(byKeySql, new { pipeline, key }, transaction);
        if (existing is not null) return (new ResolvedRecord(false, existing.Id, existing.Name, MatchedBy.Name), pipeline);

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
        var newId = Guid.NewGuid().ToString();
        await connection.ExecuteAsync(insertSql, new { id = newId, pipeline, name, key, now = Clock.NowIso() }, transaction);
        var stage = await connection.QuerySingleAsync<StageRow>(byKeySql, new { pipeline, key }, transaction);
        var created = stage.Id == newId;
        return (new ResolvedRecord(created, stage.Id, stage.Name, created ? MatchedBy.Created : MatchedBy.Name), pipeline);
    }

    /// <summary>Email first (case-insensitive); then the full name, among people without a different email.
    /// A new person is linked to <paramref name="companyId"/> when one is given.</summary>
    public async Task<ResolvedRecord> ResolvePersonAsync(
        SqliteConnection connection, SqliteTransaction transaction, PersonInput input, string field, string? companyId = null)
    {
        var (fullName, firstName, lastName, email) = ReadPerson(input, field);
        var emailKey = email is null ? null : NameKeys.Email(email);
        var nameKey = fullName is null ? null : NameKeys.Person(fullName);

        if (emailKey is not null)
        {
            const string byEmailSql = "SELECT id, full_name AS FullName, email, email_key AS EmailKey FROM people WHERE email_key = @emailKey";
            var byEmail = await connection.QuerySingleOrDefaultAsync<PersonRow>(byEmailSql, new { emailKey }, transaction);
            if (byEmail is not null) return new ResolvedRecord(false, byEmail.Id, byEmail.FullName, MatchedBy.Email, byEmail.Email);
        }

        if (nameKey is not null && fullName is not null)
        {
            // With an email in hand, only people who have no email yet can be the same person.
            const string byNameSql = """
                SELECT id, full_name AS FullName, email, email_key AS EmailKey FROM people
                WHERE name_key = @nameKey AND (@withEmail = 0 OR email_key IS NULL)
                ORDER BY created_at, id LIMIT 11
                """;
            var byName = (await connection.QueryAsync<PersonRow>(byNameSql, new { nameKey, withEmail = emailKey is null ? 0 : 1 }, transaction)).ToList();
            if (byName.Count > 1)
                throw new CrmError(ErrorCodes.NeedsDisambiguation, field,
                    $"{field}: {byName.Count}{(byName.Count > 10 ? "+" : "")} people are named '{fullName}'; nothing was written.",
                    "the person's id in person_ids, or an email that tells them apart")
                {
                    Candidates = byName.Take(10).Select(p => new Candidate(p.Id, p.FullName, p.Email, 1.0, "same name")).ToList(),
                };
            if (byName.Count == 1)
            {
                var match = byName[0];
                if (email is not null)
                {
                    const string setEmailSql = "UPDATE people SET email = @email, email_key = @emailKey, updated_at = @now WHERE id = @id";
                    await connection.ExecuteAsync(setEmailSql, new { email, emailKey, now = Clock.NowIso(), id = match.Id }, transaction);
                }
                return new ResolvedRecord(false, match.Id, match.FullName, MatchedBy.Name, email ?? match.Email);
            }
        }

        const string insertSql = """
            INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, phone, title, created_at, updated_at)
            VALUES (@id, @firstName, @lastName, @displayName, @displayKey, @email, @emailKey, @phone, @title, @now, @now)
            """;
        var id = Guid.NewGuid().ToString();
        var displayName = fullName ?? email!;
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

    /// <summary>An existing person by id, or a not_found error naming the field.</summary>
    public async Task<ResolvedRecord> RequirePersonAsync(SqliteConnection connection, SqliteTransaction transaction, string id, string field)
    {
        const string sql = "SELECT id, full_name AS FullName, email, email_key AS EmailKey FROM people WHERE id = @id";
        var row = await connection.QuerySingleOrDefaultAsync<PersonRow>(sql, new { id }, transaction)
                  ?? throw CrmError.NotFound(field, "person", id);
        return new ResolvedRecord(false, row.Id, row.FullName, MatchedBy.Id, row.Email);
    }

    /// <summary>An existing user (owner profile) by id, or a not_found error naming the field.</summary>
    public async Task<string?> RequireUserAsync(SqliteConnection connection, SqliteTransaction transaction, string? userId, string field)
    {
        var id = Validate.Uuid(field, userId);
        if (id is null) return null;
        const string sql = "SELECT COUNT(*) FROM users WHERE id = @id";
        if (await connection.ExecuteScalarAsync<long>(sql, new { id }, transaction) == 0)
            throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no user has id '{id}'.", "the id of a user from get_users (the default local user exists from the first run)");
        return id;
    }

    private static (string? FullName, string FirstName, string LastName, string? Email) ReadPerson(PersonInput input, string field)
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
