-- Mirrors the SQLite 0191: ix_change_records_change (change_id, id) answers "change_id IS NULL" (btree Index Cond), so
-- the partial index of 0070 was a second copy of the unclaimed rows.
DROP INDEX ix_change_records_unclaimed;
