-- get_changes for one record found its changes by checking every change in the journal (EXISTS per change, with
-- LIKE on either side of a link row's "left/right" id): seconds at a million changes. Its own rows come from
-- ix_change_records_record; these two indexes find the link rows that name it on either side. Only link rows are
-- indexed (a '/' in the id), so a write of plain records pays nothing.
CREATE INDEX ix_change_records_link_left ON change_records (substr(record_id, 1, instr(record_id, '/') - 1))
    WHERE instr(record_id, '/') > 0;
CREATE INDEX ix_change_records_link_right ON change_records (substr(record_id, instr(record_id, '/') + 1))
    WHERE instr(record_id, '/') > 0;
