-- Mirrors the SQLite 0101: every list's default page walks an index in its ORDER BY (the list engine's expressions
-- exactly: lower(name) then id for companies and contacts, undated tasks last) instead of sorting the matches.
CREATE INDEX ix_deals_stage_created ON deals (stage_id, created_at DESC, id, is_draft);
CREATE INDEX ix_companies_name_lower ON companies (lower(name), id);
CREATE INDEX ix_people_name_lower ON people (lower(full_name), id);
CREATE INDEX ix_tasks_due_page ON tasks ((due IS NULL), due, id);
DROP INDEX ix_services_created;
CREATE INDEX ix_services_page ON services (created_at, deal_id, position, id);
