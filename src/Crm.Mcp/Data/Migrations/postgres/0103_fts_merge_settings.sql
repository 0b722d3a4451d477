-- Mirrors the SQLite 0103 in number only: FTS5 merge settings. PostgreSQL's GIN indexes have no such settings to
-- change here (their pending list is flushed by autovacuum or gin_pending_list_limit).
SELECT 1;
