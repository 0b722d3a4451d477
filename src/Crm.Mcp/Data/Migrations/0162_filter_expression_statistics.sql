-- Mirrors the PostgreSQL 0162 (planner statistics for the caseless filters of list pages). SQLite's planner takes
-- the sort index for these pages already, so there is nothing to add here.
SELECT 1;
