-- Mirrors the SQLite 0180 in number only: there it rebuilds the FTS5 trigram indexes without positions or token
-- counts. PostgreSQL's pg_trgm GIN indexes store trigram -> rows already, with no positions to drop.
SELECT 1;
