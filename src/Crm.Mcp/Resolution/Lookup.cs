using Crm.Mcp.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Resolution;

/// <summary>Name-or-id lookups for filters: like the resolver, but never create, and an unknown name is an error
/// (a filter on a misspelt company must not look like "no deals").</summary>
public static class Lookup
{
    public static async Task<string> CompanyIdAsync(SqliteConnection connection, SqliteTransaction transaction, string nameOrId, string field)
    {
        if (Guid.TryParse(nameOrId, out var guid))
        {
            const string byIdSql = "SELECT id FROM companies WHERE id = @id";
            return await connection.QuerySingleOrDefaultAsync<string>(byIdSql, new { id = guid.ToString() }, transaction)
                   ?? throw CrmError.NotFound(field, "company", guid.ToString());
        }
        const string byKeySql = "SELECT id FROM companies WHERE name_key = @key";
        return await connection.QuerySingleOrDefaultAsync<string>(byKeySql, new { key = NameKeys.Company(nameOrId) }, transaction)
               ?? throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no company is named '{Validate.Shorten(nameOrId)}'.", "an existing company's name or UUID");
    }

    public static async Task<string> StageIdAsync(SqliteConnection connection, SqliteTransaction transaction, string nameOrId, string field,
        string pipelineId = Resolver.DefaultPipelineId)
    {
        if (Guid.TryParse(nameOrId, out var guid))
        {
            const string byIdSql = "SELECT id FROM stages WHERE id = @id";
            return await connection.QuerySingleOrDefaultAsync<string>(byIdSql, new { id = guid.ToString() }, transaction)
                   ?? throw CrmError.NotFound(field, "stage", guid.ToString());
        }
        const string byKeySql = "SELECT id FROM stages WHERE pipeline_id = @pipelineId AND name_key = @key";
        var id = await connection.QuerySingleOrDefaultAsync<string>(byKeySql, new { pipelineId, key = NameKeys.Stage(nameOrId) }, transaction);
        if (id is not null) return id;
        const string namesSql = "SELECT name FROM stages WHERE pipeline_id = @pipelineId ORDER BY position";
        var names = await connection.QueryAsync<string>(namesSql, new { pipelineId }, transaction);
        throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no stage is named '{Validate.Shorten(nameOrId)}'.",
            $"one of: {string.Join(", ", names)}, or a stage UUID");
    }
}
