-- Mirrors the SQLite 0200: email-less people by name key, for "is there an email-less person with this name?" (the
-- import's set-based by-name check, PeopleBatch), without reading every namesake's row.
CREATE INDEX ix_people_name_key_emailless ON people (name_key) WHERE email_key IS NULL;
