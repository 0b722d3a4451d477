-- PostgreSQL mirror of ../0120_reports.sql: a stage's win probability and a deal's closed date. Here one BEFORE
-- trigger sets NEW.closed_at itself (SQLite can only update the row again after the fact).
ALTER TABLE stages ADD COLUMN probability INTEGER CHECK (probability IS NULL OR probability BETWEEN 0 AND 100);

ALTER TABLE deals ADD COLUMN closed_at TEXT;
UPDATE deals SET closed_at = updated_at WHERE stage_id IN (SELECT id FROM stages WHERE kind <> 'open');

CREATE FUNCTION deals_closed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.closed_at IS NULL AND (SELECT kind FROM stages WHERE id = NEW.stage_id) <> 'open' THEN
            NEW.closed_at := NEW.created_at;
        END IF;
    ELSIF NEW.stage_id IS DISTINCT FROM OLD.stage_id THEN
        NEW.closed_at := CASE WHEN (SELECT kind FROM stages WHERE id = NEW.stage_id) = 'open' THEN NULL ELSE NEW.updated_at END;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER deals_closed_at BEFORE INSERT OR UPDATE OF stage_id ON deals FOR EACH ROW EXECUTE FUNCTION deals_closed_at();

CREATE FUNCTION stages_closed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.kind = 'open') <> (OLD.kind = 'open') THEN
        UPDATE deals SET closed_at = CASE WHEN NEW.kind = 'open' THEN NULL ELSE NEW.updated_at END WHERE stage_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stages_closed_at AFTER UPDATE OF kind ON stages FOR EACH ROW EXECUTE FUNCTION stages_closed_at();

CREATE INDEX ix_deals_closed ON deals (closed_at) WHERE closed_at IS NOT NULL;
-- report_deals reads currency, stage, draft flag, amount and dates of every matching deal: from this index alone it
-- never touches the table, and grouping by (currency, stage) in index order needs no sort (100k deals by stage:
-- 105 -> 33 ms CPU). Not led by stage_id: the planner would take it for MAX(order_in_stage) of a stage (see 0080).
CREATE INDEX ix_deals_report ON deals (currency, stage_id, is_draft, amount_minor, closed_at, created_at);
