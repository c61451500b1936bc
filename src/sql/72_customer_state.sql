-- Incremental refresh (README, "Performance"): per-customer states kept in
-- a table, and a refresh that folds in only the orders whose watermark
-- column is above the last one seen.  Updates or deletes of orders already
-- folded in are not seen: rebuild then (rfm.customer_state_rebuild).

CREATE TABLE rfm.customer_state_sources (
    state_name       text PRIMARY KEY,
    source           regclass NOT NULL,
    customer_column  text NOT NULL,
    time_column      text NOT NULL,
    amount_column    text NOT NULL,
    watermark_column text NOT NULL,
    watermark        text,          -- the largest watermark folded in (as text), NULL: none yet
    watermark_type   text,          -- the column's type then (schema-qualified unless pg_catalog's): the text is compared as one
    refreshed_at     timestamptz,
    owner            name NOT NULL DEFAULT CURRENT_USER, -- who may fold orders into it
    -- a timestamp's day is its calendar day here, whoever folds it in
    time_zone        text NOT NULL DEFAULT pg_catalog.current_setting('TimeZone')
);
COMMENT ON TABLE rfm.customer_state_sources IS
    'Incremental customer states: source, columns and watermark of each (rfm.customer_state_create)';

-- fillfactor: refreshes update rows in place (HOT), the key never changes.
-- state_name names a row of rfm.customer_state_sources, kept so by the
-- triggers below rather than by a foreign key: pg_restore -j loads the
-- data of two extension tables at once, in separate sessions, and a
-- foreign key between them failed the states' COPY (every state lost).
CREATE TABLE rfm.customer_states (
    state_name     text NOT NULL,
    customer       text COLLATE "C" NOT NULL,
    first_purchase date,
    last_purchase  date,
    frequency      bigint NOT NULL,
    monetary       numeric NOT NULL,
    PRIMARY KEY (state_name, customer)
) WITH (fillfactor = 70);
COMMENT ON TABLE rfm.customer_states IS
    'Per-customer states (purchase days, rows, net amount) of each incremental customer state';

-- A role sees and changes only the states of roles whose rights it has
-- (their rows too; the state of a dropped or renamed role: only
-- superusers, README "Privileges"); only the owner itself folds orders in
-- (rfm._customer_state_fold: the source's code runs as whoever folds).
-- rfm's C writers and readers of rfm.customer_states honour this policy by
-- the owner check of the function that calls them (src/fast_scan.c).
ALTER TABLE rfm.customer_state_sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY customer_state_sources_owner ON rfm.customer_state_sources
    USING (rfm._has_rights_of(owner)) WITH CHECK (rfm._has_rights_of(owner));
ALTER TABLE rfm.customer_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY customer_states_owner ON rfm.customer_states
    USING (EXISTS (SELECT FROM rfm.customer_state_sources s WHERE s.state_name = customer_states.state_name))
    WITH CHECK (EXISTS (SELECT FROM rfm.customer_state_sources s WHERE s.state_name = customer_states.state_name));

-- The state of a tier table with watermark_column is named 'rfm tier <its
-- rfm.tier_tables id>'.  Such a name is reserved: a role may take it only
-- for the id rfm.tier_tables_id_seq last gave its own session (as
-- rfm.create_tiers does just before), so no one can take the name of a
-- tier table another role is about to create.  (Row-level security hides
-- the state, so the other role's build would fail on the primary key.)
-- Superusers and roles that bypass row-level security pass: pg_restore.
CREATE FUNCTION rfm._customer_state_sources_check_name()
    RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF pg_catalog.left(NEW.state_name, 9) OPERATOR(pg_catalog.<>) 'rfm tier '
       OR TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.state_name OPERATOR(pg_catalog.=) OLD.state_name
       OR rfm._caller_bypasses_rls() THEN
        RETURN NEW;
    END IF;
    -- no id issued yet: NULL, refused as well
    IF NEW.state_name IS DISTINCT FROM ('rfm tier ' OPERATOR(pg_catalog.||) rfm._tier_id_issued()::pg_catalog.text) THEN
        RAISE EXCEPTION 'rfm: customer state names beginning with ''rfm tier '' are reserved for the states of tier tables, not %',
                        pg_catalog.quote_literal(NEW.state_name)
            USING ERRCODE = 'reserved_name',
                  HINT = 'rfm.create_tiers(..., watermark_column => ...) makes them; choose another name.';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER customer_state_sources_check_name BEFORE INSERT OR UPDATE OF state_name ON rfm.customer_state_sources
    FOR EACH ROW EXECUTE FUNCTION rfm._customer_state_sources_check_name();

-- What the foreign key did: ON DELETE CASCADE, and no rename or TRUNCATE
-- while states use the name.  BEFORE the row changes, as whoever changes
-- it (no SECURITY DEFINER): the source row still shows its states to that
-- role under row-level security.  Only values are used, no text of the
-- caller's is run.
CREATE FUNCTION rfm._customer_state_sources_cascade()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        DELETE FROM rfm.customer_states c WHERE c.state_name OPERATOR(pg_catalog.=) OLD.state_name;
        RETURN OLD;
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF NEW.state_name OPERATOR(pg_catalog.<>) OLD.state_name
           AND EXISTS (SELECT FROM rfm.customer_states c WHERE c.state_name OPERATOR(pg_catalog.=) OLD.state_name) THEN
            RAISE EXCEPTION 'rfm: customer state % cannot be renamed while it has rows in rfm.customer_states',
                            pg_catalog.quote_literal(OLD.state_name)
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Make a state of the new name with rfm.customer_state_create and drop the old one.';
        END IF;
        RETURN NEW;
    ELSIF EXISTS (SELECT FROM rfm.customer_states) THEN
        -- AFTER TRUNCATE: the states too if both are in the statement
        RAISE EXCEPTION 'rfm: rfm.customer_state_sources cannot be truncated while rfm.customer_states has rows'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Truncate both in one statement: TRUNCATE rfm.customer_state_sources, rfm.customer_states.';
    END IF;
    RETURN NULL;
END $$;
-- (named to fire after customer_state_sources_check_name: BEFORE triggers
-- fire in name order, and a reserved name is 42939 before anything else)
CREATE TRIGGER customer_state_sources_keep_states BEFORE DELETE OR UPDATE OF state_name ON rfm.customer_state_sources
    FOR EACH ROW EXECUTE FUNCTION rfm._customer_state_sources_cascade();
CREATE TRIGGER customer_state_sources_truncate AFTER TRUNCATE ON rfm.customer_state_sources
    FOR EACH STATEMENT EXECUTE FUNCTION rfm._customer_state_sources_cascade();

-- Every row written into rfm.customer_states names an existing state, as
-- the foreign key checked, and locks its source row (FOR KEY SHARE, as
-- the foreign key's trigger did) so that a drop under way waits for the
-- writer or the writer for it: a row written by hand while the state was
-- dropped outlived it and went to the next role to take the name.  Once
-- per statement (transition table), not once per row; rfm's C writers
-- lock the source row themselves and pass over this trigger
-- (src/customer_states_write.c).  Superusers and roles that bypass
-- row-level security are not checked: pg_restore -j loads the two tables'
-- rows in either order (a COPY fires this trigger).
CREATE FUNCTION rfm._customer_states_check_sources()
    RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    named text;
BEGIN
    IF rfm._caller_bypasses_rls() THEN
        RETURN NULL;
    END IF;
    FOR named IN SELECT DISTINCT n.state_name FROM new_rows n LOOP
        PERFORM FROM rfm.customer_state_sources s WHERE s.state_name OPERATOR(pg_catalog.=) named FOR KEY SHARE OF s;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'rfm: no customer state named % in rfm.customer_state_sources', pg_catalog.quote_literal(named)
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Create it with rfm.customer_state_create; its rows are written there.';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER customer_states_check_sources_insert AFTER INSERT ON rfm.customer_states
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rfm._customer_states_check_sources();
CREATE TRIGGER customer_states_check_sources_update AFTER UPDATE ON rfm.customer_states
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rfm._customer_states_check_sources();

SELECT pg_catalog.pg_extension_config_dump('rfm.customer_state_sources', '');
SELECT pg_catalog.pg_extension_config_dump('rfm.customer_states', '');

CREATE FUNCTION rfm._customer_state_source(name text)
    RETURNS rfm.customer_state_sources
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    src rfm.customer_state_sources;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'rfm: the name of a customer state must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO src FROM rfm.customer_state_sources s WHERE s.state_name = name;
    IF NOT FOUND AND pg_catalog.left(name, 9) = 'rfm tier ' THEN
        -- an incremental tier table's state, which only its owner role sees:
        -- kept by that role's name, so a rename or REASSIGN OWNED leaves it
        -- behind (README, "Incremental customer states")
        RAISE EXCEPTION 'rfm: no customer state named % that you may use: it is the state of an incremental tier table (rfm.tier_tables id %), and belongs to another role',
                        pg_catalog.quote_literal(name), pg_catalog.substr(name, 10)
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'A tier table''s customer state is kept by its owner role''s name: after ALTER ROLE ... RENAME, REASSIGN OWNED or ALTER MATERIALIZED VIEW ... OWNER TO, it stays with the old name.',
                  HINT = pg_catalog.format('A superuser gives it to its new owner: UPDATE rfm.customer_state_sources SET owner = %L WHERE state_name = %L (names beginning with ''rfm tier '' are rfm''s own).',
                                           CURRENT_USER, name);
    ELSIF NOT FOUND THEN
        RAISE EXCEPTION 'rfm: no customer state named %', pg_catalog.quote_literal(name)
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it with rfm.customer_state_create.';
    END IF;
    RETURN src;
END $$;

-- Every order of a new or rebuilt state, read as rfm.customer_scores reads
-- it, and the largest watermark in the same snapshot; NULL when the SQL
-- path must run (src/fast_agg.c).  A bad order's error names caller.
CREATE FUNCTION rfm._customer_states_direct(source regclass, customer_column text, time_column text,
                                            amount_column text, watermark_column text, caller text,
                                            OUT states bytea, OUT watermark text)
    RETURNS record
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'rfm_customer_states_direct';
COMMENT ON FUNCTION rfm._customer_states_direct(regclass, text, text, text, text, text) IS
    'A new customer state''s orders read directly from the table, and the largest watermark (internal)';

-- A new or rebuilt state's rows (every customer new), sorted by customer and
-- written in batches; NULL when rfm.customer_states has row-level security,
-- triggers, check constraints, or the caller
-- lacks table-wide INSERT (src/customer_states_write.c).
CREATE FUNCTION rfm._customer_states_insert(name text, states bytea)
    RETURNS bigint
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'rfm_customer_states_insert';
COMMENT ON FUNCTION rfm._customer_states_insert(text, bytea) IS
    'Writes a new state''s rows into rfm.customer_states, or NULL when INSERT must do it (internal)';

-- A refresh's new orders folded into the stored states, customers in key
-- order, as INSERT ... ON CONFLICT DO UPDATE below would; NULL when that
-- statement must run (src/customer_states_write.c).
CREATE FUNCTION rfm._customer_states_merge(name text, states bytea)
    RETURNS bigint
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'rfm_customer_states_merge';
COMMENT ON FUNCTION rfm._customer_states_merge(text, bytea) IS
    'Folds new orders'' states into rfm.customer_states, or NULL when INSERT ... ON CONFLICT must do it (internal)';

-- Folds the orders above the stored watermark (all orders when it is NULL)
-- into the stored states; returns the number of customers touched.
-- The watermark is kept as text: written and read back in fixed formats,
-- whatever the session's DateStyle, IntervalStyle or extra_float_digits
-- (a date written as 12/01/2026 under MDY and read under DMY skipped or
-- double-counted orders).
CREATE FUNCTION rfm._customer_state_fold(name text, caller text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET datestyle = 'ISO, YMD'
    SET intervalstyle = 'postgres'
    SET extra_float_digits = 3
    AS $$
DECLARE
    src     rfm.customer_state_sources := rfm._customer_state_source(name);
    wm_typ  oid;
    wm_type_name text;              -- as stored in watermark_type
    filter  text;
    query   text;
    states  bytea;
    new_wm  text;
    touched bigint;
    outer_zone text;
BEGIN
    -- the source (a view's functions, say) runs as whoever folds: its owner only
    IF src.owner <> CURRENT_USER THEN
        RAISE EXCEPTION 'rfm: only the owner of customer state % (%) may fold orders into it',
                        pg_catalog.quote_literal(name), src.owner
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Its source is read with the rights of whoever folds: SET ROLE to its owner first.';
    END IF;
    -- Orders land on their day in the state's time zone (the creator's),
    -- not in that of whoever folds them in later: a refresh from another
    -- zone or a scheduled job put them on other days than its full build.
    -- Set back before returning (an error rolls it back with the rest).
    outer_zone := pg_catalog.current_setting('TimeZone');
    PERFORM rfm._zone_today(src.time_zone);  -- a zone this server lacks: an error saying whose zone it is
    PERFORM pg_catalog.set_config('TimeZone', src.time_zone, true);
    PERFORM rfm._tier_lock_source(src.source);
    wm_typ := rfm._fast_column_type(src.source, src.watermark_column, caller);
    wm_type_name := rfm._qualified_type(wm_typ);
    -- The stored watermark is compared as a value of the column's type: a
    -- column retyped since (bigint to text, say) would compare it otherwise
    -- ('21' > '200') and fold old orders in again.
    -- (NULL: a row written by hand without it, not checked)
    IF src.watermark IS NOT NULL AND src.watermark_type IS NOT NULL
       AND src.watermark_type OPERATOR(pg_catalog.<>) wm_type_name THEN
        RAISE EXCEPTION '%: watermark column % of % is now %, the last watermark (%) was of type %',
                        caller, pg_catalog.quote_ident(src.watermark_column), src.source,
                        wm_type_name, pg_catalog.quote_literal(src.watermark),
                        src.watermark_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = pg_catalog.format('Fold every order again under the new type: SELECT rfm.customer_state_rebuild(%L).', name);
    END IF;
    -- one query, one snapshot: the states and the new watermark agree
    filter := pg_catalog.format('src.%I IS NOT NULL', src.watermark_column);
    IF src.watermark IS NOT NULL THEN
        filter := pg_catalog.format('%s AND src.%I > %L::%s', filter, src.watermark_column,
                                    src.watermark, wm_type_name);
    END IF;
    -- built first in any case: it checks the columns and their types
    query := rfm._customer_states_query(src.source, src.customer_column, src.time_column,
                                        src.amount_column, NULL,
                                        pg_catalog.format('pg_catalog.max(src.%I)::text', src.watermark_column),
                                        filter, caller);
    -- a bad order (NaN amount, infinite day) is an error naming caller either way
    IF src.watermark IS NULL THEN
        -- every order: read straight from the table when it can be
        -- (one snapshot too; NULL when the query must run)
        SELECT d.states, d.watermark INTO states, new_wm
          FROM rfm._customer_states_direct(src.source, src.customer_column, src.time_column,
                                           src.amount_column, src.watermark_column, caller) d;
    END IF;
    IF states IS NULL THEN
        EXECUTE query INTO states, new_wm;
    END IF;
    IF new_wm IS NULL THEN
        UPDATE rfm.customer_state_sources s SET refreshed_at = pg_catalog.now() WHERE s.state_name = name;
        PERFORM pg_catalog.set_config('TimeZone', outer_zone, true);
        RETURN 0;
    END IF;
    -- NaN and infinity sort above every value: stored as the watermark, no
    -- later order would be above it, and every refresh would fold nothing,
    -- silently (a float, numeric, date or timestamp column)
    IF new_wm OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', 'infinity']::pg_catalog.text[])
       AND (SELECT t.typcategory FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) wm_typ)
           OPERATOR(pg_catalog.=) ANY (ARRAY['N', 'D']::pg_catalog."char"[])   -- numbers, dates and times
    THEN
        RAISE EXCEPTION '%: the largest watermark of % in % is %', caller,
                        pg_catalog.quote_ident(src.watermark_column), src.source, new_wm
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'No later value would be above it: every refresh after this one would fold nothing. Nothing was folded.',
                  HINT = 'Give those orders a finite watermark, or read the orders through a view that leaves them out.';
    END IF;

    -- Customers in key order: the primary key is then filled page after
    -- page instead of at random (a new state of a million customers from
    -- 10 million orders: 11.3 s -> 7.2 s, of which the orders' aggregate is
    -- 3.5 s; a refresh with 1% new orders: 0.59 s -> 0.45 s).
    IF src.watermark IS NULL
       AND NOT EXISTS (SELECT FROM rfm.customer_states c WHERE c.state_name = name) THEN
        -- a new or rebuilt state: every customer is new, written as COPY
        -- writes rows (NULL: RLS, triggers, checks or column privileges; INSERT then)
        touched := rfm._customer_states_insert(name, states);
        IF touched IS NULL THEN
            INSERT INTO rfm.customer_states
                   (state_name, customer, first_purchase, last_purchase, frequency, monetary)
            SELECT name, r.customer, r.first_purchase, r.last_purchase, r.frequency, r.monetary
              FROM rfm._customer_states_rows(states) r
             ORDER BY r.customer COLLATE "C";
            GET DIAGNOSTICS touched = ROW_COUNT;
        END IF;
    ELSE
        -- one index probe per touched customer, in key order, updated in
        -- place (fillfactor leaves room for HOT updates); NULL: SQL upsert
        touched := rfm._customer_states_merge(name, states);
        IF touched IS NULL THEN
            INSERT INTO rfm.customer_states AS c
                   (state_name, customer, first_purchase, last_purchase, frequency, monetary)
            SELECT name, r.customer, r.first_purchase, r.last_purchase, r.frequency, r.monetary
              FROM rfm._customer_states_rows(states) r
             ORDER BY r.customer COLLATE "C"
            ON CONFLICT (state_name, customer) DO UPDATE
               SET first_purchase = LEAST(c.first_purchase, EXCLUDED.first_purchase),
                   last_purchase = GREATEST(c.last_purchase, EXCLUDED.last_purchase),
                   frequency = c.frequency + EXCLUDED.frequency,
                   monetary = c.monetary + EXCLUDED.monetary;
            GET DIAGNOSTICS touched = ROW_COUNT;
        END IF;
    END IF;

    UPDATE rfm.customer_state_sources s
       SET watermark = new_wm, watermark_type = wm_type_name,
           refreshed_at = pg_catalog.now()
     WHERE s.state_name = name;
    PERFORM pg_catalog.set_config('TimeZone', outer_zone, true);
    RETURN touched;
END $$;

-- Today (the transaction's start) in a zone as TimeZone reads it, which
-- is how tier tables and customer states take their days
-- (src/safe_path.c); timezone(zone, now()) reads an abbreviation first
-- ('EST', 'CET' in summer: another day near midnight).
CREATE FUNCTION rfm._zone_today(zone text)
    RETURNS date
    LANGUAGE c STABLE STRICT
    AS 'MODULE_PATHNAME', 'rfm_zone_today';

-- Today in the state's time zone, where its orders fall on their days:
-- the refresh day of an incremental tier table and the default as_of of
-- rfm.customer_state_scores (CURRENT_DATE in a session behind that zone
-- was before the day of orders just placed).  No such state visible: the
-- session's CURRENT_DATE (the one fallback, for SQL and C callers).
-- row_security on, as the states are read (src/fast_agg.c): a restore
-- (pg_dump sets it off) refreshes an incremental tier table as its owner.
CREATE FUNCTION rfm._customer_state_today(name text)
    RETURNS date
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    SET row_security = on
    AS $$ SELECT COALESCE((SELECT rfm._zone_today(s.time_zone)
                             FROM rfm.customer_state_sources s WHERE s.state_name OPERATOR(pg_catalog.=) $1),
                            CURRENT_DATE) $$;

-- The day a tier table's rows are for: its as_of, or the refresh day (in
-- its state's zone for an incremental one, else in its own zone).
-- (plpgsql: a tier table without a state never reads the states' table,
-- which its owner may have no right to read)
CREATE FUNCTION rfm._tier_day(as_of date, state text, zone text)
    RETURNS date
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF as_of IS NOT NULL THEN
        RETURN as_of;
    END IF;
    IF state IS NOT NULL THEN
        RETURN rfm._customer_state_today(state);
    END IF;
    -- today in the tier table's zone, as rfm._tier_rows takes it (the
    -- transaction's start, as CURRENT_DATE)
    IF zone IS NOT NULL THEN
        RETURN rfm._zone_today(zone);
    END IF;
    RETURN CURRENT_DATE;
END $$;

-- The largest watermark is kept: the column's type needs max() (uuid,
-- boolean and json have none), checked before any row is read.
CREATE FUNCTION rfm._customer_state_check_watermark_type(typ oid, col text, source regclass, caller text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    BEGIN
        EXECUTE pg_catalog.format('SELECT pg_catalog.max(NULL::%s)', rfm._qualified_type(typ));
    EXCEPTION WHEN undefined_function THEN
        RAISE EXCEPTION '%: watermark column % of % is %, which has no max(): the largest watermark read marks where the next refresh starts',
                        caller, pg_catalog.quote_ident(col), source, rfm._qualified_type(typ)
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use a column that only grows: a bigserial order id, or the time an order was loaded.';
    END;
END $$;

-- Checks the arguments and writes the state's row, no orders yet; false:
-- a state of that name exists (perhaps another role's, which row-level
-- security hides: ON CONFLICT DO NOTHING sees it all the same).
CREATE FUNCTION rfm._customer_state_insert(name text, source regclass, customer_column text,
                                           time_column text, amount_column text, watermark_column text,
                                           caller text)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    written bigint;
BEGIN
    IF name IS NULL OR source IS NULL OR customer_column IS NULL OR time_column IS NULL
       OR amount_column IS NULL OR watermark_column IS NULL THEN
        RAISE EXCEPTION '%: no argument may be NULL', caller
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (a blank name is one nobody can tell apart in a list or a log)
    IF pg_catalog.btrim(name, E' \t\n\r\f\v') OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION '%: a customer state name must not be empty or blank, got %', caller, pg_catalog.quote_literal(name)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name it after its source, e.g. ''shop_orders''.';
    END IF;
    PERFORM rfm._check_source_permanent(source, caller, 'customer state');
    PERFORM rfm._customer_state_check_watermark_type(rfm._fast_column_type(source, watermark_column, caller),
                                                     watermark_column, source, caller);
    -- keys grouped by their type's own equality have no one text to store
    -- (a refresh checks again, in rfm._customer_states_query)
    PERFORM rfm._customer_state_key_check(source, customer_column, caller);
    INSERT INTO rfm.customer_state_sources (state_name, source, customer_column, time_column,
                                            amount_column, watermark_column)
    VALUES (name, source, customer_column, time_column, amount_column, watermark_column)
    ON CONFLICT (state_name) DO NOTHING;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written OPERATOR(pg_catalog.>) 0;
END $$;

CREATE FUNCTION rfm.customer_state_create(name text, source regclass, customer_column text,
                                          time_column text, amount_column text, watermark_column text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    IF NOT rfm._customer_state_insert(name, source, customer_column, time_column, amount_column,
                                      watermark_column, 'rfm.customer_state_create') THEN
        RAISE EXCEPTION 'rfm.customer_state_create: a customer state named % already exists',
                        pg_catalog.quote_literal(name)
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Names are unique across roles, and you see only the states of roles whose rights you have: drop yours with rfm.customer_state_drop, or choose another name.';
    END IF;
    RETURN rfm._customer_state_fold(name, 'rfm.customer_state_create');
END $$;
COMMENT ON FUNCTION rfm.customer_state_create(text, regclass, text, text, text, text) IS
    'Creates a named incremental customer state from all orders; returns the number of customers';

-- caller: the name its errors give (rfm.refresh_tiers' fold: 'rfm', as
-- the errors of a full refresh's orders say it).
CREATE FUNCTION rfm._customer_state_refresh(name text, caller text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    -- one refresh at a time per state: a second one waits, then sees the new watermark
    PERFORM 1 FROM rfm.customer_state_sources s WHERE s.state_name = name FOR UPDATE;
    RETURN rfm._customer_state_fold(name, caller);
END $$;

CREATE FUNCTION rfm.customer_state_refresh(name text)
    RETURNS bigint
    LANGUAGE sql VOLATILE
    AS $$ SELECT rfm._customer_state_refresh($1, 'rfm.customer_state_refresh') $$;
COMMENT ON FUNCTION rfm.customer_state_refresh(text) IS
    'Folds orders above the stored watermark into the state; returns the number of customers touched';

CREATE FUNCTION rfm.customer_state_rebuild(name text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    PERFORM 1 FROM rfm.customer_state_sources s WHERE s.state_name = name FOR UPDATE;
    PERFORM rfm._customer_state_source(name);
    DELETE FROM rfm.customer_states c WHERE c.state_name = name;
    UPDATE rfm.customer_state_sources s SET watermark = NULL, watermark_type = NULL WHERE s.state_name = name;
    RETURN rfm._customer_state_fold(name, 'rfm.customer_state_rebuild');
END $$;
COMMENT ON FUNCTION rfm.customer_state_rebuild(text) IS
    'Recomputes the state from all orders (after updates or deletes of old orders)';

CREATE FUNCTION rfm.customer_state_drop(name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    tier regclass;
BEGIN
    PERFORM rfm._customer_state_source(name);
    -- the state of a tier table that still exists: its refreshes need it,
    -- and its name is reserved (it cannot be made again by hand)
    SELECT t.tier INTO tier FROM rfm.tier_tables t
     WHERE t.state_name = name AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = t.tier);
    IF tier IS NOT NULL THEN
        RAISE EXCEPTION 'rfm.customer_state_drop: customer state % is the state of tier table %', pg_catalog.quote_literal(name), tier
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'rfm.drop_tiers drops the tier table with its state; rfm.customer_state_rebuild recomputes the state.';
    END IF;
    DELETE FROM rfm.customer_state_sources s WHERE s.state_name = name;
END $$;
COMMENT ON FUNCTION rfm.customer_state_drop(text) IS 'Drops a customer state and its rows';

-- The argument errors of rfm.customer_state_scores.
CREATE FUNCTION rfm._customer_state_scores_check(name text, bins integer)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    PERFORM rfm._customer_state_source(name);
    IF bins IS NULL THEN
        RAISE EXCEPTION 'rfm.customer_state_scores: bins must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF bins < 2 OR bins > 100 THEN
        RAISE EXCEPTION 'rfm.customer_state_scores: bins must be between 2 and 100, got %', bins
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

-- C: reads the stored rows of the state (directly where the caller may
-- read the whole table: no row-level security in force; else through
-- rfm._customer_states_pack) and scores straight into the result set.
-- PARALLEL RESTRICTED: it reads only (read-only SPI of rfm's own tables,
-- no writes, no settings but its own call's), so the rest of a query may
-- run in parallel workers while it runs in the leader; never in a worker
-- itself (its SPI needs a leader).
CREATE FUNCTION rfm.customer_state_scores(name text, bins integer DEFAULT 5, as_of date DEFAULT NULL)
    RETURNS TABLE (customer text, first_purchase date, last_purchase date, recency_days integer,
                   frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer)
    LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED
    AS 'MODULE_PATHNAME', 'rfm_customer_state_scores';
COMMENT ON FUNCTION rfm.customer_state_scores(text, integer, date) IS
    'R/F/M values and scores of every customer of a stored state (recency from as_of, default today in the state''s time zone)';
