-- rfm.customer_scores' direct scan with parallel workers
-- (src/fast_scan_parallel.c): the leader and each worker read blocks of one
-- parallel heap scan into their own tables, the workers send theirs to the
-- leader in parts, which merges them.  Whatever the split, the rows must
-- be those of the direct scan alone and of the SQL path.
--
-- How the expected values were checked: every "differ" column counts rows
-- (as text: values, display scale, scores) where a parallel run differs
-- from the one-process direct scan (rfm.direct_scan_workers = 0, itself
-- checked against the SQL path in fast_scan.sql and against plain SQL in
-- fast_scores.sql), 0 expected; "customers" shows how many rows were
-- compared, counted by plain SQL (customers with an order of amount > 0
-- on or before as_of).  With parallel_leader_participation off every
-- order is read by the worker, so the DEBUG1 line shows all its customers
-- merged: those with any order on or before as_of, counted by plain SQL
-- (customers_with_any_order).  Rows the transaction itself added or
-- deleted count for the workers too.  Errors from a worker keep their
-- SQLSTATE.
SET client_min_messages = warning;
CREATE SCHEMA fast_par_test;
SET search_path = fast_par_test, public;

\i sql/include/err.sql

-- Seeded orders over ~300 blocks: integer, text (short, longer than the
-- prefetch ring's 48 bytes, compressed), uuid and numeric keys (numeric:
-- its output function, as ::text), date and timestamptz times, amounts of
-- every size up to beyond 128 bits, refunds, zeros, NULLs.
\i sql/include/portable_random.sql
SELECT pg_temp.setseed(0.31);
CREATE TABLE orders (k integer, kt text, ku uuid, kn numeric, day date, at timestamptz, amount numeric,
                     kn_mixed numeric);
INSERT INTO orders
SELECT k, CASE WHEN k % 7 = 0 THEN repeat('long-', 12) || k
               WHEN k % 97 = 1 THEN repeat('compressed ', 300) || k
               ELSE 'c' || k END,
       md5(k::text)::uuid, k / 8.0, at::date, at, a,
       round(k / 8.0, 3 + (extract(epoch FROM at)::bigint % 4)::integer)  -- k / 8 at scale 3..6, by row
  FROM (SELECT CASE WHEN pg_temp.random() < 0.01 THEN NULL ELSE (pg_temp.random() * 4000)::integer END AS k,
               timestamptz '2019-01-01 00:00+00' + pg_temp.random() * interval '700 days' AS at,
               CASE WHEN pg_temp.random() < 0.01 THEN NULL
                    WHEN pg_temp.random() < 0.02 THEN 0
                    WHEN pg_temp.random() < 0.05 THEN -round((pg_temp.random() * 40)::numeric, 2)
                    WHEN pg_temp.random() < 0.002 THEN 9e37 + (pg_temp.random() * 1000)::integer
                    ELSE round((pg_temp.random() * 300)::numeric, (pg_temp.random() * 3)::integer) END AS a
          FROM generate_series(1, 40000)) g;
-- and a customer without a purchase: a refund and a zero amount only
INSERT INTO orders
SELECT 5000, 'c5000', md5('5000')::uuid, 5000 / 8.0, at::date, at, a, 625.000
  FROM (VALUES (timestamptz '2020-01-05 00:00+00', -12.50), ('2020-02-05 00:00+00', 0)) v(at, a);
ANALYZE orders;
SELECT pg_relation_size('orders') / current_setting('block_size')::integer > 250 AS several_hundred_blocks;

-- The rows of rfm.customer_scores as text under one way of reading.
CREATE FUNCTION scores_as_text(c text, t text, m text, workers text, leader boolean, direct boolean)
    RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('rfm.direct_scan_workers', workers, true);
    PERFORM set_config('parallel_leader_participation', leader::text, true);
    PERFORM set_config('rfm.direct_scan', direct::text, true);
    RETURN QUERY SELECT s::text FROM rfm.customer_scores('orders', c, t, m, 5, '2020-06-30') s;
END $$;
-- Rows that differ from the direct scan alone, both ways.
CREATE FUNCTION differ(c text, t text, m text, workers text, leader boolean, direct boolean)
    RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
      (SELECT * FROM scores_as_text(c, t, m, '0', true, true)
       EXCEPT ALL SELECT * FROM scores_as_text(c, t, m, workers, leader, direct))
      UNION ALL
      (SELECT * FROM scores_as_text(c, t, m, workers, leader, direct)
       EXCEPT ALL SELECT * FROM scores_as_text(c, t, m, '0', true, true))) d $$;

SELECT (SELECT count(DISTINCT k) FROM orders WHERE amount > 0 AND day <= '2020-06-30') AS customers,
       (SELECT count(*) FROM scores_as_text('k', 'day', 'amount', '0', true, true)) AS scored,
       differ('k', 'day', 'amount', '1', false, true) AS one_worker_alone_differ,
       differ('k', 'day', 'amount', '2', true, true) AS two_workers_and_leader_differ,
       differ('k', 'day', 'amount', '3', true, true) AS three_workers_differ,
       differ('k', 'day', 'amount', '0', true, false) AS sql_path_differ;
SELECT differ('kt', 'at', 'amount', '1', false, true) AS text_alone_differ,
       differ('kt', 'at', 'amount', '2', true, true) AS text_differ,
       differ('ku', 'day', 'amount', '2', true, true) AS uuid_differ,
       differ('kn', 'at', 'amount', '2', true, true) AS numeric_key_differ,
       differ('kn', 'at', 'amount', '1', false, true) AS numeric_key_alone_differ;
-- One customer's numeric key at several display scales in blocks read by
-- different processes: each key is its canonical text (k / 8.0 and
-- round(k / 8.0, 3..6) are both trim_scale(k / 8)), so the workers' tables
-- merge into the same customers as kn gives: no row differs.
SELECT (SELECT count(*) FROM scores_as_text('kn_mixed', 'at', 'amount', '2', true, true)) AS mixed_scale_customers,
       (SELECT count(*) FROM (
          (SELECT * FROM scores_as_text('kn_mixed', 'at', 'amount', '2', true, true)
           EXCEPT ALL SELECT * FROM scores_as_text('kn', 'at', 'amount', '0', true, true))
          UNION ALL
          (SELECT * FROM scores_as_text('kn', 'at', 'amount', '0', true, true)
           EXCEPT ALL SELECT * FROM scores_as_text('kn_mixed', 'at', 'amount', '2', true, true))) d) AS mixed_vs_kn_differ,
       differ('kn_mixed', 'at', 'amount', '1', false, true) AS mixed_alone_differ,
       differ('kn_mixed', 'at', 'amount', '0', true, false) AS mixed_sql_path_differ;

-- Which path ran: with one worker and the leader not reading, every
-- customer comes from the worker, also those with no purchase (only
-- refunds or zero amounts: in the table, left out of the result):
SELECT count(DISTINCT k) AS customers_with_any_order FROM orders
 WHERE amount IS NOT NULL AND day <= '2020-06-30';
CREATE TEMP TABLE temp_orders AS SELECT * FROM orders;
SET client_min_messages = debug1;
SET rfm.direct_scan_workers = 1;
SET parallel_leader_participation = off;
SELECT count(*) FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2020-06-30');
RESET parallel_leader_participation;
-- not for a temporary table (its buffers are this session's own): one process
SELECT count(*) FROM rfm.customer_scores('temp_orders', 'k', 'day', 'amount', 5, '2020-06-30');
-- rfm.direct_scan_workers = 0: one process
SET rfm.direct_scan_workers = 0;
SELECT count(*) FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2020-06-30');
-- automatic (-1): the table is far below min_parallel_table_scan_size (8MB): one process
SET rfm.direct_scan_workers = -1;
SELECT count(*) FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2020-06-30');
-- ... unless that size is lowered; still none with max_parallel_workers_per_gather = 0
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2020-06-30');
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
SET client_min_messages = warning;
RESET rfm.direct_scan_workers;

-- A worker reads with the caller's snapshot and transaction: rows this
-- transaction added or deleted count as they do for the caller (plain SQL
-- in the same transaction gives the expected numbers).
BEGIN;
SET LOCAL rfm.direct_scan_workers = 1;
SET LOCAL parallel_leader_participation = off;
INSERT INTO orders (k, day, at, amount) VALUES (999999, '2020-01-01', '2020-01-01', 10);
DELETE FROM orders WHERE k = 1;
SET LOCAL client_min_messages = debug1;
SELECT count(*) AS scored FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2020-06-30');
SET LOCAL client_min_messages = warning;
SELECT (SELECT count(DISTINCT k) FROM orders WHERE amount > 0 AND day <= '2020-06-30') AS expected,
       (SELECT count(DISTINCT k) FROM orders WHERE amount IS NOT NULL AND day <= '2020-06-30') AS with_any_order,
       (SELECT count(*) FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2020-06-30')
         WHERE customer IN ('1', '999999')) AS customers_1_and_999999;
ROLLBACK;

-- Errors raised while a worker reads reach the caller with their SQLSTATE.
SET rfm.direct_scan_workers = 1;
SET parallel_leader_participation = off;
CREATE TABLE bad_orders AS SELECT * FROM orders;
INSERT INTO bad_orders (k, day, at, amount) VALUES (5, '2020-01-01', '2020-01-01', 'NaN');
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'k', 'day', 'amount', 5, '2020-06-30')$$) AS nan_amount;
UPDATE bad_orders SET amount = 1, day = '-infinity' WHERE amount = 'NaN';
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'k', 'day', 'amount', 5, '2020-06-30')$$) AS infinite_day;
-- A worker's table over rfm.max_memory: 4,000 customers need 8,192 slots
-- of 64 bytes (512 kB).  No statistics (autovacuum off), so nothing is
-- reserved up front and the leader, not reading, stays at 1,024 slots
-- (64 kB): the worker's table fails as it grows, here at the first sum
-- kept as numeric (beyond 128 bits, which count too) once its 4,096 slots
-- fill the 256 kB.
CREATE TABLE fresh_orders WITH (autovacuum_enabled = off) AS SELECT * FROM orders;
SET rfm.max_memory = '256kB';
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('fresh_orders', 'k', 'day', 'amount', 5, '2020-06-30')$$) AS over_max_memory;
RESET rfm.max_memory;
RESET parallel_leader_participation;

RESET search_path;
DROP SCHEMA fast_par_test CASCADE;
