-- Mirrors the SQLite 0210 in number only: there it merges the FTS5 word index into one segment. PostgreSQL's
-- tsvector GIN index has no segments to merge (its pending list is flushed by VACUUM and gin_pending_list_limit).
SELECT 1;
