-- Mirrors the SQLite 0140 in number only: there it drops change_id from ix_change_records_record so that sealing a
-- write moves no entry of that index. PostgreSQL's UPDATE writes a new entry in every index of the row anyway (no HOT
-- update: ix_change_records_change holds change_id), so the index keeps its shape here.
SELECT 1;
