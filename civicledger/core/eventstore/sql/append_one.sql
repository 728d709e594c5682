-- The one-event append (scalar arguments, no loops: what most commands write, and markedly cheaper in
-- PL/pgSQL than the array variant). One call is one round trip and, in autocommit, one transaction.
-- Template: names in braces are filled in by recorder.py; doubled braces are literal braces.
-- p_digest and p_mac are computed by the application: the chain key never reaches the database.
CREATE OR REPLACE FUNCTION {schema}.{fn1}(
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
        v_void := pg_advisory_lock({lock});
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        {marker};
        v_positions := ARRAY[nextval('{schema}.{seq}')];
        v_void := pg_advisory_unlock({lock});
        IF p_version > 1 THEN
            SELECT e.chain_hash INTO v_prev FROM {schema}.{table} e
             WHERE e.originator_id = p_id AND e.originator_version < p_version
             ORDER BY e.originator_version DESC LIMIT 1;
        END IF;
        INSERT INTO {schema}.{table} (
            originator_id, originator_version, topic, state, notification_id, tx,
            actor_id, actor_role, actor_office, actor_district, reason,
            correlation_id, causation_id, idempotency_key, origin, chain_hash, event_mac)
        VALUES (p_id, p_version, p_topic, p_state, v_positions[1], v_tx,
            p_meta[1], p_meta[2], p_meta[3], p_meta[4], p_meta[5], p_meta[6], p_meta[7], p_meta[8], p_meta[9],
            sha256(coalesce(v_prev, {zero}) || p_digest), p_mac);
    END IF;
    IF p_extra IS NULL THEN
        RETURN coalesce(v_positions, '{{}}');
    END IF;
    x := p_extra::jsonb;
-- @include append_extra.sql
    RETURN coalesce(v_positions, '{{}}');
END
$fn$
