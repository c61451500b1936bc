-- Driven by bench/run.sh (variables orders, customers).  Timed statements
-- follow an "\echo STEP name" line; every path writes its result table.
\set as_of '''2024-01-01'''
CREATE EXTENSION rfm;
SELECT pg_catalog.setseed(0.20240101);
CREATE TABLE orders (
    order_id    bigserial PRIMARY KEY,
    customer_id integer NOT NULL,
    ordered_at  date NOT NULL,
    amount      numeric(12,2) NOT NULL
);
-- ~2% refunds; skewed customers (some buy far more often than others)
INSERT INTO orders (customer_id, ordered_at, amount)
SELECT 1 + pg_catalog.floor(:customers * pg_catalog.power(pg_catalog.random(), 1.5))::integer,
       date '2021-01-01' + pg_catalog.floor(pg_catalog.random() * 1095)::integer,
       CASE WHEN pg_catalog.random() < 0.02 THEN -pg_catalog.round((pg_catalog.random() * 50)::numeric, 2)
            ELSE pg_catalog.round((1 + pg_catalog.random() * 199)::numeric, 2) END
  FROM pg_catalog.generate_series(1, :orders);
VACUUM ANALYZE orders;
SELECT 'INFO table ' || pg_catalog.pg_size_pretty(pg_catalog.pg_table_size('orders')) ||
       ', customers with orders: ' || pg_catalog.count(DISTINCT customer_id) FROM orders \g
\timing on
\echo STEP warm_up
SELECT pg_catalog.count(*) FROM orders;
\echo STEP bare_scan
SELECT pg_catalog.count(*) FROM orders;

\echo STEP builtin_trio
CREATE TEMP TABLE t_trio AS
SELECT customer_id, pg_catalog.max(ordered_at) AS last_day, pg_catalog.count(*) AS n,
       pg_catalog.sum(amount) AS total
  FROM orders GROUP BY customer_id;

\echo STEP summarize_groupby
CREATE TEMP TABLE t_summary AS
SELECT customer_id, rfm.summarize(ordered_at, amount) AS s FROM orders GROUP BY customer_id;

-- The usual hand-written pipeline: aggregate, then one window sort per score.
\echo STEP ntile_pipeline
CREATE TEMP TABLE t_ntile AS
WITH per_customer AS (
    SELECT customer_id,
           :as_of::date - pg_catalog.max(ordered_at) FILTER (WHERE amount > 0) AS recency_days,
           pg_catalog.count(*) FILTER (WHERE amount > 0) AS frequency,
           pg_catalog.sum(amount) AS monetary
      FROM orders
     GROUP BY customer_id
    HAVING pg_catalog.count(*) FILTER (WHERE amount > 0) > 0
)
SELECT customer_id, recency_days, frequency, monetary,
       pg_catalog.ntile(5) OVER (ORDER BY recency_days DESC) AS r_score,
       pg_catalog.ntile(5) OVER (ORDER BY frequency) AS f_score,
       pg_catalog.ntile(5) OVER (ORDER BY monetary) AS m_score
  FROM per_customer;

\echo STEP customer_scores
CREATE TEMP TABLE t_fast AS
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, :as_of);

-- the same without parallel workers (on 2 cores the merge of per-worker
-- tables can cost more than the workers save)
SET max_parallel_workers_per_gather = 0;
\echo STEP customer_scores_serial
CREATE TEMP TABLE t_fast_serial AS
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, :as_of);
\echo STEP ntile_pipeline_serial
CREATE TEMP TABLE t_ntile_serial AS
WITH per_customer AS (
    SELECT customer_id,
           :as_of::date - pg_catalog.max(ordered_at) FILTER (WHERE amount > 0) AS recency_days,
           pg_catalog.count(*) FILTER (WHERE amount > 0) AS frequency,
           pg_catalog.sum(amount) AS monetary
      FROM orders
     GROUP BY customer_id
    HAVING pg_catalog.count(*) FILTER (WHERE amount > 0) > 0
)
SELECT customer_id, recency_days, frequency, monetary,
       pg_catalog.ntile(5) OVER (ORDER BY recency_days DESC) AS r_score,
       pg_catalog.ntile(5) OVER (ORDER BY frequency) AS f_score,
       pg_catalog.ntile(5) OVER (ORDER BY monetary) AS m_score
  FROM per_customer;
RESET max_parallel_workers_per_gather;

\timing off
SELECT 'CHECK serial and parallel rfm.customer_scores agree: ' ||
       CASE WHEN (SELECT pg_catalog.count(*) FROM (TABLE t_fast EXCEPT ALL TABLE t_fast_serial) a) = 0
             AND (SELECT pg_catalog.count(*) FROM (TABLE t_fast_serial EXCEPT ALL TABLE t_fast) b) = 0
            THEN 'ok' ELSE 'FAIL' END \g
SELECT 'CHECK R/F/M values, NTILE pipeline vs rfm.customer_scores: ' ||
       CASE WHEN pg_catalog.count(*) FILTER (WHERE (n.recency_days, n.frequency, n.monetary)
                                         IS DISTINCT FROM (f.recency_days, f.frequency, f.monetary)) = 0
            THEN 'ok' ELSE 'FAIL' END ||
       ' (' || pg_catalog.count(*) || ' customers, ' ||
       pg_catalog.count(*) FILTER (WHERE (n.recency_days, n.frequency, n.monetary)
                                   IS DISTINCT FROM (f.recency_days, f.frequency, f.monetary)) || ' differ)'
  FROM t_ntile n FULL JOIN t_fast f ON f.customer = n.customer_id::text \g
SELECT 'CHECK frequency and monetary, rfm.summarize vs rfm.customer_scores: ' ||
       CASE WHEN pg_catalog.count(*) FILTER (WHERE ((t.s).frequency, (t.s).monetary)
                                         IS DISTINCT FROM (f.frequency, f.monetary)) = 0
            THEN 'ok' ELSE 'FAIL' END
  FROM (SELECT * FROM t_summary WHERE (s).last_purchase IS NOT NULL) t
  FULL JOIN t_fast f ON f.customer = t.customer_id::text \g

-- Incremental refresh: a state built from all orders, then 1% new orders.
\timing on
\echo STEP state_create
SELECT rfm.customer_state_create('bench', 'orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
\timing off
INSERT INTO orders (customer_id, ordered_at, amount)
SELECT 1 + pg_catalog.floor(:customers * pg_catalog.power(pg_catalog.random(), 1.5))::integer,
       date '2023-12-01' + pg_catalog.floor(pg_catalog.random() * 31)::integer,
       pg_catalog.round((1 + pg_catalog.random() * 199)::numeric, 2)
  FROM pg_catalog.generate_series(1, :orders / 100);
ANALYZE orders;
VACUUM ANALYZE rfm.customer_states;
\timing on
\echo STEP state_refresh_1pct
SELECT rfm.customer_state_refresh('bench');
\timing off
CREATE TEMP TABLE t_refreshed AS SELECT * FROM rfm.customer_state_scores('bench', 5, :as_of);
\timing on
\echo STEP state_rebuild
SELECT rfm.customer_state_rebuild('bench');
\echo STEP state_scores
CREATE TEMP TABLE t_rebuilt AS SELECT * FROM rfm.customer_state_scores('bench', 5, :as_of);
\echo STEP customer_scores_after
CREATE TEMP TABLE t_fast2 AS
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, :as_of);
\timing off
SELECT 'CHECK incremental refresh vs full rebuild: ' ||
       CASE WHEN (SELECT pg_catalog.count(*) FROM (TABLE t_refreshed EXCEPT ALL TABLE t_rebuilt) a) = 0
             AND (SELECT pg_catalog.count(*) FROM (TABLE t_rebuilt EXCEPT ALL TABLE t_refreshed) b) = 0
             AND (SELECT pg_catalog.count(*) FROM (TABLE t_rebuilt EXCEPT ALL TABLE t_fast2) c) = 0
             AND (SELECT pg_catalog.count(*) FROM (TABLE t_fast2 EXCEPT ALL TABLE t_rebuilt) d) = 0
            THEN 'ok' ELSE 'FAIL' END \g
