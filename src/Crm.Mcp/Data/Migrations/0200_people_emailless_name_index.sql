-- "Is there an email-less person with this name?" (the resolver's by-name lookup for a person who brings an email,
-- asked set-based for every row of an import batch by PeopleBatch): through ix_people_name_key it read every namesake
-- and then each one's row for its email_key; names repeat (≈ 4 people a name at 100k bench rows, ≈ 40 at 1M), so the
-- probe grew with the table. Only email-less people are in this index, so a person with an email costs it nothing to
-- write. 5,000 probes on an imported 100k database: 15.6 -> 3.6 µs each (BENCHMARKS.md, seventh session).
CREATE INDEX ix_people_name_key_emailless ON people (name_key) WHERE email_key IS NULL;
