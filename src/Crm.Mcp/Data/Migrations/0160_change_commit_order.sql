-- Mirrors the PostgreSQL 0160: there, parallel writers can commit changes out of id order, so changes carry their
-- writer's transaction id for get_changes' order. SQLite runs one writer at a time (BEGIN IMMEDIATE), so a change's
-- id order is its commit order and xid stays 0; the column keeps the tables alike column for column, which
-- `crm-mcp migrate-data` copies (0 there means "committed before anything in flight").
ALTER TABLE changes ADD COLUMN xid INTEGER NOT NULL DEFAULT 0;
