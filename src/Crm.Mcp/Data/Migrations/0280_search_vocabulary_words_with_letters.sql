-- Mirrors the PostgreSQL 0280 in number only: there the vocabulary table of 0230 stops holding digits-only words.
-- SQLite has no vocabulary table (FTS5 answers prefixes from its own index).
SELECT 1;
