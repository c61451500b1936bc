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
-- The log says which path built it (a scheduled job's NOTICE is lost);
-- the build of big took the fast path and says nothing.
SELECT tier, action, row_count, message FROM rfm.refresh_log
 WHERE tier IN ('tiers_fb.small'::regclass, 'tiers_fb.big'::regclass) ORDER BY id;
SET rfm.max_memory = '64kB';
REFRESH MATERIALIZED VIEW tiers_fb.small;
SELECT count(*) AS customers_after_refresh FROM tiers_fb.small;
-- rfm.refresh_tiers over the limit: the new rows do not fit either, so
-- REFRESH ... CONCURRENTLY, whose stored query takes the grouped path.
CALL rfm.refresh_tiers('tiers_fb.small');
RESET rfm.max_memory;
CALL rfm.refresh_tiers('tiers_fb.big');
SELECT tier, action, row_count, message FROM rfm.refresh_log
 WHERE tier IN ('tiers_fb.small'::regclass, 'tiers_fb.big'::regclass) AND action = 'refresh' ORDER BY id;
-- and an alter, after what it changed
SET rfm.max_memory = '64kB';
SELECT rfm.alter_tiers('tiers_fb.small', '{"bins": 4}');
RESET rfm.max_memory;
SELECT action, row_count, message FROM rfm.refresh_log
 WHERE tier = 'tiers_fb.small'::regclass AND action = 'alter';
SELECT rfm.drop_tiers('tiers_fb.small'), rfm.drop_tiers('tiers_fb.big');

-- The grouped path (numeric keys take it) leaves out orders after as_of by
-- their day, as the fast path and rfm.customer_scores do.  In
-- Atlantic/Azores summer time ends at 01:00 on 2024-10-27 (back to 00:00):
-- an order at 00:30 UTC is 00:30 local on the 27th, after as_of 2024-10-26.
-- The filter "< (as_of + 1)::timestamptz" read the ambiguous midnight as
-- the later one and let it in (customer 1's refund counted: 30, not 50; as
-- a purchase, 22023 "purchase on 2024-10-27 is after as_of").  By hand:
-- customer 1 bought 50 on the 20th, customer 2 40 on the 21st.
SET TimeZone = 'Atlantic/Azores';
CREATE TABLE tiers_fb.azores (customer numeric, ordered_at timestamptz, amount numeric);
INSERT INTO tiers_fb.azores VALUES (1, '2024-10-20 12:00+00', 50), (1, '2024-10-27 00:30+00', -20),
                                   (2, '2024-10-21 12:00+00', 40), (2, '2024-10-27 00:40+00', 15);
SELECT '2024-10-27 00:30+00'::timestamptz::date AS refund_day, '2024-10-27 00:40+00'::timestamptz::date AS purchase_day;
SELECT rfm.create_tiers('tiers_fb.azores_tiers', 'tiers_fb.azores', 'customer', 'ordered_at', 'amount',
                        as_of => '2024-10-26', keep_history => false);
SELECT customer_id, last_purchase, frequency, monetary FROM tiers_fb.azores_tiers ORDER BY customer_id;
SELECT rfm.drop_tiers('tiers_fb.azores_tiers');
RESET TimeZone;
-- and with as_of on the last day a timestamp can have: (as_of + 1) did not
-- fit a timestamp (22008); the day filter does.  recency_days checked by
-- date subtraction.
CREATE TABLE tiers_fb.far (customer numeric, ordered_at timestamp, amount numeric);
INSERT INTO tiers_fb.far VALUES (1, '2024-01-01 10:00', 5), (2, '294276-12-31 23:00', 7);
SELECT rfm.create_tiers('tiers_fb.far_tiers', 'tiers_fb.far', 'customer', 'ordered_at', 'amount',
                        as_of => '294276-12-31', keep_history => false);
SELECT customer_id, last_purchase, recency_days, recency_days = date '294276-12-31' - last_purchase AS recency_checked,
       monetary FROM tiers_fb.far_tiers ORDER BY customer_id;
SELECT rfm.drop_tiers('tiers_fb.far_tiers');
-- A zone this server's time zone data lacks (a tier table or customer
-- state restored on another server): PostgreSQL's error, and a context
-- line saying whose zone it is (until 2026-12-06 the error alone).  Both
-- the refresh day and the stored query's rows set it through rfm.
\set SHOW_CONTEXT errors
SELECT rfm._zone_today('Mars/Olympus');
SELECT count(*) FROM rfm._tier_rows('tiers_fb.far', 'customer', 'ordered_at', 'amount', 'numeric', 5,
                                    'standard', NULL, false, NULL, 'Mars/Olympus') AS t(customer_id numeric);
\set SHOW_CONTEXT never
DROP SCHEMA tiers_fb CASCADE;
