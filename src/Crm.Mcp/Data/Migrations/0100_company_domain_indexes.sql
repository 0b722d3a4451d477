-- Companies by email domain (the resolver's evidence for which company a new person's work address means) read
-- every company through lower(domain) and a '%domain%' LIKE on website: 1.6 s per draft at 100k companies. These
-- indexes serve the exact domain and the website prefixes it can start with (Resolver.CompaniesByDomainAsync).
CREATE INDEX ix_companies_domain_lower ON companies (lower(domain)) WHERE domain IS NOT NULL;
CREATE INDEX ix_companies_website_lower ON companies (lower(website)) WHERE website IS NOT NULL;
