-- pgTAP: rfm.check_orders against rfm.customer_scores on random orders
-- (NULLs, refunds, zero lines, later orders, text and timestamptz
-- columns), its rights and markings.  Hand and CDNOW values are in
-- sql/check_orders.sql.
BEGIN;
SELECT plan(13);

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

SELECT is((SELECT sum(orders) FROM checked WHERE rule NOT LIKE 'customers%'), 20000::numeric,
  'every order falls under exactly one rule');
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
-- The parallel plan gives the same counts.
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SELECT set_eq($$SELECT * FROM rfm.check_orders('rnd', 'customer', 'at', 'amount', '2024-03-31')$$,
  $$SELECT * FROM checked$$, 'the same with parallel plans encouraged');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- A tier table's form against the tier table itself, on the direct path
-- and on the grouped one (clv => true builds with rfm.summarize GROUP BY).
SELECT has_function('rfm', 'check_orders', ARRAY['regclass']);
SELECT rfm.create_tiers('rnd_tiers', 'rnd', 'customer', 'at', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT rfm.create_tiers('rnd_clv_tiers', 'rnd', 'customer', 'at', 'amount', as_of => '2024-03-31', clv => true) \g /dev/null
SELECT results_eq($$SELECT customers, amount FROM rfm.check_orders('rnd_tiers') WHERE rule = 'customers scored'$$,
  $$SELECT count(*), sum(monetary) FROM rnd_tiers$$, 'customers scored: the rows and monetary total of the tier table');
SELECT results_eq($$SELECT customers, amount FROM rfm.check_orders('rnd_clv_tiers') WHERE rule = 'customers scored'$$,
  $$SELECT count(*), sum(monetary) FROM rnd_clv_tiers$$, '... and of a CLV tier table (grouped path)');

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
