-- PostgreSQL mirror of ../0050_resolution.sql. Resolution that never duplicates (issue 5): idempotency keys stored with the write they guard, an audit of merged
-- records, and trigram indexes over normalized names for near-match candidate retrieval ("Acme Corpp" finds "acme corp").

CREATE TABLE idempotency_keys (
    key             TEXT PRIMARY KEY,
    tool            TEXT NOT NULL,
    arguments_hash  TEXT NOT NULL,
    result_json     TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE merge_audit (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('company', 'person')),
    survivor_id    TEXT NOT NULL,
    merged_id      TEXT NOT NULL,
    merged_record  TEXT NOT NULL,
    moved          TEXT NOT NULL,
    merged_at      TEXT NOT NULL
);
CREATE INDEX ix_merge_audit_survivor ON merge_audit (survivor_id);
CREATE INDEX ix_merge_audit_merged ON merge_audit (merged_id);

-- Near-name candidates: pg_trgm indexes over the normalized names (the % operator and similarity() use them), in
-- place of SQLite's FTS5 trigram tables; the "same first two letters" probe gets a C-collation index for its range.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ix_companies_name_trgm ON companies USING gin (name_key gin_trgm_ops);
CREATE INDEX ix_people_name_trgm ON people USING gin (name_key gin_trgm_ops);
CREATE INDEX ix_companies_name_key_c ON companies (name_key COLLATE "C");
CREATE INDEX ix_people_name_key_c ON people (name_key COLLATE "C");
