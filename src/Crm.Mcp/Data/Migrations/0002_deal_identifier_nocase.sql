-- Deals are looked up by identifier case-insensitively ("deal-001" finds DEAL-001). The unique index on identifier
-- uses BINARY collation, so those lookups scanned the whole table; this index makes them a seek.
CREATE INDEX ix_deals_identifier_nocase ON deals (identifier COLLATE NOCASE);
