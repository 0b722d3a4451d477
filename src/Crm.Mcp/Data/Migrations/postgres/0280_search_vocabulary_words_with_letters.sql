-- search_all (issue 15), PostgreSQL: the vocabulary (0230) keeps only words with something other than digits. A query's
-- digits-only prefix ("0042", a phone number's start) is never written as the words it begins (SearchQuery.Parsed.
-- PostgresPrefixes): GIN's own prefix match reads the postings of the entries it begins, few for a whole identifier
-- number, and a short prefix begins more words than an expansion holds anyway. Every deal's identifier number was one more vocabulary row (1,000,000 of the 1,000,539 at 1M
-- deals), so the table grew by a row per deal and each new deal paid an insert and an index entry for it.
-- Still no unique key (writers adding the same new word must not wait for each other): the rows two writers in flight
-- together added twice are removed here once; readers ask for DISTINCT words either way.
CREATE OR REPLACE FUNCTION search_vocabulary_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_vocabulary (word)
        SELECT w FROM unnest(tsvector_to_array(NEW.words)) AS w
        WHERE w !~ '^[0-9]+$' AND NOT EXISTS (SELECT 1 FROM search_vocabulary v WHERE v.word = w);
    RETURN NULL;
END $$;

DELETE FROM search_vocabulary WHERE word ~ '^[0-9]+$';
DELETE FROM search_vocabulary a USING search_vocabulary b WHERE a.word = b.word AND a.ctid > b.ctid;
ANALYZE search_vocabulary;
