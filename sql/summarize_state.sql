-- rfm.summarize's compact state (src/rfm_state.c) against an independent
-- plain-SQL computation of every rfm.summary column, compared as text (so
-- display scales must match too), serial and under a forced parallel plan.
-- The data is built to cross every representation change: customers with
-- 1, a few (inline chunk), 17+ (grown chunk) and 64+ (append-and-sort)
-- distinct purchase days in random order; sums that outgrow int64 (int128
-- form) and 128 bits (numeric form); scales 0..25 mixed in one sum; refunds
-- and zero amounts.
SET client_min_messages = warning;
\i sql/include/portable_random.sql
SELECT pg_temp.setseed(0.61);
CREATE TABLE st_orders AS
SELECT c AS customer,
       DATE '2020-01-01' + (pg_temp.random() * CASE WHEN c % 4 = 0 THEN 3000 ELSE 40 END)::int AS ordered_on,
       CASE WHEN pg_temp.random() < 0.05 THEN -round((pg_temp.random() * 80)::numeric, (pg_temp.random() * 3)::int)
            WHEN pg_temp.random() < 0.03 THEN round(0::numeric, (pg_temp.random() * 4)::int)
            WHEN c % 50 = 7 AND pg_temp.random() < 0.1 THEN round((pg_temp.random() * 1e19)::numeric, 2)          -- beyond int64 when summed
            WHEN c % 50 = 9 AND pg_temp.random() < 0.1 THEN (pg_temp.random() * 1e38)::numeric(40, 1)           -- beyond 128 bits
            WHEN c % 50 = 11 AND pg_temp.random() < 0.2 THEN round(pg_temp.random()::numeric, 20 + (pg_temp.random() * 5)::int)  -- scales 20..25
            ELSE round((pg_temp.random() * 200)::numeric, (pg_temp.random() * 4)::int) END AS amount
  FROM generate_series(1, 400) c,
       LATERAL generate_series(1, CASE WHEN c % 10 = 0 THEN 300 ELSE 1 + (c % 23) END) n;
ANALYZE st_orders;

-- The independent computation: built-in aggregates, rules from the README
-- (amount > 0 a purchase, < 0 a refund, 0 neither).
CREATE TEMP TABLE expected_summary AS
WITH daily AS (
  SELECT customer, ordered_on, sum(amount) AS spend
    FROM st_orders WHERE amount > 0 GROUP BY customer, ordered_on
), firsts AS (
  SELECT DISTINCT ON (customer) customer, spend AS first_spend
    FROM daily ORDER BY customer, ordered_on
), per_customer AS (
  SELECT customer,
         min(ordered_on) FILTER (WHERE amount > 0) AS first_purchase,
         max(ordered_on) FILTER (WHERE amount > 0) AS last_purchase,
         count(*) FILTER (WHERE amount > 0) AS frequency,
         count(DISTINCT ordered_on) FILTER (WHERE amount > 0)::int AS purchase_days,
         coalesce(sum(amount) FILTER (WHERE amount > 0), 0) AS purchases,
         coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS refunds
    FROM st_orders GROUP BY customer
)
SELECT p.customer,
       ROW(p.first_purchase, p.last_purchase, p.frequency, p.purchase_days,
           p.purchases - p.refunds, p.refunds, greatest(p.purchase_days - 1, 0),
           CASE WHEN p.purchase_days > 1
                THEN trim_scale((p.purchases - f.first_spend) / (p.purchase_days - 1))
                ELSE 0 END)::rfm.summary AS s
  FROM per_customer p LEFT JOIN firsts f USING (customer);

-- The data crosses every representation.
SELECT count(*) AS customers,
       count(*) FILTER (WHERE (s).purchase_days = 1) AS one_day,
       count(*) FILTER (WHERE (s).purchase_days BETWEEN 2 AND 17) AS inline_days,
       count(*) FILTER (WHERE (s).purchase_days BETWEEN 18 AND 64) AS grown_days,
       count(*) FILTER (WHERE (s).purchase_days > 64) AS appended_days,
       count(*) FILTER (WHERE abs((s).monetary) > 9223372036854775807 / 100.0
                          AND abs((s).monetary) < 1e36) AS beyond_int64,
       count(*) FILTER (WHERE abs((s).monetary) > 1e37) AS beyond_int128,
       count(*) FILTER (WHERE scale((s).monetary) >= 20) AS scale_20_plus,
       count(*) FILTER (WHERE (s).refunds > 0) AS with_refunds
  FROM expected_summary;

CREATE FUNCTION pg_temp.plan_lines(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query;
END $$;
CREATE FUNCTION pg_temp.differences(query text) RETURNS TABLE (checked bigint, differ bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT count(*), count(*) FILTER (WHERE e.s::text IS DISTINCT FROM r.s::text)
       FROM expected_summary e FULL JOIN (%s) r USING (customer)', query);
END $$;

-- Serial, both signatures (timestamptz at midnight UTC is the same day).
SET max_parallel_workers_per_gather = 0;
SET TimeZone = 'UTC';
SELECT * FROM pg_temp.differences(
  'SELECT customer, rfm.summarize(ordered_on, amount) AS s FROM st_orders GROUP BY customer');
SELECT * FROM pg_temp.differences(
  'SELECT customer, rfm.summarize(ordered_on::timestamptz, amount) AS s FROM st_orders GROUP BY customer');
-- Rows in descending and in ascending day order (sorted insertion from
-- either end; a long list kept sorted while appending).
SELECT * FROM pg_temp.differences(
  'SELECT customer, rfm.summarize(ordered_on, amount ORDER BY ordered_on DESC) AS s FROM st_orders GROUP BY customer');
SELECT * FROM pg_temp.differences(
  'SELECT customer, rfm.summarize(ordered_on, amount ORDER BY ordered_on, amount) AS s FROM st_orders GROUP BY customer');

-- Forced parallel plan: worker states are serialized (the in-memory form
-- and, for the huge sums, the portable one) and merged in the leader.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
SELECT count(*) FILTER (WHERE plan LIKE '%Partial%Aggregate%') AS partial_steps
  FROM (SELECT * FROM pg_temp.plan_lines(
    'SELECT customer, rfm.summarize(ordered_on, amount) FROM st_orders GROUP BY customer')) p(plan);
SELECT * FROM pg_temp.differences(
  'SELECT customer, rfm.summarize(ordered_on, amount) AS s FROM st_orders GROUP BY customer');
-- One group for everything: all customers' states merged (long day lists).
SELECT (r.s).first_purchase = e.first_purchase AND (r.s).last_purchase = e.last_purchase
       AND (r.s).frequency = e.frequency AND (r.s).purchase_days = e.purchase_days
       AND (r.s).monetary::text = e.monetary::text AND (r.s).refunds::text = e.refunds::text
       AND (r.s).repeat_days = e.purchase_days - 1 AS total_equal
  FROM (SELECT rfm.summarize(ordered_on, amount) AS s FROM st_orders) r,
       (SELECT min(ordered_on) FILTER (WHERE amount > 0) AS first_purchase,
               max(ordered_on) FILTER (WHERE amount > 0) AS last_purchase,
               count(*) FILTER (WHERE amount > 0) AS frequency,
               count(DISTINCT ordered_on) FILTER (WHERE amount > 0)::int AS purchase_days,
               sum(amount) FILTER (WHERE amount <> 0) AS monetary,
               -sum(amount) FILTER (WHERE amount < 0) AS refunds
          FROM st_orders) e;
RESET parallel_leader_participation;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
RESET max_parallel_workers_per_gather;

-- Numerics are built directly from the scaled integers: the stored bytes
-- must be what numeric_in makes of the same text (no stray zero digits,
-- same header), or later arithmetic could differ.
SELECT count(*) AS values_checked,
       count(*) FILTER (WHERE numeric_send(v) <> numeric_send(v::text::numeric)) AS non_canonical
  FROM (SELECT (s).monetary AS v FROM (SELECT rfm.summarize(ordered_on, amount) AS s
                                         FROM st_orders GROUP BY customer) a
        UNION ALL
        SELECT (s).refunds FROM (SELECT rfm.summarize(ordered_on, amount) AS s
                                   FROM st_orders GROUP BY customer) a) v;
-- Hand-checked edge values: zero with a scale (1.50 - 1.5), negatives,
-- powers of 10000 around the digit boundaries, 18 and 19 digits, the
-- int128 range; each customer's expected monetary is written out by hand.
SELECT id, (s).monetary::text AS monetary, (s).monetary::text = expected AS as_expected,
       numeric_send((s).monetary) = numeric_send(expected::numeric) AS same_bytes
  FROM (SELECT id, expected, rfm.summarize(DATE '2024-01-01' + n, a) AS s
          FROM (VALUES (1, 1.50, '0.00'), (1, -1.5, '0.00'), (2, -1.5, '-1.5'), (3, 0.0001, '0.0001'),
                       (4, 0.00010, '0.00010'), (5, 10000, '10000'), (6, 100000000, '100000000'),
                       (7, 12345.6789, '12345.6789'), (8, -9999.9999, '-9999.9999'),
                       (9, 123456789012345678, '123456789012345678'),
                       (10, 9223372036854775807, '9223372036854775807'),
                       (11, 92233720368547758.08, '92233720368547758.08'),
                       (12, 170141183460469231731687303715884105727, '170141183460469231731687303715884105727'),
                       (13, -0.0000000000000000000000001, '-0.0000000000000000000000001'),
                       (14, 0.5, '1.00'), (14, 0.50, '1.00'), (15, 9999.99995, '9999.99995'))
               v(id, a, expected), generate_series(1, 1) n
         GROUP BY id, expected) r
 ORDER BY id;
