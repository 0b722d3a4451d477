using System.Data.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Completions;

/// <summary>
/// completion/complete: the prompt arguments and resource-template variables that name a record complete from the
/// data, as the user types them into a client's prompt or resource picker. Names that start with the typed text come
/// first (an index range on the resolver's keys), then near names the resolver would offer as candidates (typos,
/// word order); at most <see cref="MaxValues"/>, each a value the prompt or resource accepts as it is.
/// </summary>
public static class CrmCompletions
{
    public const int MaxValues = 10;

    /// <summary>Longer input is not a name being typed; it completes to nothing rather than to a slow read.</summary>
    private const int MaxInput = 200;

    /// <summary>Near names are looked for from this many letters on: shorter input has plenty of prefix matches.</summary>
    private const int NearFrom = 3;

    private delegate Task<List<string>> Completer(DbConnection connection, DbTransaction transaction, string value);

    /// <summary>Every prompt argument that names a record (CrmPrompts), by prompt and argument.</summary>
    public static IReadOnlyDictionary<(string Prompt, string Argument), string> PromptArguments { get; } = new Dictionary<(string, string), string>
    {
        [("prepare_for_call", "company")] = "company",
        [("prepare_for_call", "contact")] = "contact",
        [("log_meeting", "company")] = "company",
        [("log_meeting", "deal")] = "deal",
        [("pipeline_review", "pipeline")] = "pipeline",
        [("forecast", "pipeline")] = "pipeline",
    };

    /// <summary>Every resource template with a record variable (CrmResources), by URI template.</summary>
    public static IReadOnlyDictionary<string, string> ResourceTemplates { get; } = new Dictionary<string, string>
    {
        ["crm://companies/{id}"] = "company",
        ["crm://contacts/{id}"] = "contact",
        ["crm://deals/{id}"] = "deal",
    };

    private static readonly Dictionary<string, Completer> ByKind = new()
    {
        ["company"] = CompaniesAsync,
        ["contact"] = ContactsAsync,
        ["deal"] = DealsAsync,
        ["pipeline"] = PipelinesAsync,
    };

    private static readonly CompleteResult Nothing = new() { Completion = new Completion { Values = [], HasMore = false } };

    public static IMcpServerBuilder WithCrmCompletions(this IMcpServerBuilder builder) => builder.WithCompleteHandler(HandleAsync);

    public static async ValueTask<CompleteResult> HandleAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        var parameters = request.Params ?? throw new McpProtocolException("completion/complete needs params.", McpErrorCode.InvalidParams);
        var argument = parameters.Argument.Name;
        var kind = parameters.Ref switch
        {
            PromptReference prompt => PromptArguments.GetValueOrDefault((prompt.Name, argument)),
            ResourceTemplateReference { Uri: { } uri } when argument == "id" => ResourceTemplates.GetValueOrDefault(uri),
            _ => null,
        };
        var value = parameters.Argument.Value ?? "";
        if (kind is null || value.Length > MaxInput) return Nothing;

        var db = request.Services!.GetRequiredService<CrmDb>();
        var values = await db.ReadAsync((connection, transaction) => ByKind[kind](connection, transaction, value), cancellationToken);
        return new CompleteResult
        {
            Completion = new Completion { Values = values.Take(MaxValues).ToList(), HasMore = values.Count > MaxValues },
        };
    }

    /// <summary>Company names: by name key prefix ("acme" and "ACME, inc" alike), then near names.</summary>
    private static async Task<List<string>> CompaniesAsync(DbConnection connection, DbTransaction transaction, string value)
    {
        var key = NameKeys.Company(value);
        var names = (await CompletionSql.CompanyNamesAsync(connection, transaction, key, MaxValues + 1)).ToList();
        if (names.Count < MaxValues && key.Length >= NearFrom)
            names.AddRange((await Resolver.NearCompaniesAsync(connection, transaction, key)).Select(c => c.Name));
        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Contacts as their email (unique, so the prompt finds exactly that person), else their name: by email
    /// prefix and name prefix, then near names.</summary>
    private static async Task<List<string>> ContactsAsync(DbConnection connection, DbTransaction transaction, string value)
    {
        var emailKey = NameKeys.Email(value);
        var nameKey = value.Contains('@') ? "" : NameKeys.Person(value);
        var people = new List<CompletionSql.PersonRow>();
        if (nameKey.Length > 0) people.AddRange(await CompletionSql.PeopleByNameAsync(connection, transaction, nameKey, MaxValues + 1));
        if (people.Count <= MaxValues) people.AddRange(await CompletionSql.PeopleByEmailAsync(connection, transaction, emailKey, MaxValues + 1));
        var values = people.Select(p => p.Email ?? p.FullName).ToList();
        if (values.Count < MaxValues && nameKey.Length >= NearFrom)
            values.AddRange((await Resolver.NearPeopleAsync(connection, transaction, nameKey)).Select(c => c.Email ?? c.Name));
        return values.Where(v => v.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Deal identifiers: by identifier prefix ("deal-00"), then the deals of companies named so ("acme").</summary>
    private static async Task<List<string>> DealsAsync(DbConnection connection, DbTransaction transaction, string value)
    {
        var identifiers = (await CompletionSql.DealIdentifiersAsync(connection, transaction, value.Trim(), MaxValues + 1)).ToList();
        var companyKey = NameKeys.Company(value);
        if (identifiers.Count < MaxValues && companyKey.Length > 0)
            identifiers.AddRange(await CompletionSql.DealIdentifiersOfCompaniesAsync(connection, transaction, companyKey, MaxValues + 1));
        return identifiers.Distinct(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> PipelinesAsync(DbConnection connection, DbTransaction transaction, string value) =>
        (await CompletionSql.PipelineNamesAsync(connection, transaction, NameKeys.Pipeline(value), MaxValues + 1)).ToList();
}
