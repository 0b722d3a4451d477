using System.Text;
using System.Text.Json;

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

    public static string Json(ImportReport report, string fileName) => JsonSerializer.Serialize(new
    {
        file = fileName,
        source = report.Source.ToString().ToLowerInvariant(),
        entity = report.Entity.ToString().ToLowerInvariant(),
        dry_run = report.DryRun,
        rows = report.Rows,
        created = report.Created,
        matched = report.Matched,
        rejected = report.Rejected.Select(r => new { row = r.Row, line = r.Line, column = r.Column, reason = r.Reason }),
        records = report.Records.ToDictionary(r => r.Key, r => new { created = r.Value.Created, matched = r.Value.Matched }),
        ignored_columns = report.IgnoredColumns,
        failure = report.Failure,
    }, new JsonSerializerOptions { WriteIndented = true });
}
