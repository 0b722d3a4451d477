-- Mirrors the SQLite 0150 in number only: there blocking-key tables replace the FTS5 name trigram indexes.
-- PostgreSQL keeps pg_trgm's GIN indexes (0050): one index, not one segment per write, and few rows per lookup.
SELECT 1;
