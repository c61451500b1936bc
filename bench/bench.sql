-- Driven by bench/run.sh (variables orders, customers).  Timed statements
-- follow an "\echo STEP name" line; every path writes its result table.
-- Each step starts right after a CHECKPOINT, as a scheduled refresh usually
-- does (checkpoint_timeout is 5 min by default): a step's first change to
-- each existing page then writes the whole page to WAL, as it would there,
-- and no checkpoint of an earlier step's writes runs during it.
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
-- "1% new orders" for the refresh steps: n orders in December 2023 from
-- the same skewed customers; with refunds, ~2% of them are refunds.
CREATE FUNCTION pg_temp.add_new_orders(n integer, customers integer, refunds boolean)
    RETURNS void LANGUAGE sql AS $$
INSERT INTO orders (customer_id, ordered_at, amount)
SELECT 1 + pg_catalog.floor(customers * pg_catalog.power(pg_catalog.random(), 1.5))::integer,
       date '2023-12-01' + pg_catalog.floor(pg_catalog.random() * 31)::integer,
       CASE WHEN refunds AND pg_catalog.random() < 0.02 THEN -pg_catalog.round((pg_catalog.random() * 50)::numeric, 2)
            ELSE pg_catalog.round((1 + pg_catalog.random() * 199)::numeric, 2) END
  FROM pg_catalog.generate_series(1, n) $$;
SELECT 'INFO table ' || pg_catalog.pg_size_pretty(pg_catalog.pg_table_size('orders')) ||
       ', customers with orders: ' || pg_catalog.count(DISTINCT customer_id) FROM orders \g
\timing on
CHECKPOINT;
\echo STEP warm_up
SELECT pg_catalog.count(*) FROM orders;
CHECKPOINT;
\echo STEP bare_scan
SELECT pg_catalog.count(*) FROM orders;

CHECKPOINT;
\echo STEP builtin_trio
CREATE TEMP TABLE t_trio AS
SELECT customer_id, pg_catalog.max(ordered_at) AS last_day, pg_catalog.count(*) AS n,
       pg_catalog.sum(amount) AS total
  FROM orders GROUP BY customer_id;

CHECKPOINT;
\echo STEP summarize_groupby
CREATE TEMP TABLE t_summary AS
SELECT customer_id, rfm.summarize(ordered_at, amount) AS s FROM orders GROUP BY customer_id;

-- The usual hand-written pipeline: aggregate, then one window sort per score.
CHECKPOINT;
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

CHECKPOINT;
\echo STEP customer_scores
CREATE TEMP TABLE t_fast AS
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, :as_of);

-- its SQL path (the aggregate through SPI, parallel workers allowed), which
-- views, row-level security and the like take: forced by rfm.direct_scan
SET rfm.direct_scan = off;
CHECKPOINT;
\echo STEP customer_scores_sql_path
CREATE TEMP TABLE t_fast_sql AS
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, :as_of);
RESET rfm.direct_scan;

-- the same without parallel workers (the direct scan never uses them)
SET max_parallel_workers_per_gather = 0;
CHECKPOINT;
\echo STEP customer_scores_serial
CREATE TEMP TABLE t_fast_serial AS
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, :as_of);
CHECKPOINT;
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
SELECT 'CHECK rfm.customer_scores direct scan and SQL path agree: ' ||
       CASE WHEN (SELECT pg_catalog.count(*) FROM (TABLE t_fast EXCEPT ALL TABLE t_fast_sql) a) = 0
             AND (SELECT pg_catalog.count(*) FROM (TABLE t_fast_sql EXCEPT ALL TABLE t_fast) b) = 0
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
CHECKPOINT;
\echo STEP state_create
SELECT rfm.customer_state_create('bench', 'orders', 'customer_id', 'ordered_at', 'amount', 'order_id');
\timing off
\set step state_refresh_1pct
\ir state_refresh_round.psql
-- a second 1%, so that one slow moment (a checkpoint, autovacuum) does not decide the ratio
\set step state_refresh_1pct_2
\ir state_refresh_round.psql
CREATE TEMP TABLE t_refreshed AS SELECT * FROM rfm.customer_state_scores('bench', 5, :as_of);
\timing on
CHECKPOINT;
\echo STEP state_rebuild
SELECT rfm.customer_state_rebuild('bench');
CHECKPOINT;
\echo STEP state_scores
CREATE TEMP TABLE t_rebuilt AS SELECT * FROM rfm.customer_state_scores('bench', 5, :as_of);
CHECKPOINT;
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
\timing on
CHECKPOINT;
\echo STEP state_rebuild_2
SELECT rfm.customer_state_rebuild('bench');
\timing off

-- ---- Tier tables (README, "Tier tables").  A full tier table built by
-- rfm.create_tiers against the same table written by plain SQL: the NTILE
-- pipeline with first/last purchase, and the segment, tier and lifecycle
-- labels as CASE expressions.  Both on the same orders (as they are now).
-- (A permanent view: the plain materialized view below reads it.)
CREATE VIEW v_tier_plain AS
WITH per_customer AS (
    SELECT customer_id,
           pg_catalog.min(ordered_at) FILTER (WHERE amount > 0) AS first_purchase,
           pg_catalog.max(ordered_at) FILTER (WHERE amount > 0) AS last_purchase,
           :as_of::date - pg_catalog.max(ordered_at) FILTER (WHERE amount > 0) AS recency_days,
           pg_catalog.count(*) FILTER (WHERE amount > 0) AS frequency,
           pg_catalog.sum(amount) AS monetary
      FROM orders
     WHERE ordered_at <= :as_of::date
     GROUP BY customer_id
    HAVING pg_catalog.count(*) FILTER (WHERE amount > 0) > 0
), scored AS (
    SELECT p.*,
           pg_catalog.ntile(5) OVER (ORDER BY p.recency_days DESC) AS r_score,
           pg_catalog.ntile(5) OVER (ORDER BY p.frequency) AS f_score,
           pg_catalog.ntile(5) OVER (ORDER BY p.monetary) AS m_score
      FROM per_customer p
), labelled AS (
    SELECT s.*,
           CASE WHEN r_score >= 4 AND f_score >= 4 AND m_score >= 4 THEN 'Champions'
                WHEN r_score >= 2 AND f_score >= 3 AND m_score >= 3 THEN 'Loyal Customers'
                WHEN r_score >= 4 AND f_score = 1 AND m_score = 1 THEN 'New Customers'
                WHEN r_score BETWEEN 3 AND 4 AND f_score = 1 AND m_score = 1 THEN 'Promising'
                WHEN r_score >= 3 AND f_score <= 3 AND m_score <= 3 THEN 'Potential Loyalist'
                WHEN r_score BETWEEN 2 AND 3 AND f_score BETWEEN 2 AND 3 AND m_score BETWEEN 2 AND 3 THEN 'Need Attention'
                WHEN r_score BETWEEN 2 AND 3 AND f_score <= 2 AND m_score <= 2 THEN 'About To Sleep'
                WHEN r_score = 1 AND f_score >= 4 AND m_score >= 4 THEN 'Can''t Lose Them'
                WHEN r_score <= 2 AND f_score >= 2 AND m_score >= 2 THEN 'At Risk'
                WHEN r_score = 1 AND f_score = 1 AND m_score = 1 THEN 'Lost'
                WHEN r_score <= 2 AND f_score <= 2 AND m_score <= 2 THEN 'Hibernating'
                ELSE 'Others' END AS segment
      FROM scored s
)
SELECT customer_id, first_purchase, last_purchase, recency_days, frequency, monetary,
       r_score, f_score, m_score, r_score::text || f_score::text || m_score::text AS rfm_cell,
       segment,
       CASE segment WHEN 'Champions' THEN '冠军客户' WHEN 'Loyal Customers' THEN '忠诚客户'
                    WHEN 'New Customers' THEN '新客户' WHEN 'Promising' THEN '有潜力客户'
                    WHEN 'Potential Loyalist' THEN '潜在忠诚客户' WHEN 'Need Attention' THEN '需要关注客户'
                    WHEN 'About To Sleep' THEN '即将沉睡客户' WHEN 'Can''t Lose Them' THEN '不能失去的客户'
                    WHEN 'At Risk' THEN '流失风险客户' WHEN 'Lost' THEN '已流失客户'
                    WHEN 'Hibernating' THEN '休眠客户' ELSE '其他客户' END AS segment_zh,
       CASE WHEN r_score + f_score + m_score >= 12 THEN 'core'
            WHEN r_score + f_score + m_score >= 8 THEN 'potential' ELSE 'marginal' END AS tier,
       CASE WHEN r_score + f_score + m_score >= 12 THEN '核心'
            WHEN r_score + f_score + m_score >= 8 THEN '潜力' ELSE '边缘' END AS tier_zh,
       CASE WHEN recency_days >= 180 THEN 'churned' WHEN recency_days >= 90 THEN 'sleeping'
            WHEN :as_of::date - first_purchase < 30 THEN 'new' ELSE 'active' END AS lifecycle,
       CASE WHEN recency_days >= 180 THEN '流失' WHEN recency_days >= 90 THEN '沉睡'
            WHEN :as_of::date - first_purchase < 30 THEN '新客' ELSE '活跃' END AS lifecycle_zh,
       :as_of::date AS as_of
  FROM labelled;
-- each twice (the machine is shared; the ratio uses each one's best run)
\timing on
CHECKPOINT;
\echo STEP tier_plain_sql
CREATE TEMP TABLE t_tier_plain AS SELECT * FROM v_tier_plain;
CHECKPOINT;
\echo STEP tier_create
SELECT rfm.create_tiers('bench_tiers', 'orders', 'customer_id', 'ordered_at', 'amount',
                        as_of => :as_of, keep_history => false);
CHECKPOINT;
\echo STEP tier_plain_sql_2
CREATE TEMP TABLE t_tier_plain_2 AS SELECT * FROM v_tier_plain;
CHECKPOINT;
\echo STEP tier_create_2
SELECT rfm.create_tiers('bench_tiers_2', 'orders', 'customer_id', 'ordered_at', 'amount',
                        as_of => :as_of, keep_history => false);
CHECKPOINT;
-- The same rows as a table of the kind rfm.create_tiers makes: a
-- materialized view (permanent, WAL-logged) with the unique index that
-- REFRESH ... CONCURRENTLY needs; the temporary tables above are the
-- cheapest plain way (local buffers, no WAL, no index).
\echo STEP tier_plain_matview
DO $$
BEGIN
    CREATE MATERIALIZED VIEW plain_tiers AS SELECT * FROM v_tier_plain;
    CREATE UNIQUE INDEX ON plain_tiers (customer_id);
END $$;
\timing off
-- (R/F/M values only: NTILE splits ties in whatever order rows arrive)
SELECT 'CHECK plain materialized view and plain temporary table: R/F/M values equal: ' ||
       CASE WHEN pg_catalog.count(*) FILTER (WHERE (p.first_purchase, p.recency_days, p.frequency, p.monetary)
                                         IS DISTINCT FROM (m.first_purchase, m.recency_days, m.frequency, m.monetary)) = 0
            THEN 'ok' ELSE 'FAIL' END
  FROM t_tier_plain_2 p FULL JOIN plain_tiers m ON m.customer_id = p.customer_id \g
DROP MATERIALIZED VIEW plain_tiers;
DROP TABLE t_tier_plain_2;
SELECT rfm.drop_tiers('bench_tiers_2');
SELECT 'CHECK tier table vs plain SQL: R/F/M values and first purchase equal: ' ||
       CASE WHEN pg_catalog.count(*) FILTER (WHERE (p.first_purchase, p.recency_days, p.frequency, p.monetary)
                                         IS DISTINCT FROM (t.first_purchase, t.recency_days, t.frequency, t.monetary)) = 0
            THEN 'ok' ELSE 'FAIL' END ||
       ' (' || pg_catalog.count(*) || ' customers)'
  FROM t_tier_plain p FULL JOIN bench_tiers t ON t.customer_id = p.customer_id \g
-- The plain pipeline's CASE labels are what rfm.segment gives for its own
-- (NTILE) scores, so both steps do the same labelling work; scores differ by
-- method (NTILE splits ties, rfm's quantile scores do not).
SELECT 'CHECK plain SQL labels equal rfm.segment / tier3 of its NTILE scores, lifecycle equal: ' ||
       CASE WHEN pg_catalog.count(*) FILTER (WHERE p.segment IS DISTINCT FROM rfm.segment(p.r_score, p.f_score, p.m_score)
                                          OR p.segment_zh IS DISTINCT FROM rfm.segment(p.r_score, p.f_score, p.m_score, lang => 'zh')
                                          OR p.tier IS DISTINCT FROM rfm.segment(p.r_score, p.f_score, p.m_score, 'tier3')
                                          OR p.tier_zh IS DISTINCT FROM rfm.segment(p.r_score, p.f_score, p.m_score, 'tier3', 'zh')
                                          OR p.lifecycle IS DISTINCT FROM t.lifecycle
                                          OR p.lifecycle_zh IS DISTINCT FROM t.lifecycle_zh) = 0
            THEN 'ok' ELSE 'FAIL' END
  FROM t_tier_plain p JOIN bench_tiers t ON t.customer_id = p.customer_id \g
SELECT 'INFO tier table: ' || pg_catalog.count(*) || ' customers; R/F/M scores equal to NTILE''s for ' ||
       pg_catalog.round(100.0 * pg_catalog.count(*) FILTER (WHERE (p.r_score, p.f_score, p.m_score)
                                                       = (t.r_score, t.f_score, t.m_score)) / pg_catalog.count(*), 1) ||
       '% of customers (different methods)'
  FROM t_tier_plain p JOIN bench_tiers t ON t.customer_id = p.customer_id \g

-- Refresh: 1% new orders, then the tier table refreshed in place (rfm.refresh_tiers).
SELECT pg_temp.add_new_orders(:orders / 100, :customers, false);
ANALYZE orders;
\timing on
CHECKPOINT;
\echo STEP tier_refresh
CALL rfm.refresh_tiers('bench_tiers');
\timing off
CREATE TEMP TABLE t_tier_check AS
SELECT * FROM rfm.customer_scores('orders', 'customer_id', 'ordered_at', 'amount', 5, :as_of);
SELECT 'CHECK refreshed tier table equals rfm.customer_scores on the new orders: ' ||
       CASE WHEN pg_catalog.count(*) FILTER (WHERE (c.first_purchase, c.last_purchase, c.recency_days, c.frequency,
                                                  c.monetary, c.r_score, c.f_score, c.m_score)
                                         IS DISTINCT FROM (t.first_purchase, t.last_purchase, t.recency_days, t.frequency,
                                                           t.monetary, t.r_score, t.f_score, t.m_score)) = 0
            THEN 'ok' ELSE 'FAIL' END
  FROM t_tier_check c FULL JOIN bench_tiers t ON t.customer_id::text = c.customer \g

-- The same refresh the way PostgreSQL does it (what rfm.refresh_tiers did
-- before it refreshed in place, and still does above rfm.max_memory):
-- another 1% new orders, then REFRESH ... CONCURRENTLY's generic diff.
SELECT pg_temp.add_new_orders(:orders / 100, :customers, false);
ANALYZE orders;
\timing on
CHECKPOINT;
\echo STEP tier_refresh_concurrently
REFRESH MATERIALIZED VIEW CONCURRENTLY bench_tiers;
\timing off

-- ---- Incremental tier refresh (create_tiers ... watermark_column): the
-- tier table keeps its customer states and a refresh folds in only the
-- orders above the watermark.  Needs as_of NULL (the refresh day), so it is
-- compared with a full tier table of the same day: both built, 1% new
-- orders, both refreshed, rows compared.
\timing on
CHECKPOINT;
\echo STEP tier_create_today
SELECT rfm.create_tiers('bench_tiers_full', 'orders', 'customer_id', 'ordered_at', 'amount', keep_history => false);
CHECKPOINT;
\echo STEP tier_create_incremental
SELECT rfm.create_tiers('bench_tiers_incr', 'orders', 'customer_id', 'ordered_at', 'amount', keep_history => false,
                        watermark_column => 'order_id');
\timing off
SELECT pg_temp.add_new_orders(:orders / 100, :customers, true);
ANALYZE orders;
VACUUM ANALYZE rfm.customer_states;
\timing on
CHECKPOINT;
\echo STEP tier_refresh_full
CALL rfm.refresh_tiers('bench_tiers_full');
CHECKPOINT;
\echo STEP tier_refresh_incremental
CALL rfm.refresh_tiers('bench_tiers_incr');
\timing off
SELECT 'CHECK incremental tier refresh equals the full tier refresh: ' ||
       CASE WHEN (SELECT pg_catalog.count(*) FROM (SELECT * FROM bench_tiers_incr EXCEPT ALL SELECT * FROM bench_tiers_full) a) = 0
             AND (SELECT pg_catalog.count(*) FROM (SELECT * FROM bench_tiers_full EXCEPT ALL SELECT * FROM bench_tiers_incr) b) = 0
            THEN 'ok' ELSE 'FAIL' END ||
       ' (' || (SELECT pg_catalog.count(*) FROM bench_tiers_incr) || ' customers)' \g
