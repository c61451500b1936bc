-- Tier tables, part 8: rfm.alter_tiers, a tier table's options changed
-- after it was made.
--
-- The options live in the materialized view's stored query, which
-- PostgreSQL cannot change in place, so the tier table and its two views
-- are made again, in the caller's transaction (all or nothing): built
-- under a scratch name, given everything a DROP would take with the old
-- ones (owner, privileges, comments, storage, column settings, the user's
-- indexes and statistics), registered, and only then are the old ones
-- dropped -- with a plain DROP, so that objects built on top of them
-- (views, functions or columns of their row type) make the call fail
-- instead of being dropped -- and the new ones renamed.  The catalog row
-- keeps its id, so its log, history table, customer state and pg_cron job
-- (named by id, running the table's name) stay with it.

-- The options object of rfm.alter_tiers applied to a catalog row: the row
-- with the options it names changed, or a clear error.
CREATE FUNCTION rfm._tier_alter_options(entry rfm.tier_tables, options jsonb)
    RETURNS rfm.tier_tables
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    original rfm.tier_tables := entry;
    name  text;
    value jsonb;
    kind  text;
    n     numeric;
BEGIN
    IF options IS NULL OR pg_catalog.jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'rfm.alter_tiers: options must be a JSON object, e.g. ''{"bins": 4}'''
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR name, value IN SELECT o.key, o.value FROM pg_catalog.jsonb_each(options) o LOOP
        kind := pg_catalog.jsonb_typeof(value);
        IF name = 'bins' THEN
            n := CASE WHEN kind = 'number' THEN (value #>> '{}')::pg_catalog.numeric END;
            IF n IS NULL OR n <> pg_catalog.trunc(n) OR n NOT BETWEEN 2 AND 9 THEN
                RAISE EXCEPTION 'rfm.alter_tiers: bins must be a whole number between 2 and 9, not %', value
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Scores are single digits so that rfm_cell reads like ''555''.';
            END IF;
            entry.bins := n::integer;
        ELSIF name = 'scheme' THEN
            IF kind <> 'string' THEN
                RAISE EXCEPTION 'rfm.alter_tiers: scheme must be a string, not %', value
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'A scheme of rfm.segment_rules, e.g. "value8".';
            END IF;
            entry.scheme := value #>> '{}';   -- checked with bins (rfm._tier_check_scheme)
        ELSIF name = 'as_of' THEN
            IF kind = 'null' THEN
                entry.as_of := NULL;
            ELSIF kind = 'string' THEN
                -- JSON has no date type: ISO 8601 only, read alike under every
                -- DateStyle ("06/07/1998" was 6 July under DMY, 7 June under MDY)
                IF (value #>> '{}') OPERATOR(pg_catalog.~*) '^[-+]?infinity$' THEN
                    RAISE EXCEPTION 'rfm.alter_tiers: as_of must be a finite date, got %', value #>> '{}'
                        USING ERRCODE = 'datetime_field_overflow',
                              HINT = 'Pass a day, or null for the day of each refresh.';
                END IF;
                IF NOT (value #>> '{}') OPERATOR(pg_catalog.~) '^[0-9]{4,7}-[0-9]{2}-[0-9]{2}$' THEN
                    RAISE EXCEPTION 'rfm.alter_tiers: as_of % is not a date in the form YYYY-MM-DD', value
                        USING ERRCODE = 'invalid_datetime_format',
                              HINT = 'For example "2024-03-31" (year, month, day: the one form every DateStyle reads alike), or null for the day of each refresh.';
                END IF;
                BEGIN
                    entry.as_of := (value #>> '{}')::pg_catalog.date;
                EXCEPTION WHEN data_exception THEN
                    -- the cast's own error names neither the option nor the function
                    RAISE EXCEPTION 'rfm.alter_tiers: as_of % is not a date: %', value, SQLERRM
                        USING ERRCODE = SQLSTATE,
                              HINT = 'For example "2024-03-31" (year, month, day), or null for the day of each refresh.';
                END;
            ELSE
                RAISE EXCEPTION 'rfm.alter_tiers: as_of must be a date string or null, not %', value
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'For example "2024-03-31", or null for the day of each refresh.';
            END IF;
        ELSIF name IN ('new_days', 'sleeping_days', 'churned_days') THEN
            n := CASE WHEN kind = 'number' THEN (value #>> '{}')::pg_catalog.numeric END;
            IF n IS NULL OR n <> pg_catalog.trunc(n) OR n NOT BETWEEN 1 AND 2147483647 THEN
                RAISE EXCEPTION 'rfm.alter_tiers: % must be a whole number of days above 0, not %', name, value
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            entry.lifecycle_days[CASE name WHEN 'new_days' THEN 1 WHEN 'sleeping_days' THEN 2 ELSE 3 END] := n::integer;
        ELSIF name = 'lang_zh' THEN
            IF kind <> 'string' THEN
                RAISE EXCEPTION 'rfm.alter_tiers: lang_zh must be a string, not %', value
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Use "zh" (simplified characters) or "zh-Hant" (traditional characters).';
            END IF;
            entry.lang_zh := rfm._tier_check_lang_zh('rfm.alter_tiers', value #>> '{}');
        ELSIF name IN ('clv', 'keep_history') THEN
            IF kind <> 'boolean' THEN
                RAISE EXCEPTION 'rfm.alter_tiers: % must be true or false, not %', name, value
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF name = 'clv' THEN
                entry.clv := value::boolean;
            ELSE
                entry.keep_history := value::boolean;
            END IF;
        ELSE
            RAISE EXCEPTION 'rfm.alter_tiers: % is not an option that can change', pg_catalog.quote_literal(name)
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The options are bins, scheme, as_of, clv, keep_history, new_days, sleeping_days, churned_days and lang_zh.  The source, its columns and watermark_column cannot change: drop and re-create the tier table.';
        END IF;
    END LOOP;
    -- checked when changed: an alter of other options leaves them as they are
    IF entry.bins IS DISTINCT FROM original.bins OR entry.scheme IS DISTINCT FROM original.scheme THEN
        PERFORM rfm._tier_check_scheme('rfm.alter_tiers', entry.bins, entry.scheme);
    END IF;
    IF entry.lifecycle_days IS DISTINCT FROM original.lifecycle_days THEN
        PERFORM rfm._tier_check_lifecycle('rfm.alter_tiers', entry.lifecycle_days);
    END IF;
    IF entry.watermark_column IS NOT NULL THEN
        PERFORM rfm._tier_check_incremental('rfm.alter_tiers', entry.clv, entry.as_of);
    END IF;
    RETURN entry;
END $$;

-- What a DROP takes with a table or view, read from the catalog: owner,
-- privileges, comment, storage (access method, options, tablespace), each
-- column's comment, privileges and settings, its indexes (definition,
-- tablespace, comment, CLUSTER mark, expression columns' statistics
-- targets) and extended statistics.  NULL when
-- rel no longer exists.
CREATE FUNCTION rfm._tier_capture(rel regclass)
    RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
SELECT pg_catalog.jsonb_build_object(
    'name', c.relname,
    'owner', pg_catalog.pg_get_userbyid(c.relowner),
    -- on a view: what a DROP VIEW takes without asking
    'view_extras', EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid)
                   OR EXISTS (SELECT FROM pg_catalog.pg_rewrite w WHERE w.ev_class = c.oid AND w.rulename <> '_RETURN')
                   OR EXISTS (SELECT FROM pg_catalog.pg_attrdef d WHERE d.adrelid = c.oid),
    'acl', c.relacl,
    'comment', pg_catalog.obj_description(c.oid, 'pg_class'),
    'access_method', (SELECT am.amname FROM pg_catalog.pg_am am WHERE am.oid = c.relam),
    'options', (SELECT pg_catalog.jsonb_agg(o.opt)
                  FROM (SELECT pg_catalog.unnest(c.reloptions) AS opt
                        UNION ALL
                        SELECT 'toast.' || pg_catalog.unnest(t.reloptions)
                          FROM pg_catalog.pg_class t WHERE t.oid = c.reltoastrelid) o),
    'tablespace', (SELECT s.spcname FROM pg_catalog.pg_tablespace s WHERE s.oid = c.reltablespace),
    'security_labels', EXISTS (SELECT FROM pg_catalog.pg_seclabel l
                                WHERE l.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                  AND l.objoid = c.oid),
    'columns', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'name', a.attname,
                    'comment', pg_catalog.col_description(c.oid, a.attnum),
                    'acl', a.attacl,
                    -- the column options PostgreSQL has (ALTER ... SET ( ... ))
                    'options', (SELECT pg_catalog.jsonb_agg(o)
                                  FROM pg_catalog.unnest(a.attoptions) AS o
                                 WHERE pg_catalog.split_part(o, '=', 1) IN ('n_distinct', 'n_distinct_inherited')),
                    -- by name: the column's type changed in PostgreSQL 17
                    'statistics', pg_catalog.to_jsonb(a)->>'attstattarget',
                    'storage', NULLIF(a.attstorage, ty.typstorage),
                    -- PostgreSQL 14 and later
                    'compression', NULLIF(pg_catalog.to_jsonb(a)->>'attcompression', ''))
                    ORDER BY a.attnum), '[]')
                  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
    'indexes', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'name', ic.relname,
                    'definition', x.d,
                    -- exactly the index rfm._tier_build makes, under any name
                    -- (a WHERE follows WITH: a partial index is the user's)
                    'made_by_rfm', (x.d = x.e OR x.d LIKE x.e || ' WITH (%') AND i.indpred IS NULL AND i.indisvalid,
                    -- false: left invalid by a CREATE INDEX CONCURRENTLY that failed
                    'valid', i.indisvalid,
                    'options', ic.reloptions,
                    'tablespace', (SELECT s.spcname FROM pg_catalog.pg_tablespace s WHERE s.oid = ic.reltablespace),
                    'comment', pg_catalog.obj_description(ic.oid, 'pg_class'),
                    'clustered', i.indisclustered,
                    -- [column number, target] of expression columns given a
                    -- statistics target (ALTER INDEX ... ALTER COLUMN n SET STATISTICS)
                    'column_statistics', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(
                                                     a.attnum, (pg_catalog.to_jsonb(a)->>'attstattarget')::integer)
                                                 ORDER BY a.attnum)
                                            FROM pg_catalog.pg_attribute a
                                           WHERE a.attrelid = i.indexrelid
                                             AND COALESCE(pg_catalog.to_jsonb(a)->>'attstattarget', '-1') <> '-1'))
                    ORDER BY ic.relname), '[]')
                  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                 CROSS JOIN LATERAL (
                       SELECT pg_catalog.pg_get_indexdef(i.indexrelid) AS d,
                              pg_catalog.format('CREATE UNIQUE INDEX %I ON %I.%I USING btree (customer_id)',
                                                ic.relname, n.nspname, c.relname) AS e
                         FROM pg_catalog.pg_namespace n WHERE n.oid = c.relnamespace) AS x
                 WHERE i.indrelid = c.oid),
    'statistics', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'name', pg_catalog.format('%I.%I', n.nspname, x.stxname),
                    'definition', pg_catalog.pg_get_statisticsobjdef(x.oid),
                    'owner', pg_catalog.pg_get_userbyid(x.stxowner),
                    'target', pg_catalog.to_jsonb(x)->>'stxstattarget',
                    'comment', pg_catalog.obj_description(x.oid, 'pg_statistic_ext'))), '[]')
                  FROM pg_catalog.pg_statistic_ext x
                  JOIN pg_catalog.pg_namespace n ON n.oid = x.stxnamespace
                 WHERE x.stxrelid = c.oid))
  FROM pg_catalog.pg_class c
 WHERE c.oid = rel $$;

-- A jsonb array of 'name=value' storage options (rfm._tier_capture) as
-- the list inside WITH ( ... ) / SET ( ... ), every part quoted.
CREATE FUNCTION rfm._tier_options_list(options jsonb)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
SELECT pg_catalog.string_agg(
         (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.')
            FROM pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.split_part(o, '=', 1), '.')) AS p)
         || ' = ' || pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)), ', ')
  FROM pg_catalog.jsonb_array_elements_text(options) AS o $$;

-- A jsonb array of aclitem texts (rfm._tier_capture) as aclitem[].
CREATE FUNCTION rfm._tier_acl(items jsonb)
    RETURNS aclitem[]
    LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN pg_catalog.jsonb_typeof(items) = 'array'
                      THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(items))::aclitem[] END $$;

-- A grantee of an aclitem as GRANT / REVOKE name it (0: PUBLIC).
CREATE FUNCTION rfm._tier_grantee(grantee oid)
    RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN grantee = 0 THEN 'PUBLIC'
                      ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantee)) END $$;

-- GRANT statements giving these privileges on rel (or on its column),
-- each with the role that gave it.
CREATE FUNCTION rfm._tier_grants(rel regclass, column_name text, acl aclitem[])
    RETURNS TABLE (grantor oid, grantee text, privilege text, stmt text)
    LANGUAGE sql STABLE
    AS $$
SELECT a.grantor, rfm._tier_grantee(a.grantee), a.privilege_type,
       pg_catalog.format('GRANT %s%s ON TABLE %s TO %s%s', a.privilege_type,
                         CASE WHEN column_name IS NOT NULL THEN pg_catalog.format(' (%I)', column_name) ELSE '' END,
                         rel,
                         rfm._tier_grantee(a.grantee),
                         CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
  FROM pg_catalog.aclexplode(acl) AS a
 WHERE a.privilege_type ~ '^[A-Z]+$' $$;

-- Make these grants on rel (or on its column) again, each by the role
-- that made it, so that a REVOKE ... CASCADE of that role's grant option
-- still takes them away.  The owner's are made by the caller (PostgreSQL
-- records a grant by the owner, a member of it or a superuser as the
-- owner's); another role's under SET ROLE to it once it holds the grant
-- option on the new object again (in rounds: grant options pass down
-- chains).  One the caller cannot make as its grantor (not allowed to SET
-- ROLE to it, as PostgreSQL decides, or the grantor has lost USAGE on the
-- schema) is made by the owner, with a NOTICE that names shown_as (the
-- table or view rel replaces).
CREATE FUNCTION rfm._tier_regrant(rel regclass, column_name text, acl aclitem[], shown_as text)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    owner    oid := (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = rel);
    role_now text := pg_catalog.current_setting('role');
    grantors oid[];
    grantees text[];
    privs    text[];
    stmts    text[];
    done     boolean[];
    progress boolean := true;
    may      boolean;
BEGIN
    SELECT pg_catalog.array_agg(g.grantor), pg_catalog.array_agg(g.grantee),
           pg_catalog.array_agg(g.privilege), pg_catalog.array_agg(g.stmt)
      INTO grantors, grantees, privs, stmts
      FROM rfm._tier_grants(rel, column_name, acl) AS g;
    IF grantors IS NULL THEN
        RETURN;
    END IF;
    done := pg_catalog.array_fill(false, ARRAY[pg_catalog.cardinality(grantors)]);
    WHILE progress LOOP
        progress := false;
        FOR i IN 1 .. pg_catalog.cardinality(grantors) LOOP
            CONTINUE WHEN done[i];
            IF grantors[i] = owner THEN
                EXECUTE stmts[i];
            ELSE
                may := CASE WHEN column_name IS NULL
                            THEN pg_catalog.has_table_privilege(grantors[i], rel, privs[i] || ' WITH GRANT OPTION')
                            ELSE pg_catalog.has_column_privilege(grantors[i], rel, column_name,
                                                                 privs[i] || ' WITH GRANT OPTION') END;
                CONTINUE WHEN NOT may;
                BEGIN
                    PERFORM pg_catalog.set_config('role', pg_catalog.pg_get_userbyid(grantors[i]), true);
                    EXECUTE stmts[i];
                    PERFORM pg_catalog.set_config('role', role_now, true);
                EXCEPTION WHEN insufficient_privilege THEN
                    -- the caller may not become that role, or that role
                    -- may no longer look in the schema: the role is back
                    -- to the caller's with the subtransaction, and the
                    -- owner gives it below
                    CONTINUE;
                END;
            END IF;
            done[i] := true;
            progress := true;
        END LOOP;
    END LOOP;
    FOR i IN 1 .. pg_catalog.cardinality(grantors) LOOP
        CONTINUE WHEN done[i];
        RAISE NOTICE 'rfm.alter_tiers: % on % to %, which % granted, is now granted by the owner, % (you may not SET ROLE to %, or it may not use the schema)',
                     privs[i] || CASE WHEN column_name IS NOT NULL
                                      THEN pg_catalog.format(' (%I)', column_name) ELSE '' END,
                     shown_as, grantees[i], pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantors[i])),
                     pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(owner)),
                     pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantors[i]));
        EXECUTE stmts[i];
    END LOOP;
END $$;

-- Give rel what rfm._tier_capture kept of the one it replaces, except its
-- indexes and statistics (rfm._tier_restore_indexes, once the old table
-- and their names are gone).  kind: MATERIALIZED VIEW or VIEW.
CREATE FUNCTION rfm._tier_restore(rel regclass, kind text, kept jsonb, shown_as text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    col   jsonb;
    stmt  text;
    owner oid;
    default_acl boolean;            -- both the old and the new one have the default privileges
BEGIN
    shown_as := COALESCE(shown_as, rel::text);     -- the name a NOTICE gives
    EXECUTE pg_catalog.format('ALTER %s %s OWNER TO %I', kind, rel, kept->>'owner');
    -- Exactly the old privileges: first take away what the new one got
    -- (the owner's defaults, ALTER DEFAULT PRIVILEGES of whoever made it).
    SELECT c.relowner, c.relacl IS NULL INTO owner, default_acl FROM pg_catalog.pg_class c WHERE c.oid = rel;
    default_acl := default_acl AND pg_catalog.jsonb_typeof(kept->'acl') IS DISTINCT FROM 'array';
    FOR stmt IN
        SELECT DISTINCT pg_catalog.format('REVOKE ALL ON TABLE %s FROM %s', rel,
                   rfm._tier_grantee(a.grantee))
          FROM pg_catalog.pg_class c
         CROSS JOIN LATERAL pg_catalog.aclexplode(COALESCE(c.relacl, pg_catalog.acldefault('r', c.relowner))) AS a
         WHERE c.oid = rel AND NOT default_acl
    LOOP
        EXECUTE stmt;
    END LOOP;
    IF NOT default_acl THEN
        PERFORM rfm._tier_regrant(rel, NULL, COALESCE(rfm._tier_acl(kept->'acl'), pg_catalog.acldefault('r', owner)),
                                  shown_as);
    END IF;
    -- the comment as it was, also none where the user removed rfm's
    -- (rfm._tier_build puts rfm's on everything it makes)
    IF kept ? 'comment' THEN
        EXECUTE pg_catalog.format('COMMENT ON %s %s IS %L', kind, rel, kept->>'comment');
    END IF;
    -- a table gets its storage options when it is made (rfm._tier_build's storage)
    IF kind = 'VIEW' AND kept ? 'options' THEN
        -- exactly the old options: a security_invoker the user reset stays reset
        FOR stmt IN SELECT pg_catalog.format('ALTER VIEW %s RESET (%I)', rel, pg_catalog.split_part(o, '=', 1))
                      FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.unnest(c.reloptions) AS o
                     WHERE c.oid = rel
        LOOP
            EXECUTE stmt;
        END LOOP;
        IF pg_catalog.jsonb_typeof(kept->'options') = 'array' THEN
            EXECUTE pg_catalog.format('ALTER VIEW %s SET (%s)', rel, rfm._tier_options_list(kept->'options'));
        END IF;
    END IF;
    FOR col IN SELECT pg_catalog.jsonb_array_elements(kept->'columns')
    LOOP
        -- a column the new table no longer has (clv turned off) is gone
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                                   WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
                                     AND a.attname = col->>'name');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', rel, col->>'name',
                                  col->>'comment');
        PERFORM rfm._tier_regrant(rel, col->>'name', rfm._tier_acl(col->'acl'), shown_as);
        CONTINUE WHEN kind = 'VIEW';
        IF COALESCE(col->>'statistics', '-1') <> '-1' THEN
            EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s ALTER COLUMN %I SET STATISTICS %s', rel,
                                      col->>'name',
                                      (col->>'statistics')::integer);
        END IF;
        IF pg_catalog.jsonb_typeof(col->'options') = 'array' THEN
            EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s ALTER COLUMN %I SET (%s)', rel,
                                      col->>'name',
                                      rfm._tier_options_list(col->'options'));
        END IF;
        IF col->>'storage' IS NOT NULL THEN
            EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s ALTER COLUMN %I SET STORAGE %s', rel,
                                      col->>'name',
                                      CASE col->>'storage'
                                          WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL'
                                          WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END);
        END IF;
        IF col->>'compression' IN ('p', 'l') THEN
            EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s ALTER COLUMN %I SET COMPRESSION %s', rel,
                                      col->>'name',
                                      CASE col->>'compression' WHEN 'p' THEN 'pglz' ELSE 'lz4' END);
        END IF;
    END LOOP;
END $$;

-- The old table's indexes and extended statistics on the new one, after
-- the old is dropped (their names are free again).  The unique index
-- rfm._tier_build made takes the name of the old one rfm made.
CREATE FUNCTION rfm._tier_restore_indexes(rel regclass, made_index regclass, kept jsonb)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    nsp  text;
    idx  jsonb;
    st   jsonb;
    name text;
    ours boolean := false;
BEGIN
    SELECT n.nspname INTO nsp
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel;
    FOR idx IN SELECT pg_catalog.jsonb_array_elements(kept->'indexes')
    LOOP
        name := pg_catalog.format('%I.%I', nsp, idx->>'name');
        IF NOT COALESCE((idx->>'valid')::boolean, true) THEN
            -- it never worked (PostgreSQL neither uses nor checks it), and
            -- made again it could fail the alter, a unique one on duplicates
            RAISE NOTICE 'rfm.alter_tiers: index % was invalid (left by a CREATE INDEX CONCURRENTLY that failed) and is not made again', name
                USING HINT = pg_catalog.format('Make it again on the new tier table if you want it: %s', idx->>'definition');
            CONTINUE;
        END IF;
        IF (idx->>'made_by_rfm')::boolean AND NOT ours THEN
            EXECUTE pg_catalog.format('ALTER INDEX %s RENAME TO %I', made_index, idx->>'name');
            ours := true;
            IF pg_catalog.jsonb_typeof(idx->'options') = 'array' THEN
                EXECUTE pg_catalog.format('ALTER INDEX %s SET (%s)', name, rfm._tier_options_list(idx->'options'));
            END IF;
        ELSE
            BEGIN
                EXECUTE idx->>'definition';
            EXCEPTION WHEN undefined_column THEN
                RAISE EXCEPTION 'rfm.alter_tiers: index % uses a column the new tier table does not have', name
                    USING ERRCODE = 'dependent_objects_still_exist',
                          HINT = 'Turning clv off removes the CLV columns: drop the index, alter, then make it again.';
            END;
        END IF;
        IF idx->>'tablespace' IS NOT NULL THEN
            EXECUTE pg_catalog.format('ALTER INDEX %s SET TABLESPACE %I', name, idx->>'tablespace');
        END IF;
        IF idx->>'comment' IS NOT NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON INDEX %s IS %L', name, idx->>'comment');
        END IF;
        IF pg_catalog.jsonb_typeof(idx->'column_statistics') = 'array' THEN
            FOR st IN SELECT pg_catalog.jsonb_array_elements(idx->'column_statistics')
            LOOP
                EXECUTE pg_catalog.format('ALTER INDEX %s ALTER COLUMN %s SET STATISTICS %s', name,
                                          (st->>0)::integer, (st->>1)::integer);
            END LOOP;
        END IF;
        IF (idx->>'clustered')::boolean THEN
            EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s CLUSTER ON %I', rel, idx->>'name');
        END IF;
    END LOOP;
    IF NOT ours THEN
        -- The old table had no such index: a unique index of the user's took
        -- its place (then it is enough if a refresh can use it: on
        -- customer_id alone, without WHERE or expression), or it was
        -- dropped (the new one gets the usual name).
        name := (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = rel) || '_customer_id_idx';
        IF EXISTS (SELECT FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a
                            ON a.attrelid = i.indrelid AND a.attname = 'customer_id'
                    WHERE i.indrelid = rel AND i.indisunique AND i.indexrelid <> made_index
                      AND i.indpred IS NULL AND i.indexprs IS NULL
                      AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum) THEN
            EXECUTE pg_catalog.format('DROP INDEX %s', made_index);
        ELSIF pg_catalog.octet_length(name) <= 63
              AND pg_catalog.to_regclass(pg_catalog.format('%I.%I', nsp, name)) IS NULL THEN
            EXECUTE pg_catalog.format('ALTER INDEX %s RENAME TO %I', made_index, name);
        END IF;
    END IF;
    FOR st IN SELECT pg_catalog.jsonb_array_elements(kept->'statistics')
    LOOP
        BEGIN
            EXECUTE st->>'definition';
        EXCEPTION WHEN undefined_column THEN
            RAISE EXCEPTION 'rfm.alter_tiers: statistics object % uses a column the new tier table does not have',
                            st->>'name'
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Turning clv off removes the CLV columns: drop the statistics object, alter, then make it again.';
        END;
        EXECUTE pg_catalog.format('ALTER STATISTICS %s OWNER TO %I', st->>'name',
                                  st->>'owner');
        IF COALESCE(st->>'target', '-1') <> '-1' THEN
            EXECUTE pg_catalog.format('ALTER STATISTICS %s SET STATISTICS %s', st->>'name',
                                      (st->>'target')::integer);
        END IF;
        IF st->>'comment' IS NOT NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON STATISTICS %s IS %L', st->>'name',
                                      st->>'comment');
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION rfm.alter_tiers(tier regclass, options jsonb)
    RETURNS regclass
    LANGUAGE plpgsql
    AS $$
DECLARE
    started  timestamptz := pg_catalog.clock_timestamp();
    entry    rfm.tier_tables := rfm._tier_entry(tier);
    wanted   rfm.tier_tables;
    changes  text;
    nsp      text;
    rel      text;
    owner_id oid;
    scratch  text;
    kept     jsonb;
    kept_segments jsonb;
    kept_grid jsonb;
    storage  text;
    built    record;
    made_index regclass;
    history  regclass;
    detail   text;
    segments_nsp text;
    grid_nsp text;
    view_oid oid;
    view_owner oid;
    added    text[];
BEGIN
    wanted := rfm._tier_alter_options(entry, options);
    changes := pg_catalog.concat_ws(', ',
        CASE WHEN wanted.bins <> entry.bins THEN pg_catalog.format('bins %s -> %s', entry.bins, wanted.bins) END,
        CASE WHEN wanted.scheme <> entry.scheme THEN pg_catalog.format('scheme %s -> %s', entry.scheme, wanted.scheme) END,
        CASE WHEN wanted.as_of IS DISTINCT FROM entry.as_of
             THEN pg_catalog.format('as_of %s -> %s', COALESCE(entry.as_of::text, 'refresh day'),
                                    COALESCE(wanted.as_of::text, 'refresh day')) END,
        CASE WHEN wanted.lifecycle_days <> entry.lifecycle_days
             THEN pg_catalog.format('lifecycle_days %s -> %s', entry.lifecycle_days, wanted.lifecycle_days) END,
        CASE WHEN wanted.lang_zh <> entry.lang_zh THEN pg_catalog.format('lang_zh %s -> %s', entry.lang_zh, wanted.lang_zh) END,
        CASE WHEN wanted.clv <> entry.clv THEN pg_catalog.format('clv %s -> %s', entry.clv, wanted.clv) END,
        CASE WHEN wanted.keep_history <> entry.keep_history
             THEN pg_catalog.format('keep_history %s -> %s', entry.keep_history, wanted.keep_history) END);
    IF changes = '' THEN
        RETURN entry.tier;                      -- nothing to change, nothing done
    END IF;
    -- a history table dropped by hand: only keep_history off goes on
    IF wanted.keep_history AND entry.history_table IS NOT NULL THEN
        PERFORM rfm._tier_check_history_exists(entry.tier, entry.history_table, 'rfm.alter_tiers');
    END IF;

    SELECT n.nspname, c.relname, c.relowner INTO nsp, rel, owner_id
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = entry.tier;
    IF NOT pg_catalog.pg_has_role(owner_id, 'USAGE') THEN
        RAISE EXCEPTION 'rfm.alter_tiers: must be the owner of %', entry.tier
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM rfm._tier_lock_or_fail(entry.id, 'rfm.alter_tiers: ', entry.tier::pg_catalog.text);
    -- A refresh that starts now waits for this alter (rfm.refresh_tiers),
    -- then refreshes the new table.
    PERFORM FROM rfm.tier_tables t WHERE t.id OPERATOR(pg_catalog.=) entry.id AND t.tier IS NOT NULL FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        -- dropped by hand (DROP ... CASCADE) while this alter waited for the row
        RAISE EXCEPTION 'rfm.alter_tiers: % was dropped while this alter waited for it', tier
            USING ERRCODE = 'undefined_object';
    END IF;
    -- (checked with the locks held, which a refresh starting now waits for)
    PERFORM rfm._tier_require_own_views(entry, 'rfm.alter_tiers');
    IF NOT rfm._plans_plainly(entry.tier) THEN
        PERFORM rfm._tier_require_owner(entry.tier, 'alter it while it has indexes or statistics whose expressions or WHERE clauses use functions, operators or types of a role that is not a superuser',
            'Alter it as its owner, or drop those indexes and statistics.');
    END IF;
    -- The source before the tier table and its views, in the order
    -- rfm.refresh_tiers takes them: a transaction that rewrote or locked
    -- the source (TRUNCATE and reload) and then read the tier table
    -- deadlocked with an alter that held the tier table (40P01).
    PERFORM rfm._tier_lock_source(entry.source);
    -- Readers wait from here to the end of the transaction.  Locked in the
    -- order readers take them, so that none deadlocks with the alter (a
    -- reader of the _segments view held it and waited for the tier table,
    -- then the alter's DROP VIEW waited for the reader: 40P01): the views
    -- first, the history table when clv adds columns to it (a reader that
    -- joins it to the tier table with the history first), the tier table
    -- last.  Giving each to its own owner takes ACCESS EXCLUSIVE and changes
    -- nothing (LOCK TABLE refuses materialized views, and on a view it would
    -- lock the tier table at once).
    FOR view_oid, view_owner IN
        SELECT c.oid, c.relowner FROM pg_catalog.pg_class c
         WHERE c.oid OPERATOR(pg_catalog.=) ANY (ARRAY[entry.segments_view, entry.grid_view]::pg_catalog.oid[])
         ORDER BY c.oid
    LOOP
        EXECUTE pg_catalog.format('ALTER VIEW %s OWNER TO %I', view_oid::pg_catalog.regclass,
                                  pg_catalog.pg_get_userbyid(view_owner));
    END LOOP;
    IF wanted.clv AND NOT entry.clv AND wanted.keep_history
       AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) entry.history_table) THEN
        EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', entry.history_table);
    END IF;
    EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s OWNER TO %I', entry.tier,
                              pg_catalog.pg_get_userbyid(owner_id));
    -- The caller's default tablespace must not move anything.
    PERFORM pg_catalog.set_config('default_tablespace', '', true);
    -- The source and the new options, checked before any change.
    PERFORM rfm._tier_query(entry.source, entry.customer_column, entry.time_column, entry.amount_column,
                            entry.customer_type, wanted.bins, wanted.scheme,
                            COALESCE(wanted.as_of, CURRENT_DATE), wanted.clv, wanted.lifecycle_days, wanted.lang_zh);

    kept := rfm._tier_capture(entry.tier);
    -- views moved to another schema than the tier table's go back there
    segments_nsp := (SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                      WHERE c.oid = entry.segments_view);
    grid_nsp := (SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = entry.grid_view);
    kept_segments := COALESCE(rfm._tier_capture(entry.segments_view),
                              pg_catalog.jsonb_build_object('owner', kept->>'owner'));
    kept_grid := COALESCE(rfm._tier_capture(entry.grid_view),
                          pg_catalog.jsonb_build_object('owner', kept->>'owner'));
    IF (kept_segments->>'view_extras')::boolean OR (kept_grid->>'view_extras')::boolean THEN
        RAISE EXCEPTION 'rfm.alter_tiers: the views of % have triggers, rules or column defaults of yours', entry.tier
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'rfm.alter_tiers makes the views again and cannot carry those over: drop them, alter, then make them again.';
    END IF;
    IF (kept->>'security_labels')::boolean
       OR (kept_segments->>'security_labels')::boolean
       OR (kept_grid->>'security_labels')::boolean THEN
        RAISE EXCEPTION 'rfm.alter_tiers: % or its views have security labels, which rfm.alter_tiers cannot carry over',
                        entry.tier
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Remove the labels (SECURITY LABEL ... IS NULL), alter, then label the new table.';
    END IF;

    -- The new table and views under a scratch name, with the old ones' storage.
    scratch := 'rfm_alter_' || entry.id;
    -- (a type under the name would be taken too: a view makes one)
    IF rfm._name_taken(pg_catalog.format('%I.%I', nsp, scratch))
       OR rfm._name_taken(pg_catalog.format('%I.%I', nsp, scratch || '_segments'))
       OR rfm._name_taken(pg_catalog.format('%I.%I', nsp, scratch || '_grid'))
       OR pg_catalog.to_regclass(pg_catalog.format('%I.%I', nsp, scratch || '_customer_id_idx')) IS NOT NULL THEN
        RAISE EXCEPTION 'rfm.alter_tiers: the scratch name %.% (or its _segments, _grid or _customer_id_idx) is taken',
                        pg_catalog.quote_ident(nsp), pg_catalog.quote_ident(scratch)
            USING ERRCODE = 'duplicate_table',
                  HINT = 'rfm.alter_tiers builds the new tier table under that name first: rename or drop what holds it.';
    END IF;
    storage := pg_catalog.format(' USING %I', kept->>'access_method')
            || CASE WHEN pg_catalog.jsonb_typeof(kept->'options') = 'array'
                    THEN pg_catalog.format(' WITH (%s)', rfm._tier_options_list(kept->'options'))
                    ELSE '' END
            || CASE WHEN kept->>'tablespace' IS NOT NULL
                    THEN pg_catalog.format(' TABLESPACE %I', kept->>'tablespace')
                    ELSE '' END;
    -- An incremental table's states first take in the orders that came
    -- since its last refresh, so that its rows are those of a new build.
    IF entry.state_name IS NOT NULL THEN
        PERFORM rfm._tier_require_owner(entry.tier, 'fold new orders into its customer states',
            'The fold reads the source with the rights of whoever runs it: alter as the owner of the tier table.');
        PERFORM rfm._customer_state_refresh(entry.state_name, 'rfm.alter_tiers');
    END IF;
    -- columns renamed by hand would come back under rfm's names, without
    -- their grants and comments (the views' are compared with the new
    -- ones below, once built)
    PERFORM rfm._tier_check_column_names(entry.tier, rfm._tier_column_names(wanted.clv), 'rfm.alter_tiers');
    -- made again in its schema, as its owner: a clear error, not CREATE's
    -- with the whole statement
    IF NOT pg_catalog.has_schema_privilege(kept->>'owner', nsp, 'CREATE') THEN
        RAISE EXCEPTION 'rfm.alter_tiers: the owner of % (%) needs CREATE on schema %', entry.tier, kept->>'owner',
                        pg_catalog.quote_ident(nsp)
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'rfm.alter_tiers makes the tier table again in its schema: GRANT CREATE ON SCHEMA to its owner for the alter.';
    END IF;
    -- Filled as its owner (as REFRESH would), whoever runs the alter.
    built := rfm._tier_build(pg_catalog.format('%I.%I', nsp, scratch), entry.source, entry.customer_column,
                             entry.time_column, entry.amount_column, entry.customer_type, wanted.bins,
                             wanted.scheme, wanted.as_of, wanted.clv, entry.state_name, storage,
                             kept->>'owner', entry.time_zone, wanted.lifecycle_days, wanted.lang_zh);
    SELECT i.indexrelid INTO made_index FROM pg_catalog.pg_index i WHERE i.indrelid = built.tier;
    -- columns renamed by hand would come back under rfm's names, without
    -- their grants and comments
    -- (a _segments view made before 2026-12-07 has no segment_priority,
    -- its third column: customers follows segment_zh there)
    PERFORM rfm._tier_check_column_names(entry.segments_view,
        CASE WHEN NOT 'segment_priority' = ANY (rfm._column_names(entry.segments_view))
                  AND (rfm._column_names(entry.segments_view))[3] = 'customers'
             THEN pg_catalog.array_remove(rfm._column_names(built.segments_view), 'segment_priority')
             ELSE rfm._column_names(built.segments_view) END, 'rfm.alter_tiers');
    PERFORM rfm._tier_check_column_names(entry.grid_view, rfm._column_names(built.grid_view), 'rfm.alter_tiers');
    PERFORM rfm._tier_restore(built.tier, 'MATERIALIZED VIEW', kept, entry.tier::text);
    PERFORM rfm._tier_restore(built.segments_view, 'VIEW', kept_segments, entry.segments_view::text);
    PERFORM rfm._tier_restore(built.grid_view, 'VIEW', kept_grid, entry.grid_view::text);

    -- Registered while the old table still exists: the catalog's row-level
    -- security checks ownership through the table's oid, old and new.
    UPDATE rfm.tier_tables t
       SET tier = built.tier, bins = wanted.bins, scheme = wanted.scheme, lifecycle_days = wanted.lifecycle_days,
           lang_zh = wanted.lang_zh,
           as_of = wanted.as_of,
           clv = wanted.clv, keep_history = wanted.keep_history,
           history_table = CASE WHEN wanted.keep_history THEN t.history_table END,
           segments_view = built.segments_view, grid_view = built.grid_view
     WHERE t.id = entry.id;
    UPDATE rfm.refresh_log l SET tier = built.tier WHERE l.tier_id = entry.id;

    -- A plain DROP: what the user built on the old ones makes it fail.
    BEGIN
        PERFORM rfm._drop_if_exists(entry.segments_view, 'VIEW');
        PERFORM rfm._drop_if_exists(entry.grid_view, 'VIEW');
        EXECUTE pg_catalog.format('DROP MATERIALIZED VIEW %s', entry.tier);
    EXCEPTION WHEN dependent_objects_still_exist THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'rfm.alter_tiers: other objects depend on % or its views', entry.tier
            USING ERRCODE = 'dependent_objects_still_exist', DETAIL = detail,
                  HINT = 'rfm.alter_tiers makes the tier table again and never drops your objects: drop them, alter, then make them again.';
    END;
    EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s RENAME TO %I', built.tier, rel);
    -- the views under the names they had (renamed or not)
    EXECUTE pg_catalog.format('ALTER VIEW %s RENAME TO %I', built.segments_view,
                              COALESCE(kept_segments->>'name', rel || '_segments'));
    EXECUTE pg_catalog.format('ALTER VIEW %s RENAME TO %I', built.grid_view,
                              COALESCE(kept_grid->>'name', rel || '_grid'));
    IF segments_nsp IS DISTINCT FROM nsp AND segments_nsp IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER VIEW %s SET SCHEMA %I', built.segments_view, segments_nsp);
    END IF;
    IF grid_nsp IS DISTINCT FROM nsp AND grid_nsp IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER VIEW %s SET SCHEMA %I', built.grid_view, grid_nsp);
    END IF;
    PERFORM rfm._tier_restore_indexes(built.tier, made_index, kept);

    -- History: made when turned on; left in place, no longer written, when
    -- turned off; CLV columns added when clv is turned on.
    history := CASE WHEN wanted.keep_history THEN entry.history_table END;
    IF wanted.keep_history AND history IS NULL THEN
        -- a tier table renamed to a long name: PostgreSQL would cut the
        -- history's name back (to the tier table's own, say)
        IF pg_catalog.octet_length(rel || '_history') > 63 THEN
            RAISE EXCEPTION 'rfm.alter_tiers: the history table name %_history is too long', rel
                USING ERRCODE = 'name_too_long',
                      HINT = 'Rename the tier table to at most 55 bytes first.';
        END IF;
        PERFORM rfm._tier_check_history_name('rfm.alter_tiers', pg_catalog.format('%I.%I', nsp, rel || '_history'),
            'keep_history makes a new history table under that name: rename or drop the old one (an earlier keep_history left it in place).');
        history := rfm._tier_create_history(built.tier, wanted.clv);
        -- the owner's, with the owner's privileges only (not the caller's defaults)
        PERFORM rfm._tier_restore(history, 'TABLE', pg_catalog.jsonb_build_object('owner', kept->>'owner'));
        UPDATE rfm.tier_tables t SET history_table = history WHERE t.id = entry.id;
    -- (clv on again: the columns an earlier clv left are used as they are,
    -- without ADD COLUMN IF NOT EXISTS's NOTICE for each)
    ELSIF history IS NOT NULL AND wanted.clv AND NOT entry.clv
          AND NOT rfm._column_names(history) OPERATOR(pg_catalog.@>)
              ARRAY['historical_clv', 'p_alive', 'expected_purchases', 'expected_spend', 'predicted_clv'] THEN
        added := ARRAY(SELECT n.col FROM pg_catalog.unnest(pg_catalog.string_to_array(rfm._tier_clv_columns('', false), ', ')) AS n(col)
                        WHERE n.col <> ALL (rfm._column_names(history)));
        EXECUTE pg_catalog.format('ALTER TABLE %s %s', history,
                                  rfm._tier_clv_columns('ADD COLUMN IF NOT EXISTS ', true));
        -- described as in a history made with clv
        FOR i IN 1 .. pg_catalog.cardinality(added) LOOP
            EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', history, added[i],
                                      rfm._tier_column_comment('history', added[i]));
        END LOOP;
    END IF;
    IF entry.keep_history AND NOT wanted.keep_history AND entry.history_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) entry.history_table) THEN
        RAISE NOTICE 'rfm.alter_tiers: % keeps its snapshots but is no longer written', entry.history_table;
    END IF;
    IF wanted.keep_history THEN
        PERFORM rfm._tier_snapshot(built.tier, history, wanted.clv, rfm._tier_day(wanted.as_of, entry.state_name, entry.time_zone));
    END IF;

    INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, finished_at, as_of, row_count, outcome,
                                 message)
    VALUES (entry.id, built.tier, 'alter', started, pg_catalog.clock_timestamp(),
            rfm._tier_day(wanted.as_of, entry.state_name, entry.time_zone), built.row_total, 'succeeded',
            pg_catalog.concat_ws('; ', changes, built.grouped_note,
                                 CASE WHEN wanted.clv THEN rfm._tier_model_note(built.tier) END));
    PERFORM rfm._tier_build_notices('rfm.alter_tiers', wanted.as_of, entry.time_zone,
                                    rfm._tier_day(wanted.as_of, entry.state_name, entry.time_zone), built.row_total);
    RETURN built.tier;
END $$;
COMMENT ON FUNCTION rfm.alter_tiers(regclass, jsonb) IS
    'Change a tier table''s bins, scheme, as_of, clv, keep_history, lifecycle thresholds or lang_zh: made again under the same name in one transaction, with its privileges, comments, storage, indexes and statistics kept';
