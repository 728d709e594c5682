-- The event store's tables, created by `CivicApplicationRecorder.create_table` (recorder.py).
-- Template: a name in braces is an identifier or constant filled in by the recorder; doubled braces are
-- literal braces.

CREATE SEQUENCE IF NOT EXISTS {schema}.{seq} AS bigint;

-- One global, totally ordered log. `chain_hash` is the unkeyed per-stream chain (anyone can recompute it, so
-- exports verify offline); `event_mac` is the keyed MAC computed by the application (NULL only for events
-- stored before the keyed scheme, which the first keyed checkpoint seals as the legacy range).
CREATE TABLE IF NOT EXISTS {schema}.{table} (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    notification_id bigint NOT NULL,
    tx xid8 NOT NULL,
    actor_id text, actor_role text, actor_office text, actor_district text,
    reason text, correlation_id text, causation_id text, idempotency_key text, origin text,
    chain_hash bytea NOT NULL,
    event_mac bytea,
    CONSTRAINT {pkey} PRIMARY KEY (originator_id, originator_version)
) WITH (autovacuum_vacuum_scale_factor = 0.5, autovacuum_analyze_scale_factor = 0.01);

CREATE UNIQUE INDEX IF NOT EXISTS {pos_idx} ON {schema}.{table} (notification_id);

-- Side records written with the events: `mac` by the application, `tx` (the writing transaction) tells the
-- sealer which checkpoint covers the row. Rows from before the keyed scheme keep tx NULL.
CREATE TABLE IF NOT EXISTS {schema}.{idem} (
    scope text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, command text NOT NULL,
    result jsonb NOT NULL, positions bigint[] NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    mac bytea, tx xid8 DEFAULT pg_current_xact_id(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS {idem_tx_idx} ON {schema}.{idem} (tx);

CREATE TABLE IF NOT EXISTS {schema}.{claims} (
    scope text NOT NULL, key text NOT NULL, owner_id uuid NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, key)
);

-- Per-resident data keys. Two key events per row: created (tx, created_mac over the key's digest) and, on
-- erasure, destroyed (erased_tx, erased_mac); the wrapped key itself goes, its digest stays.
CREATE TABLE IF NOT EXISTS {schema}.{keys} (
    subject_id uuid PRIMARY KEY, wrapped_key bytea,
    created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz,
    key_digest bytea, created_mac bytea, tx xid8 DEFAULT pg_current_xact_id(),
    erased_tx xid8, erased_mac bytea
);
CREATE INDEX IF NOT EXISTS {keys_tx_idx} ON {schema}.{keys} (tx);
CREATE INDEX IF NOT EXISTS {keys_erased_tx_idx} ON {schema}.{keys} (erased_tx) WHERE erased_at IS NOT NULL;

-- Which log this is: every checkpoint and every witness record names it, so that one witness can serve
-- several logs and a witness of another log is never mistaken for this one's.
CREATE TABLE IF NOT EXISTS {schema}.{identity} (
    log_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton)
);
INSERT INTO {schema}.{identity} (log_id) VALUES (gen_random_uuid()) ON CONFLICT (singleton) DO NOTHING;

-- Append functions of the unkeyed scheme: a writer that cannot MAC must fail, not write events that verify
-- would then report as forged.
DROP FUNCTION IF EXISTS {schema}.{fn}(uuid[], bigint[], text[], bytea[], bytea[], text[], text);
DROP FUNCTION IF EXISTS {schema}.{fn1}(uuid, bigint, text, bytea, bytea, text[], text);
