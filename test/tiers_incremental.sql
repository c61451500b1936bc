-- pgTAP: incremental tier refresh (create_tiers ... watermark_column).  A
-- tier table that keeps its customers' states in the customer-state store
-- and folds in only new orders at refresh must hold exactly the rows of a
-- tier table rebuilt from all orders (same source, no watermark): after new
-- customers, refunds, back-dated orders and refund-only customers who start
-- buying.  The full-rebuild twin is itself checked against plain SQL
-- (min/max/count/sum) on R/F/M values.  Also: updates of old orders are not
-- seen until the state is rebuilt (the documented limit, and proof that the
-- refresh really is incremental), errors (an edited stored state: XX001),
-- the creator's time zone for timestamptz orders, drop.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS inc_t CASCADE;
CREATE SCHEMA inc_t;
SELECT setseed(0.25);
-- 1,500 customers, 12,000 orders in the 600 days before today; ~5% refunds.
CREATE TABLE inc_t.orders (order_id bigserial PRIMARY KEY, customer bigint, ordered_on date, amount numeric);
INSERT INTO inc_t.orders (customer, ordered_on, amount)
SELECT 1 + floor(1500 * power(random(), 1.6))::bigint,
       current_date - floor(random() * 600)::int,
       CASE WHEN random() < 0.05 THEN -round((random() * 30)::numeric, 2)
            ELSE round((1 + random() * 200)::numeric, i % 3) END
  FROM generate_series(1, 12000) i;
INSERT INTO inc_t.orders (customer, ordered_on, amount) VALUES
  (7001, current_date - 10, -8), (7001, current_date - 5, -2);        -- refund-only customer

\ir include/tier_compare.psql
-- R/F/M values of a tier table that differ from plain SQL over all orders up to today
CREATE FUNCTION inc_t.plain_differ(t regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format($q$
    WITH p AS (
      SELECT customer, min(ordered_on) FILTER (WHERE amount > 0) AS first_purchase,
             max(ordered_on) FILTER (WHERE amount > 0) AS last_purchase,
             count(*) FILTER (WHERE amount > 0) AS frequency, sum(amount) AS monetary
        FROM inc_t.orders WHERE ordered_on <= current_date
       GROUP BY customer HAVING count(*) FILTER (WHERE amount > 0) > 0)
    SELECT count(*) FROM %s t FULL JOIN p ON p.customer = t.customer_id
     WHERE (t.first_purchase, t.last_purchase, t.recency_days, t.frequency, t.monetary, t.monetary::text)
           IS DISTINCT FROM (p.first_purchase, p.last_purchase, current_date - p.last_purchase, p.frequency,
                             p.monetary, p.monetary::text)$q$, t) INTO n;
  RETURN n;
END $$;

SELECT plan(40);

SELECT has_function('rfm', 'create_tiers',
  ARRAY['text', 'regclass', 'text', 'text', 'text', 'integer', 'text', 'date', 'boolean', 'boolean', 'text',
        'integer', 'integer', 'integer', 'text'],
  'create_tiers takes watermark_column (the lifecycle thresholds and lang_zh follow)');
SELECT rfm.create_tiers('inc_t.incr', 'inc_t.orders', 'customer', 'ordered_on', 'amount',
                        watermark_column => 'order_id') \g /dev/null
SELECT rfm.create_tiers('inc_t.full', 'inc_t.orders', 'customer', 'ordered_on', 'amount') \g /dev/null
SELECT results_eq($$SELECT watermark_column, state_name FROM rfm.tier_tables WHERE tier = 'inc_t.incr'::regclass$$,
  $$SELECT 'order_id'::text, 'rfm tier ' || id FROM rfm.tier_tables WHERE tier = 'inc_t.incr'::regclass$$,
  'the catalog records the watermark column and the customer state, named after the catalog id');
SELECT is((SELECT watermark FROM rfm.customer_state_sources s JOIN rfm.tier_tables t ON t.state_name = s.state_name
            WHERE t.tier = 'inc_t.incr'::regclass), (SELECT max(order_id)::text FROM inc_t.orders),
  'the state has folded in every order');
SELECT ok(pg_get_viewdef('inc_t.incr'::regclass) LIKE '%rfm tier %', 'the stored query reads the customer state');
SELECT cmp_ok((SELECT count(*) FROM inc_t.incr), '>', 1000::bigint, 'more than a thousand customers');
SELECT is(pg_temp.tier_differ('inc_t.incr', 'inc_t.full'), 0::bigint, 'built: identical to the full build');
SELECT is(inc_t.plain_differ('inc_t.full'), 0::bigint, 'the full build''s R/F/M values equal plain SQL');
SELECT is((SELECT count(*) FROM inc_t.incr WHERE customer_id = 7001), 0::bigint, 'a refund-only customer has no row');

-- Scoring at read time (README "Tier tables", its view as written there): a
-- customer state of its own and a view that scores and labels it whenever
-- it is read.  Its rows are
-- the full tier table's, after each refresh of the state.
SELECT rfm.customer_state_create('inc live', 'inc_t.orders', 'customer', 'ordered_on', 'amount',
                                 watermark_column => 'order_id') \g /dev/null
CREATE VIEW inc_t.live AS
SELECT s.customer::bigint AS customer_id, s.first_purchase, s.last_purchase, s.recency_days,
       s.frequency, s.monetary, s.r_score, s.f_score, s.m_score,
       s.r_score::text || s.f_score || s.m_score AS rfm_cell,
       rfm.segment(s.r_score, s.f_score, s.m_score, 'standard', 'en') AS segment,
       rfm.segment(s.r_score, s.f_score, s.m_score, 'standard', 'zh') AS segment_zh,
       rfm.segment(s.r_score, s.f_score, s.m_score, 'tier3', 'en') AS tier,
       rfm.segment(s.r_score, s.f_score, s.m_score, 'tier3', 'zh') AS tier_zh,
       rfm.lifecycle_stage(s.first_purchase, s.last_purchase, current_date) AS lifecycle,
       rfm.lifecycle_stage(s.first_purchase, s.last_purchase, current_date, lang => 'zh') AS lifecycle_zh,
       current_date AS as_of
  FROM rfm.customer_state_scores('inc live', 5, NULL) AS s;
SELECT is(pg_temp.tier_differ('inc_t.live', 'inc_t.full'), 0::bigint,
  'read-time scoring: the view over a customer state has the full build''s rows');

-- 1% new orders: a new customer, a refund of an existing one, a back-dated
-- order (earlier than the customer's first purchase), the refund-only
-- customer's first purchase, and orders of existing customers today.
SELECT min(ordered_on) - 30 AS early FROM inc_t.orders WHERE customer = 3 \gset
INSERT INTO inc_t.orders (customer, ordered_on, amount) VALUES
  (9001, current_date - 1, 42.5), (9001, current_date, 7),
  (2, current_date - 3, -15.25),
  (3, :'early', 99.999),
  (7001, current_date - 2, 30),
  (9002, current_date - 4, -5);
INSERT INTO inc_t.orders (customer, ordered_on, amount)
SELECT 1 + floor(1500 * random())::bigint, current_date - floor(random() * 3)::int, round((1 + random() * 50)::numeric, 2)
  FROM generate_series(1, 114);
SELECT max(order_id) AS wm_before FROM inc_t.orders \gset
CALL rfm.refresh_tiers('inc_t.incr');
CALL rfm.refresh_tiers('inc_t.full');
SELECT is(pg_temp.tier_differ('inc_t.incr', 'inc_t.full'), 0::bigint, 'after new orders: incremental refresh == full refresh');
SELECT is((SELECT count(*) FROM inc_t.live WHERE customer_id IN (7001, 9001)), 0::bigint,
  'read-time scoring before its state is refreshed: the new buyers 7001 and 9001 are not in the view yet');
SELECT rfm.customer_state_refresh('inc live') \g /dev/null
SELECT is(pg_temp.tier_differ('inc_t.live', 'inc_t.full'), 0::bigint,
  '... after rfm.customer_state_refresh: the full refresh''s rows again');
SELECT is(inc_t.plain_differ('inc_t.incr'), 0::bigint, '... and its R/F/M values equal plain SQL');
SELECT results_eq($$SELECT customer_id, frequency, monetary FROM inc_t.incr WHERE customer_id IN (7001, 9001) ORDER BY 1$$,
  $$VALUES (7001::bigint, 1::bigint, 20::numeric), (9001, 2, 49.5)$$,
  'hand-checked: the refund-only customer now bought once (-8 -2 +30 = 20); the new customer 42.5 + 7');
SELECT is((SELECT first_purchase FROM inc_t.incr WHERE customer_id = 3), :'early'::date,
  'the back-dated order moved the first purchase back');
SELECT is((SELECT count(*) FROM inc_t.incr WHERE customer_id = 9002), 0::bigint, 'a new refund-only customer has no row');
SELECT is((SELECT watermark FROM rfm.customer_state_sources s JOIN rfm.tier_tables t ON t.state_name = s.state_name
            WHERE t.tier = 'inc_t.incr'::regclass), :'wm_before'::text, 'the watermark moved to the newest order');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'inc_t.incr'::regclass ORDER BY id DESC LIMIT 1),
  'succeeded', 'the incremental refresh is logged');

-- A refresh with nothing new is a no-op on the values.
CALL rfm.refresh_tiers('inc_t.incr');
SELECT is(pg_temp.tier_differ('inc_t.incr', 'inc_t.full'), 0::bigint, 'a refresh without new orders changes nothing');

-- The limit: an update of an old order is not seen (the state only folds
-- rows above the watermark) until the state is rebuilt.
UPDATE inc_t.orders SET amount = amount + 1000 WHERE order_id = 1;
CALL rfm.refresh_tiers('inc_t.incr');
CALL rfm.refresh_tiers('inc_t.full');
SELECT cmp_ok(pg_temp.tier_differ('inc_t.incr', 'inc_t.full'), '>=', 2::bigint,
  'an updated old order: the incremental table misses it (at least that customer''s row differs)');
SELECT rfm.customer_state_rebuild(state_name) FROM rfm.tier_tables WHERE tier = 'inc_t.incr'::regclass \g /dev/null
CALL rfm.refresh_tiers('inc_t.incr');
SELECT is(pg_temp.tier_differ('inc_t.incr', 'inc_t.full'), 0::bigint, 'after rfm.customer_state_rebuild: identical again');

-- An order dated after the refresh day: the refresh fails, nothing changes.
SELECT count(*) AS rows_before, sum(monetary) AS revenue_before FROM inc_t.incr \gset
INSERT INTO inc_t.orders (customer, ordered_on, amount) VALUES (5, current_date + 3, 10), (9003, current_date, 11);
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('inc_t.incr');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '22023', 'a purchase after the refresh day: invalid_parameter_value');
SELECT matches(:'LAST_ERROR_MESSAGE'::text, 'refresh of inc_t.incr failed: purchase on .* is after as_of date', 'the error says why');
SELECT results_eq('SELECT count(*), sum(monetary) FROM inc_t.incr', format('VALUES (%s::bigint, %s::numeric)', :rows_before, :revenue_before),
  'the tier table keeps its rows');
SELECT is((SELECT watermark FROM rfm.customer_state_sources s JOIN rfm.tier_tables t ON t.state_name = s.state_name
            WHERE t.tier = 'inc_t.incr'::regclass), :'wm_before'::text, 'and the state its watermark (the fold was rolled back)');
DELETE FROM inc_t.orders WHERE ordered_on > current_date;

-- A row of the tier table's customer state edited (by its owner) to what no
-- fold writes: the refresh reads it, directly or (rfm.direct_scan off)
-- through rfm._customer_states_pack, and fails with XX001 (src/fast_table.c),
-- rolled back.  Customer 5 is a buyer (frequency > 0, as the last two
-- checks need); a row left unedited would let the refresh succeed.
CALL rfm.refresh_tiers('inc_t.incr');  -- folds 9003's order left above
CREATE TEMP TABLE incr_before AS SELECT * FROM inc_t.incr;
SELECT state_name AS incr_state FROM rfm.tier_tables WHERE tier = 'inc_t.incr'::regclass \gset
\set ON_ERROR_STOP 0
UPDATE rfm.customer_states SET frequency = -1 WHERE state_name = :'incr_state' AND customer = '5';
CALL rfm.refresh_tiers('inc_t.incr');
SET rfm.direct_scan = off;
CALL rfm.refresh_tiers('inc_t.incr');
RESET rfm.direct_scan;
UPDATE rfm.customer_states SET frequency = 1, last_purchase = 'infinity' WHERE state_name = :'incr_state' AND customer = '5';
CALL rfm.refresh_tiers('inc_t.incr');
SET rfm.direct_scan = off;
CALL rfm.refresh_tiers('inc_t.incr');
RESET rfm.direct_scan;
UPDATE rfm.customer_states SET last_purchase = first_purchase - 1 WHERE state_name = :'incr_state' AND customer = '5';
CALL rfm.refresh_tiers('inc_t.incr');
SET rfm.direct_scan = off;
CALL rfm.refresh_tiers('inc_t.incr');
\set ON_ERROR_STOP 1
RESET rfm.direct_scan;
SELECT is(:'LAST_ERROR_SQLSTATE' || ' ' || :'LAST_ERROR_MESSAGE',
  'XX001 rfm.refresh_tiers: refresh of inc_t.incr failed: a stored customer state has a first purchase after its last (customer 5)',
  'an edited customer state: the refresh fails with XX001');
SELECT results_eq($$SELECT outcome, sqlstate, message FROM
                     (SELECT * FROM rfm.refresh_log WHERE tier = 'inc_t.incr'::regclass ORDER BY id DESC LIMIT 6) l ORDER BY id$$,
  $$VALUES ('failed', 'XX001', 'rfm: a stored customer state has a negative frequency (customer 5)'),
           ('failed', 'XX001', 'rfm: a stored customer state has a negative frequency (customer 5)'),
           ('failed', 'XX001', 'rfm: a stored customer state has an infinite purchase day (customer 5)'),
           ('failed', 'XX001', 'rfm: a stored customer state has an infinite purchase day (customer 5)'),
           ('failed', 'XX001', 'rfm: a stored customer state has a first purchase after its last (customer 5)'),
           ('failed', 'XX001', 'rfm: a stored customer state has a first purchase after its last (customer 5)')$$,
  '... a negative frequency, an infinite purchase day, a first purchase after the last: each read both ways, logged');
SELECT is(pg_temp.tier_differ('inc_t.incr', 'incr_before'), 0::bigint, '... and the tier table keeps its rows');
-- the remedy: rebuild the state
SELECT rfm.customer_state_rebuild(:'incr_state') \g /dev/null
CALL rfm.refresh_tiers('inc_t.incr');
CALL rfm.refresh_tiers('inc_t.full');
SELECT is(pg_temp.tier_differ('inc_t.incr', 'inc_t.full'), 0::bigint, 'after rfm.customer_state_rebuild: the full build''s rows');

-- Time zone: a timestamptz order is on its calendar day in the zone the
-- tier table (its customer state) was created in, whoever refreshes it
-- later.  20:00 UTC is the next day in Shanghai (UTC+8), the same day in
-- New York (UTC-5).  By hand, Shanghai days: customer 1 on 01-02 (folded at
-- the build) and 01-06 (at the refresh, from New York), customer 2 on 01-06.
CREATE TABLE inc_t.tz_orders (id bigserial PRIMARY KEY, customer bigint, at timestamptz, amount numeric);
INSERT INTO inc_t.tz_orders (customer, at, amount) VALUES (1, '2024-01-01 20:00+00', 10);
SET TimeZone = 'Asia/Shanghai';
SELECT rfm.create_tiers('inc_t.tz', 'inc_t.tz_orders', 'customer', 'at', 'amount', watermark_column => 'id') \g /dev/null
SET TimeZone = 'America/New_York';
INSERT INTO inc_t.tz_orders (customer, at, amount) VALUES (1, '2024-01-05 20:00+00', 20), (2, '2024-01-05 20:00+00', 30);
CALL rfm.refresh_tiers('inc_t.tz');
SELECT rfm.create_tiers('inc_t.tz_ny', 'inc_t.tz_orders', 'customer', 'at', 'amount') \g /dev/null
RESET TimeZone;
SELECT results_eq('SELECT customer_id, first_purchase, last_purchase, frequency FROM inc_t.tz ORDER BY customer_id',
  $$VALUES (1::bigint, date '2024-01-02', date '2024-01-06', 2::bigint), (2, '2024-01-06', '2024-01-06', 1)$$,
  'an incremental tier table created in Shanghai, refreshed from New York: Shanghai days');
SELECT results_eq('SELECT customer_id, first_purchase, last_purchase FROM inc_t.tz_ny ORDER BY customer_id',
  $$VALUES (1::bigint, date '2024-01-01', date '2024-01-05'), (2, '2024-01-05', '2024-01-05')$$,
  '... where a tier table built in New York has New York days');

-- Option errors, before anything is made.
SELECT throws_ok($$SELECT rfm.create_tiers('inc_t.x', 'inc_t.orders', 'customer', 'ordered_on', 'amount',
                                           watermark_column => 'order_id', clv => true)$$, '0A000', NULL,
  'watermark_column with clv refused');
SELECT throws_ok($$SELECT rfm.create_tiers('inc_t.x', 'inc_t.orders', 'customer', 'ordered_on', 'amount',
                                           watermark_column => 'order_id', as_of => '2024-01-01')$$, '22023', NULL,
  'watermark_column with a fixed as_of refused');
SELECT throws_ok($$SELECT rfm.create_tiers('inc_t.x', 'inc_t.orders', 'customer', 'ordered_on', 'amount',
                                           watermark_column => 'Order_ID')$$, '42703', NULL,
  'an unknown watermark column refused');
CREATE TABLE inc_t.num_orders (id serial, customer numeric, ordered_on date, amount numeric);
SELECT throws_ok($$SELECT rfm.create_tiers('inc_t.x', 'inc_t.num_orders', 'customer', 'ordered_on', 'amount',
                                           watermark_column => 'id')$$, '0A000', NULL,
  'watermark_column with a numeric customer key refused');

-- A NaN amount among the new orders: the refresh fails naming the order,
-- as a full refresh's does ("rfm: ...", not the fold's own function), and
-- so does an alter, which folds first; nothing changes.
CREATE TABLE inc_t.nan_orders (id bigserial, customer integer, ordered_on date, amount numeric);
INSERT INTO inc_t.nan_orders (customer, ordered_on, amount) VALUES (1, current_date - 3, 5), (2, current_date - 2, 6);
SELECT rfm.create_tiers('inc_t.nan', 'inc_t.nan_orders', 'customer', 'ordered_on', 'amount',
                        watermark_column => 'id', keep_history => false) \g /dev/null
INSERT INTO inc_t.nan_orders (customer, ordered_on, amount) VALUES (3, current_date - 1, 'NaN');
\set failing_tier inc_t.nan
\ir include/refresh_expecting_error.psql
SELECT results_eq($$SELECT sqlstate, message FROM rfm.refresh_log WHERE tier = 'inc_t.nan'::regclass ORDER BY id DESC LIMIT 1$$,
  format($$VALUES ('22023', 'rfm: amount must not be NaN (customer 3, order on %s)')$$, to_char(current_date - 1, 'YYYY-MM-DD')),
  'an incremental refresh meeting a NaN amount: the logged error names the order, as a full refresh''s');
SELECT throws_ok($$SELECT rfm.alter_tiers('inc_t.nan', '{"bins": 3}')$$, '22023',
  format('rfm.alter_tiers: amount must not be NaN (customer 3, order on %s)', to_char(current_date - 1, 'YYYY-MM-DD')),
  '... and an alter of it, which folds the new orders first');
SELECT is((SELECT count(*) FROM inc_t.nan), 2::bigint, '... the tier table as it was');
SELECT rfm.drop_tiers('inc_t.nan') \g /dev/null

-- Drop removes the state too.
SELECT rfm.drop_tiers('inc_t.incr') \g /dev/null
SELECT is((SELECT count(*) FROM rfm.customer_state_sources WHERE state_name = :'incr_state'), 0::bigint,
  'drop_tiers drops the customer state');
SELECT ok(to_regclass('inc_t.x') IS NULL, 'failed creates leave nothing behind');

SELECT * FROM finish();
SELECT rfm.drop_tiers('inc_t.full'), rfm.drop_tiers('inc_t.tz'), rfm.drop_tiers('inc_t.tz_ny') \g /dev/null
SELECT rfm.customer_state_drop('inc live') \g /dev/null
DROP SCHEMA inc_t CASCADE;
