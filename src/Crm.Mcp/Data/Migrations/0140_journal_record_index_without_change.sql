-- Sealing a write (ChangeJournal.SealAsync) sets change_id on every row the write journaled. With change_id in this
-- index each row's entry moved: a delete and an insert at a random place (record ids are UUIDs), per journal row. Two
-- journal rows per imported person made the seal of a 5,000-row import batch ≈ 3× dearer than without it (sqlite3,
-- 10,000 rows: 38-48 ms -> 13-15 ms). Lookups by record (a record's timeline, what a revert would overwrite) still
-- seek (entity, record_id) and read that record's few journal rows; SQLite's index ends with the row id anyway.
DROP INDEX ix_change_records_record;
CREATE INDEX ix_change_records_record ON change_records (entity, record_id);
