    -- Included by append_one.sql and append_many.sql: everything else the command writes atomically with its
    -- events (rare enough to travel as one JSON value, x). MACs are computed by the application; the tx
    -- column takes the writing transaction by default.
    IF x ? 'idem' THEN
        INSERT INTO {schema}.{idem} (scope, key, fingerprint, command, result, positions, mac)
        VALUES (x->'idem'->>0, x->'idem'->>1, x->'idem'->>2, x->'idem'->>3, x->'idem'->4,
                coalesce(v_positions, '{{}}'), decode(x->'idem'->>5, 'base64'));
    END IF;
    IF x ? 'releases' THEN
        DELETE FROM {schema}.{claims} c USING jsonb_array_elements(x->'releases') AS rel
         WHERE c.scope = rel->>0 AND c.key = rel->>1;
    END IF;
    -- One claim or one new key (a registration) is a single-row VALUES: cheaper than a set-returning scan.
    IF x ? 'claims' THEN
        IF jsonb_array_length(x->'claims') = 1 THEN
            v_el := x->'claims'->0;
            INSERT INTO {schema}.{claims} (scope, key, owner_id) VALUES (v_el->>0, v_el->>1, (v_el->>2)::uuid);
        ELSE
            INSERT INTO {schema}.{claims} (scope, key, owner_id)
            SELECT c->>0, c->>1, (c->>2)::uuid FROM jsonb_array_elements(x->'claims') AS c;
        END IF;
    END IF;
    IF x ? 'keys' THEN
        -- Key created: [subject, wrapped key, created MAC] (base64).
        IF jsonb_array_length(x->'keys') = 1 THEN
            v_el := x->'keys'->0;
            INSERT INTO {schema}.{keys} (subject_id, wrapped_key, key_digest, created_mac)
            SELECT (v_el->>0)::uuid, w.key, sha256(w.key), decode(v_el->>2, 'base64')
              FROM (SELECT decode(v_el->>1, 'base64') AS key) AS w;
        ELSE
            INSERT INTO {schema}.{keys} (subject_id, wrapped_key, key_digest, created_mac)
            SELECT (k->>0)::uuid, w.key, sha256(w.key), decode(k->>2, 'base64')
              FROM jsonb_array_elements(x->'keys') AS k, LATERAL (SELECT decode(k->>1, 'base64') AS key) AS w;
        END IF;
    END IF;
    IF x ? 'erase' THEN
        -- Key destroyed (crypto-shredding): [subject, erased MAC, created MAC for a subject without a key yet].
        -- The ciphertext, and every hash over it, stays.
        UPDATE {schema}.{keys} k SET wrapped_key = NULL, erased_at = now(), erased_tx = pg_current_xact_id(),
               erased_mac = decode(e->>1, 'base64')
          FROM jsonb_array_elements(x->'erase') AS e
         WHERE k.subject_id = (e->>0)::uuid AND k.erased_at IS NULL;
        INSERT INTO {schema}.{keys} (subject_id, wrapped_key, created_mac, erased_at, erased_tx, erased_mac)
        SELECT (e->>0)::uuid, NULL, decode(e->>2, 'base64'), now(), pg_current_xact_id(), decode(e->>1, 'base64')
          FROM jsonb_array_elements(x->'erase') AS e
        ON CONFLICT (subject_id) DO NOTHING;
    END IF;
