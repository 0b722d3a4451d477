using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Resolution;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Transfer;

public enum RowOutcome { Created, Matched, Rejected }

public sealed record RejectedRow(int Row, int Line, string? Column, string Reason);

/// <summary>Counts of one kind of record an import touched.</summary>
public sealed class RecordCounts
{
    public int Created { get; set; }
    public int Matched { get; set; }
}

public sealed class ImportReport
{
    public required ImportSource Source { get; init; }
    public required ImportEntity Entity { get; init; }
    public bool DryRun { get; init; }
    public int Rows { get; set; }
    public int Created { get; set; }
    public int Matched { get; set; }
    public List<RejectedRow> Rejected { get; } = [];
    /// <summary>Every kind of record touched, including the companies, people, owners and stages rows refer to.</summary>
    public SortedDictionary<string, RecordCounts> Records { get; } = new(StringComparer.Ordinal);
    public IReadOnlyList<string> IgnoredColumns { get; init; } = [];
    public string? Failure { get; set; }

    public void Count(string kind, bool created)
    {
        if (!Records.TryGetValue(kind, out var counts)) Records[kind] = counts = new RecordCounts();
        if (created) counts.Created++; else counts.Matched++;
    }
}

public sealed record ImportProgress(int Done, int Total, int Created, int Matched, int Rejected);

/// <summary>Batches: one transaction per batch. Auto: the load path (<see cref="BulkLoad"/>) when the import is large
/// relative to the database on SQLite, else batches.</summary>
public enum ImportMode { Batches, Auto }

/// <summary>
/// Writes an import plan through the Resolver, so imported names land on the records the CRM already has: a company
/// by its normalized name, a person by email then name, a deal by its source id (import_keys) or its name at its
/// company. Each batch is one transaction (all of it or none of it); inside, each row has a savepoint, so a rejected
/// row leaves nothing behind and is reported with its reason while the batch's other rows go in.
/// </summary>
public sealed class Importer(CrmDb db, Resolver resolver, CrmSettings settings)
{
    /// <summary>Rows per transaction. Each commit writes every page the batch dirtied to the WAL (and a checkpoint
    /// writes them again); with random UUID keys a batch dirties pages all over each index, so fewer, larger batches
    /// write far less (BENCHMARKS.md, "Issue 15, third session").</summary>
    public const int DefaultBatchSize = 5000;

    /// <summary>A batch's dirty pages must fit the page cache, or SQLite spills them to the WAL mid-transaction (the
    /// default cache is 2 MiB); 128 MiB is an upper bound, used only as pages are read.</summary>
    private const int ImportCacheKiB = 128 * 1024;

    /// <summary>Thrown to roll a dry run's batch back after it was fully resolved.</summary>
    private sealed class DryRunRollback : Exception;

    public async Task<ImportReport> RunAsync(ImportPlan plan, bool dryRun = false, int batchSize = DefaultBatchSize,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default, ImportMode mode = ImportMode.Batches)
    {
        var report = new ImportReport { Source = plan.Source, Entity = plan.Entity, DryRun = dryRun, IgnoredColumns = plan.IgnoredColumns };
        var source = plan.Source.ToString().ToLowerInvariant();
        var batches = plan.Records.Chunk(Math.Max(1, batchSize)).ToList();
        if (mode == ImportMode.Auto && !dryRun && batches.Count > 1 && !db.IsPostgres && await BulkLoad.FitsAsync(db, plan.Records.Count, cancellationToken))
            return await LoadAsync(plan, source, batches, report, progress, cancellationToken);
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batchReport = new ImportReport { Source = plan.Source, Entity = plan.Entity };
            try
            {
                await db.WriteAsync(async (connection, transaction) =>
                {
                    await SearchIndexBatch.BeginAsync(connection, transaction);
                    await ReserveCacheAsync(connection, transaction);
                    await WriteBatchAsync(connection, transaction, plan, source, batch, batchReport);
                    await SearchIndexBatch.EndAsync(connection, transaction);
                    if (dryRun) throw new DryRunRollback();
                    return 0;
                }, cancellationToken);
            }
            catch (DryRunRollback) { }
            catch (Exception e) when (e is DbException or InvalidOperationException)
            {
                report.Failure = $"rows {batch[0].Row}-{batch[^1].Row} were not imported (their batch was rolled back): {e.Message}";
                break;
            }
            Add(report, batchReport, batch.Length, plan.Records.Count, progress);
        }
        return report;
    }

    /// <summary>
    /// The load path (<see cref="BulkLoad"/>): every batch in one transaction, the indexes nothing in an import reads
    /// built once at its end instead of row by row, the journal sealed before them, the word index merged afterwards;
    /// the set-based rows' journal rows and search documents written per batch set-based, their name blocks at the end
    /// (<see cref="BulkLoad.WriteDerivedAsync"/>).
    /// Each batch is written exactly as in its own transaction (same row decisions, same rows), so the report is the
    /// same; a failure or a kill leaves the database as it was before the import.
    /// </summary>
    private async Task<ImportReport> LoadAsync(ImportPlan plan, string source, List<ImportRecord[]> batches, ImportReport report,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var batchReports = new List<ImportReport>();
        try
        {
            await db.WriteAsync(async (connection, transaction) =>
            {
                await SearchIndexBatch.BeginAsync(connection, transaction);
                await ReserveCacheAsync(connection, transaction);
                var derive = await BulkLoad.CanDeriveAsync(connection, transaction) ? new BulkLoad.LoadJournal() : null;
                var deferred = await BulkLoad.DeferIndexesAsync(connection, transaction, derive is not null);
                batchReports.Clear(); // a transaction retried after a busy error starts over
                foreach (var batch in batches)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    batchReports.Add(new ImportReport { Source = plan.Source, Entity = plan.Entity });
                    await WriteBatchAsync(connection, transaction, plan, source, batch, batchReports[^1], derive);
                }
                await BulkLoad.IndexSearchAsync(connection, transaction);
                // Sealed here, before ix_change_records_change exists again, so the seal moves no index entry; the derived
                // rows have their change already, so it rewrites only the rows the row path's triggers wrote.
                await ChangeJournal.SealAsync(connection, transaction, opened: derive?.ChangeId);
                await BulkLoad.BuildIndexesAsync(connection, transaction, deferred);
                if (derive is not null) await BulkLoad.FillNameBlocksAsync(connection, transaction);
                return 0;
            }, cancellationToken);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            report.Failure = $"rows {batches[0][0].Row}-{batches[^1][^1].Row} were not imported (the load was rolled back): {e.Message}";
            return report;
        }
        for (var i = 0; i < batches.Count; i++) Add(report, batchReports[i], batches[i].Length, plan.Records.Count, progress);
        await BulkLoad.MergeWordIndexAsync(db, cancellationToken);
        return report;
    }

    private static void Add(ImportReport report, ImportReport batchReport, int rows, int total, IProgress<ImportProgress>? progress)
    {
        Merge(report, batchReport);
        report.Created += batchReport.Created;
        report.Matched += batchReport.Matched;
        report.Rejected.AddRange(batchReport.Rejected);
        report.Rows += rows;
        progress?.Report(new ImportProgress(report.Rows, total, report.Created, report.Matched, report.Rejected.Count));
    }

    /// <summary>One batch's rows inside the caller's transaction: set-based where a join settles them, else row by row,
    /// each in its savepoint, so a rejected row leaves nothing behind.</summary>
    private async Task WriteBatchAsync(DbConnection connection, DbTransaction transaction, ImportPlan plan, string source,
        ImportRecord[] batch, ImportReport batchReport, BulkLoad.LoadJournal? derive = null)
    {
        // People rows a join settles are written set-based; the others, one by one below (PeopleBatch).
        IReadOnlyList<ImportRecord> rows = plan.Entity == ImportEntity.People
            ? await PeopleBatch.WriteAsync(connection, transaction, source, batch, batchReport, PersonField, derive)
            : batch;
        foreach (var record in rows)
        {
            await connection.ExecuteAsync("SAVEPOINT import_row", transaction: transaction);
            var rowReport = new ImportReport { Source = plan.Source, Entity = plan.Entity };
            try
            {
                var outcome = await ImportRowAsync(connection, transaction, plan, source, record, rowReport);
                await connection.ExecuteAsync("RELEASE import_row", transaction: transaction);
                Merge(batchReport, rowReport);
                if (outcome == RowOutcome.Created) batchReport.Created++; else batchReport.Matched++;
            }
            catch (CrmError error)
            {
                await connection.ExecuteAsync("ROLLBACK TO import_row; RELEASE import_row", transaction: transaction);
                batchReport.Rejected.Add(new RejectedRow(record.Row, record.Line, error.Field, error.Message + (error.Expected is null ? "" : $" Expected {error.Expected}.")));
            }
        }
    }

    private static Task ReserveCacheAsync(DbConnection connection, DbTransaction transaction) =>
        SqlDialect.Of(connection).IsPostgres ? Task.CompletedTask
            : connection.ExecuteAsync($"PRAGMA cache_size = -{ImportCacheKiB}", transaction: transaction);

    private static void Merge(ImportReport into, ImportReport from)
    {
        foreach (var (kind, counts) in from.Records)
        {
            if (!into.Records.TryGetValue(kind, out var total)) into.Records[kind] = total = new RecordCounts();
            total.Created += counts.Created;
            total.Matched += counts.Matched;
        }
    }

    private async Task<RowOutcome> ImportRowAsync(DbConnection connection, DbTransaction transaction, ImportPlan plan,
        string source, ImportRecord record, ImportReport report)
    {
        string Column(string field, string fallback) => record.Columns.TryGetValue(field, out var column) ? column : fallback;
        var ownerId = record.Owner is null ? null : await OwnerAsync(connection, transaction, record.Owner, report);

        switch (plan.Entity)
        {
            case ImportEntity.Companies:
            {
                if (record.CompanyName is null)
                    throw CrmError.Invalid(Column(nameof(record.CompanyName), "name"), "is empty: a company needs a name.", "the organization's name, e.g. \"Acme, Inc.\"");
                var company = await CompanyAsync(connection, transaction, source, record.ExternalId, record.CompanyName, Column(nameof(record.CompanyName), "name"), report);
                await ImportSql.FillCompanyAsync(connection, transaction, company.Id, Domain(record), record.Website, record.CompanyPhone, record.Industry, ownerId);
                return company.Created ? RowOutcome.Created : RowOutcome.Matched;
            }
            case ImportEntity.People:
            {
                var companyId = record.CompanyName is null ? null
                    : (await CompanyAsync(connection, transaction, source, null, record.CompanyName, Column(nameof(record.CompanyName), "company"), report)).Id;
                var person = await PersonAsync(connection, transaction, source, record.ExternalId,
                    new PersonInput { Name = record.PersonName, FirstName = record.FirstName, LastName = record.LastName, Email = record.Email, Phone = record.Phone, Title = record.Title },
                    record, companyId, report);
                await ImportSql.FillPersonAsync(connection, transaction, person.Id, record.Phone, record.Title, ownerId);
                return person.Created ? RowOutcome.Created : RowOutcome.Matched;
            }
            default:
                return await DealAsync(connection, transaction, source, record, ownerId, plan.CommaDecimal, report, Column);
        }
    }

    private async Task<RowOutcome> DealAsync(DbConnection connection, DbTransaction transaction, string source,
        ImportRecord record, string? ownerId, bool commaDecimal, ImportReport report, Func<string, string, string> column)
    {
        var name = record.DealName ?? (record.CompanyName is null ? null : $"{record.CompanyName} deal");
        if (name is null)
            throw CrmError.Invalid(column(nameof(record.DealName), "deal"), "is empty, and so is the company: a deal needs a name.", "the deal's title, e.g. \"Acme platform license\"");
        name = Validate.Text(column(nameof(record.DealName), "deal"), name, 200, "\"Acme platform license\"")!;

        // Values first: a bad amount or date rejects the row before anything is resolved.
        var amount = ImportValues.Amount(column(nameof(record.Amount), "amount"), record.Amount, commaDecimal);
        var currency = record.Currency is not null ? Currency.Parse(column(nameof(record.Currency), "currency"), record.Currency)
            : amount?.CurrencyHint is { } hint ? Currency.Parse(column(nameof(record.Amount), "amount"), hint)
            : settings.DefaultCurrency;
        long? minor = amount is { } value ? Money.ToMinor(column(nameof(record.Amount), "amount"), (double)value.Value, currency) : null;
        var closeDate = ImportValues.Date(column(nameof(record.ExpectedClose), "expected close date"), record.ExpectedClose);
        var createdAt = ImportValues.Instant(column(nameof(record.CreatedAt), "created"), record.CreatedAt);
        var status = record.Status?.Trim().ToLowerInvariant();
        if (status is not (null or "open" or "won" or "lost" or "deleted"))
            throw CrmError.Invalid(column(nameof(record.Status), "status"), $"'{Validate.Shorten(record.Status!)}' is not a deal status.", "Open, Won or Lost");

        if (record.ExternalId is not null && await ImportSql.FindKeyAsync(connection, transaction, source, "deal", record.ExternalId) is not null)
        {
            report.Count("deals", created: false);
            return RowOutcome.Matched;
        }
        var company = record.CompanyName is null ? null
            : await CompanyAsync(connection, transaction, source, null, record.CompanyName, column(nameof(record.CompanyName), "company"), report);
        if (await ImportSql.FindDealAsync(connection, transaction, name, company?.Id) is { } existing)
        {
            await ImportSql.SaveKeyAsync(connection, transaction, source, "deal", record.ExternalId, existing);
            report.Count("deals", created: false);
            return RowOutcome.Matched;
        }

        var (pipelineId, pipelineCreated) = await ImportSql.ResolvePipelineAsync(connection, transaction, record.Pipeline);
        if (pipelineCreated) report.Count("pipelines", created: true);
        var stageId = await StageAsync(connection, transaction, pipelineId, record.Stage, status, column(nameof(record.Stage), "stage"), report);

        var people = new List<ResolvedRecord>();
        foreach (var (contact, index) in record.Contacts.Select((c, i) => (c, i)))
        {
            var input = contact.Contains('@') ? new PersonInput { Email = contact }
                : new PersonInput { Name = contact, Email = index == 0 ? record.Email : null };
            people.Add(await PersonAsync(connection, transaction, source, null, input, record, company?.Id, report, column(nameof(record.Contacts), "contact")));
        }

        var identifier = await DealWriter.NextIdentifierAsync(connection, transaction, IdentifierTemplate.Parse(null, Clock.Time.GetUtcNow()));
        var id = Ids.New();
        var now = Clock.NowIso();
        await DealSql.InsertAsync(connection, transaction, new DealSql.NewDeal(id, identifier, name, minor, currency.Code, company?.Id,
            pipelineId, stageId, ownerId, null, closeDate, null, $"import:{source}", now));
        await ImportSql.MarkImportedDealAsync(connection, transaction, id, createdAt);
        await DealSql.LinkPeopleAsync(connection, transaction, id, people.Select(p => p.Id), now);
        await ImportSql.SaveKeyAsync(connection, transaction, source, "deal", record.ExternalId, id);
        report.Count("deals", created: true);
        return RowOutcome.Created;
    }

    /// <summary>Won and lost are statuses in Pipedrive and stages in HubSpot: both land on the pipeline's won or lost stage.</summary>
    private async Task<string> StageAsync(DbConnection connection, DbTransaction transaction, string pipelineId,
        string? stageName, string? status, string field, ImportReport report)
    {
        var name = stageName is null ? null : HubspotStageIds.GetValueOrDefault(stageName.Trim().ToLowerInvariant(), stageName);
        var key = name is null ? null : NameKeys.Stage(name);
        var kind = status is "won" or "lost" ? status : key is "closed won" or "won" ? "won" : key is "closed lost" or "lost" ? "lost" : null;
        if (kind is not null)
        {
            var (closedId, created) = await ImportSql.ClosedStageAsync(connection, transaction, pipelineId, kind);
            report.Count("stages", created);
            return closedId;
        }
        var (stage, _) = await resolver.ResolveStageAsync(connection, transaction, null, name, pipelineId, "stage_id", field);
        report.Count("stages", stage.Created);
        return stage.Id;
    }

    /// <summary>HubSpot's internal ids of its default pipeline's stages, for exports made with internal values.</summary>
    private static readonly Dictionary<string, string> HubspotStageIds = new()
    {
        ["appointmentscheduled"] = "Appointment Scheduled", ["qualifiedtobuy"] = "Qualified To Buy",
        ["presentationscheduled"] = "Presentation Scheduled", ["decisionmakerboughtin"] = "Decision Maker Bought-In",
        ["contractsent"] = "Contract Sent", ["closedwon"] = "Closed Won", ["closedlost"] = "Closed Lost",
    };

    private async Task<ResolvedRecord> CompanyAsync(DbConnection connection, DbTransaction transaction, string source,
        string? externalId, string name, string field, ImportReport report)
    {
        if (externalId is not null && await ImportSql.FindKeyAsync(connection, transaction, source, "company", externalId) is { } knownId)
        {
            const string sql = "SELECT name FROM companies WHERE id = @knownId";
            if (await connection.QuerySingleOrDefaultAsync<string>(sql, new { knownId }, transaction) is { } knownName)
            {
                report.Count("companies", created: false);
                return new ResolvedRecord(false, knownId, knownName, "import_key");
            }
        }
        var company = (await resolver.ResolveCompanyAsync(connection, transaction, null, name, "company_id", field))!;
        await ImportSql.SaveKeyAsync(connection, transaction, source, "company", externalId, company.Id);
        report.Count("companies", company.Created);
        return company;
    }

    private async Task<ResolvedRecord> PersonAsync(DbConnection connection, DbTransaction transaction, string source,
        string? externalId, PersonInput input, ImportRecord record, string? companyId, ImportReport report, string? field = null)
    {
        if (externalId is not null && await ImportSql.FindKeyAsync(connection, transaction, source, "person", externalId) is { } knownId)
        {
            const string sql = "SELECT full_name FROM people WHERE id = @knownId";
            if (await connection.QuerySingleOrDefaultAsync<string>(sql, new { knownId }, transaction) is { } knownName)
            {
                if (companyId is not null) await ImportSql.LinkCompanyPersonAsync(connection, transaction, companyId, knownId);
                report.Count("people", created: false);
                return new ResolvedRecord(false, knownId, knownName, "import_key");
            }
        }
        var label = field ?? PersonField(record);
        var person = await resolver.ResolvePersonAsync(connection, transaction, input, label, companyId);
        if (!person.Created && companyId is not null) await ImportSql.LinkCompanyPersonAsync(connection, transaction, companyId, person.Id);
        await ImportSql.SaveKeyAsync(connection, transaction, source, "person", externalId, person.Id);
        report.Count("people", person.Created);
        return person;
    }

    /// <summary>The column a person's errors name: the email's, else the name's.</summary>
    private static string PersonField(ImportRecord record) =>
        record.Columns.TryGetValue(nameof(record.Email), out var emailColumn) ? emailColumn
        : record.Columns.TryGetValue(nameof(record.PersonName), out var nameColumn) ? nameColumn : "person";

    private static async Task<string> OwnerAsync(DbConnection connection, DbTransaction transaction, string owner, ImportReport report)
    {
        var (id, created) = await ImportSql.ResolveOwnerAsync(connection, transaction, owner);
        report.Count("owners", created);
        return id;
    }

    /// <summary>HubSpot's domain column, or the host of a website.</summary>
    private static string? Domain(ImportRecord record)
    {
        if (record.Domain is { } domain) return domain.Trim().ToLowerInvariant();
        if (record.Website is null) return null;
        var text = record.Website.Contains("://") ? record.Website : "https://" + record.Website;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri.Host.ToLowerInvariant().Replace("www.", "") : null;
    }
}
