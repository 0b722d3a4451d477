-- A draft journals 8 rows (company, 2 people, deal, 2 company links, 2 deal links), one per entity range of
-- (entity, record_id): each entity's newest ids sit at the right edge of their own range, so one draft dirtied ≈ 8.7
-- pages of this index (WAL frames parsed per commit, profile-draft at 1k). Record ids are UUIDv7 (time-ordered) and a
-- link's record id starts with the id of its deal or company, so with record_id first a write's journal rows sort
-- together at one place. Every lookup gives both columns (a record's timeline, what a revert would overwrite).
DROP INDEX ix_change_records_record;
CREATE INDEX ix_change_records_record ON change_records (record_id, entity);
