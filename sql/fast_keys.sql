-- Which customer keys are one customer: rfm.customer_scores must group
-- customers as rfm.summarize + GROUP BY (the tier tables' query) does,
-- with the key type's own equality.  Its hash table is keyed by a text
-- form of the key, so keys that are equal but print differently must get
-- one text: numeric 1.0 = 1.00 = 1 ('1'), float -0 = 0 ('0'), every NaN
-- one key; keys whose text does not decide equality (a nondeterministic
-- collation, interval '1 mon' = '30 days') are grouped by their own
-- equality on the SQL path.  Both ways of reading the orders (direct scan,
-- SET rfm.direct_scan = off) are checked.
--
-- How the expected values were checked: the small examples are worked out
-- by hand in the comments; every other check counts the rows where
-- rfm.customer_scores and rfm.summarize GROUP BY + rfm.breaks + rfm.score
-- on the same data disagree, joined on the key type's own equality (0
-- expected, with both row counts shown, and the number of customers
-- computed by count(DISTINCT key)); the numeric key text is compared with
-- PostgreSQL's own trim_scale(key)::text.
SET client_min_messages = warning;
CREATE SCHEMA fast_keys_test;
SET search_path = fast_keys_test, public;

\i sql/include/err.sql
\i sql/include/portable_random.sql

-- rfm.customer_scores against the grouped query, joined by key_type's =
-- (the customer text cast back): rows of each, and rows that differ or
-- have no partner.
CREATE FUNCTION vs_grouped(src regclass, c text, t text, a text, key_type text, bins integer, as_of date,
                           OUT fast_rows bigint, OUT grouped_rows bigint, OUT differ bigint)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
      WITH p AS (SELECT %2$I AS k, rfm.summarize(%3$I::date, %4$I::numeric) AS s
                   FROM %1$s WHERE %2$I IS NOT NULL AND %3$I::date <= $2 GROUP BY %2$I),
      m AS (SELECT p.k, (p.s).first_purchase, (p.s).last_purchase, rfm.recency_days(p.s, $2) AS recency_days,
                   (p.s).frequency, (p.s).monetary
              FROM p WHERE (p.s).last_purchase IS NOT NULL),
      cuts AS (SELECT rfm.breaks(recency_days::numeric, $1) rb, rfm.breaks(frequency::numeric, $1) fb,
                      rfm.breaks(monetary, $1) mb FROM m),
      g AS (SELECT m.*, rfm.score(recency_days::numeric, rb, false) AS r, rfm.score(frequency::numeric, fb) AS f,
                   rfm.score(monetary, mb) AS mm FROM m, cuts),
      f AS (SELECT * FROM rfm.customer_scores(%1$L, %2$L, %3$L, %4$L, $1, $2))
      SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM g),
             (SELECT count(*) FROM f FULL JOIN g ON (f.customer::%5$s) = g.k
               WHERE f.customer IS NULL OR g.k IS NULL
                  OR (f.first_purchase, f.last_purchase, f.recency_days, f.frequency, f.monetary::text,
                      f.r_score, f.f_score, f.m_score)
                     IS DISTINCT FROM (g.first_purchase, g.last_purchase, g.recency_days, g.frequency,
                                       g.monetary::text, g.r, g.f, g.mm)) $q$,
      src, c, t, a, key_type) INTO fast_rows, grouped_rows, differ USING bins, as_of;
END $$;

-- numeric keys --------------------------------------------------------------
-- The reviewer's example, as_of 2024-02-01: 1.0 (10 on 01-01) and 1.00 (20
-- on 01-05) are one customer '1': first 01-01, last 01-05, recency 27,
-- 2 purchases, 30; 2: 01-03, recency 29, 1 purchase, 5.
CREATE TABLE onum (c numeric, t date, a numeric);
INSERT INTO onum VALUES (1.0, '2024-01-01', 10), (1.00, '2024-01-05', 20), (2, '2024-01-03', 5);
SET client_min_messages = debug1;
SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary
  FROM rfm.customer_scores('onum', 'c', 't', 'a', as_of => '2024-02-01') ORDER BY 1;
SET rfm.direct_scan = off;
SELECT customer, first_purchase, last_purchase, recency_days, frequency, monetary
  FROM rfm.customer_scores('onum', 'c', 't', 'a', as_of => '2024-02-01') ORDER BY 1;
RESET rfm.direct_scan;
SET client_min_messages = warning;
-- the same customers as rfm.summarize GROUP BY c (1.0 and 1.00 in one group)
SELECT c = 1 AS is_one, (rfm.summarize(t, a)).frequency FROM onum GROUP BY c ORDER BY 1;

-- Hand-checked keys: zero as 0, 0.00 and -0.00; keys of the long stored
-- form (more than 63 fractional digits: 1e-70) and with leading zero
-- digit groups (0.0001); 30 integer digits; an integer part of several
-- groups with zero groups inside (100000000).  as_of 2024-12-31:
--   '0': 5 + 6 + 7 = 18, 3 purchases; '0.000…0001' (1e-70): 1 + 2 = 3, 2;
--   '0.0001': 3 + 4 = 7, 2; '0.5': 2, 1; '10000': 1 + 1 = 2, 2;
--   '100000000': 1, 1; '123456789012345678901234567890.5': 8 + 9 = 17, 2;
--   '-98765432109876543210': 1 + 1 = 2, 2.  8 customers.
CREATE TABLE num_edge (c numeric, d date, a numeric);
INSERT INTO num_edge VALUES
  (0, '2024-03-01', 5), (0.00, '2024-03-02', 6), (-0.00, '2024-03-03', 7),
  (1e-70, '2024-03-04', 1), (1.000e-70, '2024-03-05', 2), (0.0001000, '2024-03-06', 3), (0.0001, '2024-03-07', 4),
  (0.50, '2024-03-08', 2), (10000.0000, '2024-03-09', 1), (10000, '2024-03-10', 1), (100000000, '2024-03-11', 1),
  (123456789012345678901234567890.5000, '2024-03-12', 8), (123456789012345678901234567890.5, '2024-03-13', 9),
  (-98765432109876543210.000000, '2024-03-14', 1), (-98765432109876543210, '2024-03-15', 1);
SELECT customer, frequency, monetary FROM rfm.customer_scores('num_edge', 'c', 'd', 'a', 2, '2024-12-31')
 ORDER BY customer::numeric;
SET rfm.direct_scan = off;
SELECT customer, frequency, monetary FROM rfm.customer_scores('num_edge', 'c', 'd', 'a', 2, '2024-12-31')
 ORDER BY customer::numeric;
RESET rfm.direct_scan;
SELECT * FROM vs_grouped('num_edge', 'c', 'd', 'a', 'numeric', 2, '2024-12-31');

-- Seeded orders with numeric keys of every display scale for one value
-- (k/4 at scale 2, 3 or 4; k at scale 0..2), negative keys, NULL keys.
SELECT pg_temp.setseed(0.58);
CREATE TABLE num_orders (c numeric, d date, a numeric);
INSERT INTO num_orders
SELECT CASE WHEN r < 0.02 THEN NULL
            WHEN r < 0.5 THEN round(k::numeric / 4, 2 + (r * 100)::integer % 3)
            ELSE round(k::numeric, (r * 100)::integer % 3) END,
       date '2023-01-01' + (pg_temp.random() * 400)::integer,
       CASE WHEN pg_temp.random() < 0.1 THEN -round((pg_temp.random() * 20)::numeric, 1)
            ELSE round((pg_temp.random() * 300)::numeric, (pg_temp.random() * 3)::integer) END
  FROM (SELECT (pg_temp.random() * 300)::integer - 50 AS k, pg_temp.random() AS r
          FROM generate_series(1, 5000)) g;
ANALYZE num_orders;
CREATE VIEW num_orders_v AS SELECT * FROM num_orders;
-- the key text is trim_scale's (PostgreSQL's own), for every key and NaN
SELECT count(*) AS keys, count(*) FILTER (WHERE rfm._customer_key(c) IS DISTINCT FROM trim_scale(c)::text) AS differ
  FROM (SELECT c FROM num_orders UNION ALL SELECT c FROM num_edge UNION ALL SELECT 'NaN') k;
SELECT count(DISTINCT c) AS distinct_keys, count(DISTINCT c::text) AS distinct_texts FROM num_orders;
-- direct scan, SQL path on the table, SQL path through a view
SELECT * FROM vs_grouped('num_orders', 'c', 'd', 'a', 'numeric', 5, '2023-12-31');
SET rfm.direct_scan = off;
SELECT * FROM vs_grouped('num_orders', 'c', 'd', 'a', 'numeric', 5, '2023-12-31');
RESET rfm.direct_scan;
SELECT * FROM vs_grouped('num_orders_v', 'c', 'd', 'a', 'numeric', 5, '2023-12-31');

-- a numeric key in a customer state: the stored key is the same text, so
-- a refresh that brings 1.00 finds the 1.0 stored before
CREATE TABLE num_state_orders (id bigint, c numeric, d date, a numeric);
INSERT INTO num_state_orders VALUES (1, 1.0, '2024-01-01', 10), (2, 2, '2024-01-02', 5);
SELECT rfm.customer_state_create('fast_keys num', 'num_state_orders', 'c', 'd', 'a', 'id') AS customers;  -- 2
INSERT INTO num_state_orders VALUES (3, 1.00, '2024-01-03', 20), (4, 2.000, '2024-01-04', 1);
SELECT rfm.customer_state_refresh('fast_keys num') AS touched;  -- 2
-- 1: 01-01 .. 01-03, 2 purchases, 30; 2: 01-02 .. 01-04, 2 purchases, 6
SELECT customer, first_purchase, last_purchase, frequency, monetary
  FROM rfm.customer_state_scores('fast_keys num', 2, '2024-01-31') ORDER BY 1;
SELECT customer, frequency, monetary FROM rfm.customer_states WHERE state_name = 'fast_keys num' ORDER BY 1;
SELECT rfm.customer_state_drop('fast_keys num');

-- float keys ----------------------------------------------------------------
-- -0 = 0 and NaN = NaN (also a NaN with its sign bit set) for float4 and
-- float8; 1 and 1.0000000000000002 differ (and stay apart whatever
-- extra_float_digits says).  as_of 2024-01-31:
--   '0': -0 (1 on 01-01) and 0 (2 on 01-02): 2 purchases, 3
--   'NaN': 4 on 01-03 and 8 on 01-04: 2 purchases, 12
--   '1': 16 on 01-05; '1.0000000000000002' (float8) / '1.0000001' (float4): 32 on 01-06
CREATE TABLE float_orders (c8 float8, c4 float4, d date, a numeric);
INSERT INTO float_orders VALUES
  ('-0', '-0', '2024-01-01', 1), ('0', '0', '2024-01-02', 2),
  ('NaN', 'NaN', '2024-01-03', 4), (-'NaN'::float8, -'NaN'::float4, '2024-01-04', 8),
  (1, 1, '2024-01-05', 16), (1.0000000000000002, 1.0000001, '2024-01-06', 32);
SET extra_float_digits = 0;  -- would print 1.0000000000000002 as 1
SELECT customer, frequency, monetary FROM rfm.customer_scores('float_orders', 'c8', 'd', 'a', 2, '2024-01-31') ORDER BY 1;
SELECT customer, frequency, monetary FROM rfm.customer_scores('float_orders', 'c4', 'd', 'a', 2, '2024-01-31') ORDER BY 1;
SET rfm.direct_scan = off;
SELECT customer, frequency, monetary FROM rfm.customer_scores('float_orders', 'c8', 'd', 'a', 2, '2024-01-31') ORDER BY 1;
SELECT customer, frequency, monetary FROM rfm.customer_scores('float_orders', 'c4', 'd', 'a', 2, '2024-01-31') ORDER BY 1;
RESET rfm.direct_scan;
RESET extra_float_digits;
-- against GROUP BY (4 customers each); grouped and joined by sorting, with
-- float's comparison (every NaN equal), on every PostgreSQL version
SET enable_hashagg = off;
SET enable_hashjoin = off;
SELECT * FROM vs_grouped('float_orders', 'c8', 'd', 'a', 'float8', 2, '2024-01-31');
SELECT * FROM vs_grouped('float_orders', 'c4', 'd', 'a', 'float4', 2, '2024-01-31');
SET rfm.direct_scan = off;
SELECT * FROM vs_grouped('float_orders', 'c8', 'd', 'a', 'float8', 2, '2024-01-31');
SELECT * FROM vs_grouped('float_orders', 'c4', 'd', 'a', 'float4', 2, '2024-01-31');
RESET rfm.direct_scan;
-- seeded float8 keys with -0 among them: every key's text is its shortest
-- form (float8out under the default extra_float_digits), -0 as '0'
SELECT pg_temp.setseed(0.13);
CREATE TABLE float_many (c float8, d date, a numeric);
INSERT INTO float_many
SELECT CASE WHEN r < 0.1 THEN '-0'::float8 WHEN r < 0.2 THEN 0 ELSE round((r * 200)::numeric) / 8 END,
       date '2023-01-01' + (pg_temp.random() * 300)::integer, round((pg_temp.random() * 100)::numeric, 2)
  FROM (SELECT pg_temp.random() AS r FROM generate_series(1, 3000)) g;
SELECT count(DISTINCT c) AS distinct_keys, count(*) FILTER (WHERE rfm._customer_key(c) IS DISTINCT FROM
         CASE WHEN c = 0 THEN '0' ELSE c::text END) AS key_text_differ
  FROM float_many;
SELECT * FROM vs_grouped('float_many', 'c', 'd', 'a', 'float8', 5, '2023-12-31');
SET rfm.direct_scan = off;
SELECT * FROM vs_grouped('float_many', 'c', 'd', 'a', 'float8', 5, '2023-12-31');
RESET rfm.direct_scan;
RESET enable_hashagg;
RESET enable_hashjoin;

-- keys whose text does not decide equality ----------------------------------
-- A case-insensitive (nondeterministic) ICU collation: 'Ann' = 'ann' =
-- 'ANN'.  Grouped on the SQL path by the collation's equality; the
-- customer shown is the smallest text of the group in byte order ('ANN').
-- as_of 2024-01-31: ANN: 01-01 .. 01-03, 3 purchases, 7; Bob: 01-04,
-- 1 purchase, 8 ('Bob ' with a blank is another customer: 16 on 01-05).
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE ci_orders (c text COLLATE ci, d date, a numeric);
INSERT INTO ci_orders VALUES ('Ann', '2024-01-01', 1), ('ann', '2024-01-02', 2), ('ANN', '2024-01-03', 4),
                             ('Bob', '2024-01-04', 8), ('Bob ', '2024-01-05', 16), (NULL, '2024-01-05', 32);
SET client_min_messages = debug1;
SELECT quote_literal(customer) AS customer, first_purchase, last_purchase, frequency, monetary
  FROM rfm.customer_scores('ci_orders', 'c', 'd', 'a', 2, '2024-01-31') ORDER BY customer COLLATE "C";
SET client_min_messages = warning;
SELECT count(DISTINCT c) AS customers FROM ci_orders;  -- 3
SELECT * FROM vs_grouped('ci_orders', 'c', 'd', 'a', 'text COLLATE ci', 2, '2024-01-31');
SET rfm.direct_scan = off;
SELECT * FROM vs_grouped('ci_orders', 'c', 'd', 'a', 'text COLLATE ci', 2, '2024-01-31');
RESET rfm.direct_scan;
-- the same through a domain with that collation, and a varchar column
CREATE DOMAIN ci_code AS text COLLATE ci;
CREATE TABLE ci_dom_orders (c ci_code, v varchar(10) COLLATE ci, d date, a numeric);
INSERT INTO ci_dom_orders SELECT c, c, d, a FROM ci_orders;
SELECT * FROM vs_grouped('ci_dom_orders', 'c', 'd', 'a', 'text COLLATE ci', 2, '2024-01-31');
SELECT * FROM vs_grouped('ci_dom_orders', 'v', 'd', 'a', 'text COLLATE ci', 2, '2024-01-31');
-- seeded: names in random case
SELECT pg_temp.setseed(0.71);
CREATE TABLE ci_many (c text COLLATE ci, d date, a numeric);
INSERT INTO ci_many
SELECT CASE WHEN pg_temp.random() < 0.5 THEN upper('cust' || k) ELSE 'Cust' || k END,
       date '2023-01-01' + (pg_temp.random() * 300)::integer, round((pg_temp.random() * 100)::numeric, 2)
  FROM (SELECT (pg_temp.random() * 400)::integer AS k FROM generate_series(1, 3000)) g;
SELECT count(DISTINCT c) AS distinct_keys, count(DISTINCT c COLLATE "C") AS distinct_texts FROM ci_many;
SELECT * FROM vs_grouped('ci_many', 'c', 'd', 'a', 'text COLLATE ci', 5, '2023-12-31');
SET rfm.direct_scan = off;
SELECT * FROM vs_grouped('ci_many', 'c', 'd', 'a', 'text COLLATE ci', 5, '2023-12-31');
RESET rfm.direct_scan;

-- interval keys: '1 mon' = '30 days' and '1 day' = '24:00:00' under
-- interval's =.  as_of 2024-01-31 (IntervalStyle postgres):
--   '1 day' (smallest of '1 day', '24:00:00'): 1 + 2, 2 purchases
--   '1 mon' ('1 mon' < '30 days'): 4 + 8, 2 purchases; '2 days': 16
SET IntervalStyle = postgres;
CREATE TABLE interval_orders (c interval, d date, a numeric);
INSERT INTO interval_orders VALUES ('1 day', '2024-01-01', 1), ('24 hours', '2024-01-02', 2),
  ('1 mon', '2024-01-03', 4), ('30 days', '2024-01-04', 8), ('2 days', '2024-01-05', 16);
SELECT customer, frequency, monetary FROM rfm.customer_scores('interval_orders', 'c', 'd', 'a', 2, '2024-01-31') ORDER BY 1;
SELECT * FROM vs_grouped('interval_orders', 'c', 'd', 'a', 'interval', 2, '2024-01-31');
RESET IntervalStyle;

-- keys the text form does decide stay on the direct scan: text with a
-- deterministic collation ('Ann' and 'ann' are two customers), uuid
SELECT rfm._customer_key_kind('ci_orders', 'c') AS ci_text, rfm._customer_key_kind('ci_dom_orders', 'c') AS ci_domain,
       rfm._customer_key_kind('onum', 'c') AS numeric_key, rfm._customer_key_kind('float_orders', 'c4') AS real_key,
       rfm._customer_key_kind('interval_orders', 'c') AS interval_key;
CREATE TABLE text_orders (c text COLLATE "C", u uuid, d date, a numeric);
INSERT INTO text_orders SELECT c, md5(lower(c))::uuid, d, a FROM ci_orders;
SELECT rfm._customer_key_kind('text_orders', 'c') AS c_text, rfm._customer_key_kind('text_orders', 'u') AS uuid_key;
SET client_min_messages = debug1;
SELECT count(*) AS customers FROM rfm.customer_scores('text_orders', 'c', 'd', 'a', 2, '2024-01-31');  -- 5
SET client_min_messages = warning;

DROP SCHEMA fast_keys_test CASCADE;
RESET search_path;
