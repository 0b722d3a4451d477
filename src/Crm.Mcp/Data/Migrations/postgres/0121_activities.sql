-- PostgreSQL mirror of ../0121_activities.sql: activities, their links, and their branch of search_all.

CREATE TABLE activities (
    id                TEXT PRIMARY KEY,
    type              TEXT NOT NULL CHECK (type IN ('call', 'meeting', 'email', 'other')),
    subject           TEXT NOT NULL,
    body              TEXT,
    occurred_at       TEXT NOT NULL,
    duration_minutes  BIGINT CHECK (duration_minutes IS NULL OR duration_minutes >= 0),
    direction         TEXT CHECK (direction IS NULL OR direction IN ('inbound', 'outbound')),
    outcome           TEXT,
    logged_by         TEXT REFERENCES users (id) ON DELETE SET NULL DEFERRABLE,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX ix_activities_occurred ON activities (occurred_at, id);

CREATE TABLE activity_deals (
    activity_id  TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE DEFERRABLE,
    deal_id      TEXT NOT NULL REFERENCES deals (id) ON DELETE CASCADE DEFERRABLE,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (activity_id, deal_id)
);
CREATE INDEX ix_activity_deals_deal ON activity_deals (deal_id);

CREATE TABLE activity_companies (
    activity_id  TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE DEFERRABLE,
    company_id   TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE DEFERRABLE,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (activity_id, company_id)
);
CREATE INDEX ix_activity_companies_company ON activity_companies (company_id);

CREATE TABLE activity_people (
    activity_id  TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE DEFERRABLE,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE DEFERRABLE,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (activity_id, person_id)
);
CREATE INDEX ix_activity_people_person ON activity_people (person_id);

CREATE TABLE activity_users (
    activity_id  TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE DEFERRABLE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE DEFERRABLE,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (activity_id, user_id)
);
CREATE INDEX ix_activity_users_user ON activity_users (user_id);

-- Same columns, one more branch: the view can be replaced in place.
CREATE OR REPLACE VIEW search_source (entity_type, entity_id, title, body) AS
    SELECT 'deal', d.id, d.name, concat_ws(' ', d.identifier, c.name, d.notes)
    FROM deals d LEFT JOIN companies c ON c.id = d.company_id
    UNION ALL
    SELECT 'company', c.id, c.name, concat_ws(' ', c.domain, c.website, c.industry, c.phone, c.notes)
    FROM companies c
    UNION ALL
    SELECT 'contact', p.id, p.full_name, concat_ws(' ', p.email, p.phone, p.title, p.notes)
    FROM people p
    UNION ALL
    SELECT 'task', t.id, t.title, concat_ws(' ', t.type, t.notes)
    FROM tasks t
    UNION ALL
    SELECT 'activity', a.id, a.subject, concat_ws(' ', a.type, a.outcome, a.body)
    FROM activities a;

CREATE TRIGGER activities_search_ai AFTER INSERT ON activities FOR EACH ROW EXECUTE FUNCTION search_refresh('activity');
CREATE TRIGGER activities_search_au AFTER UPDATE OF subject, type, outcome, body ON activities FOR EACH ROW EXECUTE FUNCTION search_refresh('activity');
CREATE TRIGGER activities_search_ad AFTER DELETE ON activities FOR EACH ROW EXECUTE FUNCTION search_refresh('activity');
