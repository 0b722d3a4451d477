using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Crm.Mcp.Bulk;
using Crm.Mcp.Features.Activities;
using Crm.Mcp.Features.Board;
using Crm.Mcp.Features.Companies;
using Crm.Mcp.Features.Contacts;
using Crm.Mcp.Features.CustomFields;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Features.Duplicates;
using Crm.Mcp.Features.Journal;
using Crm.Mcp.Features.Links;
using Crm.Mcp.Features.Notes;
using Crm.Mcp.Features.Pipelines;
using Crm.Mcp.Features.Reports;
using Crm.Mcp.Features.Search;
using Crm.Mcp.Features.Services;
using Crm.Mcp.Features.Tasks;
using Crm.Mcp.Features.Users;
using Crm.Mcp.Features.Webhooks;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using Crm.Mcp.Transfer;

using Crm.Mcp.Common;
using System.Runtime.CompilerServices;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Compile-time JSON metadata for every feature type the server reads or writes as JSON: the native build has no other
/// (it cannot serialize by reflection), and <see cref="CrmJson.Options"/> uses nothing else in the JIT build either, so
/// a missing type fails the tests, not a user's native binary. A tool's arguments and reply, a CLI command's JSON
/// output: add its type here (nested types come with it); NativeBuildTests names any tool type left out. Plain types
/// (strings, lists, JSON nodes) are in <see cref="CommonJsonContext"/>. It lives here, not in Common, because it names
/// every feature; a module initializer hands it to CrmJson before any code runs.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
// Tool replies
[JsonSerializable(typeof(ActivityResponse))]
[JsonSerializable(typeof(AppendedNoteResponse))]
[JsonSerializable(typeof(BulkResponse<BulkRecord>))]
[JsonSerializable(typeof(BulkResponse<ContactCreated>))]
[JsonSerializable(typeof(BulkResponse<DealWritten>))]
[JsonSerializable(typeof(BulkResponse<UpsertedRecord>))]
[JsonSerializable(typeof(ChangePageResponse))]
[JsonSerializable(typeof(CompanyDetailResponse))]
[JsonSerializable(typeof(CompanyResponse))]
[JsonSerializable(typeof(ConfigurationResponse))]
[JsonSerializable(typeof(ContactDetailResponse))]
[JsonSerializable(typeof(ContactWriteResponse))]
[JsonSerializable(typeof(CustomFieldResponse))]
[JsonSerializable(typeof(CustomFieldValuesResponse))]
[JsonSerializable(typeof(DealDraftResponse))]
[JsonSerializable(typeof(DealReportResponse))]
[JsonSerializable(typeof(DealResponse))]
[JsonSerializable(typeof(DealWriteResponse))]
[JsonSerializable(typeof(DeletedCustomFieldResponse))]
[JsonSerializable(typeof(DeliveryPageResponse))]
[JsonSerializable(typeof(DeliveryResponse))]
[JsonSerializable(typeof(DuplicateListResponse))]
[JsonSerializable(typeof(LinkResponse))]
[JsonSerializable(typeof(ListReply))]
[JsonSerializable(typeof(MergeResponse))]
[JsonSerializable(typeof(NoteResponse))]
[JsonSerializable(typeof(PipelineBoardResponse))]
[JsonSerializable(typeof(PipelineDeletionResponse))]
[JsonSerializable(typeof(PipelineListResponse))]
[JsonSerializable(typeof(PipelineResponse))]
[JsonSerializable(typeof(RevertResponse))]
[JsonSerializable(typeof(SearchResponse))]
[JsonSerializable(typeof(ServiceResponse))]
[JsonSerializable(typeof(ServiceUpdatedResponse))]
[JsonSerializable(typeof(StageChangeResponse))]
[JsonSerializable(typeof(StageDeletionResponse))]
[JsonSerializable(typeof(TaskResponse))]
[JsonSerializable(typeof(TimelineResponse))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(WebhookDeletedResponse))]
[JsonSerializable(typeof(WebhookPageResponse))]
[JsonSerializable(typeof(WebhookSecretResponse))]
// Tool arguments
[JsonSerializable(typeof(CompanyInput[]))]
[JsonSerializable(typeof(CompanyUpdateInput[]))]
[JsonSerializable(typeof(ContactInput[]))]
[JsonSerializable(typeof(ContactUpdateInput[]))]
[JsonSerializable(typeof(DealInput[]))]
[JsonSerializable(typeof(DealUpdateInput[]))]
[JsonSerializable(typeof(Filter[]))]
[JsonSerializable(typeof(PersonInput[]))]
[JsonSerializable(typeof(ServiceInput[]))]
[JsonSerializable(typeof(ServiceUpdateInput[]))]
[JsonSerializable(typeof(SortInput[]))]
[JsonSerializable(typeof(StageInput[]))]
[JsonSerializable(typeof(TaskInput[]))]
[JsonSerializable(typeof(TaskUpdateInput[]))]
// Errors; prompts and resources embed records; stored JSON columns, cursors and CLI output use the rest.
[JsonSerializable(typeof(ToolErrorResponse))]
[JsonSerializable(typeof(IReadOnlyList<PipelineView>))]
[JsonSerializable(typeof(CompanyDetail))]
[JsonSerializable(typeof(ContactDetail))]
[JsonSerializable(typeof(DealView))]
[JsonSerializable(typeof(CrmExport))]
internal sealed partial class CrmJsonContext : JsonSerializerContext
{
#pragma warning disable CA2255 // an application's own initializer: CrmJson must know the feature types before any use
    [ModuleInitializer]
    internal static void Register() => CrmJson.Use(Default);
#pragma warning restore CA2255
}
