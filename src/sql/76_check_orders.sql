-- rfm.check_orders: what rfm.customer_scores (and a tier table built the
-- same way) does with each order of a source, counted rule by rule, so an
-- analyst can reconcile rfm's customers and revenue with their own totals
-- (orders with no customer are left out without a word otherwise).  Each
-- order falls under the first rule that applies, in the order below; a
-- diagnostic, one plain scan, not a fast path.

-- zone: the TimeZone whose calendar days a timestamptz order falls on (a
-- tier table's own); NULL: the session's, as rfm.customer_scores.
CREATE FUNCTION rfm._check_orders(source regclass, customer_column text, time_column text,
                                  amount_column text, day_limit date, zone text)
    RETURNS TABLE (rule text, orders bigint, customers bigint, amount numeric, effect text)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    day_expr     text;
    session_zone text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR time_column IS NULL OR amount_column IS NULL THEN
        RAISE EXCEPTION 'rfm.check_orders: source and column names must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT pg_catalog.isfinite(day_limit) THEN
        RAISE EXCEPTION 'rfm.check_orders: as_of must be a finite date, got %', day_limit
            USING ERRCODE = 'datetime_field_overflow';
    END IF;
    -- the columns, their types and the customer key checked as
    -- rfm.customer_scores checks them (the same errors)
    PERFORM rfm._customer_states_query(source, customer_column, time_column, amount_column,
                                       day_limit, NULL, NULL, 'rfm.check_orders');
    -- A tier table's days are those of its zone as a TimeZone setting, as
    -- rfm._tier_rows takes them: set for the query, given back after.  (AT
    -- TIME ZONE reads 'CET' as the fixed abbreviation, +01 all year.)
    IF zone IS NOT NULL THEN
        session_zone := pg_catalog.current_setting('TimeZone');
        PERFORM pg_catalog.set_config('TimeZone', zone, true);
    END IF;
    day_expr := pg_catalog.format('src.%I::pg_catalog.date', time_column);
    -- One scan (a CTE read three times is materialized): every order's
    -- rule (1 to 9), then the counts of all orders, per rule and per
    -- customer.  NaN and infinite amounts are found by their text
    -- (PostgreSQL 13's numeric has no infinity to compare with).
    RETURN QUERY EXECUTE pg_catalog.format($q$
WITH a AS (
    SELECT src.%1$I AS customer, src.%2$I IS NULL AS no_time, %6$s AS day, src.%3$I::pg_catalog.numeric AS amount,
           src.%3$I::pg_catalog.numeric::pg_catalog.text IN ('NaN', 'Infinity', '-Infinity') AS not_finite
      FROM %4$s AS src),
o AS (
    -- (sums leave NaN and infinite amounts out, whatever rule their order falls under)
    SELECT a.customer, CASE WHEN a.not_finite THEN NULL ELSE a.amount END AS amount,
           CASE WHEN a.customer IS NULL THEN 1
                WHEN a.no_time THEN 2
                WHEN a.amount IS NULL THEN 3
                WHEN a.day > %5$L::pg_catalog.date THEN 4
                WHEN NOT pg_catalog.isfinite(a.day) THEN 5
                WHEN a.not_finite THEN 6
                WHEN a.amount > 0 THEN 7
                WHEN a.amount < 0 THEN 8
                ELSE 9 END AS rule
      FROM a),
per_rule AS (
    SELECT o.rule, pg_catalog.count(*) AS orders, pg_catalog.count(DISTINCT o.customer) AS customers,
           pg_catalog.sum(o.amount) AS amount
      FROM o GROUP BY o.rule),
per_customer AS (
    SELECT pg_catalog.bool_or(o.rule = 7) AS scored, pg_catalog.count(*) AS orders,
           pg_catalog.sum(o.amount) AS amount
      FROM o WHERE o.rule IN (7, 8, 9) GROUP BY o.customer),
counted AS (
    SELECT 0 AS n, pg_catalog.count(*) AS orders, pg_catalog.count(DISTINCT o.customer) AS customers,
           COALESCE(pg_catalog.sum(o.amount), 0) AS amount
      FROM o
    UNION ALL
    SELECT r.n, COALESCE(p.orders, 0), COALESCE(p.customers, 0),
           CASE WHEN r.n = 6 THEN NULL ELSE COALESCE(p.amount, 0) END
      FROM pg_catalog.generate_series(1, 9) AS r(n) LEFT JOIN per_rule p ON p.rule = r.n
    UNION ALL
    SELECT 10 + g.k, COALESCE(pg_catalog.sum(c.orders), 0)::pg_catalog.int8, pg_catalog.count(c.scored), COALESCE(pg_catalog.sum(c.amount), 0)
      FROM (VALUES (0, true), (1, false)) AS g(k, scored) LEFT JOIN per_customer c ON c.scored = g.scored
     GROUP BY g.k)
SELECT d.rule, c.orders, c.customers, c.amount, d.effect
  FROM counted c JOIN (VALUES
    (0, 'all orders', 'every row of the source'),
    (1, 'no customer', 'left out'),
    (2, 'no time', 'left out'),
    (3, 'no amount', 'left out'),
    (4, 'after as_of', 'left out until as_of reaches its day'),
    (5, 'infinite time', 'dated -infinity (infinity is after as_of): error 22008, scoring and tier builds fail'),
    (6, 'NaN or infinite amount', 'error 22023: scoring and tier builds fail'),
    (7, 'purchase', 'frequency, dates and monetary'),
    (8, 'refund', 'subtracted from monetary'),
    (9, 'zero amount', 'neither purchase nor refund'),
    (10, 'customers scored', 'a row each in rfm.customer_scores and tier tables; amount is their monetary'),
    (11, 'customers not scored', 'refunds or zero amounts only: no row')) AS d(n, rule, effect) ON d.n = c.n
 ORDER BY c.n$q$, customer_column, time_column, amount_column, source, day_limit, day_expr);
    IF session_zone IS NOT NULL THEN
        PERFORM pg_catalog.set_config('TimeZone', session_zone, true);
    END IF;
END $$;
COMMENT ON FUNCTION rfm._check_orders(regclass, text, text, text, date, text) IS
    'rfm.check_orders up to a day, in a zone (internal)';

CREATE FUNCTION rfm.check_orders(source regclass, customer_column text, time_column text,
                                 amount_column text, as_of date DEFAULT NULL)
    RETURNS TABLE (rule text, orders bigint, customers bigint, amount numeric, effect text)
    LANGUAGE sql STABLE
    AS $$ SELECT * FROM rfm._check_orders($1, $2, $3, $4, COALESCE($5, CURRENT_DATE), NULL) $$;
COMMENT ON FUNCTION rfm.check_orders(regclass, text, text, text, date) IS
    'What rfm.customer_scores does with the orders of a source, rule by rule: orders, customers and amounts left out, counted or failing';

-- The same for a tier table, with its own options: its source and
-- columns, its as_of (or today in its zone) and its zone's calendar days.
-- Not for an incremental one: it folds orders by watermark, and a purchase
-- after the refresh day fails its refresh rather than being left out.
CREATE FUNCTION rfm.check_orders(tier regclass)
    RETURNS TABLE (rule text, orders bigint, customers bigint, amount numeric, effect text)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    entry rfm.tier_tables := rfm._tier_entry(tier);
BEGIN
    IF entry.state_name IS NOT NULL THEN
        RAISE EXCEPTION 'rfm.check_orders: % is an incremental tier table (watermark_column %), which folds orders by their watermark',
                        entry.tier, pg_catalog.quote_ident(entry.watermark_column)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Pass its source and columns: rfm.check_orders(source, customer_column, time_column, amount_column, as_of).';
    END IF;
    RETURN QUERY SELECT * FROM rfm._check_orders(entry.source, entry.customer_column, entry.time_column, entry.amount_column,
                                                 rfm._tier_day(entry.as_of, NULL, entry.time_zone), entry.time_zone);
END $$;
COMMENT ON FUNCTION rfm.check_orders(regclass) IS
    'rfm.check_orders with a tier table''s source, columns, as_of and time zone';
