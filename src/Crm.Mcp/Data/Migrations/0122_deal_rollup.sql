-- report_deals' incrementally kept aggregates (SQLite). SQLite groups by sorting, and grouping 100k deals by a month
-- sorts 100k keys (by created_month: 90-100 ms CPU at 100k, about 1 s at 1M). These rows partition the deals by
-- everything a common report groups or filters on, once per period a report can group by ('' = no date / no owner;
-- PRIMARY KEY columns of a WITHOUT ROWID table cannot be NULL), so such a report reads a few hundred rows instead of
-- every deal. Reports that filter or group on anything else (amount, company, custom fields, search) or ask for
-- min/max still read the deals (Features/Reports/ReportSql.cs decides).
CREATE TABLE deal_rollup (
    period      TEXT NOT NULL,   -- created | expected_close | closed: which date `month` is the month of
    month       TEXT NOT NULL,   -- YYYY-MM or ''
    currency    TEXT NOT NULL,
    stage_id    TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    is_draft    INTEGER NOT NULL,
    owner_id    TEXT NOT NULL,
    is_closed   INTEGER NOT NULL, -- closed_at IS NOT NULL: "closed deals" is a common filter (win rate)
    deals       INTEGER NOT NULL,
    amounts     INTEGER NOT NULL, -- deals with an amount
    high        INTEGER NOT NULL, -- SUM(amount_minor / 10^9) and SUM(amount_minor % 10^9): a sum that cannot overflow
    low         INTEGER NOT NULL,
    closed      INTEGER NOT NULL, -- deals with closed_at
    days_ms     INTEGER NOT NULL, -- SUM of closed_at - created_at, whole milliseconds per deal
    PRIMARY KEY (period, month, currency, stage_id, pipeline_id, is_draft, owner_id, is_closed)
) WITHOUT ROWID;

-- What deal_rollup must hold, computed from the deals: the backfill below, bench populate's rebuild, and the test
-- that checks every write path kept the two equal.
CREATE VIEW deal_rollup_source AS
SELECT p.period,
       COALESCE(substr(CASE p.period WHEN 'created' THEN d.created_at WHEN 'expected_close' THEN d.expected_close_date ELSE d.closed_at END, 1, 7), '') AS month,
       d.currency, d.stage_id, d.pipeline_id, d.is_draft, COALESCE(d.owner_id, '') AS owner_id, d.closed_at IS NOT NULL AS is_closed,
       COUNT(*) AS deals, COUNT(d.amount_minor) AS amounts,
       COALESCE(SUM(d.amount_minor / 1000000000), 0) AS high, COALESCE(SUM(d.amount_minor % 1000000000), 0) AS low,
       COUNT(d.closed_at) AS closed,
       COALESCE(SUM(CAST(round((julianday(d.closed_at) - julianday(d.created_at)) * 86400000) AS INTEGER)), 0) AS days_ms
FROM deals d CROSS JOIN (SELECT 'created' AS period UNION ALL SELECT 'expected_close' UNION ALL SELECT 'closed') p
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- What report queries read: the rollup with its '' back to NULL, so get_deals' filter SQL runs on it unchanged.
-- closed_at only says whether there is one (ReportSql.RollupCanFilter lets only IS NULL tests read it).
CREATE VIEW deal_rollup_cells AS
SELECT period, NULLIF(month, '') AS month, currency, stage_id, pipeline_id, is_draft, NULLIF(owner_id, '') AS owner_id,
       CASE WHEN is_closed = 1 THEN 'closed' END AS closed_at, deals, amounts, high, low, closed, days_ms
FROM deal_rollup WHERE deals <> 0;

INSERT INTO deal_rollup SELECT * FROM deal_rollup_source;

-- One deal adds (sign 1) or removes (sign -1) itself under each period. SQLite allows no CTE in a trigger, hence the
-- same statement three times with OLD/NEW.
CREATE TRIGGER deals_rollup_ai AFTER INSERT ON deals BEGIN
    INSERT INTO deal_rollup
    SELECT p.period, COALESCE(substr(p.at, 1, 7), ''), NEW.currency, NEW.stage_id, NEW.pipeline_id, NEW.is_draft, COALESCE(NEW.owner_id, ''), NEW.closed_at IS NOT NULL,
           1, NEW.amount_minor IS NOT NULL, COALESCE(NEW.amount_minor / 1000000000, 0), COALESCE(NEW.amount_minor % 1000000000, 0),
           NEW.closed_at IS NOT NULL, COALESCE(CAST(round((julianday(NEW.closed_at) - julianday(NEW.created_at)) * 86400000) AS INTEGER), 0)
    FROM (SELECT 'created' AS period, NEW.created_at AS at UNION ALL SELECT 'expected_close', NEW.expected_close_date UNION ALL SELECT 'closed', NEW.closed_at) p
    WHERE true
    ON CONFLICT DO UPDATE SET deals = deals + excluded.deals, amounts = amounts + excluded.amounts, high = high + excluded.high,
        low = low + excluded.low, closed = closed + excluded.closed, days_ms = days_ms + excluded.days_ms;
END;

CREATE TRIGGER deals_rollup_ad AFTER DELETE ON deals BEGIN
    INSERT INTO deal_rollup
    SELECT p.period, COALESCE(substr(p.at, 1, 7), ''), OLD.currency, OLD.stage_id, OLD.pipeline_id, OLD.is_draft, COALESCE(OLD.owner_id, ''), OLD.closed_at IS NOT NULL,
           -1, -(OLD.amount_minor IS NOT NULL), -COALESCE(OLD.amount_minor / 1000000000, 0), -COALESCE(OLD.amount_minor % 1000000000, 0),
           -(OLD.closed_at IS NOT NULL), -COALESCE(CAST(round((julianday(OLD.closed_at) - julianday(OLD.created_at)) * 86400000) AS INTEGER), 0)
    FROM (SELECT 'created' AS period, OLD.created_at AS at UNION ALL SELECT 'expected_close', OLD.expected_close_date UNION ALL SELECT 'closed', OLD.closed_at) p
    WHERE true
    ON CONFLICT DO UPDATE SET deals = deals + excluded.deals, amounts = amounts + excluded.amounts, high = high + excluded.high,
        low = low + excluded.low, closed = closed + excluded.closed, days_ms = days_ms + excluded.days_ms;
END;

CREATE TRIGGER deals_rollup_au AFTER UPDATE OF currency, stage_id, pipeline_id, is_draft, owner_id, amount_minor, created_at, expected_close_date, closed_at ON deals
WHEN OLD.currency IS NOT NEW.currency OR OLD.stage_id IS NOT NEW.stage_id OR OLD.pipeline_id IS NOT NEW.pipeline_id
  OR OLD.is_draft IS NOT NEW.is_draft OR OLD.owner_id IS NOT NEW.owner_id OR OLD.amount_minor IS NOT NEW.amount_minor
  OR OLD.created_at IS NOT NEW.created_at OR OLD.expected_close_date IS NOT NEW.expected_close_date OR OLD.closed_at IS NOT NEW.closed_at
BEGIN
    INSERT INTO deal_rollup
    SELECT p.period, COALESCE(substr(p.at, 1, 7), ''), OLD.currency, OLD.stage_id, OLD.pipeline_id, OLD.is_draft, COALESCE(OLD.owner_id, ''), OLD.closed_at IS NOT NULL,
           -1, -(OLD.amount_minor IS NOT NULL), -COALESCE(OLD.amount_minor / 1000000000, 0), -COALESCE(OLD.amount_minor % 1000000000, 0),
           -(OLD.closed_at IS NOT NULL), -COALESCE(CAST(round((julianday(OLD.closed_at) - julianday(OLD.created_at)) * 86400000) AS INTEGER), 0)
    FROM (SELECT 'created' AS period, OLD.created_at AS at UNION ALL SELECT 'expected_close', OLD.expected_close_date UNION ALL SELECT 'closed', OLD.closed_at) p
    WHERE true
    ON CONFLICT DO UPDATE SET deals = deals + excluded.deals, amounts = amounts + excluded.amounts, high = high + excluded.high,
        low = low + excluded.low, closed = closed + excluded.closed, days_ms = days_ms + excluded.days_ms;
    INSERT INTO deal_rollup
    SELECT p.period, COALESCE(substr(p.at, 1, 7), ''), NEW.currency, NEW.stage_id, NEW.pipeline_id, NEW.is_draft, COALESCE(NEW.owner_id, ''), NEW.closed_at IS NOT NULL,
           1, NEW.amount_minor IS NOT NULL, COALESCE(NEW.amount_minor / 1000000000, 0), COALESCE(NEW.amount_minor % 1000000000, 0),
           NEW.closed_at IS NOT NULL, COALESCE(CAST(round((julianday(NEW.closed_at) - julianday(NEW.created_at)) * 86400000) AS INTEGER), 0)
    FROM (SELECT 'created' AS period, NEW.created_at AS at UNION ALL SELECT 'expected_close', NEW.expected_close_date UNION ALL SELECT 'closed', NEW.closed_at) p
    WHERE true
    ON CONFLICT DO UPDATE SET deals = deals + excluded.deals, amounts = amounts + excluded.amounts, high = high + excluded.high,
        low = low + excluded.low, closed = closed + excluded.closed, days_ms = days_ms + excluded.days_ms;
END;
