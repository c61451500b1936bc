-- pgTAP: rfm's direct reads (src/fast_scan.c) keep their lock on what they
-- read until the transaction ends, as a query does: the source of
-- rfm.customer_scores and of a customer state's direct read, and
-- rfm.customer_states under rfm.customer_state_scores.  They let it go
-- when the scan ended, so a TRUNCATE or ALTER of the source could get in
-- between two reads of one REPEATABLE READ transaction, which then
-- disagreed without an error.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS lock_t CASCADE;
SELECT rfm.customer_state_drop(s.state_name) FROM rfm.customer_state_sources s WHERE s.state_name = 'lock_t' \g /dev/null
CREATE SCHEMA lock_t;
CREATE TABLE lock_t.orders (id bigserial PRIMARY KEY, customer bigint, ordered_on date, amount numeric);
INSERT INTO lock_t.orders (customer, ordered_on, amount)
SELECT g % 50, '2024-06-30'::date - g % 200, g % 30 + 1 FROM generate_series(1, 2000) g;
SELECT rfm.customer_state_create('lock_t', 'lock_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
CREATE FUNCTION lock_t.held(rel regclass) RETURNS boolean LANGUAGE sql AS
  $$SELECT EXISTS (SELECT FROM pg_locks WHERE pid = pg_backend_pid() AND relation = $1
                     AND mode = 'AccessShareLock' AND granted)$$;

-- (each read in a transaction of its own, rolled back; what it saw kept
-- in psql variables, as pgTAP's results would be rolled back with it)
BEGIN;
SELECT (SELECT states FROM rfm._customer_states_direct('lock_t.orders', 'customer', 'ordered_on', 'amount', 'id', 'test'))
       IS NOT NULL AS direct_read \gset
SELECT lock_t.held('lock_t.orders') AS held_direct \gset
ROLLBACK;
BEGIN;
SELECT count(*) AS scored FROM rfm.customer_scores('lock_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-06-30') \gset
SELECT lock_t.held('lock_t.orders') AS held_scores \gset
ROLLBACK;
-- with parallel workers (each worker's lock ends with it; the leader's holds)
BEGIN;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT count(*) FROM rfm.customer_scores('lock_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-06-30') \g /dev/null
SELECT lock_t.held('lock_t.orders') AS held_parallel \gset
ROLLBACK;
BEGIN;
SELECT count(*) FROM rfm.customer_state_scores('lock_t', 5, '2024-06-30') \g /dev/null
SELECT lock_t.held('rfm.customer_states') AS held_states \gset
ROLLBACK;

SELECT plan(6);
SELECT ok(:'direct_read'::boolean, 'the orders are read directly (not through SQL)');
SELECT ok(:'held_direct'::boolean, '... and the source stays locked after that read, until the transaction ends');
SELECT is(:'scored'::int, 50, 'rfm.customer_scores: 50 customers');
SELECT ok(:'held_scores'::boolean, '... the source still locked after it');
SELECT ok(:'held_parallel'::boolean, 'rfm.customer_scores with parallel workers allowed: the same');
SELECT ok(:'held_states'::boolean, 'rfm.customer_state_scores: rfm.customer_states stays locked');

SELECT * FROM finish();
SELECT rfm.customer_state_drop('lock_t') \g /dev/null
DROP SCHEMA lock_t CASCADE;
