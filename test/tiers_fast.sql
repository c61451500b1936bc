-- pgTAP: tier tables built by the fast path (rfm.customer_scores) hold
-- exactly the rows of the grouped path (rfm.summarize GROUP BY + rfm.breaks
-- + rfm.score, the path the hand-checked tests in test/tiers.sql and
-- sql/tiers.sql were written for), on seeded random data with refunds,
-- refund-only customers, NULL rows, orders after as_of and heavy ties; for
-- every customer key type the fast path takes; and key types it must not
-- take fall back to the grouped path.  R/F/M values and lifecycle are also
-- checked against plain SQL (min/max/count/sum, CASE) that uses no rfm code.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS fast_t CASCADE;
CREATE SCHEMA fast_t;
SELECT setseed(0.6);
-- 4,000 customers (ids 1..4000, skewed), 40,000 orders over 2023-2024,
-- amounts with 0..2 decimals, ~5% refunds, some NULLs, some after as_of.
CREATE TABLE fast_t.orders (id bigserial PRIMARY KEY, customer bigint, ordered_on date, amount numeric);
INSERT INTO fast_t.orders (customer, ordered_on, amount)
SELECT CASE WHEN random() < 0.002 THEN NULL ELSE 1 + floor(4000 * power(random(), 1.7))::bigint END,
       CASE WHEN random() < 0.002 THEN NULL ELSE date '2023-01-01' + floor(random() * 560)::int END,
       CASE WHEN random() < 0.002 THEN NULL
            WHEN random() < 0.05 THEN -round((random() * 40)::numeric, (i % 3))
            ELSE round((1 + random() * 300)::numeric, (i % 3)) END
  FROM generate_series(1, 40000) i;
-- refund-only customers and a customer whose only purchase is after as_of
INSERT INTO fast_t.orders (customer, ordered_on, amount) VALUES
  (90001, '2024-01-05', -10), (90001, '2024-02-05', -5.5), (90002, '2024-06-20', 30), (90002, '2024-03-01', -1);

-- The same orders under other key types and time types.
CREATE TABLE fast_t.orders_text AS
  SELECT 'cust ' || customer AS customer, ordered_on::timestamptz + interval '13 hours' AS ordered_at, amount FROM fast_t.orders;
CREATE TABLE fast_t.orders_uuid AS
  SELECT md5(customer::text)::uuid AS customer, ordered_on::timestamp + interval '23 hours 59 minutes' AS ordered_at,
         amount FROM fast_t.orders;
CREATE TABLE fast_t.orders_int AS
  SELECT customer::integer AS customer, ordered_on, round(amount)::integer AS amount FROM fast_t.orders;
CREATE TABLE fast_t.orders_varchar AS
  SELECT ('C' || customer)::varchar(20) AS customer, ordered_on, amount FROM fast_t.orders;
CREATE TABLE fast_t.orders_char AS
  SELECT ('C' || customer)::char(8) AS customer, ordered_on, amount FROM fast_t.orders;

SELECT plan(49);

-- The rows of the grouped path for the same options, as a table.
CREATE FUNCTION fast_t.grouped(source regclass, c text, t text, a text, bins int, as_of date, cust_type text)
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP TABLE IF EXISTS fast_t.expected;
  EXECUTE format('CREATE TABLE fast_t.expected AS SELECT * FROM (%s) q',
                 rfm._tier_query(source, c, t, a, NULL, bins, 'standard', as_of, false));
END $$;
-- Rows of tier table and fast_t.expected that differ (both directions), as text so display scale counts.
\ir include/tier_compare.psql
CREATE FUNCTION fast_t.differ(tier regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT pg_temp.tier_differ(tier, pg_catalog.to_regclass('fast_t.expected')) $$;

-- Which path a source takes (rfm._tier_rows decides; its row order: test/tiers_rows.sql).
SELECT ok(rfm._tier_query('fast_t.orders', 'customer', 'ordered_on', 'amount', NULL, 5, 'standard', '2024-03-31')
          LIKE '%rfm._tier_summarize(%GROUP BY%', 'rfm._tier_query is the grouped path (rfm._tier_summarize, rfm.summarize for tier tables, GROUP BY)');
SELECT ok(rfm._tier_query('fast_t.orders', 'customer', 'ordered_on', 'amount', NULL, 5, 'standard', '2024-03-31',
                          clv => true) LIKE '%rfm.clv_columns(%', '... with the CLV columns for clv => true');
SELECT is(ARRAY[rfm._tier_text_key('fast_t.orders_text', 'customer'), rfm._tier_text_key('fast_t.orders_uuid', 'customer'),
                rfm._tier_text_key('fast_t.orders_int', 'customer'), rfm._tier_text_key('fast_t.orders_varchar', 'customer')],
          ARRAY[true, true, true, true], 'text, uuid, integer and varchar keys take the fast path');

-- bigint key, date times, numeric amounts, 5 bins.
SELECT rfm.create_tiers('fast_t.t5', 'fast_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
BEGIN;
SELECT rfm.create_tiers('fast_t.tx', 'fast_t.orders', 'customer', 'ordered_on', 'amount', keep_history => false) \g /dev/null
SELECT is(current_setting('rfm.tier_unsorted', true), 'off',
          'create_tiers turns rfm.tier_unsorted off again (later refreshes in the same transaction sort)');
ROLLBACK;
SELECT fast_t.grouped('fast_t.orders', 'customer', 'ordered_on', 'amount', 5, '2024-03-31', 'bigint');
SELECT cmp_ok((SELECT count(*) FROM fast_t.t5), '>', 3500::bigint, 'the bigint tier table has thousands of customers');
SELECT is((SELECT count(*) FROM fast_t.t5), (SELECT count(*) FROM fast_t.expected), 'same customers as the grouped path');
SELECT is(fast_t.differ('fast_t.t5'), 0::bigint, 'bigint key: every row equal to the grouped path (values, scale, scores, labels)');
-- R/F/M values, first purchase and lifecycle by plain SQL, no rfm code.
CREATE TABLE fast_t.plain AS
SELECT customer,
       min(ordered_on) FILTER (WHERE amount > 0) AS first_purchase,
       max(ordered_on) FILTER (WHERE amount > 0) AS last_purchase,
       date '2024-03-31' - max(ordered_on) FILTER (WHERE amount > 0) AS recency_days,
       count(*) FILTER (WHERE amount > 0) AS frequency, sum(amount) AS monetary
  FROM fast_t.orders
 WHERE customer IS NOT NULL AND ordered_on IS NOT NULL AND amount IS NOT NULL AND ordered_on <= '2024-03-31'
 GROUP BY customer HAVING count(*) FILTER (WHERE amount > 0) > 0;
SELECT is((SELECT count(*) FROM fast_t.t5 t FULL JOIN fast_t.plain p ON p.customer = t.customer_id
            WHERE (t.first_purchase, t.last_purchase, t.recency_days, t.frequency, t.monetary, t.monetary::text)
                  IS DISTINCT FROM (p.first_purchase, p.last_purchase, p.recency_days, p.frequency, p.monetary, p.monetary::text)),
          0::bigint, 'first/last purchase, recency, frequency and monetary (with its scale) equal plain SQL for every customer');
SELECT is((SELECT count(*) FROM fast_t.t5 t
            WHERE t.lifecycle IS DISTINCT FROM CASE WHEN t.recency_days >= 180 THEN 'churned'
                                                    WHEN t.recency_days >= 90 THEN 'sleeping'
                                                    WHEN date '2024-03-31' - t.first_purchase < 30 THEN 'new'
                                                    ELSE 'active' END), 0::bigint,
          'lifecycle equals the documented rule (churned >= 180, sleeping >= 90, new < 30 days)');
SELECT is((SELECT count(*) FROM fast_t.t5 WHERE customer_id IN (90001, 90002)), 0::bigint,
          'refund-only customers and purchases after as_of only: no row');
-- Scores: tie-consistent and monotone (equal values equal scores, more days never scores higher).
SELECT is((SELECT count(*) FROM (SELECT recency_days FROM fast_t.t5 GROUP BY recency_days HAVING count(DISTINCT r_score) > 1) x)
          + (SELECT count(*) FROM (SELECT frequency FROM fast_t.t5 GROUP BY frequency HAVING count(DISTINCT f_score) > 1) x)
          + (SELECT count(*) FROM (SELECT monetary FROM fast_t.t5 GROUP BY monetary HAVING count(DISTINCT m_score) > 1) x),
          0::bigint, 'tied values share a score in all three dimensions');
SELECT is((SELECT count(*) FROM fast_t.t5 a JOIN fast_t.t5 b ON a.recency_days < b.recency_days AND a.r_score < b.r_score
            WHERE a.customer_id < 300 AND b.customer_id < 300), 0::bigint, 'fewer days never scores lower on R');
SELECT is((SELECT count(*) FROM fast_t.t5
            WHERE segment IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'standard', 'en')
               OR segment_zh IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'standard', 'zh')
               OR tier IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'tier3', 'en')
               OR rfm_cell <> r_score::text || f_score::text || m_score::text), 0::bigint,
          'labels and rfm_cell follow the scores');

-- A refresh after new orders (a new customer, a back-dated order, a refund) equals the grouped path again.
INSERT INTO fast_t.orders (customer, ordered_on, amount) VALUES
  (95000, '2024-03-30', 12.5), (7, '2023-01-02', 99.99), (8, '2024-03-31', -3), (90001, '2024-03-01', 4);
CALL rfm.refresh_tiers('fast_t.t5');
SELECT fast_t.grouped('fast_t.orders', 'customer', 'ordered_on', 'amount', 5, '2024-03-31', 'bigint');
SELECT is(fast_t.differ('fast_t.t5'), 0::bigint, 'after a refresh: still equal to the grouped path');
SELECT is((SELECT count(*) FROM fast_t.t5 WHERE customer_id IN (95000, 90001)), 2::bigint,
          'the new customer and the refund-only customer who now bought are in');

-- Other key, time and amount types; other bins.
SELECT rfm.create_tiers('fast_t.tt', 'fast_t.orders_text', 'customer', 'ordered_at', 'amount', bins => 3,
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT fast_t.grouped('fast_t.orders_text', 'customer', 'ordered_at', 'amount', 3, '2024-03-31', 'text');
SELECT is(fast_t.differ('fast_t.tt'), 0::bigint, 'text key, timestamptz times, 3 bins: equal to the grouped path');
-- A tier table takes timestamptz days in its creator's TimeZone
-- (rfm.tier_tables.time_zone), whoever refreshes it: a pg_cron job or a
-- restore in another zone used to move orders near midnight to other days.
SELECT current_setting('TimeZone') AS made_in \gset
SET TimeZone = 'Pacific/Kiritimati';   -- UTC+14: 13:00 UTC is already the next day
CALL rfm.refresh_tiers('fast_t.tt');
SELECT fast_t.grouped('fast_t.orders_text', 'customer', 'ordered_at', 'amount', 3, '2024-03-31', 'text');
SELECT cmp_ok(fast_t.differ('fast_t.tt'), '>', 0::bigint,
              'Kiritimati''s days are not those of the zone fast_t.tt was made in (' || :'made_in' || ')');
SELECT rfm.create_tiers('fast_t.tk', 'fast_t.orders_text', 'customer', 'ordered_at', 'amount', bins => 3,
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT is(fast_t.differ('fast_t.tk'), 0::bigint, 'a tier table made in Kiritimati has its days there');
SELECT is((SELECT time_zone FROM rfm.tier_tables WHERE tier = 'fast_t.tk'::regclass), 'Pacific/Kiritimati',
          '... recorded in rfm.tier_tables.time_zone');
SET rfm.max_memory = '64kB';
CALL rfm.refresh_tiers('fast_t.tk');    -- the grouped path (a NOTICE), from Kiritimati too
RESET rfm.max_memory;
SELECT is(fast_t.differ('fast_t.tk'), 0::bigint, '... on the grouped path too');
SET TimeZone = :'made_in';
CALL rfm.refresh_tiers('fast_t.tk');
REFRESH MATERIALIZED VIEW fast_t.tk;   -- as pg_restore refills it: the zone is in the stored query
SELECT fast_t.grouped('fast_t.orders_text', 'customer', 'ordered_at', 'amount', 3, '2024-03-31', 'text');
SELECT is(fast_t.differ('fast_t.tt'), 0::bigint,
          'refreshed from Kiritimati, fast_t.tt kept the days of the zone it was made in');
SET TimeZone = 'Pacific/Kiritimati';
SELECT fast_t.grouped('fast_t.orders_text', 'customer', 'ordered_at', 'amount', 3, '2024-03-31', 'text');
SELECT is(fast_t.differ('fast_t.tk'), 0::bigint,
          'refreshed from ' || :'made_in' || ' (rfm.refresh_tiers, then a plain REFRESH as pg_restore runs), fast_t.tk kept Kiritimati''s days');
-- as_of NULL: today in the tier table's zone.  Kiritimati (UTC+14) and
-- Pago Pago (UTC-11) are 25 hours apart: never the same day.
SELECT rfm.create_tiers('fast_t.tk_today', 'fast_t.orders_text', 'customer', 'ordered_at', 'amount', bins => 3) \g /dev/null
SET TimeZone = 'Pacific/Pago_Pago';
CALL rfm.refresh_tiers('fast_t.tk_today');
SELECT is(ARRAY(SELECT DISTINCT as_of FROM fast_t.tk_today), ARRAY[timezone('Pacific/Kiritimati', now())::date],
          'as_of NULL refreshed from Pago Pago: today in Kiritimati, where the tier table was made');
SELECT is(ARRAY[(SELECT as_of FROM rfm.refresh_log WHERE tier = 'fast_t.tk_today'::regclass ORDER BY id DESC LIMIT 1),
                (SELECT max(as_of) FROM fast_t.tk_today_history)],
          ARRAY[timezone('Pacific/Kiritimati', now())::date, timezone('Pacific/Kiritimati', now())::date],
          '... in its log and history snapshot too');
-- The zone is read as TimeZone reads it, never as an abbreviation: 'EST'
-- is the zone file's UTC-5, also for a session whose
-- timezone_abbreviations make EST Australian (UTC+10: a later day 15 hours
-- of every 24); the log and snapshot day used to be taken that way.
SET TimeZone = 'EST';
SELECT rfm.create_tiers('fast_t.est_today', 'fast_t.orders_text', 'customer', 'ordered_at', 'amount', bins => 3) \g /dev/null
SET TimeZone = 'UTC';
SET timezone_abbreviations = 'Australia';
CALL rfm.refresh_tiers('fast_t.est_today');
SELECT is(ARRAY[(SELECT as_of FROM rfm.refresh_log WHERE tier = 'fast_t.est_today'::regclass ORDER BY id DESC LIMIT 1),
                (SELECT max(as_of) FROM fast_t.est_today_history), (SELECT max(as_of) FROM fast_t.est_today)],
          ARRAY[timezone('America/Panama', now())::date, timezone('America/Panama', now())::date,
                timezone('America/Panama', now())::date],
          'a tier table made in TimeZone EST: its log, snapshot and rows are for today at UTC-5 (America/Panama), with Australian abbreviations too');
SELECT is(rfm._zone_today('EST'), timezone('America/Panama', now())::date, '... as rfm._zone_today reads the zone');
RESET timezone_abbreviations;
RESET TimeZone;

SELECT rfm.create_tiers('fast_t.tu', 'fast_t.orders_uuid', 'customer', 'ordered_at', 'amount', bins => 9,
                        as_of => '2024-02-29', keep_history => false) \g /dev/null
SELECT fast_t.grouped('fast_t.orders_uuid', 'customer', 'ordered_at', 'amount', 9, '2024-02-29', 'uuid');
SELECT is(fast_t.differ('fast_t.tu'), 0::bigint, 'uuid key, timestamp times, 9 bins, earlier as_of: equal to the grouped path');
SELECT col_type_is('fast_t', 'tu', 'customer_id', 'uuid', 'the uuid key is cast back to uuid');

SELECT rfm.create_tiers('fast_t.ti', 'fast_t.orders_int', 'customer', 'ordered_on', 'amount', bins => 2,
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT fast_t.grouped('fast_t.orders_int', 'customer', 'ordered_on', 'amount', 2, '2024-03-31', 'integer');
SELECT is(fast_t.differ('fast_t.ti'), 0::bigint, 'integer key, integer amounts, 2 bins: equal to the grouped path');
SELECT col_type_is('fast_t', 'ti', 'customer_id', 'integer', 'the integer key is cast back to integer');

SELECT rfm.create_tiers('fast_t.tv', 'fast_t.orders_varchar', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT fast_t.grouped('fast_t.orders_varchar', 'customer', 'ordered_on', 'amount', 5, '2024-03-31', 'character varying');
SELECT is(fast_t.differ('fast_t.tv'), 0::bigint, 'varchar key: equal to the grouped path');

-- char(n): the key's type is recorded without its length, as bpchar
-- ("character" read as char(1) in the tier query: 42804 for any n > 1)
SELECT rfm.create_tiers('fast_t.tch', 'fast_t.orders_char', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT fast_t.grouped('fast_t.orders_char', 'customer', 'ordered_on', 'amount', 5, '2024-03-31', 'bpchar');
SELECT is(fast_t.differ('fast_t.tch'), 0::bigint, 'char(8) key: equal to the grouped path');
SELECT col_type_is('fast_t', 'tch', 'customer_id', 'bpchar', '... its customer_id is bpchar (no length)');

-- More customers than rfm.max_memory lets the fast path hold: the grouped
-- path instead (it spills to disk), same rows.
SET rfm.max_memory = '64kB';
SELECT throws_ok($$SELECT count(*) FROM rfm.customer_scores('fast_t.orders', 'customer', 'ordered_on', 'amount')$$,
  '54000', NULL, 'with rfm.max_memory = 64kB the fast path cannot hold 4,000 customers');
SELECT rfm.create_tiers('fast_t.tm', 'fast_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT fast_t.grouped('fast_t.orders', 'customer', 'ordered_on', 'amount', 5, '2024-03-31', 'bigint');
SELECT is(fast_t.differ('fast_t.tm'), 0::bigint, 'the tier table is built by the grouped path instead: same rows');
CALL rfm.refresh_tiers('fast_t.tm');
SELECT is(fast_t.differ('fast_t.tm'), 0::bigint, '... and refreshed the same way');
RESET rfm.max_memory;

-- Sums of more than 38 digits are kept as numeric, and count against
-- rfm.max_memory too: 200 customers of 100,000-digit amounts (50 kB each,
-- 10 MB in all) pass 1 MB (they were not counted: such a table took a
-- backend to 1 GB under a 10 MB cap).
CREATE TABLE fast_t.orders_huge AS
SELECT g AS id, g AS customer, date '2024-01-01' + g % 60 AS ordered_on, a.v - g AS amount
  FROM (SELECT repeat('9', 100000)::numeric AS v) a, generate_series(1, 200) g;
SET rfm.max_memory = '1MB';
SELECT throws_like($$SELECT count(*) FROM rfm.customer_scores('fast_t.orders_huge', 'customer', 'ordered_on', 'amount')$$,
  '%needs % kB, more than rfm.max_memory (1024 kB)', 'sums kept as numeric count against rfm.max_memory');
RESET rfm.max_memory;
SELECT is((SELECT count(*)::int FROM rfm.customer_scores('fast_t.orders_huge', 'customer', 'ordered_on', 'amount')), 200,
  '... which holds them at its default');
-- ... and so do stored customer states' sums, read either way
SELECT rfm.customer_state_create('fast_t huge', 'fast_t.orders_huge', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
-- (2 MB: the slots and the first 1 MB block of text keys fit, the sums not)
SET rfm.max_memory = '2MB';
SET rfm.direct_scan = off;
SELECT throws_like($$SELECT count(*) FROM rfm.customer_state_scores('fast_t huge', 5, '2024-03-31')$$,
  '%needs % kB, more than rfm.max_memory (2048 kB)', 'stored numeric-form sums count against rfm.max_memory (SQL path)');
SET rfm.direct_scan = on;
SELECT throws_like($$SELECT count(*) FROM rfm.customer_state_scores('fast_t huge', 5, '2024-03-31')$$,
  '%needs % kB, more than rfm.max_memory (2048 kB)', '... and read directly');
RESET rfm.direct_scan;
RESET rfm.max_memory;
SELECT rfm.customer_state_drop('fast_t huge') \g /dev/null
-- The stored states read directly (rfm.direct_scan) are bounded as the
-- SQL path reads them (it loaded every stored customer whatever the cap).
CREATE TABLE fast_t.orders_wm (id serial, customer integer, ordered_on date, amount numeric);
INSERT INTO fast_t.orders_wm (customer, ordered_on, amount)
SELECT g, date '2024-01-01' + g % 60, g % 50 + 1 FROM generate_series(1, 20000) g;
SELECT rfm.customer_state_create('fast_t cap', 'fast_t.orders_wm', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
SET rfm.max_memory = '1MB';
SET rfm.direct_scan = on;
SELECT throws_ok($$SELECT count(*) FROM rfm.customer_state_scores('fast_t cap', 5, '2024-03-31')$$, '54000',
  'rfm: the per-customer table needs 1088 kB, more than rfm.max_memory (1024 kB)',
  'stored states read directly: 54000 past rfm.max_memory');
-- Keys are stored as text, read in text order, in blocks of 16, 16,
-- 32 kB, ...: read directly, the array of 64-byte entries doubles to
-- 16,384 (1,024 kB) when full, at 8,192 customers (40,046 bytes of keys:
-- 64 kB of blocks); through SQL the table doubles to 16,384 slots at 3/4
-- full, at 6,145 (30,038 bytes: 32 kB of blocks).  Both needed 1,088 kB
-- before, from the first 1 MB block of keys.
SET rfm.direct_scan = off;
SELECT throws_ok($$SELECT count(*) FROM rfm.customer_state_scores('fast_t cap', 5, '2024-03-31')$$, '54000',
  'rfm: the per-customer table needs 1056 kB, more than rfm.max_memory (1024 kB)',
  '... as through SQL');
RESET rfm.direct_scan;
-- an empty state is no error under any cap, read either way
DELETE FROM fast_t.orders_wm;
SELECT rfm.customer_state_rebuild('fast_t cap') \g /dev/null
SET rfm.max_memory = '32kB';
SELECT is((SELECT count(*)::int FROM rfm.customer_state_scores('fast_t cap', 5, '2024-03-31')), 0,
  'an empty state read directly under a 32 kB cap: no rows, no error (it was 54000)');
SET rfm.direct_scan = off;
SELECT is((SELECT count(*)::int FROM rfm.customer_state_scores('fast_t cap', 5, '2024-03-31')), 0,
  '... as through SQL');
RESET rfm.direct_scan;
RESET rfm.max_memory;
SELECT rfm.customer_state_drop('fast_t cap') \g /dev/null

-- Keys whose text form does not identify them: the grouped path, which
-- groups by the type's equality.  numeric 1.0 = 1.00, and a
-- case-insensitive collation makes 'Ann' = 'ann': one customer each.
CREATE TABLE fast_t.orders_numeric (customer numeric, ordered_on date, amount numeric);
INSERT INTO fast_t.orders_numeric VALUES (1.0, '2024-03-01', 5), (1.00, '2024-03-02', 6), (2, '2024-03-03', 7);
SELECT ok(NOT rfm._tier_text_key('fast_t.orders_numeric', 'customer'), 'a numeric key takes the grouped path');
SELECT rfm.create_tiers('fast_t.tn', 'fast_t.orders_numeric', 'customer', 'ordered_on', 'amount', bins => 2,
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT results_eq('SELECT count(*)::int, sum(frequency)::int FROM fast_t.tn WHERE customer_id = 1',
                  'VALUES (1, 2)', 'numeric 1.0 and 1.00 are one customer with two purchases');
CREATE COLLATION fast_t.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE fast_t.orders_ci (customer text COLLATE fast_t.ci, ordered_on date, amount numeric);
INSERT INTO fast_t.orders_ci VALUES ('Ann', '2024-03-01', 5), ('ann', '2024-03-02', 6), ('Bob', '2024-03-03', 7);
SELECT ok(NOT rfm._tier_text_key('fast_t.orders_ci', 'customer'), 'a nondeterministic collation takes the grouped path');
SELECT rfm.create_tiers('fast_t.tc', 'fast_t.orders_ci', 'customer', 'ordered_on', 'amount', bins => 2,
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT results_eq('SELECT count(*)::int FROM fast_t.tc', 'VALUES (2)', '''Ann'' and ''ann'' are one customer');
CREATE DOMAIN fast_t.ci_code AS text COLLATE fast_t.ci;
CREATE DOMAIN fast_t.int_code AS bigint;
CREATE TABLE fast_t.orders_dom (c1 fast_t.ci_code, c2 fast_t.int_code);
SELECT is(ARRAY[rfm._tier_text_key('fast_t.orders_dom', 'c1'), rfm._tier_text_key('fast_t.orders_dom', 'c2')],
          ARRAY[false, true], 'domains: judged by their base type and collation');

SELECT * FROM finish();
SELECT rfm.drop_tiers(tier) FROM rfm.tier_tables WHERE tier::text LIKE 'fast_t.%' \g /dev/null
DROP SCHEMA fast_t CASCADE;
