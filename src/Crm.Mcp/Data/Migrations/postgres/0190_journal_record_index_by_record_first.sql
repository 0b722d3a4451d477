-- Mirrors the SQLite 0190: record_id first, so a write's journal rows (UUIDv7 ids, links keyed by their deal's or
-- company's id) share one right-edge leaf instead of one per entity. Lookups give entity and record_id both.
DROP INDEX ix_change_records_record;
CREATE INDEX ix_change_records_record ON change_records (record_id, entity, change_id);
