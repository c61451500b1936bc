-- rfm.breaks / rfm.score on hand-built data.  Expected cut points by hand
-- with the type-7 rule: h = (n-1)*j/k, c_j = v[floor h] + frac(h)*(next - v).
SET client_min_messages = warning;

-- 1..10, quintiles: h = 9*j/5 = 1.8, 3.6, 5.4, 7.2 (0-based) ->
-- 2.8, 4.6, 6.4, 8.2 (numpy.percentile(range(1,11), [20,40,60,80]) agrees).
SELECT rfm.breaks(v) FROM generate_series(1, 10) v;
-- bins = 4 on 1..10: h = 2.25, 4.5, 6.75 -> 3.25, 5.5, 7.75.
SELECT rfm.breaks(v, 4) FROM generate_series(1, 10) v;
-- A third: h = 1/3 on {0, 1} -> 0.333...(numeric division, trailing zeros trimmed)
SELECT rfm.breaks(v, 3) FROM (VALUES (0), (1)) t(v);

-- Heavy tie: 60% of 10 customers have frequency 1, then 2, 3, 4, 5.
-- Sorted (0-based): 1,1,1,1,1,1,2,3,4,5.  h = 1.8 -> 1; 3.6 -> 1;
-- 5.4 -> v5 + .4*(v6 - v5) = 1 + .4*(2-1) = 1.4; 7.2 -> 3 + .2*(4-3) = 3.2.
-- Cuts {1,1,1.4,3.2}.  Score = 1 + number of cuts below the value:
-- 1 -> 1 (all six tied customers together); 2 -> 4; 3 -> 4; 4 -> 5; 5 -> 5.
-- Bins 2 and 3 stay empty: equal values never split.
CREATE TABLE tie (customer int, frequency numeric);
INSERT INTO tie VALUES (1,1),(2,1),(3,1),(4,1),(5,1),(6,1),(7,2),(8,3),(9,4),(10,5);
SELECT rfm.breaks(frequency) FROM tie;
SELECT frequency, rfm.score(frequency, b) AS score, count(*) AS customers
  FROM tie, (SELECT rfm.breaks(frequency) AS b FROM tie) x
 GROUP BY 1, 2 ORDER BY 1;

-- Recency: lower is better, so the score is reversed (6 - bin with 5 bins).
-- Cuts {10,20,30,40}: 5 days -> bin 1 -> 5; 10 -> bin 1 -> 5 (tie with the
-- cut stays low); 25 -> bin 3 -> 3; 41 -> bin 5 -> 1.
SELECT d, rfm.score(d, '{10,20,30,40}', higher_is_better => false) AS r
  FROM unnest('{5,10,25,41}'::numeric[]) d;
-- Fixed user breaks: any ascending array; n cuts give scores 1..n+1.
SELECT v, rfm.score(v, '{100,500}') FROM unnest('{0,100,101,500,1e9}'::numeric[]) v;
-- Empty break list: everyone is 1.
SELECT rfm.score(7, '{}');

-- High / low split (8-type model): high when better than the threshold.
SELECT rfm.high_low(11, 10) AS above, rfm.high_low(10, 10) AS equal_is_low,
       rfm.high_low(5, 10, false) AS recent_is_high, rfm.high_low(NULL, 10) AS null_in;
-- Mean and median thresholds on the tie data: mean 20/10 = 2 (3 customers
-- above: 3, 4, 5) and median 1 (percentile_cont(0.5) of 1,1,1,1,1,1,2,3,4,5;
-- 4 customers above: 2, 3, 4, 5).
SELECT count(*) FILTER (WHERE rfm.high_low(frequency, mean) = 2) AS high_vs_mean,
       count(*) FILTER (WHERE rfm.high_low(frequency, median) = 2) AS high_vs_median
  FROM tie, (SELECT avg(frequency) AS mean,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY frequency)::numeric AS median
               FROM tie) t;

-- NTILE-compatible mode: ties split by key order, 2 bins over 5 values
-- {1,1,1,2,3} keys a..e: ntile puts a,b,c in 1 and d,e in 2.
SELECT * FROM rfm.ntile_scores('{1,1,1,2,3}', '{a,b,c,d,e}', 2);
-- Same values, unlike rfm.score, get different NTILE scores (c vs. a/b
-- with 3 bins: a,b -> 1, c,d -> 2, e -> 3).
SELECT * FROM rfm.ntile_scores('{1,1,1,2,3}', '{a,b,c,d,e}', 3);

-- Interpolation steps that divide evenly are exact at any magnitude
-- (numeric's division kept about 16 significant digits): two values 0 and
-- 12345678901234567891, median = 12345678901234567891 / 2 =
-- 6172839450617283945.5; 10^30, 3 * 10^30, 10^32 + 1 in 4 bins: h = 0.5,
-- 1, 1.5, cuts 2 * 10^30, 3 * 10^30 and 3 * 10^30 + (97 * 10^30 + 1) / 2 =
-- 51500000000000000000000000000000.5; 0 and 1 in 64 bins: j / 64, the
-- first 0.015625.
SELECT rfm.breaks(v, 2) AS median_of_two FROM unnest('{0, 12345678901234567891}'::numeric[]) v;
SELECT rfm.breaks(v, 4) AS quartiles FROM unnest('{1e30, 3e30, 100000000000000000000000000000001}'::numeric[]) v;
SELECT (rfm.breaks(v, 64))[1] AS first_of_64 FROM unnest('{0, 1}'::numeric[]) v;
-- Equal values written with different scales (1.0 and 1.00...0, 29
-- zeros) in either row order: the same array, printed the same.  0, 1, 1
-- in 3 bins: h = 2/3 (cut 2/3, a third's division precision, 20 digits)
-- and 4/3 (cut 1, trailing zeros trimmed).  The order of the rows used to
-- set the division's precision (38 digits when 1.00...0 came first).
SELECT rfm.breaks(x, 3 ORDER BY o) AS ascending, rfm.breaks(x, 3 ORDER BY o DESC) AS descending
  FROM (VALUES (0::numeric, 1), (1.0, 2), (1.00000000000000000000000000000, 3)) v(x, o);
SELECT rfm.breaks(x, 2 ORDER BY o) AS ascending, rfm.breaks(x, 2 ORDER BY o DESC) AS descending
  FROM (VALUES (1.0, 1), (1.000, 2)) v(x, o);  -- h = 0.5 between equal values: 1

-- NULLs and empty input.
SELECT rfm.breaks(v) IS NULL AS empty_is_null FROM generate_series(1, 0) v;
SELECT rfm.breaks(v) FROM (VALUES (NULL::numeric), (3), (NULL)) t(v);  -- one value: all cuts 3
SELECT rfm.score(NULL, '{1,2}') IS NULL AS null_value, rfm.score(1, NULL) IS NULL AS null_breaks;

-- Errors.
\set VERBOSITY terse
SELECT rfm.breaks(v, 1) FROM generate_series(1, 3) v;
SELECT rfm.breaks(v, 101) FROM generate_series(1, 3) v;
SELECT rfm.breaks(v, NULL) FROM generate_series(1, 3) v;
SELECT rfm.breaks(v, (v % 2) + 2) FROM generate_series(1, 3) v;
SELECT rfm.breaks(v) FROM (VALUES ('NaN'::numeric)) t(v);
SELECT rfm.score(1, '{3,2}');
SELECT rfm.score(1, '{1,NULL}');
SELECT rfm.score(1, '{1,2}', NULL);
SELECT * FROM rfm.ntile_scores('{1}', '{a}', 1);
SELECT * FROM rfm.ntile_scores('{1,2}', '{a}', 2);
\set VERBOSITY default

-- Same input, same scores: twice, and under a forced parallel plan.
SELECT setseed(0.5);
CREATE TABLE many AS SELECT g AS customer, (random() * 20)::int::numeric AS v
  FROM generate_series(1, 30000) g;
CREATE TEMP TABLE run1 AS
SELECT customer, rfm.score(v, b) AS s FROM many, (SELECT rfm.breaks(v) AS b FROM many) x;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT rfm.breaks(v) FROM many;
CREATE TEMP TABLE run2 AS
SELECT customer, rfm.score(v, b) AS s FROM many, (SELECT rfm.breaks(v) AS b FROM many) x;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE run1.s IS DISTINCT FROM run2.s) AS differences,
       count(DISTINCT run1.s) AS distinct_scores
  FROM run1 JOIN run2 USING (customer);
-- And the parallel breaks equal percentile_cont (also type 7) on the same data.
SELECT rfm.breaks(v) = (SELECT array_agg(p::numeric ORDER BY q)
                          FROM unnest(ARRAY[0.2, 0.4, 0.6, 0.8]) q,
                               LATERAL (SELECT percentile_cont(q) WITHIN GROUP (ORDER BY v) AS p FROM many) z)
       AS same_as_percentile_cont
  FROM many;
-- With bins other than 5 too (the workers' states carry their bins; a
-- state sent as 5 bins gave four cut points): 4 bins of the customers
-- 1..30,000 cut at the 0-based positions 29,999 j / 4 = 7,499.75,
-- 14,999.5, 22,499.25, between the values 7,500 and 7,501 (and so on):
-- 7,500.75, 15,000.5, 22,500.25.
EXPLAIN (COSTS OFF) SELECT rfm.breaks(customer::numeric, 4) FROM many;
SELECT rfm.breaks(customer::numeric, 4) AS four_bins FROM many;
