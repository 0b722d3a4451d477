-- Mirrors the PostgreSQL 0161 (crm_fold names unaccent by schema, so autovacuum's ANALYZE and pg_restore can evaluate
-- it). SQLite folds in C# (UnicodeFold), so there is nothing to change here.
SELECT 1;
