using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.Mcp.Transfer;

/// <summary>The import report as a person reads it, and as JSON for scripts.</summary>
public static class ImportReportText
{
    public static string Format(ImportReport report, string fileName)
    {
        var text = new StringBuilder();
        var entity = report.Entity.ToString().ToLowerInvariant();
        text.AppendLine($"{(report.DryRun ? "Dry run (nothing written): " : "")}{fileName}: {report.Rows} {entity} rows: {report.Created} created, {report.Matched} matched, {report.Rejected.Count} rejected.");
        foreach (var (kind, counts) in report.Records)
            text.AppendLine($"  {kind}: {counts.Created} created, {counts.Matched} matched");
        if (report.Rejected.Count > 0)
        {
            text.AppendLine("Rejected rows (fix them in the file and import it again; rows already imported will match):");
            foreach (var row in report.Rejected)
                text.AppendLine($"  row {row.Row} (line {row.Line}): {row.Reason}");
        }
        if (report.IgnoredColumns.Count > 0)
            text.AppendLine($"Columns not imported: {string.Join(", ", report.IgnoredColumns)}");
        if (report.Failure is not null) text.AppendLine($"Stopped: {report.Failure}");
        return text.ToString();
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, TypeInfoResolver = Common.CommonJsonContext.Default };

    /// <summary>Built as a JSON tree rather than serialized from an anonymous type: the native build has no reflection.</summary>
    public static string Json(ImportReport report, string fileName) => new JsonObject
    {
        ["file"] = fileName,
        ["source"] = report.Source.ToString().ToLowerInvariant(),
        ["entity"] = report.Entity.ToString().ToLowerInvariant(),
        ["dry_run"] = report.DryRun,
        ["rows"] = report.Rows,
        ["created"] = report.Created,
        ["matched"] = report.Matched,
        ["rejected"] = new JsonArray(report.Rejected
            .Select(r => (JsonNode?)new JsonObject { ["row"] = r.Row, ["line"] = r.Line, ["column"] = r.Column, ["reason"] = r.Reason }).ToArray()),
        ["records"] = new JsonObject(report.Records.Select(r => KeyValuePair.Create(r.Key,
            (JsonNode?)new JsonObject { ["created"] = r.Value.Created, ["matched"] = r.Value.Matched }))),
        ["ignored_columns"] = new JsonArray(report.IgnoredColumns.Select(c => (JsonNode?)c).ToArray()),
        ["failure"] = report.Failure,
    }.ToJsonString(Indented);
}
