-- The change journal. Triggers (generated from the live schema by Data/JournalTriggers.cs, not written here) put
-- every row change into change_records with change_id NULL; at the end of each write transaction CrmDb seals them
-- into one `changes` row (when, actor, tool, arguments). Writers are serialized, so the NULL rows are always the
-- current transaction's own. before/after are the whole row as JSON, which is what makes a delete restorable.

CREATE TABLE changes (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    at                     TEXT NOT NULL,
    actor                  TEXT NOT NULL,
    tool                   TEXT,
    arguments              TEXT,
    reverts_change_id      INTEGER REFERENCES changes (id),
    reverted_by_change_id  INTEGER REFERENCES changes (id)
);
CREATE INDEX ix_changes_at ON changes (at, id);
CREATE INDEX ix_changes_actor ON changes (actor, id);
CREATE INDEX ix_changes_tool ON changes (tool, id);

CREATE TABLE change_records (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id   INTEGER REFERENCES changes (id),
    entity      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    operation   TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    before      TEXT,
    after       TEXT
);
CREATE INDEX ix_change_records_change ON change_records (change_id, id);
CREATE INDEX ix_change_records_record ON change_records (entity, record_id, change_id);
-- The seal step's "anything unclaimed?" probe must not scan the journal.
CREATE INDEX ix_change_records_unclaimed ON change_records (id) WHERE change_id IS NULL;
