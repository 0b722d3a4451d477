-- List pages compare text options caselessly (lower(x) = lower($1)). PostgreSQL keeps no statistics for lower(x)
-- unless an index or a statistics object names it, so it guessed 0.5% of the rows for it: get_deals with a stage, a
-- currency and an amount was estimated at 25 matches instead of ≈ 11,500 at 100k deals, and the planner read and
-- sorted every deal of the stage (40–80 ms) instead of walking ix_deals_stage_created for one page (0.4 ms).
-- Expression statistics need PostgreSQL 14; on 13 the planner keeps its guess.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'CREATE STATISTICS IF NOT EXISTS st_deals_currency_lower ON (lower(currency)) FROM deals';
        EXECUTE 'CREATE STATISTICS IF NOT EXISTS st_deals_source_lower ON (lower(source)) FROM deals';
        EXECUTE 'CREATE STATISTICS IF NOT EXISTS st_companies_industry_lower ON (lower(industry)) FROM companies';
        EXECUTE 'CREATE STATISTICS IF NOT EXISTS st_tasks_type_lower ON (lower(type)) FROM tasks';
        EXECUTE 'CREATE STATISTICS IF NOT EXISTS st_tasks_status_lower ON (lower(status)) FROM tasks';
        EXECUTE 'CREATE STATISTICS IF NOT EXISTS st_activities_type_lower ON (lower(type)) FROM activities';
        EXECUTE 'CREATE STATISTICS IF NOT EXISTS st_services_currency_lower ON (lower(currency)) FROM services';
        ANALYZE deals, companies, tasks, activities, services;
    END IF;
END $$;
