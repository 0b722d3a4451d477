-- A typo key for the start of a word (issue 15): each word of 3+ letters is also a block reversed, its last 6 letters
-- last first after a '!' ("becker" -> "!rekceb"), with the word's rest. A word misspelt in its first letters ("ecker",
-- "Mtchell") does not sort beside the word it misspells, but its end does: a lookup reads the reversed blocks sorted
-- beside its own (Resolver.NearScoredAsync) as it reads the words sorted beside each word. '!' sorts below letters and
-- digits and above the run-together blocks' leading space, so no word's neighbour read meets a reversed block, and a
-- reversed read stays among those of its last letter. SQLite has no reverse(): the letters are taken one by one
-- (substr with a start before the word gives ''). Resolution/NameBlocks.cs computes the same blocks (Of, Reversed) and
-- fills them for the names there are in this migration's code step. The triggers of 0150, with the reversed blocks
-- (a separate DELETE for them: a UNION in the IN list makes SQLite scan the table).
DROP TRIGGER companies_name_blocks_ai;
DROP TRIGGER companies_name_blocks_ad;
DROP TRIGGER companies_name_blocks_au;
CREATE TRIGGER companies_name_blocks_ai AFTER INSERT ON companies BEGIN
    INSERT OR IGNORE INTO companies_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 3
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;
CREATE TRIGGER companies_name_blocks_ad AFTER DELETE ON companies BEGIN
    DELETE FROM companies_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM companies_name_blocks WHERE (block, rest, row_id) IN (
        SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]') WHERE length(value) >= 3);
    DELETE FROM companies_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
END;
CREATE TRIGGER companies_name_blocks_au AFTER UPDATE OF name_key ON companies WHEN new.name_key IS NOT old.name_key BEGIN
    DELETE FROM companies_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM companies_name_blocks WHERE (block, rest, row_id) IN (
        SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]') WHERE length(value) >= 3);
    DELETE FROM companies_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
    INSERT OR IGNORE INTO companies_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 3
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;

DROP TRIGGER people_name_blocks_ai;
DROP TRIGGER people_name_blocks_ad;
DROP TRIGGER people_name_blocks_au;
CREATE TRIGGER people_name_blocks_ai AFTER INSERT ON people BEGIN
    INSERT OR IGNORE INTO people_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 3
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;
CREATE TRIGGER people_name_blocks_ad AFTER DELETE ON people BEGIN
    DELETE FROM people_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM people_name_blocks WHERE (block, rest, row_id) IN (
        SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]') WHERE length(value) >= 3);
    DELETE FROM people_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
END;
CREATE TRIGGER people_name_blocks_au AFTER UPDATE OF name_key ON people WHEN new.name_key IS NOT old.name_key BEGIN
    DELETE FROM people_name_blocks WHERE (block, rest, row_id) IN (
        SELECT value, substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]'));
    DELETE FROM people_name_blocks WHERE (block, rest, row_id) IN (
        SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || old.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), old.rowid
        FROM json_each('["' || replace(old.name_key, ' ', '","') || '"]') WHERE length(value) >= 3);
    DELETE FROM people_name_blocks WHERE block = ' ' || replace(old.name_key, ' ', '') AND rest = '' AND row_id = old.rowid;
    INSERT OR IGNORE INTO people_name_blocks (block, rest, row_id)
    SELECT value, substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 2
    UNION SELECT '!' || substr(value, -1, 1) || substr(value, -2, 1) || substr(value, -3, 1) || substr(value, -4, 1) || substr(value, -5, 1) || substr(value, -6, 1), substr(replace(trim(replace(' ' || new.name_key || ' ', ' ' || value || ' ', ' ')), ' ', ''), 1, 6), new.rowid
    FROM json_each('["' || replace(new.name_key, ' ', '","') || '"]') WHERE length(value) >= 3
    UNION SELECT ' ' || replace(new.name_key, ' ', ''), '', new.rowid WHERE instr(new.name_key, ' ') > 0;
END;
