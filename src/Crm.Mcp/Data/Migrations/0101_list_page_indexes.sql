-- Every list's default page walks an index in its ORDER BY instead of sorting the matches (bench explain-lists at
-- 100k: get_deals by stage 25-40 ms -> 0.1 ms, get_companies and get_contacts 65 ms -> see BENCHMARKS.md).
-- get_deals by stage, newest first, with or without is_draft: the stage's entries in page order, is_draft read from
-- the index (a tenth of deals are drafts, so "published only" skips few). The id breaks created_at ties ascending, as
-- the list engine orders them.
CREATE INDEX ix_deals_stage_created ON deals (stage_id, created_at DESC, id, is_draft);
-- Companies and contacts sort by name case-insensitively (the list engine's lower(name), then id).
CREATE INDEX ix_companies_name_lower ON companies (lower(name), id);
CREATE INDEX ix_people_name_lower ON people (lower(full_name), id);
-- Tasks sort by due date, undated last.
CREATE INDEX ix_tasks_due_page ON tasks ((due IS NULL), due, id);
-- Services by creation, then deal and position (the default order; it replaces the (created_at, id) index).
DROP INDEX ix_services_created;
CREATE INDEX ix_services_page ON services (created_at, deal_id, position, id);
