-- rfm.check_orders: each order under the first rule that applies, counted
-- (src/sql/76_check_orders.sql).  Expected values by hand, and on CDNOW
-- with awk over data/CDNOW_master.txt.  (Its tier table form is in
-- test/check_orders.sql: a tier table here would move the catalog ids
-- the later files print.)
SET client_min_messages = warning;
\i sql/include/err.sql

-- test/tiers.sql's orders and four more (as_of 2024-03-31):
--   all orders: 17, 11 customers (1 to 11), amounts 1310 (all but the NULLs);
--   no customer: 1 order (99); no time: customers 8 (3) and 11 (no amount
--   either: no time comes first), 2 orders, 3; no amount: customer 9;
--   after as_of: 1's 1000 on 04-02 and 7's 40 on 04-15 (2 customers, 1040);
--   purchases: 1: 10, 20; 2: 5; 3: 50, 100; 4: 1; 5: 7 (7 orders, 5 customers, 193);
--   refunds: 3's -20 and 6's -5 (-25); zero amounts: 10's and 2's (2 customers);
--   scored: customers 1-5, 7 purchases + 3's refund + 2's zero line = 9 orders,
--   monetary 193 - 20 = 173; not scored: 6 (-5) and 10 (0), one order each.
CREATE TABLE co_orders (customer bigint, ordered_on date, amount numeric);
INSERT INTO co_orders VALUES
  (1, '2024-01-01', 10), (1, '2024-03-01', 20), (1, '2024-04-02', 1000),
  (2, '2024-02-01', 5), (3, '2024-01-05', 50), (3, '2024-03-30', 100), (3, '2024-03-30', -20),
  (4, '2023-12-01', 1), (5, '2024-03-31', 7), (6, '2024-03-01', -5),
  (NULL, '2024-03-01', 99), (7, '2024-04-15', 40),
  (8, NULL, 3), (9, '2024-02-02', NULL), (10, '2024-03-05', 0), (2, '2024-03-06', 0), (11, NULL, NULL);
SELECT * FROM rfm.check_orders('co_orders', 'customer', 'ordered_on', 'amount', '2024-03-31');
-- the scored row is what rfm.customer_scores returns: 5 customers, 173
SELECT count(*) AS customers, sum(monetary) AS monetary
  FROM rfm.customer_scores('co_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31');

-- Orders scoring fails on, and one dated infinity (after any as_of):
-- a -infinity day (22008) and a NaN amount (22023), one order each.  NaN
-- amounts under other rules (after as_of, no customer) count as orders
-- but stay out of every sum: all orders 6 of 5 customers, amount 15; after
-- as_of 2 orders (b, e), 5; no customer 1 order, 0.
CREATE TABLE co_bad (customer text, ordered_on date, amount numeric);
INSERT INTO co_bad VALUES ('a', '-infinity', 5), ('b', 'infinity', 5), ('c', '2024-01-01', 'NaN'), ('d', '2024-01-01', 5),
                          ('e', '2025-01-01', 'NaN'), (NULL, '2024-01-01', 'NaN');
SELECT rule, orders, customers, amount FROM rfm.check_orders('co_bad', 'customer', 'ordered_on', 'amount', '2024-03-31')
 WHERE orders > 0;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('co_bad', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')$$) AS scoring;

-- A timestamptz order counts on its day in the session TimeZone, as in
-- rfm.customer_scores: 2024-03-31 23:30 UTC is 04-01 in Shanghai.
CREATE TABLE co_tz (customer int, at timestamptz, amount int);
INSERT INTO co_tz VALUES (1, '2024-03-31 23:30+00', 5), (2, '2024-03-31 10:00+00', 7);
SET TimeZone = 'UTC';
SELECT rule, orders, customers, amount FROM rfm.check_orders('co_tz', 'customer', 'at', 'amount', '2024-03-31') WHERE orders > 0;
SET TimeZone = 'Asia/Shanghai';
SELECT rule, orders, customers, amount FROM rfm.check_orders('co_tz', 'customer', 'at', 'amount', '2024-03-31') WHERE orders > 0;
SELECT count(*) AS scored_in_shanghai FROM rfm.customer_scores('co_tz', 'customer', 'at', 'amount', as_of => '2024-03-31');
RESET TimeZone;

-- CDNOW (all 69,659 orders of 23,570 customers), as_of 1997-12-31.  awk
-- over data/CDNOW_master.txt (header skipped; day > 19971231 after as_of,
-- else amount > 0 a purchase, = 0 a zero line; no refunds in CDNOW):
--   all orders 69,659 of 23,570 customers, 2,500,315.63;
--   after as_of 12,757 orders, 5,374 customers, 476,154.37;
--   purchases 56,829 orders, 23,502 customers, 2,024,161.26;
--   zero amounts 73 orders of 73 customers;
--   scored 23,502 customers, 56,834 orders, 2,024,161.26;
--   not scored 68 customers ($0 lines only), 68 orders, 0.
CREATE TABLE co_cdnow_raw (line text);
\copy co_cdnow_raw (line) from 'data/CDNOW_master.txt' with (format text, delimiter E'\x01')
CREATE TABLE co_cdnow AS
SELECT f[1]::int AS customer, to_date(f[2], 'YYYYMMDD') AS ordered_on, f[4]::numeric AS amount
  FROM (SELECT regexp_split_to_array(btrim(line, E' \r'), '\s+') AS f FROM co_cdnow_raw) r
 WHERE f[1] ~ '^[0-9]+$';
SELECT count(*) AS orders, count(DISTINCT customer) AS customers FROM co_cdnow;
SELECT rule, orders, customers, amount FROM rfm.check_orders('co_cdnow', 'customer', 'ordered_on', 'amount', '1997-12-31')
 WHERE orders > 0;
SELECT (SELECT count(*) FROM rfm.customer_scores('co_cdnow', 'customer', 'ordered_on', 'amount', as_of => '1997-12-31'))
     = (SELECT customers FROM rfm.check_orders('co_cdnow', 'customer', 'ordered_on', 'amount', '1997-12-31')
         WHERE rule = 'customers scored') AS same_customers_as_customer_scores;

-- Hostile identifiers are names only; as_of NULL is today; bad arguments
-- get rfm.customer_scores' errors under this function's name.
CREATE TABLE "co odd""; DROP TABLE co_orders; --" ("cust""omer" int, "day;" date, "amt)" int);
INSERT INTO "co odd""; DROP TABLE co_orders; --" VALUES (1, current_date, 3), (1, current_date + 1, 4);
SELECT rule, orders, customers, amount
  FROM rfm.check_orders('"co odd""; DROP TABLE co_orders; --"', 'cust"omer', 'day;', 'amt)') WHERE orders > 0;
SELECT count(*) AS co_orders_left FROM co_orders;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.check_orders('co_orders', 'customer', 'ordered_on', 'price')$$) AS missing_column;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.check_orders('co_orders', 'customer', 'ordered_on', NULL)$$) AS null_column;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.check_orders('co_orders', 'customer', 'ordered_on', 'amount', 'infinity')$$) AS infinite_as_of;
CREATE TABLE co_float (customer int, ordered_on date, amount float8);
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.check_orders('co_float', 'customer', 'ordered_on', 'amount')$$) AS float_amount;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('co_float', 'customer', 'ordered_on', 'amount')$$) AS float_amount_scores;
DROP TABLE co_orders, co_bad, co_tz, co_cdnow_raw, co_cdnow, "co odd""; DROP TABLE co_orders; --", co_float;
