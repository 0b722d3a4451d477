-- Keys belong to users: a key's writes are that user's, and get_current_user answers that user. NULL (keys made
-- before this, or without --user) means the default local user.
ALTER TABLE api_keys ADD COLUMN user_id TEXT REFERENCES users (id);
