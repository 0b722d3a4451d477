-- Tasks (calls, emails, meetings, to-dos) linked to deals, companies and people, and services: a deal's line items.
-- One link table per target, not one polymorphic table, so deleting a deal, company or person cascades to its links.

CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    type          TEXT NOT NULL DEFAULT 'todo' CHECK (type IN ('call', 'email', 'meeting', 'todo', 'deadline', 'follow_up')),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'canceled')),
    due           TEXT,
    assignee_id   TEXT REFERENCES users (id) ON DELETE SET NULL DEFERRABLE,
    notes         TEXT,
    completed_at  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX ix_tasks_created ON tasks (created_at, id);
CREATE INDEX ix_tasks_due ON tasks (due) WHERE due IS NOT NULL;
CREATE INDEX ix_tasks_assignee ON tasks (assignee_id, status);

CREATE TABLE task_deals (
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE DEFERRABLE,
    deal_id     TEXT NOT NULL REFERENCES deals (id) ON DELETE CASCADE DEFERRABLE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (task_id, deal_id)
);
CREATE INDEX ix_task_deals_deal ON task_deals (deal_id);

CREATE TABLE task_companies (
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE DEFERRABLE,
    company_id  TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE DEFERRABLE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (task_id, company_id)
);
CREATE INDEX ix_task_companies_company ON task_companies (company_id);

CREATE TABLE task_people (
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE DEFERRABLE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE DEFERRABLE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (task_id, person_id)
);
CREATE INDEX ix_task_people_person ON task_people (person_id);

-- Line items. Amount is the unit price in integer minor units of the deal's currency; a deal's total value is
-- SUM(amount_minor * quantity) over its services.
CREATE TABLE services (
    id            TEXT PRIMARY KEY,
    deal_id       TEXT NOT NULL REFERENCES deals (id) ON DELETE CASCADE DEFERRABLE,
    name          TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL CHECK (amount_minor >= 0),
    currency      TEXT NOT NULL,
    quantity      BIGINT NOT NULL DEFAULT 1 CHECK (quantity >= 1),
    position      BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX ix_services_deal ON services (deal_id, position);
CREATE INDEX ix_services_created ON services (created_at, id);
