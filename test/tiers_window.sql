-- pgTAP: a tier table over a window of recent orders, as README ("A window
-- of recent orders") shows it: a view over the orders of the last 365
-- days before now(), read again at every refresh, so customers whose
-- orders all fell out of the window leave the tier table and frequency
-- and monetary count the window only.  Values by hand below.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS win_t CASCADE;
CREATE SCHEMA win_t;
SELECT plan(6);
-- Orders at noon of days before today (this session's zone, which the
-- tier table keeps):
--   1: 10 days ago 50; 400 days ago 100 (out)   -> frequency 1, monetary 50, recency 10
--   2: 500 days ago 70 (out)                    -> not in the tier table
--   3: 100 days ago 20; 200 days ago refund 5   -> frequency 1, monetary 15, recency 100
--   4: 364 days ago 30 (in: after now() - 365 days); 366 days ago 40 (out)
--                                               -> frequency 1, monetary 30, recency 364
CREATE TABLE win_t.orders (customer integer, ordered_at timestamptz, amount numeric);
INSERT INTO win_t.orders
SELECT c, (current_date - d) + time '12:00', a
  FROM (VALUES (1, 10, 50), (1, 400, 100), (2, 500, 70), (3, 100, 20), (3, 200, -5),
               (4, 364, 30), (4, 366, 40)) o(c, d, a);
CREATE VIEW win_t.last_year AS
SELECT customer, ordered_at, amount FROM win_t.orders WHERE ordered_at > now() - interval '365 days';
SELECT rfm.create_tiers('win_t.tiers', 'win_t.last_year', 'customer', 'ordered_at', 'amount',
                        bins => 2, keep_history => false) \g /dev/null
SELECT results_eq($$SELECT customer_id, frequency, monetary, recency_days FROM win_t.tiers ORDER BY customer_id$$,
  $$VALUES (1, 1::bigint, 50::numeric, 10), (3, 1, 15, 100), (4, 1, 30, 364)$$,
  'a tier table over a view of the last 365 days: only those orders count, customers without one are left out');
SELECT is((SELECT as_of FROM win_t.tiers LIMIT 1), current_date, '... as of today');
-- a new order of customer 2 brings it back at the next refresh
INSERT INTO win_t.orders VALUES (2, (current_date - 1) + time '12:00', 80);
CALL rfm.refresh_tiers('win_t.tiers');
SELECT results_eq($$SELECT customer_id, frequency, monetary, recency_days FROM win_t.tiers WHERE customer_id = 2$$,
  $$VALUES (2, 1::bigint, 80::numeric, 1)$$,
  'a refresh reads the view again: customer 2''s new order counts, not its old one');
-- what rfm.check_orders says of the view: every order in it is scored
SELECT results_eq($$SELECT orders, customers, amount FROM rfm.check_orders('win_t.tiers') WHERE rule = 'all orders'$$,
  $$VALUES (5::bigint, 4::bigint, 175::numeric)$$,
  'rfm.check_orders of the tier table counts the orders in the window: 5 orders, 4 customers, 50 + 20 - 5 + 30 + 80');
-- A fixed as_of needs the window written against that day (now() moves
-- on, as_of does not), as README says: as of 300 days ago, the 365 days
-- before it.  Customer 2 gets an order 700 days ago, before that window.
INSERT INTO win_t.orders VALUES (2, (current_date - 700) + time '12:00', 60);
SELECT current_date - 300 AS day_300 \gset
CREATE VIEW win_t.year_before AS
SELECT customer, ordered_at, amount FROM win_t.orders WHERE ordered_at > DATE :'day_300' - 365;
SELECT rfm.create_tiers('win_t.q1', 'win_t.orders', 'customer', 'ordered_at', 'amount',
                        bins => 2, as_of => :'day_300', keep_history => false) \g /dev/null
SELECT rfm.create_tiers('win_t.q1_window', 'win_t.year_before', 'customer', 'ordered_at', 'amount',
                        bins => 2, as_of => :'day_300', keep_history => false) \g /dev/null
--   without a window, as of 300 days ago: 1: 400 days ago 100 (recency 100);
--   2: 500 and 700 days ago, 70 + 60 (recency 200); 4: 364 and 366 days
--   ago, 30 + 40 (recency 64); 3 has no order by then
SELECT results_eq($$SELECT customer_id, frequency, monetary, recency_days FROM win_t.q1 ORDER BY customer_id$$,
  $$VALUES (1, 1::bigint, 100::numeric, 100), (2, 2, 130, 200), (4, 2, 70, 64)$$,
  'without a window, a past as_of counts every order up to that day');
--   with it: customer 2's order 700 days ago is out (before 665 days ago)
SELECT results_eq($$SELECT customer_id, frequency, monetary, recency_days FROM win_t.q1_window ORDER BY customer_id$$,
  $$VALUES (1, 1::bigint, 100::numeric, 100), (2, 1, 70, 200), (4, 2, 70, 64)$$,
  'with the window written against as_of, only the 365 days before it count');
SELECT * FROM finish();
SELECT rfm.drop_tiers('win_t.tiers'), rfm.drop_tiers('win_t.q1'), rfm.drop_tiers('win_t.q1_window') \g /dev/null
DROP SCHEMA win_t CASCADE;
