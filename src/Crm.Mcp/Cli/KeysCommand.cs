using System.CommandLine;
using Crm.Mcp.Data;
using Crm.Mcp.Security;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp keys create|list|revoke`: API keys for the HTTP transport.</summary>
public static class KeysCommand
{
    public static Command Build()
    {
        var keys = new Command("keys", "Manage API keys for `serve --transport http` (a key's name is recorded as the actor of its writes)");
        keys.Add(Create());
        keys.Add(List());
        keys.Add(Revoke());
        return keys;
    }

    private static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Who uses the key, e.g. cursor-laptop; recorded as the actor of every write", Required = true };
        var scope = new Option<string>("--scope")
        {
            Description = "read: read-only tools; write: also non-destructive writes; admin: every tool",
            DefaultValueFactory = _ => "read",
        };
        scope.AcceptOnlyFromAmong([.. AccessScopes.Names]);
        var user = new Option<string?>("--user") { Description = "The user the key acts as (UUID, email or name; see users list): get_current_user and the journal's actor. Default: the local user" };
        var create = new Command("create", "Create a key and print it once (only its hash is stored)") { name, scope, user, CrmCli.Db };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var store = await OpenAsync(parse, cancellationToken);
            var (info, key) = await store.CreateAsync(parse.GetValue(name)!, AccessScopes.Parse(parse.GetValue(scope)!), cancellationToken, parse.GetValue(user));
            // The key alone on stdout, so `KEY=$(crm-mcp keys create ...)` works; the advice goes to stderr.
            Console.Out.WriteLine(key);
            Console.Error.WriteLine($"Created key '{info.Name}' (id {info.KeyId}, scope {info.Scope.Name()}, user {info.UserName ?? "local"}). It is shown only now: store it in your client's config.");
            Console.Error.WriteLine("Send it as the header 'x-api-key: KEY' or 'Authorization: Bearer KEY'.");
            return 0;
        });
        return create;
    }

    private static Command List()
    {
        var all = new Option<bool>("--all") { Description = "Include revoked keys" };
        var list = new Command("list", "List keys: name, id, scope, created, revoked (never the key itself)") { all, CrmCli.Db };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var store = await OpenAsync(parse, cancellationToken);
            var keys = (await store.ListAsync(cancellationToken)).Where(k => parse.GetValue(all) || k.RevokedAt is null).ToList();
            if (keys.Count == 0)
            {
                Console.Error.WriteLine("No API keys. Create one: crm-mcp keys create --name NAME --scope read|write|admin");
                return 0;
            }
            Console.Out.WriteLine($"{"NAME",-24} {"ID",-12} {"SCOPE",-5} {"USER",-20} {"CREATED",-24} REVOKED");
            foreach (var key in keys)
                Console.Out.WriteLine($"{key.Name,-24} {key.KeyId,-12} {key.Scope.Name(),-5} {key.UserName ?? "(local)",-20} {key.CreatedAt,-24} {key.RevokedAt ?? "-"}");
            return 0;
        });
        return list;
    }

    private static Command Revoke()
    {
        var which = new Argument<string>("name-or-id") { Description = "The key's name or id (see keys list)" };
        var revoke = new Command("revoke", "Revoke a key: requests with it get 401 from now on") { which, CrmCli.Db };
        revoke.SetAction(async (parse, cancellationToken) =>
        {
            var store = await OpenAsync(parse, cancellationToken);
            var value = parse.GetValue(which)!;
            if (await store.RevokeAsync(value, cancellationToken) == 0)
                return CrmCli.Fail($"no live key is named or has id '{value}'. See: crm-mcp keys list");
            Console.Error.WriteLine($"Revoked '{value}'.");
            return 0;
        });
        return revoke;
    }

    private static async Task<ApiKeyStore> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = CrmCli.Settings(parse);
        var db = new CrmDb(settings.DatabasePath);
        await new Migrator(db).MigrateAsync(cancellationToken);
        return new ApiKeyStore(db);
    }
}
