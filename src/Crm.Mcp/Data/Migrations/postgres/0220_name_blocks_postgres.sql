-- Near-name candidates (issue 15) from the blocking keys SQLite has used since 0150, in place of pg_trgm's `%` over
-- the GIN indexes of 0050: the GIN index returned every name sharing enough trigrams and each was rechecked and scored
-- before the LIMIT, so a lookup read a share of the table (180 ms at 1M companies). The blocks of a name key are its
-- words of 2+ letters, each with the first 6 letters of the name's other words (rest), and, when it has several words,
-- the words run together after a space (Resolution/NameBlocks.cs; crm_name_blocks must stay NameBlocks.Of). A lookup
-- reads B-tree ranges with a LIMIT (Resolver.NearRowsAsync), as on SQLite: the same candidates, the same bound.
-- row_id is the record's id, in the id column's collation (a lookup's ids must match the primary key's index); blocks
-- and rests sort by code point ("C"), as SQLite's BINARY does, whatever the database's default collation. The tables are filled by this migration's code step (Migrator, NameBlocks.FillAsync),
-- without the statement timeout a tool call gets.
CREATE TABLE companies_name_blocks (
    block  TEXT COLLATE "C" NOT NULL,
    rest   TEXT COLLATE "C" NOT NULL,
    row_id TEXT NOT NULL,
    PRIMARY KEY (block, rest, row_id)
);

CREATE TABLE people_name_blocks (
    block  TEXT COLLATE "C" NOT NULL,
    rest   TEXT COLLATE "C" NOT NULL,
    row_id TEXT NOT NULL,
    PRIMARY KEY (block, rest, row_id)
);

-- Keys hold letters, digits and single spaces (NameKeys.Words). replace() works left to right without overlaps, as
-- SQLite's and .NET's do, so "anna anna b" keeps one "anna" in its rest.
CREATE FUNCTION crm_name_blocks(name_key text) RETURNS TABLE (block text, rest text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w, substr(replace(trim(replace(' ' || name_key || ' ', ' ' || w || ' ', ' ')), ' ', ''), 1, 6)
    FROM unnest(string_to_array(name_key, ' ')) AS w WHERE length(w) >= 2
    UNION
    SELECT ' ' || replace(name_key, ' ', ''), '' WHERE strpos(name_key, ' ') > 0
$$;

-- One function for both tables, each statement static (PL/pgSQL caches its plan; EXECUTE would plan every row).
CREATE FUNCTION name_blocks_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'companies' THEN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM companies_name_blocks t USING crm_name_blocks(OLD.name_key) b
            WHERE t.block = b.block AND t.rest = b.rest AND t.row_id = OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO companies_name_blocks (block, rest, row_id) SELECT b.block, b.rest, NEW.id FROM crm_name_blocks(NEW.name_key) b
            ON CONFLICT DO NOTHING;
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM people_name_blocks t USING crm_name_blocks(OLD.name_key) b
            WHERE t.block = b.block AND t.rest = b.rest AND t.row_id = OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO people_name_blocks (block, rest, row_id) SELECT b.block, b.rest, NEW.id FROM crm_name_blocks(NEW.name_key) b
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER companies_name_blocks_ai AFTER INSERT ON companies FOR EACH ROW EXECUTE FUNCTION name_blocks_refresh();
CREATE TRIGGER companies_name_blocks_ad AFTER DELETE ON companies FOR EACH ROW EXECUTE FUNCTION name_blocks_refresh();
CREATE TRIGGER companies_name_blocks_au AFTER UPDATE OF name_key, id ON companies FOR EACH ROW
    WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key OR OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION name_blocks_refresh();
CREATE TRIGGER people_name_blocks_ai AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION name_blocks_refresh();
CREATE TRIGGER people_name_blocks_ad AFTER DELETE ON people FOR EACH ROW EXECUTE FUNCTION name_blocks_refresh();
CREATE TRIGGER people_name_blocks_au AFTER UPDATE OF name_key, id ON people FOR EACH ROW
    WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key OR OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION name_blocks_refresh();

-- The name-key neighbours are read from the index alone (as SQLite's name-key index gives rowid and key), in key order
-- and then by id (SQLite's index orders namesakes by rowid), so which namesakes a window of 100 reads does not depend
-- on where their rows sit in the heap.
DROP INDEX ix_companies_name_key_c;
CREATE INDEX ix_companies_name_key_c ON companies (name_key COLLATE "C", id);
DROP INDEX ix_people_name_key_c;
CREATE INDEX ix_people_name_key_c ON people (name_key COLLATE "C", id);

-- Nothing else reads names through pg_trgm: its name indexes go (their GIN maintenance on every insert with them).
-- The extension stays: search_documents and companies.website keep their trigram indexes (0030, 0100).
DROP INDEX ix_companies_name_trgm;
DROP INDEX ix_people_name_trgm;
