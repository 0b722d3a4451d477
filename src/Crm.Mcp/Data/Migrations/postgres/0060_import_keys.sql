-- Which record an imported row became, by the row's id in the system it came from (Pipedrive "Deal - ID", HubSpot
-- "Record ID", a CSV "id"). Re-importing the same export then matches instead of duplicating, even for records that
-- have no natural key (deals) or were renamed since.
CREATE TABLE import_keys (
    source       TEXT NOT NULL,
    entity       TEXT NOT NULL CHECK (entity IN ('company', 'person', 'deal')),
    external_id  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (source, entity, external_id)
);
CREATE INDEX ix_import_keys_record ON import_keys (record_id);

-- An import matches a deal without a source id by its name at its company: indexed, so a large import stays linear.
CREATE INDEX ix_deals_company_name ON deals (company_id, name COLLATE nocase);
