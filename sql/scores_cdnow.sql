-- Scores on the CDNOW sample (2,357 customers, all 18 months of orders,
-- as_of 1998-06-30): a real heavy tie, 51% of buyers bought once.
-- Expected values from an independent python3 computation on the same file
-- (fractions.Fraction, type-7 cut points, 1 + cuts strictly below):
--   2,349 customers with a purchase (8 have only zero-dollar rows);
--   frequency cuts {1, 1, 2, 4}: the 1,197 one-time buyers all score 1,
--     score 2 is empty, 406 score 3 (frequency 2), 358 score 4 (3 or 4),
--     388 score 5;
--   recency cuts {150, 441, 486, 512} -> scores 1..5: 455, 475, 478, 470, 471;
--   monetary cuts {15.36, 32.262, 59.44, 130.556}
--     -> scores 1..5: 473, 467, 469, 470, 470.
SET client_min_messages = warning;
-- A private schema: all regression tests share one database.
CREATE SCHEMA scores_cdnow;
SET search_path = scores_cdnow, public;
CREATE TABLE raw (line text);
\copy raw (line) from 'data/CDNOW_sample.txt' with (format text, delimiter E'\x01')
CREATE TABLE orders AS
SELECT f[2]::int AS customer, to_date(f[3], 'YYYYMMDD') AS ordered_on, f[5]::numeric AS amount
  FROM (SELECT regexp_split_to_array(btrim(line, E' \r'), '\s+') AS f FROM raw) r;

CREATE TABLE buyers AS
SELECT customer, rfm.recency_days(s, '1998-06-30')::numeric AS recency,
       (s).frequency::numeric AS frequency, (s).monetary AS monetary
  FROM (SELECT customer, rfm.summarize(ordered_on, amount) AS s FROM orders GROUP BY customer) t
 WHERE (s).frequency > 0;
SELECT count(*) AS buyers, count(*) FILTER (WHERE frequency = 1) AS one_time FROM buyers;

CREATE TABLE cuts AS
SELECT rfm.breaks(recency) AS r, rfm.breaks(frequency) AS f, rfm.breaks(monetary) AS m FROM buyers;
SELECT r, f, m FROM cuts;

SELECT s AS score,
       count(*) FILTER (WHERE rfm.score(recency, c.r, false) = s) AS r,
       count(*) FILTER (WHERE rfm.score(frequency, c.f) = s) AS f,
       count(*) FILTER (WHERE rfm.score(monetary, c.m) = s) AS m
  FROM buyers, cuts c, generate_series(1, 5) s GROUP BY s ORDER BY s;
-- Equal values, equal scores: no frequency value is split across scores.
SELECT count(*) AS frequencies_with_two_scores
  FROM (SELECT frequency FROM buyers, cuts c
         GROUP BY frequency HAVING count(DISTINCT rfm.score(frequency, c.f)) > 1) x;
RESET search_path;
