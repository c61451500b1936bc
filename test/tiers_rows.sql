-- pgTAP: rfm._tier_rows in C (src/tier_rows.c).  Its labels per score cell
-- equal rfm.segment for every score triple of bins 2..9, for the built-in
-- schemes and a scheme added to rfm.segment_rules now (with cells no rule
-- matches: NULL), in both languages; its lifecycle equals rfm._lifecycle;
-- tier tables it builds equal the grouped path (rfm._tier_query:
-- rfm.summarize GROUP BY + rfm.breaks + rfm.score) for
-- domain keys, as_of NULL, a watermark tier table and a user scheme (the
-- key types themselves: test/tiers_fast.sql); rows come sorted by key
-- unless rfm.tier_unsorted is on; a wrong column definition list and a
-- source that changed shape since creation give clear errors.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS rows_t CASCADE;
CREATE SCHEMA rows_t;
DELETE FROM rfm.segment_rules WHERE scheme = 'rows_t partial';
SELECT setseed(0.31);
-- 3,000 customers, 30,000 orders in the 700 days before today, ~5% refunds.
CREATE TABLE rows_t.orders (order_id bigserial PRIMARY KEY, customer bigint, ordered_on date, amount numeric);
INSERT INTO rows_t.orders (customer, ordered_on, amount)
SELECT 1 + floor(3000 * power(random(), 1.6))::bigint,
       current_date - floor(random() * 700)::int,
       CASE WHEN random() < 0.05 THEN -round((random() * 30)::numeric, 2)
            ELSE round((1 + random() * 200)::numeric, i % 3) END
  FROM generate_series(1, 30000) i;
-- one purchase each on the lifecycle boundaries (30 days new, 90 sleeping, 180 churned)
INSERT INTO rows_t.orders (customer, ordered_on, amount)
SELECT 80000 + k, current_date - d, 10 FROM unnest(ARRAY[29, 30, 89, 90, 179, 180]) WITH ORDINALITY AS u(d, k);
-- Domain keys: over text (with a CHECK the rows must pass) and over integer.
CREATE DOMAIN rows_t.code AS text CHECK (VALUE LIKE 'K%');
CREATE DOMAIN rows_t.num AS integer CHECK (VALUE > 0);
CREATE TABLE rows_t.orders_dom AS
  SELECT ('K' || customer)::rows_t.code AS customer, customer::integer::rows_t.num AS customer_n, ordered_on, amount
    FROM rows_t.orders;
-- A user scheme whose rules leave cells unmatched (r = 1 and f = 1 and m >= 2, say): NULL labels.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, r_min, r_max, f_min, f_max, m_min, m_max, total_min, total_max)
VALUES ('rows_t partial', 1, 'top', '顶', 4, 100, 1, 100, 1, 100, NULL, NULL),
       ('rows_t partial', 2, 'mid', '中', 2, 3, 2, 100, 1, 100, 5, NULL),
       ('rows_t partial', 3, 'low', '低', 1, 100, 1, 1, 1, 1, NULL, NULL);

SELECT plan(37);

-- The rows of the grouped path for the same options, as a table.
CREATE FUNCTION rows_t.grouped(source regclass, c text, bins int, scheme text, as_of date)
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP TABLE IF EXISTS rows_t.expected;
  EXECUTE format('CREATE TABLE rows_t.expected AS SELECT * FROM (%s) q',
                 rfm._tier_query(source, c, 'ordered_on', 'amount', NULL, bins, scheme, as_of, false));
END $$;
-- Rows of a tier table and rows_t.expected that differ (both directions), as text.
\ir include/tier_compare.psql
CREATE FUNCTION rows_t.differ(tier regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT pg_temp.tier_differ(tier, pg_catalog.to_regclass('rows_t.expected')) $$;
-- Every cell of bins 2..9 whose C labels differ from rfm.segment (en, zh, and tier3 in both), for one scheme.
CREATE FUNCTION rows_t.label_differ(scheme text) RETURNS bigint LANGUAGE sql AS $$
SELECT count(*)
  FROM generate_series(2, 9) b
 CROSS JOIN LATERAL rfm._tier_cell_labels(b, scheme) c
 WHERE c.rfm_cell IS DISTINCT FROM c.r_score::text || c.f_score::text || c.m_score::text
    OR c.segment IS DISTINCT FROM rfm.segment(c.r_score, c.f_score, c.m_score, scheme, 'en')
    OR c.segment_zh IS DISTINCT FROM rfm.segment(c.r_score, c.f_score, c.m_score, scheme, 'zh')
    OR c.tier IS DISTINCT FROM rfm.segment(c.r_score, c.f_score, c.m_score, 'tier3', 'en')
    OR c.tier_zh IS DISTINCT FROM rfm.segment(c.r_score, c.f_score, c.m_score, 'tier3', 'zh') $$;

-- Labels per cell.
SELECT is((SELECT count(*) FROM generate_series(2, 9) b CROSS JOIN LATERAL rfm._tier_cell_labels(b, 'standard')),
          (SELECT sum(b * b * b) FROM generate_series(2, 9) b)::bigint, 'one label row per score triple of bins 2..9');
SELECT is(rows_t.label_differ('standard'), 0::bigint, 'standard: every cell''s labels equal rfm.segment (en, zh, tier3)');
SELECT is(rows_t.label_differ('value8'), 0::bigint, 'value8: every cell''s labels equal rfm.segment');
SELECT is(rows_t.label_differ('tier3'), 0::bigint, 'tier3: every cell''s labels equal rfm.segment');
SELECT is(rows_t.label_differ('rows_t partial'), 0::bigint, 'a scheme added to rfm.segment_rules: every cell equal to rfm.segment');
-- rfm.segment itself on three cells of the partial scheme, by hand from the rules above
SELECT is(ARRAY(SELECT coalesce(segment, '-') || '/' || coalesce(segment_zh, '-') FROM rfm._tier_cell_labels(5, 'rows_t partial')
                 WHERE rfm_cell IN ('511', '231', '121', '111', '112') ORDER BY rfm_cell),
          ARRAY['low/低', '-/-', '-/-', 'mid/中', 'top/顶'],
          'partial scheme by hand: 111 low, 112 and 121 unmatched (NULL), 231 mid (total 6 >= 5), 511 top');
SELECT is((SELECT count(*) FROM rfm._tier_cell_labels(5, 'rows_t partial') WHERE segment IS NULL),
          (SELECT count(*) FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m
            WHERE NOT (r >= 4 OR (r BETWEEN 2 AND 3 AND f >= 2 AND r + f + m >= 5) OR (f = 1 AND m = 1))),
          'partial scheme: the unmatched cells are exactly those no rule covers (counted by hand-written predicate)');
SELECT throws_ok($$SELECT * FROM rfm._tier_cell_labels(5, 'no such scheme')$$, '22023',
                 'rfm.segment: unknown scheme "no such scheme"', 'an unknown scheme: rfm.segment''s error');

-- Tier tables against the grouped path.
SELECT rfm.create_tiers('rows_t.td', 'rows_t.orders_dom', 'customer', 'ordered_on', 'amount', bins => 4,
                        as_of => current_date - 30, keep_history => false) \g /dev/null
SELECT rows_t.grouped('rows_t.orders_dom', 'customer', 4, 'standard', current_date - 30);
SELECT is((SELECT row_count FROM rfm.refresh_log WHERE tier = 'rows_t.td'::regclass AND action = 'create'),
          (SELECT count(*) FROM rows_t.td), 'the create log row counts the rows written');
SELECT is((SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'rows_t.td'::regclass AND attname = 'customer_id'),
          'rows_t.code', 'domain over text: the tier table''s key has the domain type');
SELECT is(rows_t.differ('rows_t.td'), 0::bigint, 'domain over text, past as_of: every row equal to the grouped path');
SELECT rfm.create_tiers('rows_t.tn', 'rows_t.orders_dom', 'customer_n', 'ordered_on', 'amount', bins => 6,
                        scheme => 'rows_t partial', keep_history => false) \g /dev/null
SELECT rows_t.grouped('rows_t.orders_dom', 'customer_n', 6, 'rows_t partial', current_date);
SELECT is(rows_t.differ('rows_t.tn'), 0::bigint, 'domain over integer, as_of NULL (today), a user scheme: equal to the grouped path');
SELECT cmp_ok((SELECT count(*) FROM rows_t.tn WHERE segment IS NULL), '>', 0::bigint, '... with unmatched cells (NULL segment)');
SELECT is((SELECT count(*) FROM rows_t.tn
            WHERE lifecycle IS DISTINCT FROM rfm._lifecycle(first_purchase, last_purchase, current_date, 30, 90, 180, 'en')),
          0::bigint, 'lifecycle equals rfm._lifecycle(first, last, as_of, 30, 90, 180)');
SELECT is(ARRAY(SELECT lifecycle FROM rows_t.tn WHERE customer_id > 80000 ORDER BY customer_id),
          ARRAY['new', 'active', 'active', 'sleeping', 'sleeping', 'churned'],
          'lifecycle on the boundaries, by hand: 29 days new, 30 active, 89 active, 90 sleeping, 179 sleeping, 180 churned');
SELECT is((SELECT count(*) FROM rows_t.tn WHERE as_of IS DISTINCT FROM current_date), 0::bigint, 'as_of NULL: as_of is today');

-- uuid keys read through the states aggregate (rfm.direct_scan off) and through a view (no direct scan).
CREATE TABLE rows_t.orders_uuid AS SELECT md5(customer::text)::uuid AS customer, ordered_on, amount FROM rows_t.orders;
CREATE VIEW rows_t.orders_uuid_v AS SELECT * FROM rows_t.orders_uuid;
SET rfm.direct_scan = off;
SELECT rfm.create_tiers('rows_t.tu', 'rows_t.orders_uuid', 'customer', 'ordered_on', 'amount', bins => 2,
                        scheme => 'value8', keep_history => false) \g /dev/null
RESET rfm.direct_scan;
SELECT rows_t.grouped('rows_t.orders_uuid', 'customer', 2, 'value8', current_date);
SELECT is(rows_t.differ('rows_t.tu'), 0::bigint, 'uuid key through the states aggregate (rfm.direct_scan off): equal to the grouped path');
SELECT rfm.create_tiers('rows_t.tv', 'rows_t.orders_uuid_v', 'customer', 'ordered_on', 'amount', bins => 2,
                        scheme => 'value8', keep_history => false) \g /dev/null
SELECT is(rows_t.differ('rows_t.tv'), 0::bigint, 'uuid key from a view source: equal to the grouped path');

-- value8 in a tier table: each score split at the median by 2-bin quantile
-- scores; a frequency or monetary equal to it is low, a recency equal to
-- it high (recent: recency's scores run the other way), unlike
-- rfm.high_low(recency, median, false), where equal is low.  By hand:
-- recency 10 / 20 / 30 days, median 20; one purchase each (median 1, all
-- low); monetary 10 / 20 / 30, median 20.
CREATE TABLE rows_t.v8 (c text, d date, a numeric);
INSERT INTO rows_t.v8 VALUES ('p', '2024-06-20', 10), ('q', '2024-06-10', 20), ('r', '2024-05-31', 30);
SELECT rfm.create_tiers('rows_t.v8_tiers', 'rows_t.v8', 'c', 'd', 'a', bins => 2, scheme => 'value8',
                        as_of => '2024-06-30', keep_history => false) \g /dev/null
SELECT is(ARRAY(SELECT concat_ws(' ', customer_id, recency_days, rfm_cell, segment) FROM rows_t.v8_tiers ORDER BY customer_id),
          ARRAY['p 10 211 General Development', 'q 20 211 General Development', 'r 30 112 Important Win-back'],
          'value8 tier table: a recency equal to the median is high (q), a monetary equal to it low (q)');

-- A watermark tier table (rows from the stored states) against the grouped path over all orders.
SELECT rfm.create_tiers('rows_t.tw', 'rows_t.orders', 'customer', 'ordered_on', 'amount', bins => 3,
                        keep_history => false, watermark_column => 'order_id') \g /dev/null
INSERT INTO rows_t.orders (customer, ordered_on, amount) VALUES (99001, current_date, 12.5), (7, current_date - 1, 3);
CALL rfm.refresh_tiers('rows_t.tw');
SELECT rows_t.grouped('rows_t.orders', 'customer', 3, 'standard', current_date);
SELECT is(rows_t.differ('rows_t.tw'), 0::bigint, 'watermark tier table after new orders: equal to the grouped path');

-- Row order: by key unless rfm.tier_unsorted is on.
CREATE TEMP TABLE got_int AS
  SELECT row_number() OVER () AS n, customer_id FROM rfm._tier_rows('rows_t.orders_dom', 'customer_n', 'ordered_on', 'amount',
       'rows_t.num', 5, 'standard', current_date) AS t(customer_id rows_t.num, first_purchase date, last_purchase date,
       recency_days integer, frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer,
       rfm_cell text, segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, as_of date);
SELECT is((SELECT count(*) FROM got_int a JOIN got_int b ON b.n = a.n + 1 WHERE b.customer_id <= a.customer_id), 0::bigint,
          'integer keys come out ascending');
CREATE TEMP TABLE got_text AS
  SELECT row_number() OVER () AS n, customer_id FROM rfm._tier_rows('rows_t.orders_dom', 'customer', 'ordered_on', 'amount',
       'rows_t.code', 5, 'standard', current_date) AS t(customer_id rows_t.code, first_purchase date, last_purchase date,
       recency_days integer, frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer,
       rfm_cell text, segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, as_of date);
SELECT is((SELECT count(*) FROM got_text a JOIN got_text b ON b.n = a.n + 1
            WHERE b.customer_id::text COLLATE "C" <= a.customer_id::text COLLATE "C"), 0::bigint,
          'text keys come out in byte order (K10 before K9)');
SELECT cmp_ok((SELECT count(*) FROM got_text), '>', 2500::bigint, '... thousands of them');
-- bigint keys over the whole range (negative, beyond 2^32, the extremes): every byte of the sort differs
CREATE TABLE rows_t.orders_wide AS
  SELECT (pg_catalog.hashint4(g)::bigint << 32) # (pg_catalog.hashint4(-g)::bigint & 4294967295) AS customer,
         current_date - (g % 400) AS ordered_on, 1 + g % 97 AS amount
    FROM generate_series(1, 3000) g
  UNION ALL VALUES (-9223372036854775808, current_date, 5), (9223372036854775807, current_date, 5),
                   (-1, current_date, 5), (0, current_date, 5), (1, current_date, 5);
CREATE TEMP TABLE got_wide AS
  SELECT row_number() OVER () AS n, customer_id FROM rfm._tier_rows('rows_t.orders_wide', 'customer', 'ordered_on', 'amount',
       'bigint', 5, 'standard', current_date) AS t(customer_id bigint, first_purchase date, last_purchase date,
       recency_days integer, frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer,
       rfm_cell text, segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, as_of date);
SELECT is((SELECT count(*) FROM got_wide a JOIN got_wide b ON b.n = a.n + 1 WHERE b.customer_id <= a.customer_id), 0::bigint,
          'bigint keys over the whole range come out ascending');
SELECT is((SELECT array_agg(customer_id ORDER BY n) FROM got_wide WHERE n IN (1, (SELECT max(n) FROM got_wide))),
          ARRAY[-9223372036854775808, 9223372036854775807]::bigint[], '... from the smallest bigint to the largest');
SELECT is((SELECT count(DISTINCT customer_id) FROM got_wide), (SELECT count(DISTINCT customer) FROM rows_t.orders_wide),
          '... every customer once');
-- keys longer than the 8-byte sort prefix, sharing it
CREATE TABLE rows_t.orders_long AS SELECT 'customer number ' || customer AS customer, ordered_on, amount FROM rows_t.orders;
CREATE TEMP TABLE got_long AS
  SELECT row_number() OVER () AS n, customer_id FROM rfm._tier_rows('rows_t.orders_long', 'customer', 'ordered_on', 'amount',
       'text', 5, 'standard', current_date) AS t(customer_id text, first_purchase date, last_purchase date,
       recency_days integer, frequency bigint, monetary numeric, r_score integer, f_score integer, m_score integer,
       rfm_cell text, segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, as_of date);
SELECT is((SELECT count(*) FROM got_long a JOIN got_long b ON b.n = a.n + 1
            WHERE b.customer_id COLLATE "C" <= a.customer_id COLLATE "C"), 0::bigint,
          'long text keys with a common prefix come out in byte order');

-- Errors.
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('rows_t.orders', 'customer', 'ordered_on', 'amount', 'bigint', 5,
                   'standard', current_date) AS t(customer_id bigint, first_purchase date)$$,
  '42804', 'rfm._tier_rows: the column definition list has 2 columns, a tier table without CLV columns has 17',
  'a column definition list of the wrong length: clear error');
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('rows_t.orders', 'customer', 'ordered_on', 'amount', 'bigint', 5,
                   'standard', current_date) AS t(customer_id integer, first_purchase date, last_purchase date,
                   recency_days integer, frequency bigint, monetary numeric, r_score integer, f_score integer,
                   m_score integer, rfm_cell text, segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, as_of date)$$,
  '42804', 'rfm._tier_rows: column 1 of the column definition list is integer, the tier table''s is bigint',
  'a key column of another type: clear error');
-- A declared length or precision would not be applied to the rows (a C
-- function's rows are returned as made), so it is refused.
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('rows_t.orders', 'customer', 'ordered_on', 'amount', 'bigint', 5,
                   'standard', current_date) AS t(customer_id bigint, first_purchase date, last_purchase date,
                   recency_days integer, frequency bigint, monetary numeric(4,1), r_score integer, f_score integer,
                   m_score integer, rfm_cell text, segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, as_of date)$$,
  '42804', 'rfm._tier_rows: column 6 of the column definition list is numeric(4,1), the tier table''s is numeric',
  'a column with a typmod: clear error, not rows that break it');
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('rows_t.orders', 'customer', 'ordered_on', 'amount', 'bigint', 5,
                   'standard', NULL, clv => true) AS t(customer_id bigint, first_purchase date)$$,
  '42804', NULL, 'the grouped path (CLV) with the wrong columns: plpgsql''s RETURN QUERY error');
-- bins beyond one digit per score: refused before any work (rfm.create_tiers allows 2..9)
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('rows_t.orders', 'customer', 'ordered_on', 'amount', 'bigint', 10,
                   'standard', current_date) AS t(customer_id bigint, first_purchase date)$$,
  '22023', 'rfm._tier_rows: bins must be between 2 and 9, not 10', 'bins 10: 22023');
SELECT throws_ok($$SELECT * FROM rfm._tier_cell_labels(10, 'standard')$$,
  '22023', 'rfm._tier_cell_labels: bins must be between 2 and 9, not 10', 'cell labels for bins 10: 22023');
-- stored states with a key type they cannot hold (rfm.create_tiers refuses this; a direct call must too)
SELECT rfm.customer_state_create('rows_t numeric', 'rows_t.orders', 'customer', 'ordered_on', 'amount',
                                 watermark_column => 'order_id') \g /dev/null
CREATE TABLE rows_t.orders_num (customer numeric, ordered_on date, amount numeric);
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('rows_t.orders_num', 'customer', 'ordered_on', 'amount', 'numeric', 5,
                   'standard', NULL, false, 'rows_t numeric') AS t(customer_id numeric, first_purchase date,
                   last_purchase date, recency_days integer, frequency bigint, monetary numeric, r_score integer,
                   f_score integer, m_score integer, rfm_cell text, segment text, segment_zh text, tier text,
                   tier_zh text, lifecycle text, lifecycle_zh text, as_of date)$$,
  '0A000', 'rfm._tier_rows: a customer key of type numeric cannot be read from stored customer states',
  'a numeric key over stored states: 0A000, never its bytes read as numeric');
SELECT rfm.customer_state_drop('rows_t numeric') \g /dev/null
-- The source changes shape after creation: REFRESH reports it, the rows stay.
CREATE TABLE rows_t.src AS SELECT customer, ordered_on, amount FROM rows_t.orders WHERE customer < 200;
SELECT rfm.create_tiers('rows_t.ts', 'rows_t.src', 'customer', 'ordered_on', 'amount', keep_history => false) \g /dev/null
ALTER TABLE rows_t.src ALTER COLUMN customer TYPE text;
SELECT throws_ok('REFRESH MATERIALIZED VIEW rows_t.ts', '42804',
  'rfm: customer column customer of rows_t.src is now text, the tier table was made for bigint',
  'customer column of another type: the error of rfm._tier_query at refresh');
ALTER TABLE rows_t.src DROP COLUMN amount;
SELECT throws_ok('REFRESH MATERIALIZED VIEW rows_t.ts', '42703', 'rfm: source rows_t.src has no column amount',
  'a dropped column: the error of rfm._tier_query at refresh');
SELECT cmp_ok((SELECT count(*) FROM rows_t.ts), '>', 100::bigint, 'the tier table keeps its rows');

SELECT * FROM finish();
SELECT rfm.drop_tiers(t.tier) FROM rfm.tier_tables t WHERE t.tier::text LIKE 'rows_t.%' \g /dev/null
DELETE FROM rfm.segment_rules WHERE scheme = 'rows_t partial';
DROP SCHEMA rows_t CASCADE;
