-- Search-index maintenance deferred to the end of a write batch (a bulk tool call, an import batch). FTS5 writes its
-- pending terms out as a new segment at every SAVEPOINT, and bulk calls and imports take one per item or row, so a
-- 100-item batch wrote 100 tiny segments into each index and then merged them. While write_batch holds its row (only
-- inside the batch's own transaction: no other connection ever sees it, a crash or rollback removes it) the triggers
-- note each search document's change in search_pending instead; the batch's end (Data/SearchIndexBatch) applies them
-- in one pass and empties both tables, before COMMIT. Outside a batch nothing changes.
CREATE TABLE write_batch (one INTEGER PRIMARY KEY CHECK (one = 1));
CREATE TABLE search_pending (
    id         INTEGER PRIMARY KEY,
    doc_id     INTEGER NOT NULL,
    old_title  TEXT,
    old_body   TEXT
);

DROP TRIGGER search_documents_ai;
DROP TRIGGER search_documents_ad;
DROP TRIGGER search_documents_au;

CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents WHEN NOT EXISTS (SELECT 1 FROM write_batch) BEGIN
    INSERT INTO search_words (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
    INSERT INTO search_trigrams (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
END;

CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents WHEN NOT EXISTS (SELECT 1 FROM write_batch) BEGIN
    INSERT INTO search_words (search_words, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
    INSERT INTO search_trigrams (search_trigrams, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
END;

CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents WHEN NOT EXISTS (SELECT 1 FROM write_batch) BEGIN
    INSERT INTO search_words (search_words, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
    INSERT INTO search_trigrams (search_trigrams, rowid, title, body) VALUES ('delete', OLD.doc_id, OLD.title, OLD.body);
    INSERT INTO search_words (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
    INSERT INTO search_trigrams (rowid, title, body) VALUES (NEW.doc_id, NEW.title, NEW.body);
END;

-- In a batch: what the index holds for the document before the change (nothing for a new one). Only a document's
-- first change in the batch matters (SearchIndexBatch keeps the lowest id per document).
CREATE TRIGGER search_documents_batch_ai AFTER INSERT ON search_documents WHEN EXISTS (SELECT 1 FROM write_batch) BEGIN
    INSERT INTO search_pending (doc_id) VALUES (NEW.doc_id);
END;

CREATE TRIGGER search_documents_batch_ad AFTER DELETE ON search_documents WHEN EXISTS (SELECT 1 FROM write_batch) BEGIN
    INSERT INTO search_pending (doc_id, old_title, old_body) VALUES (OLD.doc_id, OLD.title, OLD.body);
END;

CREATE TRIGGER search_documents_batch_au AFTER UPDATE ON search_documents WHEN EXISTS (SELECT 1 FROM write_batch) BEGIN
    INSERT INTO search_pending (doc_id, old_title, old_body) VALUES (OLD.doc_id, OLD.title, OLD.body);
END;
