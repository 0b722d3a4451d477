using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Users;

/// <summary>The fields get_users filters, searches and sorts on.</summary>
public sealed class UserFields : IEntityFields
{
    public const string Entity = "users";

    public EntitySchema Schema { get; } = new(Entity, From: "users u", IdSql: "u.id",
        Fields:
        [
            new("id", FieldType.Id, "u.id"),
            new("name", FieldType.Text, "trim(u.first_name || ' ' || u.last_name)") { Searchable = true },
            new("first_name", FieldType.Text, "u.first_name"),
            new("last_name", FieldType.Text, "u.last_name"),
            new("email", FieldType.Email, "u.email") { Searchable = true },
            new("is_current", FieldType.Checkbox, "u.is_default") { Description = "The user this server acts as." },
            new("created_at", FieldType.Datetime, "u.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "u.updated_at") { NotNull = true },
        ],
        DefaultSort: [new("is_current", Descending: true), new("name")]);
}
