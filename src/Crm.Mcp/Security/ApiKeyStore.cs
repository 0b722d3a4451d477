using System.Security.Cryptography;
using System.Text;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Security;

public sealed record ApiKeyInfo(string KeyId, string Name, AccessScope Scope, string CreatedAt, string? RevokedAt,
    string? UserId = null, string? UserName = null);

/// <summary>
/// API keys: `crm_&lt;key id&gt;_&lt;secret&gt;`. The key id is public and finds the row; only the SHA-256 of the whole
/// key is stored, compared in constant time. The full key is shown once, at creation.
/// </summary>
public sealed class ApiKeyStore(CrmDb db)
{
    private const string Prefix = "crm_";

    /// <param name="user">The user the key acts as (UUID, email or name); null: the default local user.</param>
    public async Task<(ApiKeyInfo Info, string Key)> CreateAsync(string name, AccessScope scope, CancellationToken cancellationToken = default, string? user = null)
    {
        var keyName = Validate.Text("name", name, 100, "\"cursor-laptop\"")
                      ?? throw CrmError.Invalid("name", "must not be empty.", "a name for who uses the key, e.g. \"cursor-laptop\"");
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var key = $"{Prefix}{keyId}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var now = Clock.NowIso();
        var owner = await db.WriteAsync(async (connection, transaction) =>
        {
            var owner = user is null ? null : await Features.Users.UserSql.FindAsync(connection, transaction, user, "user");
            const string liveSql = "SELECT COUNT(*) FROM api_keys WHERE name = @Name AND revoked_at IS NULL";
            if (await connection.ExecuteScalarAsync<long>(liveSql, new { Name = keyName }, transaction) > 0)
                throw new CrmError(ErrorCodes.Conflict, "name", $"name: a live key is already named '{keyName}'.",
                    "another name, or revoke that key first (crm-mcp keys revoke NAME)");
            const string insertSql = """
                INSERT INTO api_keys (key_id, name, scope, secret_hash, created_at, user_id) VALUES (@KeyId, @Name, @Scope, @Hash, @Now, @UserId)
                """;
            await connection.ExecuteAsync(insertSql,
                new { KeyId = keyId, Name = keyName, Scope = scope.Name(), Hash = Hash(key), Now = now, UserId = owner?.Id }, transaction);
            return owner;
        }, cancellationToken);
        return (new ApiKeyInfo(keyId, keyName, scope, now, null, owner?.Id, owner?.Name), key);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        await db.ReadAsync(async (connection, transaction) =>
        {
            const string sql = """
                SELECT k.key_id, k.name, k.scope, k.created_at, k.revoked_at, k.user_id, trim(u.first_name || ' ' || u.last_name) AS user_name
                FROM api_keys k LEFT JOIN users u ON u.id = k.user_id ORDER BY k.created_at, k.name
                """;
            var rows = await connection.QueryAsync<KeyRow>(sql, transaction: transaction);
            return rows.Select(r => new ApiKeyInfo(r.KeyId, r.Name, AccessScopes.Parse(r.Scope), r.CreatedAt, r.RevokedAt, r.UserId, r.UserName)).ToList();
        }, cancellationToken);

    /// <summary>Revokes the live key with this name or key id; returns how many were revoked (0 or 1).</summary>
    public Task<int> RevokeAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (connection, transaction) =>
        {
            const string sql = """
                UPDATE api_keys SET revoked_at = @Now WHERE revoked_at IS NULL AND (name = @Value OR key_id = @Value)
                """;
            return await connection.ExecuteAsync(sql, new { Value = nameOrId.Trim(), Now = Clock.NowIso() }, transaction);
        }, cancellationToken);

    /// <summary>The live key this presented secret belongs to, or null. Same work whether or not the key id exists.</summary>
    public async Task<ApiKeyInfo?> VerifyAsync(string presented, CancellationToken cancellationToken = default)
    {
        var keyId = KeyIdOf(presented);
        var row = keyId is null ? null : await db.ReadAsync(async (connection, transaction) =>
        {
            const string sql = """
                SELECT k.key_id, k.name, k.scope, k.secret_hash, k.created_at, k.user_id, trim(u.first_name || ' ' || u.last_name) AS user_name
                FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.key_id = @KeyId AND k.revoked_at IS NULL
                """;
            return await connection.QueryFirstOrDefaultAsync<KeyRow>(sql, new { KeyId = keyId }, transaction);
        }, cancellationToken);
        var expected = Convert.FromHexString(row?.SecretHash ?? UnknownKeyHash);
        var matches = CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expected);
        return matches && row is { } r ? new ApiKeyInfo(r.KeyId, r.Name, AccessScopes.Parse(r.Scope), r.CreatedAt, null, r.UserId, r.UserName) : null;
    }

    internal sealed record KeyRow(string KeyId, string Name, string Scope, string CreatedAt)
    {
        public string? RevokedAt { get; init; }
        public string? SecretHash { get; init; }
        public string? UserId { get; init; }
        public string? UserName { get; init; }
    }

    private static readonly string UnknownKeyHash = Convert.ToHexStringLower(new byte[32]);

    private static string? KeyIdOf(string presented)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var end = presented.IndexOf('_', Prefix.Length);
        return end == Prefix.Length + 12 ? presented[Prefix.Length..end] : null;
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
