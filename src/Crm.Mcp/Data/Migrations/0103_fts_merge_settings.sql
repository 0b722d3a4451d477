-- FTS5 merge settings for a write path of many small transactions (every tool call commits one, and each commit adds
-- a segment to each index it touched). Defaults (automerge 4, crisismerge 16) merged so often, and at times so much at
-- once, that a create_deal_draft at 100k rows spent most of its time merging (a 0.6-0.9 s stall every few hundred
-- drafts). Measured on the 100k bench database, 600 draft-shaped transactions, CPU per transaction: 5.1-5.2 ms ->
-- 3.7 ms, worst transaction 630-870 ms -> 270-280 ms; a search MATCH reads at most a few more segments (≈ 1.1 -> 1.3 ms
-- for a ranked word query). See BENCHMARKS.md, issue 15.
INSERT INTO search_words (search_words, rank) VALUES ('automerge', 8);
INSERT INTO search_words (search_words, rank) VALUES ('crisismerge', 128);
INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('automerge', 8);
INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('crisismerge', 128);
INSERT INTO companies_name_trgm (companies_name_trgm, rank) VALUES ('automerge', 8);
INSERT INTO companies_name_trgm (companies_name_trgm, rank) VALUES ('crisismerge', 128);
INSERT INTO people_name_trgm (people_name_trgm, rank) VALUES ('automerge', 8);
INSERT INTO people_name_trgm (people_name_trgm, rank) VALUES ('crisismerge', 128);
