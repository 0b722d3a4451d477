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

namespace Crm.Mcp.Features.Contacts;

[McpServerToolType]
public sealed class ContactTools(CrmDb db, Resolver resolver, FieldRegistry fieldRegistry)
{
    private static readonly string[] Clearable = ["email", "phone", "title", "owner_id", "company"];
    private const string ContactForm = "a contact's UUID, email or full name, e.g. \"jane@acme.com\"";

    [McpServerTool(Name = "create_contacts", Title = "Create contacts", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Resolves, Creates]
    [Description("""
        Create 1 to 100 contacts (people); the company is found or created by name; an email in use is an error naming its contact.
        Example: {"items": [{"name": "Jane Founder", "email": "jane@acme.com", "title": "CEO", "company_name": "Acme, Inc."}]}
        """)]
    public Task<BulkResponse<ContactCreated>> CreateContacts(
        [Description("Contacts to create.")] ContactInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        [Description("true: an item whose email is a contact's updates it.")] bool? upsert = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.RunAsync(db, items, atomic, progress, async (connection, transaction, item, path) =>
        {
            item ??= new ContactInput();
            var (name, first, last, email) = Validated(item, path);
            if (upsert == true && email is not null && await ContactSql.FindByEmailAsync(connection, transaction, NameKeys.Email(email), null) is { } existing)
            {
                var written = await ApplyAsync(connection, transaction, existing.Id, new ContactUpdateInput
                {
                    Name = item.Name, FirstName = item.FirstName, LastName = item.LastName, Phone = item.Phone, Title = item.Title,
                    CompanyName = item.CompanyName, CompanyId = item.CompanyId, OwnerId = item.OwnerId,
                }, path + ".");
                return new ContactCreated(new BulkRecord(existing.Id, written.Contact.Name), written.Company, Updated: true);
            }
            var row = NewRow(item, path, name, first, last, email, Clock.NowIso());
            await SetEmailAsync(connection, transaction, row, email, $"{path}.email");
            row.OwnerId = await resolver.RequireUserAsync(connection, transaction, item.OwnerId, $"{path}.owner_id");
            var company = await resolver.ResolveCompanyAsync(connection, transaction, item.CompanyId, item.CompanyName, $"{path}.company_id", $"{path}.company_name");
            await ContactSql.InsertAsync(connection, transaction, row);
            if (company is not null) await ContactSql.SetCompanyAsync(connection, transaction, row.Id, company.Id, row.CreatedAt);
            return new ContactCreated(new BulkRecord(row.Id, row.FullName), company);
        }, cancellationToken,
        // An upsert may rename the contact it finds: not keyed, it writes alone.
        // The email and name each item creates, locked up front as the resolver would lock them (its company by name
        // is locked by the resolver itself).
        keysOf: upsert == true ? null : (keys, item) => keys.Add(Resolver.PersonKeys(
            NameKeys.Person(item?.Name ?? $"{item?.FirstName} {item?.LastName}"), item?.Email is { } email ? NameKeys.Email(email) : null)),
        // Without upsert an item never looks for its person: runs of valid items are written set-based (ContactBatch).
        setBased: upsert == true ? null : new SetBased<ContactInput, ContactCreated>(ContactBatch.Eligible,
            (connection, transaction, run) => ContactBatch.WriteAsync(connection, transaction, resolver, run)));

    /// <summary>create_contacts' checks of an item's name and email, in the item path's order (before an upsert looks the email up).</summary>
    internal static (string? Name, string? First, string? Last, string? Email) Validated(ContactInput item, string path) => (
        Validate.Text($"{path}.name", item.Name, 200, "\"Jane Founder\""),
        Validate.Text($"{path}.first_name", item.FirstName, 100, "\"Jane\""),
        Validate.Text($"{path}.last_name", item.LastName, 100, "\"Founder\""),
        item.Email is null ? null : Validate.Email($"{path}.email", item.Email));

    /// <summary>The person a create_contacts item makes, checked without the database (the email's owner, the
    /// owner_id and the company are the database's to settle).</summary>
    internal static ContactSql.PersonRow NewRow(ContactInput item, string path, string? name, string? first, string? last, string? email, string now)
    {
        if (name is null && first is null && last is null && email is null)
            throw CrmError.Invalid(path, "a contact needs a name or an email.", "{\"name\": \"Jane Founder\", \"email\": \"jane@acme.com\"}");
        var row = new ContactSql.PersonRow
        {
            Id = Ids.New(),
            Phone = Validate.Text($"{path}.phone", item.Phone, 50, "\"+1 415 555 0100\""),
            Title = Validate.Text($"{path}.title", item.Title, 200, "\"CEO\""),
            Notes = Validate.Text($"{path}.notes", item.Notes, 20000),
            CreatedAt = now, UpdatedAt = now,
        };
        SetName(row, path, name, first, last, email);
        if (email is not null) (row.Email, row.EmailKey) = (email, NameKeys.Email(email));
        return row;
    }

    [McpServerTool(Name = "get_contacts", Title = "List contacts", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List contacts, by name unless sorted. Example: {\"company\": \"Acme\", \"search\": \"jane\"}")]
    public Task<ListReply> GetContacts(
        [Description("Company name or UUID.")] string? company = null,
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        [Description(ListDocs.Fields)] string[]? fields = null,
        [Description(ListDocs.View)] string? view = null,
        CancellationToken cancellationToken = default) =>
        ListTool.RunAsync(db, fieldRegistry, ContactItems.Kind, new ListRequest(filters, search, sort, limit, cursor), fields, view,
            async (connection, transaction) => company is null ? [] :
                [Filter.Rule("company_ids", FilterOps.HasAny, new[] { await Lookup.CompanyIdAsync(connection, transaction, company, "company") })],
            cancellationToken);

    [McpServerTool(Name = "get_contact", Title = "Get contact", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("Get one contact with companies and up to 50 deals. Example: {\"contact\": \"jane@acme.com\"}")]
    public async Task<ContactDetailResponse> GetContact(
        [Description("UUID, email or full name, e.g. \"jane@acme.com\".")] string contact,
        CancellationToken cancellationToken = default)
    {
        var key = Required("contact", contact);
        return await db.ReadAsync(async (connection, transaction) =>
        {
            var id = await Lookup.PersonIdAsync(connection, transaction, key, "contact");
            return new ContactDetailResponse(await ContactSql.DetailAsync(connection, transaction, id), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "update_contact", Title = "Update contact", ReadOnly = false, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Resolves]
    [Description("Change a contact's fields; omitted arguments stay, `clear` empties fields. Example: {\"contact\": \"Jane Founder\", \"title\": \"CTO\", \"company_name\": \"Globex\"}")]
    public async Task<ContactWriteResponse> UpdateContact(
        [Description("UUID, email or full name, e.g. \"jane@acme.com\".")] string contact,
        [Description("Full name.")] string? name = null,
        [Description("Given name.")] string? first_name = null,
        [Description("Family name.")] string? last_name = null,
        [Description("New email, not another contact's.")] string? email = null,
        [Description("Phone number.")] string? phone = null,
        [Description("Job title.")] string? title = null,
        [Description("Found or created; becomes the only company.")] string? company_name = null,
        [Description("Company UUID; becomes the only company.")] string? company_id = null,
        [Description("Owner's user UUID.")] string? owner_id = null,
        [Description(ClearFields.Doc + " \"company\" removes every company link.")] string[]? clear = null,
        CancellationToken cancellationToken = default)
    {
        var input = new ContactUpdateInput
        {
            Contact = contact, Name = name, FirstName = first_name, LastName = last_name, Email = email, Phone = phone, Title = title,
            CompanyName = company_name, CompanyId = company_id, OwnerId = owner_id, Clear = clear,
        };
        return new ContactWriteResponse(await db.WriteAsync((connection, transaction) => UpdateAsync(connection, transaction, input, ""), cancellationToken), true);
    }

    [Toolset("bulk")]
    [ItemsLike("update_contact")]
    [McpServerTool(Name = "update_contacts", Title = "Update contacts", ReadOnly = false, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Resolves]
    [Description("""
        Change 1 to 100 contacts.
        Example: {"items": [{"contact": "jane@acme.com", "title": "CTO"}, {"contact": "Bob Builder", "clear": ["phone"]}]}
        """)]
    public Task<BulkResponse<ContactCreated>> UpdateContacts(
        [Description("Changes, one per contact.")] ContactUpdateInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.UpdateAsync(db, items, atomic, progress, async (connection, transaction, item, prefix) =>
        {
            var written = await UpdateAsync(connection, transaction, item, prefix);
            return new ContactCreated(new BulkRecord(written.Contact.Id, written.Contact.Name), written.Company);
        }, cancellationToken);

    /// <summary>update_contact and update_contacts alike; field names in errors carry <paramref name="prefix"/>.</summary>
    private async Task<ContactWrite> UpdateAsync(DbConnection connection, DbTransaction transaction, ContactUpdateInput input, string prefix)
    {
        string F(string name) => prefix + name;
        var key = Required(F("contact"), input.Contact);
        var id = await Lookup.PersonIdAsync(connection, transaction, key, F("contact"));
        return await ApplyAsync(connection, transaction, id, input, prefix);
    }

    /// <summary>Writes <paramref name="input"/>'s fields onto the contact <paramref name="id"/>: omitted fields stay.</summary>
    private async Task<ContactWrite> ApplyAsync(DbConnection connection, DbTransaction transaction, string id, ContactUpdateInput input, string prefix)
    {
        string F(string name) => prefix + name;
        var cleared = ClearFields.Read(input.Clear, Clearable, F("clear"));
        foreach (var (field, value) in new (string, object?)[] { ("email", input.Email), ("phone", input.Phone), ("title", input.Title), ("owner_id", input.OwnerId), ("company", input.CompanyName ?? input.CompanyId) })
            ClearFields.NotBoth(cleared, field, value, prefix);
        var newName = Validate.Text(F("name"), input.Name, 200, "\"Jane Founder\"");
        var newFirst = Validate.Text(F("first_name"), input.FirstName, 100, "\"Jane\"");
        var newLast = Validate.Text(F("last_name"), input.LastName, 100, "\"Founder\"");
        var newEmail = input.Email is null ? null : Validate.Email(F("email"), input.Email);
        var newPhone = Validate.Text(F("phone"), input.Phone, 50, "\"+1 415 555 0100\"");
        var newTitle = Validate.Text(F("title"), input.Title, 200, "\"CTO\"");

        var row = (await ContactSql.FindAsync(connection, transaction, id))!;
        var now = Clock.NowIso();
        if (newName is not null || newFirst is not null || newLast is not null)
            SetName(row, F("name"), newName, newFirst ?? (newName is null ? row.FirstName : null), newLast ?? (newName is null ? row.LastName : null), null);
        if (cleared.Contains("email")) (row.Email, row.EmailKey) = (null, null);
        else if (newEmail is not null) await SetEmailAsync(connection, transaction, row, newEmail, F("email"));
        row.Phone = cleared.Contains("phone") ? null : newPhone ?? row.Phone;
        row.Title = cleared.Contains("title") ? null : newTitle ?? row.Title;
        var ownerId = await resolver.RequireUserAsync(connection, transaction, input.OwnerId, F("owner_id"));
        row.OwnerId = cleared.Contains("owner_id") ? null : ownerId ?? row.OwnerId;
        row.UpdatedAt = now;
        await ContactSql.UpdateAsync(connection, transaction, row);

        var company = await resolver.ResolveCompanyAsync(connection, transaction, input.CompanyId, input.CompanyName, F("company_id"), F("company_name"));
        if (company is not null || cleared.Contains("company"))
            await ContactSql.SetCompanyAsync(connection, transaction, id, company?.Id, now);
        return new ContactWrite(await ContactSql.ViewAsync(connection, transaction, id), company);
    }

    [Toolset("destructive")]
    [McpServerTool(Name = "delete_contacts", Title = "Delete contacts", ReadOnly = false, Destructive = true, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Permanently delete 1 to 100 contacts by UUID, email or full name: irreversible. Their deals and companies stay, without them. Example: {\"contacts\": [\"jane@acme.com\"]}")]
    public Task<BulkResponse<BulkRecord>> DeleteContacts(
        [Description("Contact UUIDs, emails or full names.")] string[] contacts,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.DeleteAsync(db, "contacts", contacts, "[\"jane@acme.com\"]", atomic, progress, async (connection, transaction, reference, path) =>
        {
            var id = await Lookup.PersonIdAsync(connection, transaction, Required(path, reference), path);
            var row = (await ContactSql.FindAsync(connection, transaction, id))!;
            await ContactSql.DeleteAsync(connection, transaction, id);
            return new BulkRecord(id, row.FullName);
        }, cancellationToken);

    private static string Required(string field, string? value) =>
        Validate.RequiredText(field, value, 254, ContactForm);

    /// <summary>Full name from name, else first + last, else none (an email is not a name); first/last split from a
    /// full name when not given.</summary>
    private static void SetName(ContactSql.PersonRow row, string path, string? name, string? first, string? last, string? email)
    {
        var full = name ?? (first is null && last is null ? "" : string.Join(' ', new[] { first, last }.Where(p => !string.IsNullOrEmpty(p))));
        var key = NameKeys.Person(full);
        if (key.Length == 0 && (full.Length > 0 || email is null))
            throw CrmError.Invalid(path.EndsWith(".name") || path == "name" ? path : $"{path}.name", $"'{full}' has no letters or digits.", "a name such as \"Jane Founder\"");
        if (name is not null && first is null && last is null)
        {
            var split = name.LastIndexOf(' ');
            (first, last) = split < 0 ? (name, "") : (name[..split].Trim(), name[(split + 1)..]);
        }
        (row.FullName, row.NameKey, row.FirstName, row.LastName) = (full, key, first ?? "", last ?? "");
    }

    private static async Task SetEmailAsync(DbConnection connection, DbTransaction transaction, ContactSql.PersonRow row, string? email, string field)
    {
        if (email is null) return;
        var emailKey = NameKeys.Email(email);
        var other = await ContactSql.FindByEmailAsync(connection, transaction, emailKey, row.Id);
        if (other is not null)
            throw new CrmError(ErrorCodes.Conflict, field,
                $"{field}: {email} already belongs to the contact '{other.FullName}' ({other.Id}); emails are unique.",
                "a different email, or update that contact instead")
            {
                Candidates = [new Candidate(other.Id, other.FullName, other.Email, 1.0, "same email")],
            };
        (row.Email, row.EmailKey) = (email, emailKey);
    }
}
