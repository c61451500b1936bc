-- Infinite amounts and values (README, "Limits and errors": NaN or infinite
-- amounts and values to score are 22023).  numeric has infinities since
-- PostgreSQL 14; on 13 the literal itself is rejected by numeric's input
-- function (22P02), so 13 compares with expected/numeric_infinity_1.out and
-- no infinite number can reach rfm.
\pset null '(null)'
SET client_min_messages = warning;

\i sql/include/err.sql

SELECT pg_temp.err($$SELECT rfm.summarize('2024-01-01'::date, 'Infinity'::numeric)::text$$) AS summarize_inf,
       pg_temp.err($$SELECT rfm.summarize('2024-01-01 10:00+00'::timestamptz, '-Infinity'::numeric)::text$$) AS summarize_minus_inf;
SELECT pg_temp.err($$SELECT rfm.breaks(v)::text FROM (VALUES (1::numeric), ('Infinity')) t(v)$$) AS breaks_inf;
SELECT pg_temp.err($$SELECT rfm.score('Infinity'::numeric, '{1,2}')::text$$) AS score_inf;
-- infinite cut points: 22023 (both are in ascending order, and would score
-- 1 as 2 and as 1)
SELECT pg_temp.err($$SELECT rfm.score(1, '{-Infinity,2}')::text$$) AS score_minus_inf_break,
       pg_temp.err($$SELECT rfm.score(1, '{1,Infinity}')::text$$) AS score_inf_break;
-- rfm.high_low, rfm.ntile_scores and every method of rfm.scores: 22023 too
-- (NaN: sql/bad_input_scores.sql)
SELECT pg_temp.err($$SELECT rfm.high_low('Infinity', 5)::text$$) AS high_low_inf,
       pg_temp.err($$SELECT rfm.high_low(5, '-Infinity')::text$$) AS high_low_minus_inf_threshold;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2,Infinity}', '{a,b,c}')$$) AS ntile_scores_inf;
SELECT m AS method,
       pg_temp.err(format($$SELECT count(*)::text FROM rfm.scores('{1,2,Infinity}', '{a,b,c}', method => %L)$$, m)) AS inf,
       pg_temp.err(format($$SELECT count(*)::text FROM rfm.scores('{-Infinity,1}', '{a,b}', higher_is_better => false, method => %L)$$, m)) AS minus_inf
  FROM unnest(ARRAY['quantile', 'ntile', 'mean', 'median']) AS m;

-- rfm.customer_scores reads the amount itself: direct scan and SQL path.
CREATE TABLE inf_orders (customer integer, ordered_on date, amount numeric);
INSERT INTO inf_orders VALUES (1, '2024-01-01', 10), (2, '2024-01-02', 5);
INSERT INTO inf_orders VALUES (3, '2024-01-03', '-Infinity');
SELECT count(*) AS rows FROM inf_orders;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('inf_orders', 'customer', 'ordered_on', 'amount', 5, '2024-12-31')$$) AS direct_scan;
SET rfm.direct_scan = off;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('inf_orders', 'customer', 'ordered_on', 'amount', 5, '2024-12-31')$$) AS sql_path;
RESET rfm.direct_scan;
DROP TABLE inf_orders;
