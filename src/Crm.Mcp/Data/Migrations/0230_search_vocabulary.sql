-- Mirrors the PostgreSQL 0230 in number only: there a vocabulary table lets search_all match a prefix as the whole
-- words it begins (GIN's prefix match reads every posting of those words). FTS5 answers 2–3 letter prefixes from its
-- own prefix index and SearchTools matches longer terms whole where the index holds them (0030, 0210).
SELECT 1;
