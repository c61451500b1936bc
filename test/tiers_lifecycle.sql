-- pgTAP: a tier table's lifecycle thresholds (rfm.create_tiers' new_days,
-- sleeping_days, churned_days; rfm.alter_tiers' options of those names).
-- Five customers whose stages, by hand, differ between the defaults
-- (30 / 90 / 180) and 5 / 20 / 40; the same rows on the fast path, the
-- grouped (CLV) path and an incremental table; kept by refreshes and
-- backfilled days; changed by an alter; the errors.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS life_t CASCADE;
CREATE SCHEMA life_t;
SELECT plan(25);

-- By hand, as of 2024-06-30 (tenure: days since the first purchase,
-- recency: since the last):
--   1: first and last 2024-06-20    tenure 10, recency 10   default new,      5/20/40 active
--   2: 2024-01-01 .. 2024-05-31     recency 30              default active,   5/20/40 sleeping
--   3: 2024-01-01 .. 2024-05-01     recency 60              default active,   5/20/40 churned
--   4: 2024-01-01 .. 2024-03-01     recency 121             default sleeping, 5/20/40 churned
--   5: 2023-01-01 .. 2023-06-01     recency 395             default churned,  5/20/40 churned
CREATE TABLE life_t.orders (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO life_t.orders (customer, ordered_on, amount) VALUES
  (1, '2024-06-20', 10), (2, '2024-01-01', 20), (2, '2024-05-31', 5), (3, '2024-01-01', 7), (3, '2024-05-01', 9),
  (4, '2024-01-01', 30), (4, '2024-03-01', 1), (5, '2023-01-01', 3), (5, '2023-06-01', 8);

SELECT rfm.create_tiers('life_t.plain', 'life_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-06-30') \g /dev/null
SELECT rfm.create_tiers('life_t.slow', 'life_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-06-30',
                        new_days => 5, sleeping_days => 20, churned_days => 40) \g /dev/null
SELECT results_eq($$SELECT lifecycle FROM life_t.plain ORDER BY customer_id$$,
  $$VALUES ('new'), ('active'), ('active'), ('sleeping'), ('churned')$$,
  'the default thresholds 30 / 90 / 180 (by hand)');
SELECT results_eq($$SELECT lifecycle, lifecycle_zh FROM life_t.slow ORDER BY customer_id$$,
  $$VALUES ('active', '活跃'), ('sleeping', '沉睡'), ('churned', '流失'), ('churned', '流失'), ('churned', '流失')$$,
  'new_days 5, sleeping_days 20, churned_days 40 (by hand), in both languages');
SELECT is((SELECT lifecycle_days FROM rfm.tier_tables WHERE tier = 'life_t.slow'::regclass), ARRAY[5, 20, 40],
  'the catalog keeps the thresholds');
SELECT is((SELECT lifecycle_days FROM rfm.tier_tables WHERE tier = 'life_t.plain'::regclass), ARRAY[30, 90, 180],
  '... the defaults too');
SELECT is((SELECT count(*)::int FROM life_t.slow
            WHERE lifecycle IS DISTINCT FROM rfm.lifecycle_stage(first_purchase, last_purchase, as_of, 5, 20, 40)), 0,
  'every row as rfm.lifecycle_stage with the same thresholds');

-- the grouped path (clv => true) gives the same stages
SELECT rfm.create_tiers('life_t.slow_clv', 'life_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-06-30',
                        clv => true, new_days => 5, sleeping_days => 20, churned_days => 40) \g /dev/null
SELECT results_eq($$SELECT customer_id, lifecycle, lifecycle_zh FROM life_t.slow_clv ORDER BY 1$$,
  $$SELECT customer_id, lifecycle, lifecycle_zh FROM life_t.slow ORDER BY 1$$,
  'the grouped (CLV) path: the same stages');

-- a refresh keeps them (the stored query); so does a backfilled day:
-- on 2024-06-10, 1 has not bought yet; 2 recency 10 (active), 3 40
-- (churned), 4 101 and 5 375 (churned)
CALL rfm.refresh_tiers('life_t.slow');
SELECT results_eq($$SELECT lifecycle FROM life_t.slow ORDER BY customer_id$$,
  $$VALUES ('active'), ('sleeping'), ('churned'), ('churned'), ('churned')$$,
  'after a refresh the same thresholds');
SELECT is(rfm.backfill_history('life_t.slow', '2024-06-10'), 4::bigint, 'a backfill of 2024-06-10: four customers');
SELECT results_eq($$SELECT customer_id, lifecycle FROM life_t.slow_history WHERE as_of = '2024-06-10' ORDER BY 1$$,
  $$VALUES (2, 'active'), (3, 'churned'), (4, 'churned'), (5, 'churned')$$,
  '... with the table''s thresholds (by hand)');

-- an incremental table (as_of NULL: days counted back from today)
CREATE TABLE life_t.recent (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO life_t.recent (customer, ordered_on, amount) VALUES
  (1, current_date - 10, 10), (2, current_date - 200, 20), (2, current_date - 30, 5), (3, current_date - 100, 7);
SELECT rfm.create_tiers('life_t.inc', 'life_t.recent', 'customer', 'ordered_on', 'amount', watermark_column => 'order_id',
                        new_days => 5, sleeping_days => 20, churned_days => 40) \g /dev/null
SELECT results_eq($$SELECT lifecycle FROM life_t.inc ORDER BY customer_id$$,
  $$VALUES ('active'), ('sleeping'), ('churned')$$,
  'an incremental table: 1 active (10 days), 2 sleeping (30), 3 churned (100)');
INSERT INTO life_t.recent (customer, ordered_on, amount) VALUES (3, current_date - 2, 4), (4, current_date - 1, 6);
CALL rfm.refresh_tiers('life_t.inc');
SELECT results_eq($$SELECT lifecycle FROM life_t.inc ORDER BY customer_id$$,
  $$VALUES ('active'), ('sleeping'), ('active'), ('new')$$,
  '... after new orders folded in: 3 active again, 4 new');

-- an alter changes them, and says so in the log
SELECT rfm.alter_tiers('life_t.plain', '{"new_days": 5, "sleeping_days": 20, "churned_days": 40}') \g /dev/null
SELECT results_eq($$SELECT customer_id, lifecycle FROM life_t.plain ORDER BY 1$$,
  $$SELECT customer_id, lifecycle FROM life_t.slow ORDER BY 1$$,
  'rfm.alter_tiers to 5 / 20 / 40: the stages of the table built with them');
SELECT is((SELECT message FROM rfm.refresh_log WHERE tier = 'life_t.plain'::regclass AND action = 'alter'),
  'lifecycle_days {30,90,180} -> {5,20,40}', '... logged as a change of lifecycle_days');
SELECT rfm.alter_tiers('life_t.plain', '{"churned_days": 61}') \g /dev/null
SELECT is((SELECT lifecycle FROM life_t.plain WHERE customer_id = 3), 'sleeping',
  'one threshold alone: churned_days 61 makes customer 3 (recency 60) sleeping, the others kept');

-- errors: nothing made or changed
SELECT throws_ok($$SELECT rfm.create_tiers('life_t.bad', 'life_t.orders', 'customer', 'ordered_on', 'amount', new_days => 0)$$,
  '22023', 'rfm.create_tiers: need 0 < new_days <= sleeping_days < churned_days, got 0, 90, 180',
  'new_days 0: 22023');
SELECT throws_ok($$SELECT rfm.create_tiers('life_t.bad', 'life_t.orders', 'customer', 'ordered_on', 'amount', sleeping_days => 200)$$,
  '22023', 'rfm.create_tiers: need 0 < new_days <= sleeping_days < churned_days, got 30, 200, 180',
  'sleeping_days above churned_days: 22023');
SELECT throws_ok($$SELECT rfm.create_tiers('life_t.bad', 'life_t.orders', 'customer', 'ordered_on', 'amount', churned_days => NULL)$$,
  '22004', NULL, 'a NULL threshold: 22004');
SELECT ok(to_regclass('life_t.bad') IS NULL, '... and no table made');
SELECT throws_ok($$SELECT rfm.alter_tiers('life_t.plain', '{"new_days": 50}')$$,
  '22023', 'rfm.alter_tiers: need 0 < new_days <= sleeping_days < churned_days, got 50, 20, 61',
  'an alter that puts new_days above sleeping_days: 22023');
SELECT throws_ok($$SELECT rfm.alter_tiers('life_t.plain', '{"sleeping_days": "20"}')$$,
  '22023', 'rfm.alter_tiers: sleeping_days must be a whole number of days above 0, not "20"',
  'a threshold that is not a number: 22023');
SELECT is((SELECT lifecycle_days FROM rfm.tier_tables WHERE tier = 'life_t.plain'::regclass), ARRAY[5, 20, 61],
  '... the catalog as before the failed alters');
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('life_t.orders', 'customer', 'ordered_on', 'amount', 'integer', 5,
                     'standard', '2024-06-30', false, NULL, NULL, ARRAY[30, 90]) AS t(x int)$$,
  '22023', NULL, 'rfm._tier_rows with two thresholds: 22023');
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('life_t.orders', 'customer', 'ordered_on', 'amount', 'integer', 5,
                     'standard', '2024-06-30', false, NULL, NULL, '[0:2]={30,90,180}'::int[]) AS t(x int)$$,
  '22023', NULL, '... or three from subscript 0: 22023');
SELECT throws_ok($$UPDATE rfm.tier_tables SET lifecycle_days = '[0:2]={5,1,3}' WHERE tier = 'life_t.plain'::regclass$$,
  '23514', NULL, 'the catalog''s check refuses thresholds from subscript 0 (where [1] to [3] would read past them)');
SELECT throws_ok($$UPDATE rfm.tier_tables SET lifecycle_days = '{60,180,180}' WHERE tier = 'life_t.plain'::regclass$$,
  '23514', NULL, '... and sleeping_days equal to churned_days');

SELECT * FROM finish();
SELECT rfm.drop_tiers(tier) FROM rfm.tier_tables WHERE tier::text LIKE 'life_t.%' \g /dev/null
DROP SCHEMA life_t CASCADE;
