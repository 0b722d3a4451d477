-- Mirrors the SQLite 0102 in number only: there, FTS5 writes a segment at every SAVEPOINT, so bulk calls and imports
-- defer their search-index work to the end of the batch. PostgreSQL's search index is a stored tsvector with a GIN
-- index (0030), updated with its row; GIN's pending list already batches its inserts.
SELECT 1;
