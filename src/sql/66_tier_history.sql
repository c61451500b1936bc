-- Tier tables, part 6: history.  With keep_history, each build and refresh
-- stores every customer's segment for its as_of in NAME_history (a second
-- refresh on the same as_of replaces that day's snapshot; a clv tier
-- table's snapshots carry its five CLV columns too), and
-- rfm.transitions compares two snapshots: the segment-to-segment migration
-- matrix with customer counts, revenue and (clv) predicted CLV.

-- The history table's columns are the tier table's own, by name
-- (rfm._tier_history_column_names) and type: the snapshot copies them
-- without a cast (rfm._tier_copies_plainly).
CREATE FUNCTION rfm._tier_create_history(tier regclass, clv boolean DEFAULT false)
    RETURNS regclass
    LANGUAGE plpgsql
    AS $$
DECLARE
    history_name text := rfm._tier_sibling(tier, '_history');
    columns      text;
BEGIN
    PERFORM rfm._tier_check_column_names(tier, rfm._tier_column_names(clv), 'rfm');
    SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', n.col, rfm._qualified_type(a.atttypid))
                                 || CASE WHEN n.col IN ('as_of', 'customer_id') THEN ' NOT NULL' ELSE '' END,
                                 ', ' ORDER BY n.k)
      INTO columns
      FROM pg_catalog.unnest(rfm._tier_history_column_names(clv)) WITH ORDINALITY AS n(col, k)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = tier AND a.attname = n.col AND NOT a.attisdropped;
    EXECUTE pg_catalog.format('CREATE TABLE %s (%s, PRIMARY KEY (as_of, customer_id))', history_name, columns);
    PERFORM rfm._tier_comment(history_name::regclass, 'history');
    RETURN history_name::regclass;
END $$;

-- Before a history table is made under history_name, a relation already
-- there is an error before anything is made (duplicate_table, not CREATE
-- TABLE's bare "already exists" from deep inside).  One left by an earlier
-- tier table of this name, dropped by a DROP of its own or of its source
-- (which rfm cannot see), is named as such, with the way to clear it.
CREATE FUNCTION rfm._tier_check_history_name(caller text, history_name text, hint text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    existing regclass := pg_catalog.to_regclass(history_name);
    orphan   bigint;
BEGIN
    IF existing IS NULL THEN
        -- a type (a domain, an enum) takes the name of the table's row type
        IF pg_catalog.to_regtype(history_name) IS NOT NULL THEN
            RAISE EXCEPTION '%: % already exists (a type)', caller, history_name
                USING ERRCODE = 'duplicate_table', HINT = hint;
        END IF;
        RETURN;
    END IF;
    SELECT t.id INTO orphan
      FROM rfm.tier_tables t
     WHERE t.history_table = existing
       AND NOT rfm._is_tier_matview(t.tier);
    IF orphan IS NOT NULL THEN
        RAISE EXCEPTION '%: % is the history of an earlier tier table (rfm.tier_tables id %) that was dropped without rfm.drop_tiers',
                        caller, existing, orphan
            USING ERRCODE = 'duplicate_table',
                  DETAIL = 'A DROP of a tier table (DROP MATERIALIZED VIEW, or DROP ... CASCADE of its source) drops it and its views but leaves the history table, customer state, log and catalog row; rfm.drop_tiers removes them all.',
                  HINT = 'SELECT rfm.drop_orphan_tiers() removes what that tier table left, this history table included (copy it first to keep it).';
    END IF;
    RAISE EXCEPTION '%: % already exists', caller, history_name
        USING ERRCODE = 'duplicate_table', HINT = hint;
END $$;

-- Whether typ is a domain over a pg_catalog base type (through domains
-- over domains): a value of it copied from a column of the same type runs
-- none of its code (its checks run on a cast into it, which the snapshot
-- does not make).
CREATE FUNCTION rfm._domain_over_builtin(typ oid)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
WITH RECURSIVE chain AS (
    SELECT t.oid, t.typtype, t.typbasetype, t.typnamespace FROM pg_catalog.pg_type t
     WHERE t.oid OPERATOR(pg_catalog.=) typ
    UNION ALL
    SELECT t.oid, t.typtype, t.typbasetype, t.typnamespace
      FROM pg_catalog.pg_type t JOIN chain c ON t.oid OPERATOR(pg_catalog.=) c.typbasetype
     WHERE c.typtype OPERATOR(pg_catalog.=) 'd')
SELECT (SELECT t.typtype FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) typ) OPERATOR(pg_catalog.=) 'd'
   AND EXISTS (SELECT FROM chain c WHERE c.typtype OPERATOR(pg_catalog.<>) 'd'
                 AND c.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace)
$$;

-- Whether planning a query over rel runs none of its owner's code: the
-- planner folds the constant parts of index expressions and predicates
-- and of statistics on expressions, calling their functions as whoever
-- plans (an IMMUTABLE function of the owner's in a partial index ran as a
-- superuser's refresh).  What they use is in pg_depend: functions,
-- operators (their functions) and types (a domain's checks) must be a
-- superuser's, as PostgreSQL's and extensions' are (lower(), r_score > 1).
CREATE FUNCTION rfm._plans_plainly(rel regclass)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
     WHERE ((d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
             AND d.objid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT i.indexrelid FROM pg_catalog.pg_index i
                                                           WHERE i.indrelid OPERATOR(pg_catalog.=) rel)))
         OR (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass
             AND d.objid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT x.oid FROM pg_catalog.pg_statistic_ext x
                                                           WHERE x.stxrelid OPERATOR(pg_catalog.=) rel))))
       AND NOT COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r
                          WHERE r.oid OPERATOR(pg_catalog.=) CASE d.refclassid
                              WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass
                              THEN (SELECT p.proowner FROM pg_catalog.pg_proc p
                                     WHERE p.oid OPERATOR(pg_catalog.=) d.refobjid)
                              WHEN 'pg_catalog.pg_operator'::pg_catalog.regclass
                              THEN (SELECT p.proowner FROM pg_catalog.pg_operator o
                                      JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) o.oprcode::pg_catalog.oid
                                     WHERE o.oid OPERATOR(pg_catalog.=) d.refobjid)
                              WHEN 'pg_catalog.pg_type'::pg_catalog.regclass
                              THEN (SELECT t.typowner FROM pg_catalog.pg_type t
                                     WHERE t.oid OPERATOR(pg_catalog.=) d.refobjid)
                              END), true))
$$;

-- Whether reading the history table runs no code but PostgreSQL's own:
-- what a read can run, of what rfm._tier_history_is_plain refuses (an
-- index or a trigger of the owner's runs nothing on a read; a view, a
-- foreign table, a policy, an inheritance child, a type of the owner's
-- with a cast, an index or statistics on the owner's functions would).
CREATE FUNCTION rfm._tier_history_readable(history regclass)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT (SELECT c.relkind OPERATOR(pg_catalog.=) 'r' AND NOT c.relrowsecurity
          FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) history)
   AND rfm._plans_plainly(history)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits i
                    WHERE i.inhparent OPERATOR(pg_catalog.=) history OR i.inhrelid OPERATOR(pg_catalog.=) history)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
                    WHERE a.attrelid OPERATOR(pg_catalog.=) history AND a.attnum OPERATOR(pg_catalog.>) 0
                      AND NOT a.attisdropped
                      AND (t.typnamespace OPERATOR(pg_catalog.<>) 'pg_catalog'::pg_catalog.regnamespace
                           OR t.typtype OPERATOR(pg_catalog.=) 'd')
                      AND NOT (a.attname OPERATOR(pg_catalog.=) 'customer_id'
                               AND rfm._domain_over_builtin(a.atttypid)))
$$;

-- Whether writing into a history table runs no code but PostgreSQL's
-- own: nothing was added to the table rfm._tier_create_history made.
-- (tier: its customer_id's type is the history's own, rfm put it there: a
-- key column of a domain over a built-in type, from the source, is plain;
-- until 2026-12-06 it made every refresh by another role than the owner,
-- a superuser's scheduled job included, 42501)
CREATE FUNCTION rfm._tier_history_is_plain(history regclass, tier regclass)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT rfm._tier_history_readable(history)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid OPERATOR(pg_catalog.=) history AND NOT g.tgisinternal)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_rewrite w WHERE w.ev_class OPERATOR(pg_catalog.=) history)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_attrdef d WHERE d.adrelid OPERATOR(pg_catalog.=) history)
   -- primary key and (PostgreSQL 18) NOT NULL constraints only
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                    WHERE k.conrelid OPERATOR(pg_catalog.=) history
                      AND k.contype OPERATOR(pg_catalog.<>) ALL (ARRAY['p', 'n']::pg_catalog."char"[]))
   -- indexes: on plain columns with PostgreSQL's own access methods and
   -- operator classes only (those run nothing of anyone's on a write)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
                    WHERE i.indrelid OPERATOR(pg_catalog.=) history
                      AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL
                           OR ic.relam OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid   -- FirstNormalObjectId: an extension's
                           OR EXISTS (SELECT FROM pg_catalog.unnest(i.indclass::pg_catalog.oid[]) AS c(oc)
                                        JOIN pg_catalog.pg_opclass o ON o.oid OPERATOR(pg_catalog.=) c.oc
                                       WHERE o.opcnamespace OPERATOR(pg_catalog.<>) 'pg_catalog'::pg_catalog.regnamespace)))
   -- not a partition (a row written into one is checked against its
   -- parent's partition key, whose functions run as the writer); the
   -- snapshot's DELETE would reach inheritance children (and fire their
   -- triggers): rfm._tier_history_readable refuses those
   AND NOT (SELECT c.relispartition FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) history)
   -- a customer_id of a domain: the tier table's own type (copied, not cast)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
                    WHERE a.attrelid OPERATOR(pg_catalog.=) history AND a.attname OPERATOR(pg_catalog.=) 'customer_id'
                      AND NOT a.attisdropped
                      AND (t.typnamespace OPERATOR(pg_catalog.<>) 'pg_catalog'::pg_catalog.regnamespace
                           OR t.typtype OPERATOR(pg_catalog.=) 'd')
                      AND a.atttypid IS DISTINCT FROM
                          (SELECT k.atttypid FROM pg_catalog.pg_attribute k
                            WHERE k.attrelid OPERATOR(pg_catalog.=) tier
                              AND k.attname OPERATOR(pg_catalog.=) 'customer_id' AND NOT k.attisdropped))
$$;

-- A history table dropped by hand leaves its oid in the catalog row; used
-- as a name it printed as a bare number, a syntax error deep inside.
CREATE FUNCTION rfm._tier_check_history_exists(tier regclass, history regclass, caller text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) history) THEN
        RAISE EXCEPTION '%: the history table of % was dropped', caller, tier
            USING ERRCODE = 'undefined_table',
                  HINT = pg_catalog.format('Stop keeping history with SELECT rfm.alter_tiers(%L, ''{"keep_history": false}''); turning it on again makes a new history table.', tier::pg_catalog.text);
    END IF;
END $$;

-- The columns a snapshot copies from the tier table into its history
-- table, the history table's columns (rfm._tier_create_history); a clv
-- one's five too.
CREATE FUNCTION rfm._tier_history_column_names(clv boolean)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT ARRAY['as_of', 'customer_id', 'segment', 'segment_zh', 'tier', 'tier_zh', 'lifecycle', 'lifecycle_zh',
             'r_score', 'f_score', 'm_score', 'rfm_cell', 'recency_days', 'frequency', 'monetary']::pg_catalog.text[]
       OPERATOR(pg_catalog.||)
       CASE WHEN clv THEN pg_catalog.string_to_array(rfm._tier_clv_columns('', false), ', ')
            ELSE '{}'::pg_catalog.text[] END
$$;

-- Whether rel still is the history table rfm.create_tiers made, before
-- rfm.drop_orphan_tiers drops what an orphan's row names (a row from a
-- dump taken with event triggers off may name a number another relation
-- got since: rfm._is_tier_matview): an ordinary table with rfm's comment,
-- at least as many columns as a snapshot writes and a primary key of two,
-- a date (as_of) and the customer column's type as the row records it.
-- One that fails is left in place, with a NOTICE.
CREATE FUNCTION rfm._is_tier_history(rel regclass, customer_type text)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT EXISTS (SELECT FROM pg_catalog.pg_class c
                 JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) c.oid AND i.indisprimary
                 JOIN pg_catalog.pg_attribute a1 ON a1.attrelid OPERATOR(pg_catalog.=) c.oid
                                                AND a1.attnum OPERATOR(pg_catalog.=) i.indkey[0]
                 JOIN pg_catalog.pg_attribute a2 ON a2.attrelid OPERATOR(pg_catalog.=) c.oid
                                                AND a2.attnum OPERATOR(pg_catalog.=) i.indkey[1]
                WHERE c.oid OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) 'r'
                  AND i.indnatts OPERATOR(pg_catalog.=) 2
                  AND a1.atttypid OPERATOR(pg_catalog.=) 'pg_catalog.date'::pg_catalog.regtype
                  AND rfm._qualified_type(a2.atttypid) OPERATOR(pg_catalog.=) $2
                  AND pg_catalog.obj_description(c.oid, 'pg_class') OPERATOR(pg_catalog.=) rfm._tier_relation_comment('history')
                  AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0
                          AND NOT a.attisdropped)
                      OPERATOR(pg_catalog.>=) pg_catalog.cardinality(rfm._tier_history_column_names(false))) $$;

-- Whether copying the tier table's rows into the history table runs no
-- code: the tier table is a materialized view (reading it runs nothing,
-- where a view's or a policy's functions would run as the reader) and each
-- copied column has exactly the history column's type (no cast, whose
-- function would run as the reader).  rfm.create_tiers makes it so; a
-- catalog row edited to name another materialized view of the owner's,
-- with a column of a type of its own, would run that type's cast as a
-- superuser's refresh.
CREATE FUNCTION rfm._tier_copies_plainly(tier regclass, history regclass, clv boolean)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT COALESCE((SELECT c.relkind OPERATOR(pg_catalog.=) 'm'
                   FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) tier), false)
   AND rfm._plans_plainly(tier)
   AND NOT EXISTS (
        SELECT FROM pg_catalog.unnest(rfm._tier_history_column_names(clv)) AS n(col)
          LEFT JOIN pg_catalog.pg_attribute a
                 ON a.attrelid OPERATOR(pg_catalog.=) tier AND a.attname OPERATOR(pg_catalog.=) n.col
                AND NOT a.attisdropped
          LEFT JOIN pg_catalog.pg_attribute h
                 ON h.attrelid OPERATOR(pg_catalog.=) history AND h.attname OPERATOR(pg_catalog.=) n.col
                AND NOT h.attisdropped
         WHERE a.atttypid IS NULL OR a.atttypid IS DISTINCT FROM h.atttypid)
$$;

-- Store the tier table's current rows as the snapshot of their as_of.
CREATE FUNCTION rfm._tier_snapshot(tier regclass, history regclass, clv boolean, as_of date)
    RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    stored bigint;
BEGIN
    PERFORM rfm._tier_check_history_exists(tier, history, 'rfm');
    PERFORM rfm._tier_check_column_names(tier, rfm._tier_column_names(clv), 'rfm');
    PERFORM rfm._tier_check_column_names(history, rfm._tier_history_column_names(clv), 'rfm');
    -- The snapshot is written by whoever refreshes: code on the history
    -- table (a trigger, rule, default, check, index expression or operator
    -- class, policy, a type's functions) would run with that role's rights,
    -- not its owner's.  Only the owner writes into a table that has any.
    IF NOT rfm._tier_history_is_plain(history, tier) THEN
        PERFORM rfm._tier_require_owner(history, 'write snapshots into it while it has triggers, rules, defaults, checks, indexes with expressions, a WHERE clause or extension code, policies, non-builtin types, inheritance children or parents (a partition), or is not an ordinary table',
            'Refresh as the owner of the tier table (schedule the refresh as that role), or remove what was added to the history table.');
    END IF;
    IF NOT rfm._tier_copies_plainly(tier, history, clv) THEN
        PERFORM rfm._tier_require_owner(tier, 'copy its rows into its history table while it is not a materialized view whose columns have the history table''s types',
            'Refresh as the owner of the tier table, or point its rfm.tier_tables row back at the table rfm.create_tiers made.');
    END IF;
    -- the day's earlier snapshot goes, also when the tier table is now
    -- empty (its rows name no day): as_of is the day this build is for.
    -- One array of days, found by the primary key (an OR with the
    -- subquery read every snapshot ever kept, on every refresh).
    EXECUTE pg_catalog.format('DELETE FROM ONLY %s h WHERE h.as_of = ANY (ARRAY(SELECT DISTINCT t.as_of FROM %s t) || $1)',
                              history, tier) USING as_of;
    EXECUTE pg_catalog.format('INSERT INTO %s (%s) SELECT %s FROM %s t', history,
        pg_catalog.array_to_string(rfm._tier_history_column_names(clv), ', '),
        (SELECT pg_catalog.string_agg('t.' OPERATOR(pg_catalog.||) n.col, ', ' ORDER BY n.k)
           FROM pg_catalog.unnest(rfm._tier_history_column_names(clv)) WITH ORDINALITY AS n(col, k)),
        tier);
    GET DIAGNOSTICS stored = ROW_COUNT;
    RETURN stored;
END $$;

-- 55000 for a tier table built with keep_history => false, the hint the
-- one-line alter that turns it on (then_what: what follows it).
CREATE FUNCTION rfm._tier_check_keeps_history(entry rfm.tier_tables, caller text, then_what text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF entry.history_table IS NULL THEN
        RAISE EXCEPTION '%: % keeps no history', caller, entry.tier
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Turn it on with SELECT rfm.alter_tiers(%L, ''{"keep_history": true}'')%s',
                                           entry.tier::pg_catalog.text, then_what);
    END IF;
END $$;

-- A snapshot of a past day for the history table, computed from the
-- orders now in the source up to that day (as a tier table built with
-- as_of => day would have them), with the tier table's bins, scheme and
-- CLV columns; the tier table itself is not touched.  Replaces the day's
-- snapshot, as a refresh on that day does, but keeps it when no customer
-- has a purchase up to the day any more (orders deleted since, or a
-- REPEATABLE READ transaction whose snapshot predates a TRUNCATE and
-- reload of the source, which reads it empty).  Only the tier table's
-- owner: the source is read with the caller's rights (a view's functions
-- run as the caller), and the write fires what is on the history table.
CREATE FUNCTION rfm.backfill_history(tier regclass, as_of date)
    RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry   rfm.tier_tables := rfm._tier_entry(tier);
    started pg_catalog.timestamptz;
    today   pg_catalog.date;
    cols    pg_catalog.text[];
    kept    bigint := 0;
    stored  bigint;
    owner   pg_catalog.name;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'rfm.backfill_history: as_of must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the past day to store a snapshot for (a refresh stores the snapshot of the table''s own day).';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION 'rfm.backfill_history: as_of must be a finite date, got %', as_of
            USING ERRCODE = 'datetime_field_overflow', HINT = 'Pass a day.';
    END IF;
    -- the catalog row again, shared, as a refresh reads it: after an alter
    -- or drop under way, the table as the alter left it (or an error)
    entry := rfm._tier_entry_held(entry.id, tier::pg_catalog.text, 'rfm.backfill_history', 'backfill');
    started := pg_catalog.clock_timestamp();
    PERFORM rfm._tier_check_keeps_history(entry, 'rfm.backfill_history', ', then backfill.');
    owner := (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
               WHERE c.oid OPERATOR(pg_catalog.=) entry.tier);
    IF owner IS DISTINCT FROM CURRENT_USER THEN
        RAISE EXCEPTION 'rfm.backfill_history: only the owner of % (role %) may backfill its history', entry.tier, owner
            USING ERRCODE = 'insufficient_privilege',
                  HINT = pg_catalog.format('The orders are read with the rights of the role that backfills, a superuser''s too: SET ROLE %I first.', owner);
    END IF;
    today := rfm._tier_day(NULL, entry.state_name, entry.time_zone);
    IF as_of OPERATOR(pg_catalog.>) today THEN
        RAISE EXCEPTION 'rfm.backfill_history: % is after today (%, in time zone %)', as_of, today, entry.time_zone
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A snapshot is of a day that has begun.';
    END IF;
    -- as a refresh, alter or drop takes it (none waits for another: 55P03)
    PERFORM rfm._tier_lock_or_fail(entry.id, 'rfm.backfill_history: ', entry.tier::pg_catalog.text);
    PERFORM rfm._tier_check_history_exists(entry.tier, entry.history_table, 'rfm.backfill_history');
    IF NOT rfm._tier_history_is_plain(entry.history_table, entry.tier) THEN
        PERFORM rfm._tier_require_owner(entry.history_table, 'write snapshots into it while it has triggers, rules, defaults, checks, indexes with expressions, a WHERE clause or extension code, policies, non-builtin types, inheritance children or parents (a partition), or is not an ordinary table',
            'Backfill as the owner of the history table, or remove what was added to it.');
    END IF;
    cols := rfm._tier_history_column_names(entry.clv);
    PERFORM rfm._tier_check_column_names(entry.history_table, cols, 'rfm.backfill_history');
    -- the source locked in a statement of its own: the reads below then see
    -- what a transaction that rewrote it committed (rfm._tier_lock_source)
    PERFORM rfm._tier_lock_source(entry.source);
    PERFORM rfm._tier_grouped_note();    -- (an earlier call's, read)
    BEGIN
        EXECUTE pg_catalog.format('DELETE FROM ONLY %s h WHERE h.as_of = $1', entry.history_table) USING as_of;
        GET DIAGNOSTICS kept = ROW_COUNT;
        -- the orders themselves, also for an incremental table (its stored
        -- states count every order folded in, whatever its day)
        EXECUTE pg_catalog.format(
            'INSERT INTO %s (%s) SELECT %s FROM rfm._tier_rows($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL::pg_catalog.text, $10, $11, $12) AS t(%s)',
            entry.history_table, pg_catalog.array_to_string(cols, ', '),
            (SELECT pg_catalog.string_agg('t.' OPERATOR(pg_catalog.||) n.col, ', ' ORDER BY n.k)
               FROM pg_catalog.unnest(cols) WITH ORDINALITY AS n(col, k)),
            rfm._tier_columns(entry.customer_type, entry.clv))
        USING entry.source, entry.customer_column, entry.time_column, entry.amount_column, entry.customer_type,
              entry.bins, entry.scheme, as_of, entry.clv, entry.time_zone, entry.lifecycle_days, entry.lang_zh;
        GET DIAGNOSTICS stored = ROW_COUNT;
        IF stored OPERATOR(pg_catalog.=) 0 AND kept OPERATOR(pg_catalog.>) 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'RFMB0';     -- undoes the DELETE: caught below
        END IF;
    EXCEPTION WHEN SQLSTATE 'RFMB0' THEN
        stored := 0;
    END;
    IF stored OPERATOR(pg_catalog.=) 0 THEN
        RAISE NOTICE 'rfm.backfill_history: no customer of % has a purchase up to %: nothing stored%', entry.tier, as_of,
                     CASE WHEN kept OPERATOR(pg_catalog.>) 0
                          THEN pg_catalog.format(', the day''s snapshot of %s customers kept', kept) ELSE '' END
            USING HINT = 'Orders after the day are left out; so are orders deleted since, and customers with only refunds or $0 lines.';
    END IF;
    -- logged, so that rfm.transitions knows the rules that labelled the day
    INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, finished_at, as_of, row_count, outcome, message)
    VALUES (entry.id, entry.tier, 'backfill', started, pg_catalog.clock_timestamp(), as_of, stored, 'succeeded',
            pg_catalog.concat_ws('; ',
                CASE WHEN stored OPERATOR(pg_catalog.=) 0 THEN
                    pg_catalog.format('no customer with a purchase up to the day: nothing stored%s',
                                      CASE WHEN kept OPERATOR(pg_catalog.>) 0
                                           THEN pg_catalog.format(', the snapshot of %s customers kept', kept) ELSE '' END) END,
                rfm._tier_grouped_note()));
    RETURN stored;
END $$;
COMMENT ON FUNCTION rfm.backfill_history(regclass, date) IS
    'Store a history snapshot of a tier table for a past day, computed from the orders up to that day with the table''s options; returns the customers stored';

-- The scheme and bins a day's snapshot was labelled with, from the log
-- rows the caller may read (NULLs when none wrote it): those in force when
-- the day's last snapshot was written, i.e. the old values of the first
-- later alter that changed them ("bins 5 -> 2, scheme standard -> value8"),
-- or the table's own.
CREATE FUNCTION rfm._tier_snapshot_rules(entry rfm.tier_tables, day date, OUT scheme text, OUT bins integer)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    written bigint;
BEGIN
    SELECT pg_catalog.max(l.id) INTO written
      FROM rfm.refresh_log l
     WHERE l.tier_id OPERATOR(pg_catalog.=) entry.id AND l.outcome OPERATOR(pg_catalog.=) 'succeeded'
       AND l.as_of OPERATOR(pg_catalog.=) day;
    IF written IS NULL THEN
        RETURN;
    END IF;
    SELECT (pg_catalog.array_agg(m.bins ORDER BY l.id) FILTER (WHERE m.bins IS NOT NULL))[1],
           (pg_catalog.array_agg(m.scheme ORDER BY l.id) FILTER (WHERE m.scheme IS NOT NULL))[1]
      INTO bins, scheme
      FROM rfm.refresh_log l,
           LATERAL (SELECT (pg_catalog.regexp_match(l.message, '(?:^|, )bins ([0-9]+) -> '))[1]::integer AS bins,
                           (pg_catalog.regexp_match(l.message, '(?:^|, )scheme ([^,;]*) -> '))[1] AS scheme) m
     WHERE l.tier_id OPERATOR(pg_catalog.=) entry.id AND l.action OPERATOR(pg_catalog.=) 'alter'
       AND l.outcome OPERATOR(pg_catalog.=) 'succeeded' AND l.id OPERATOR(pg_catalog.>) written;
    scheme := COALESCE(scheme, entry.scheme);
    bins := COALESCE(bins, entry.bins);
END $$;


-- A snapshot's segment in Chinese in the characters lang asks for ('zh' or
-- 'zh-Hant'), whichever the snapshot was stored in (the table's lang_zh
-- then): the scheme's first rule with that English label whose Chinese
-- one, in either form, is the stored one gives its label in lang (its
-- label_zh; its label_zh_hant, else rfm.zh_hant of label_zh, as
-- rfm.segment gives them).  A pair no rule has any more (rules edited
-- since): rfm's own texts converted, any other as it is.
CREATE FUNCTION rfm._snapshot_segment_zh(scheme text, segment text, segment_zh text, lang text)
    RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
SELECT COALESCE(
         (SELECT CASE WHEN $4 = 'zh' THEN r.label_zh
                      ELSE COALESCE(r.label_zh_hant, rfm._zh_label_in(r.label_zh, 'zh-Hant', 'rfm.transitions')) END
            FROM rfm.segment_rules r
           WHERE r.scheme = $1 AND r.label_en = $2
             AND (r.label_zh = $3 OR COALESCE(r.label_zh_hant, rfm._zh_hant_or_null(r.label_zh)) = $3)
           ORDER BY r.priority LIMIT 1),
         CASE WHEN $4 = 'zh' THEN rfm._zh_hans($3) ELSE rfm._zh_label_in($3, 'zh-Hant', 'rfm.transitions') END)
$$;

-- lang 'zh': the segments by their Chinese labels (segment_zh, in
-- simplified characters whatever the table's lang_zh was); 'zh-Hant':
-- those in traditional characters (the scheme's label_zh_hant, else
-- rfm.zh_hant).
CREATE FUNCTION rfm.transitions(tier regclass, from_as_of date, to_as_of date, lang text DEFAULT 'en')
    RETURNS TABLE (from_segment text, to_segment text, customers bigint,
                   revenue_before numeric, revenue_after numeric, revenue_gained numeric,
                   predicted_clv_before double precision, predicted_clv_after double precision,
                   in_from_snapshot boolean, in_to_snapshot boolean)
    -- reads only: the rest of a query may run in parallel workers
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
    AS $$
DECLARE
    entry rfm.tier_tables := rfm._tier_entry(tier);
    missing   date;
    found_day boolean;
    rules_from record;
    rules_to   record;
    -- a day's labels in lang ($1 and $3: the day and its scheme, filled in
    -- for each side): worked out once per distinct (segment, segment_zh)
    label_join text := pg_catalog.format($j$
          LEFT JOIN (SELECT d.segment, d.segment_zh, rfm._snapshot_segment_zh(%%2$s, d.segment, d.segment_zh, %2$L) AS label
                       FROM (SELECT DISTINCT x.segment, x.segment_zh FROM %1$s x WHERE x.as_of = %%1$s) d) m
                 ON (m.segment, m.segment_zh) IS NOT DISTINCT FROM (h.segment, h.segment_zh)$j$, entry.history_table, rfm._lang_tag(lang));
BEGIN
    PERFORM rfm._tier_check_keeps_history(entry, 'rfm.transitions', ': each refresh from then on stores a snapshot.');
    IF from_as_of IS NULL OR to_as_of IS NULL THEN
        RAISE EXCEPTION 'rfm.transitions: from_as_of and to_as_of must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF lang IS NULL OR rfm._lang_tag(lang) IS NULL THEN
        PERFORM rfm._bad_language('rfm.transitions', lang);
    END IF;
    lang := rfm._lang_tag(lang);
    PERFORM rfm._tier_check_history_exists(entry.tier, entry.history_table, 'rfm.transitions');
    -- read with the caller's rights: code on the history table (a policy, a
    -- rule, a type's functions) would run as the caller, a superuser too
    IF NOT rfm._tier_history_readable(entry.history_table) THEN
        PERFORM rfm._tier_require_owner(entry.history_table, 'read transitions from it while it has row-level security, non-builtin types, inheritance children or parents, or is not an ordinary table',
            'Read them as the owner of the tier table, or remove what was added to the history table.');
    END IF;
    FOREACH missing IN ARRAY ARRAY[from_as_of, to_as_of] LOOP
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s h WHERE h.as_of = $1)', entry.history_table)
           INTO found_day USING missing;
        IF NOT found_day THEN
            RAISE EXCEPTION 'rfm.transitions: % has no snapshot for %', entry.tier, missing
                USING ERRCODE = 'no_data_found',
                      HINT = pg_catalog.format('SELECT DISTINCT as_of FROM %s lists the snapshots.', entry.history_table);
        END IF;
    END LOOP;
    -- Labels of two days made by different rules (an alter of bins or scheme
    -- in between) compare badly: said, from the log rows the caller may read.
    rules_from := rfm._tier_snapshot_rules(entry, from_as_of);
    rules_to := rfm._tier_snapshot_rules(entry, to_as_of);
    IF (rules_from.scheme, rules_from.bins) OPERATOR(pg_catalog.<>) (rules_to.scheme, rules_to.bins) THEN
        RAISE NOTICE 'rfm.transitions: the snapshot of % was labelled by % with % bins, that of % by % with % bins',
                     pg_catalog.to_char(from_as_of, 'YYYY-MM-DD'), rules_from.scheme, rules_from.bins,
                     pg_catalog.to_char(to_as_of, 'YYYY-MM-DD'), rules_to.scheme, rules_to.bins
            USING HINT = 'A move between their segments may say more about the rules than about the customers.';
    END IF;
    -- in_from_snapshot false: not yet a customer at from_as_of; in_to_snapshot
    -- false: no longer in the tier table at to_as_of.  Their segment is NULL,
    -- as is that of a customer a scheme of one's own leaves unlabelled: the
    -- flags keep the two apart.
    RETURN QUERY EXECUTE pg_catalog.format($q$
SELECT a.label, b.label, pg_catalog.count(*),
       COALESCE(pg_catalog.sum(a.monetary), 0), COALESCE(pg_catalog.sum(b.monetary), 0),
       COALESCE(pg_catalog.sum(b.monetary), 0) - COALESCE(pg_catalog.sum(a.monetary), 0),
       %2$s,
       a.customer_id IS NOT NULL, b.customer_id IS NOT NULL
  FROM (SELECT h.*, %3$s AS label FROM %1$s h%5$s WHERE h.as_of = $1) a
  FULL JOIN (SELECT h.*, %4$s AS label FROM %1$s h%6$s WHERE h.as_of = $2) b ON b.customer_id = a.customer_id
 GROUP BY a.label, b.label, a.customer_id IS NOT NULL, b.customer_id IS NOT NULL
 ORDER BY a.label NULLS FIRST, a.customer_id IS NOT NULL, b.label NULLS LAST,
          b.customer_id IS NOT NULL DESC$q$, entry.history_table,
        -- the history of a clv tier table has predicted_clv; others: NULL
        CASE WHEN entry.clv THEN 'pg_catalog.sum(a.predicted_clv), pg_catalog.sum(b.predicted_clv)'
             ELSE 'NULL::double precision, NULL::double precision' END,
        -- each day's label in lang, through the rules of that day's scheme
        CASE WHEN (lang COLLATE "C") = 'en' THEN 'h.segment' ELSE 'm.label' END,
        CASE WHEN (lang COLLATE "C") = 'en' THEN 'h.segment' ELSE 'm.label' END,
        CASE WHEN (lang COLLATE "C") = 'en' THEN '' ELSE pg_catalog.format(label_join, '$1', '$3') END,
        CASE WHEN (lang COLLATE "C") = 'en' THEN '' ELSE pg_catalog.format(label_join, '$2', '$4') END)
    USING from_as_of, to_as_of, COALESCE(rules_from.scheme, entry.scheme), COALESCE(rules_to.scheme, entry.scheme);
END $$;
COMMENT ON FUNCTION rfm.transitions(regclass, date, date, text) IS
    'Segment-to-segment migration between two history snapshots of a tier table: customers, revenue and predicted CLV; lang zh (or zh-Hant) names the segments in Chinese';
