using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Resolution;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Services;

/// <summary>Services: a deal's line items. Each is a unit price in the deal's currency times a whole quantity; the
/// deal reports their sum as total_value and total_quantity.</summary>
[McpServerToolType]
public sealed class ServiceTools(CrmDb db)
{
    private const long MaxQuantity = 1_000_000;

    [McpServerTool(Name = "create_services", Title = "Add services to a deal", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Add 1 to 100 line items to one deal, all or nothing (one bad item writes none and names it, e.g.
        services[2].amount). Returns the new items and the deal's new total_value and total_quantity.
        Example: {"deal": "DEAL-001", "services": [{"name": "Onboarding workshop", "amount": 2500, "quantity": 2}]}
        """)]
    public async Task<ServicesWrittenResponse> CreateServices(
        [Description("The deal: UUID, identifier such as \"DEAL-001\", or exact name.")] string deal,
        [Description("1 to 100 items, e.g. [{\"name\": \"Licence\", \"amount\": 1200.50, \"quantity\": 10}].")] ServiceInput[] services,
        CancellationToken cancellationToken = default)
    {
        if (services is null || services.Length is 0 or > 100)
            throw CrmError.Invalid("services", $"has {services?.Length ?? 0} items.", "1 to 100 items such as {\"name\": \"Licence\", \"amount\": 1200, \"quantity\": 1}");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var dealRef = await EntityLookup.DealAsync(connection, transaction, deal, "deal");
            var dealRow = await ServiceSql.DealAsync(connection, transaction, dealRef.Id);
            var dealCurrency = Currency.FromStored(dealRow.Currency);
            var now = Clock.NowIso();
            var ids = new List<string>();
            for (var i = 0; i < services.Length; i++)
            {
                var field = $"services[{i}]";
                var item = services[i] ?? throw CrmError.Invalid(field, "is null.", "an object such as {\"name\": \"Licence\", \"amount\": 1200}");
                var name = Validate.Text($"{field}.name", item.Name, 200, "\"Onboarding workshop\"")
                           ?? throw CrmError.Invalid($"{field}.name", "is required.", "a line item name such as \"Onboarding workshop\"");
                if (item.Currency is not null && !Currency.Parse($"{field}.currency", item.Currency).Code.Equals(dealCurrency.Code, StringComparison.Ordinal))
                    throw CrmError.Invalid($"{field}.currency", $"{item.Currency.Trim().ToUpperInvariant()} is not the deal's currency ({dealCurrency.Code}).",
                        $"{dealCurrency.Code}, or leave currency out; amounts of a deal share its currency");
                var amount = Money.ToMinor($"{field}.amount", item.Amount ?? throw CrmError.Invalid($"{field}.amount", "is required.", Money.AmountForm), dealCurrency);
                var quantity = Quantity($"{field}.quantity", item.Quantity) ?? 1;
                var id = Guid.NewGuid().ToString();
                await ServiceSql.InsertAsync(connection, transaction, new ServiceSql.NewService(id, dealRef.Id, name, amount, dealCurrency.Code, quantity, now));
                ids.Add(id);
            }
            var items = await ServiceSql.FindManyAsync(connection, transaction, ids);
            return new ServicesWrittenResponse(new ServicesWritten(items, await ServiceSql.DealTotalsAsync(connection, transaction, dealRef.Id)), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "get_services", Title = "List services", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List services (deal line items) in the order they were added, optionally of one deal or by name. Example: {\"deal\": \"DEAL-001\"}")]
    public async Task<ServicePageResponse> GetServices(
        [Description("Only this deal's items: UUID, identifier such as \"DEAL-001\", or exact name.")] string? deal = null,
        [Description("Text the name contains, case-insensitive, e.g. \"workshop\".")] string? search = null,
        [Description("Page size, 1 to 100. Default 25.")] int? limit = null,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var take = Validate.Limit(limit);
        var text = Validate.Text("search", search, 200, "\"workshop\"");
        var after = PageCursor.Decode(cursor, 3);
        var page = await db.ReadAsync(async (connection, transaction) =>
        {
            var dealId = deal is null ? null : (await EntityLookup.DealAsync(connection, transaction, deal, "deal")).Id;
            return await ServiceSql.ListAsync(connection, transaction, new ServiceSql.ListFilter(dealId, text, take, after));
        }, cancellationToken);
        var last = page.Items.LastOrDefault();
        var next = page.HasMore && last is not null
            ? PageCursor.Encode(last.CreatedAt, last.DealId, last.Position.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : null;
        return new ServicePageResponse(new ServicePage(page.Items, page.Total, next, page.HasMore), true);
    }

    [McpServerTool(Name = "update_service", Title = "Update service", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Change a line item's name, unit price or quantity; returns it and its deal's new totals. Example: {\"service\": \"5b0c3f7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f\", \"quantity\": 3, \"amount\": 2200}")]
    public async Task<ServiceUpdatedResponse> UpdateService(
        [Description("The service's UUID, e.g. \"5b0c3f7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f\".")] string service,
        [Description("New name, e.g. \"Onboarding workshop (2 days)\".")] string? name = null,
        [Description("New unit price in major units of the deal's currency, e.g. 2200.")] double? amount = null,
        [Description("New whole quantity, 1 to 1000000, e.g. 3.")] long? quantity = null,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("service", service) ?? throw CrmError.Invalid("service", "is required.", Validate.UuidForm);
        var newName = Validate.Text("name", name, 200, "\"Onboarding workshop\"");
        var newQuantity = Quantity("quantity", quantity);
        if (newName is null && amount is null && newQuantity is null)
            throw CrmError.Invalid("name", "update_service needs something to change.", "at least one of name, amount or quantity");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var existing = (await ServiceSql.FindManyAsync(connection, transaction, [id])).SingleOrDefault()
                           ?? throw new CrmError(ErrorCodes.NotFound, "service", $"service: no service has id '{id}'.", "a service UUID from get_services");
            long? newAmount = amount is { } major ? Money.ToMinor("amount", major, Currency.FromStored(existing.Currency)) : null;
            await ServiceSql.UpdateAsync(connection, transaction, id, newName, newAmount, newQuantity, Clock.NowIso());
            var updated = (await ServiceSql.FindManyAsync(connection, transaction, [id])).Single();
            return new ServiceUpdatedResponse(new ServiceUpdated(updated, await ServiceSql.DealTotalsAsync(connection, transaction, updated.DealId)), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "delete_services", Title = "Delete services", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Delete 1 to 100 line items by UUID; irreversible. All or nothing: an unknown id deletes none. Returns the affected deals' new totals. Example: {\"services\": [\"5b0c3f7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f\"]}")]
    public async Task<ServicesDeletedResponse> DeleteServices(
        [Description("1 to 100 service UUIDs, e.g. [\"5b0c3f7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f\"].")] string[] services,
        CancellationToken cancellationToken = default)
    {
        if (services is null || services.Length is 0 or > 100)
            throw CrmError.Invalid("services", $"has {services?.Length ?? 0} ids.", "1 to 100 service UUIDs");
        var ids = Validate.Uuids("services", services);
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var missing = await ServiceSql.MissingAsync(connection, transaction, ids);
            if (missing.Count > 0)
                throw new CrmError(ErrorCodes.NotFound, "services", $"services: no service has id {string.Join(", ", missing.Select(m => $"'{m}'"))}; nothing was deleted.",
                    "UUIDs from get_services");
            var deals = await ServiceSql.DeleteAsync(connection, transaction, ids);
            var totals = new List<DealServiceTotals>();
            foreach (var dealId in deals) totals.Add(await ServiceSql.DealTotalsAsync(connection, transaction, dealId));
            return new ServicesDeletedResponse(new ServicesDeleted(ids, totals), true);
        }, cancellationToken);
    }

    private static long? Quantity(string field, long? quantity) =>
        quantity is null or (>= 1 and <= MaxQuantity)
            ? quantity
            : throw CrmError.Invalid(field, $"{quantity} is out of range.", $"a whole number from 1 to {MaxQuantity}, e.g. 2");
}
