-- Tier tables, part 5: CALL rfm.refresh_tiers(tier).
--
-- A procedure, because it commits twice: first the 'running' row of
-- rfm.refresh_log (so a failed refresh is still logged), then the refresh
-- itself with its outcome.  The refresh runs the tier table's stored query
-- and changes only the rows that differ, in place
-- (rfm._tier_refresh_in_place, src/tier_refresh.c): readers keep reading
-- the old rows until the new ones commit, as with REFRESH MATERIALIZED VIEW
-- CONCURRENTLY, which is the fallback when the new rows do not fit in
-- rfm.max_memory.  Errors roll the refresh back (the old rows stay), are
-- logged, then raised again.  Two refreshes of one tier table at once: the
-- second fails at once with lock_not_available (an advisory lock keyed on
-- the tier table).

-- REFRESH MATERIALIZED VIEW CONCURRENTLY without its generic diff: the new
-- rows in a hash table on customer_id, old rows that are byte-identical
-- left alone (same ctid), the others deleted, new ones inserted with every
-- index maintained.  Needs ExclusiveLock, ownership (42501), a populated
-- table and a unique index on customer_id; duplicate new keys are 23505,
-- more new rows than rfm.max_memory holds 54000 (with fall_back: all four
-- counts NULL instead), both before any row changes.  Returns how many
-- rows were left alone, replaced, added, removed.
CREATE FUNCTION rfm._tier_refresh_in_place(tier regclass, fall_back boolean DEFAULT false,
                                           OUT unchanged bigint, OUT updated bigint,
                                           OUT inserted bigint, OUT deleted bigint)
    RETURNS record
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'rfm_tier_refresh_in_place';
COMMENT ON FUNCTION rfm._tier_refresh_in_place(regclass, boolean) IS
    'Refresh a tier table (materialized view with a unique customer_id) in place, changing only rows that differ (internal)';

-- Lock a tier table's source for the rest of the transaction, as reading
-- it does (ACCESS SHARE on it, a table's partitions or children, and what
-- a view reads), in a statement of its own before the statements that read
-- it: rfm reads the source inside a statement whose snapshot was taken
-- before it opened the source, and after waiting for a transaction that
-- rewrote it (TRUNCATE and reload, ALTER TABLE ... TYPE) that snapshot saw
-- it empty, and a refresh emptied the tier table.  Locked first, the
-- statements after take their snapshots after the wait (READ COMMITTED)
-- and see the new rows, or the new column types.  src/source_lock.c: a
-- lock, not a query (planning a query over a view could run its code), for
-- a role that may read some column of the source (LOCK TABLE wants SELECT
-- on all of it).
CREATE FUNCTION rfm._tier_lock_source(source regclass)
    RETURNS void
    LANGUAGE C STRICT VOLATILE
    AS 'MODULE_PATHNAME', 'rfm_tier_lock_table';

-- Advisory lock key (two int4) of a tier table: a constant for rfm, and its
-- catalog id, which an alter keeps (the oid it changes: a refresh keyed on
-- the old oid went on after the alter, on a table that no longer existed).
CREATE FUNCTION rfm._tier_lock_key(entry_id bigint, OUT space integer, OUT object integer)
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT 1380338944 /* "RFM\0" */, ($1 % 4294967296 - 2147483648)::integer $$;

-- Takes the tier table's advisory lock for this transaction, or fails at
-- once (55P03): refresh, alter and drop each take it, and none waits for
-- another (a refresh holds the tier table and then needs its history, an
-- alter or drop the other way round: 40P01).  prefix names the caller
-- ('' inside a refresh, whose error wraps it with its own name).
CREATE FUNCTION rfm._tier_lock_or_fail(entry_id bigint, prefix text, tier_name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    key record := rfm._tier_lock_key(entry_id);
BEGIN
    IF NOT pg_catalog.pg_try_advisory_xact_lock(key.space, key.object) THEN
        RAISE EXCEPTION '%another session is refreshing, altering, backfilling or dropping % right now', prefix, tier_name
            USING ERRCODE = 'lock_not_available',
                  HINT = 'Wait for it to finish (see rfm.refresh_log), then try again.';
    END IF;
END $$;

-- A tier table's catalog row read again and held shared for the rest of
-- the transaction (a refresh, a backfill): an alter or a drop under way
-- holds it from its start, and this waits for it, then returns the row as
-- it left it (an altered table's new oid, bins and scheme), or fails when
-- it is gone (42704) or cannot be read at REPEATABLE READ or SERIALIZABLE,
-- where it changed after the snapshot (40001).  what: 'refresh', 'backfill'.
CREATE FUNCTION rfm._tier_entry_held(entry_id bigint, tier_name text, caller text, what text)
    RETURNS rfm.tier_tables
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    entry rfm.tier_tables;
BEGIN
    BEGIN
        SELECT t.* INTO entry FROM rfm.tier_tables t WHERE t.id OPERATOR(pg_catalog.=) entry_id FOR SHARE;
    EXCEPTION WHEN serialization_failure THEN
        RAISE EXCEPTION '%: % was altered or dropped while this % waited for it', caller, tier_name, what
            USING ERRCODE = 'serialization_failure',
                  HINT = 'Call it again (at REPEATABLE READ or SERIALIZABLE a transaction cannot read the new catalog row).';
    END;
    -- (a DROP by hand leaves the row with no tier table: rfm._tier_relations_dropped)
    IF NOT FOUND OR entry.tier IS NULL THEN
        RAISE EXCEPTION '%: % was dropped while this % waited for it', caller, tier_name, what
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN entry;
END $$;

-- 42501 unless the current role owns rel.  Steps that run with the rights
-- of whoever refreshes, not the owner's, use it: the fold of an
-- incremental tier table reads its source (a view's functions would run
-- with a superuser's rights in its scheduled job), and a history snapshot
-- fires the history table's triggers.
CREATE FUNCTION rfm._tier_require_owner(rel regclass, action text, hint text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    -- (a relation dropped meanwhile has no owner: refused too)
    IF (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = rel)
       IS DISTINCT FROM CURRENT_USER THEN
        RAISE EXCEPTION 'rfm: only the owner of % may %', rel, action
            USING ERRCODE = 'insufficient_privilege', HINT = hint;
    END IF;
END $$;

-- Whether the session that wrote a 'running' refresh_log row is gone: no
-- session has its pid, or one started at another time has it (compared
-- only when both starts are known: PostgreSQL shows a session's start to
-- a superuser, a member of its login role or of pg_read_all_stats; a
-- refresh under SET ROLE may not see its own), or it is this session,
-- which runs one refresh at a time.  A row without a pid (written by
-- hand) is never gone.
CREATE FUNCTION rfm._refresh_session_gone(pid integer, backend_start timestamptz)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT $1 IS NOT NULL
       AND ($1 OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
            OR NOT EXISTS (SELECT FROM pg_catalog.pg_stat_get_activity($1) a
                        WHERE a.pid OPERATOR(pg_catalog.=) $1
                              AND ($2 IS NULL OR a.backend_start IS NULL
                                   OR a.backend_start OPERATOR(pg_catalog.=) $2)))
$$;

-- The error of a failed refresh, with the caught error's fields that have
-- a value (src/raise_error.c: RAISE would send the others empty).
CREATE FUNCTION rfm._raise_error(sqlstate text, message text, detail text, hint text,
                                 schema_name text, table_name text, column_name text,
                                 constraint_name text, datatype_name text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'rfm_raise_error';

-- 2D000 with where to call it, before a procedure that commits does
-- anything (src/commit_check.c).
CREATE FUNCTION rfm._check_can_commit(caller text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'rfm_check_can_commit';

CREATE PROCEDURE rfm.refresh_tiers(tier regclass)
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry     rfm.tier_tables := rfm._tier_entry(tier);
    tier_name pg_catalog.text := tier::pg_catalog.text;    -- (a dropped table's oid prints as a number)
    effective pg_catalog.date;
    log_id    bigint;
    row_total bigint;
    counts    record;
    how       pg_catalog.text;
    err_state pg_catalog.text;
    err_text  pg_catalog.text;
    err_hint  pg_catalog.text;
    err_detail pg_catalog.text;
    err_schema pg_catalog.text;
    err_table  pg_catalog.text;
    err_column pg_catalog.text;
    err_constraint pg_catalog.text;
    err_datatype pg_catalog.text;
    message_text pg_catalog.text;
    detail_text  pg_catalog.text;
    hint_text    pg_catalog.text;
    dropped   boolean := false;
BEGIN
    PERFORM rfm._check_can_commit('rfm.refresh_tiers');
    -- search_path = pg_catalog, pg_temp for each of its transactions, as a
    -- SET clause would give a function (a procedure that commits cannot
    -- have one); each COMMIT ends it, the last one gives the caller's back
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    -- The catalog row again, shared (waiting for an alter or drop under
    -- way): the log row is written for the table as it is, and a drop's
    -- removal of the log rows comes after it.
    entry := rfm._tier_entry_held(entry.id, tier_name, 'rfm.refresh_tiers', 'refresh');
    effective := rfm._tier_day(entry.as_of, entry.state_name, entry.time_zone);
    INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, as_of, outcome, pid, backend_start)
    VALUES (entry.id, entry.tier, 'refresh', pg_catalog.clock_timestamp(), effective, 'running', pg_catalog.pg_backend_pid(),
            (SELECT a.backend_start FROM pg_catalog.pg_stat_get_activity(pg_catalog.pg_backend_pid()) a))
    RETURNING id INTO log_id;
    -- Earlier 'running' rows of this tier table that no session will
    -- finish: a killed session's, or this session's own (a second cancel
    -- interrupted the write of the first one's 'failed').
    UPDATE rfm.refresh_log l
       SET outcome = 'abandoned',
           message = pg_catalog.format('its session (pid %s) ended or was interrupted before the refresh recorded an outcome; seen by the refresh of rfm.refresh_log id %s',
                                       l.pid, log_id)
     WHERE l.tier_id OPERATOR(pg_catalog.=) entry.id AND l.outcome OPERATOR(pg_catalog.=) 'running'
       AND l.id OPERATOR(pg_catalog.<>) log_id AND rfm._refresh_session_gone(l.pid, l.backend_start);
    COMMIT;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

    BEGIN
        -- The day again, in this transaction: its rows' as_of NULL is this
        -- transaction's CURRENT_DATE (or state's today), and the first one
        -- may have ended before a midnight this one starts after (the
        -- snapshot then replaced the day before, and the log named it).
        PERFORM rfm._tier_lock_or_fail(entry.id, '', entry.tier::pg_catalog.text);
        -- the row again: an alter or drop may have committed since the
        -- first transaction (the log row follows an alter's new oid)
        SELECT t.* INTO entry FROM rfm.tier_tables t WHERE t.id OPERATOR(pg_catalog.=) entry.id;
        IF NOT FOUND OR entry.tier IS NULL THEN
            dropped := true;
            RAISE EXCEPTION 'rfm: % was dropped as this refresh started', tier_name
                USING ERRCODE = 'undefined_object';
        END IF;
        effective := rfm._tier_day(entry.as_of, entry.state_name, entry.time_zone);
        -- The refresh plans queries over the tier table as the caller (the
        -- snapshot, counts): the owner's index or statistics expressions
        -- would run as them (rfm._plans_plainly).
        IF NOT rfm._plans_plainly(entry.tier) THEN
            PERFORM rfm._tier_require_owner(entry.tier, 'refresh it while it has indexes or statistics whose expressions or WHERE clauses use functions, operators or types of a role that is not a superuser',
                'Refresh (or schedule the refresh) as its owner, or drop those indexes and statistics.');
        END IF;
        PERFORM rfm._tier_lock_source(entry.source);
        -- The source's shape is checked first, for a clear error.
        PERFORM rfm._tier_query(entry.source, entry.customer_column, entry.time_column,
                                entry.amount_column, entry.customer_type, entry.bins,
                                entry.scheme, effective, entry.clv, entry.lifecycle_days, entry.lang_zh);
        -- Incremental: fold the orders above the watermark into the stored
        -- states (rolled back with the rest if anything below fails).  A
        -- purchase dated after the refresh day, which a full rebuild would
        -- leave out, makes the lifecycle rule fail (22023): rolled back too.
        IF entry.state_name IS NOT NULL THEN
            PERFORM rfm._tier_require_owner(entry.tier, 'fold new orders into its customer states',
                'The fold reads the source with the rights of whoever runs it: refresh (or schedule the refresh) as the owner of the tier table.');
            PERFORM rfm._customer_state_refresh(entry.state_name, 'rfm');
        END IF;
        -- In place, the new rows in any order (rfm.tier_unsorted: no sort
        -- by key in rfm._tier_rows).  New rows beyond rfm.max_memory: NULL
        -- counts, nothing changed, and CONCURRENTLY instead, whose
        -- duplicate check wants the rows sorted (rfm.tier_unsorted off).
        PERFORM pg_catalog.set_config('rfm.tier_unsorted', 'on', true);
        PERFORM rfm._tier_grouped_note();    -- (an earlier call's, read)
        counts := rfm._tier_refresh_in_place(entry.tier, fall_back => true);
        PERFORM pg_catalog.set_config('rfm.tier_unsorted', 'off', true);
        IF counts.unchanged IS NOT NULL THEN
            how := pg_catalog.format('in place: %s rows unchanged, %s updated, %s inserted, %s deleted',
                                     counts.unchanged, counts.updated, counts.inserted, counts.deleted);
            row_total := counts.unchanged + counts.updated + counts.inserted;
        ELSE
            RAISE NOTICE 'rfm: tier table % refreshed with REFRESH MATERIALIZED VIEW CONCURRENTLY instead: its new rows need more than rfm.max_memory (%)',
                         entry.tier, pg_catalog.current_setting('rfm.max_memory');
            EXECUTE pg_catalog.format('REFRESH MATERIALIZED VIEW CONCURRENTLY %s', entry.tier);
            how := 'REFRESH MATERIALIZED VIEW CONCURRENTLY: the new rows need more than rfm.max_memory';
            EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', entry.tier) INTO row_total;
        END IF;
        IF entry.keep_history THEN
            PERFORM rfm._tier_snapshot(entry.tier, entry.history_table, entry.clv, effective);
        END IF;
        UPDATE rfm.refresh_log l
           SET tier = COALESCE(entry.tier, l.tier), finished_at = pg_catalog.clock_timestamp(), row_count = row_total,
               outcome = 'succeeded', as_of = effective,
               message = pg_catalog.concat_ws('; ', how, rfm._tier_grouped_note(),
                                              CASE WHEN entry.clv THEN rfm._tier_model_note(entry.tier) END)
         WHERE l.id = log_id;
    -- OTHERS leaves out a cancel (statement_timeout, pg_cancel_backend):
    -- named, so that it is logged too instead of staying 'running'.
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_text = MESSAGE_TEXT,
                                err_hint = PG_EXCEPTION_HINT, err_detail = PG_EXCEPTION_DETAIL,
                                err_schema = SCHEMA_NAME, err_table = TABLE_NAME, err_column = COLUMN_NAME,
                                err_constraint = CONSTRAINT_NAME, err_datatype = PG_DATATYPE_NAME;
        UPDATE rfm.refresh_log l
           SET tier = COALESCE(entry.tier, l.tier), finished_at = pg_catalog.clock_timestamp(), outcome = 'failed', as_of = effective,
               sqlstate = err_state, message = err_text
         WHERE l.id = log_id;
    END;
    COMMIT;

    -- The error as it was (its detail and the names of the table, column,
    -- constraint or type it is about), with what became of the refresh.
    -- The COMMIT gave the caller's search_path back: pg_catalog's again,
    -- for NULLIF's = (the transaction ends with the error).
    IF err_state IS NOT NULL THEN
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        message_text := pg_catalog.format('rfm.refresh_tiers: refresh of %s failed: %s', tier_name,
                                          pg_catalog.regexp_replace(err_text, '^rfm: ', ''));
        detail_text := pg_catalog.concat_ws(E'\n', NULLIF(err_detail, ''),
            CASE WHEN dropped
                 THEN pg_catalog.format('Another session dropped %s as this refresh started; its rfm.refresh_log rows went with it.',
                                        tier_name)
                 ELSE pg_catalog.format('The refresh of %s was rolled back: the tier table, its history and its customer states are as they were (rfm.refresh_log id %s).',
                                        tier_name, log_id)
            END);
        hint_text := COALESCE(NULLIF(err_hint, ''),
                              CASE WHEN dropped THEN 'Nothing is left to refresh.'
                                   ELSE 'Call rfm.refresh_tiers again once the cause is fixed; the failure stays in rfm.refresh_log.' END);
        PERFORM rfm._raise_error(err_state, message_text, detail_text, hint_text,
                                 err_schema, err_table, err_column, err_constraint, err_datatype);
    END IF;
END $$;
COMMENT ON PROCEDURE rfm.refresh_tiers(regclass) IS
    'Refresh a tier table in place, changing only rows that differ (readers never block), append its history snapshot, log the run';
