-- ix_change_records_change (change_id, id) holds every unclaimed row too, at its start (NULL sorts first): the seal's
-- "anything unclaimed?" probe and its claim seek that range (EXPLAIN: change_id=?). The partial index of 0070 was a
-- second copy of those rows: one more B-tree page written and one more insert and delete per journal row of a write.
DROP INDEX ix_change_records_unclaimed;
