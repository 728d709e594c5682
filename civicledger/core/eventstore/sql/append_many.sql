-- The append of any number of events (of one or several streams) with what the command writes beside them.
-- One call is one round trip and, in autocommit, one transaction.
-- Template: names in braces are filled in by recorder.py; doubled braces are literal braces.
-- p_digests and p_macs are computed by the application: the chain key never reaches the database.
CREATE OR REPLACE FUNCTION {schema}.{fn}(
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
    v_hashes bytea[] := '{{}}';
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
        v_void := pg_advisory_lock({lock});
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        {marker};
        IF n = 1 THEN
            v_positions := ARRAY[nextval('{schema}.{seq}')];
        ELSE
            SELECT array_agg(nextval('{schema}.{seq}') ORDER BY g) INTO v_positions FROM generate_series(1, n) g;
        END IF;
        v_void := pg_advisory_unlock({lock});
        -- The unkeyed per-stream chain, stream by stream in version order.
        FOR r IN
            SELECT u.id, u.v, u.d, u.ord
            FROM unnest(p_ids, p_versions, p_digests) WITH ORDINALITY AS u(id, v, d, ord)
            ORDER BY u.id, u.v
        LOOP
            IF v_last IS DISTINCT FROM r.id THEN
                v_prev := NULL;
                IF r.v > 1 THEN
                    SELECT e.chain_hash INTO v_prev FROM {schema}.{table} e
                     WHERE e.originator_id = r.id AND e.originator_version < r.v
                     ORDER BY e.originator_version DESC LIMIT 1;
                END IF;
                v_prev := coalesce(v_prev, {zero});
            END IF;
            v_prev := sha256(v_prev || r.d);
            v_hashes[r.ord] := v_prev;
            v_last := r.id;
        END LOOP;
        INSERT INTO {schema}.{table} (
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
        RETURN coalesce(v_positions, '{{}}');
    END IF;
    x := p_extra::jsonb;
-- @include append_extra.sql
    RETURN coalesce(v_positions, '{{}}');
END
$fn$
