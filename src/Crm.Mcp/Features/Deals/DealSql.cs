using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Deals;

/// <summary>The deal table's SQL, each statement beside its Dapper call.</summary>
public static class DealSql
{
    public sealed record NewDeal(
        string Id, string Identifier, string Name, long? AmountMinor, string Currency, string? CompanyId,
        string PipelineId, string StageId, string? OwnerId, string? UserId, string? ExpectedCloseDate,
        string? RenewalDate, string Source, string Now, bool IsDraft = true);

    /// <summary>
    /// Takes the next number of a named counter. SQLite, and PostgreSQL writes that run alone: inside the write's
    /// transaction, so a rollback (a failure, a dry run) gives it back and numbers stay gap-free. A PostgreSQL write
    /// running beside others (<see cref="CrmDb.ParallelWrite"/>) takes it in a transaction of its own: the counter's row
    /// is locked for that one statement, not until the writer's COMMIT, so deal creations do not take turns; a number
    /// taken by a call that then fails is not reused (a gap, as with a database sequence). A dry run still takes its
    /// number inside its transaction, so its preview is the number the next call gets and never meets a writer's
    /// insert of it; writers wait for its rollback meanwhile.
    /// </summary>
    public static Task<long> NextCounterAsync(DbConnection connection, DbTransaction transaction, string name) =>
        NextCountersAsync(connection, transaction, name, 1);

    /// <summary>Takes the next <paramref name="count"/> numbers of a named counter at once (as <see cref="NextCounterAsync"/>
    /// takes one) and returns the last: the numbers are last - count + 1 to last.</summary>
    public static async Task<long> NextCountersAsync(DbConnection connection, DbTransaction transaction, string name, long count)
    {
        const string sql = """
            INSERT INTO counters (name, value) VALUES (@name, @count)
            ON CONFLICT (name) DO UPDATE SET value = counters.value + @count
            RETURNING value
            """;
        // The detached form waits at most 10 s for the row, then fails with 55P03 and the writer's transaction is run
        // again (SqlDialect.IsTransient). PostgreSQL cannot see a wait that spans a writer's two connections: a dry run
        // holding the counter can wait for a row this writer locked (docs/postgresql.md), and only the timeout breaks
        // that cycle. set_config(..., true) runs as the inserted row is produced, before the conflict's row lock is
        // waited for, and ends with this autocommitted statement: one round trip, nothing left on the session (safe
        // behind PgBouncer's transaction pooling, which refuses such startup options).
        const string detachedSql = """
            INSERT INTO counters (name, value)
            SELECT @name, @count FROM (SELECT set_config('lock_timeout', '10s', true)) AS wait_at_most
            ON CONFLICT (name) DO UPDATE SET value = counters.value + @count
            RETURNING value
            """;
        return CountersDetached
            ? await CrmDb.ParallelWrite!.DetachedAsync(detached => detached.QuerySingleAsync<long>(detachedSql, new { name, count }))
            : await connection.QuerySingleAsync<long>(sql, new { name, count }, transaction);
    }

    /// <summary>True when counters are taken outside the write's transaction, so a rollback does not give them back.</summary>
    public static bool CountersDetached => CrmDb.ParallelWrite is not null && WriteCall.Current?.DryRun != true;

    /// <summary>Gives back the last <paramref name="count"/> numbers taken in this transaction (not detached ones).</summary>
    public static Task ReturnCountersAsync(DbConnection connection, DbTransaction transaction, string name, long count)
    {
        const string sql = "UPDATE counters SET value = value - @count WHERE name = @name";
        return connection.ExecuteAsync(sql, new { name, count }, transaction);
    }

    /// <summary>Those of <paramref name="identifiers"/> a deal has (ignoring case, as identifiers are compared).</summary>
    public static async Task<IReadOnlyList<string>> IdentifiersInUseAsync(DbConnection connection, DbTransaction transaction, IEnumerable<string> identifiers)
    {
        const string sql = "SELECT identifier FROM deals WHERE identifier IN (SELECT value FROM json_each(@identifiers))";
        return (await connection.QueryAsync<string>(sql, new { identifiers = SqlList.Json(identifiers) }, transaction)).ToList();
    }

    public static async Task<bool> IdentifierExistsAsync(DbConnection connection, DbTransaction transaction, string identifier)
    {
        const string sql = "SELECT COUNT(*) FROM deals WHERE identifier = @identifier";
        return await connection.ExecuteScalarAsync<long>(sql, new { identifier }, transaction) > 0;
    }

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, NewDeal deal)
    {
        // order_in_stage and company_sort_index append the deal after the ones already there (0 for the first).
        const string sql = """
            INSERT INTO deals (id, identifier, name, amount_minor, currency, company_id, pipeline_id, stage_id, owner_id,
                               user_id, is_draft, expected_close_date, renewal_date, source, order_in_stage,
                               company_sort_index, created_at, updated_at)
            VALUES (@Id, @Identifier, @Name, @AmountMinor, @Currency, @CompanyId, @PipelineId, @StageId, @OwnerId,
                    @UserId, CAST(@IsDraft AS INTEGER), @ExpectedCloseDate, @RenewalDate, @Source,
                    COALESCE((SELECT MAX(order_in_stage) + 1 FROM deals WHERE stage_id = @StageId), 0),
                    CASE WHEN @CompanyId IS NULL THEN 0
                         ELSE COALESCE((SELECT MAX(company_sort_index) + 1 FROM deals WHERE company_id = @CompanyId), 0) END,
                    @Now, @Now)
            """;
        return connection.ExecuteAsync(sql, deal, transaction);
    }

    /// <summary>Inserts <paramref name="deals"/> in their order with one statement (create_deals' set-based path), each
    /// appended after the deals of its stage and of its company as <see cref="InsertAsync"/> appends one.</summary>
    public static Task InsertManyAsync(DbConnection connection, DbTransaction transaction, IEnumerable<NewDeal> deals)
    {
        // The subqueries read deals as they were before the statement; ROW_NUMBER() places the new deals after them.
        var sql = $"""
            INSERT INTO deals (id, identifier, name, amount_minor, currency, company_id, pipeline_id, stage_id, owner_id,
                               user_id, is_draft, expected_close_date, renewal_date, source, order_in_stage,
                               company_sort_index, created_at, updated_at)
            SELECT id, identifier, name, amount_minor, currency, company_id, pipeline_id, stage_id, owner_id, user_id, is_draft,
                   expected_close_date, renewal_date, source,
                   COALESCE((SELECT MAX(order_in_stage) + 1 FROM deals WHERE deals.stage_id = r.stage_id), 0)
                       + ROW_NUMBER() OVER (PARTITION BY stage_id ORDER BY i) - 1,
                   CASE WHEN company_id IS NULL THEN 0
                        ELSE COALESCE((SELECT MAX(company_sort_index) + 1 FROM deals WHERE deals.company_id = r.company_id), 0)
                             + ROW_NUMBER() OVER (PARTITION BY company_id ORDER BY i) - 1 END,
                   now, now
            FROM (SELECT CAST(value ->> 'i' AS BIGINT) AS i, value ->> 'id' AS id, value ->> 'identifier' AS identifier,
                         value ->> 'name' AS name, CAST(value ->> 'amount_minor' AS BIGINT) AS amount_minor,
                         value ->> 'currency' AS currency, value ->> 'company_id' AS company_id, value ->> 'pipeline_id' AS pipeline_id,
                         value ->> 'stage_id' AS stage_id, value ->> 'owner_id' AS owner_id, value ->> 'user_id' AS user_id,
                         CAST(value ->> 'is_draft' AS BIGINT) AS is_draft, value ->> 'expected_close_date' AS expected_close_date,
                         value ->> 'renewal_date' AS renewal_date, value ->> 'source' AS source, value ->> 'now' AS now
                  FROM {SqlList.Rows(connection)}) AS r
            ORDER BY i
            """;
        var i = 0;
        var json = SqlList.Objects(deals, (writer, deal) =>
        {
            writer.WriteNumber("i", i++);
            writer.WriteString("id", deal.Id);
            writer.WriteString("identifier", deal.Identifier);
            writer.WriteString("name", deal.Name);
            if (deal.AmountMinor is { } amount) writer.WriteNumber("amount_minor", amount); else writer.WriteNull("amount_minor");
            writer.WriteString("currency", deal.Currency);
            writer.WriteString("company_id", deal.CompanyId);
            writer.WriteString("pipeline_id", deal.PipelineId);
            writer.WriteString("stage_id", deal.StageId);
            writer.WriteString("owner_id", deal.OwnerId);
            writer.WriteString("user_id", deal.UserId);
            writer.WriteNumber("is_draft", deal.IsDraft ? 1 : 0);
            writer.WriteString("expected_close_date", deal.ExpectedCloseDate);
            writer.WriteString("renewal_date", deal.RenewalDate);
            writer.WriteString("source", deal.Source);
            writer.WriteString("now", deal.Now);
        });
        return connection.ExecuteAsync(sql, new { rows = json }, transaction);
    }

    /// <summary>Links the people to the deal in their order, one statement for all (a draft's two people were two),
    /// each link made once whatever the repeats.</summary>
    public static Task LinkPeopleAsync(DbConnection connection, DbTransaction transaction, string dealId, IEnumerable<string> personIds, string now)
    {
        // WHERE true: SQLite's upsert after INSERT … SELECT needs it to tell ON CONFLICT from a join's ON.
        const string sql = """
            INSERT INTO deal_people (deal_id, person_id, created_at)
            SELECT @dealId, value, @now FROM json_each(@personIds) WHERE true ORDER BY key
            ON CONFLICT DO NOTHING
            """;
        var ids = personIds.ToList();
        return ids.Count == 0 ? Task.CompletedTask : connection.ExecuteAsync(sql, new { dealId, personIds = SqlList.Json(ids), now }, transaction);
    }

    /// <summary>The stored columns update_deal may change; read, changed in code, written whole.</summary>
    public sealed class StoredDeal
    {
        public string Id { get; set; } = "";
        public string Identifier { get; set; } = "";
        public string Name { get; set; } = "";
        public long? AmountMinor { get; set; }
        public string Currency { get; set; } = "";
        public string? CompanyId { get; set; }
        public string PipelineId { get; set; } = "";
        public string StageId { get; set; } = "";
        public string? OwnerId { get; set; }
        public string? UserId { get; set; }
        public bool IsDraft { get; set; }
        public string? ExpectedCloseDate { get; set; }
        public string? RenewalDate { get; set; }
        public long OrderInStage { get; set; }
        public long CompanySortIndex { get; set; }
        public string UpdatedAt { get; set; } = "";
    }

    public static Task<StoredDeal> LoadAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = """
            SELECT id, identifier, name, amount_minor AS AmountMinor, currency, company_id AS CompanyId, pipeline_id AS PipelineId,
                   stage_id AS StageId, owner_id AS OwnerId, user_id AS UserId, is_draft AS IsDraft,
                   expected_close_date AS ExpectedCloseDate, renewal_date AS RenewalDate, order_in_stage AS OrderInStage,
                   company_sort_index AS CompanySortIndex, updated_at AS UpdatedAt
            FROM deals WHERE id = @id
            """;
        return connection.QuerySingleAsync<StoredDeal>(sql, new { id }, transaction);
    }

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, StoredDeal deal)
    {
        const string sql = """
            UPDATE deals SET name = @Name, amount_minor = @AmountMinor, currency = @Currency, company_id = @CompanyId,
                             pipeline_id = @PipelineId, stage_id = @StageId, owner_id = @OwnerId, user_id = @UserId,
                             is_draft = CAST(@IsDraft AS INTEGER), expected_close_date = @ExpectedCloseDate, renewal_date = @RenewalDate,
                             order_in_stage = @OrderInStage, company_sort_index = @CompanySortIndex, updated_at = @UpdatedAt
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(sql, deal, transaction);
    }

    /// <summary>The slot after the last deal in a stage (0 for the first).</summary>
    public static Task<long> NextOrderInStageAsync(DbConnection connection, DbTransaction transaction, string stageId)
    {
        const string sql = "SELECT COALESCE(MAX(order_in_stage) + 1, 0) FROM deals WHERE stage_id = @stageId";
        return connection.ExecuteScalarAsync<long>(sql, new { stageId }, transaction);
    }

    /// <summary>The slot after the company's last deal (0 for the first).</summary>
    public static Task<long> NextCompanySortIndexAsync(DbConnection connection, DbTransaction transaction, string companyId)
    {
        const string sql = "SELECT COALESCE(MAX(company_sort_index) + 1, 0) FROM deals WHERE company_id = @companyId";
        return connection.ExecuteScalarAsync<long>(sql, new { companyId }, transaction);
    }

    public sealed record StageInfo(string Id, string Name, string PipelineId);

    public static Task<StageInfo> StageAsync(DbConnection connection, DbTransaction transaction, string stageId)
    {
        const string sql = "SELECT id, name, pipeline_id AS PipelineId FROM stages WHERE id = @stageId";
        return connection.QuerySingleAsync<StageInfo>(sql, new { stageId }, transaction);
    }

    public static Task UnlinkPeopleAsync(DbConnection connection, DbTransaction transaction, string dealId)
    {
        const string sql = "DELETE FROM deal_people WHERE deal_id = @dealId";
        return connection.ExecuteAsync(sql, new { dealId }, transaction);
    }

    /// <summary>Deletes a deal; its people links go with it (CASCADE), the people stay.</summary>
    public static Task DeleteAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = "DELETE FROM deals WHERE id = @id";
        return connection.ExecuteAsync(sql, new { id }, transaction);
    }

    // A class, not a positional record: SQLite hands back INTEGER for booleans and Dapper maps by property.
    internal sealed class DealRow
    {
        public string Id { get; init; } = "";
        public string Identifier { get; init; } = "";
        public string Name { get; init; } = "";
        public long? AmountMinor { get; init; }
        public string Currency { get; init; } = "";
        public string? CompanyId { get; init; }
        public string? CompanyName { get; init; }
        public string? CompanyLogo { get; init; }
        public long CompanySortIndex { get; init; }
        public string CreatedAt { get; init; } = "";
        public string? ExpectedCloseDate { get; init; }
        public bool IsDraft { get; init; }
        public long OrderInStage { get; init; }
        public string? OrgId { get; init; }
        public string? OwnerId { get; init; }
        public string? OwnerFirstName { get; init; }
        public string? OwnerLastName { get; init; }
        public string? OwnerEmail { get; init; }
        public string? RenewalDate { get; init; }
        public string Source { get; init; } = "";
        public string StageId { get; init; } = "";
        public string StageName { get; init; } = "";
        public string PipelineId { get; init; } = "";
        public string UpdatedAt { get; init; } = "";
        public string? UserId { get; init; }
        public string? Notes { get; init; }
    }

    internal sealed record PersonLinkRow(string DealId, string Id, string FullName, string? Email);

    private const string SelectDeal = """
        SELECT d.id, d.identifier, d.name, d.amount_minor AS AmountMinor, d.currency, d.company_id AS CompanyId,
               c.name AS CompanyName, c.logo AS CompanyLogo, d.company_sort_index AS CompanySortIndex,
               d.created_at AS CreatedAt, d.expected_close_date AS ExpectedCloseDate, d.is_draft AS IsDraft,
               d.order_in_stage AS OrderInStage, d.org_id AS OrgId, d.owner_id AS OwnerId,
               u.first_name AS OwnerFirstName, u.last_name AS OwnerLastName, u.email AS OwnerEmail,
               d.renewal_date AS RenewalDate, d.source, d.stage_id AS StageId, s.name AS StageName,
               d.pipeline_id AS PipelineId, d.updated_at AS UpdatedAt, d.user_id AS UserId, d.notes
        FROM deals d
        JOIN stages s ON s.id = d.stage_id
        LEFT JOIN companies c ON c.id = d.company_id
        LEFT JOIN users u ON u.id = d.owner_id
        """;

    /// <summary>A deal's id by id or identifier (case-insensitive), as one indexed lookup per branch.</summary>
    public const string IdByKeySql = "SELECT id FROM deals WHERE id = @key UNION ALL SELECT id FROM deals WHERE identifier = @key COLLATE NOCASE LIMIT 1";

    /// <summary>Loads one deal by id or identifier (DEAL-001, case-insensitive), or null.</summary>
    public static async Task<DealView?> FindAsync(DbConnection connection, DbTransaction transaction, string idOrIdentifier)
    {
        // Not "d.id = @key OR d.identifier = @key COLLATE NOCASE": SQLite 3.53 plans that OR as a scan of the whole
        // table (get_deal at 100k deals: 0.03 -> 234 ms); each branch alone uses its index.
        const string sql = SelectDeal + " WHERE d.id = (" + IdByKeySql + ")";
        var key = Guid.TryParse(idOrIdentifier, out var guid) ? guid.ToString() : idOrIdentifier.Trim();
        var row = await connection.QuerySingleOrDefaultAsync<DealRow>(sql, new { key }, transaction);
        return row is null ? null : (await ToViewsAsync(connection, transaction, [row]))[0];
    }

    /// <summary>A deal this call has just inserted, by id: it has no services or custom field values yet, so only its
    /// row and its people are read (two statements fewer per create_deal_draft; the view is the same).</summary>
    public static async Task<DealView> FindCreatedAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = SelectDeal + " WHERE d.id = @id";
        var row = await connection.QuerySingleAsync<DealRow>(sql, new { id }, transaction);
        return (await ToViewsAsync(connection, transaction, [row], created: true))[0];
    }

    /// <summary>Loads deals by id, in no particular order (the list engine orders the page).</summary>
    public static async Task<IReadOnlyList<DealView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = SelectDeal + " WHERE d.id IN (SELECT value FROM json_each(@ids))";
        var rows = (await connection.QueryAsync<DealRow>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToList();
        return await ToViewsAsync(connection, transaction, rows);
    }

    private static async Task<IReadOnlyList<DealView>> ToViewsAsync(DbConnection connection, DbTransaction transaction, List<DealRow> rows, bool created = false)
    {
        if (rows.Count == 0) return [];
        const string peopleSql = """
            SELECT dp.deal_id AS DealId, p.id, p.full_name AS FullName, p.email
            FROM deal_people dp JOIN people p ON p.id = dp.person_id
            WHERE dp.deal_id IN (SELECT value FROM json_each(@ids))
            ORDER BY dp.created_at, p.full_name
            """;
        var people = (await connection.QueryAsync<PersonLinkRow>(peopleSql, new { ids = SqlList.Json(rows.Select(r => r.Id)) }, transaction))
            .ToLookup(p => p.DealId);
        var deals = rows.Select(r => (r.Id, r.Currency)).ToList();
        var ids = rows.Select(r => r.Id).ToList();
        var totals = created ? Services.ServiceSql.WithoutServices(deals) : await Services.ServiceSql.DealTotalsAsync(connection, transaction, deals);
        var custom = created ? CustomFields.CustomFieldSql.WithoutValues(ids) : await CustomFields.CustomFieldSql.ValuesAsync(connection, transaction, ids);
        return rows.Select(r =>
        {
            var currency = Currency.FromStored(r.Currency);
            return new DealView
            {
                Id = r.Id,
                Identifier = r.Identifier,
                Name = r.Name,
                Amount = r.AmountMinor?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                AmountDisplay = r.AmountMinor is { } minor ? Money.Display(minor, currency) : null,
                Currency = r.Currency,
                Company = r.CompanyId is null ? null : new CompanyRef(r.CompanyId, r.CompanyLogo, r.CompanyName!),
                CompanyId = r.CompanyId,
                CompanySortIndex = r.CompanySortIndex,
                CreatedAt = r.CreatedAt,
                ExpectedCloseDate = r.ExpectedCloseDate,
                IsDraft = r.IsDraft,
                OrderInStage = r.OrderInStage,
                OrgId = r.OrgId,
                Owner = r.OwnerId is null ? null : new UserRef(r.OwnerId, $"{r.OwnerFirstName} {r.OwnerLastName}".Trim(), r.OwnerEmail),
                OwnerId = r.OwnerId,
                People = people[r.Id].Select(p => new DealPerson(new PersonRef(p.FullName, p.Id, p.Email))).ToList(),
                RenewalDate = r.RenewalDate,
                Source = r.Source,
                Stage = new StageRef(r.StageId, r.StageName),
                StageId = r.StageId,
                PipelineId = r.PipelineId,
                UpdatedAt = r.UpdatedAt,
                UserId = r.UserId,
                Notes = r.Notes,
                TotalValue = totals[r.Id].TotalValue,
                TotalValueDisplay = totals[r.Id].TotalValueDisplay,
                TotalQuantity = totals[r.Id].TotalQuantity,
                CustomFields = custom[r.Id],
            };
        }).ToList();
    }
}
