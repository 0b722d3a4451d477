-- get_deals' most common filters (stage, draft or published, amount) answered from one index: the count of a
-- filtered list reads index entries instead of every matching deal's row. company_id rides along so a count that
-- joins companies still needs no row.
CREATE INDEX ix_deals_stage_draft_amount ON deals (stage_id, is_draft, currency, amount_minor, company_id);
