using System.CommandLine;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Users;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp users create|list`: the people API keys belong to (keys create --user) and records are assigned to.</summary>
public static class UsersCommand
{
    public static Command Build()
    {
        var users = new Command("users", "Manage users: deal owners, task assignees, and whom an API key acts as");
        users.Add(Create());
        users.Add(List());
        return users;
    }

    private static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Full name, e.g. \"Jane Founder\"", Required = true };
        var email = new Option<string?>("--email") { Description = "Email, unique among users" };
        var create = new Command("create", "Add a user and print its id") { name, email, CrmCli.Db };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var db = await OpenAsync(parse, cancellationToken);
            using var call = CallContext.Use(CallContext.Local with { Tool = "users create" });
            var created = await new UserTools(db, new FieldRegistry()).CreateUser(parse.GetValue(name)!, parse.GetValue(email), cancellationToken);
            Console.Out.WriteLine(created.Data.Id);
            Console.Error.WriteLine($"Created user '{created.Data.Name}'. Give them a key: crm-mcp keys create --name NAME --user {created.Data.Email ?? created.Data.Id}");
            return 0;
        });
        return create;
    }

    private static Command List()
    {
        var list = new Command("list", "List users: id, name, email") { CrmCli.Db };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var db = await OpenAsync(parse, cancellationToken);
            var page = await new UserTools(db, new FieldRegistry()).GetUsers(limit: 100, fields: ["email"], cancellationToken: cancellationToken);
            Console.Out.WriteLine($"{"ID",-36} {"NAME",-24} EMAIL");
            foreach (var user in page.Data.Items)
                Console.Out.WriteLine($"{user["id"],-36} {user["name"],-24} {user["email"]?.GetValue<string>() ?? "-"}");
            return 0;
        });
        return list;
    }

    private static async Task<CrmDb> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var db = new CrmDb(CrmCli.Settings(parse).DatabasePath);
        await new Migrator(db).MigrateAsync(cancellationToken);
        return db;
    }
}
