-- API keys for the HTTP transport. Only a SHA-256 hash of the secret is kept: keys are 256-bit random, so a fast
-- hash is enough and a stolen database yields no usable key. key_id is the public part of the key, used for lookup.
CREATE TABLE api_keys (
    key_id      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    secret_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- A name is the actor recorded on writes, so two live keys must not share one.
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;
