using Crm.Mcp.Data;

namespace Crm.Mcp.Resolution;

/// <summary>
/// The <see cref="WriteKeys"/> of what <see cref="Resolver"/> will look up for a name, computed from the raw input
/// before the transaction (bad input adds what it can: validation still fails later, inside the write). Each mirrors
/// its Resolve method: the company's name key and the domain it may claim; a person's mailbox (an email, any +tag) and
/// name key; a stage's name key.
/// </summary>
public static class ResolutionKeys
{
    public static WriteKeys Company(this WriteKeys keys, string? name, string? domain = null) => keys
        .Add("company", string.IsNullOrWhiteSpace(name) ? null : NameKeys.Company(name))
        .Add("domain", Domains.Normalize(domain));

    public static WriteKeys Person(this WriteKeys keys, string? name, string? firstName, string? lastName, string? email)
    {
        var fullName = !string.IsNullOrWhiteSpace(name) ? name : string.Join(' ', new[] { firstName, lastName }.Where(p => !string.IsNullOrWhiteSpace(p)));
        return keys
            .Add("person", NameKeys.Person(fullName))
            .Add("mailbox", string.IsNullOrWhiteSpace(email) ? null : NameKeys.Mailbox(NameKeys.Email(email)));
    }

    public static WriteKeys Person(this WriteKeys keys, PersonInput? person) =>
        person is null ? keys : keys.Person(person.Name, person.FirstName, person.LastName, person.Email);

    public static WriteKeys Stage(this WriteKeys keys, string? name) =>
        keys.Add("stage", string.IsNullOrWhiteSpace(name) ? null : NameKeys.Stage(name));
}
