using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Crm.Mcp.Bulk;
using Crm.Mcp.Features.Companies;
using Crm.Mcp.Features.Contacts;
using Crm.Mcp.Features.CustomFields;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Features.Duplicates;
using Crm.Mcp.Features.Journal;
using Crm.Mcp.Features.Links;
using Crm.Mcp.Features.Notes;
using Crm.Mcp.Features.Pipelines;
using Crm.Mcp.Features.Search;
using Crm.Mcp.Features.Services;
using Crm.Mcp.Features.Tasks;
using Crm.Mcp.Features.Users;
using Crm.Mcp.Features.Webhooks;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using Crm.Mcp.Transfer;

namespace Crm.Mcp.Common;

/// <summary>
/// Compile-time JSON metadata for every type the server reads or writes as JSON: the native build has no other (it
/// cannot serialize by reflection), and <see cref="CrmJson.Options"/> uses nothing else in the JIT build either, so a
/// missing type fails the tests, not a user's native binary. A tool's arguments and reply, a CLI command's JSON output,
/// a stored JSON column: add its type here (nested types come with it). ToolJsonTests names any tool type left out.
/// The generation options only matter for the context's own Options; the server serializes through CrmJson.Options.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
// Tool replies
[JsonSerializable(typeof(BulkResponse<BulkRecord>))]
[JsonSerializable(typeof(BulkResponse<ContactCreated>))]
[JsonSerializable(typeof(BulkResponse<DealWritten>))]
[JsonSerializable(typeof(ChangePageResponse))]
[JsonSerializable(typeof(CompanyDetailResponse))]
[JsonSerializable(typeof(CompanyPageResponse))]
[JsonSerializable(typeof(CompanyResponse))]
[JsonSerializable(typeof(ConfigurationResponse))]
[JsonSerializable(typeof(ContactDetailResponse))]
[JsonSerializable(typeof(ContactPageResponse))]
[JsonSerializable(typeof(ContactWriteResponse))]
[JsonSerializable(typeof(CustomFieldResponse))]
[JsonSerializable(typeof(CustomFieldValuesResponse))]
[JsonSerializable(typeof(DealDraftResponse))]
[JsonSerializable(typeof(DealPageResponse))]
[JsonSerializable(typeof(DealResponse))]
[JsonSerializable(typeof(DealWriteResponse))]
[JsonSerializable(typeof(DeletedCustomFieldResponse))]
[JsonSerializable(typeof(DeliveryPageResponse))]
[JsonSerializable(typeof(DeliveryResponse))]
[JsonSerializable(typeof(DuplicateListResponse))]
[JsonSerializable(typeof(LinkResponse))]
[JsonSerializable(typeof(MergeResponse))]
[JsonSerializable(typeof(NoteResponse))]
[JsonSerializable(typeof(PipelineListResponse))]
[JsonSerializable(typeof(RevertResponse))]
[JsonSerializable(typeof(SearchResponse))]
[JsonSerializable(typeof(ServicePageResponse))]
[JsonSerializable(typeof(ServiceUpdatedResponse))]
[JsonSerializable(typeof(StageChangeResponse))]
[JsonSerializable(typeof(StageDeletionResponse))]
[JsonSerializable(typeof(TaskPageResponse))]
[JsonSerializable(typeof(TaskResponse))]
[JsonSerializable(typeof(UserPageResponse))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(WebhookDeletedResponse))]
[JsonSerializable(typeof(WebhookPageResponse))]
[JsonSerializable(typeof(WebhookSecretResponse))]
// Tool arguments
[JsonSerializable(typeof(CompanyInput[]))]
[JsonSerializable(typeof(ContactInput[]))]
[JsonSerializable(typeof(DealInput[]))]
[JsonSerializable(typeof(DealUpdateInput[]))]
[JsonSerializable(typeof(PersonInput[]))]
[JsonSerializable(typeof(ServiceInput[]))]
[JsonSerializable(typeof(TaskInput[]))]
[JsonSerializable(typeof(Filter[]))]
[JsonSerializable(typeof(SortInput[]))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(double?))]
[JsonSerializable(typeof(decimal))]
// Errors; prompts and resources embed records; stored JSON columns, cursors and CLI output use the rest.
[JsonSerializable(typeof(ToolErrorResponse))]
[JsonSerializable(typeof(IReadOnlyList<PipelineView>))]
[JsonSerializable(typeof(CompanyDetail))]
[JsonSerializable(typeof(ContactDetail))]
[JsonSerializable(typeof(DealView))]
[JsonSerializable(typeof(IDictionary<string, object?>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, long>))]
[JsonSerializable(typeof(IDictionary<string, JsonElement>))]
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(object[]))]
[JsonSerializable(typeof(List<object>))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(CrmExport))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
internal sealed partial class CrmJsonContext : JsonSerializerContext;
