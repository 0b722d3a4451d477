-- crm_fold (0030) named unaccent and its dictionary unqualified, so it only worked where search_path held their schema.
-- Autovacuum's ANALYZE and pg_restore run with an empty search_path: the automatic analyze of search_documents failed
-- on every run ("text search dictionary "unaccent" does not exist", evaluating the trigram index's expression), leaving
-- the table without planner statistics, and a restored dump could not rebuild that index. The body now names every
-- object by schema (wherever the unaccent extension was installed), with the same result for every input.
DO $$
DECLARE
    extension_schema text := (SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent');
BEGIN
    EXECUTE format($sql$
        CREATE OR REPLACE FUNCTION crm_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
            SELECT pg_catalog.lower(pg_catalog.regexp_replace(%1$s.unaccent(%2$L::regdictionary, COALESCE(value, '')), '[^[:alnum:]]+', ' ', 'g'))
        $body$
        $sql$, extension_schema, extension_schema || '.unaccent');
END $$;
ANALYZE search_documents;
