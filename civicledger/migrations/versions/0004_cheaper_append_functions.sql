-- Revision 0004: the append functions, cheaper per call (the same rows, the same checks, the same locks in the
-- same order). The advisory-lock calls and the in-flight marker are PL/pgSQL assignments instead of PERFORM (an
-- expression, not a query through the executor), and a single claim or a single new key (a registration) is
-- inserted from one VALUES row instead of a scan of jsonb_array_elements. Rendered from the recorder's templates
-- (core/eventstore/sql/append_many.sql, append_one.sql, append_extra.sql) for the default tables, as the
-- baseline's were; tests/eventstore/test_append_functions.py checks that the two stay the same.

-- The append of any number of events (of one or several streams) with what the command writes beside them.
-- One call is one round trip and, in autocommit, one transaction.
-- Template: names in braces are filled in by recorder.py; doubled braces are literal braces.
-- p_digests and p_macs are computed by the application: the chain key never reaches the database.
CREATE OR REPLACE FUNCTION "public"."civic_append_events"(
    p_ids uuid[], p_versions bigint[], p_topics text[], p_states bytea[], p_digests bytea[], p_macs bytea[],
    p_meta text[], p_extra text
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
    -- Lock calls are assignments, not PERFORM: a PL/pgSQL expression, not a query through the executor.
    v_void text;
    v_el jsonb;
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
        v_void := pg_advisory_lock(1158187186709092055);
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        v_void := pg_advisory_xact_lock_shared(1919049301, ((v_tx)::text::bigint & 4294967295)::bit(32)::int4);
        IF n = 1 THEN
            v_positions := ARRAY[nextval('"public"."events_position_seq"')];
        ELSE
            SELECT array_agg(nextval('"public"."events_position_seq"') ORDER BY g) INTO v_positions FROM generate_series(1, n) g;
        END IF;
        v_void := pg_advisory_unlock(1158187186709092055);
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
    -- One claim or one new key (a registration) is a single-row VALUES: cheaper than a set-returning scan.
    IF x ? 'claims' THEN
        IF jsonb_array_length(x->'claims') = 1 THEN
            v_el := x->'claims'->0;
            INSERT INTO "public"."claims" (scope, key, owner_id) VALUES (v_el->>0, v_el->>1, (v_el->>2)::uuid);
        ELSE
            INSERT INTO "public"."claims" (scope, key, owner_id)
            SELECT c->>0, c->>1, (c->>2)::uuid FROM jsonb_array_elements(x->'claims') AS c;
        END IF;
    END IF;
    IF x ? 'keys' THEN
        -- Key created: [subject, wrapped key, created MAC] (base64).
        IF jsonb_array_length(x->'keys') = 1 THEN
            v_el := x->'keys'->0;
            INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, key_digest, created_mac)
            SELECT (v_el->>0)::uuid, w.key, sha256(w.key), decode(v_el->>2, 'base64')
              FROM (SELECT decode(v_el->>1, 'base64') AS key) AS w;
        ELSE
            INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, key_digest, created_mac)
            SELECT (k->>0)::uuid, w.key, sha256(w.key), decode(k->>2, 'base64')
              FROM jsonb_array_elements(x->'keys') AS k, LATERAL (SELECT decode(k->>1, 'base64') AS key) AS w;
        END IF;
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
-- Template: names in braces are filled in by recorder.py; doubled braces are literal braces.
-- p_digest and p_mac are computed by the application: the chain key never reaches the database.
CREATE OR REPLACE FUNCTION "public"."civic_append_events_1"(
    p_id uuid, p_version bigint, p_topic text, p_state bytea, p_digest bytea, p_mac bytea,
    p_meta text[], p_extra text
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
    -- Lock calls are assignments, not PERFORM: a PL/pgSQL expression, not a query through the executor.
    v_void text;
    v_el jsonb;
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
        v_void := pg_advisory_lock(1158187186709092055);
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        v_void := pg_advisory_xact_lock_shared(1919049301, ((v_tx)::text::bigint & 4294967295)::bit(32)::int4);
        v_positions := ARRAY[nextval('"public"."events_position_seq"')];
        v_void := pg_advisory_unlock(1158187186709092055);
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
    -- One claim or one new key (a registration) is a single-row VALUES: cheaper than a set-returning scan.
    IF x ? 'claims' THEN
        IF jsonb_array_length(x->'claims') = 1 THEN
            v_el := x->'claims'->0;
            INSERT INTO "public"."claims" (scope, key, owner_id) VALUES (v_el->>0, v_el->>1, (v_el->>2)::uuid);
        ELSE
            INSERT INTO "public"."claims" (scope, key, owner_id)
            SELECT c->>0, c->>1, (c->>2)::uuid FROM jsonb_array_elements(x->'claims') AS c;
        END IF;
    END IF;
    IF x ? 'keys' THEN
        -- Key created: [subject, wrapped key, created MAC] (base64).
        IF jsonb_array_length(x->'keys') = 1 THEN
            v_el := x->'keys'->0;
            INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, key_digest, created_mac)
            SELECT (v_el->>0)::uuid, w.key, sha256(w.key), decode(v_el->>2, 'base64')
              FROM (SELECT decode(v_el->>1, 'base64') AS key) AS w;
        ELSE
            INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, key_digest, created_mac)
            SELECT (k->>0)::uuid, w.key, sha256(w.key), decode(k->>2, 'base64')
              FROM jsonb_array_elements(x->'keys') AS k, LATERAL (SELECT decode(k->>1, 'base64') AS key) AS w;
        END IF;
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
