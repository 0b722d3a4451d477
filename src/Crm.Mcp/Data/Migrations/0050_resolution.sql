-- Resolution that never duplicates (issue 5): idempotency keys stored with the write they guard, an audit of merged
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

-- External-content FTS5 tables: they store only the index; triggers keep them in step with the base tables.
CREATE VIRTUAL TABLE companies_name_trgm USING fts5 (name_key, content = 'companies', content_rowid = 'rowid', tokenize = 'trigram');
INSERT INTO companies_name_trgm (companies_name_trgm) VALUES ('rebuild');
CREATE TRIGGER companies_name_trgm_ai AFTER INSERT ON companies BEGIN
    INSERT INTO companies_name_trgm (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
CREATE TRIGGER companies_name_trgm_ad AFTER DELETE ON companies BEGIN
    INSERT INTO companies_name_trgm (companies_name_trgm, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
END;
CREATE TRIGGER companies_name_trgm_au AFTER UPDATE OF name_key ON companies BEGIN
    INSERT INTO companies_name_trgm (companies_name_trgm, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
    INSERT INTO companies_name_trgm (rowid, name_key) VALUES (new.rowid, new.name_key);
END;

CREATE VIRTUAL TABLE people_name_trgm USING fts5 (name_key, content = 'people', content_rowid = 'rowid', tokenize = 'trigram');
INSERT INTO people_name_trgm (people_name_trgm) VALUES ('rebuild');
CREATE TRIGGER people_name_trgm_ai AFTER INSERT ON people BEGIN
    INSERT INTO people_name_trgm (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
CREATE TRIGGER people_name_trgm_ad AFTER DELETE ON people BEGIN
    INSERT INTO people_name_trgm (people_name_trgm, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
END;
CREATE TRIGGER people_name_trgm_au AFTER UPDATE OF name_key ON people BEGIN
    INSERT INTO people_name_trgm (people_name_trgm, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
    INSERT INTO people_name_trgm (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
