-- pgTAP: rfm.backfill_history(tier, as_of) stores a past day's snapshot
-- in the history table without touching the tier table.  A backfilled day
-- must hold the rows a tier table built with as_of => that day holds (the
-- same bins, scheme and CLV columns), also for an incremental tier table
-- (whose stored states count every order, whatever its day) and on the
-- grouped path of a CLV table; a small case is checked by hand.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS back_t CASCADE;
DROP ROLE IF EXISTS rfm_backfill_other;
CREATE SCHEMA back_t;
SELECT plan(35);

-- By hand (bins 2): orders
--   1: 2024-01-05 10, 2024-03-01 20;  2: 2024-02-10 5, 2024-03-25 refund 2
--   3: 2024-03-20 100;                4: 2024-01-31 7
-- On 2024-01-31: 1 (recency 26, 1 purchase, 10), 4 (0, 1, 7).
-- On 2024-02-29: 1 (55, 1, 10), 2 (19, 1, 5), 4 (29, 1, 7).
CREATE TABLE back_t.small (customer integer, ordered_on date, amount numeric);
INSERT INTO back_t.small VALUES (1, '2024-01-05', 10), (1, '2024-03-01', 20), (2, '2024-02-10', 5),
                                (3, '2024-03-20', 100), (2, '2024-03-25', -2), (4, '2024-01-31', 7);
SELECT rfm.create_tiers('back_t.s', 'back_t.small', 'customer', 'ordered_on', 'amount',
                        bins => 2, as_of => '2024-03-31') \g /dev/null
SELECT is(rfm.backfill_history('back_t.s', '2024-01-31'), 2::bigint, 'backfill returns the customers it stored (2 on 2024-01-31)');
SELECT is(rfm.backfill_history('back_t.s', '2024-02-29'), 3::bigint, '... 3 on 2024-02-29');
SELECT results_eq($$SELECT as_of, customer_id, recency_days, frequency, monetary FROM back_t.s_history
                     WHERE as_of < '2024-03-31' ORDER BY as_of, customer_id$$,
  $$VALUES ('2024-01-31'::date, 1, 26, 1::bigint, 10::numeric), ('2024-01-31', 4, 0, 1, 7),
           ('2024-02-29', 1, 55, 1, 10), ('2024-02-29', 2, 19, 1, 5), ('2024-02-29', 4, 29, 1, 7)$$,
  'the backfilled days hold recency, frequency and monetary up to each day (by hand)');
SELECT results_eq($$SELECT action, as_of, row_count, outcome FROM rfm.refresh_log
                     WHERE tier = 'back_t.s'::regclass ORDER BY id$$,
  $$VALUES ('create', '2024-03-31'::date, 4::bigint, 'succeeded'), ('backfill', '2024-01-31', 2, 'succeeded'),
           ('backfill', '2024-02-29', 3, 'succeeded')$$,
  'each backfill is logged (action backfill, its day and the customers stored)');
-- a day backfilled again is replaced (here after an order of that month went away)
DELETE FROM back_t.small WHERE customer = 2 AND ordered_on = '2024-02-10';
SELECT is(rfm.backfill_history('back_t.s', '2024-02-29'), 2::bigint, 'a second backfill of a day replaces it');
SELECT results_eq($$SELECT customer_id FROM back_t.s_history WHERE as_of = '2024-02-29' ORDER BY 1$$,
  $$VALUES (1), (4)$$, '... with the rows of the orders there are now');
SELECT is((SELECT sum(customers)::int FROM rfm.transitions('back_t.s', '2024-01-31', '2024-03-31')), 4,
  'rfm.transitions compares a backfilled day with a built one (4 customers in either)');

-- Generated orders: 300 customers, 3,000 orders over 2023 and 2024, ~5%
-- refunds, an id to use as a watermark.
SELECT setseed(0.4242);
CREATE TABLE back_t.orders (id bigserial PRIMARY KEY, customer integer NOT NULL, ordered_on date NOT NULL,
                            amount numeric(10, 2) NOT NULL);
INSERT INTO back_t.orders (customer, ordered_on, amount)
SELECT 1 + floor(300 * power(random(), 1.4))::int, date '2023-01-01' + floor(random() * 730)::int,
       CASE WHEN random() < 0.05 THEN -round((random() * 30)::numeric, 2) ELSE round((1 + random() * 150)::numeric, 2) END
  FROM generate_series(1, 3000);
-- the difference, both ways, between a day's history rows and a table built for that day
CREATE FUNCTION back_t.differing(history regclass, built regclass, day date, clv boolean) RETURNS bigint
LANGUAGE plpgsql AS $f$
DECLARE
  cols text := array_to_string(rfm._tier_history_column_names(clv), ', ');
  n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((SELECT %1$s FROM %2$s WHERE as_of = $1 EXCEPT ALL SELECT %1$s FROM %3$s)
                                        UNION ALL (SELECT %1$s FROM %3$s EXCEPT ALL SELECT %1$s FROM %2$s WHERE as_of = $1)) d',
                 cols, history, built) INTO n USING day;
  RETURN n;
END $f$;

SELECT rfm.create_tiers('back_t.full', 'back_t.orders', 'customer', 'ordered_on', 'amount') \g /dev/null
SELECT rfm.create_tiers('back_t.clv', 'back_t.orders', 'customer', 'ordered_on', 'amount', clv => true) \g /dev/null
SELECT rfm.create_tiers('back_t.inc', 'back_t.orders', 'customer', 'ordered_on', 'amount', watermark_column => 'id') \g /dev/null
CREATE TABLE back_t.before AS SELECT 'full' AS t, md5(string_agg(f::text, ',' ORDER BY f.customer_id)) AS rows_md5 FROM back_t.full f
  UNION ALL SELECT 'inc', md5(string_agg(i::text, ',' ORDER BY i.customer_id)) FROM back_t.inc i;
SELECT rfm.backfill_history(t, d)
  FROM unnest(ARRAY['back_t.full', 'back_t.clv', 'back_t.inc']::regclass[]) t,
       unnest(ARRAY['2023-06-30', '2023-12-31', '2024-09-30']::date[]) d \g /dev/null
-- the tables such days would have had
SELECT rfm.create_tiers('back_t.ref_' || to_char(d, 'YYYYMMDD'), 'back_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => d, keep_history => false),
       rfm.create_tiers('back_t.refclv_' || to_char(d, 'YYYYMMDD'), 'back_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => d, keep_history => false, clv => true)
  FROM unnest(ARRAY['2023-06-30', '2023-12-31', '2024-09-30']::date[]) d \g /dev/null
SELECT results_eq($$SELECT d, (SELECT count(*) FROM back_t.full_history h WHERE h.as_of = d)
                      FROM unnest(ARRAY['2023-06-30', '2023-12-31', '2024-09-30']::date[]) d ORDER BY d$$,
  $$SELECT d, (SELECT count(DISTINCT customer) FROM back_t.orders o WHERE o.ordered_on <= d AND o.amount > 0)
      FROM unnest(ARRAY['2023-06-30', '2023-12-31', '2024-09-30']::date[]) d ORDER BY d$$,
  'each backfilled day has a row for every customer with a purchase up to it');
SELECT is(back_t.differing('back_t.full_history', 'back_t.ref_' || to_char(d, 'YYYYMMDD'), d, false), 0::bigint,
          'backfilled ' || d || ' = a tier table built with as_of => ' || d)
  FROM unnest(ARRAY['2023-06-30', '2023-12-31', '2024-09-30']::date[]) d;
SELECT is(back_t.differing('back_t.clv_history', 'back_t.refclv_' || to_char(d, 'YYYYMMDD'), d, true), 0::bigint,
          'clv (grouped path, models fitted on the day''s data): backfilled ' || d || ' = a build for that day')
  FROM unnest(ARRAY['2023-06-30', '2023-12-31', '2024-09-30']::date[]) d;
SELECT is(back_t.differing('back_t.inc_history', 'back_t.ref_' || to_char(d, 'YYYYMMDD'), d, false), 0::bigint,
          'incremental (reads the orders, not its states): backfilled ' || d || ' = a build for that day')
  FROM unnest(ARRAY['2023-06-30', '2023-12-31', '2024-09-30']::date[]) d;
SELECT results_eq($$SELECT t, rows_md5 FROM back_t.before ORDER BY t$$,
  $$SELECT 'full', md5(string_agg(f::text, ',' ORDER BY f.customer_id)) FROM back_t.full f
    UNION ALL SELECT 'inc', md5(string_agg(i::text, ',' ORDER BY i.customer_id)) FROM back_t.inc i ORDER BY 1$$,
  'the tier tables themselves are not touched');

-- Refused, nothing stored
SELECT throws_ok($$SELECT rfm.backfill_history('back_t.s', NULL)$$, '22004',
                 'rfm.backfill_history: as_of must not be NULL', 'as_of NULL: 22004');
SELECT throws_ok($$SELECT rfm.backfill_history('back_t.s', 'infinity')$$, '22008', NULL, 'as_of infinity: 22008');
SELECT throws_ok(format('SELECT rfm.backfill_history(%L, %L)', 'back_t.full', current_date + 1), '22023',
                 format('rfm.backfill_history: %s is after today (%s, in time zone %s)', current_date + 1, current_date,
                        current_setting('TimeZone')), 'a day after today: 22023');
SELECT rfm.create_tiers('back_t.nohist', 'back_t.small', 'customer', 'ordered_on', 'amount', keep_history => false) \g /dev/null
SELECT throws_ok($$SELECT rfm.backfill_history('back_t.nohist', '2024-01-31')$$, '55000',
                 'rfm.backfill_history: back_t.nohist keeps no history', 'a table without history: 55000');
\ir include/hint_of.psql
SELECT is(pg_temp.hint_of($$SELECT rfm.backfill_history('back_t.nohist', '2024-01-31')$$),
  $$Turn it on with SELECT rfm.alter_tiers('back_t.nohist', '{"keep_history": true}'), then backfill.$$,
  '... the hint the alter that turns history on');
-- Another role's table: not even a superuser (the source, a view maybe,
-- would be read with its rights), as for the fold of an incremental table.
CREATE ROLE rfm_backfill_other;
GRANT USAGE, CREATE ON SCHEMA back_t TO rfm_backfill_other;
GRANT SELECT ON back_t.small TO rfm_backfill_other;
SET ROLE rfm_backfill_other;
SELECT rfm.create_tiers('back_t.others', 'back_t.small', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT throws_ok($$SELECT rfm.backfill_history('back_t.s', '2024-01-15')$$, '42704', NULL,
                 'a role without the owner''s rights does not see the tier table (42704, as for a refresh)');
RESET ROLE;
SELECT throws_ok($$SELECT rfm.backfill_history('back_t.others', '2024-01-15')$$, '42501',
                 'rfm.backfill_history: only the owner of back_t.others (role rfm_backfill_other) may backfill its history',
                 'a superuser backfilling another role''s tier table: 42501');
SELECT is(pg_temp.hint_of($$SELECT rfm.backfill_history('back_t.others', '2024-01-15')$$),
  'The orders are read with the rights of the role that backfills, a superuser''s too: SET ROLE rfm_backfill_other first.',
  '... the hint says which role to be');
SELECT is((SELECT count(*) FROM back_t.others_history WHERE as_of = '2024-01-15'), 0::bigint, '... nothing stored');


-- A day whose customers are all gone from the orders keeps its snapshot
-- (a NOTICE says so): an empty result would otherwise wipe it.
CREATE TABLE back_t.few (customer integer, ordered_on date, amount numeric);
INSERT INTO back_t.few VALUES (1, '2024-01-05', 10), (2, '2024-01-20', 5), (2, '2024-03-01', 8);
SELECT rfm.create_tiers('back_t.f', 'back_t.few', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT is(rfm.backfill_history('back_t.f', '2024-01-31'), 2::bigint, 'a day of two customers');
DELETE FROM back_t.few WHERE ordered_on <= '2024-01-31';
SET client_min_messages = notice;
SELECT is(rfm.backfill_history('back_t.f', '2024-01-31'), 0::bigint, 'its orders deleted, the day computes to no customer: 0');
RESET client_min_messages;
SELECT results_eq($$SELECT customer_id FROM back_t.f_history WHERE as_of = '2024-01-31' ORDER BY 1$$, $$VALUES (1), (2)$$,
  '... and the day''s snapshot is kept, not wiped');
SELECT is((SELECT message FROM rfm.refresh_log WHERE tier = 'back_t.f'::regclass ORDER BY id DESC LIMIT 1),
  'no customer with a purchase up to the day: nothing stored, the snapshot of 2 customers kept', '... as its log row says');
SELECT is(rfm.backfill_history('back_t.f', '2023-12-31'), 0::bigint, 'a day before the first order: nothing stored, 0');
-- A history column renamed by hand: named, with the way back
ALTER TABLE back_t.f_history RENAME COLUMN segment TO seg;
SELECT throws_ok($$SELECT rfm.backfill_history('back_t.f', '2024-02-29')$$, '42703',
  'rfm.backfill_history: column segment of back_t.f_history was renamed to seg', 'a renamed history column: 42703 naming it');
SELECT is(pg_temp.hint_of($$SELECT rfm.backfill_history('back_t.f', '2024-02-29')$$),
  'History snapshots and rfm.alter_tiers use the names rfm made: ALTER TABLE back_t.f_history RENAME COLUMN seg TO segment (for names of your own, make a view on it).',
  '... the hint renames it back');
\set failing_tier back_t.f
\ir include/refresh_expecting_error.psql
SELECT results_eq($$SELECT sqlstate, message FROM rfm.refresh_log WHERE tier = 'back_t.f'::regclass ORDER BY id DESC LIMIT 1$$,
  $$VALUES ('42703', 'rfm: column segment of back_t.f_history was renamed to seg')$$,
  'a refresh''s snapshot names it too (it failed inside a generated INSERT)');
ALTER TABLE back_t.f_history RENAME COLUMN seg TO segment;

SELECT * FROM finish();
-- dropped by rfm (a DROP SCHEMA alone would leave catalog rows for the next files)
SELECT rfm.drop_tiers(t.tier) FROM rfm.tier_tables t WHERE t.tier::text LIKE 'back_t.%' \g /dev/null
DROP SCHEMA back_t CASCADE;
DROP OWNED BY rfm_backfill_other;
DROP ROLE rfm_backfill_other;
