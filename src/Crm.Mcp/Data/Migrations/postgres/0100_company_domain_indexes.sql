-- Companies by email domain (Resolver.CompaniesByDomainAsync) read every company: lower(domain) had no index and the
-- '%domain%' LIKE on website needs a trigram index (pg_trgm, installed by 0050).
CREATE INDEX ix_companies_domain_lower ON companies (lower(domain)) WHERE domain IS NOT NULL;
CREATE INDEX ix_companies_website_trgm ON companies USING gin (lower(website) gin_trgm_ops) WHERE website IS NOT NULL;
