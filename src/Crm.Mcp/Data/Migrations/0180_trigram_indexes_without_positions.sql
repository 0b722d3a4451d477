-- Footprint (issue 15): the trigram indexes keep no more than their queries read. search_trigrams was a third of a
-- 1M-row database's search storage; with detail = none it keeps which documents hold a trigram but not where
-- (at 100k: 54.3 -> 12.5 MiB). Without positions FTS5 cannot match a phrase, so search_all's substring tier asks for
-- a term's trigrams with AND and checks the candidates' text for the whole term (SearchQuery.Substrings,
-- SearchRanking.KeepSubstringHits). columnsize = 0 drops the per-document token counts (the _docsize table) that only
-- FTS5's bm25() reads; nothing ranks in SQL (search_all ranks in C#, the resolver takes its candidates unranked). The
-- name indexes keep their positions: the resolver matches multi-trigram pieces as phrases.
-- 'optimize' after each rebuild leaves one segment: a rebuild under 0103's lazy merge settings leaves many, and a
-- newest-first read opens each (at 1M documents "son" newest 200: 0.61 ms CPU, 0.15 ms after optimize).
-- Triggers name these tables and run against whichever table has the name, so they stay as they are.
DROP TABLE search_trigrams;
CREATE VIRTUAL TABLE search_trigrams USING fts5(
    title, body, content = 'search_documents', content_rowid = 'doc_id',
    tokenize = 'trigram remove_diacritics 1', detail = none, columnsize = 0);
INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('automerge', 8);
INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('crisismerge', 128);
INSERT INTO search_trigrams (search_trigrams) VALUES ('rebuild');
INSERT INTO search_trigrams (search_trigrams) VALUES ('optimize');

DROP TABLE companies_name_trgm;
CREATE VIRTUAL TABLE companies_name_trgm USING fts5 (
    name_key, content = 'companies', content_rowid = 'rowid', tokenize = 'trigram', columnsize = 0);
INSERT INTO companies_name_trgm (companies_name_trgm, rank) VALUES ('automerge', 8);
INSERT INTO companies_name_trgm (companies_name_trgm, rank) VALUES ('crisismerge', 128);
INSERT INTO companies_name_trgm (companies_name_trgm) VALUES ('rebuild');
INSERT INTO companies_name_trgm (companies_name_trgm) VALUES ('optimize');

DROP TABLE people_name_trgm;
CREATE VIRTUAL TABLE people_name_trgm USING fts5 (
    name_key, content = 'people', content_rowid = 'rowid', tokenize = 'trigram', columnsize = 0);
INSERT INTO people_name_trgm (people_name_trgm, rank) VALUES ('automerge', 8);
INSERT INTO people_name_trgm (people_name_trgm, rank) VALUES ('crisismerge', 128);
INSERT INTO people_name_trgm (people_name_trgm) VALUES ('rebuild');
INSERT INTO people_name_trgm (people_name_trgm) VALUES ('optimize');
