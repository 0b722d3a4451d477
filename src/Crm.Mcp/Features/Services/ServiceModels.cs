using System.ComponentModel;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Services;

public sealed record ServiceDealRef(string Id, string Identifier, string Name);

/// <summary>A deal line item: a unit price times a quantity, in the deal's currency.</summary>
public sealed record ServiceView
{
    public required string Id { get; init; }
    public required string DealId { get; init; }
    public required ServiceDealRef Deal { get; init; }
    public required string Name { get; init; }
    [Description("Unit price in minor units as a string, e.g. \"250000\" for $2,500.00.")]
    public required string Amount { get; init; }
    public required AmountDisplay AmountDisplay { get; init; }
    public required string Currency { get; init; }
    public required long Quantity { get; init; }
    [Description("amount × quantity in minor units as a string.")]
    public required string Total { get; init; }
    public required AmountDisplay TotalDisplay { get; init; }
    [Description("Order among the deal's services, from 1.")]
    public required long Position { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
}

/// <summary>A service as create_services takes it.</summary>
public sealed record ServiceInput
{
    public string? Name { get; init; }

    [Description("Unit price, major units of the deal's currency.")]
    public double? Amount { get; init; }

    [Description("1 to 1000000. Default 1.")]
    public long? Quantity { get; init; }

    [Description("ISO 4217; the deal's (default).")]
    public string? Currency { get; init; }
}

/// <summary>What a deal's services add up to, as the deal itself reports it.</summary>
public sealed record DealServiceTotals(
    string DealId,
    [property: Description("Sum of amount × quantity over the deal's services, minor units as a string.")] string TotalValue,
    AmountDisplay TotalValueDisplay,
    [property: Description("Sum of the services' quantities.")] long TotalQuantity);

/// <summary>A change to one service, as update_service and update_services take it.</summary>
public sealed record ServiceUpdateInput
{
    [Description("The service's UUID.")]
    public string? Service { get; init; }
    public string? Name { get; init; }
    [Description("Unit price in major units of the deal's currency.")]
    public double? Amount { get; init; }
    [Description("Whole quantity, 1 to 1000000.")]
    public long? Quantity { get; init; }
}

public sealed record ServiceResponse(ServiceView Data, bool Success);

public sealed record ServiceUpdated(ServiceView Service, DealServiceTotals DealTotals);

public sealed record ServiceUpdatedResponse(ServiceUpdated Data, bool Success);

/// <summary>get_services' items.</summary>
public static class ServiceItems
{
    public static ListKind<ServiceView> Kind { get; } = new(ServiceFields.Entity, "id", ServiceSql.FindManyAsync, s => s.Id, Compact);

    public static JsonObject Compact(ServiceView service) => ListTool.Item(
        ("id", service.Id), ("name", service.Name), ("deal", service.Deal.Identifier), ("amount", Money.Exact(service.Amount, service.Currency)),
        ("quantity", service.Quantity), ("total", Money.Exact(service.Total, service.Currency)));
}
