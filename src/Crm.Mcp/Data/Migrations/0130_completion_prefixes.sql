-- completion/complete (Features/Completions/CompletionSql.cs) reads name, email and deal-identifier prefixes as index
-- ranges. SQLite needs no new index for them: ux_companies_name_key, ix_people_name_key and ux_people_email_key
-- serve the BINARY ranges, ix_deals_identifier_nocase the NOCASE one. PostgreSQL's 0130 adds the byte-order ("C")
-- indexes it lacks; this version keeps both dialects' numbers in step.
SELECT 1;
