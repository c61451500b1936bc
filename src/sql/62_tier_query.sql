-- Tier tables, part 2: the per-customer query a tier table is built from.
-- This file is the one place that query is written, so a faster path can
-- replace rfm._tier_query alone.  Its result columns must match
-- rfm._tier_columns, in order.

-- Column definition list of a tier table (customer_type from rfm._qualified_type).
CREATE FUNCTION rfm._tier_columns(customer_type text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 'customer_id ' || $1 || ', first_purchase pg_catalog.date, last_purchase pg_catalog.date, '
              || 'recency_days integer, frequency bigint, monetary pg_catalog.numeric, '
              || 'r_score integer, f_score integer, m_score integer, rfm_cell text, '
              || 'segment text, segment_zh text, tier text, lifecycle text, as_of pg_catalog.date' $$;

-- A type's name that reads the same under any search_path (format_type
-- leaves out the schema of visible types): the customer column's type is
-- recorded at creation and compared at every refresh.
CREATE FUNCTION rfm._qualified_type(typ oid)
    RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace
                      THEN pg_catalog.format_type(t.oid, NULL)
                      ELSE pg_catalog.format('%I.%I', n.nspname, t.typname) END
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
           WHERE t.oid = $1 $$;

-- The type of one source column, or a clear error naming it.
CREATE FUNCTION rfm._source_column_type(source regclass, column_name text)
    RETURNS oid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    typ oid;
BEGIN
    SELECT a.atttypid INTO typ
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped;
    IF typ IS NULL THEN
        RAISE EXCEPTION 'rfm: source % has no column %', $1, pg_catalog.quote_ident($2)
            USING ERRCODE = 'undefined_column',
                  HINT = 'Column names are matched exactly (case and spaces included), not as SQL. '
                      || 'If the column was dropped or renamed, restore it, or drop and re-create the tier table.';
    END IF;
    RETURN typ;
END $$;

-- The SELECT that computes one tier table: one row per customer with at
-- least one purchase on or before as_of (orders after as_of are ignored, so
-- a past as_of rebuilds a past snapshot).  as_of must not be NULL here.
CREATE FUNCTION rfm._tier_query(source regclass, customer_column text, time_column text,
                                amount_column text, customer_type text, bins integer,
                                scheme text, as_of date)
    RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    customer_typ oid := rfm._source_column_type(source, customer_column);
    time_typ     oid := rfm._source_column_type(source, time_column);
    amount_typ   oid := rfm._source_column_type(source, amount_column);
    day_expr     text;
    time_filter  text;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'rfm._tier_query: as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF customer_type IS NOT NULL
       AND rfm._qualified_type(customer_typ) <> customer_type THEN
        RAISE EXCEPTION 'rfm: customer column % of % is now %, the tier table was made for %',
                        pg_catalog.quote_ident(customer_column), source,
                        rfm._qualified_type(customer_typ), customer_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Change the column back, or drop and re-create the tier table.';
    END IF;
    IF time_typ = 'pg_catalog.date'::pg_catalog.regtype THEN
        day_expr := pg_catalog.format('src.%I', time_column);
        time_filter := pg_catalog.format('src.%I <= %L::pg_catalog.date', time_column, as_of);
    ELSIF time_typ = 'pg_catalog.timestamptz'::pg_catalog.regtype THEN
        -- the calendar day in the session TimeZone, as rfm.summarize counts it
        day_expr := pg_catalog.format('src.%I', time_column);
        time_filter := pg_catalog.format('src.%I < (%L::pg_catalog.date + 1)::pg_catalog.timestamptz',
                                         time_column, as_of);
    ELSIF time_typ = 'pg_catalog.timestamp'::pg_catalog.regtype THEN
        day_expr := pg_catalog.format('src.%I::pg_catalog.date', time_column);
        time_filter := pg_catalog.format('src.%I < (%L::pg_catalog.date + 1)::pg_catalog.timestamp',
                                         time_column, as_of);
    ELSE
        RAISE EXCEPTION 'rfm: time column % of % is %, not date or timestamp',
                        pg_catalog.quote_ident(time_column), source, pg_catalog.format_type(time_typ, NULL)
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use a view that casts the column to date or timestamptz.';
    END IF;
    IF amount_typ NOT IN ('pg_catalog.numeric'::pg_catalog.regtype, 'pg_catalog.int2'::pg_catalog.regtype,
                          'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype) THEN
        RAISE EXCEPTION 'rfm: amount column % of % is %, not numeric or integer',
                        pg_catalog.quote_ident(amount_column), source, pg_catalog.format_type(amount_typ, NULL)
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'rfm never sums money in floating point: use a view that casts the amount to numeric.';
    END IF;

    RETURN pg_catalog.format($q$
WITH per_customer AS (
    SELECT src.%1$I AS customer_id,
           rfm.summarize(%2$s, src.%3$I::pg_catalog.numeric) AS s
      FROM %4$s AS src
     WHERE src.%1$I IS NOT NULL AND %5$s
     GROUP BY src.%1$I
), measured AS (
    SELECT p.customer_id, p.s,
           rfm.recency_days(p.s, %6$L::pg_catalog.date) AS recency_days,
           (p.s).frequency AS frequency,
           (p.s).monetary AS monetary
      FROM per_customer p
     WHERE (p.s).last_purchase IS NOT NULL
), cuts AS (
    SELECT rfm.breaks(m.recency_days::pg_catalog.numeric, %7$s) AS r_breaks,
           rfm.breaks(m.frequency::pg_catalog.numeric, %7$s) AS f_breaks,
           rfm.breaks(m.monetary, %7$s) AS m_breaks
      FROM measured m
), scored AS (
    SELECT m.*,
           rfm.score(m.recency_days::pg_catalog.numeric, c.r_breaks, false) AS r_score,
           rfm.score(m.frequency::pg_catalog.numeric, c.f_breaks, true) AS f_score,
           rfm.score(m.monetary, c.m_breaks, true) AS m_score
      FROM measured m CROSS JOIN cuts c
)
SELECT x.customer_id, (x.s).first_purchase, (x.s).last_purchase, x.recency_days,
       x.frequency, x.monetary, x.r_score, x.f_score, x.m_score,
       x.r_score::text || x.f_score::text || x.m_score::text AS rfm_cell,
       rfm.segment(x.r_score, x.f_score, x.m_score, %8$L, 'en') AS segment,
       rfm.segment(x.r_score, x.f_score, x.m_score, %8$L, 'zh') AS segment_zh,
       rfm.segment(x.r_score, x.f_score, x.m_score, 'tier3', 'en') AS tier,
       rfm.lifecycle(s => x.s, as_of => %6$L::pg_catalog.date, lang => 'en') AS lifecycle,
       %6$L::pg_catalog.date AS as_of
  FROM scored x
$q$, customer_column, day_expr, amount_column, source, time_filter, as_of, bins, scheme);
END $$;
COMMENT ON FUNCTION rfm._tier_query(regclass, text, text, text, text, integer, text, date) IS
    'The per-customer SELECT behind a tier table (internal; see rfm._tier_columns for its columns)';

-- Rows of a tier table, computed now.  A materialized view selects from
-- this function instead of the source table so that the source may change
-- shape: the change is then reported here, at refresh, and the old rows stay.
CREATE FUNCTION rfm._tier_rows(source regclass, customer_column text, time_column text,
                               amount_column text, customer_type text, bins integer,
                               scheme text, as_of date)
    RETURNS SETOF record
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    RETURN QUERY EXECUTE rfm._tier_query(source, customer_column, time_column, amount_column,
                                         customer_type, bins, scheme,
                                         COALESCE(as_of, CURRENT_DATE));
END $$;
COMMENT ON FUNCTION rfm._tier_rows(regclass, text, text, text, text, integer, text, date) IS
    'Rows of a tier table computed now (internal; as_of NULL = today)';
