-- User-defined fields on deals, companies and contacts (tasks join when their table exists). A definition names
-- the field (the key used in filters, sort and custom_fields objects), its type and, for selects, its options.
-- Values live beside the records: text-like values (and multi_select as a JSON array) in text_value, numbers,
-- amounts and checkboxes (0/1) in number_value, so each sorts and compares in its own domain.

CREATE TABLE custom_fields (
    id           TEXT PRIMARY KEY,
    entity       TEXT NOT NULL,
    name         TEXT NOT NULL,
    label        TEXT NOT NULL,
    type         TEXT NOT NULL CHECK (type IN ('text', 'number', 'currency', 'date', 'datetime', 'single_select',
                                               'multi_select', 'email', 'phone', 'url', 'checkbox')),
    options      TEXT,
    currency     TEXT,
    description  TEXT,
    position     BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_custom_fields_entity_name ON custom_fields (entity, name);

CREATE TABLE custom_field_values (
    field_id      TEXT NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE DEFERRABLE,
    entity_id     TEXT NOT NULL,
    text_value    TEXT,
    number_value  NUMERIC,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (field_id, entity_id)
);
CREATE INDEX ix_custom_field_values_entity ON custom_field_values (entity_id);

-- A deleted record takes its values with it, whichever path deleted it.
CREATE FUNCTION custom_values_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM custom_field_values WHERE entity_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_custom_values_ad AFTER DELETE ON deals FOR EACH ROW EXECUTE FUNCTION custom_values_ad();
CREATE TRIGGER companies_custom_values_ad AFTER DELETE ON companies FOR EACH ROW EXECUTE FUNCTION custom_values_ad();
CREATE TRIGGER people_custom_values_ad AFTER DELETE ON people FOR EACH ROW EXECUTE FUNCTION custom_values_ad();
