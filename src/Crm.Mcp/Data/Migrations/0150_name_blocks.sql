-- Near-name candidates (issue 15) from blocking keys in plain B-trees instead of the FTS5 trigram indexes of 0050: one
-- seek per key whatever the table size or write history (a trigram piece probed every FTS5 segment, 31-34 per name
-- index after a few hundred small writes, and its doclists grew with the table). The blocks of a name key are its
-- words of 2+ letters and, when it has several words, the words run together ("acme corp" -> acme, corp, and
-- " acmecorp", after a space so that words sort beside words):
-- a reordered, shortened or respaced name shares one. Each word's rows are sorted by the first letters of the name's
-- other words (rest), so a lookup reads the namesakes nearest its own other words ("watanabe" / "ysuuf" finds
-- "yusuf watanabe" among thousands of Watanabes) instead of the first rows of a common word; a typo is found by the
-- sorted neighbours (Resolver.NearRowsAsync). Resolution/NameBlocks.cs computes the same blocks for a lookup and
-- fills the tables in this migration's code step, which also drops the trigram indexes (see Migrator: 0180 rebuilds
-- them first on a database that has neither).
CREATE TABLE companies_name_blocks (
    block  TEXT NOT NULL,
    rest   TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    PRIMARY KEY (block, rest, row_id)
) WITHOUT ROWID;

CREATE TABLE people_name_blocks (
    block  TEXT NOT NULL,
    rest   TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    PRIMARY KEY (block, rest, row_id)
) WITHOUT ROWID;

-- Keys hold letters, digits and single spaces (NameKeys.Words), so splitting them as a JSON array is exact. A delete
-- names each row whole (block, rest, row_id), and a plain IN list (a UNION there makes SQLite scan the table): a
-- common word's block holds tens of thousands of rows.
CREATE TRIGGER companies_name_blocks_ai AFTER INSERT ON companies BEGIN
    INSERT OR IGNORE INTO companies_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;
CREATE TRIGGER companies_name_blocks_ad AFTER DELETE ON companies BEGIN
    DELETE FROM companies_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM companies_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
END;
CREATE TRIGGER companies_name_blocks_au AFTER UPDATE OF name_key ON companies WHEN new.name_key IS NOT old.name_key BEGIN
    DELETE FROM companies_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM companies_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
    INSERT OR IGNORE INTO companies_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;

CREATE TRIGGER people_name_blocks_ai AFTER INSERT ON people BEGIN
    INSERT OR IGNORE INTO people_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;
CREATE TRIGGER people_name_blocks_ad AFTER DELETE ON people BEGIN
    DELETE FROM people_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM people_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
END;
CREATE TRIGGER people_name_blocks_au AFTER UPDATE OF name_key ON people WHEN new.name_key IS NOT old.name_key BEGIN
    DELETE FROM people_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM people_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
    INSERT OR IGNORE INTO people_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;
