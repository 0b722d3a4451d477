-- Case-insensitive identifier lookups ("deal-001" finds DEAL-001) seek this index.
CREATE INDEX ix_deals_identifier_nocase ON deals (identifier COLLATE nocase);
