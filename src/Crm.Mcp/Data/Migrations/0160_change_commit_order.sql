-- Mirrors the PostgreSQL 0160 in number only: there, parallel writers can commit changes out of id order, so changes
-- carry their writer's transaction id for get_changes' order. SQLite runs one writer at a time (BEGIN IMMEDIATE): a
-- change's id order is its commit order already.
SELECT 1;
