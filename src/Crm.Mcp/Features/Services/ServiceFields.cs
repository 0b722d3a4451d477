using Crm.Mcp.Common;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Services;

/// <summary>The fields get_services filters, searches and sorts on.</summary>
public sealed class ServiceFields : IEntityFields
{
    public const string Entity = "services";

    public EntitySchema Schema { get; } = new(Entity, From: "services s JOIN deals d ON d.id = s.deal_id", IdSql: "s.id",
        Fields:
        [
            new("id", FieldType.Id, "s.id"),
            new("name", FieldType.Text, "s.name") { Searchable = true },
            new("amount", FieldType.Currency, Money.MajorUnitsSql("s.amount_minor", "s.currency")) { Description = "Unit price in major units.", CurrencyField = "currency" },
            new("quantity", FieldType.Number, "s.quantity"),
            new("total", FieldType.Currency, Money.MajorUnitsSql("(s.amount_minor * s.quantity)", "s.currency")) { Description = "amount × quantity in major units.", CurrencyField = "currency" },
            new("currency", FieldType.SingleSelect, "s.currency") { Options = Currency.Codes.ToList() },
            new("deal", FieldType.Text, "d.identifier") { Searchable = true, Description = "The deal's identifier, e.g. DEAL-001." },
            new("deal_name", FieldType.Text, "d.name") { Searchable = true },
            new("deal_id", FieldType.Id, "s.deal_id"),
            new("position", FieldType.Number, "s.position") { Description = "Order among the deal's services." },
            new("created_at", FieldType.Datetime, "s.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "s.updated_at") { NotNull = true },
        ],
        // A deal's items added in one call share created_at; deal and position keep them in the order given.
        DefaultSort: [new("created_at"), new("deal_id"), new("position")]);
}
