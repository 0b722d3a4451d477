-- completion/complete (Features/Completions/CompletionSql.cs) reads prefixes as byte ranges (COLLATE "C"), since the
-- default collation does not keep 'acme' <= x < 'acme' || chr(1114111) a prefix test. Names have "C" indexes since
-- 0050; emails and deal identifiers (compared lower-cased, as lookups ignore their case) get theirs here.
CREATE INDEX ix_people_email_key_c ON people (email_key COLLATE "C") WHERE email_key IS NOT NULL;
CREATE INDEX ix_deals_identifier_lower_c ON deals ((lower(identifier)) COLLATE "C");
