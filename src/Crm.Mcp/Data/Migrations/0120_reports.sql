-- Reports (report_deals): a stage's win probability and a deal's closed date.
-- stages.probability is a percentage; NULL means the default by kind (open stages by position, won 100, lost 0,
-- computed in Features/Pipelines/StageProbability.cs), so reordering stages moves the defaults with them.
ALTER TABLE stages ADD COLUMN probability INTEGER CHECK (probability IS NULL OR probability BETWEEN 0 AND 100);

-- closed_at: when the deal last entered a won or lost stage; NULL while it is open. Triggers keep it, so every write
-- path (tools, bulk, import, stage deletion, undo) agrees. Deals already closed before this migration take
-- updated_at, the best record there is of when they last moved.
ALTER TABLE deals ADD COLUMN closed_at TEXT;
UPDATE deals SET closed_at = updated_at WHERE stage_id IN (SELECT id FROM stages WHERE kind <> 'open');

CREATE TRIGGER deals_closed_at_ai AFTER INSERT ON deals
WHEN NEW.closed_at IS NULL AND (SELECT kind FROM stages WHERE id = NEW.stage_id) <> 'open' BEGIN
    UPDATE deals SET closed_at = NEW.created_at WHERE id = NEW.id;
END;

CREATE TRIGGER deals_closed_at_au AFTER UPDATE OF stage_id ON deals
WHEN NEW.stage_id IS NOT OLD.stage_id BEGIN
    UPDATE deals SET closed_at = CASE WHEN (SELECT kind FROM stages WHERE id = NEW.stage_id) = 'open' THEN NULL ELSE NEW.updated_at END
    WHERE id = NEW.id;
END;

-- A stage that becomes won or lost closes its deals now; one that becomes open reopens them.
CREATE TRIGGER stages_closed_at_au AFTER UPDATE OF kind ON stages
WHEN (NEW.kind = 'open') <> (OLD.kind = 'open') BEGIN
    UPDATE deals SET closed_at = CASE WHEN NEW.kind = 'open' THEN NULL ELSE NEW.updated_at END WHERE stage_id = NEW.id;
END;

-- Reports group closed deals by when they closed.
CREATE INDEX ix_deals_closed ON deals (closed_at) WHERE closed_at IS NOT NULL;
-- report_deals reads currency, stage, draft flag, amount and dates of every matching deal: from this index alone it
-- never touches the table, and grouping by (currency, stage) in index order needs no sort (100k deals by stage:
-- 105 -> 33 ms CPU). Not led by stage_id: the planner would take it for MAX(order_in_stage) of a stage (see 0080).
CREATE INDEX ix_deals_report ON deals (currency, stage_id, is_draft, amount_minor, closed_at, created_at);
ANALYZE deals;
