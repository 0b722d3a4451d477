-- PostgreSQL mirror of ../0032_tasks_search_custom_fields.sql: tasks join search_all and custom fields.
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
    FROM tasks t;

CREATE TRIGGER tasks_search_ai AFTER INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION search_refresh('task');
CREATE TRIGGER tasks_search_au AFTER UPDATE OF title, type, notes ON tasks FOR EACH ROW EXECUTE FUNCTION search_refresh('task');
CREATE TRIGGER tasks_search_ad AFTER DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION search_refresh('task');

CREATE TRIGGER tasks_custom_values_ad AFTER DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION custom_values_ad();

INSERT INTO search_documents (entity_type, entity_id, title, body)
SELECT entity_type, entity_id, title, body FROM search_source WHERE entity_type = 'task';
