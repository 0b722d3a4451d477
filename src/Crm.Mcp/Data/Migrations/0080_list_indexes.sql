-- get_deals' most common filters (stage, draft or published, amount) answered from one index: the count of a
-- filtered list reads index entries instead of every matching deal's row. The columns extend the stage index rather
-- than start a second index on stage_id, which the planner (without ANALYZE) took for the more selective one and
-- then used for MAX(order_in_stage), turning each new deal's insert into a scan of its stage. company_id rides along
-- so a count that joins companies still needs no row.
DROP INDEX ix_deals_stage;
CREATE INDEX ix_deals_stage ON deals (stage_id, order_in_stage, is_draft, currency, amount_minor, company_id);
-- A rebuilt index has no planner statistics while its table's others have; without them SQLite takes it for the
-- most selective and sorts a whole stage for one page. Measure the table once (a full pass: a sampled one
-- misjudged the stage column too).
ANALYZE deals;
