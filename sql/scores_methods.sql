-- rfm.scores: one call scores a whole set of values by method (quantile,
-- ntile, mean, median).  Expected values by hand on ten customers, 60% of
-- them tied at frequency 1 (keys c01..c10), plus c11 without a value:
--   sorted 1,1,1,1,1,1,2,3,4,5; type-7 cuts (h = 9j/5 = 1.8, 3.6, 5.4, 7.2)
--   {1, 1, 1.4, 3.2}; mean 20/10 = 2; median (h = 4.5) = 1.
SET client_min_messages = warning;
-- A private schema: all regression tests share one database.
CREATE SCHEMA scores_methods;
SET search_path = scores_methods, public;
CREATE TABLE freq (customer text, frequency numeric);
INSERT INTO freq VALUES ('c01',1),('c02',1),('c03',1),('c04',1),('c05',1),('c06',1),
                        ('c07',2),('c08',3),('c09',4),('c10',5),('c11',NULL);
CREATE TABLE arr AS
SELECT array_agg(frequency ORDER BY customer) AS vals, array_agg(customer ORDER BY customer) AS keys FROM freq;

-- By hand:
--   quantile      1 + cuts below: the six 1s -> 1, 2 -> 4, 3 -> 4, 4 and 5 -> 5
--   quantile, lower is better: 6 - that: 5, 2, 2, 1
--   ntile         NTILE(5) over (value, key): two per tile in key order
--   ntile, lower is better: NTILE(5) over (value DESC, key DESC):
--                 c10,c09 -> 1; c08,c07 -> 2; c06,c05 -> 3; c04,c03 -> 4; c02,c01 -> 5
--   mean          high (2) when > 2: c08, c09, c10 (c07 = 2 is low)
--   mean, lower is better: high when < 2: the six 1s
--   median        high when > 1: c07..c10
--   c11 (NULL value) gets a NULL score in every method.
SELECT q.key, q.value, q.score AS quantile, ql.score AS quantile_low,
       n.score AS ntile, nl.score AS ntile_low,
       me.score AS mean, mel.score AS mean_low, md.score AS median
  FROM arr,
       rfm.scores(vals, keys) q
  JOIN rfm.scores(vals, keys, higher_is_better => false) ql USING (key)
  JOIN rfm.scores(vals, keys, method => 'ntile') n USING (key)
  JOIN rfm.scores(vals, keys, higher_is_better => false, method => 'ntile') nl USING (key)
  JOIN rfm.scores(vals, keys, method => 'mean') me USING (key)
  JOIN rfm.scores(vals, keys, higher_is_better => false, method => 'mean') mel USING (key)
  JOIN rfm.scores(vals, keys, method => 'median') md USING (key)
 ORDER BY q.key;

-- NTILE splits ties: with 3 tiles of 4, 3, 3 rows the six tied customers land
-- in tiles 1 (c01..c04) and 2 (c05, c06); rfm.score never does that.
SELECT key, value, score FROM arr, rfm.scores(vals, keys, 3, method => 'ntile') ORDER BY key;

-- Same as the documented hand-written queries on 1,000 random customers
-- (recency-like, lower is better): ntile = NTILE(5) OVER (ORDER BY value
-- DESC, key COLLATE "C" DESC); quantile = rfm.score against rfm.breaks.
-- Both counts must be 0.
SELECT setseed(0.25);
CREATE TABLE rnd AS SELECT pg_catalog.lpad(g::text, 4, '0') AS customer, (random() * 30)::int::numeric AS v
  FROM generate_series(1, 1000) g;
SELECT count(*) FILTER (WHERE s.score <> h.nt) AS ntile_differences,
       count(*) FILTER (WHERE s2.score <> h.q) AS quantile_differences,
       count(*) AS customers
  FROM (SELECT customer, ntile(5) OVER (ORDER BY v DESC, customer COLLATE "C" DESC) AS nt,
               rfm.score(v, (SELECT rfm.breaks(v) FROM rnd), false) AS q FROM rnd) h
  JOIN (SELECT (rfm.scores(array_agg(v), array_agg(customer), higher_is_better => false,
                           method => 'ntile')).* FROM rnd) s ON s.key = h.customer
  JOIN (SELECT (rfm.scores(array_agg(v), array_agg(customer), higher_is_better => false)).* FROM rnd) s2
    ON s2.key = h.customer;

-- The mean exactly: 10^22, 10^22 + 1, 10^22 + 1 have the mean
-- 10^22 + 2/3, so the two larger values are above it (2); avg() rounds it
-- to 10^22 + 1, which would make them equal to it (1).  With lower is
-- better only 10^22 is below the mean.
SELECT h.key, h.score AS high, l.score AS low_is_better
  FROM rfm.scores('{10000000000000000000000, 10000000000000000000001, 10000000000000000000001}', '{a,b,c}',
                  method => 'mean') h
  JOIN rfm.scores('{10000000000000000000000, 10000000000000000000001, 10000000000000000000001}', '{a,b,c}',
                  higher_is_better => false, method => 'mean') l USING (key)
 ORDER BY key;

-- Empty input: no rows.
SELECT count(*) AS rows_for_empty FROM rfm.scores('{}', '{}', method => 'ntile');

-- Errors.
\set VERBOSITY terse
SELECT * FROM rfm.scores('{1}', '{a}', method => 'jenks');
SELECT * FROM rfm.scores('{1}', '{a}', method => NULL);  -- 22004, not "unknown method"
SELECT * FROM rfm.scores('{1}', '{a}', 3, method => 'mean');
SELECT * FROM rfm.scores('{1}', '{a}', 1);
SELECT * FROM rfm.scores('{1}', '{a}', 101, method => 'ntile');
SELECT * FROM rfm.scores('{1,2}', '{a}');
SELECT * FROM rfm.scores('{1}', '{a}', higher_is_better => NULL);
\echo :LAST_ERROR_SQLSTATE
RESET search_path;
