-- pgTAP: how a refresh finds the stored states of the customers it touches
-- (rfm._customer_states_merge).  The customers come in key order; when they
-- are at least one in 25 of rfm.customer_states' rows (pg_class.reltuples)
-- the primary key's entries are walked, starting the scan again only for a
-- customer more than 64 entries on; otherwise each customer is looked up.
-- Each index scan start is counted in pg_stat_get_xact_numscans, which
-- shows which way ran.  Expected states: worked out by hand, and a state
-- created from scratch over the same orders (read and written another way).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
SELECT plan(30);

CREATE SCHEMA csr_t;
CREATE TABLE csr_t.orders (id bigserial PRIMARY KEY, customer text NOT NULL, ordered_on date NOT NULL,
                           amount numeric NOT NULL);
-- 3000 stored customers k0000 .. k2999, one order of 10 on 2024-01-01 each
INSERT INTO csr_t.orders (customer, ordered_on, amount)
SELECT 'k' || lpad(i::text, 4, '0'), '2024-01-01', 10 FROM generate_series(0, 2999) i;
SELECT rfm.customer_state_create('csr', 'csr_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
ANALYZE rfm.customer_states;
CREATE FUNCTION csr_t.pk_scans() RETURNS bigint LANGUAGE sql AS
  $$SELECT pg_stat_get_xact_numscans('rfm.customer_states_pkey'::regclass)$$;

-- Walking: 155 customers (>= 3000 / 25).  In key order: 'a' (new, before
-- every stored key), k0100 .. k0398 every second one (dense: walked) with
-- k0100a (new) between, k1500 and k2900 (far: the scan starts again),
-- k9999 (new, after every key).  Twelve rounds, round r buying r on
-- 2024-02-01 + r, in this one transaction: the old versions cannot be
-- pruned, pages fill and updates stop being HOT, so a key has several
-- index entries of which one is visible.
CREATE TABLE csr_t.touched AS
SELECT 'k' || lpad(i::text, 4, '0') AS customer FROM generate_series(100, 398, 2) i
UNION ALL VALUES ('a'), ('k0100a'), ('k1500'), ('k2900'), ('k9999');
SELECT is((SELECT count(*) FROM csr_t.touched), 155::bigint, '155 customers touched per round');
CREATE TABLE csr_t.rounds (round int, customers bigint, scans bigint);
DO $$
DECLARE
    before bigint;
    n bigint;
BEGIN
    FOR r IN 1 .. 12 LOOP
        INSERT INTO csr_t.orders (customer, ordered_on, amount)
        SELECT customer, date '2024-02-01' + r, r FROM csr_t.touched;
        before := csr_t.pk_scans();
        n := rfm.customer_state_refresh('csr');
        INSERT INTO csr_t.rounds VALUES (r, n, csr_t.pk_scans() - before);
    END LOOP;
END $$;
SELECT is((SELECT array_agg(DISTINCT customers) FROM csr_t.rounds), '{155}'::bigint[],
  'every round touches the 155 customers');
-- per round: the first start, then k0100, k1500, k2900 and k9999 are more
-- than 64 entries on; the first round has no versions yet
SELECT is((SELECT scans FROM csr_t.rounds WHERE round = 1), 5::bigint,
  'walking: the scan starts 5 times in a round, not once per customer');
SELECT ok((SELECT max(scans) FROM csr_t.rounds) <= 5,
  '... in every round, with old versions among the entries');
SELECT cmp_ok(pg_stat_get_xact_tuples_hot_updated('rfm.customer_states'::regclass),
  '<', pg_stat_get_xact_tuples_updated('rfm.customer_states'::regclass),
  '... some updates were not HOT: keys with several index entries were walked');
-- By hand: a stored customer touched in every round: 1 + 12 orders,
-- 10 + (1 + ... + 12) = 88, last on 2024-02-13; 'a' new in round 1: 12, 78.
SELECT results_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary
                      FROM rfm.customer_states WHERE state_name = 'csr' AND customer IN ('a', 'k0100', 'k0101', 'k2900', 'k9999')
                     ORDER BY customer$$,
  $$VALUES ('a'::text COLLATE "C", '2024-02-02'::date, '2024-02-13'::date, 12::bigint, 78::numeric),
           ('k0100', '2024-01-01', '2024-02-13', 13, 88), ('k0101', '2024-01-01', '2024-01-01', 1, 10),
           ('k2900', '2024-01-01', '2024-02-13', 13, 88), ('k9999', '2024-02-02', '2024-02-13', 12, 78)$$,
  'walked: states as worked out by hand');
SELECT rfm.customer_state_create('csr scratch', 'csr_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
SELECT set_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_states WHERE state_name = 'csr'$$,
  $$SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_states WHERE state_name = 'csr scratch'$$,
  '... all 3003 states equal a state created from scratch');
SELECT is((SELECT count(*) FROM rfm.customer_states WHERE state_name = 'csr'), 3003::bigint,
  '... one row per customer (3000 + 3 new)');

-- Looking up: 4 customers (fewer than 6000 / 25), near each other, so a
-- walk would start only once: each one is a scan of its own.
ANALYZE rfm.customer_states;
INSERT INTO csr_t.orders (customer, ordered_on, amount) VALUES
  ('k0010', '2024-03-01', 5), ('k0015x', '2024-03-02', 6), ('k0020', '2024-03-03', -4), ('k0030', '2024-03-04', 1);
SELECT csr_t.pk_scans() AS before \gset
SELECT is(rfm.customer_state_refresh('csr'), 4::bigint, 'a refresh of 4 customers (one new)');
SELECT is(csr_t.pk_scans() - :before, 4::bigint, 'looking up: one scan per customer');
-- By hand: k0010 2 orders, 15, last 2024-03-01; k0020 refunded 4: 1 order, 6;
-- k0015x new: 1, 6; k0030: 2, 11.
SELECT results_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary
                      FROM rfm.customer_states WHERE state_name = 'csr' AND customer IN ('k0010', 'k0015x', 'k0020', 'k0030')
                     ORDER BY customer$$,
  $$VALUES ('k0010'::text COLLATE "C", '2024-01-01'::date, '2024-03-01'::date, 2::bigint, 15::numeric),
           ('k0015x', '2024-03-02', '2024-03-02', 1, 6), ('k0020', '2024-01-01', '2024-01-01', 1, 6),
           ('k0030', '2024-01-01', '2024-03-04', 2, 11)$$,
  'looked up: states as worked out by hand');
SELECT rfm.customer_state_rebuild('csr scratch') \g /dev/null
SELECT set_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_states WHERE state_name = 'csr'$$,
  $$SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_states WHERE state_name = 'csr scratch'$$,
  '... all 3004 states equal a rebuilt state');

-- The watermark is stored in fixed formats (ISO dates, timestamps with
-- their offset), so a session with another DateStyle reads it back as the
-- same value: no order skipped, none counted twice.
CREATE TABLE csr_t.batches (customer int, ordered_on date, amount numeric, batch_day date, loaded_at timestamptz);
INSERT INTO csr_t.batches VALUES (1, '2026-01-05', 10, '2026-01-20', '2026-03-04 11:00+00'),
                                 (2, '2026-11-30', 20, '2026-12-01', '2026-03-04 11:00+00');
SET DateStyle = 'SQL, MDY';
SET TimeZone = 'UTC';
SELECT rfm.customer_state_create('csr day', 'csr_t.batches', 'customer', 'ordered_on', 'amount', 'batch_day') \g /dev/null
SELECT rfm.customer_state_create('csr ts', 'csr_t.batches', 'customer', 'ordered_on', 'amount', 'loaded_at') \g /dev/null
SELECT is((SELECT array_agg(watermark ORDER BY state_name) FROM rfm.customer_state_sources WHERE state_name IN ('csr day', 'csr ts')),
          ARRAY['2026-12-01', '2026-03-04 11:00:00+00'], 'watermarks stored as ISO text under DateStyle SQL, MDY');
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Asia/Shanghai';
INSERT INTO csr_t.batches VALUES (3, '2026-12-01', 5, '2026-12-02', '2026-03-05 09:00+00');
SELECT is(rfm.customer_state_refresh('csr day'), 1::bigint, 'DMY session: a date watermark refresh takes only the new row');
SELECT is(rfm.customer_state_refresh('csr ts'), 1::bigint, '... and a timestamptz watermark too (no row skipped)');
SELECT results_eq($$SELECT state_name, customer COLLATE "default", frequency FROM rfm.customer_states
                    WHERE state_name IN ('csr day', 'csr ts') ORDER BY 1, 2$$,
  $$VALUES ('csr day', '1', 1::bigint), ('csr day', '2', 1::bigint), ('csr day', '3', 1::bigint),
           ('csr ts', '1', 1::bigint), ('csr ts', '2', 1::bigint), ('csr ts', '3', 1::bigint)$$,
  '... every order counted once');
RESET DateStyle;
RESET TimeZone;

-- The watermark column retyped (bigint to text) after a fold: the stored
-- '200' would compare as text ('21' > '200') and fold orders 21..99 in
-- again.  The refresh refuses (42804), nothing changes; a rebuild folds
-- every order once under the new type, and later refreshes work.
CREATE TABLE csr_t.retyped (id bigint, customer text, ordered_on date, amount numeric);
INSERT INTO csr_t.retyped SELECT g, 'c' || g % 20, '2024-01-01', 10 FROM generate_series(1, 200) g;
SELECT rfm.customer_state_create('csr retyped', 'csr_t.retyped', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
SELECT is((SELECT watermark || ' ' || watermark_type FROM rfm.customer_state_sources WHERE state_name = 'csr retyped'),
  '200 bigint', 'the watermark is stored with its column''s type');
ALTER TABLE csr_t.retyped ALTER COLUMN id TYPE text;
SELECT throws_ok($$SELECT rfm.customer_state_refresh('csr retyped')$$, '42804',
  'rfm.customer_state_refresh: watermark column id of csr_t.retyped is now text, the last watermark (''200'') was of type bigint',
  'a retyped watermark column: 42804 naming both types');
SELECT is((SELECT sum(frequency)::int || ' ' || sum(monetary) FROM rfm.customer_states WHERE state_name = 'csr retyped'),
  '200 2000', '... every order still counted once (200 orders of 10)');
SELECT is(rfm.customer_state_rebuild('csr retyped'), 20::bigint, 'a rebuild folds the 20 customers again');
SELECT is((SELECT watermark || ' ' || watermark_type FROM rfm.customer_state_sources WHERE state_name = 'csr retyped'),
  '99 text', '... under the new type (''99'' is the largest text)');
INSERT INTO csr_t.retyped VALUES ('999', 'c1', '2024-01-02', 5);
SELECT is(rfm.customer_state_refresh('csr retyped'), 1::bigint, '... and a refresh takes only the new order');
SELECT is((SELECT sum(frequency)::int || ' ' || sum(monetary) FROM rfm.customer_states WHERE state_name = 'csr retyped'),
  '201 2005', '... counted once');

-- A watermark of a type outside pg_catalog (a domain) is stored
-- schema-qualified: the check above compared the search path's spelling
-- ('order_no' at creation, 'csr_t.order_no' in a refresh) and refused
-- every refresh.
CREATE DOMAIN csr_t.order_no AS bigint;
CREATE TABLE csr_t.domain_wm (id csr_t.order_no NOT NULL, customer text, ordered_on date, amount numeric);
INSERT INTO csr_t.domain_wm VALUES (1, 'a', '2024-01-01', 10);
SET search_path = csr_t, public;
SELECT rfm.customer_state_create('csr domain', 'csr_t.domain_wm', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
RESET search_path;
SELECT is((SELECT watermark_type FROM rfm.customer_state_sources WHERE state_name = 'csr domain'), 'csr_t.order_no',
  'a domain watermark''s type is stored schema-qualified');
INSERT INTO csr_t.domain_wm VALUES (2, 'b', '2024-01-02', 5);
SELECT is(rfm.customer_state_refresh('csr domain'), 1::bigint, '... and a refresh under another search_path goes through');

-- The default as_of of a state's scores is today in the state's zone,
-- where its orders fall: created in Pacific/Kiritimati (UTC+14), an order
-- placed a minute ago is on Kiritimati's today, which Pacific/Pago_Pago
-- (UTC-11, 25 hours behind) still calls tomorrow; its CURRENT_DATE made the
-- scores fail (22023, purchase after as_of).
CREATE TABLE csr_t.zones (id bigserial, customer text, ordered_at timestamptz, amount numeric);
INSERT INTO csr_t.zones (customer, ordered_at, amount) VALUES ('a', now() - interval '1 minute', 5);
SET TimeZone = 'Pacific/Kiritimati';
SELECT rfm.customer_state_create('csr zones', 'csr_t.zones', 'customer', 'ordered_at', 'amount', 'id') \g /dev/null
SET TimeZone = 'Pacific/Pago_Pago';
SELECT is((SELECT last_purchase || ' ' || recency_days FROM rfm.customer_state_scores('csr zones')),
          timezone('Pacific/Kiritimati', now())::date || ' 0',
  'scores from a zone 25 hours behind: recency 0 on the state''s today');
RESET TimeZone;

-- A NaN or infinite watermark sorts above every value: stored, it would
-- make every later refresh fold nothing, silently.  22023, nothing folded.
CREATE TABLE csr_t.float_wm (w double precision, customer text, ordered_on date, amount numeric);
INSERT INTO csr_t.float_wm VALUES (1.5, 'a', '2024-01-01', 10);
SELECT rfm.customer_state_create('csr float', 'csr_t.float_wm', 'customer', 'ordered_on', 'amount', 'w') \g /dev/null
INSERT INTO csr_t.float_wm VALUES ('NaN', 'b', '2024-01-02', 5);
SELECT throws_ok($$SELECT rfm.customer_state_refresh('csr float')$$, '22023',
  'rfm.customer_state_refresh: the largest watermark of w in csr_t.float_wm is NaN',
  'a NaN watermark: 22023');
SELECT is((SELECT watermark || ' ' || (SELECT count(*) FROM rfm.customer_states WHERE state_name = 'csr float')
             FROM rfm.customer_state_sources WHERE state_name = 'csr float'), '1.5 1',
  '... nothing folded, the watermark as it was');
CREATE TABLE csr_t.ts_wm (w timestamp, customer text, ordered_on date, amount numeric);
INSERT INTO csr_t.ts_wm VALUES ('2024-01-01 10:00', 'a', '2024-01-01', 10), ('infinity', 'b', '2024-01-02', 5);
SELECT throws_ok($$SELECT rfm.customer_state_create('csr ts inf', 'csr_t.ts_wm', 'customer', 'ordered_on', 'amount', 'w')$$,
  '22023', 'rfm.customer_state_create: the largest watermark of w in csr_t.ts_wm is infinity',
  'an infinite timestamp watermark at creation: 22023, no state made');
-- text is compared as text: 'NaN' there is an ordinary value
CREATE TABLE csr_t.text_wm (w text, customer text, ordered_on date, amount numeric);
INSERT INTO csr_t.text_wm VALUES ('NaN', 'a', '2024-01-01', 10);
SELECT is(rfm.customer_state_create('csr text nan', 'csr_t.text_wm', 'customer', 'ordered_on', 'amount', 'w'), 1::bigint,
  'a text watermark ''NaN'' is a value like any other');

SELECT * FROM finish();
ROLLBACK;
