-- Mirrors the SQLite 0080: get_deals' common filters (stage, draft or published, amount) answered from one index, and
-- fresh statistics for the planner.
DROP INDEX ix_deals_stage;
CREATE INDEX ix_deals_stage ON deals (stage_id, order_in_stage, is_draft, currency, amount_minor, company_id);
ANALYZE deals;
