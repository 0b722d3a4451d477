using System.ComponentModel;
using System.Data.Common;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Services;

/// <summary>Services: a deal's line items. Each is a unit price in the deal's currency times a whole quantity; the
/// deal reports their sum as total_value and total_quantity.</summary>
[McpServerToolType]
public sealed class ServiceTools(CrmDb db, FieldRegistry fieldRegistry)
{
    private const long MaxQuantity = 1_000_000;

    [McpServerTool(Name = "create_services", Title = "Add services to a deal", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Add 1 to 100 line items (unit price × quantity, in the deal's currency) to one deal; get_deal's total_value and
        total_quantity add them up.
        Example: {"deal": "DEAL-001", "items": [{"name": "Onboarding workshop", "amount": 2500, "quantity": 2}]}
        """)]
    public async Task<BulkResponse<BulkRecord>> CreateServices(
        [Description("Identifier, name or UUID.")] string deal,
        [Description("Line items.")] ServiceInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default)
    {
        // The deal is checked before any item, so an unknown deal is one clear error rather than one per item.
        var dealRow = await db.ReadAsync(async (connection, transaction) =>
            await ServiceSql.DealAsync(connection, transaction, (await EntityLookup.DealAsync(connection, transaction, deal, "deal")).Id), cancellationToken);
        var dealCurrency = Currency.FromStored(dealRow.Currency);
        return await BulkWrite.RunAsync(db, items, atomic, progress, async (connection, transaction, item, path) =>
        {
            item ??= new ServiceInput();
            var name = Validate.Text($"{path}.name", item.Name, 200, "\"Onboarding workshop\"")
                       ?? throw CrmError.Invalid($"{path}.name", "is required.", "a line item name such as \"Onboarding workshop\"");
            if (item.Currency is not null && Currency.Parse($"{path}.currency", item.Currency).Code != dealCurrency.Code)
                throw CrmError.Invalid($"{path}.currency", $"{item.Currency.Trim().ToUpperInvariant()} is not the deal's currency ({dealCurrency.Code}).",
                    $"{dealCurrency.Code}, or leave currency out; a deal's amounts share its currency");
            var amount = Money.ToMinor($"{path}.amount", item.Amount ?? throw CrmError.Invalid($"{path}.amount", "is required.", Money.AmountForm), dealCurrency);
            var quantity = Quantity($"{path}.quantity", item.Quantity) ?? 1;
            var id = Ids.New();
            // The deal is re-read inside the write: it may have been deleted since the check above.
            var current = await EntityLookup.DealAsync(connection, transaction, dealRow.Id, "deal");
            await ServiceSql.InsertAsync(connection, transaction, new ServiceSql.NewService(id, current.Id, name, amount, dealCurrency.Code, quantity, Clock.NowIso()));
            return new BulkRecord(id, name);
        }, cancellationToken);
    }

    [McpServerTool(Name = "get_services", Title = "List services", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List services (deal line items) in the order they were added. Example: {\"deal\": \"DEAL-001\"}")]
    public Task<ListReply> GetServices(
        [Description(ListShortcuts.DealDoc)] string? deal = null,
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        [Description(ListDocs.Fields)] string[]? fields = null,
        [Description(ListDocs.View)] string? view = null,
        CancellationToken cancellationToken = default) =>
        ListTool.RunAsync(db, fieldRegistry, ServiceItems.Kind, new ListRequest(filters, search, sort, limit, cursor), fields, view,
            async (connection, transaction) => deal is null ? [] :
                [Filter.Rule("deal_id", FilterOps.EqualsOp, (await EntityLookup.DealAsync(connection, transaction, deal, "deal")).Id)],
            cancellationToken);

    [McpServerTool(Name = "update_service", Title = "Update service", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Change a line item's name, unit price or quantity; returns it and its deal's new totals.
        Example: {"service": "5b0c3f7e-...", "quantity": 3, "amount": 2200}
        """)]
    public async Task<ServiceUpdatedResponse> UpdateService(
        [Description("Service UUID.")] string service,
        [Description("New name.")] string? name = null,
        [Description("Unit price, major units of the deal's currency.")] double? amount = null,
        [Description("1 to 1000000.")] long? quantity = null,
        CancellationToken cancellationToken = default)
    {
        var input = new ServiceUpdateInput { Service = service, Name = name, Amount = amount, Quantity = quantity };
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var updated = await UpdateAsync(connection, transaction, input, "");
            return new ServiceUpdatedResponse(new ServiceUpdated(updated, await ServiceSql.DealTotalsAsync(connection, transaction, updated.DealId)), true);
        }, cancellationToken);
    }

    [ItemsLike("update_service")]
    [McpServerTool(Name = "update_services", Title = "Update services", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Change 1 to 100 line items.
        Example: {"items": [{"service": "5b0c3f7e-...", "quantity": 3}]}
        """)]
    public Task<BulkResponse<BulkRecord>> UpdateServices(
        [Description("Changes, one per service.")] ServiceUpdateInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.UpdateAsync(db, items, atomic, progress, async (connection, transaction, item, prefix) =>
        {
            var written = await UpdateAsync(connection, transaction, item, prefix);
            return new BulkRecord(written.Id, written.Name);
        }, cancellationToken);

    [Toolset("records")]
    [McpServerTool(Name = "get_service", Title = "Get service", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        Get one service (deal line item) by UUID, with its deal. Example: {"service": "5b0c3f7e-..."}
        """)]
    public async Task<ServiceResponse> GetService(
        [Description("Service UUID.")] string service,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("service", service) ?? throw CrmError.Invalid("service", "is required.", Validate.UuidForm);
        var view = await db.ReadAsync(async (connection, transaction) => (await ServiceSql.FindManyAsync(connection, transaction, [id])).SingleOrDefault(), cancellationToken);
        return new ServiceResponse(view ?? throw NotFound("service", id), true);
    }

    /// <summary>update_service and update_services alike; field names in errors carry <paramref name="prefix"/>.</summary>
    private static async Task<ServiceView> UpdateAsync(DbConnection connection, DbTransaction transaction, ServiceUpdateInput input, string prefix)
    {
        string F(string name) => prefix + name;
        var id = Validate.Uuid(F("service"), input.Service) ?? throw CrmError.Invalid(F("service"), "is required.", Validate.UuidForm);
        var newName = Validate.Text(F("name"), input.Name, 200, "\"Onboarding workshop\"");
        var newQuantity = Quantity(F("quantity"), input.Quantity);
        if (newName is null && input.Amount is null && newQuantity is null)
            throw CrmError.Invalid(F("name"), "nothing to change.", "at least one of name, amount or quantity");
        var existing = (await ServiceSql.FindManyAsync(connection, transaction, [id])).SingleOrDefault() ?? throw NotFound(F("service"), id);
        long? newAmount = input.Amount is { } major ? Money.ToMinor(F("amount"), major, Currency.FromStored(existing.Currency)) : null;
        await ServiceSql.UpdateAsync(connection, transaction, id, newName, newAmount, newQuantity, Clock.NowIso());
        return (await ServiceSql.FindManyAsync(connection, transaction, [id])).Single();
    }

    [McpServerTool(Name = "delete_services", Title = "Delete services", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Permanently delete 1 to 100 line items by UUID: irreversible; their deals' totals drop. Example: {"services": ["5b0c3f7e-..."]}
        """)]
    public Task<BulkResponse<BulkRecord>> DeleteServices(
        [Description("Service UUIDs.")] string[] services,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.DeleteByIdAsync(db, "services", "service", services, "[\"5b0c3f7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f\"]", atomic, progress,
            ServiceSql.DeleteAsync, cancellationToken);

    private static CrmError NotFound(string field, string id) =>
        new(ErrorCodes.NotFound, field, $"{field}: no service has id '{id}'.", "a service UUID from get_services");

    private static long? Quantity(string field, long? quantity) =>
        quantity is null or (>= 1 and <= MaxQuantity)
            ? quantity
            : throw CrmError.Invalid(field, $"{quantity} is out of range.", $"a whole number from 1 to {MaxQuantity}, e.g. 2");
}
