-- search_all (issue 15), PostgreSQL: every word (tsvector lexeme) the search index holds, so that a query's prefix
-- ("acme":*) can be matched as the whole words it begins ('acme' | 'acmecorp'). GIN answers a prefix by collecting
-- the posting lists of every entry it begins into a bitmap before anything else, so an AND of three common prefixes
-- read ≈ 96,000 postings at 1M documents (86–162 ms at load 24–28, BENCHMARKS.md eighth session); the same AND of
-- whole words steps the posting lists together (GIN's fast scan) and costs ≈ 1/10 of it (BENCHMARKS.md ninth session).
-- Kept by a row trigger on search_documents, so every write path (the entity triggers, migrate-data's COPY, direct
-- inserts) keeps it a superset of the index's words; a word whose last document is gone stays (a query's expansion
-- then names a word that matches nothing: harmless). No unique key: a unique insert of a word another open
-- transaction has just added waits for that transaction's end, so two writers adding the same new word ran one after
-- the other, and two adding two new words in opposite orders deadlocked. A word is added when this transaction does
-- not see it yet; writers in flight together may both add it, and readers ask for DISTINCT words. Plain B-tree, row
-- triggers, no counters: writers never wait for each other here (see docs/postgresql.md for Citus and YugabyteDB).
CREATE TABLE search_vocabulary (word TEXT COLLATE "C" NOT NULL);
CREATE INDEX ix_search_vocabulary_word ON search_vocabulary (word);

CREATE FUNCTION search_vocabulary_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_vocabulary (word)
        SELECT w FROM unnest(tsvector_to_array(NEW.words)) AS w
        WHERE NOT EXISTS (SELECT 1 FROM search_vocabulary v WHERE v.word = w);
    RETURN NULL;
END $$;

CREATE TRIGGER search_documents_vocabulary_ai AFTER INSERT ON search_documents FOR EACH ROW EXECUTE FUNCTION search_vocabulary_add();
CREATE TRIGGER search_documents_vocabulary_au AFTER UPDATE OF title, body ON search_documents FOR EACH ROW EXECUTE FUNCTION search_vocabulary_add();

INSERT INTO search_vocabulary (word) SELECT DISTINCT unnest(tsvector_to_array(words)) FROM search_documents;
ANALYZE search_vocabulary;
