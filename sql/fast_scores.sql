-- rfm.customer_scores (the whole-table path) against the plain path
-- rfm.summarize + rfm.breaks + rfm.score, serially and under a forced
-- parallel plan; and incremental customer states against full rebuilds.
--
-- How the expected values were checked: the tiny example is worked out by
-- hand below; every other check is a count of rows where two independent
-- computations differ (0 expected), the plain side being the per-customer
-- query rfm's tier tables use (rfm.summarize GROUP BY, then rfm.breaks and
-- rfm.score), which shares no code with the fast path except the cut point
-- interpolation rfm_cut_points.
SET client_min_messages = warning;
-- own schema: pg_regress runs every test in one database
CREATE SCHEMA fast_scores_test;
SET search_path = fast_scores_test, public;

-- Hand-worked example, as_of 2020-01-10:
--   a: 10.00 (01-01), 5.5 (01-05), -2.50 (01-06) -> first 01-01, last 01-05,
--      recency 5, frequency 2, monetary 13.00 (scale 2: the largest scale)
--   b: 100 (01-03) -> recency 7, frequency 1, monetary 100
--   c: 1.000 (01-02), 2 (01-04) -> recency 6, frequency 2, monetary 3.000
--   d: refund only, e: zero amount only -> no purchase, not scored
--   NULL customer, NULL amount, and f's order after as_of: ignored.
-- bins 2 (n = 3): the one cut is the middle value: recency 6, frequency 2,
--   monetary 13.00; score = 1 + (value > cut), recency reversed (3 - bin):
--   a: r 2 f 1 m 1; b: r 1 f 1 m 2; c: r 2 f 1 m 1.
-- bins 3: cut j = v[lo] + (v[lo+1]-v[lo]) * rem/3 with (n-1)*j = 3*lo + rem:
--   recency 5.67, 6.33 -> a 5: bin 1 -> r 3; c 6: bin 2 -> r 2; b 7: r 1
--   frequency 1.67, 2  -> a 2, b 1, c 2
--   monetary 9.67, 42  -> a 13: 2, b 100: 3, c 3: 1
CREATE TABLE tiny (customer text, ordered_at timestamptz, amount numeric);
SET TimeZone = 'UTC';
INSERT INTO tiny VALUES
  ('a', '2020-01-01 10:00', 10.00), ('a', '2020-01-05', 5.5), ('a', '2020-01-06', -2.50),
  ('b', '2020-01-03', 100), ('c', '2020-01-02', 1.000), ('c', '2020-01-04 23:59', 2),
  ('d', '2020-01-02', -5), ('e', '2020-01-02', 0), (NULL, '2020-01-01', 50),
  ('a', '2020-01-02', NULL), ('f', '2020-02-01', 7);
SELECT * FROM rfm.customer_scores('tiny', 'customer', 'ordered_at', 'amount', 2, '2020-01-10') ORDER BY 1;
SELECT customer, r_score, f_score, m_score
  FROM rfm.customer_scores('tiny', 'customer', 'ordered_at', 'amount', 3, '2020-01-10') ORDER BY 1;

-- Net spend below zero (refunds larger than purchases), where the cut is
-- not on the values' grid: customer 1 bought 1 and got 2 back (-1), 2
-- bought 1 and got 3 back (-2).  bins 2: the cut is -2 + (-1 - -2) / 2 =
-- -1.5, so 1 (-1 > -1.5) scores m 2 and 2 scores 1 (a cut's floor on the
-- scaled grid rounds toward minus infinity: rounded toward zero it was -1,
-- and both scored 1).  rfm.score over rfm.breaks says the same.
CREATE TABLE net_negative (c integer, d date, a numeric);
INSERT INTO net_negative VALUES (1, '2024-01-01', 1), (1, '2024-01-02', -2), (2, '2024-01-01', 1), (2, '2024-01-02', -3);
SELECT customer, monetary, m_score FROM rfm.customer_scores('net_negative', 'c', 'd', 'a', 2, '2024-02-01') ORDER BY 1;
SELECT (rfm.summarize(d, a)).monetary AS monetary,
       rfm.score((rfm.summarize(d, a)).monetary, (SELECT rfm.breaks(m, 2) FROM (SELECT (rfm.summarize(d, a)).monetary AS m
                                                                          FROM net_negative GROUP BY c) x)) AS m_score
  FROM net_negative GROUP BY c ORDER BY c;

-- Two partial states of the same customers combined (the SQL path's
-- combine function; partitionwise aggregation makes one state per
-- partition, deterministically, where a parallel plan may leave a worker
-- without rows): customer 1 bought in both partitions, so its state from
-- 2021 is merged into the one from 2020.  By hand, as_of 2021-12-31:
--   1: first 2020-03-01, last 2021-05-01 (recency 30+30+31+31+30+31+30+31
--      = 244), 2 purchases, 15;  2: 2020-02-01 .. 2020-06-01 (365 + 213 =
--      578), 2, 8;  3: 2021-02-01 (27 + 306 = 333), 1, 4.
-- (With the merge keeping the earlier last purchase, 1's was 2020-03-01.)
CREATE TABLE split_orders (k integer, day date, amount numeric) PARTITION BY RANGE (day);
CREATE TABLE split_orders_2020 PARTITION OF split_orders FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE split_orders_2021 PARTITION OF split_orders FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
INSERT INTO split_orders VALUES (1, '2020-03-01', 10), (1, '2021-05-01', 5), (2, '2020-02-01', 7), (2, '2020-06-01', 1),
  (3, '2021-02-01', 4);
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.partial_aggregates(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE line text; n bigint := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        IF line LIKE '%Partial Aggregate%' THEN n := n + 1; END IF;
    END LOOP;
    RETURN n;
END $$;
SELECT pg_temp.partial_aggregates($$SELECT rfm._customer_states(k, day, amount, 'x') FROM split_orders$$) AS states_combined;
SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary
  FROM rfm.customer_scores('split_orders', 'k', 'day', 'amount', 2, '2021-12-31') ORDER BY 1;
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;

-- A zero amount with more than 30 decimals is no purchase either (README
-- "Input rules": amount 0 is neither a purchase nor a refund); it takes
-- the numeric path, not the scaled one.  Expected: 1 bought once (10, on
-- 01-01; its zero on 02-01 is not its last purchase), 2 (a zero only) has
-- no row, 3 bought 5 on 01-20.
CREATE TABLE zero_decimals (c integer, d date, a numeric);
INSERT INTO zero_decimals VALUES (1, '2024-01-01', 10), (1, '2024-02-01', 0.0000000000000000000000000000000),
  (2, '2024-01-15', 0.0000000000000000000000000000000), (3, '2024-01-20', 5);
SELECT customer, last_purchase, frequency, monetary
  FROM rfm.customer_scores('zero_decimals', 'c', 'd', 'a', 2, '2024-03-01') ORDER BY 1;

-- The plain path, as the tier query computes it.
CREATE FUNCTION plain_scores(src regclass, c text, t text, a text, bins integer, as_of date)
    RETURNS TABLE (customer text, first_purchase date, last_purchase date, recency_days integer,
                   frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer)
    LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
      WITH p AS (SELECT %2$I::text AS customer, rfm.summarize(%3$I, %4$I::numeric) AS s
                   FROM %1$s WHERE %2$I IS NOT NULL AND %3$I::date <= $2 GROUP BY %2$I),
      m AS (SELECT p.customer, (p.s).first_purchase, (p.s).last_purchase,
                   rfm.recency_days(p.s, $2) AS recency_days, (p.s).frequency, (p.s).monetary
              FROM p WHERE (p.s).last_purchase IS NOT NULL),
      c AS (SELECT rfm.breaks(recency_days::numeric, $1) rb, rfm.breaks(frequency::numeric, $1) fb,
                   rfm.breaks(monetary, $1) mb FROM m)
      SELECT m.*, rfm.score(recency_days::numeric, rb, false), rfm.score(frequency::numeric, fb),
             rfm.score(monetary, mb)
        FROM m, c $q$, src, c, t, a) USING bins, as_of;
END $$;

-- Rows that differ (monetary compared as text: same value and display scale).
CREATE FUNCTION differences(src regclass, c text, t text, a text, bins integer, as_of date)
    RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
      (SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM plain_scores(src, c, t, a, bins, as_of)
       EXCEPT ALL
       SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM rfm.customer_scores(src, c, t, a, bins, as_of))
      UNION ALL
      (SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM rfm.customer_scores(src, c, t, a, bins, as_of)
       EXCEPT ALL
       SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM plain_scores(src, c, t, a, bins, as_of))) d $$;

SELECT differences('tiny', 'customer', 'ordered_at', 'amount', 2, '2020-01-10') AS tiny_bins2,
       differences('tiny', 'customer', 'ordered_at', 'amount', 3, '2020-01-10') AS tiny_bins3;

-- Seeded random orders: integer customers (bigint keys), heavy ties,
-- amounts with 0..3 decimals, refunds, zeros and NULLs.
SELECT setseed(0.6);
CREATE TABLE orders (order_id bigserial PRIMARY KEY, customer_id integer, ordered_at date, amount numeric);
INSERT INTO orders (customer_id, ordered_at, amount)
SELECT CASE WHEN random() < 0.01 THEN NULL ELSE (random() * 400)::integer END,
       date '2019-01-01' + (random() * 700)::integer,
       CASE WHEN random() < 0.01 THEN NULL
            WHEN random() < 0.03 THEN 0
            WHEN random() < 0.05 THEN -round((random() * 30)::numeric, 2)
            ELSE round((random() * 300)::numeric, (random() * 3)::integer) END
  FROM generate_series(1, 20000);
-- text customers (some longer than the 48-byte prefetch buffer) and
-- timestamptz times, from the same rows
CREATE TABLE orders_text AS
SELECT CASE WHEN customer_id % 3 = 0 THEN repeat('long-', 12) ELSE 'cust-' END || customer_id AS who, ordered_at::timestamptz + interval '13 hours' AS at, amount
  FROM orders;
ANALYZE orders, orders_text;

SELECT count(*) AS scored FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, '2020-06-30');
SELECT differences('orders', 'customer_id', 'ordered_at', 'amount', 5, '2020-06-30') AS int_5,
       differences('orders', 'customer_id', 'ordered_at', 'amount', 4, '2019-06-30') AS int_4_past,
       differences('orders', 'customer_id', 'ordered_at', 'amount', 10, '2021-12-31') AS int_10,
       differences('orders_text', 'who', 'at', 'amount', 5, '2020-06-30') AS text_tz_5,
       differences('orders_text', 'who', 'at', 'amount', 7, '2021-12-31') AS text_tz_7;

-- Sums beyond 128-bit integers and scales beyond 30 take the numeric path.
CREATE TABLE huge (customer_id integer, ordered_at date, amount numeric);
INSERT INTO huge
SELECT i % 7, date '2020-01-01' + i, CASE WHEN i % 5 = 0 THEN 9e37 + i
                                          WHEN i % 5 = 1 THEN round(1 / (i + 3.0), 35) ELSE i END
  FROM generate_series(1, 60) i;
SELECT differences('huge', 'customer_id', 'ordered_at', 'amount', 3, '2020-12-31') AS huge_3;

-- Forced parallel plan: workers build partial tables, merged in combine
-- (the SQL path: rfm.direct_scan = off, else plain tables are read directly).
SET rfm.direct_scan = off;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT rfm._customer_states(customer_id::int8, ordered_at, amount, 'rfm.customer_scores') FROM orders;
SELECT differences('orders', 'customer_id', 'ordered_at', 'amount', 5, '2020-06-30') AS par_int_5,
       differences('orders_text', 'who', 'at', 'amount', 5, '2020-06-30') AS par_text_5,
       differences('huge', 'customer_id', 'ordered_at', 'amount', 3, '2020-12-31') AS par_huge_3;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET rfm.direct_scan;

-- Incremental states: refresh after new orders == rebuild == plain path.
SELECT rfm.customer_state_create('st', 'orders', 'customer_id', 'ordered_at', 'amount', 'order_id') > 0 AS created;
-- new orders: new customers, backdated ones (before a first purchase),
-- refunds, and buyers who so far only had refunds or zeros
INSERT INTO orders (customer_id, ordered_at, amount)
SELECT (random() * 450)::integer, date '2018-12-01' + (random() * 800)::integer,
       CASE WHEN random() < 0.1 THEN -round((random() * 30)::numeric, 2)
            ELSE round((random() * 300)::numeric, (random() * 4)::integer) END
  FROM generate_series(1, 300);
SELECT rfm.customer_state_refresh('st') > 0 AS folded;
SELECT rfm.customer_state_refresh('st') AS nothing_new;
CREATE TABLE refreshed AS SELECT * FROM rfm.customer_state_scores('st', 5, '2030-01-01');
-- stored states == rfm.summarize over all orders (every customer, scored or not;
-- IS DISTINCT FROM NULL: a refund-only summary has NULL dates, so IS NOT NULL is false)
SELECT count(*) AS state_differences FROM (
  (SELECT customer, first_purchase, last_purchase, frequency, monetary::text
     FROM rfm.customer_states WHERE state_name = 'st'
   EXCEPT ALL
   SELECT customer_id::text, (s).first_purchase, (s).last_purchase, (s).frequency, (s).monetary::text
     FROM (SELECT customer_id, rfm.summarize(ordered_at, amount) s FROM orders
            WHERE customer_id IS NOT NULL GROUP BY customer_id) x WHERE s IS DISTINCT FROM NULL)
  UNION ALL
  (SELECT customer_id::text, (s).first_purchase, (s).last_purchase, (s).frequency, (s).monetary::text
     FROM (SELECT customer_id, rfm.summarize(ordered_at, amount) s FROM orders
            WHERE customer_id IS NOT NULL GROUP BY customer_id) x WHERE s IS DISTINCT FROM NULL
   EXCEPT ALL
   SELECT customer, first_purchase, last_purchase, frequency, monetary::text
     FROM rfm.customer_states WHERE state_name = 'st')) d;
SELECT count(*) AS refreshed_vs_plain FROM (
  (TABLE refreshed EXCEPT ALL SELECT * FROM plain_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, '2030-01-01'))
  UNION ALL
  (SELECT * FROM plain_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, '2030-01-01') EXCEPT ALL TABLE refreshed)) d;
SELECT rfm.customer_state_rebuild('st') > 0 AS rebuilt;
SELECT count(*) AS refreshed_vs_rebuilt FROM (
  (TABLE refreshed EXCEPT ALL SELECT * FROM rfm.customer_state_scores('st', 5, '2030-01-01'))
  UNION ALL
  (SELECT * FROM rfm.customer_state_scores('st', 5, '2030-01-01') EXCEPT ALL TABLE refreshed)) d;
SELECT rfm.customer_state_drop('st');
SELECT count(*) AS rows_left FROM rfm.customer_states WHERE state_name = 'st';

-- Errors (without PL/pgSQL's CONTEXT lines: 13 and 14 number a DECLARE
-- block's lines differently)
\set SHOW_CONTEXT never
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 1);
SELECT * FROM rfm.customer_scores('orders', 'nope', 'ordered_at', 'amount');
CREATE TABLE float_orders (c integer, d date, x float8);
SELECT * FROM rfm.customer_scores('float_orders', 'c', 'd', 'x');
SELECT rfm.customer_state_refresh('missing');
\set SHOW_CONTEXT errors
INSERT INTO tiny VALUES ('g', '2020-01-03', 'NaN');
SELECT * FROM rfm.customer_scores('tiny', 'customer', 'ordered_at', 'amount', 5, '2020-12-31');
-- memory cap: 20000 customers need 32768 slots of 64 bytes (2 MB) > 1 MB
SET rfm.max_memory = '1MB';
CREATE TABLE many AS SELECT i AS c, date '2020-01-01' AS d, 1::numeric AS a FROM generate_series(1, 20000) i;
SELECT count(*) FROM rfm.customer_scores('many', 'c', 'd', 'a', 5, '2020-12-31');
RESET rfm.max_memory;
SELECT count(*) FROM rfm.customer_scores('many', 'c', 'd', 'a', 5, '2020-01-01');
DROP SCHEMA fast_scores_test CASCADE;
RESET search_path;
