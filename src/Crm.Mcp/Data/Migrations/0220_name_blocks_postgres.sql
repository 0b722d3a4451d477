-- Mirrors the PostgreSQL 0220 in number only: SQLite has had its name blocks since 0150.
SELECT 1;
