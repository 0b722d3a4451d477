-- Mirrors the SQLite 0164 in number only: PostgreSQL's text order follows the database's collation, where "X/" and
-- "X0" need not bound every id starting "X/", so get_changes keeps reading the left side from 0163's index here.
SELECT 1;
