-- A typo key for the start of a word (issue 15), as SQLite's 0260: each word of 3+ letters is also a block reversed,
-- its last 6 letters last first after a '!' ("becker" -> "!rekceb"), with the word's rest (Resolution/NameBlocks.cs:
-- crm_name_blocks must stay NameBlocks.Of). name_blocks_refresh() writes and deletes what this function returns, so the
-- triggers need no change; the migration's code step adds the reversed blocks of the names there are. reverse() and
-- substr() count characters, as SQLite's substr and .NET's runes do.
CREATE OR REPLACE FUNCTION crm_name_blocks(name_key text) RETURNS TABLE (block text, rest text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH words AS (
        SELECT w, substr(replace(trim(replace(' ' || name_key || ' ', ' ' || w || ' ', ' ')), ' ', ''), 1, 6) AS rest
        FROM unnest(string_to_array(name_key, ' ')) AS w WHERE length(w) >= 2)
    SELECT w, rest FROM words
    UNION
    SELECT '!' || substr(reverse(w), 1, 6), rest FROM words WHERE length(w) >= 3
    UNION
    SELECT ' ' || replace(name_key, ' ', ''), '' WHERE strpos(name_key, ' ') > 0
$$;
