-- search_all (issue 15): the word index as one segment. A rebuild or a bulk load under 0103's lazy merge settings
-- leaves the index in many segments (the 1M bench file: 25, five of ~10,000 pages), and every MATCH opens an iterator
-- per segment for each of its terms: an AND of three common words and the newest 200 any-word hits cost ≈ 1.9 ms at
-- 1M documents, ≈ 1.35 ms on one segment, search_all 4.2 -> 3.5 ms of server CPU per call with the same pages
-- (BENCHMARKS.md, seventh session). 'optimize' costs ≈ 4.5 s of CPU once at 1M documents; it does not change what
-- writers pay afterwards: each commit still adds a small segment that automerge (8) merges with its peers, and the
-- one large segment is merged again only when seven more of its size have formed.
-- usermerge 2: a later 'merge' command (SearchIndexUpkeep, after bulk loads) merges any level holding two segments,
-- so it leaves at most one per level without rewriting the largest when it stands alone.
INSERT INTO search_words (search_words, rank) VALUES ('usermerge', 2);
INSERT INTO search_words (search_words) VALUES ('optimize');
