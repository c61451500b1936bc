-- pgTAP: tier tables and privileges, hostile identifiers, empty search_path.
-- Not wrapped in a transaction (rfm.refresh_tiers commits); roles are made
-- idempotently and dropped at the end.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS sec_t CASCADE;
DROP SCHEMA IF EXISTS sec_evil CASCADE;
DROP SCHEMA IF EXISTS "Odd ""Schema""; DROP TABLE sec_victim; --" CASCADE;
DROP TABLE IF EXISTS public.sec_victim;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_owner') THEN CREATE ROLE rfm_t_owner; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_outsider') THEN CREATE ROLE rfm_t_outsider; END IF;
END $$;
CREATE SCHEMA sec_t;
CREATE TABLE sec_t.orders (customer integer, ordered_on date, amount numeric);
INSERT INTO sec_t.orders VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20), (3, '2024-03-10', 30);
GRANT USAGE, CREATE ON SCHEMA sec_t TO rfm_t_owner;
GRANT USAGE ON SCHEMA sec_t TO rfm_t_outsider;
GRANT SELECT ON sec_t.orders TO rfm_t_owner;

SELECT plan(155);

-- The owner (SELECT on the source) builds, refreshes and reads.
SET ROLE rfm_t_owner;
SELECT lives_ok($$SELECT rfm.create_tiers('sec_t.t', 'sec_t.orders', 'customer', 'ordered_on', 'amount',
                                          bins => 3, as_of => '2024-03-31')$$,
  'a role with SELECT on the source creates a tier table');
CALL rfm.refresh_tiers('sec_t.t');
SELECT is((SELECT count(*)::int FROM sec_t.t), 3, 'the owner refreshes and reads it');
SELECT is((SELECT created_by::text FROM rfm.tier_tables WHERE tier = 'sec_t.t'::regclass), 'rfm_t_owner',
  'the catalog row records its creator');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier = 'sec_t.t'::regclass), 2,
  'the owner sees its log rows');
RESET ROLE;
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'sec_t.t'::regclass), 'rfm_t_owner',
  'the tier table belongs to the role that called create_tiers (SECURITY INVOKER)');

-- A role without SELECT on the source reads nothing through the helpers.
SET ROLE rfm_t_outsider;
SELECT throws_ok($$SELECT rfm.create_tiers('sec_t.mine', 'sec_t.orders', 'customer', 'ordered_on', 'amount')$$,
  '42501', NULL, 'outsider: create_tiers on a source it cannot read is denied');
SELECT throws_ok($$SELECT * FROM rfm._tier_rows('sec_t.orders', 'customer', 'ordered_on', 'amount', 'integer', 3,
                   'standard', '2024-03-31') AS t(customer_id integer, first_purchase date, last_purchase date,
                   recency_days integer, frequency bigint, monetary numeric, r_score integer, f_score integer,
                   m_score integer, rfm_cell text, segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, as_of date)$$,
  '42501', NULL, 'outsider: the internal row function reads with the caller''s rights');
SELECT throws_ok('SELECT * FROM sec_t.t', '42501', NULL, 'outsider: tier table not readable');
SELECT throws_ok('SELECT * FROM sec_t.t_segments', '42501', NULL, 'outsider: segment summary not readable');
SELECT throws_ok('SELECT * FROM sec_t.t_grid', '42501', NULL, 'outsider: grid not readable');
SELECT throws_ok('SELECT * FROM sec_t.t_history', '42501', NULL, 'outsider: history not readable');
SELECT is((SELECT count(*)::int FROM rfm.tier_tables), 0, 'outsider: sees no catalog rows of others');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log), 0, 'outsider: sees no log rows of others');
SELECT throws_ok($$SELECT * FROM rfm.transitions('sec_t.t', '2024-03-31', '2024-03-31')$$, '42704', NULL,
  'outsider: transitions of a tier table it does not own: not found');
SELECT throws_ok($$SELECT rfm.drop_tiers('sec_t.t')$$, '42704',
  'rfm: sec_t.t is a tier table of role rfm_t_owner, whose rights you do not have',
  'outsider: cannot drop it, told whose it is (it said "not a tier table" until 2026-12-06)');
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('sec_t.t');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42704', 'outsider: cannot refresh it');
WITH u AS (UPDATE rfm.tier_tables SET bins = 9 RETURNING 1) SELECT count(*) AS updated FROM u \gset
SELECT is(:updated, 0, 'outsider: cannot change catalog rows of others');
SELECT throws_ok($$INSERT INTO rfm.tier_tables (tier, source, customer_column, time_column, amount_column,
                     customer_type, bins, scheme, keep_history, segments_view, grid_view)
                   VALUES ('sec_t.t', 'sec_t.orders', 'a', 'b', 'c', 'integer', 5, 'standard', false,
                           'sec_t.t_segments', 'sec_t.t_grid')$$,
  '42501', NULL, 'outsider: cannot register someone else''s table');
RESET ROLE;

-- Views are security_invoker on PostgreSQL 15+: a grant on the view alone is
-- not enough.  13 and 14 have no security_invoker: the view runs with its
-- owner's rights, so a grant on it shows the summary (README, Privileges).
GRANT SELECT ON sec_t.t_segments, sec_t.t_grid TO rfm_t_outsider;
SET ROLE rfm_t_outsider;
SELECT CASE WHEN current_setting('server_version_num')::int >= 150000
            THEN throws_ok('SELECT * FROM sec_t.t_segments', '42501', NULL,
                           'outsider with SELECT on the summary view only: still denied (security_invoker)')
            ELSE results_eq('SELECT sum(customers)::int FROM sec_t.t_segments', ARRAY[3],
                            'outsider with SELECT on the summary view only: readable before PostgreSQL 15 (owner''s rights)') END;
RESET ROLE;
GRANT SELECT ON sec_t.t TO rfm_t_outsider;
SET ROLE rfm_t_outsider;
SELECT is((SELECT sum(customers)::int FROM sec_t.t_segments), 3, 'with SELECT on the tier table: readable');
SELECT is((SELECT string_agg(action || ' ' || outcome || ' ' || row_count, ', ' ORDER BY id) FROM rfm.refresh_log),
          'create succeeded 3, refresh succeeded 3', '... and so are its log rows (when it was refreshed, how many customers)');
SELECT is((SELECT count(*)::int FROM rfm.tier_tables), 0, '... but not its catalog row');
WITH d AS (DELETE FROM rfm.refresh_log RETURNING 1) SELECT count(*) AS deleted FROM d \gset
WITH u AS (UPDATE rfm.refresh_log SET outcome = 'failed' RETURNING 1) SELECT count(*) AS updated FROM u \gset
SELECT is(:deleted + :updated, 0, '... and it changes no log row (writes stay the owner''s)');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier = 'sec_t.t'::regclass AND outcome = 'succeeded'), 2,
          'the two log rows are still there and succeeded');
-- README's way to give a reader the transitions: the owner's SECURITY
-- DEFINER function over rfm.transitions (a view over it runs it as the
-- reader, who does not see the catalog row: 42704).
SET ROLE rfm_t_owner;
CREATE FUNCTION sec_t.t_moves(from_as_of date, to_as_of date)
    RETURNS TABLE (from_segment text, to_segment text, customers bigint, revenue_before numeric, revenue_after numeric,
                   revenue_gained numeric, predicted_clv_before double precision, predicted_clv_after double precision,
                   in_from_snapshot boolean, in_to_snapshot boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT * FROM rfm.transitions('sec_t.t', from_as_of, to_as_of) $$;
REVOKE EXECUTE ON FUNCTION sec_t.t_moves(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sec_t.t_moves(date, date) TO rfm_t_outsider;
CREATE VIEW sec_t.t_moves_view AS SELECT * FROM rfm.transitions('sec_t.t', '2024-03-31', '2024-03-31');
GRANT SELECT ON sec_t.t_moves_view TO rfm_t_outsider;
SET ROLE rfm_t_outsider;
SELECT is((SELECT sum(customers)::int FROM sec_t.t_moves('2024-03-31', '2024-03-31')), 3,
          'a reader gets the transitions through the owner''s SECURITY DEFINER function');
SELECT throws_ok('SELECT * FROM sec_t.t_moves_view', '42704', NULL,
                 '... not through a view over rfm.transitions (it runs as the reader)');
RESET ROLE;
DROP VIEW sec_t.t_moves_view;
DROP FUNCTION sec_t.t_moves(date, date);

-- Incremental tier tables keep their customer states in rfm.customer_state_*,
-- which need grants (README): without them create_tiers is denied and
-- leaves nothing; with them the owner builds and refreshes, as the owner
-- (the materialized view's refresh is a security-restricted operation).
CREATE TABLE sec_t.wm_orders (id serial, customer integer, ordered_on date, amount numeric);
INSERT INTO sec_t.wm_orders (customer, ordered_on, amount) VALUES (1, current_date - 5, 10), (2, current_date - 9, 20);
GRANT SELECT ON sec_t.wm_orders TO rfm_t_owner;
SET ROLE rfm_t_owner;
SELECT throws_ok($$SELECT rfm.create_tiers('sec_t.wm', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount',
                                           bins => 2, watermark_column => 'id')$$,
  '42501', NULL, 'incremental tier table without grants on the customer-state tables: denied');
SELECT ok(to_regclass('sec_t.wm') IS NULL, '... and nothing was made');
RESET ROLE;
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_t_owner;
SET ROLE rfm_t_owner;
SELECT lives_ok($$SELECT rfm.create_tiers('sec_t.wm', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount',
                                          bins => 2, watermark_column => 'id')$$,
  'with the grants the owner creates an incremental tier table');
RESET ROLE;
INSERT INTO sec_t.wm_orders (customer, ordered_on, amount) VALUES (3, current_date - 1, 5);
SET ROLE rfm_t_owner;
CALL rfm.refresh_tiers('sec_t.wm');
SELECT is((SELECT count(*)::int FROM sec_t.wm), 3, 'the owner refreshes it incrementally');
RESET ROLE;
SET ROLE rfm_t_outsider;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('sec_t.wm');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42704', 'outsider: cannot refresh the incremental tier table');
RESET ROLE;

-- The state names 'rfm tier <id>' are reserved: a role that keeps states
-- of its own cannot take the name of a tier table another role is about
-- to create (row-level security would hide it, and that build would fail
-- on the primary key), only the name of an id its own session was given.
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_t_outsider;
GRANT SELECT ON sec_t.wm_orders TO rfm_t_outsider;
SELECT last_value + 1 AS next_tier_id FROM rfm.tier_tables_id_seq \gset
SET ROLE rfm_t_outsider;
SELECT throws_ok(format($$SELECT rfm.customer_state_create(%L, 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')$$,
                        'rfm tier ' || :next_tier_id),
  '42939', format('rfm: customer state names beginning with ''rfm tier '' are reserved for the states of tier tables, not ''rfm tier %s''', :next_tier_id),
  'another role cannot take the state name of the next tier table');
SELECT throws_ok(format($$INSERT INTO rfm.customer_state_sources (state_name, source, customer_column, time_column, amount_column, watermark_column)
                          VALUES (%L, 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')$$, 'rfm tier ' || (:next_tier_id + 1)),
  '42939', NULL, '... nor a later one, by writing the row itself');
SELECT lives_ok($$SELECT rfm.customer_state_create('rfm tiers, mine', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')$$,
  'other names are free (''rfm tiers, mine'')');
SELECT throws_ok(format($$UPDATE rfm.customer_state_sources SET state_name = %L WHERE state_name = 'rfm tiers, mine'$$,
                        'rfm tier ' || :next_tier_id),
  '42939', NULL, '... and a state cannot be renamed to a reserved name');
SELECT nextval('rfm.tier_tables_id_seq') AS own_id \gset
SELECT lives_ok(format($$SELECT rfm.customer_state_create(%L, 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')$$,
                       'rfm tier ' || :own_id),
  'the name of the id the sequence just gave this session is free (as rfm.create_tiers takes it)');
SELECT rfm.customer_state_drop('rfm tier ' || :own_id) \g /dev/null
SELECT rfm.customer_state_drop('rfm tiers, mine') \g /dev/null
RESET ROLE;
-- Superusers pass (pg_restore writes such rows): ids this session was not
-- given (the last it was given is :own_id).
SELECT lives_ok(format($$SELECT rfm.customer_state_create(%L, 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')$$,
                       'rfm tier ' || (:own_id + 1000000)),
  'a superuser creates a state named for an id its session was not given');
SELECT lives_ok(format($$INSERT INTO rfm.customer_state_sources (state_name, source, customer_column, time_column, amount_column, watermark_column)
                         VALUES (%L, 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')$$, 'rfm tier ' || (:own_id + 1000001)),
  '... and writes such a row itself');
SELECT is((SELECT count(*)::int FROM rfm.customer_state_sources
            WHERE state_name IN ('rfm tier ' || (:own_id + 1000000), 'rfm tier ' || (:own_id + 1000001))), 2, '... both are there');
SELECT rfm.customer_state_drop('rfm tier ' || (:own_id + 1000000)) \g /dev/null
DELETE FROM rfm.customer_state_sources WHERE state_name = 'rfm tier ' || (:own_id + 1000001);
REVOKE SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states FROM rfm_t_outsider;
REVOKE SELECT ON sec_t.wm_orders FROM rfm_t_outsider;
SET ROLE rfm_t_owner;
SELECT lives_ok($$SELECT rfm.create_tiers('sec_t.wm_next', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount',
                                          bins => 2, watermark_column => 'id')$$,
  'after the attempts the owner still creates an incremental tier table');
SELECT is((SELECT state_name FROM rfm.tier_tables WHERE tier = 'sec_t.wm_next'::regclass),
          'rfm tier ' || (SELECT id FROM rfm.tier_tables WHERE tier = 'sec_t.wm_next'::regclass),
  '... its state named after its id');
SELECT rfm.drop_tiers('sec_t.wm_next') \g /dev/null
RESET ROLE;

-- A superuser's state named for the next ids (it passes the reservation,
-- as pg_restore does) is passed over by another role's rfm.create_tiers,
-- which cannot see it: the tier table takes the next free id.
SELECT last_value + 1 AS next_tier_id FROM rfm.tier_tables_id_seq \gset
SELECT rfm.customer_state_create('rfm tier ' || n, 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')
  FROM generate_series(:next_tier_id, :next_tier_id + 1) n \g /dev/null
SELECT rfm.customer_state_create('sec shared name', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
SET ROLE rfm_t_owner;
SELECT is((SELECT count(*)::int FROM rfm.customer_state_sources
            WHERE state_name IN ('rfm tier ' || :next_tier_id, 'rfm tier ' || (:next_tier_id + 1), 'sec shared name')), 0,
  'the owner does not see the superuser''s states');
SELECT lives_ok($$SELECT rfm.create_tiers('sec_t.wm_skip', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount',
                                          bins => 2, watermark_column => 'id')$$,
  'rfm.create_tiers passes over ids whose state name a superuser took');
SELECT is((SELECT id::int FROM rfm.tier_tables WHERE tier = 'sec_t.wm_skip'::regclass), :next_tier_id + 2,
  '... the tier table has the first free id');
SELECT is((SELECT state_name FROM rfm.tier_tables WHERE tier = 'sec_t.wm_skip'::regclass), 'rfm tier ' || (:next_tier_id + 2),
  '... and its state that id''s name');
SELECT is((SELECT count(*)::int FROM rfm.customer_states WHERE state_name = 'rfm tier ' || (:next_tier_id + 2)), 3,
  '... holding its customers');
SELECT is((SELECT count(*)::int FROM sec_t.wm_skip), 3, '... and the tier table its rows');
SELECT rfm.drop_tiers('sec_t.wm_skip') \g /dev/null
-- a hidden state's name: a clear error, not the primary key's
SELECT throws_ok($$SELECT rfm.customer_state_create('sec shared name', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')$$,
  '42710', 'rfm.customer_state_create: a customer state named ''sec shared name'' already exists',
  'a state name another role holds (hidden): 42710 naming it');
RESET ROLE;
-- (ordered by length first: ids 9 and 10 sort as numbers)
SELECT is((SELECT string_agg(state_name || ' ' || owner::text, ', ' ORDER BY length(state_name), state_name) FROM rfm.customer_state_sources
            WHERE state_name IN ('rfm tier ' || :next_tier_id, 'rfm tier ' || (:next_tier_id + 1), 'sec shared name')),
          format('rfm tier %s %s, rfm tier %s %s, sec shared name %s', :next_tier_id, current_user, :next_tier_id + 1, current_user, current_user),
  'the superuser''s states are untouched');
SELECT is((SELECT count(*)::int FROM rfm.customer_states WHERE state_name = 'sec shared name'), 3, '... with their customers');
-- ten taken in a row: 42710, and nothing of the tier table is left
SELECT rfm.customer_state_drop('rfm tier ' || n) FROM generate_series(:next_tier_id, :next_tier_id + 1) n \g /dev/null
SELECT last_value + 1 AS next_tier_id FROM rfm.tier_tables_id_seq \gset
SELECT rfm.customer_state_create('rfm tier ' || n, 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount', 'id')
  FROM generate_series(:next_tier_id, :next_tier_id + 9) n \g /dev/null
SET ROLE rfm_t_owner;
SELECT throws_ok($$SELECT rfm.create_tiers('sec_t.wm_ten', 'sec_t.wm_orders', 'customer', 'ordered_on', 'amount',
                                           bins => 2, watermark_column => 'id')$$,
  '42710', format('rfm.create_tiers: the customer states named for 10 tier table ids in a row already exist (the last ''rfm tier %s'')',
                  :next_tier_id + 9),
  'ten ids in a row taken: 42710 naming the last');
SELECT ok(to_regclass('sec_t.wm_ten') IS NULL AND NOT EXISTS (SELECT FROM rfm.tier_tables WHERE id >= :next_tier_id),
  '... no tier table, no catalog row');
RESET ROLE;
SELECT is((SELECT string_agg(DISTINCT owner::text, ',') || ' ' || count(*) FROM rfm.customer_state_sources
            WHERE state_name LIKE 'rfm tier %' AND substr(state_name, 10)::bigint >= :next_tier_id),
          current_user || ' 10', '... and only the superuser''s ten states');
SELECT rfm.customer_state_drop('rfm tier ' || n) FROM generate_series(:next_tier_id, :next_tier_id + 9) n \g /dev/null
SELECT rfm.customer_state_drop('sec shared name') \g /dev/null
SET ROLE rfm_t_owner;
SELECT rfm.drop_tiers('sec_t.wm') \g /dev/null
RESET ROLE;
REVOKE ALL ON rfm.customer_state_sources, rfm.customer_states FROM rfm_t_owner;

-- The owner loses SELECT on the source: refresh fails, old rows stay.
REVOKE SELECT ON sec_t.orders FROM rfm_t_owner;
SET ROLE rfm_t_owner;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('sec_t.t');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42501', 'owner without SELECT on the source: refresh denied');
SELECT is((SELECT count(*)::int FROM sec_t.t), 3, 'and the tier table keeps its rows');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'sec_t.t'::regclass ORDER BY id DESC LIMIT 1), 'failed',
  'the denied refresh is logged as failed');
SELECT lives_ok($$SELECT rfm.drop_tiers('sec_t.t')$$, 'the owner drops its tier table');
RESET ROLE;

-- Hostile identifiers are names, never SQL.  Each contains a quote, a
-- semicolon, spaces and mixed case; if any were executed, sec_victim would go.
CREATE TABLE public.sec_victim (x int);
CREATE SCHEMA "Odd ""Schema""; DROP TABLE sec_victim; --";
CREATE TABLE "Odd ""Schema""; DROP TABLE sec_victim; --"."Or""ders; DROP TABLE sec_victim;--" (
  "Cust ""ID""" integer, "When; DROP TABLE sec_victim" date, "Amount'); DROP TABLE sec_victim; --" numeric);
INSERT INTO "Odd ""Schema""; DROP TABLE sec_victim; --"."Or""ders; DROP TABLE sec_victim;--"
  VALUES (1, '2024-03-01', 5), (2, '2024-03-02', 6);
SELECT lives_ok(format($$SELECT rfm.create_tiers(%L, %L, %L, %L, %L, bins => 2, as_of => '2024-03-31', clv => true)$$,
                       format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Tiers "X"; DROP TABLE sec_victim'),
                       format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Or"ders; DROP TABLE sec_victim;--'),
                       'Cust "ID"', 'When; DROP TABLE sec_victim', 'Amount''); DROP TABLE sec_victim; --'),
  'create_tiers with hostile schema, table, tier and column names (and CLV columns)');
SELECT is((SELECT count(*)::int FROM "Odd ""Schema""; DROP TABLE sec_victim; --"."Tiers ""X""; DROP TABLE sec_victim"),
  2, 'the tier table has the right rows');
SELECT ok(to_regclass('"Odd ""Schema""; DROP TABLE sec_victim; --"."Tiers ""X""; DROP TABLE sec_victim_segments"') IS NOT NULL
      AND to_regclass('"Odd ""Schema""; DROP TABLE sec_victim; --"."Tiers ""X""; DROP TABLE sec_victim_history"') IS NOT NULL,
  'its views and history carry the hostile name plus a suffix');
-- the same without CLV columns: the fast path (rfm.customer_scores), which
-- gets the source by oid and the column names as values
SELECT lives_ok(format($$SELECT rfm.create_tiers(%L, %L, %L, %L, %L, bins => 2, as_of => '2024-03-31')$$,
                       format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Fast "Y"; DROP TABLE sec_victim'),
                       format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Or"ders; DROP TABLE sec_victim;--'),
                       'Cust "ID"', 'When; DROP TABLE sec_victim', 'Amount''); DROP TABLE sec_victim; --'),
  'create_tiers with hostile names on the fast path');
SELECT results_eq(format('SELECT customer_id, frequency, monetary FROM %I.%I ORDER BY customer_id',
                         'Odd "Schema"; DROP TABLE sec_victim; --', 'Fast "Y"; DROP TABLE sec_victim'),
  $$VALUES (1, 1::bigint, 5::numeric), (2, 1::bigint, 6::numeric)$$, 'the fast-path tier table has the right rows');
SELECT format('CALL rfm.refresh_tiers(%L)', format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --',
                                                  'Fast "Y"; DROP TABLE sec_victim')) \gexec
SELECT is((SELECT outcome FROM rfm.refresh_log ORDER BY id DESC LIMIT 1), 'succeeded', 'fast-path refresh with hostile names');
-- ... and incremental, with a hostile watermark column
ALTER TABLE "Odd ""Schema""; DROP TABLE sec_victim; --"."Or""ders; DROP TABLE sec_victim;--"
  ADD COLUMN "Id""; DROP TABLE sec_victim; --" serial;
SELECT lives_ok(format($$SELECT rfm.create_tiers(%L, %L, %L, %L, %L, bins => 2, watermark_column => %L)$$,
                       format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Incr "Z"; DROP TABLE sec_victim'),
                       format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Or"ders; DROP TABLE sec_victim;--'),
                       'Cust "ID"', 'When; DROP TABLE sec_victim', 'Amount''); DROP TABLE sec_victim; --',
                       'Id"; DROP TABLE sec_victim; --'),
  'incremental create_tiers with hostile names and watermark column');
INSERT INTO "Odd ""Schema""; DROP TABLE sec_victim; --"."Or""ders; DROP TABLE sec_victim;--"
  ("Cust ""ID""", "When; DROP TABLE sec_victim", "Amount'); DROP TABLE sec_victim; --") VALUES (3, current_date, 7);
SELECT format('CALL rfm.refresh_tiers(%L)', format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --',
                                                  'Incr "Z"; DROP TABLE sec_victim')) \gexec
SELECT is((SELECT count(*)::int FROM "Odd ""Schema""; DROP TABLE sec_victim; --"."Incr ""Z""; DROP TABLE sec_victim"),
  3, 'incremental refresh with hostile names folds in the new order');
SELECT format('CALL rfm.refresh_tiers(%L)', format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --',
                                                  'Tiers "X"; DROP TABLE sec_victim')) \gexec
SELECT is((SELECT outcome FROM rfm.refresh_log ORDER BY id DESC LIMIT 1), 'succeeded', 'refresh with hostile names');
SELECT has_table('public', 'sec_victim', 'nothing in the names was executed');
SELECT lives_ok(format('SELECT rfm.drop_tiers(%L)', format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --',
                                                            'Tiers "X"; DROP TABLE sec_victim')),
  'drop_tiers with hostile names');

-- A catalog row pointed at another role's table (the owner may edit its
-- row): rfm refuses to drop or write it, also when a superuser calls.
CREATE TABLE sec_t.dba_table (x int);
INSERT INTO sec_t.dba_table VALUES (1);
GRANT SELECT ON sec_t.orders TO rfm_t_owner;
SET ROLE rfm_t_owner;
SELECT rfm.create_tiers('sec_t.t_redirect', 'sec_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31') \g /dev/null
SELECT throws_ok($$UPDATE rfm.tier_tables SET history_table = 'sec_t.dba_table' WHERE tier = 'sec_t.t_redirect'::regclass$$,
  '42501', NULL, 'the owner cannot point its catalog row at another role''s table');
RESET ROLE;
-- a superuser's hand edit (or a row from before that check): refused at use
UPDATE rfm.tier_tables SET history_table = 'sec_t.dba_table' WHERE tier = 'sec_t.t_redirect'::regclass;
SELECT throws_ok($$SELECT rfm.drop_tiers('sec_t.t_redirect')$$, '42501', NULL,
  'drop_tiers (by a superuser) refuses a catalog row pointed at another role''s table');
SELECT has_table('sec_t', 'dba_table', '... which is still there');
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('sec_t.t_redirect');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42501', '... and so does a superuser''s refresh');
SELECT is((SELECT count(*) FROM sec_t.dba_table), 1::bigint, '... nothing was written into that table');
SET ROLE rfm_t_owner;
UPDATE rfm.tier_tables SET history_table = 'sec_t.t_redirect_history' WHERE tier = 'sec_t.t_redirect'::regclass;
RESET ROLE;
-- The same for the views: the owner cannot point segments_view at another
-- role's view; a superuser's edit of segments_view or grid_view is refused
-- by alter_tiers and transitions too (each would succeed on the row as made:
-- bins 4 is new, and the history holds the 2024-03-31 snapshot).
CREATE VIEW sec_t.dba_view AS SELECT x FROM sec_t.dba_table;
SELECT tier::oid AS redirect_oid FROM rfm.tier_tables WHERE tier = 'sec_t.t_redirect'::regclass \gset
SET ROLE rfm_t_owner;
SELECT throws_ok($$UPDATE rfm.tier_tables SET segments_view = 'sec_t.dba_view' WHERE tier = 'sec_t.t_redirect'::regclass$$,
  '42501', 'new row violates row-level security policy for table "tier_tables"',
  'the owner cannot point segments_view at another role''s view');
RESET ROLE;
UPDATE rfm.tier_tables SET segments_view = 'sec_t.dba_view' WHERE tier = 'sec_t.t_redirect'::regclass;
SELECT throws_ok($$SELECT rfm.alter_tiers('sec_t.t_redirect', '{"bins": 4}')$$, '42501',
  'rfm: the catalog row of sec_t.t_redirect names a view or history table that is not the tier table''s own',
  'segments_view edited by a superuser to another role''s view: alter_tiers refuses');
SELECT throws_ok($$SELECT * FROM rfm.transitions('sec_t.t_redirect', '2024-03-31', '2024-03-31')$$, '42501', NULL,
  '... and so does transitions');
UPDATE rfm.tier_tables SET segments_view = 'sec_t.t_redirect_segments', grid_view = 'sec_t.dba_view'
 WHERE tier = 'sec_t.t_redirect'::regclass;
SELECT throws_ok($$SELECT rfm.alter_tiers('sec_t.t_redirect', '{"bins": 4}')$$, '42501', NULL,
  'grid_view edited that way: alter_tiers refuses');
SELECT throws_ok($$SELECT * FROM rfm.transitions('sec_t.t_redirect', '2024-03-31', '2024-03-31')$$, '42501', NULL,
  '... and so does transitions');
SELECT ok(to_regclass('sec_t.dba_view') IS NOT NULL
          AND (SELECT tier::oid = :redirect_oid AND bins = 3 FROM rfm.tier_tables WHERE tier = 'sec_t.t_redirect'::regclass),
  '... the view is still there, the tier table and its options unchanged');
UPDATE rfm.tier_tables SET grid_view = 'sec_t.t_redirect_grid' WHERE tier = 'sec_t.t_redirect'::regclass;
DROP VIEW sec_t.dba_view;

-- A source dropped with CASCADE takes its tier table and views along but
-- not the history table, customer state, log and catalog row: the row
-- stays visible to its creator, and rfm.drop_orphan_tiers removes the rest.
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_t_owner;
SET ROLE rfm_t_owner;
CREATE TABLE sec_t.short_lived (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO sec_t.short_lived (customer, ordered_on, amount) VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20);
SELECT rfm.create_tiers('sec_t.orphan', 'sec_t.short_lived', 'customer', 'ordered_on', 'amount',
                        bins => 2, watermark_column => 'order_id') \g /dev/null
SELECT id AS orphan_id, state_name AS orphan_state FROM rfm.tier_tables WHERE tier = 'sec_t.orphan'::regclass \gset
DROP TABLE sec_t.short_lived CASCADE;
SELECT is((SELECT count(*)::int FROM rfm.tier_tables WHERE id = :orphan_id), 1,
  'after DROP ... CASCADE of its source the catalog row stays visible to its creator');
SELECT ok(to_regclass('sec_t.orphan_history') IS NOT NULL, '... and the history table is left');
-- Making a tier table of that name again: the history table in the way
-- is named as the dropped one's, with the way out (not "already exists").
SELECT throws_ok($$SELECT rfm.create_tiers('sec_t.orphan', 'sec_t.orders', 'customer', 'ordered_on', 'amount', bins => 2)$$,
  '42P07', format('rfm.create_tiers: sec_t.orphan_history is the history of an earlier tier table (rfm.tier_tables id %s) that was dropped without rfm.drop_tiers', :orphan_id),
  'create_tiers under that name again says whose history table is in the way');
SELECT rfm.create_tiers('sec_t.orphan', 'sec_t.orders', 'customer', 'ordered_on', 'amount', bins => 2, keep_history => false) \g /dev/null
SELECT throws_ok($$SELECT rfm.alter_tiers('sec_t.orphan', '{"keep_history": true}')$$,
  '42P07', format('rfm.alter_tiers: sec_t.orphan_history is the history of an earlier tier table (rfm.tier_tables id %s) that was dropped without rfm.drop_tiers', :orphan_id),
  '... and so does alter_tiers turning keep_history on for a new one without history');
SELECT rfm.drop_tiers('sec_t.orphan') \g /dev/null
-- a table of the user's own under that name: said before anything is made
CREATE TABLE sec_t.mine_history (note text);
SELECT throws_ok($$SELECT rfm.create_tiers('sec_t.mine', 'sec_t.orders', 'customer', 'ordered_on', 'amount', bins => 2)$$,
  '42P07', 'rfm.create_tiers: sec_t.mine_history already exists',
  'create_tiers with keep_history names a table of that name already there');
DROP TABLE sec_t.mine_history;
SELECT is(rfm.drop_orphan_tiers(), 1, 'drop_orphan_tiers removes one');
SELECT ok(to_regclass('sec_t.orphan_history') IS NULL, '... its history table');
SELECT is((SELECT count(*)::int FROM rfm.customer_state_sources WHERE state_name = :'orphan_state')
          + (SELECT count(*)::int FROM rfm.refresh_log WHERE tier_id = :orphan_id)
          + (SELECT count(*)::int FROM rfm.tier_tables WHERE id = :orphan_id), 0,
  '... its customer state, log rows and catalog row');
CREATE TABLE sec_t.short_lived (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO sec_t.short_lived (customer, ordered_on, amount) VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20);
SELECT lives_ok($$SELECT rfm.create_tiers('sec_t.orphan', 'sec_t.short_lived', 'customer', 'ordered_on', 'amount', bins => 2)$$,
  '... so the name can be used again');
-- The same after a DROP of the tier table itself (no CASCADE of a source).
SELECT id AS orphan_id FROM rfm.tier_tables WHERE tier = 'sec_t.orphan'::regclass \gset
DROP MATERIALIZED VIEW sec_t.orphan CASCADE;
SELECT throws_ok($$SELECT rfm.create_tiers('sec_t.orphan', 'sec_t.short_lived', 'customer', 'ordered_on', 'amount', bins => 2)$$,
  '42P07', format('rfm.create_tiers: sec_t.orphan_history is the history of an earlier tier table (rfm.tier_tables id %s) that was dropped without rfm.drop_tiers', :orphan_id),
  'after DROP MATERIALIZED VIEW of a tier table: its history table is named as the dropped one''s');
SELECT is(rfm.drop_orphan_tiers(), 1, '... and drop_orphan_tiers removes what it left');
SELECT lives_ok($$SELECT rfm.create_tiers('sec_t.orphan', 'sec_t.short_lived', 'customer', 'ordered_on', 'amount', bins => 2)$$,
  '... so the name can be used again');
-- an orphan row edited to name another role's table: that table stays
SELECT rfm.create_tiers('sec_t.orphan2', 'sec_t.short_lived', 'customer', 'ordered_on', 'amount', bins => 2) \g /dev/null
RESET ROLE;
UPDATE rfm.tier_tables SET history_table = 'sec_t.dba_table' WHERE tier = 'sec_t.orphan2'::regclass;
SET ROLE rfm_t_owner;
SELECT array_agg(id) AS orphan_ids FROM rfm.tier_tables WHERE tier IN ('sec_t.orphan'::regclass, 'sec_t.orphan2'::regclass) \gset
DROP TABLE sec_t.short_lived CASCADE;
RESET ROLE;
-- (other test files may have left orphans of their own in this database)
SELECT cmp_ok(rfm.drop_orphan_tiers(), '>=', 2, 'a superuser''s drop_orphan_tiers removes both rows');
SELECT is((SELECT count(*)::int FROM rfm.tier_tables WHERE id = ANY (:'orphan_ids'::bigint[])), 0, '... gone from the catalog');
SELECT has_table('sec_t', 'dba_table', '... but not a table of another role that a row was pointed at');
DROP TABLE sec_t.orphan2_history;
REVOKE SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states FROM rfm_t_owner;

-- Forged rows: a role may write catalog rows for its own tier tables, but
-- not rows that name another role's objects (then that role's
-- drop_orphan_tiers, seeing the row once its tier table is gone, would
-- drop them) or log rows under another tier table's id.
SELECT id AS victim_id FROM rfm.tier_tables WHERE tier = 'sec_t.t_redirect'::regclass \gset
GRANT CREATE ON SCHEMA sec_t TO rfm_t_outsider;
SET ROLE rfm_t_outsider;
CREATE MATERIALIZED VIEW sec_t.forger AS SELECT 1 AS customer_id;
CREATE VIEW sec_t.forger_v AS SELECT * FROM sec_t.forger;
PREPARE forge(name, regclass, text) AS
  INSERT INTO rfm.tier_tables (tier, source, customer_column, time_column, amount_column, customer_type, bins,
                               scheme, keep_history, segments_view, grid_view, created_by, history_table, state_name)
  VALUES ('sec_t.forger', 'sec_t.orders', 'customer', 'ordered_on', 'amount', 'integer', 5, 'standard', false,
          'sec_t.forger_v', 'sec_t.forger_v', $1, $2, $3);
SELECT throws_ok($$EXECUTE forge('rfm_t_owner', NULL, NULL)$$, '42501',
  'rfm: created_by rfm_t_owner of a row of rfm.tier_tables must be a role whose rights you have',
  'forged row: created_by another role is refused');
SELECT throws_ok($$EXECUTE forge('rfm_t_outsider', 'sec_t.t_redirect_history', NULL)$$, '42501', NULL,
  'forged row: a history table of another role is refused');
SELECT throws_ok(format($$EXECUTE forge('rfm_t_outsider', NULL, %L)$$, 'rfm tier ' || :victim_id), '42501', NULL,
  'forged row: a customer state name not made from the row''s own id is refused');
SELECT throws_ok(format($$INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, outcome)
                          VALUES (%s, 'sec_t.forger', 'refresh', now(), 'succeeded')$$, :victim_id), '42501', NULL,
  'forged log row under another tier table''s id is refused');
SELECT lives_ok($$EXECUTE forge('rfm_t_outsider', NULL, NULL)$$, 'a row naming only the role''s own objects is accepted');
SELECT throws_ok($$UPDATE rfm.tier_tables SET created_by = 'rfm_t_owner' WHERE tier = 'sec_t.forger'::regclass$$,
  '42501', NULL, '... and its created_by cannot be changed to another role');
SELECT lives_ok($$INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, outcome)
                  SELECT id, tier, 'refresh', now(), 'succeeded' FROM rfm.tier_tables WHERE tier = 'sec_t.forger'::regclass$$,
  '... nor a log row under its own id');
-- the id names the pg_cron job and the customer state: it never changes,
-- and a new row takes the one the sequence gave (else a row could take
-- over the schedule a superuser made for a tier table since dropped)
SELECT throws_ok($$UPDATE rfm.tier_tables SET id = id + 1000000 WHERE tier = 'sec_t.forger'::regclass$$,
  '42501', 'rfm: the id of a row of rfm.tier_tables never changes', '... nor its id');
DELETE FROM rfm.tier_tables WHERE tier = 'sec_t.forger'::regclass;
SELECT throws_ok($$INSERT INTO rfm.tier_tables (id, tier, source, customer_column, time_column, amount_column, customer_type,
                                                bins, scheme, keep_history, segments_view, grid_view)
                   VALUES (pg_catalog.currval('rfm.tier_tables_id_seq') + 1000000, 'sec_t.forger', 'sec_t.orders',
                           'customer', 'ordered_on', 'amount', 'integer', 5, 'standard', false, 'sec_t.forger_v', 'sec_t.forger_v')$$,
  '42501', NULL, 'forged row: an id the sequence did not give is refused');
-- a view or history table that does not exist (yet): its oid could later
-- be another role's new table, which that role's drop_orphan_tiers drops
SELECT throws_ok($$EXECUTE forge('rfm_t_outsider', 4000000000::oid::regclass, NULL)$$, '42P01',
  'rfm: a view or history table a row of rfm.tier_tables names must exist',
  'forged row: a history table oid that names no relation is refused');
SELECT lives_ok($$EXECUTE forge('rfm_t_outsider', NULL, NULL)$$, 'the row naming only the role''s own objects, again');
SELECT throws_ok($$UPDATE rfm.tier_tables SET grid_view = 4000000000::oid::regclass WHERE tier = 'sec_t.forger'::regclass$$,
  '42P01', NULL, '... and cannot be pointed at an oid that names no relation');
RESET ROLE;
-- handed over: the new owner edits the row its creator made
ALTER MATERIALIZED VIEW sec_t.forger OWNER TO rfm_t_owner;
ALTER VIEW sec_t.forger_v OWNER TO rfm_t_owner;
SET ROLE rfm_t_owner;
SELECT lives_ok($$UPDATE rfm.tier_tables SET bins = 4 WHERE tier = 'sec_t.forger'::regclass$$,
  'the new owner of a handed-over tier table updates its row (created_by unchanged)');
DELETE FROM rfm.refresh_log WHERE tier = 'sec_t.forger'::regclass;
DELETE FROM rfm.tier_tables WHERE tier = 'sec_t.forger'::regclass;
RESET ROLE;
DROP MATERIALIZED VIEW sec_t.forger CASCADE;
REVOKE CREATE ON SCHEMA sec_t FROM rfm_t_outsider;
-- A row may name the customer state 'rfm tier <its id>', but a state of that
-- name made by another role stays when a superuser drops the tier table.
SET ROLE rfm_t_owner;
SELECT rfm.create_tiers('sec_t.named_state', 'sec_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, keep_history => false) \g /dev/null
SELECT id AS named_id FROM rfm.tier_tables WHERE tier = 'sec_t.named_state'::regclass \gset
RESET ROLE;
INSERT INTO rfm.customer_state_sources (state_name, source, customer_column, time_column, amount_column, watermark_column, owner)
VALUES ('rfm tier ' || :named_id, 'sec_t.orders', 'customer', 'ordered_on', 'amount', 'customer', 'rfm_t_outsider');
SET ROLE rfm_t_owner;
UPDATE rfm.tier_tables SET state_name = 'rfm tier ' || id WHERE id = :named_id;
RESET ROLE;
SELECT rfm.drop_tiers('sec_t.named_state') \g /dev/null
SELECT is((SELECT owner::text FROM rfm.customer_state_sources WHERE state_name = 'rfm tier ' || :named_id), 'rfm_t_outsider',
  'a superuser''s drop_tiers leaves a customer state of another role that the row named');
DELETE FROM rfm.customer_state_sources WHERE state_name = 'rfm tier ' || :named_id;

-- A superuser's COPY (pg_restore) writes rows whatever they say: one whose
-- creator role has since been dropped made the whole restore of the catalog fail.
CREATE MATERIALIZED VIEW sec_t.restored AS SELECT 1 AS customer_id;
CREATE VIEW sec_t.restored_v AS SELECT * FROM sec_t.restored;
SELECT lives_ok($$INSERT INTO rfm.tier_tables (id, tier, source, customer_column, time_column, amount_column, customer_type,
                                               bins, scheme, keep_history, segments_view, grid_view, created_by)
                  VALUES (987654321, 'sec_t.restored', 'sec_t.orders', 'customer', 'ordered_on', 'amount', 'integer', 5,
                          'standard', false, 'sec_t.restored_v', 'sec_t.restored_v', 'rfm_t_role_dropped_since')$$,
  'a superuser writes a row of a role that no longer exists, with its own id (as pg_restore does)');
DELETE FROM rfm.tier_tables WHERE id = 987654321;
DROP MATERIALIZED VIEW sec_t.restored CASCADE;

-- Code the owner adds to its history table runs as whoever writes a
-- snapshot: with a column default (as with a trigger) only the owner does.
SET ROLE rfm_t_owner;
CREATE FUNCTION sec_t.note() RETURNS int LANGUAGE sql AS 'SELECT 0';
ALTER TABLE sec_t.t_redirect_history ADD COLUMN note int DEFAULT sec_t.note();
RESET ROLE;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('sec_t.t_redirect');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42501', 'a default on the history table: a superuser''s refresh is refused');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'sec_t.t_redirect'::regclass ORDER BY id DESC LIMIT 1),
          'failed', '... and logged as failed');
SET ROLE rfm_t_owner;
CALL rfm.refresh_tiers('sec_t.t_redirect');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'sec_t.t_redirect'::regclass ORDER BY id DESC LIMIT 1),
          'succeeded', '... the owner''s refresh writes the snapshot');
ALTER TABLE sec_t.t_redirect_history DROP COLUMN note;
RESET ROLE;
SELECT ok(rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), 'the history table as rfm makes it runs no code (a dropped column too)');
CREATE INDEX t_redirect_history_lower ON sec_t.t_redirect_history (lower(segment));
SELECT ok(NOT rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), 'an expression index counts as code');
DROP INDEX sec_t.t_redirect_history_lower;
CREATE RULE t_redirect_history_notify AS ON INSERT TO sec_t.t_redirect_history DO ALSO NOTIFY rfm_sec_t;
SELECT ok(NOT rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), 'a rule counts');
DROP RULE t_redirect_history_notify ON sec_t.t_redirect_history;
ALTER TABLE sec_t.t_redirect_history ADD CONSTRAINT positive CHECK (r_score > 0);
SELECT ok(NOT rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), 'a check constraint counts');
ALTER TABLE sec_t.t_redirect_history DROP CONSTRAINT positive;
ALTER TABLE sec_t.t_redirect_history ENABLE ROW LEVEL SECURITY;
SELECT ok(NOT rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), 'row-level security counts');
ALTER TABLE sec_t.t_redirect_history DISABLE ROW LEVEL SECURITY;
-- the snapshot's DELETE reached inheritance children and fired their
-- triggers as the refreshing role (a child's owner could act as a
-- superuser who refreshed): a child makes the table not plain, and the
-- DELETE is ONLY
CREATE TABLE sec_t.t_redirect_history_child () INHERITS (sec_t.t_redirect_history);
SELECT ok(NOT rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), 'an inheritance child counts');
DROP TABLE sec_t.t_redirect_history_child;
SELECT ok(rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), '... and without them it runs no code again');
-- attached as a partition: a row written into it is checked against the
-- parent's partition key, whose functions run as the writer
CREATE TABLE sec_t.t_redirect_history_parent (LIKE sec_t.t_redirect_history) PARTITION BY RANGE (as_of);
ALTER TABLE sec_t.t_redirect_history_parent ATTACH PARTITION sec_t.t_redirect_history FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
SELECT ok(NOT rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), 'a partition counts');
ALTER TABLE sec_t.t_redirect_history_parent DETACH PARTITION sec_t.t_redirect_history;
DROP TABLE sec_t.t_redirect_history_parent;
SELECT ok(rfm._tier_history_is_plain('sec_t.t_redirect_history', 'sec_t.t_redirect'), '... and detached it runs no code again');
-- SELECT on the three columns alone is enough to build and refresh (the
-- lock rfm takes on the source before reading it, src/source_lock.c, asks
-- no more than the read: LOCK TABLE wanted SELECT on the whole table).
CREATE TABLE sec_t.col_orders (customer integer, ordered_on date, amount numeric, secret text);
INSERT INTO sec_t.col_orders VALUES (1, '2024-01-10', 10, 'x'), (2, '2024-02-10', 20, 'y');
GRANT SELECT (customer, ordered_on, amount) ON sec_t.col_orders TO rfm_t_owner;
SET ROLE rfm_t_owner;
SELECT lives_ok($$SELECT rfm.create_tiers('sec_t.col_t', 'sec_t.col_orders', 'customer', 'ordered_on', 'amount',
                                          bins => 2, as_of => '2024-03-31')$$,
  'a role with SELECT on the three columns only builds a tier table');
CALL rfm.refresh_tiers('sec_t.col_t');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'sec_t.col_t'::regclass ORDER BY id DESC LIMIT 1),
          'succeeded', '... and refreshes it');
SELECT rfm.drop_tiers('sec_t.col_t') \g /dev/null
RESET ROLE;
SET ROLE rfm_t_outsider;
SELECT throws_ok($$SELECT rfm._tier_lock_source('sec_t.col_orders')$$, '42501', 'permission denied for table col_orders',
  'a role that may read no column of a table may not lock it through rfm either');
RESET ROLE;

-- A customer key of a domain (over a built-in type, with a check): rfm
-- makes the history's customer_id of it, and copying values of the same
-- type runs none of its code, so the table is plain (a superuser's
-- refresh was 42501, "remove what was added", with nothing added); a
-- column of that domain added by hand still counts.
CREATE DOMAIN sec_t.cust_id AS bigint CHECK (VALUE > 0);
CREATE TABLE sec_t.dom_orders (customer sec_t.cust_id, ordered_on date, amount numeric);
INSERT INTO sec_t.dom_orders VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20);
GRANT SELECT ON sec_t.dom_orders TO rfm_t_owner;
SET ROLE rfm_t_owner;
SELECT rfm.create_tiers('sec_t.dom_t', 'sec_t.dom_orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, as_of => '2024-03-31') \g /dev/null
RESET ROLE;
SELECT ok(rfm._tier_history_is_plain('sec_t.dom_t_history', 'sec_t.dom_t'),
  'a history table keyed on a domain over bigint, as rfm makes it, runs no code');
CALL rfm.refresh_tiers('sec_t.dom_t');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'sec_t.dom_t'::regclass ORDER BY id DESC LIMIT 1),
          'succeeded', '... a superuser refreshes it (was 42501)');
ALTER TABLE sec_t.dom_t_history ADD COLUMN other_id sec_t.cust_id;
SELECT ok(NOT rfm._tier_history_is_plain('sec_t.dom_t_history', 'sec_t.dom_t'),
  '... a column of that domain added by hand counts');
SET ROLE rfm_t_owner;
SELECT rfm.drop_tiers('sec_t.dom_t') \g /dev/null
RESET ROLE;
-- End to end: with any of these on the history table a superuser's refresh
-- or alter is refused before anything changes.  A new order (customer 4,
-- before as_of) would change the tier table's rows and the day's snapshot.
INSERT INTO sec_t.orders VALUES (4, '2024-03-20', 40);
CREATE FUNCTION pg_temp.redirect_state() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' | ', (SELECT tier::oid || ' ' || bins || ' ' || scheme FROM rfm.tier_tables
                            WHERE tier = 'sec_t.t_redirect'::regclass),
                   (SELECT string_agg(t::text, ';' ORDER BY customer_id) FROM sec_t.t_redirect t),
                   (SELECT string_agg(h::text, ';' ORDER BY as_of, customer_id) FROM sec_t.t_redirect_history h)) $$;
CREATE FUNCTION pg_temp.last_refresh() RETURNS text LANGUAGE sql AS $$
  SELECT outcome || ' ' || sqlstate || ' ' || message FROM rfm.refresh_log
   WHERE tier = 'sec_t.t_redirect'::regclass ORDER BY id DESC LIMIT 1 $$;
SELECT pg_temp.redirect_state() AS redirect_before \gset
\set snapshot_refused 'rfm: only the owner of sec_t.t_redirect_history may write snapshots into it while it has triggers, rules, defaults, checks, indexes with expressions, a WHERE clause or extension code, policies, non-builtin types, inheritance children or parents (a partition), or is not an ordinary table'
\set failing_tier sec_t.t_redirect
CREATE RULE t_redirect_history_notify AS ON INSERT TO sec_t.t_redirect_history DO ALSO NOTIFY rfm_sec_t;
\ir include/refresh_expecting_error.psql
SELECT is(pg_temp.last_refresh(), 'failed 42501 ' || :'snapshot_refused', 'a rule on the history table: a superuser''s refresh is refused');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed (options, rows, history)');
SELECT throws_ok($$SELECT rfm.alter_tiers('sec_t.t_redirect', '{"bins": 4}')$$, '42501', :'snapshot_refused',
  '... and so is a superuser''s alter');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
DROP RULE t_redirect_history_notify ON sec_t.t_redirect_history;
ALTER TABLE sec_t.t_redirect_history ADD CONSTRAINT positive CHECK (r_score > 0);
\ir include/refresh_expecting_error.psql
SELECT is(pg_temp.last_refresh(), 'failed 42501 ' || :'snapshot_refused', 'a check constraint: refresh refused');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
ALTER TABLE sec_t.t_redirect_history DROP CONSTRAINT positive;
CREATE INDEX t_redirect_history_segment ON sec_t.t_redirect_history (lower(segment));
\ir include/refresh_expecting_error.psql
SELECT is(pg_temp.last_refresh(), 'failed 42501 ' || :'snapshot_refused', 'an index on an expression: refresh refused');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
DROP INDEX sec_t.t_redirect_history_segment;
CREATE POLICY everything ON sec_t.t_redirect_history USING (true);
ALTER TABLE sec_t.t_redirect_history ENABLE ROW LEVEL SECURITY;
\ir include/refresh_expecting_error.psql
SELECT is(pg_temp.last_refresh(), 'failed 42501 ' || :'snapshot_refused', 'a policy (row-level security): refresh refused');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
ALTER TABLE sec_t.t_redirect_history DISABLE ROW LEVEL SECURITY;
DROP POLICY everything ON sec_t.t_redirect_history;
CREATE TABLE sec_t.t_redirect_history_child () INHERITS (sec_t.t_redirect_history);
\ir include/refresh_expecting_error.psql
SELECT is(pg_temp.last_refresh(), 'failed 42501 ' || :'snapshot_refused', 'an inheritance child: refresh refused');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
SELECT throws_ok($$SELECT rfm.alter_tiers('sec_t.t_redirect', '{"bins": 4}')$$, '42501', :'snapshot_refused',
  '... and so is a superuser''s alter');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
DROP TABLE sec_t.t_redirect_history_child;
-- a column of a type of the user's (a domain: its check is code) and the
-- table attached as a partition (the parent's key is checked as the
-- writer): the same.  The column is dropped before comparing (a dropped
-- column does not print), so a snapshot written would still show.
CREATE DOMAIN sec_t.note AS text CHECK (VALUE <> 'x');
ALTER TABLE sec_t.t_redirect_history ADD COLUMN note sec_t.note;
\ir include/refresh_expecting_error.psql
SELECT is(pg_temp.last_refresh(), 'failed 42501 ' || :'snapshot_refused', 'a column of a non-builtin type: refresh refused');
ALTER TABLE sec_t.t_redirect_history DROP COLUMN note;
DROP DOMAIN sec_t.note;
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
CREATE TABLE sec_t.t_redirect_history_parent (LIKE sec_t.t_redirect_history) PARTITION BY RANGE (as_of);
ALTER TABLE sec_t.t_redirect_history_parent ATTACH PARTITION sec_t.t_redirect_history FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
\ir include/refresh_expecting_error.psql
SELECT is(pg_temp.last_refresh(), 'failed 42501 ' || :'snapshot_refused', 'attached as a partition: refresh refused');
SELECT is(pg_temp.redirect_state(), :'redirect_before', '... nothing changed');
ALTER TABLE sec_t.t_redirect_history_parent DETACH PARTITION sec_t.t_redirect_history;
DROP TABLE sec_t.t_redirect_history_parent;
-- without them the same refresh goes through and takes the new order in,
-- an index of the owner's on plain columns (PostgreSQL's own code) notwithstanding
SET ROLE rfm_t_owner;
CREATE INDEX t_redirect_history_customer ON sec_t.t_redirect_history (customer_id, segment);
RESET ROLE;
CALL rfm.refresh_tiers('sec_t.t_redirect');
SELECT ok(pg_temp.redirect_state() <> :'redirect_before' AND (SELECT count(*) FROM sec_t.t_redirect) = 4,
  '... and without them a superuser''s refresh takes in the new order (a plain index of the owner''s on the history is fine)');
DELETE FROM sec_t.orders WHERE customer = 4;
SET ROLE rfm_t_owner;
SELECT rfm.drop_tiers('sec_t.t_redirect') \g /dev/null
RESET ROLE;

-- Operators from the caller's search_path: a schema there with an
-- operator whose argument types match exactly (where pg_catalog's needs a
-- cast) would capture rfm's comparisons of oids with regtype, regclass and
-- regnamespace values, and || of text and bigint, and run them with the
-- caller's rights.  rfm's bodies run with search_path = pg_catalog, pg_temp.
CREATE SCHEMA sec_evil;
CREATE TABLE sec_evil.calls (fn text);
CREATE FUNCTION sec_evil.oid_eq_regtype(oid, regtype) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO sec_evil.calls VALUES ('oid = regtype'); RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END$$;
CREATE FUNCTION sec_evil.oid_eq_regnamespace(oid, regnamespace) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO sec_evil.calls VALUES ('oid = regnamespace'); RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END$$;
CREATE FUNCTION sec_evil.oid_eq_regclass(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO sec_evil.calls VALUES ('oid = regclass'); RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END$$;
CREATE FUNCTION sec_evil.text_cat_int8(text, bigint) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO sec_evil.calls VALUES ('text || bigint'); RETURN $1 OPERATOR(pg_catalog.||) $2::text; END$$;
CREATE FUNCTION sec_evil.int8_cat_int8(bigint, bigint) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO sec_evil.calls VALUES ('bigint || bigint'); RETURN $1::text OPERATOR(pg_catalog.||) $2::text; END$$;
CREATE OPERATOR sec_evil.= (LEFTARG = oid, RIGHTARG = regtype, FUNCTION = sec_evil.oid_eq_regtype);
CREATE OPERATOR sec_evil.= (LEFTARG = oid, RIGHTARG = regnamespace, FUNCTION = sec_evil.oid_eq_regnamespace);
CREATE OPERATOR sec_evil.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = sec_evil.oid_eq_regclass);
CREATE OPERATOR sec_evil.|| (LEFTARG = text, RIGHTARG = bigint, FUNCTION = sec_evil.text_cat_int8);
CREATE OPERATOR sec_evil.|| (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = sec_evil.int8_cat_int8);
CREATE TABLE sec_t.evil_orders (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO sec_t.evil_orders (customer, ordered_on, amount) VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20), (1, '2024-03-01', 5);
-- the operators work where a query names them
SET search_path = sec_evil, public;
SELECT ('x'::text || 1::bigint) IS NOT NULL AS evil_works \g /dev/null
SELECT count(*) AS evil_plain FROM sec_evil.calls \gset
TRUNCATE sec_evil.calls;
SELECT rfm.create_tiers('sec_t.evil_tiers', 'sec_t.evil_orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, watermark_column => 'order_id') \g /dev/null
CALL rfm.refresh_tiers('sec_t.evil_tiers');
SELECT count(*) AS evil_n FROM rfm.customer_scores('sec_t.evil_orders', 'customer', 'ordered_on', 'amount', 2, '2024-03-31') \gset
SELECT rfm.alter_tiers('sec_t.evil_tiers', '{"bins": 3}') \g /dev/null
SELECT rfm.drop_tiers('sec_t.evil_tiers') \g /dev/null
RESET search_path;
SELECT is(:evil_plain::int, 1, 'the schema''s || (text, bigint) captures a plain query''s ||');
SELECT is(:evil_n::int, 2, 'with that schema first in search_path: create, refresh, scores, alter and drop work');
SELECT is((SELECT count(*) FROM sec_evil.calls), 0::bigint, '... and none of them ran its operators');
DROP SCHEMA sec_evil CASCADE;

-- A search_path that names a schema before pg_catalog ("x, pg_catalog")
-- lets x's operators with exactly pg_catalog's argument types capture
-- every unqualified operator.  rfm's own statements still use
-- pg_catalog's: the procedures and rfm.create_tiers set search_path for
-- themselves, and the C functions that run SQL (the grouped tier query,
-- the customer states' query, the segment rules) set it for their call.
-- Until 2026-12-06 a refresh ran thousands of such operators (<= on dates
-- per order, = on text), create_tiers a few.  Every binary operator of
-- pg_catalog over these types gets a twin that records its calls.
CREATE SCHEMA sec_evil2;
CREATE TABLE sec_evil2.calls (op text);
-- (and a sequence, which a rolled-back call, as in a failed refresh, still advances)
CREATE SEQUENCE sec_evil2.n;
DO $d$
DECLARE r record; n int := 0;
BEGIN
  FOR r IN SELECT o.oprname, o.oprleft::regtype AS l, o.oprright::regtype AS rt, o.oprcode::regproc AS code,
                  o.oprresult::regtype AS res
             FROM pg_operator o
            WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprleft <> 0 AND o.oprright <> 0
              AND o.oprleft::regtype::text = ANY (ARRAY['bigint', 'integer', 'smallint', 'text', 'name', 'date', 'numeric',
                  'timestamp with time zone', 'timestamp without time zone', 'oid', 'boolean', 'double precision'])
              AND o.oprright::regtype::text = ANY (ARRAY['bigint', 'integer', 'smallint', 'text', 'name', 'date', 'numeric',
                  'timestamp with time zone', 'timestamp without time zone', 'oid', 'boolean', 'double precision'])
  LOOP
    n := n + 1;
    EXECUTE format('CREATE FUNCTION sec_evil2.f%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS $f$BEGIN INSERT INTO sec_evil2.calls VALUES (%L); PERFORM pg_catalog.nextval(''sec_evil2.n''); RETURN %s($1, $2); END$f$',
                   n, r.l, r.rt, r.res, r.oprname || '(' || r.l || ', ' || r.rt || ')', r.code);
    EXECUTE format('CREATE OPERATOR sec_evil2.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = sec_evil2.f%s)', r.oprname, r.l, r.rt, n);
  END LOOP;
END $d$;
CREATE TABLE sec_t.evil2_orders (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, at timestamptz, amount numeric);
INSERT INTO sec_t.evil2_orders (customer, ordered_on, at, amount)
SELECT g % 30, date '2024-01-01' + g % 90, timestamptz '2024-01-01 00:00+00' + g * interval '1 hour', g % 17 + 1
  FROM generate_series(1, 600) g;
SET search_path = sec_evil2, pg_catalog, public;
SELECT (1::bigint = 1::bigint) AS captured \g /dev/null
SELECT count(*) AS evil2_plain FROM sec_evil2.calls \gset
TRUNCATE sec_evil2.calls;
SELECT last_value AS evil2_seq_before FROM sec_evil2.n \gset
SELECT rfm.create_tiers('sec_t.e2_full', 'sec_t.evil2_orders', 'customer', 'at', 'amount', bins => 3) \g /dev/null
SELECT rfm.create_tiers('sec_t.e2_inc', 'sec_t.evil2_orders', 'customer', 'ordered_on', 'amount', watermark_column => 'order_id') \g /dev/null
SELECT rfm.create_tiers('sec_t.e2_clv', 'sec_t.evil2_orders', 'customer', 'ordered_on', 'amount', clv => true) \g /dev/null
INSERT INTO sec_t.evil2_orders (customer, ordered_on, at, amount) VALUES (1, '2024-04-01', '2024-04-01 10:00+00', 9);
CALL rfm.refresh_tiers('sec_t.e2_full');
CALL rfm.refresh_tiers('sec_t.e2_inc');
CALL rfm.refresh_tiers('sec_t.e2_clv');
-- a failed refresh too: its error is put together after its last commit
ALTER TABLE sec_t.evil2_orders RENAME COLUMN amount TO paid;
\set failing_tier sec_t.e2_full
\ir include/refresh_expecting_error.psql
ALTER TABLE sec_t.evil2_orders RENAME COLUMN paid TO amount;
REFRESH MATERIALIZED VIEW sec_t.e2_full;
SELECT count(*) FROM rfm.customer_scores('sec_t.evil2_orders', 'customer', 'ordered_on', 'amount') \g /dev/null
SET rfm.direct_scan = off;
SELECT count(*) FROM rfm.customer_scores('sec_t.evil2_orders', 'customer', 'at', 'amount') \g /dev/null
RESET rfm.direct_scan;
RESET search_path;   -- (this query's own = would be captured)
SELECT state_name AS e2_state FROM rfm.tier_tables WHERE tier = 'sec_t.e2_inc'::regclass \gset
SET search_path = sec_evil2, pg_catalog, public;
SELECT count(*) FROM rfm.customer_state_scores(:'e2_state') \g /dev/null
SELECT rfm.alter_tiers('sec_t.e2_full', '{"bins": 4}') \g /dev/null
SELECT current_setting('search_path') AS path_after \gset
SELECT rfm.drop_tiers('sec_t.e2_full'), rfm.drop_tiers('sec_t.e2_inc', false), rfm.drop_tiers('sec_t.e2_clv') \g /dev/null
SELECT rfm.drop_tiers('sec_t.e2_gone', true) \g /dev/null
RESET search_path;
SELECT is(:evil2_plain::int, 1, 'with sec_evil2 before pg_catalog its = (bigint, bigint) captures a plain query''s =');
SELECT is((SELECT string_agg(op || ' x' || n, ', ' ORDER BY op) FROM (SELECT op, count(*) AS n FROM sec_evil2.calls GROUP BY op) c),
          NULL, 'create_tiers (full, incremental, clv), refresh_tiers (and a failed one), REFRESH, customer_scores (both ways), customer_state_scores, alter_tiers and drop_tiers (both forms) ran none of its operators');
SELECT is(:'path_after'::text, 'sec_evil2, pg_catalog, public', '... and the caller''s search_path is as it was');
SELECT is((SELECT last_value FROM sec_evil2.n), :evil2_seq_before::bigint,
  '... not even in work rolled back (the failed refresh''s error, put together after its last commit)');
DROP SCHEMA sec_evil2 CASCADE;

-- Which bodies run with the caller's search_path: only the documented ones
-- (src/sql/95_search_path.sql, README "search_path"); a function with
-- settings of its own (rfm._customer_state_fold) used to lack it.
SELECT is(ARRAY(SELECT p.proname::text COLLATE "C"
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
                 WHERE p.pronamespace = 'rfm'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
                   AND NOT COALESCE(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']
                 ORDER BY 1),
  ARRAY['_scheduled_refresh', 'average_order_value', 'bgnbd_expected_purchases', 'bgnbd_p_alive', 'clv',
        'create_tiers', 'drop_tiers', 'gamma_gamma_expected_spend', 'high_low', 'lifecycle', 'recency_days',
        'recommended_action', 'refresh_tiers', 'tenure_days', 'tier'],
  'every SQL and PL/pgSQL function runs with search_path = pg_catalog, pg_temp but the documented ones');

-- Function bodies do not depend on search_path (pg_dump uses an empty one).
-- (pgTAP itself needs a search_path, so the calls run first, the checks after.)
SET search_path = '';
CREATE TABLE sec_t.empty_path (c text, d date, a numeric);
INSERT INTO sec_t.empty_path VALUES ('x', '2024-03-01', 1), ('y', '2024-03-02', 2);
SELECT rfm.create_tiers('sec_t.ep', 'sec_t.empty_path', 'c', 'd', 'a', bins => 2, as_of => '2024-03-31', clv => true) \g /dev/null
CALL rfm.refresh_tiers('sec_t.ep');
RESET search_path;
SELECT results_eq($$SELECT action, outcome, row_count FROM rfm.refresh_log WHERE tier = 'sec_t.ep'::regclass ORDER BY id$$,
  $$VALUES ('create', 'succeeded', 2::bigint), ('refresh', 'succeeded', 2::bigint)$$,
  'create_tiers and refresh_tiers (with CLV columns) work with an empty search_path');

SELECT * FROM finish();
SELECT rfm.drop_tiers('sec_t.ep') \g /dev/null
SELECT rfm.drop_tiers(format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Fast "Y"; DROP TABLE sec_victim')) \g /dev/null
SELECT rfm.drop_tiers(format('%I.%I', 'Odd "Schema"; DROP TABLE sec_victim; --', 'Incr "Z"; DROP TABLE sec_victim')) \g /dev/null
DROP SCHEMA sec_t CASCADE;
DROP SCHEMA "Odd ""Schema""; DROP TABLE sec_victim; --" CASCADE;
DROP TABLE public.sec_victim;
DROP ROLE rfm_t_owner;
DROP ROLE rfm_t_outsider;
