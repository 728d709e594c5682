-- From the unkeyed scheme to the keyed one, for a database created before it (run once, by recorder.py, when
-- a sentinel column is missing). Stored events are never rewritten: they keep event_mac NULL and the first
-- keyed checkpoint seals them as the legacy range. Side rows keep tx NULL, which the same checkpoint seals.
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS event_mac bytea;

-- Two statements each, so that existing rows keep NULL (a volatile default would be evaluated for them).
ALTER TABLE {schema}.{idem} ADD COLUMN IF NOT EXISTS mac bytea, ADD COLUMN IF NOT EXISTS tx xid8;
ALTER TABLE {schema}.{idem} ALTER COLUMN tx SET DEFAULT pg_current_xact_id();

ALTER TABLE {schema}.{keys}
    ADD COLUMN IF NOT EXISTS key_digest bytea, ADD COLUMN IF NOT EXISTS created_mac bytea,
    ADD COLUMN IF NOT EXISTS tx xid8, ADD COLUMN IF NOT EXISTS erased_tx xid8,
    ADD COLUMN IF NOT EXISTS erased_mac bytea;
ALTER TABLE {schema}.{keys} ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
-- A legacy key's digest, kept so that its sealed record still verifies after an erasure destroys the key.
UPDATE {schema}.{keys} SET key_digest = sha256(wrapped_key) WHERE wrapped_key IS NOT NULL AND key_digest IS NULL;
