-- rfm.customer_scores reads plain heap tables directly (src/fast_scan.c)
-- and everything else through its SQL path (the rfm._customer_states
-- aggregate through SPI): views, row-level security, inheritance,
-- partitioned tables, key types with a cast function.  Both must give the
-- same rows, values, display scales and scores.  Which path ran is shown by
-- rfm.customer_scores' DEBUG1 line ("direct scan of table ..." / "SQL path").
--
-- How the expected values were checked: every "differences" column counts
-- rows where the direct path on a table differs from the SQL path on a view
-- of the same table (0 expected; the SQL path itself is checked against
-- rfm.summarize + rfm.breaks + rfm.score in fast_scores.sql), with the
-- number of customers shown so that an empty result cannot pass unnoticed.
-- The small examples (time zones, row-level security, privileges,
-- inheritance) are worked out by hand in the comments.
SET client_min_messages = warning;
CREATE SCHEMA fast_scan_test;
SET search_path = fast_scan_test, public;

\i sql/include/err.sql

-- Rows of rfm.customer_scores over a and over b that differ (monetary as
-- text: same value and display scale).
CREATE FUNCTION differences(a regclass, b regclass, c text, t text, m text, bins integer, as_of date)
    RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
      (SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM rfm.customer_scores(a, c, t, m, bins, as_of)
       EXCEPT ALL
       SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM rfm.customer_scores(b, c, t, m, bins, as_of))
      UNION ALL
      (SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM rfm.customer_scores(b, c, t, m, bins, as_of)
       EXCEPT ALL
       SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text,
              r_score, f_score, m_score FROM rfm.customer_scores(a, c, t, m, bins, as_of))) d $$;

-- Seeded orders with every supported column type, dropped columns in
-- between, the used columns in no particular order, and NULLs everywhere.
CREATE DOMAIN cust_id AS integer;
\i sql/include/portable_random.sql
SELECT pg_temp.setseed(0.42);
CREATE TABLE orders (
    gone1     text,
    amount    numeric,
    note      text,
    at_tz     timestamptz,
    who_int2  smallint,
    who_text  text,
    at_ts     timestamp,
    gone2     integer,
    who_big   bigint,
    day       date,
    amt_int   integer,
    who_uuid  uuid,
    who_vc    varchar(100),
    who_dom   cust_id,
    who_char  char(12),
    amt_big   bigint,
    amt_small smallint
);
INSERT INTO orders
SELECT 'x', a, 'note', at, k::smallint,
       CASE WHEN k % 7 = 0 THEN repeat('long-', 12) || k          -- longer than the prefetch ring's 48 bytes
            WHEN k % 50 = 1 THEN repeat('toasted ', 400) || k      -- compressed in the row
            ELSE 'c' || k END,
       at::timestamp, 1, k::bigint * 1000000007, at::date, (a % 1000 * 100)::integer,
       md5(k::text)::uuid, 'v' || k, k, 'ch' || k,
       (a % 1000 * 1000)::bigint * 1000000000, (a % 1000)::smallint
  FROM (SELECT CASE WHEN pg_temp.random() < 0.02 THEN NULL ELSE (pg_temp.random() * 300)::integer END AS k,
               CASE WHEN pg_temp.random() < 0.02 THEN NULL
                    ELSE timestamptz '2019-01-01 00:00+00' + pg_temp.random() * interval '800 days' END AS at,
               CASE WHEN pg_temp.random() < 0.02 THEN NULL
                    WHEN pg_temp.random() < 0.03 THEN 0.000
                    WHEN pg_temp.random() < 0.05 THEN -round((pg_temp.random() * 30)::numeric, 2)
                    WHEN pg_temp.random() < 0.01 THEN round((pg_temp.random() * 1e15)::numeric, 3)   -- more than 4 base-10000 digits
                    ELSE round((pg_temp.random() * 300)::numeric, (pg_temp.random() * 3)::integer) END AS a
          FROM generate_series(1, 6000)) g;
-- amounts beyond the 128-bit fast form, and with a display scale above 30
INSERT INTO orders (amount, at_tz, who_int2, who_text, at_ts, who_big, day, amt_int, who_uuid, who_vc, who_dom, who_char, amt_big, amt_small)
SELECT CASE WHEN i % 2 = 0 THEN 9e37 + i ELSE round(1 / (i + 3.0), 35) END,
       timestamptz '2019-06-01 12:00+00' + i * interval '1 day', i, 'c' || i, timestamp '2019-06-01 12:00' + i * interval '1 day',
       i::bigint * 1000000007, date '2019-06-01' + i, i, md5(i::text)::uuid, 'v' || i, i, 'ch' || i, i, i
  FROM generate_series(1, 20) i;
ALTER TABLE orders DROP COLUMN gone1, DROP COLUMN gone2;
-- a column added with a default: rows stored before have no value in the
-- tuple (the default is the "missing" value)
ALTER TABLE orders ADD COLUMN amt_added numeric DEFAULT 2.50;
INSERT INTO orders (amount, day, who_big, amt_added) VALUES (10, '2019-03-01', 1000000007, 7.125);
ANALYZE orders;
CREATE VIEW orders_v AS SELECT * FROM orders;

SELECT count(*) AS scored FROM rfm.customer_scores('orders', 'who_big', 'day', 'amount', 5, '2020-06-30');
SELECT differences('orders', 'orders_v', 'who_big', 'day', 'amount', 5, '2020-06-30') AS bigint_date_numeric,
       differences('orders', 'orders_v', 'who_int2', 'at_tz', 'amount', 4, '2020-01-31') AS int2_tz_numeric,
       differences('orders', 'orders_v', 'who_text', 'at_ts', 'amount', 5, '2021-12-31') AS text_ts_numeric,
       differences('orders', 'orders_v', 'who_uuid', 'day', 'amt_int', 3, '2020-06-30') AS uuid_date_int,
       differences('orders', 'orders_v', 'who_vc', 'at_tz', 'amt_big', 5, '2020-06-30') AS varchar_tz_bigint,
       differences('orders', 'orders_v', 'who_dom', 'day', 'amt_small', 6, '2020-06-30') AS domain_date_smallint,
       differences('orders', 'orders_v', 'who_char', 'day', 'amount', 5, '2020-06-30') AS char_date_numeric,
       differences('orders', 'orders_v', 'who_big', 'day', 'amt_added', 5, '2020-06-30') AS missing_values;
-- Domains over the time and amount types count as those types (as
-- rfm.summarize takes them), on the direct path, the SQL path and in tier
-- tables (the CLV columns take the tier query's own SQL): the same rows as
-- the plain columns they were copied from.
CREATE DOMAIN day_dom AS date;
CREATE DOMAIN tz_dom AS timestamptz CHECK (VALUE IS NOT NULL OR true);
CREATE DOMAIN amount_dom AS numeric CHECK (VALUE > -1e40);
CREATE DOMAIN int_amount_dom AS integer;
CREATE TABLE dom_orders (who_big bigint, day day_dom, at_tz tz_dom, amount amount_dom, amt_int int_amount_dom);
INSERT INTO dom_orders SELECT who_big, day, at_tz, amount, amt_int FROM orders;
CREATE VIEW dom_orders_v AS SELECT * FROM dom_orders;
SELECT count(*) AS scored FROM rfm.customer_scores('dom_orders', 'who_big', 'at_tz', 'amt_int', 5, '2020-06-30');
SELECT differences('orders', 'dom_orders', 'who_big', 'day', 'amount', 5, '2020-06-30') AS domain_date_numeric,
       differences('orders', 'dom_orders', 'who_big', 'at_tz', 'amt_int', 5, '2020-06-30') AS domain_tz_int,
       differences('orders', 'dom_orders_v', 'who_big', 'at_tz', 'amount', 5, '2020-06-30') AS domain_sql_path;
-- (the catalog ids other tests print: the sequences are put back below)
SELECT (SELECT last_value FROM rfm.refresh_log_id_seq) AS log_last,
       (SELECT is_called FROM rfm.refresh_log_id_seq) AS log_called,
       (SELECT last_value FROM rfm.tier_tables_id_seq) AS tier_last,
       (SELECT is_called FROM rfm.tier_tables_id_seq) AS tier_called \gset
SELECT rfm.create_tiers('plain_clv_tiers', 'orders', 'who_big', 'at_tz', 'amount', as_of => '2020-06-30',
                        keep_history => false, clv => true) IS NOT NULL AS plain_tiers,
       rfm.create_tiers('dom_clv_tiers', 'dom_orders', 'who_big', 'at_tz', 'amount', as_of => '2020-06-30',
                        keep_history => false, clv => true) IS NOT NULL AS domain_tiers;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE d.customer_id IS NULL OR p.customer_id IS NULL OR (d.*)::text <> (p.*)::text) AS differences
  FROM dom_clv_tiers d FULL JOIN plain_clv_tiers p USING (customer_id);
SELECT rfm.drop_tiers('dom_clv_tiers'), rfm.drop_tiers('plain_clv_tiers');
SELECT setval('rfm.refresh_log_id_seq', :log_last, :'log_called') IS NOT NULL AS log_seq_restored,
       setval('rfm.tier_tables_id_seq', :tier_last, :'tier_called') IS NOT NULL AS tier_seq_restored;
DROP TABLE dom_orders CASCADE;

-- the same with the SQL path switched off by setting, on the table itself
SET rfm.direct_scan = off;
CREATE TEMP TABLE via_sql AS SELECT * FROM rfm.customer_scores('orders', 'who_text', 'at_tz', 'amount', 5, '2020-06-30');
RESET rfm.direct_scan;
SELECT count(*) AS scored, count(*) FILTER (WHERE d.customer IS NULL OR s.customer IS NULL
                                            OR (d.*)::text <> (s.*)::text) AS differences
  FROM rfm.customer_scores('orders', 'who_text', 'at_tz', 'amount', 5, '2020-06-30') d
  FULL JOIN via_sql s USING (customer);

-- A net amount near the top of the 128-bit fast form, with a scale that
-- is not a multiple of 4 (result numeric built from the scaled integer):
-- 600 orders of 99999999999999999999999999999999.9 sum to
-- 600 * 10^32 - 60 = 59999999999999999999999999999999940.0 (scale 1).
CREATE TABLE big_orders (c integer, d date, a numeric);
INSERT INTO big_orders SELECT 1, '2020-01-01', 99999999999999999999999999999999.9 FROM generate_series(1, 600);
CREATE VIEW big_orders_v AS SELECT * FROM big_orders;
SELECT d.monetary AS direct, s.monetary AS sql_path, (SELECT sum(a) FROM big_orders) AS plain_sum
  FROM rfm.customer_scores('big_orders', 'c', 'd', 'a', 2, '2020-12-31') d,
       rfm.customer_scores('big_orders_v', 'c', 'd', 'a', 2, '2020-12-31') s;
-- Net amounts of every magnitude up to 10^37 and display scale 0..30
-- against PostgreSQL's own sum() (no zero amounts: rfm leaves them out,
-- sum() would take their display scale).
SELECT pg_temp.setseed(0.77);
CREATE TABLE wide_orders (c integer, d date, a numeric);
INSERT INTO wide_orders
SELECT (pg_temp.random() * 2000)::integer, '2020-01-01',
       round((CASE WHEN pg_temp.random() < 0.2 THEN -1 ELSE 1 END) * (pg_temp.random() * 10 ^ (pg_temp.random() * 37))::numeric,
             (pg_temp.random() * 30)::integer)
  FROM generate_series(1, 6000);
DELETE FROM wide_orders WHERE a = 0;
SELECT count(*) AS customers, count(*) FILTER (WHERE f.monetary::text IS DISTINCT FROM p.total::text) AS differ
  FROM rfm.customer_scores('wide_orders', 'c', 'd', 'a', 5, '2020-12-31') f
  JOIN (SELECT c::text AS customer, sum(a) AS total FROM wide_orders GROUP BY c) p USING (customer);

-- A table of 100,000 customers (grows to 262,144 slots, 16 MB: mapped
-- memory, several regrowths; no statistics, so nothing reserved up front)
-- against plain SQL: customers with a purchase, purchase rows, net amount.
CREATE TABLE many_orders AS
SELECT (i % 100000) AS c, date '2020-01-01' + (i % 300) AS d,
       CASE WHEN i % 7 = 0 THEN -(i % 50)::numeric / 4 ELSE (i % 1000)::numeric / 100 END AS a
  FROM generate_series(1, 250000) i;
SELECT (SELECT count(*) FROM rfm.customer_scores('many_orders', 'c', 'd', 'a', 5, '2020-12-31')) AS customers,
       (SELECT count(DISTINCT c) FROM many_orders WHERE a > 0) AS expected_customers,
       (SELECT sum(frequency) FROM rfm.customer_scores('many_orders', 'c', 'd', 'a', 5, '2020-12-31')) AS purchases,
       (SELECT count(*) FROM many_orders WHERE a > 0) AS expected_purchases,
       (SELECT sum(monetary) FROM rfm.customer_scores('many_orders', 'c', 'd', 'a', 5, '2020-12-31')) AS net,
       (SELECT sum(a) FROM many_orders WHERE c IN (SELECT c FROM many_orders WHERE a > 0)) AS expected_net;

-- Which path runs: plain table direct; view, char key (a cast function:
-- trailing blanks trimmed) and the setting through SQL.
SET client_min_messages = debug1;
SELECT count(*) FROM rfm.customer_scores('orders', 'who_big', 'day', 'amount', 5, '2020-06-30');
SELECT count(*) FROM rfm.customer_scores('orders_v', 'who_big', 'day', 'amount', 5, '2020-06-30');
SELECT count(*) FROM rfm.customer_scores('orders', 'who_char', 'day', 'amount', 5, '2020-06-30');
SET rfm.direct_scan = off;
SELECT count(*) FROM rfm.customer_scores('orders', 'who_big', 'day', 'amount', 5, '2020-06-30');
RESET rfm.direct_scan;
SET client_min_messages = warning;

-- Time zones: a timestamptz counts as its calendar day in the session
-- TimeZone on both paths.  Orders: customer 1 at 2020-03-01 02:30 UTC (10)
-- and 2020-03-02 23:30 UTC (5); customer 2 at 2020-03-01 12:00 UTC (7).
-- as_of 2020-03-02.
--   UTC:              1: 03-01 and 03-02 -> first 03-01, last 03-02, recency 0, 2 rows, 15
--                     2: 03-01 -> recency 1, 1 row, 7
--   America/New_York (UTC-5 until 2020-03-08):
--                     1: 02-29 21:30 and 03-02 18:30 -> first 02-29, last 03-02, recency 0, 2 rows, 15
--                     2: 03-01 07:00 -> recency 1
--   Asia/Tokyo (UTC+9): 1: 03-01 11:30 and 03-03 08:30, after as_of: left out
--                        -> first = last 03-01, recency 1, 1 row, 10
--                     2: 03-01 21:00 -> recency 1, 1 row, 7
CREATE TABLE tz_orders (c integer, at timestamptz, amount numeric);
INSERT INTO tz_orders VALUES (1, '2020-03-01 02:30+00', 10), (1, '2020-03-02 23:30+00', 5), (2, '2020-03-01 12:00+00', 7);
CREATE VIEW tz_orders_v AS SELECT * FROM tz_orders;
SET TimeZone = 'UTC';
SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary
  FROM rfm.customer_scores('tz_orders', 'c', 'at', 'amount', 2, '2020-03-02') ORDER BY 1;
SELECT differences('tz_orders', 'tz_orders_v', 'c', 'at', 'amount', 2, '2020-03-02') AS utc_differences;
SET TimeZone = 'America/New_York';
SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary
  FROM rfm.customer_scores('tz_orders', 'c', 'at', 'amount', 2, '2020-03-02') ORDER BY 1;
SELECT differences('tz_orders', 'tz_orders_v', 'c', 'at', 'amount', 2, '2020-03-02') AS new_york_differences;
SET TimeZone = 'Asia/Tokyo';
SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary
  FROM rfm.customer_scores('tz_orders', 'c', 'at', 'amount', 2, '2020-03-02') ORDER BY 1;
SELECT differences('tz_orders', 'tz_orders_v', 'c', 'at', 'amount', 2, '2020-03-02') AS tokyo_differences;
-- the big table under another zone, too
SELECT differences('orders', 'orders_v', 'who_int2', 'at_tz', 'amount', 5, '2020-06-30') AS tokyo_big_differences;
RESET TimeZone;

-- Bad rows: same errors on both paths; an infinite day after as_of is left
-- out before any check (as the SQL path's WHERE clause does).
CREATE TABLE bad_orders (c integer, d date, t timestamptz, a numeric);
INSERT INTO bad_orders VALUES (1, '2020-01-01', '2020-01-01', 5), (2, 'infinity', 'infinity', 3);
CREATE VIEW bad_orders_v AS SELECT * FROM bad_orders;
-- customer 2's only order is after as_of: 1 customer
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'c', 'd', 'a', 5, '2020-06-30')$$) AS infinity_direct,
       pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders_v', 'c', 'd', 'a', 5, '2020-06-30')$$) AS infinity_sql,
       pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'c', 't', 'a', 5, '2020-06-30')$$) AS infinity_tz_direct;
INSERT INTO bad_orders VALUES (3, '-infinity', '-infinity', 1);
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'c', 'd', 'a', 5, '2020-06-30')$$) AS minus_infinity_direct,
       pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders_v', 'c', 'd', 'a', 5, '2020-06-30')$$) AS minus_infinity_sql,
       pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'c', 't', 'a', 5, '2020-06-30')$$) AS minus_infinity_tz_direct;
DELETE FROM bad_orders WHERE c = 3;
INSERT INTO bad_orders VALUES (4, '2020-01-02', '2020-01-02', 'NaN');
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'c', 'd', 'a', 5, '2020-06-30')$$) AS nan_direct,
       pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders_v', 'c', 'd', 'a', 5, '2020-06-30')$$) AS nan_sql;
-- a NaN amount of an order after as_of, or with a NULL customer, is never read: 1 customer
UPDATE bad_orders SET d = '2021-01-01', t = '2021-01-01' WHERE c = 4;
INSERT INTO bad_orders VALUES (NULL, '2020-01-03', '2020-01-03', 'NaN');
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders', 'c', 'd', 'a', 5, '2020-06-30')$$) AS nan_skipped_direct,
       pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_orders_v', 'c', 'd', 'a', 5, '2020-06-30')$$) AS nan_skipped_sql;

-- Row-level security: a reader under a policy sees only its rows, so the
-- SQL path runs.  Customers 1..4 with one order each (amount = 10 * c);
-- the policy shows even customers: the reader gets 2 (20) and 4 (40); the
-- owner (not subject to its own policy) gets all 4, by direct scan.
CREATE TABLE rls_orders (c integer, d date, a numeric);
INSERT INTO rls_orders SELECT c, date '2020-01-01' + c, 10 * c FROM generate_series(1, 4) c;
ALTER TABLE rls_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY even_customers ON rls_orders FOR SELECT USING (c % 2 = 0);
DROP ROLE IF EXISTS regress_rfm_scan_reader;
CREATE ROLE regress_rfm_scan_reader;
GRANT USAGE ON SCHEMA fast_scan_test TO regress_rfm_scan_reader;
GRANT SELECT ON rls_orders TO regress_rfm_scan_reader;
SET ROLE regress_rfm_scan_reader;
SET client_min_messages = debug1;
SELECT customer, frequency, monetary FROM rfm.customer_scores('rls_orders', 'c', 'd', 'a', 2, '2020-12-31') ORDER BY 1;
RESET ROLE;
SELECT customer, frequency, monetary FROM rfm.customer_scores('rls_orders', 'c', 'd', 'a', 2, '2020-12-31') ORDER BY 1;
SET client_min_messages = warning;

-- Privileges: SELECT on the table, or on the three columns, as a query
-- would need (42501 otherwise, naming the function).
CREATE TABLE priv_orders (c integer, d date, a numeric, secret text);
INSERT INTO priv_orders VALUES (1, '2020-01-01', 5, 's'), (2, '2020-01-02', 6, 't');
SET ROLE regress_rfm_scan_reader;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('priv_orders', 'c', 'd', 'a', 2, '2020-12-31')$$) AS no_privilege;
RESET ROLE;
GRANT SELECT (c, d) ON priv_orders TO regress_rfm_scan_reader;
SET ROLE regress_rfm_scan_reader;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('priv_orders', 'c', 'd', 'a', 2, '2020-12-31')$$) AS two_of_three_columns;
RESET ROLE;
GRANT SELECT (a) ON priv_orders TO regress_rfm_scan_reader;
SET ROLE regress_rfm_scan_reader;
-- now the three columns are readable: customers 1 and 2
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('priv_orders', 'c', 'd', 'a', 2, '2020-12-31')$$) AS three_columns;
RESET ROLE;

-- Inheritance and partitions: the SQL path reads the children too.
-- parent: customer 1 (5 on 01-01); child: customer 1 (7 on 01-03) and 2 (1 on 01-02)
--   -> 1: 2 rows, 12, last 01-03; 2: 1 row, 1.
CREATE TABLE parent_orders (c integer, d date, a numeric);
CREATE TABLE child_orders () INHERITS (parent_orders);
INSERT INTO parent_orders VALUES (1, '2020-01-01', 5);
INSERT INTO child_orders VALUES (1, '2020-01-03', 7), (2, '2020-01-02', 1);
-- partitioned by day: the parent through SQL (3 customers), one partition directly (its rows only:
-- customer 1 with 5 and customer 3 with 2 in January)
CREATE TABLE part_orders (c integer, d date, a numeric) PARTITION BY RANGE (d);
CREATE TABLE part_orders_jan PARTITION OF part_orders FOR VALUES FROM ('2020-01-01') TO ('2020-02-01');
CREATE TABLE part_orders_feb PARTITION OF part_orders FOR VALUES FROM ('2020-02-01') TO ('2020-03-01');
INSERT INTO part_orders VALUES (1, '2020-01-05', 5), (2, '2020-02-05', 4), (3, '2020-01-20', 2);
SET client_min_messages = debug1;
SELECT customer, last_purchase, frequency, monetary FROM rfm.customer_scores('parent_orders', 'c', 'd', 'a', 2, '2020-12-31') ORDER BY 1;
SELECT count(*) AS customers FROM rfm.customer_scores('part_orders', 'c', 'd', 'a', 2, '2020-12-31');
SELECT customer, frequency, monetary FROM rfm.customer_scores('part_orders_jan', 'c', 'd', 'a', 2, '2020-12-31') ORDER BY 1;
SET client_min_messages = warning;

-- rfm.customer_state_scores reads the stored states directly too: the same
-- rows as through rfm._customer_states_pack (rfm.direct_scan = off), and
-- as rfm.customer_scores over the same orders (every order folded in, so
-- as_of after the last order).  States of another name are not read.
SET TimeZone = 'UTC';
SELECT rfm.customer_state_create('scan_a', 'orders', 'who_text', 'at_tz', 'amount', 'day') AS customers_a,
       rfm.customer_state_create('scan_b', 'tz_orders', 'c', 'at', 'amount', 'at') AS customers_b;
RESET TimeZone;
SET TimeZone = 'UTC';
CREATE TEMP TABLE state_direct AS SELECT * FROM rfm.customer_state_scores('scan_a', 5, '2030-01-01');
SET rfm.direct_scan = off;
CREATE TEMP TABLE state_sql AS SELECT * FROM rfm.customer_state_scores('scan_a', 5, '2030-01-01');
RESET rfm.direct_scan;
SELECT (SELECT count(*) FROM state_direct) AS scored,
       (SELECT count(*) FROM ((SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score FROM state_direct
                               EXCEPT ALL SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score FROM state_sql)
                              UNION ALL
                              (SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score FROM state_sql
                               EXCEPT ALL SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score FROM state_direct)) d) AS direct_vs_sql,
       (SELECT count(*) FROM ((SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score FROM state_direct
                               EXCEPT ALL SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score
                                 FROM rfm.customer_scores('orders', 'who_text', 'at_tz', 'amount', 5, '2030-01-01'))
                              UNION ALL
                              (SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score
                                 FROM rfm.customer_scores('orders', 'who_text', 'at_tz', 'amount', 5, '2030-01-01')
                               EXCEPT ALL SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary::text, r_score, f_score, m_score FROM state_direct)) d) AS direct_vs_customer_scores;
RESET TimeZone;
SET client_min_messages = debug1;
-- scan_b: tz_orders folded in under UTC (see above): 1: 03-01 and 03-02, 2 rows, 15;
-- 2: 03-01, 1 row, 7
SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_state_scores('scan_b', 2, '2020-03-02') ORDER BY 1;
SET rfm.direct_scan = off;
SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_state_scores('scan_b', 2, '2020-03-02') ORDER BY 1;
RESET rfm.direct_scan;
SET client_min_messages = warning;
-- no stored rows: no rows on both paths (even with an infinite as_of, never checked then)
DELETE FROM rfm.customer_states WHERE state_name = 'scan_b';
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('scan_b', 2, 'infinity')$$) AS empty_direct;
SET rfm.direct_scan = off;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('scan_b', 2, 'infinity')$$) AS empty_sql;
RESET rfm.direct_scan;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('scan_a', 2, 'infinity')$$) AS infinite_as_of;
-- a role that may not read the states: the SQL path's error
SET ROLE regress_rfm_scan_reader;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('scan_a')$$) AS state_no_privilege;
RESET ROLE;
SELECT rfm.customer_state_drop('scan_a'), rfm.customer_state_drop('scan_b');

DROP SCHEMA fast_scan_test CASCADE;
DROP ROLE regress_rfm_scan_reader;
RESET search_path;
