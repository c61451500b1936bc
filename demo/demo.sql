-- rfm demo on the CDNOW sample: 6,919 orders of 2,357 customers, 1997-1998:
-- per-customer summaries, the tier table, its segment summary and actions.
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

\echo '== Tier table: rfm.create_tiers (quintile scores, standard segments, as of 1998-07-01)'
SELECT rfm.create_tiers('cdnow_tiers', 'orders', 'customer_id', 'ordered_on', 'amount',
                        as_of => DATE '1998-07-01') AS tier_table \gset
SELECT customer_id, recency_days, frequency, monetary, rfm_cell, segment, segment_zh, tier, lifecycle
  FROM cdnow_tiers
 ORDER BY monetary DESC, customer_id
 LIMIT 15;

\echo '== What rfm did with each order (rfm.check_orders): why the tier table has fewer customers than the orders'
SELECT rule, orders, customers, amount, effect
  FROM rfm.check_orders('orders', 'customer_id', 'ordered_on', 'amount', as_of => DATE '1998-07-01')
 WHERE orders > 0;

\echo '== Segments (the table a BI chart is drawn from), in the scheme''s order'
SELECT segment, segment_zh, customers, customer_share, revenue_share,
       round(mean_recency_days) AS mean_recency_days, round(mean_frequency, 1) AS mean_frequency,
       round(mean_monetary, 2) AS mean_monetary
  FROM cdnow_tiers_segments
 ORDER BY segment_priority;

\echo '== Recommended actions (rfm.playbook)'
SELECT DISTINCT segment, rfm.recommended_action(segment) AS action, rfm.recommended_action(segment, lang => 'zh') AS action_zh
  FROM cdnow_tiers ORDER BY segment;
