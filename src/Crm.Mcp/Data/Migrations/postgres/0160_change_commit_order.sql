-- get_changes must never skip a change: writers run in parallel here (docs/postgresql.md), and a change id comes from
-- an identity column when the change is sealed, so change 90 can commit after change 100 has been read. Each change
-- keeps its writer's transaction id (64-bit, never reused); get_changes lists only changes whose writer is older than
-- every write still in flight in this database (from the reader's snapshot), in (xid, id) order. Whatever commits
-- later then sorts above everything already shown. Existing changes committed before any of this: xid 0.
ALTER TABLE changes ADD COLUMN xid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE changes ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX ix_changes_xid ON changes (xid, id);
