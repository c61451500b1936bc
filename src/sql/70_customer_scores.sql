-- Whole-table tier build (README, "Performance"): one pass over the orders
-- into a compact per-customer hash table (parallel workers, merged in the
-- combine step), then R/F/M scores by selection.  Same values and scores as
-- rfm.summarize + rfm.breaks + rfm.score (sql/fast_scores.sql proves it).

CREATE FUNCTION rfm._customer_states_trans(internal, bigint, date, numeric, text)
    RETURNS internal LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_trans_bigint';
CREATE FUNCTION rfm._customer_states_trans(internal, text, date, numeric, text)
    RETURNS internal LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_trans_text';
CREATE FUNCTION rfm._customer_states_pack_trans(internal, text, date, date, bigint, numeric)
    RETURNS internal LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_pack_trans';
CREATE FUNCTION rfm._customer_states_combine(internal, internal)
    RETURNS internal LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_combine';
CREATE FUNCTION rfm._customer_states_serialize(internal)
    RETURNS bytea LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_serialize';
CREATE FUNCTION rfm._customer_states_deserialize(bytea, internal)
    RETURNS internal LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_deserialize';
CREATE FUNCTION rfm._customer_states_final(internal)
    RETURNS bytea LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_final';

-- SSPACE: the table grows to 64-byte slots, at most 3/4 full, per customer;
-- the planner should never try to keep many of these per group.  caller:
-- the function a bad order's error names (rfm.customer_scores,
-- rfm.customer_state_create, ...).
CREATE AGGREGATE rfm._customer_states(customer bigint, day date, amount numeric, caller text) (
    SFUNC = rfm._customer_states_trans, STYPE = internal, SSPACE = 100000000,
    FINALFUNC = rfm._customer_states_final, COMBINEFUNC = rfm._customer_states_combine,
    SERIALFUNC = rfm._customer_states_serialize, DESERIALFUNC = rfm._customer_states_deserialize,
    PARALLEL = SAFE);
CREATE AGGREGATE rfm._customer_states(customer text, day date, amount numeric, caller text) (
    SFUNC = rfm._customer_states_trans, STYPE = internal, SSPACE = 100000000,
    FINALFUNC = rfm._customer_states_final, COMBINEFUNC = rfm._customer_states_combine,
    SERIALFUNC = rfm._customer_states_serialize, DESERIALFUNC = rfm._customer_states_deserialize,
    PARALLEL = SAFE);
CREATE AGGREGATE rfm._customer_states_pack(customer text, first_purchase date, last_purchase date,
                                           frequency bigint, monetary numeric) (
    SFUNC = rfm._customer_states_pack_trans, STYPE = internal, SSPACE = 100000000,
    FINALFUNC = rfm._customer_states_final, COMBINEFUNC = rfm._customer_states_combine,
    SERIALFUNC = rfm._customer_states_serialize, DESERIALFUNC = rfm._customer_states_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE rfm._customer_states(bigint, date, numeric, text) IS
    'Every customer''s R/F/M state in one value (internal; see rfm.customer_scores)';
COMMENT ON AGGREGATE rfm._customer_states(text, date, numeric, text) IS
    'Every customer''s R/F/M state in one value (internal; see rfm.customer_scores)';
COMMENT ON AGGREGATE rfm._customer_states_pack(text, date, date, bigint, numeric) IS
    'Customer states from stored rows (internal; see rfm.customer_state_scores)';

CREATE FUNCTION rfm._customer_states_rows(states bytea)
    RETURNS TABLE (customer text, first_purchase date, last_purchase date,
                   frequency bigint, monetary numeric)
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_rows';
COMMENT ON FUNCTION rfm._customer_states_rows(bytea) IS 'Customer states as rows (internal)';

CREATE FUNCTION rfm._customer_states_score(states bytea, bins integer, as_of date)
    RETURNS TABLE (customer text, first_purchase date, last_purchase date, recency_days integer,
                   frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer)
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_states_score';
COMMENT ON FUNCTION rfm._customer_states_score(bytea, integer, date) IS
    'Scored customers (with a purchase) of a customer state value (internal)';

-- How customers are told apart (src/customer_key.c; the direct scan
-- decides with the same C function): 'integer' (int2/int4/int8: integer
-- keys), 'numeric', 'float4', 'float8' (the canonical text of
-- rfm._customer_key: 1.0 = 1.00 = 1, -0 = 0), 'text' (its ::text tells
-- keys apart as = does: text, varchar, char(n) with a deterministic
-- collation, uuid, a domain over an integer type), 'grouped' (any other
-- type with a default ordering: citext, nondeterministic collations,
-- interval, ...; grouped by the type's own equality), 'unsupported' (no
-- ordering, e.g. json).  NULL for no such column.
CREATE FUNCTION rfm._customer_key_kind(source regclass, customer_column text)
    RETURNS text LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_key_kind_sql';
COMMENT ON FUNCTION rfm._customer_key_kind(regclass, text) IS
    'How rfm.customer_scores tells the customers of a column apart (internal)';
CREATE FUNCTION rfm._customer_key(numeric) RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_key_numeric';
CREATE FUNCTION rfm._customer_key(real) RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_key_float4';
CREATE FUNCTION rfm._customer_key(double precision) RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_customer_key_float8';
COMMENT ON FUNCTION rfm._customer_key(numeric) IS
    'A numeric customer key''s text: trim_scale(key)::text (internal; 1.0, 1.00 and 1 are one customer)';
COMMENT ON FUNCTION rfm._customer_key(real) IS
    'A real customer key''s text: shortest exact form, -0 as 0 (internal)';
COMMENT ON FUNCTION rfm._customer_key(double precision) IS
    'A double precision customer key''s text: shortest exact form, -0 as 0 (internal)';

-- Stored customer states are keyed by the text rfm.customer_scores groups
-- by: a key kind that is grouped by the type's own equality has no such
-- text (the group's text could differ from one refresh to the next).
CREATE FUNCTION rfm._customer_state_key_check(source regclass, customer_column text, caller text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    kind      text := rfm._customer_key_kind(source, customer_column);
    described text;
BEGIN
    IF kind IN ('grouped', 'unsupported') THEN
        SELECT pg_catalog.format_type(a.atttypid, NULL)
               || CASE WHEN co.collisdeterministic IS FALSE
                       THEN ' COLLATE ' || pg_catalog.quote_ident(co.collname) ELSE '' END
          INTO described
          FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
         WHERE a.attrelid = source AND a.attname = customer_column AND a.attnum > 0 AND NOT a.attisdropped;
        RAISE EXCEPTION '%: customer column % of % is %, %; customer states are keyed by text',
                        caller, pg_catalog.quote_ident(customer_column), source, described,
                        CASE WHEN kind = 'grouped' THEN 'whose equal values can differ in their text form'
                             ELSE 'which has no ordering to group customers by' END
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Use rfm.customer_scores, rfm.summarize with GROUP BY, or rfm.create_tiers without watermark_column, which group by the type''s own equality; or keep the state over a view that gives each customer one text (lower(customer), say).';
    END IF;
END $$;

-- Type of a column of source, or a clear error.
CREATE FUNCTION rfm._fast_column_type(source regclass, col text, caller text)
    RETURNS oid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    typ oid;
BEGIN
    PERFORM rfm._check_source_kind(source, caller);
    SELECT a.atttypid INTO typ
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF typ IS NULL THEN
        RAISE EXCEPTION '%: % has no column %', caller, source, pg_catalog.quote_ident(col)
            USING ERRCODE = 'undefined_column',
                  HINT = pg_catalog.format('Pass column names as they are spelled in the table (case matters); %s has: %s.',
                                           source, rfm._column_list(source));
    END IF;
    RETURN typ;
END $$;

-- The aggregate call over source with its WHERE clause (up to as_of; NULL:
-- no day filter); extra_select/extra_filter are built by rfm's own callers.  Identifiers only through format('%I') and regclass.
-- A key kind 'grouped' (rfm._customer_key_kind) is grouped by the type's
-- own equality first: each order gets the smallest text form (byte order)
-- of its customer's keys, a window over the key itself.
CREATE FUNCTION rfm._customer_states_query(source regclass, customer_column text, time_column text,
                                           amount_column text, as_of date, extra_select text,
                                           extra_filter text, caller text)
    RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    -- (the columns' existence is checked in this order)
    customer_typ oid := rfm._fast_column_type(source, customer_column, caller);
    time_typ     oid := rfm._fast_column_type(source, time_column, caller);
    amount_typ   oid := rfm._fast_column_type(source, amount_column, caller);
    key_kind     text := rfm._customer_key_kind(source, customer_column);
    key_expr     text;
    day_expr     text;
    filter       text;
BEGIN
    CASE key_kind
    WHEN 'integer' THEN
        key_expr := pg_catalog.format('src.%I::pg_catalog.int8', customer_column);
    WHEN 'numeric' THEN
        key_expr := pg_catalog.format('rfm._customer_key(src.%I::pg_catalog.numeric)', customer_column);
    WHEN 'float4' THEN
        key_expr := pg_catalog.format('rfm._customer_key(src.%I::pg_catalog.float4)', customer_column);
    WHEN 'float8' THEN
        key_expr := pg_catalog.format('rfm._customer_key(src.%I::pg_catalog.float8)', customer_column);
    WHEN 'text' THEN
        key_expr := pg_catalog.format('src.%I::pg_catalog.text', customer_column);
    WHEN 'grouped' THEN
        IF extra_select IS NOT NULL THEN
            -- customer states (the only callers with extra_select) are keyed by text
            PERFORM rfm._customer_state_key_check(source, customer_column, caller);
        END IF;
        key_expr := pg_catalog.format(
            'pg_catalog.min(src.%I::pg_catalog.text COLLATE pg_catalog."C") OVER (PARTITION BY src.%I)',
            customer_column, customer_column);
    ELSE
        RAISE EXCEPTION '%: customer column % of % is %, which has no ordering to group customers by',
                        caller, pg_catalog.quote_ident(customer_column), source,
                        pg_catalog.format_type(customer_typ, NULL)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Use a view that casts the customer to text (or another type with equality and ordering).';
    END CASE;
    PERFORM rfm._check_order_columns(source, time_column, amount_column, caller);
    -- timestamptz: the calendar day in the session TimeZone, as rfm.summarize counts it
    day_expr := pg_catalog.format('src.%I::pg_catalog.date', time_column);
    filter := pg_catalog.format('%s AND %s',
        CASE WHEN as_of IS NULL THEN 'true'
             ELSE pg_catalog.format('%s <= %L::pg_catalog.date', day_expr, as_of) END,
        COALESCE(extra_filter, 'true'));
    IF key_kind = 'grouped' THEN
        RETURN pg_catalog.format(
            'SELECT rfm._customer_states(o.customer, o.day, o.amount, %L) FROM '
            '(SELECT %s AS customer, %s AS day, src.%I::pg_catalog.numeric AS amount '
            'FROM %s AS src WHERE src.%I IS NOT NULL AND %s) AS o',
            caller, key_expr, day_expr, amount_column, source, customer_column, filter);
    END IF;
    RETURN pg_catalog.format(
        'SELECT rfm._customer_states(%s, %s, src.%I::pg_catalog.numeric, %L)%s FROM %s AS src WHERE %s',
        key_expr, day_expr, amount_column, caller, COALESCE(', ' || extra_select, ''), source, filter);
END $$;

-- C: runs the query above (parallel workers allowed) and scores straight
-- into the result set.  STABLE: reads tables; as_of NULL is CURRENT_DATE.
-- PARALLEL UNSAFE (the default), unlike rfm.customer_state_scores: it runs
-- the source's own code (a view's functions, policies), which may do what
-- a parallel query forbids (nextval(), a write): that failed only when the
-- planner chose a parallel plan for the query around it.
CREATE FUNCTION rfm.customer_scores(source regclass, customer_column text, time_column text,
                                    amount_column text, bins integer DEFAULT 5, as_of date DEFAULT NULL)
    RETURNS TABLE (customer text, first_purchase date, last_purchase date, recency_days integer,
                   frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer)
    LANGUAGE c STABLE CALLED ON NULL INPUT
    AS 'MODULE_PATHNAME', 'rfm_customer_scores';
COMMENT ON FUNCTION rfm.customer_scores(regclass, text, text, text, integer, date) IS
    'R/F/M values and scores of every customer with a purchase up to as_of (default today), in one parallel pass';
