-- pgTAP: rfm.check_orders against rfm.customer_scores on random orders
-- (NULLs, refunds, zero lines, later orders, text and timestamptz
-- columns), its rights and markings.  Hand and CDNOW values are in
-- sql/check_orders.sql.
BEGIN;
SELECT plan(19);

SELECT has_function('rfm', 'check_orders', ARRAY['regclass', 'text', 'text', 'text', 'date']);
SELECT is((SELECT provolatile::text || prosecdef::text FROM pg_proc
            WHERE oid = 'rfm.check_orders(regclass, text, text, text, date)'::regprocedure), 'sfalse',
  'STABLE, not SECURITY DEFINER: it reads the source with the caller''s rights');

-- 20,000 random orders of 3,000 customers (seeded): 2% no customer, 1% no
-- time, 1% no amount, a tenth refunds, a twentieth zero lines, days up
-- to 30 past as_of.
SELECT setseed(0.42);
CREATE TABLE rnd AS   -- (permanent: tier tables are built on it; rolled back)
SELECT CASE WHEN random() < 0.02 THEN NULL ELSE 'c' || (random() * 3000)::int END AS customer,
       CASE WHEN random() < 0.01 THEN NULL
            ELSE timestamptz '2024-01-01 00:00+00' + random() * interval '120 days' END AS at,
       CASE WHEN random() < 0.01 THEN NULL
            WHEN random() < 0.1 THEN -round((random() * 50)::numeric, 2)
            WHEN random() < 0.05 THEN 0
            ELSE round((random() * 200)::numeric, 2) END AS amount
  FROM generate_series(1, 20000);
CREATE TEMP TABLE checked AS
SELECT * FROM rfm.check_orders('rnd', 'customer', 'at', 'amount', '2024-03-31');
CREATE TEMP TABLE scored AS
SELECT * FROM rfm.customer_scores('rnd', 'customer', 'at', 'amount', as_of => '2024-03-31');

SELECT results_eq($$SELECT (SELECT sum(orders) FROM checked WHERE rule NOT LIKE 'customers%' AND rule <> 'all orders'),
                           orders, customers, amount FROM checked WHERE rule = 'all orders'$$,
  $$SELECT 20000::numeric, count(*), count(DISTINCT customer), sum(amount) FROM rnd$$,
  'every order falls under exactly one rule; all orders: the rows, customers and amounts of the source');
SELECT results_eq($$SELECT customers, amount FROM checked WHERE rule = 'customers scored'$$,
  $$SELECT count(*), sum(monetary) FROM scored$$,
  'customers scored and their amount: the rows and monetary total of rfm.customer_scores');
SELECT results_eq($$SELECT orders, amount FROM checked WHERE rule = 'purchase'$$,
  $$SELECT sum(frequency)::bigint,
           (SELECT sum(amount) FROM rnd WHERE customer IS NOT NULL AND amount > 0 AND at::date <= '2024-03-31')
      FROM scored$$,
  'purchases: the frequencies of rfm.customer_scores added up');
SELECT results_eq($$SELECT orders, customers FROM checked WHERE rule = 'no customer' OR rule = 'after as_of' ORDER BY rule$$,
  $$VALUES ((SELECT count(*) FROM rnd WHERE at::date > '2024-03-31' AND customer IS NOT NULL AND amount IS NOT NULL),
            (SELECT count(DISTINCT customer) FROM rnd WHERE at::date > '2024-03-31' AND amount IS NOT NULL)),
           ((SELECT count(*) FROM rnd WHERE customer IS NULL), 0::bigint)$$,
  'orders after as_of and orders without a customer, counted straight');
SELECT is((SELECT count(*) FROM (SELECT customer FROM rnd WHERE customer IS NOT NULL AND at::date <= '2024-03-31'
                                   AND amount IS NOT NULL GROUP BY customer HAVING bool_and(amount <= 0)) x),
          (SELECT customers FROM checked WHERE rule = 'customers not scored'),
  'customers not scored: those with only refunds or zero lines up to as_of');

-- A tier table's form against the tier table itself, on the direct path
-- and on the grouped one (clv => true builds with rfm.summarize GROUP BY).
SELECT has_function('rfm', 'check_orders', ARRAY['regclass']);
SELECT rfm.create_tiers('rnd_tiers', 'rnd', 'customer', 'at', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT rfm.create_tiers('rnd_clv_tiers', 'rnd', 'customer', 'at', 'amount', as_of => '2024-03-31', clv => true) \g /dev/null
SELECT results_eq($$SELECT customers, amount FROM rfm.check_orders('rnd_tiers') WHERE rule = 'customers scored'$$,
  $$SELECT count(*), sum(monetary) FROM rnd_tiers$$, 'customers scored: the rows and monetary total of the tier table');
SELECT results_eq($$SELECT customers, amount FROM rfm.check_orders('rnd_clv_tiers') WHERE rule = 'customers scored'$$,
  $$SELECT count(*), sum(monetary) FROM rnd_clv_tiers$$, '... and of a CLV tier table (grouped path)');
SELECT rfm.create_tiers('rnd_today_tiers', 'rnd', 'customer', 'at', 'amount') \g /dev/null
SELECT results_eq($$SELECT customers, amount FROM rfm.check_orders('rnd_today_tiers') WHERE rule = 'customers scored'$$,
  $$SELECT count(*), sum(monetary) FROM rnd_today_tiers$$, '... and of one with as_of NULL (today in its zone)');

-- Its zone's days, whatever the session's: a tier table made in Shanghai,
-- checked from a UTC session, has customer 1's order of 2024-03-31 23:30
-- UTC on 04-01 (after as_of), as the tier table left it out.
CREATE TABLE co_tz (customer int, at timestamptz, amount int);
INSERT INTO co_tz VALUES (1, '2024-03-31 23:30+00', 5), (2, '2024-03-31 10:00+00', 7);
SET LOCAL TimeZone = 'Asia/Shanghai';
SELECT rfm.create_tiers('co_tz_tiers', 'co_tz', 'customer', 'at', 'amount', as_of => '2024-03-31') \g /dev/null
SET LOCAL TimeZone = 'UTC';
SELECT results_eq($$SELECT rule, orders, amount FROM rfm.check_orders('co_tz_tiers') WHERE orders > 0 ORDER BY rule$$,
  $$VALUES ('after as_of', 1::bigint, 5::numeric), ('all orders', 2, 12), ('customers scored', 1, 7), ('purchase', 1, 7)$$,
  'a tier table''s form counts days in the zone it was made in (Shanghai), not the session''s (UTC)');
SELECT is((SELECT count(*) FROM co_tz_tiers), 1::bigint, '... as the tier table does');
-- A zone that is also an abbreviation: as a TimeZone setting 'CET' has
-- summer time (+02 on 2024-06-30), where AT TIME ZONE 'CET' is +01 all
-- year.  22:30 UTC on 06-30 is 00:30 on 07-01 in CET: after as_of.
CREATE TABLE co_cet (customer int, at timestamptz, amount numeric);
INSERT INTO co_cet VALUES (1, '2024-06-29 10:00+00', 10), (2, '2024-06-30 22:30+00', 20);
SET LOCAL TimeZone = 'CET';
SELECT rfm.create_tiers('co_cet_tiers', 'co_cet', 'customer', 'at', 'amount', as_of => '2024-06-30') \g /dev/null
SET LOCAL TimeZone = 'UTC';
SELECT results_eq($$SELECT customers, amount FROM rfm.check_orders('co_cet_tiers') WHERE rule = 'customers scored'$$,
  $$SELECT count(*), sum(monetary) FROM co_cet_tiers$$, '... in a zone named like an abbreviation (CET) too: 1 customer, 10');
SELECT is(current_setting('TimeZone'), 'UTC', '... and the session''s TimeZone is given back');
-- not an incremental tier table, nor a table that is not a tier table
CREATE TABLE co_wm (id serial, customer int, ordered_on date, amount numeric);
SELECT rfm.create_tiers('co_wm_tiers', 'co_wm', 'customer', 'ordered_on', 'amount', watermark_column => 'id') \g /dev/null
SELECT throws_ok($$SELECT * FROM rfm.check_orders('co_wm_tiers')$$, '0A000',
  'rfm.check_orders: public.co_wm_tiers is an incremental tier table (watermark_column id), which folds orders by their watermark',
  'an incremental tier table: 0A000 (it folds by watermark)');
SELECT throws_ok($$SELECT * FROM rfm.check_orders('co_tz')$$, '42704', NULL, 'a table that is not a tier table: 42704');

-- Rights: the caller's.
CREATE ROLE rfm_co_reader;
CREATE TABLE public.rfm_co_orders (customer int, ordered_on date, amount numeric);
SET LOCAL ROLE rfm_co_reader;
SELECT throws_ok($$SELECT * FROM rfm.check_orders('public.rfm_co_orders', 'customer', 'ordered_on', 'amount')$$,
  '42501', NULL, 'a role that may not read the source: 42501');
RESET ROLE;
GRANT SELECT ON public.rfm_co_orders TO rfm_co_reader;
SET LOCAL ROLE rfm_co_reader;
SELECT lives_ok($$SELECT * FROM rfm.check_orders('public.rfm_co_orders', 'customer', 'ordered_on', 'amount')$$,
  '... and with SELECT it may check it');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
