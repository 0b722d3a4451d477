-- The mailbox an email reaches, its +tag dropped ("jane+crm@acme.com" -> "jane@acme.com"): the resolver asks before
-- creating a second person on one mailbox. The expression must stay the one in Resolver.SameMailboxAsync.
CREATE INDEX ix_people_mailbox ON people ((CASE WHEN instr(email_key, '+') > 0 AND instr(email_key, '+') < instr(email_key, '@') THEN substr(email_key, 1, instr(email_key, '+') - 1) || substr(email_key, instr(email_key, '@')) ELSE email_key END));

-- An email is not a name: people created with only an email had it copied into their name; they now have none.
UPDATE people SET full_name = '', name_key = '', first_name = '', last_name = '' WHERE email IS NOT NULL AND full_name = email;
