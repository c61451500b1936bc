-- pgTAP: the first fill of a tier table (rfm._tier_fill, used by
-- rfm.create_tiers after CREATE MATERIALIZED VIEW ... WITH NO DATA).  The
-- rows it writes in batches are exactly the rows PostgreSQL's own
-- CREATE MATERIALIZED VIEW ... AS (WITH DATA) writes for the same stored
-- query: for the fast path (integer keys), the grouped path (clv, text
-- keys through a view), more rows than one batch (1000) and rows that
-- need TOAST, orders read by parallel workers.  The view ends up populated, its row count is the one in
-- rfm.refresh_log and the one counted from the orders by plain SQL.  The
-- stored query runs as REFRESH runs it (security-restricted).  Refused,
-- with nothing changed: a populated view, one made in an earlier
-- transaction, one with an index, a table, another role's view, a missing
-- relation.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS fill_t CASCADE;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_fill_other') THEN CREATE ROLE rfm_fill_other; END IF;
END $$;
CREATE SCHEMA fill_t;
GRANT USAGE ON SCHEMA fill_t TO rfm_fill_other;
SELECT setseed(0.25);
-- 3,000 customers, 12,000 orders in the 400 days before today; ~3% refunds, some NULLs.
CREATE TABLE fill_t.orders (order_id bigserial PRIMARY KEY, cust integer, ordered_on date, amount numeric);
INSERT INTO fill_t.orders (cust, ordered_on, amount)
SELECT CASE WHEN random() < 0.01 THEN NULL ELSE 1 + floor(3000 * power(random(), 1.3))::int END,
       current_date - floor(random() * 400)::int,
       CASE WHEN random() < 0.03 THEN -round((random() * 40)::numeric, 2) ELSE round((1 + random() * 300)::numeric, 2) END
  FROM generate_series(1, 12000);
CREATE VIEW fill_t.orders_text AS SELECT 'k' || cust AS cust, ordered_on, amount FROM fill_t.orders;
-- 300 customers for the CLV columns: their fits are slow under valgrind
CREATE VIEW fill_t.orders_few AS SELECT * FROM fill_t.orders WHERE cust <= 300;

\ir include/tier_compare.psql
-- the tier table's stored query written by CREATE MATERIALIZED VIEW ... AS
-- (WITH DATA) into a twin, for comparison
CREATE FUNCTION fill_t.twin(t regclass) RETURNS regclass LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE MATERIALIZED VIEW %s AS %s', t::text || '_twin', pg_get_viewdef(t));
  RETURN (t::text || '_twin')::regclass;
END $$;

SELECT plan(31);

-- 1. Fast path: integer keys.
SELECT rfm.create_tiers('fill_t.t_int', 'fill_t.orders', 'cust', 'ordered_on', 'amount') \g /dev/null
SELECT ok((SELECT relispopulated FROM pg_class WHERE oid = 'fill_t.t_int'::regclass),
  'create_tiers: the tier table is populated');
SELECT is((SELECT count(*) FROM fill_t.t_int),
          (SELECT count(DISTINCT cust) FROM fill_t.orders
            WHERE cust IS NOT NULL AND amount > 0 AND ordered_on <= current_date),
  'one row per customer with a purchase (counted by plain SQL)');
SELECT is((SELECT row_count FROM rfm.refresh_log WHERE tier = 'fill_t.t_int'::regclass AND action = 'create'),
          (SELECT count(*) FROM fill_t.t_int),
  'the refresh log has the rows written');
SELECT is(pg_temp.tier_differ('fill_t.t_int', fill_t.twin('fill_t.t_int')), 0::bigint,
  'integer keys: the rows CREATE MATERIALIZED VIEW ... WITH DATA writes');
SELECT ok((SELECT indisunique AND indisvalid FROM pg_index WHERE indrelid = 'fill_t.t_int'::regclass),
  'its unique index is built after the fill');

-- 2. Grouped path: CLV columns, text keys through a view.
SELECT rfm.create_tiers('fill_t.t_clv', 'fill_t.orders_few', 'cust', 'ordered_on', 'amount', clv => true) \g /dev/null
SELECT is(pg_temp.tier_differ('fill_t.t_clv', fill_t.twin('fill_t.t_clv')), 0::bigint,
  'clv => true (grouped path): the rows CREATE MATERIALIZED VIEW writes');
SELECT rfm.create_tiers('fill_t.t_text', 'fill_t.orders_text', 'cust', 'ordered_on', 'amount', bins => 3) \g /dev/null
SELECT is(pg_temp.tier_differ('fill_t.t_text', fill_t.twin('fill_t.t_text')), 0::bigint,
  'text keys from a view: the rows CREATE MATERIALIZED VIEW writes');
SELECT is((SELECT count(*) FROM fill_t.t_text), (SELECT count(*) FROM fill_t.t_int),
  'text keys: as many customers as the integer table');

-- 2b. The same tier table with the orders read by parallel workers
-- (rfm.direct_scan_workers, src/fast_scan_parallel.c) and by one process.
SET rfm.direct_scan_workers = 2;
SELECT rfm.create_tiers('fill_t.t_par', 'fill_t.orders', 'cust', 'ordered_on', 'amount') \g /dev/null
RESET rfm.direct_scan_workers;
SELECT is(pg_temp.tier_differ('fill_t.t_par', 'fill_t.t_int'), 0::bigint,
  'orders read by parallel workers: the rows of the one-process build');

-- 3. The function alone on plain materialized views: batches and TOAST.
BEGIN;
CREATE MATERIALIZED VIEW fill_t.m_many AS
  SELECT g AS customer_id, md5(g::text) AS h FROM generate_series(1, 2500) g WITH NO DATA;
SELECT is(rfm._tier_fill('fill_t.m_many'), 2500::bigint, '2,500 rows (three batches): count returned');
SELECT is((SELECT count(*) || ' ' || sum(customer_id) || ' ' || count(DISTINCT h) FROM fill_t.m_many), '2500 3126250 2500',
  '... every row once (sum 1..2500 = 3,126,250)');
SELECT ok((SELECT relispopulated FROM pg_class WHERE oid = 'fill_t.m_many'::regclass), '... and populated');
-- ~60 kB of incompressible text per row: stored out of line
CREATE MATERIALIZED VIEW fill_t.m_toast AS
  SELECT g AS customer_id, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 2000) i) AS big
    FROM generate_series(1, 30) g WITH NO DATA;
SELECT is(rfm._tier_fill('fill_t.m_toast'), 30::bigint, 'rows needing TOAST: count returned');
SELECT is((SELECT count(*) FROM fill_t.m_toast m
            WHERE m.big = (SELECT string_agg(md5(m.customer_id::text || i::text), '') FROM generate_series(1, 2000) i)
              AND length(m.big) = 64000), 30::bigint,
  '... each 64,000-character value read back intact');
SELECT cmp_ok(pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE oid = 'fill_t.m_toast'::regclass)), '>', 0::bigint,
  '... stored in the TOAST table');
COMMIT;

-- 3b. Only a stored query of every column of rfm._tier_rows, as
-- rfm.create_tiers writes it, has the rows handed straight to the fill;
-- any other (a condition, other columns) runs through the executor.
CREATE FUNCTION fill_t.tier_call(t regclass) RETURNS text LANGUAGE sql AS $$
  SELECT rtrim(rtrim(pg_get_viewdef(t)), ';') $$;
BEGIN;
SELECT format('CREATE MATERIALIZED VIEW fill_t.m_where AS %s WHERE t.r_score = 5 WITH NO DATA', fill_t.tier_call('fill_t.t_int')) \gexec
SELECT format('CREATE MATERIALIZED VIEW fill_t.m_cols AS %s WITH NO DATA',
              regexp_replace(fill_t.tier_call('fill_t.t_int'), '^\s*SELECT.*?FROM', 'SELECT t.segment, t.customer_id FROM')) \gexec
SELECT format('CREATE MATERIALIZED VIEW fill_t.m_all AS %s WITH NO DATA', fill_t.tier_call('fill_t.t_int')) \gexec
-- every column, two of one type swapped: same types in the same places,
-- but not the function's columns in its order (handed over, each row's
-- first and last purchase would land in each other's place)
SELECT format('CREATE MATERIALIZED VIEW fill_t.m_swapped AS %s WITH NO DATA',
              regexp_replace(fill_t.tier_call('fill_t.t_int'), '(t\.)?first_purchase,\s*(t\.)?last_purchase,',
                             't.last_purchase AS first_purchase, t.first_purchase AS last_purchase,')) \gexec
SELECT is(rfm._tier_fill('fill_t.m_where'), (SELECT count(*) FROM fill_t.t_int WHERE r_score = 5),
  'a stored query with a condition: only its rows (count as in the tier table)');
SELECT is(pg_temp.tier_differ('fill_t.m_where', fill_t.twin('fill_t.m_where')), 0::bigint,
  '... the rows CREATE MATERIALIZED VIEW writes');
SELECT is(rfm._tier_fill('fill_t.m_cols') || ' ' || pg_temp.tier_differ('fill_t.m_cols', fill_t.twin('fill_t.m_cols')),
          (SELECT count(*) FROM fill_t.t_int) || ' 0',
  'two columns in another order: every customer, the rows CREATE MATERIALIZED VIEW writes');
-- (PostgreSQL 16 on prints the columns of a one-relation view without "t.")
SELECT ok(fill_t.tier_call('fill_t.m_swapped') ~ 'last_purchase AS first_purchase,\s*(t\.)?first_purchase AS last_purchase,',
          'the swapped view: the tier table''s query with its first and last purchase swapped');
SELECT is(rfm._tier_fill('fill_t.m_swapped') || ' ' || pg_temp.tier_differ('fill_t.m_swapped', fill_t.twin('fill_t.m_swapped')),
          (SELECT count(*) FROM fill_t.t_int) || ' 0',
  'two columns of one type swapped: every customer, the rows CREATE MATERIALIZED VIEW writes');
SELECT is((SELECT count(*) FROM fill_t.m_swapped WHERE first_purchase < last_purchase), 0::bigint,
  '... so no row''s (swapped) first purchase is before its last');
SELECT is(rfm._tier_fill('fill_t.m_all') || ' ' || pg_temp.tier_differ('fill_t.m_all', 'fill_t.t_int'),
          (SELECT count(*) FROM fill_t.t_int) || ' 0',
  'every column, by hand: the tier table''s rows');
COMMIT;

-- 4. Run as REFRESH runs the stored query: security-restricted.
CREATE FUNCTION fill_t.makes_temp_table() RETURNS integer LANGUAGE plpgsql AS $$
BEGIN CREATE TEMP TABLE fill_sneaky (x int); RETURN 1; END $$;
BEGIN;
CREATE MATERIALIZED VIEW fill_t.m_restricted AS SELECT fill_t.makes_temp_table() AS customer_id WITH NO DATA;
SELECT throws_ok($$SELECT rfm._tier_fill('fill_t.m_restricted')$$, '42501', NULL,
  'the stored query runs security-restricted (no temp table), as in REFRESH: 42501');
ROLLBACK;

-- 5. Refused, nothing changed.
CREATE TEMP TABLE t_int_before AS SELECT t.ctid::text AS row_at, t::text AS row FROM fill_t.t_int t;
SELECT throws_ok($$SELECT rfm._tier_fill('fill_t.t_int')$$, '55000', NULL,
  'a populated materialized view: 55000');
SELECT set_eq('SELECT t.ctid::text AS row_at, t::text AS row FROM fill_t.t_int t', 'TABLE t_int_before',
  '... its rows unchanged, each where it was (no more, no fewer)');
CREATE MATERIALIZED VIEW fill_t.m_old AS SELECT 1 AS customer_id WITH NO DATA;
SELECT throws_ok($$SELECT rfm._tier_fill('fill_t.m_old')$$, '55000', NULL,
  'one made WITH NO DATA in an earlier transaction: 55000');
SELECT ok(NOT (SELECT relispopulated FROM pg_class WHERE oid = 'fill_t.m_old'::regclass), '... still not populated');
BEGIN;
CREATE MATERIALIZED VIEW fill_t.m_indexed AS SELECT 1 AS customer_id WITH NO DATA;
CREATE INDEX ON fill_t.m_indexed (customer_id);
SELECT throws_ok($$SELECT rfm._tier_fill('fill_t.m_indexed')$$, '55000', NULL, 'one with an index: 55000');
ROLLBACK;
SELECT throws_ok($$SELECT rfm._tier_fill('fill_t.orders')$$, '42809', NULL, 'a table: 42809');
BEGIN;
CREATE MATERIALIZED VIEW fill_t.m_mine AS SELECT 1 AS customer_id WITH NO DATA;
GRANT SELECT ON fill_t.m_mine TO rfm_fill_other;
SET LOCAL ROLE rfm_fill_other;
SELECT throws_ok($$SELECT rfm._tier_fill('fill_t.m_mine')$$, '42501', NULL, 'another role''s view: 42501');
ROLLBACK;
SELECT throws_ok($$SELECT rfm._tier_fill(4294967000::oid::regclass)$$, '42P01', NULL, 'no such relation: 42P01');

SELECT * FROM finish();
SELECT rfm.drop_tiers(tier) FROM rfm.tier_tables WHERE tier::text LIKE 'fill\_t.%' \g /dev/null
DROP SCHEMA fill_t CASCADE;
DROP ROLE rfm_fill_other;
