-- Since 0190 the journal's record index starts with record_id, so link rows naming a record on the left of
-- "left/right" are one range of it (binary order); 0163's left-side index only cost every link row a second entry
-- (≈ 1.7 WAL pages per create_deal_draft).
DROP INDEX ix_change_records_link_left;
