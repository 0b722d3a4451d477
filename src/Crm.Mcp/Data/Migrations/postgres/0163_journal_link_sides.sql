-- Mirrors the SQLite 0163: get_changes finds a record's link rows by either side of "left/right" from an index
-- instead of checking every change in the journal.
CREATE INDEX ix_change_records_link_left ON change_records (split_part(record_id, '/', 1))
    WHERE strpos(record_id, '/') > 0;
CREATE INDEX ix_change_records_link_right ON change_records (split_part(record_id, '/', 2))
    WHERE strpos(record_id, '/') > 0;
