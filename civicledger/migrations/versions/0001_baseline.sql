-- Revision 0001, the baseline: the schema of the release before versioned migrations, frozen here. Only the
-- tables that cannot be rebuilt from the log are here (the log itself, idempotency records, claims, per-resident
-- keys, the log's identity, read-model positions, the personal-data read log, checkpoints); read models are
-- created by their projections and rebuilt when their declared schema_version changes.
--
-- Every statement is idempotent: on a database made by that release (no alembic_version table yet) it changes
-- nothing, except that a database from before the keyed scheme gets its MAC columns (the statements that
-- recorder.py's upgrade.sql and the runtime used to run on start). Later changes go in later revisions, never here.

-- == Databases from before the keyed scheme (first: the CREATE INDEX statements below need these columns) ==
-- Stored events are never rewritten: they keep event_mac NULL and the first keyed checkpoint seals them as the
-- legacy range. Side rows keep tx NULL, which the same checkpoint seals. On a new database: nothing to do.

ALTER TABLE IF EXISTS "public"."events" ADD COLUMN IF NOT EXISTS event_mac bytea;

-- Two statements each, so that existing rows keep NULL (a volatile default would be evaluated for them).
ALTER TABLE IF EXISTS "public"."idempotency_keys" ADD COLUMN IF NOT EXISTS mac bytea, ADD COLUMN IF NOT EXISTS tx xid8;
ALTER TABLE IF EXISTS "public"."idempotency_keys" ALTER COLUMN tx SET DEFAULT pg_current_xact_id();

ALTER TABLE IF EXISTS "public"."subject_keys"
    ADD COLUMN IF NOT EXISTS key_digest bytea, ADD COLUMN IF NOT EXISTS created_mac bytea,
    ADD COLUMN IF NOT EXISTS tx xid8, ADD COLUMN IF NOT EXISTS erased_tx xid8,
    ADD COLUMN IF NOT EXISTS erased_mac bytea;
ALTER TABLE IF EXISTS "public"."subject_keys" ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
-- A legacy key's digest, kept so that its sealed record still verifies after an erasure destroys the key.
DO $$ BEGIN
    IF to_regclass('public.subject_keys') IS NOT NULL THEN
        UPDATE "public"."subject_keys" SET key_digest = sha256(wrapped_key) WHERE wrapped_key IS NOT NULL AND key_digest IS NULL;
    END IF;
END $$;

-- == The event log and what is written with it ==

CREATE SEQUENCE IF NOT EXISTS "public"."events_position_seq" AS bigint;

-- One global, totally ordered log. `chain_hash` is the unkeyed per-stream chain (anyone can recompute it, so
-- exports verify offline); `event_mac` is the keyed MAC computed by the application (NULL only for events
-- stored before the keyed scheme, which the first keyed checkpoint seals as the legacy range).
CREATE TABLE IF NOT EXISTS "public"."events" (
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
    CONSTRAINT "events_pkey" PRIMARY KEY (originator_id, originator_version)
) WITH (autovacuum_vacuum_scale_factor = 0.5, autovacuum_analyze_scale_factor = 0.01);

CREATE UNIQUE INDEX IF NOT EXISTS "events_notification_id_idx" ON "public"."events" (notification_id);

-- Side records written with the events: `mac` by the application, `tx` (the writing transaction) tells the
-- sealer which checkpoint covers the row. Rows from before the keyed scheme keep tx NULL.
CREATE TABLE IF NOT EXISTS "public"."idempotency_keys" (
    scope text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, command text NOT NULL,
    result jsonb NOT NULL, positions bigint[] NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    mac bytea, tx xid8 DEFAULT pg_current_xact_id(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS "idempotency_keys_tx_idx" ON "public"."idempotency_keys" (tx);

CREATE TABLE IF NOT EXISTS "public"."claims" (
    scope text NOT NULL, key text NOT NULL, owner_id uuid NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, key)
);

-- Per-resident data keys. Two key events per row: created (tx, created_mac over the key's digest) and, on
-- erasure, destroyed (erased_tx, erased_mac); the wrapped key itself goes, its digest stays.
CREATE TABLE IF NOT EXISTS "public"."subject_keys" (
    subject_id uuid PRIMARY KEY, wrapped_key bytea,
    created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz,
    key_digest bytea, created_mac bytea, tx xid8 DEFAULT pg_current_xact_id(),
    erased_tx xid8, erased_mac bytea
);
CREATE INDEX IF NOT EXISTS "subject_keys_tx_idx" ON "public"."subject_keys" (tx);
CREATE INDEX IF NOT EXISTS "subject_keys_erased_tx_idx" ON "public"."subject_keys" (erased_tx) WHERE erased_at IS NOT NULL;

-- Which log this is: every checkpoint and every witness record names it, so that one witness can serve
-- several logs and a witness of another log is never mistaken for this one's.
CREATE TABLE IF NOT EXISTS "public"."log_identity" (
    log_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton)
);
INSERT INTO "public"."log_identity" (log_id) VALUES (gen_random_uuid()) ON CONFLICT (singleton) DO NOTHING;

-- Append functions of the unkeyed scheme: a writer that cannot MAC must fail, not write events that verify
-- would then report as forged.
DROP FUNCTION IF EXISTS "public"."civic_append_events"(uuid[], bigint[], text[], bytea[], bytea[], text[], text);
DROP FUNCTION IF EXISTS "public"."civic_append_events_1"(uuid, bigint, text, bytea, bytea, text[], text);

-- The append of any number of events (of one or several streams) with what the command writes beside them.
-- One call is one round trip and, in autocommit, one transaction.
-- p_digests and p_macs are computed by the application: the chain key never reaches the database.
CREATE OR REPLACE FUNCTION "public"."civic_append_events"(
    p_ids uuid[], p_versions bigint[], p_topics text[], p_states bytea[], p_digests bytea[], p_macs bytea[],
    p_meta text[], p_extra text
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
    n int := coalesce(cardinality(p_ids), 0);
    x jsonb;
    v_positions bigint[];
    v_hashes bytea[] := '{}';
    v_tx xid8;
    v_prev bytea;
    v_last uuid;
    r record;
BEGIN
    IF n > 0 THEN
        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
            RAISE EXCEPTION 'event append must be the first write of its transaction';
        END IF;
        -- Held for microseconds: ties the order of positions to the order of transaction ids.
        PERFORM pg_advisory_lock(1158187186709092055);
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        PERFORM pg_advisory_xact_lock_shared(1919049301, ((v_tx)::text::bigint & 4294967295)::bit(32)::int4);
        IF n = 1 THEN
            v_positions := ARRAY[nextval('"public"."events_position_seq"')];
        ELSE
            SELECT array_agg(nextval('"public"."events_position_seq"') ORDER BY g) INTO v_positions FROM generate_series(1, n) g;
        END IF;
        PERFORM pg_advisory_unlock(1158187186709092055);
        -- The unkeyed per-stream chain, stream by stream in version order.
        FOR r IN
            SELECT u.id, u.v, u.d, u.ord
            FROM unnest(p_ids, p_versions, p_digests) WITH ORDINALITY AS u(id, v, d, ord)
            ORDER BY u.id, u.v
        LOOP
            IF v_last IS DISTINCT FROM r.id THEN
                v_prev := NULL;
                IF r.v > 1 THEN
                    SELECT e.chain_hash INTO v_prev FROM "public"."events" e
                     WHERE e.originator_id = r.id AND e.originator_version < r.v
                     ORDER BY e.originator_version DESC LIMIT 1;
                END IF;
                v_prev := coalesce(v_prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
            END IF;
            v_prev := sha256(v_prev || r.d);
            v_hashes[r.ord] := v_prev;
            v_last := r.id;
        END LOOP;
        INSERT INTO "public"."events" (
            originator_id, originator_version, topic, state, notification_id, tx,
            actor_id, actor_role, actor_office, actor_district, reason,
            correlation_id, causation_id, idempotency_key, origin, chain_hash, event_mac)
        SELECT u.id, u.v, u.t, u.s, u.p, v_tx,
            p_meta[1], p_meta[2], p_meta[3], p_meta[4], p_meta[5], p_meta[6], p_meta[7], p_meta[8], p_meta[9],
            u.h, u.m
        FROM unnest(p_ids, p_versions, p_topics, p_states, v_positions, v_hashes, p_macs)
             AS u(id, v, t, s, p, h, m);
    END IF;
    IF p_extra IS NULL THEN
        RETURN coalesce(v_positions, '{}');
    END IF;
    x := p_extra::jsonb;
    -- Included by append_one.sql and append_many.sql: everything else the command writes atomically with its
    -- events (rare enough to travel as one JSON value, x). MACs are computed by the application; the tx
    -- column takes the writing transaction by default.
    IF x ? 'idem' THEN
        INSERT INTO "public"."idempotency_keys" (scope, key, fingerprint, command, result, positions, mac)
        VALUES (x->'idem'->>0, x->'idem'->>1, x->'idem'->>2, x->'idem'->>3, x->'idem'->4,
                coalesce(v_positions, '{}'), decode(x->'idem'->>5, 'base64'));
    END IF;
    IF x ? 'releases' THEN
        DELETE FROM "public"."claims" c USING jsonb_array_elements(x->'releases') AS rel
         WHERE c.scope = rel->>0 AND c.key = rel->>1;
    END IF;
    IF x ? 'claims' THEN
        INSERT INTO "public"."claims" (scope, key, owner_id)
        SELECT c->>0, c->>1, (c->>2)::uuid FROM jsonb_array_elements(x->'claims') AS c;
    END IF;
    IF x ? 'keys' THEN
        -- Key created: [subject, wrapped key, created MAC] (base64).
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, key_digest, created_mac)
        SELECT (k->>0)::uuid, w.key, sha256(w.key), decode(k->>2, 'base64')
          FROM jsonb_array_elements(x->'keys') AS k, LATERAL (SELECT decode(k->>1, 'base64') AS key) AS w;
    END IF;
    IF x ? 'erase' THEN
        -- Key destroyed (crypto-shredding): [subject, erased MAC, created MAC for a subject without a key yet].
        -- The ciphertext, and every hash over it, stays.
        UPDATE "public"."subject_keys" k SET wrapped_key = NULL, erased_at = now(), erased_tx = pg_current_xact_id(),
               erased_mac = decode(e->>1, 'base64')
          FROM jsonb_array_elements(x->'erase') AS e
         WHERE k.subject_id = (e->>0)::uuid AND k.erased_at IS NULL;
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, created_mac, erased_at, erased_tx, erased_mac)
        SELECT (e->>0)::uuid, NULL, decode(e->>2, 'base64'), now(), pg_current_xact_id(), decode(e->>1, 'base64')
          FROM jsonb_array_elements(x->'erase') AS e
        ON CONFLICT (subject_id) DO NOTHING;
    END IF;

    RETURN coalesce(v_positions, '{}');
END
$fn$;

-- The one-event append (scalar arguments, no loops: what most commands write, and markedly cheaper in
-- PL/pgSQL than the array variant). One call is one round trip and, in autocommit, one transaction.
-- p_digest and p_mac are computed by the application: the chain key never reaches the database.
CREATE OR REPLACE FUNCTION "public"."civic_append_events_1"(
    p_id uuid, p_version bigint, p_topic text, p_state bytea, p_digest bytea, p_mac bytea,
    p_meta text[], p_extra text
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
    x jsonb;
    v_positions bigint[];
    v_tx xid8;
    v_prev bytea;
BEGIN
    IF p_id IS NOT NULL THEN
        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
            RAISE EXCEPTION 'event append must be the first write of its transaction';
        END IF;
        -- Held for microseconds: ties the order of positions to the order of transaction ids.
        PERFORM pg_advisory_lock(1158187186709092055);
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        PERFORM pg_advisory_xact_lock_shared(1919049301, ((v_tx)::text::bigint & 4294967295)::bit(32)::int4);
        v_positions := ARRAY[nextval('"public"."events_position_seq"')];
        PERFORM pg_advisory_unlock(1158187186709092055);
        IF p_version > 1 THEN
            SELECT e.chain_hash INTO v_prev FROM "public"."events" e
             WHERE e.originator_id = p_id AND e.originator_version < p_version
             ORDER BY e.originator_version DESC LIMIT 1;
        END IF;
        INSERT INTO "public"."events" (
            originator_id, originator_version, topic, state, notification_id, tx,
            actor_id, actor_role, actor_office, actor_district, reason,
            correlation_id, causation_id, idempotency_key, origin, chain_hash, event_mac)
        VALUES (p_id, p_version, p_topic, p_state, v_positions[1], v_tx,
            p_meta[1], p_meta[2], p_meta[3], p_meta[4], p_meta[5], p_meta[6], p_meta[7], p_meta[8], p_meta[9],
            sha256(coalesce(v_prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) || p_digest), p_mac);
    END IF;
    IF p_extra IS NULL THEN
        RETURN coalesce(v_positions, '{}');
    END IF;
    x := p_extra::jsonb;
    -- Included by append_one.sql and append_many.sql: everything else the command writes atomically with its
    -- events (rare enough to travel as one JSON value, x). MACs are computed by the application; the tx
    -- column takes the writing transaction by default.
    IF x ? 'idem' THEN
        INSERT INTO "public"."idempotency_keys" (scope, key, fingerprint, command, result, positions, mac)
        VALUES (x->'idem'->>0, x->'idem'->>1, x->'idem'->>2, x->'idem'->>3, x->'idem'->4,
                coalesce(v_positions, '{}'), decode(x->'idem'->>5, 'base64'));
    END IF;
    IF x ? 'releases' THEN
        DELETE FROM "public"."claims" c USING jsonb_array_elements(x->'releases') AS rel
         WHERE c.scope = rel->>0 AND c.key = rel->>1;
    END IF;
    IF x ? 'claims' THEN
        INSERT INTO "public"."claims" (scope, key, owner_id)
        SELECT c->>0, c->>1, (c->>2)::uuid FROM jsonb_array_elements(x->'claims') AS c;
    END IF;
    IF x ? 'keys' THEN
        -- Key created: [subject, wrapped key, created MAC] (base64).
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, key_digest, created_mac)
        SELECT (k->>0)::uuid, w.key, sha256(w.key), decode(k->>2, 'base64')
          FROM jsonb_array_elements(x->'keys') AS k, LATERAL (SELECT decode(k->>1, 'base64') AS key) AS w;
    END IF;
    IF x ? 'erase' THEN
        -- Key destroyed (crypto-shredding): [subject, erased MAC, created MAC for a subject without a key yet].
        -- The ciphertext, and every hash over it, stays.
        UPDATE "public"."subject_keys" k SET wrapped_key = NULL, erased_at = now(), erased_tx = pg_current_xact_id(),
               erased_mac = decode(e->>1, 'base64')
          FROM jsonb_array_elements(x->'erase') AS e
         WHERE k.subject_id = (e->>0)::uuid AND k.erased_at IS NULL;
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, created_mac, erased_at, erased_tx, erased_mac)
        SELECT (e->>0)::uuid, NULL, decode(e->>2, 'base64'), now(), pg_current_xact_id(), decode(e->>1, 'base64')
          FROM jsonb_array_elements(x->'erase') AS e
        ON CONFLICT (subject_id) DO NOTHING;
    END IF;

    RETURN coalesce(v_positions, '{}');
END
$fn$;

-- == Announcing destroyed keys ==

-- Every destroyed per-resident key is announced to every process (their key caches forget it at once):
-- NOTIFY is delivered when, and only if, the erasing transaction commits.
CREATE OR REPLACE FUNCTION civic_announce_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('civic_erasure', NEW.subject_id::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER subject_keys_erased
    AFTER INSERT OR UPDATE OF wrapped_key ON subject_keys
    FOR EACH ROW WHEN (NEW.wrapped_key IS NULL)
    EXECUTE FUNCTION civic_announce_erasure();

-- == Read-model positions ==

CREATE TABLE IF NOT EXISTS "public"."projection_tracking" (application_name text, notification_id bigint, PRIMARY KEY (application_name))
    WITH (autovacuum_enabled = true, autovacuum_vacuum_threshold = 100000000, autovacuum_vacuum_scale_factor = 0.5,
          autovacuum_analyze_threshold = 1000, autovacuum_analyze_scale_factor = 0.01);
-- Created single-row: the library never tries to migrate it from its old multi-row layout.
INSERT INTO "public"."projection_tracking" (application_name, notification_id) VALUES ('__migration__', 1)
    ON CONFLICT (application_name) DO NOTHING;

-- == The personal-data read log ==

CREATE TABLE IF NOT EXISTS personal_data_reads (
    id bigserial PRIMARY KEY, read_at timestamptz NOT NULL DEFAULT now(),
    reader_id text NOT NULL, reader_role text NOT NULL, reader_office text, reader_district text,
    resident_id uuid NOT NULL, resident_district text, fields text[] NOT NULL, purpose text,
    correlation_id text, operation text, mac bytea, tx xid8 DEFAULT pg_current_xact_id());
-- A log from before the keyed scheme: its rows keep tx NULL, and the first keyed checkpoint seals them.
ALTER TABLE personal_data_reads ADD COLUMN IF NOT EXISTS mac bytea, ADD COLUMN IF NOT EXISTS tx xid8;
ALTER TABLE personal_data_reads ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
CREATE INDEX IF NOT EXISTS personal_data_reads_resident_idx ON personal_data_reads (resident_id, id);
CREATE INDEX IF NOT EXISTS personal_data_reads_reader_idx ON personal_data_reads (reader_id, id);
CREATE INDEX IF NOT EXISTS personal_data_reads_tx_idx ON personal_data_reads (tx, id);
CREATE INDEX IF NOT EXISTS personal_data_reads_read_at_idx ON personal_data_reads (read_at);

-- == Checkpoints ==

CREATE TABLE IF NOT EXISTS log_checkpoints (
    seq bigint PRIMARY KEY, position bigint NOT NULL, previous_position bigint NOT NULL,
    event_count bigint NOT NULL, gaps jsonb NOT NULL, range_root bytea NOT NULL, log_hash bytea NOT NULL,
    previous_hash bytea NOT NULL, created_at timestamptz NOT NULL, checkpoint_hash bytea NOT NULL,
    signature bytea NOT NULL, public_key bytea NOT NULL, format text NOT NULL DEFAULT 'civicledger-checkpoint/1',
    log_id uuid, legacy_upto bigint NOT NULL DEFAULT 0, side_bound bigint NOT NULL DEFAULT 0,
    sides jsonb NOT NULL DEFAULT '[]');
-- A table from before the keyed scheme: its rows are format-1 checkpoints. A checkpoint that seals only side
-- records repeats the previous position, so position is no longer unique.
ALTER TABLE log_checkpoints ADD COLUMN IF NOT EXISTS format text NOT NULL DEFAULT 'civicledger-checkpoint/1',
    ADD COLUMN IF NOT EXISTS log_id uuid, ADD COLUMN IF NOT EXISTS legacy_upto bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS side_bound bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS sides jsonb NOT NULL DEFAULT '[]';
DROP INDEX IF EXISTS log_checkpoints_position_idx;
CREATE INDEX IF NOT EXISTS log_checkpoints_by_position_idx ON log_checkpoints (position);
