-- Full-text search across entities (search_all). One row per searchable record in search_documents; two FTS5
-- indexes over it as external content: words (unicode61, accents folded, prefix indexes) for ranked matches, and
-- trigrams for substrings ("cme" finds Acme). search_source says, per entity type, what a record's title and body
-- are; triggers on the entity tables refresh a record's row from it, so every write path (tools, cascades, imports,
-- seed-demo) keeps the index current without the application having to remember.

CREATE TABLE search_documents (
    doc_id       INTEGER PRIMARY KEY,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    UNIQUE (entity_type, entity_id)
);

CREATE VIRTUAL TABLE search_words USING fts5(
    title, body, content = 'search_documents', content_rowid = 'doc_id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');

CREATE VIRTUAL TABLE search_trigrams USING fts5(
    title, body, content = 'search_documents', content_rowid = 'doc_id',
    tokenize = 'trigram remove_diacritics 1');

CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_words (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
    INSERT INTO search_trigrams (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
END;

CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_words (search_words, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
    INSERT INTO search_trigrams (search_trigrams, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
END;

CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_words (search_words, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
    INSERT INTO search_trigrams (search_trigrams, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
    INSERT INTO search_words (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
    INSERT INTO search_trigrams (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
END;

-- A deal's body carries its company's name so "acme renewal" finds Acme's renewal deal.
CREATE VIEW search_source (entity_type, entity_id, title, body) AS
    SELECT 'deal', d.id, d.name, concat_ws(' ', d.identifier, c.name, d.notes)
    FROM deals d LEFT JOIN companies c ON c.id = d.company_id
    UNION ALL
    SELECT 'company', c.id, c.name, concat_ws(' ', c.domain, c.website, c.industry, c.phone, c.notes)
    FROM companies c
    UNION ALL
    SELECT 'contact', p.id, p.full_name, concat_ws(' ', p.email, p.phone, p.title, p.notes)
    FROM people p;

CREATE TRIGGER deals_search_ai AFTER INSERT ON deals BEGIN
    INSERT INTO search_documents (entity_type, entity_id, title, body)
    SELECT entity_type, entity_id, title, body FROM search_source WHERE entity_type = 'deal' AND entity_id = NEW.id;
END;

CREATE TRIGGER deals_search_au AFTER UPDATE OF name, identifier, company_id, notes ON deals BEGIN
    UPDATE search_documents SET (title, body) = (
        SELECT title, body FROM search_source WHERE entity_type = 'deal' AND entity_id = NEW.id)
    WHERE entity_type = 'deal' AND entity_id = NEW.id;
END;

CREATE TRIGGER deals_search_ad AFTER DELETE ON deals BEGIN
    DELETE FROM search_documents WHERE entity_type = 'deal' AND entity_id = OLD.id;
END;

CREATE TRIGGER companies_search_ai AFTER INSERT ON companies BEGIN
    INSERT INTO search_documents (entity_type, entity_id, title, body)
    SELECT entity_type, entity_id, title, body FROM search_source WHERE entity_type = 'company' AND entity_id = NEW.id;
END;

CREATE TRIGGER companies_search_au AFTER UPDATE OF name, domain, website, industry, phone, notes ON companies BEGIN
    UPDATE search_documents SET (title, body) = (
        SELECT title, body FROM search_source WHERE entity_type = 'company' AND entity_id = NEW.id)
    WHERE entity_type = 'company' AND entity_id = NEW.id;
END;

-- A renamed company renames itself inside its deals' bodies too.
CREATE TRIGGER companies_search_deals_au AFTER UPDATE OF name ON companies BEGIN
    UPDATE search_documents SET (title, body) = (
        SELECT s.title, s.body FROM search_source s WHERE s.entity_type = 'deal' AND s.entity_id = search_documents.entity_id)
    WHERE entity_type = 'deal' AND entity_id IN (SELECT id FROM deals WHERE company_id = NEW.id);
END;

CREATE TRIGGER companies_search_ad AFTER DELETE ON companies BEGIN
    DELETE FROM search_documents WHERE entity_type = 'company' AND entity_id = OLD.id;
END;

CREATE TRIGGER people_search_ai AFTER INSERT ON people BEGIN
    INSERT INTO search_documents (entity_type, entity_id, title, body)
    SELECT entity_type, entity_id, title, body FROM search_source WHERE entity_type = 'contact' AND entity_id = NEW.id;
END;

CREATE TRIGGER people_search_au AFTER UPDATE OF full_name, email, phone, title, notes ON people BEGIN
    UPDATE search_documents SET (title, body) = (
        SELECT title, body FROM search_source WHERE entity_type = 'contact' AND entity_id = NEW.id)
    WHERE entity_type = 'contact' AND entity_id = NEW.id;
END;

CREATE TRIGGER people_search_ad AFTER DELETE ON people BEGIN
    DELETE FROM search_documents WHERE entity_type = 'contact' AND entity_id = OLD.id;
END;

-- Records that existed before this migration.
INSERT INTO search_documents (entity_type, entity_id, title, body)
SELECT entity_type, entity_id, title, body FROM search_source;
