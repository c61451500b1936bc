-- rfm demo on the CDNOW sample: 6,919 orders of 2,357 customers, 1997-1998.
-- Run from the repository root (paths below are relative to it).
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS rfm;

-- Load the raw file (whitespace separated) into an orders table.
CREATE TABLE cdnow_raw (line text);
\copy cdnow_raw (line) from 'data/CDNOW_sample.txt' with (format text, delimiter E'\x01')
CREATE TABLE orders AS
SELECT f[2]::int AS customer_id, to_date(f[3], 'YYYYMMDD') AS ordered_on,
       f[5]::numeric AS amount
  FROM (SELECT regexp_split_to_array(btrim(line, E' \r'), '\s+') AS f FROM cdnow_raw) r;
DROP TABLE cdnow_raw;
\echo
\echo '== Orders loaded'
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers,
       min(ordered_on) AS first_day, max(ordered_on) AS last_day FROM orders;

\echo '== Per-customer summaries (top 10 by net spend), rfm.summarize'
SELECT customer_id, (s).first_purchase, (s).last_purchase,
       rfm.recency_days(s, DATE '1998-07-01') AS recency_days,
       (s).frequency, (s).purchase_days, (s).monetary, round((s).repeat_monetary, 2) AS repeat_monetary
  FROM (SELECT customer_id, rfm.summarize(ordered_on, amount) AS s
          FROM orders GROUP BY customer_id) t
 ORDER BY (s).monetary DESC, customer_id
 LIMIT 10;
