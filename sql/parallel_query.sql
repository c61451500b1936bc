-- The set-returning readers rfm.customer_state_scores and rfm.transitions
-- are PARALLEL RESTRICTED: in a query that joins them with a big table,
-- that table is scanned by parallel workers while the function runs in the
-- leader, in parallel mode (where writes, new commands and settings are
-- refused).  Marked PARALLEL UNSAFE (as before), the whole query stays
-- serial: the "gather" columns below say false.  rfm.customer_scores stays
-- PARALLEL UNSAFE: it runs the source's own code, and a source view that
-- calls nextval() failed ("cannot execute nextval() during a parallel
-- operation") when it was restricted and the query around it went parallel.
--
-- How the expected values were checked: each query's result under the
-- parallel plan is compared with the same query with
-- max_parallel_workers_per_gather = 0 (a serial plan, the function
-- outside parallel mode): "same" must be true.  The counts are by hand:
-- 200 customers (k = 0..199), each with 10 orders; the big table has 50
-- rows per customer, so a join on the customer gives 200 * 50 = 10,000
-- rows; rfm.transitions has one row per (from, to) segment pair, each
-- customer in one pair, so its customers add up to 200.
SET client_min_messages = warning;
CREATE SCHEMA parallel_query_test;
SET search_path = parallel_query_test, public;
-- the catalog's id sequences are restored at the end: tests after this one
-- show refresh_log ids
SELECT (SELECT last_value FROM rfm.refresh_log_id_seq) AS log_last,
       (SELECT is_called FROM rfm.refresh_log_id_seq) AS log_called,
       (SELECT last_value FROM rfm.tier_tables_id_seq) AS tier_last,
       (SELECT is_called FROM rfm.tier_tables_id_seq) AS tier_called \gset

CREATE TABLE orders (id bigserial, k integer, day date, amount numeric);
INSERT INTO orders (k, day, amount)
SELECT g % 200, date '2024-01-01' + (g * 7) % 500, (g * 13) % 97 + 1
  FROM generate_series(1, 2000) g;
CREATE SEQUENCE seen;
CREATE VIEW orders_counted AS SELECT o.*, nextval('seen') AS n FROM orders o;
CREATE TABLE big (k integer, pad text);
INSERT INTO big SELECT g % 200, repeat('x', 100) FROM generate_series(1, 10000) g;
ANALYZE orders;
ANALYZE big;

SELECT rfm.customer_state_create('parallel_query_state', 'orders', 'k', 'day', 'amount', 'id');
SELECT rfm.create_tiers('tiers', 'orders', 'k', 'day', 'amount', as_of => '2025-06-01');
SELECT rfm.alter_tiers('tiers', '{"as_of": "2025-09-01"}');

-- Whether the plan of q has a Gather node, and q's result as text (all
-- rows, ordered) under the current settings.
CREATE FUNCTION plan_has_gather(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE plan text;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || q INTO plan;
    RETURN position('"Node Type": "Gather"' IN plan) > 0;
END $$;
CREATE FUNCTION result_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE 'SELECT string_agg(x::text, '';'' ORDER BY x::text) FROM (' || q || ') x' INTO r;
    RETURN r;
END $$;

CREATE TABLE queries (name text, q text);
INSERT INTO queries VALUES
  ('customer_scores',
   $q$SELECT s.r_score, s.f_score, s.m_score, count(*) AS n
        FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2025-06-01') s
        JOIN big b ON b.k::text = s.customer GROUP BY 1, 2, 3$q$),
  ('customer_scores of a view that calls nextval()',
   $q$SELECT s.r_score, s.f_score, s.m_score, count(*) AS n
        FROM rfm.customer_scores('orders_counted', 'k', 'day', 'amount', 5, '2025-06-01') s
        JOIN big b ON b.k::text = s.customer GROUP BY 1, 2, 3$q$),
  ('customer_state_scores',
   $q$SELECT s.r_score, s.f_score, s.m_score, count(*) AS n
        FROM rfm.customer_state_scores('parallel_query_state', 5, '2025-06-01') s
        JOIN big b ON b.k::text = s.customer GROUP BY 1, 2, 3$q$),
  ('transitions',
   $q$SELECT t.from_segment, t.to_segment, t.customers, count(b.k) AS n
        FROM rfm.transitions('tiers', '2025-06-01', '2025-09-01') t
        LEFT JOIN big b ON b.k = t.customers GROUP BY 1, 2, 3$q$);

-- Serial results first.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial AS
SELECT name, plan_has_gather(q) AS gather, result_of(q) AS result FROM queries;
-- Then with parallel plans made cheap.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;  -- the workers read all of big

-- the direct scans, then the SQL paths (their own query runs nested in
-- the parallel query)
SELECT q.name, s.gather AS serial_gather, plan_has_gather(q.q) AS gather,
       result_of(q.q) = s.result AS same
  FROM queries q JOIN serial s USING (name) ORDER BY q.name;
SET rfm.direct_scan = off;
SELECT q.name, plan_has_gather(q.q) AS gather, result_of(q.q) = s.result AS same
  FROM queries q JOIN serial s USING (name) WHERE q.name <> 'transitions' ORDER BY q.name;
RESET rfm.direct_scan;

-- the sizes, by hand (above)
SELECT (SELECT sum(n) FROM (SELECT count(*) AS n FROM rfm.customer_scores('orders', 'k', 'day', 'amount', 5, '2025-06-01') s
                              JOIN big b ON b.k::text = s.customer) x) AS customer_scores_join_rows,
       (SELECT sum(customers) FROM rfm.transitions('tiers', '2025-06-01', '2025-09-01')) AS transition_customers;

SELECT rfm.drop_tiers('tiers');
SELECT rfm.customer_state_drop('parallel_query_state');
DROP SCHEMA parallel_query_test CASCADE;
SELECT setval('rfm.refresh_log_id_seq', :log_last, :'log_called') IS NOT NULL AS log_seq_restored,
       setval('rfm.tier_tables_id_seq', :tier_last, :'tier_called') IS NOT NULL AS tier_seq_restored;
