-- Tier tables: more customers than rfm.max_memory lets the fast path hold.
-- rfm._tier_rows (C) gives the same NOTICE as the plpgsql version it
-- replaced and builds the rows by the grouped path: the same rows as the
-- fast path with enough memory (both compared with EXCEPT ALL, as text).
\set SHOW_CONTEXT never
CREATE SCHEMA tiers_fb;
-- 5,000 customers with 1..3 orders each in March 2024
CREATE TABLE tiers_fb.orders AS
SELECT c AS customer, date '2024-03-01' + (c * 7 + k) % 31 AS ordered_on, ((c * 13 + k * 5) % 200 + 1)::numeric AS amount
  FROM generate_series(1, 5000) c, generate_series(1, 1 + c % 3) k;
SET rfm.max_memory = '64kB';
SELECT rfm.create_tiers('tiers_fb.small', 'tiers_fb.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false);
RESET rfm.max_memory;
SELECT rfm.create_tiers('tiers_fb.big', 'tiers_fb.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false);
SELECT count(*) AS customers FROM tiers_fb.small;
SELECT count(*) AS differing_rows
  FROM ((SELECT s::text FROM tiers_fb.small s EXCEPT ALL SELECT b::text FROM tiers_fb.big b)
        UNION ALL (SELECT b::text FROM tiers_fb.big b EXCEPT ALL SELECT s::text FROM tiers_fb.small s)) d;
SELECT action, row_count FROM rfm.refresh_log WHERE tier = 'tiers_fb.small'::regclass;
SET rfm.max_memory = '64kB';
REFRESH MATERIALIZED VIEW tiers_fb.small;
RESET rfm.max_memory;
SELECT count(*) AS customers_after_refresh FROM tiers_fb.small;
SELECT rfm.drop_tiers('tiers_fb.small'), rfm.drop_tiers('tiers_fb.big');
DROP SCHEMA tiers_fb CASCADE;
