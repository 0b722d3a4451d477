-- PostgreSQL mirror of ../0001_initial.sql (same tables, columns and keys; INTEGER is BIGINT so values read back as
-- they do from SQLite; booleans stay 0/1 integers so the shared SQL compares them the same way). Foreign keys are
-- DEFERRABLE (initially immediate) so reverting a change can restore rows in any order, as SQLite's defer_foreign_keys.
--
-- A few SQLite names the shared SQL relies on, defined here so most queries need no PostgreSQL form of their own:
-- the NOCASE collation (ICU, case-insensitive, accents significant), json_group_array (a JSON array as text, '[]' for
-- no rows), json_each and json_array_length over a JSON array given as text, group_concat(value, separator) and
-- the two-argument max/min.
CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE FUNCTION json_group_array_final(anycompatiblearray) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT COALESCE(array_to_json($1)::text, '[]') $$;
CREATE AGGREGATE json_group_array(anycompatible) (
    SFUNC = array_append, STYPE = anycompatiblearray, FINALFUNC = json_group_array_final, INITCOND = '{}');

CREATE FUNCTION json_each(document text) RETURNS TABLE (key bigint, value text)
    LANGUAGE sql IMMUTABLE AS $$
        SELECT position - 1, e FROM jsonb_array_elements_text(COALESCE(document, '[]')::jsonb) WITH ORDINALITY AS x (e, position) $$;

CREATE FUNCTION json_array_length(document text) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$ SELECT json_array_length(document::json) $$;

-- SQLite's two-argument (scalar) max and min.
CREATE FUNCTION max(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT GREATEST(a, b) $$;
CREATE FUNCTION min(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT LEAST(a, b) $$;

CREATE FUNCTION group_concat_step(accumulated text, value text, separator text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN value IS NULL THEN accumulated WHEN accumulated IS NULL THEN value
                    ELSE accumulated || separator || value END $$;
CREATE AGGREGATE group_concat(text, text) (SFUNC = group_concat_step, STYPE = text);

-- The whole CRM's core: owners, companies, people and their company links, pipelines and stages, deals and their
-- people, and named counters for identifiers. Money is integer minor units plus an ISO currency; ids are UUID text;
-- timestamps ISO 8601 UTC text. *_key columns hold normalized names/emails: their unique indexes are what make a
-- duplicate impossible even when two processes resolve the same name at once.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT NOT NULL DEFAULT '',
    email       TEXT,
    email_key   TEXT,
    avatar_url  TEXT,
    is_default  BIGINT NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_users_email_key ON users (email_key) WHERE email_key IS NOT NULL;
CREATE UNIQUE INDEX ux_users_default ON users (is_default) WHERE is_default = 1;

CREATE TABLE companies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    domain      TEXT,
    website     TEXT,
    logo        TEXT,
    phone       TEXT,
    industry    TEXT,
    notes       TEXT,
    owner_id    TEXT REFERENCES users (id) DEFERRABLE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_companies_name_key ON companies (name_key);
CREATE INDEX ix_companies_domain ON companies (domain) WHERE domain IS NOT NULL;
CREATE INDEX ix_companies_created ON companies (created_at, id);

CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT NOT NULL DEFAULT '',
    full_name   TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    email       TEXT,
    email_key   TEXT,
    phone       TEXT,
    title       TEXT,
    notes       TEXT,
    owner_id    TEXT REFERENCES users (id) DEFERRABLE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_people_email_key ON people (email_key) WHERE email_key IS NOT NULL;
CREATE INDEX ix_people_name_key ON people (name_key);
CREATE INDEX ix_people_created ON people (created_at, id);

CREATE TABLE company_people (
    company_id  TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE DEFERRABLE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE DEFERRABLE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (company_id, person_id)
);
CREATE INDEX ix_company_people_person ON company_people (person_id);

CREATE TABLE pipelines (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    is_default  BIGINT NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_pipelines_name_key ON pipelines (name_key);
CREATE UNIQUE INDEX ux_pipelines_default ON pipelines (is_default) WHERE is_default = 1;

CREATE TABLE stages (
    id           TEXT PRIMARY KEY,
    pipeline_id  TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE DEFERRABLE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    position     BIGINT NOT NULL,
    kind         TEXT NOT NULL DEFAULT 'open' CHECK (kind IN ('open', 'won', 'lost')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_stages_pipeline_name_key ON stages (pipeline_id, name_key);
CREATE INDEX ix_stages_pipeline_position ON stages (pipeline_id, position);

CREATE TABLE deals (
    id                   TEXT PRIMARY KEY,
    identifier           TEXT NOT NULL,
    name                 TEXT NOT NULL,
    amount_minor         BIGINT CHECK (amount_minor IS NULL OR amount_minor >= 0),
    currency             TEXT NOT NULL,
    company_id           TEXT REFERENCES companies (id) ON DELETE SET NULL DEFERRABLE,
    pipeline_id          TEXT NOT NULL REFERENCES pipelines (id) DEFERRABLE,
    stage_id             TEXT NOT NULL REFERENCES stages (id) DEFERRABLE,
    owner_id             TEXT REFERENCES users (id) DEFERRABLE,
    user_id              TEXT REFERENCES users (id) DEFERRABLE,
    is_draft             BIGINT NOT NULL DEFAULT 1,
    expected_close_date  TEXT,
    renewal_date         TEXT,
    source               TEXT NOT NULL DEFAULT 'api',
    order_in_stage       BIGINT NOT NULL DEFAULT 0,
    company_sort_index   BIGINT NOT NULL DEFAULT 0,
    org_id               TEXT,
    notes                TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_deals_identifier ON deals (identifier);
CREATE INDEX ix_deals_created ON deals (created_at, id);
CREATE INDEX ix_deals_stage ON deals (stage_id, order_in_stage);
CREATE INDEX ix_deals_company ON deals (company_id, company_sort_index);

CREATE TABLE deal_people (
    deal_id     TEXT NOT NULL REFERENCES deals (id) ON DELETE CASCADE DEFERRABLE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE DEFERRABLE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (deal_id, person_id)
);
CREATE INDEX ix_deal_people_person ON deal_people (person_id);

CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);

-- The default pipeline. Fixed ids so every database agrees on them and a re-run inserts nothing.
INSERT INTO pipelines (id, name, name_key, is_default, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'Sales', 'sales', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');

INSERT INTO stages (id, pipeline_id, name, name_key, position, kind, created_at, updated_at) VALUES
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001', 'Qualified',   'qualified',   1, 'open', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000001', 'Discovery',   'discovery',   2, 'open', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-000000000001', 'Proposal',    'proposal',    3, 'open', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-000000000001', 'Negotiation', 'negotiation', 4, 'open', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-000000000001', 'Closed Won',  'closed won',  5, 'won',  '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-000000000001', 'Closed Lost', 'closed lost', 6, 'lost', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
