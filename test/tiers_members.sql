-- pgTAP: a tier table's members (history table, views, names around it)
-- changed by hand, and the clear errors that follow instead of
-- PostgreSQL's own from deep inside (a dropped history table's oid printed
-- as a bare number: 42601 syntax error; a type under a name rfm makes:
-- 42710 after the build; a long name cut back by PostgreSQL).
-- Not in a transaction (rfm.refresh_tiers commits); cleaned up at the end.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
\set leftover_schema mem_t
\ir include/drop_leftover_tiers.psql
\set leftover_schema mem_t2
\ir include/drop_leftover_tiers.psql
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_mem_new_owner') THEN CREATE ROLE rfm_t_mem_new_owner; END IF;
END $$;
SELECT plan(39);

CREATE SCHEMA mem_t;
CREATE TABLE mem_t.orders (order_id bigint, customer_id bigint, ordered_at date, amount numeric);
-- 20 customers, 10 orders of 10 each
INSERT INTO mem_t.orders SELECT g, g % 20, '2024-03-31'::date - g % 90, 10 FROM generate_series(1, 200) g;
SELECT rfm.create_tiers('mem_t.t', 'mem_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null
CREATE FUNCTION pg_temp.catalog_row() RETURNS text LANGUAGE sql AS
  $$SELECT concat_ws(' ', bins, scheme, keep_history, clv, history_table IS NOT NULL) FROM rfm.tier_tables WHERE tier = 'mem_t.t'::regclass$$;

-- The history table dropped by hand.
DROP TABLE mem_t.t_history;
\set failing_tier mem_t.t
\ir include/refresh_expecting_error.psql
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42P01', 'a refresh after the history table was dropped: 42P01 (was 42601 on its oid)');
SELECT is((SELECT outcome || ' ' || sqlstate || ' ' || message FROM rfm.refresh_log WHERE tier = 'mem_t.t'::regclass ORDER BY id DESC LIMIT 1),
  'failed 42P01 rfm: the history table of mem_t.t was dropped', '... logged with the message');
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.t', '{"bins": 3}')$$, '42P01',
  'rfm.alter_tiers: the history table of mem_t.t was dropped', 'alter: the same');
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.t', '{"clv": true}')$$, '42P01',
  'rfm.alter_tiers: the history table of mem_t.t was dropped', '... also turning clv on (which adds history columns)');
SELECT throws_ok($$SELECT * FROM rfm.transitions('mem_t.t', '2024-03-31', '2024-03-31')$$, '42P01',
  'rfm.transitions: the history table of mem_t.t was dropped', 'transitions: the same');
SELECT is(pg_temp.catalog_row(), '5 standard t f t', '... nothing changed');
SELECT lives_ok($$SELECT rfm.alter_tiers('mem_t.t', '{"keep_history": false}')$$, 'turning keep_history off goes on');
SELECT is(pg_temp.catalog_row(), '5 standard f f f', '... and the catalog forgets the history table');
SELECT lives_ok($$SELECT rfm.alter_tiers('mem_t.t', '{"keep_history": true}')$$, 'turning it on again');
SELECT is((SELECT count(*)::int FROM mem_t.t_history), 20, '... makes a new history table with a snapshot of the 20 customers');

-- A type under the _history name (a domain: the history table's row type
-- would take the name): 42P07 before anything is built.
CREATE DOMAIN mem_t.u_history AS integer;
SELECT throws_ok($$SELECT rfm.create_tiers('mem_t.u', 'mem_t.orders', 'customer_id', 'ordered_at', 'amount')$$, '42P07',
  'rfm.create_tiers: mem_t.u_history already exists (a type)', 'create_tiers: a domain under the history name');
SELECT ok(to_regclass('mem_t.u') IS NULL, '... nothing made');
SELECT rfm.alter_tiers('mem_t.t', '{"keep_history": false}') \g /dev/null
DROP TABLE mem_t.t_history;
CREATE DOMAIN mem_t.t_history AS integer;
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.t', '{"keep_history": true}')$$, '42P07',
  'rfm.alter_tiers: mem_t.t_history already exists (a type)', 'alter_tiers: the same');
DROP DOMAIN mem_t.t_history;
-- an enum under alter_tiers' scratch name
SELECT 'rfm_alter_' || id AS scratch FROM rfm.tier_tables WHERE tier = 'mem_t.t'::regclass \gset
CREATE TYPE mem_t.:scratch AS ENUM ('x');
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.t', '{"bins": 3}')$$, '42P07', NULL,
  'a type under alter_tiers'' scratch name: 42P07 (was 42710 after the build)');
DROP TYPE mem_t.:scratch;

-- A tier table renamed to 63 bytes: its history name would be cut back
-- to the tier table's own ("already exists"); 42622 instead.
ALTER MATERIALIZED VIEW mem_t.t RENAME TO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '{"keep_history": true}')$$,
  '42622', 'rfm.alter_tiers: the history table name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_history is too long',
  'a long tier table name and keep_history: 42622');

-- Handed over without its views: the hint names the way out.
\ir include/hint_of.psql
GRANT USAGE ON SCHEMA mem_t TO rfm_t_mem_new_owner;
GRANT SELECT ON mem_t.orders TO rfm_t_mem_new_owner;
SELECT rfm.create_tiers('mem_t.h', 'mem_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null
ALTER MATERIALIZED VIEW mem_t.h OWNER TO rfm_t_mem_new_owner;
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.h', '{"bins": 3}')$$,
  '42501', 'rfm: the catalog row of mem_t.h names a view or history table that is not the tier table''s own',
  'the tier table handed over without its history table: 42501');
SELECT is(pg_temp.hint_of($$SELECT rfm.alter_tiers('mem_t.h', '{"bins": 3}')$$),
  'After ALTER ... OWNER TO of the tier table, hand over its views and history table too (ALTER VIEW / ALTER TABLE ... OWNER TO); if rfm.tier_tables was edited by hand, put back the names rfm.create_tiers wrote.',
  '... whose hint says to hand over the views and history table too (nobody edited the catalog)');

-- Your objects on what rfm would drop: drop_tiers stops with 2BP01 naming
-- them (was PostgreSQL's bare message), nothing dropped; drop_orphan_tiers
-- keeps that orphan with a WARNING and removes the others (one blocked
-- orphan stopped every cleanup).
SELECT rfm.create_tiers('mem_t.d', 'mem_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null
CREATE VIEW mem_t.mine AS SELECT * FROM mem_t.d_grid;
SELECT throws_ok($$SELECT rfm.drop_tiers('mem_t.d')$$, '2BP01', 'rfm: cannot drop mem_t.d_grid: other objects depend on it',
  'drop_tiers with a view of yours on its grid view: 2BP01 naming it');
SELECT ok(to_regclass('mem_t.d') IS NOT NULL AND to_regclass('mem_t.d_segments') IS NOT NULL
          AND to_regclass('mem_t.d_history') IS NOT NULL AND to_regclass('mem_t.mine') IS NOT NULL
          AND EXISTS (SELECT FROM rfm.tier_tables WHERE tier = 'mem_t.d'::regclass), '... nothing dropped');
DROP VIEW mem_t.mine;
SELECT lives_ok($$SELECT rfm.drop_tiers('mem_t.d')$$, '... and without it drop_tiers goes through');
CREATE TABLE mem_t.src1 AS TABLE mem_t.orders;
CREATE TABLE mem_t.src2 AS TABLE mem_t.orders;
SELECT rfm.create_tiers('mem_t.o1', 'mem_t.src1', 'customer_id', 'ordered_at', 'amount') \g /dev/null
SELECT rfm.create_tiers('mem_t.o2', 'mem_t.src2', 'customer_id', 'ordered_at', 'amount') \g /dev/null
SELECT id AS o1_id FROM rfm.tier_tables WHERE tier = 'mem_t.o1'::regclass \gset
CREATE VIEW mem_t.keep_o1 AS SELECT * FROM mem_t.o1_history;
DROP TABLE mem_t.src1, mem_t.src2 CASCADE;
SELECT is(rfm.drop_orphan_tiers(), 1, 'drop_orphan_tiers removes the orphan nothing depends on');
SELECT is((SELECT array_agg(id)::text FROM rfm.tier_tables WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = tier)),
  format('{%s}', :o1_id), '... and keeps the one your view depends on, its history table too')
 WHERE to_regclass('mem_t.o1_history') IS NOT NULL AND to_regclass('mem_t.o2_history') IS NULL;
DROP VIEW mem_t.keep_o1;
SELECT is(rfm.drop_orphan_tiers(), 1, '... which goes once the view is dropped');

-- Columns renamed by hand: rfm.alter_tiers would make them again under
-- rfm's names and their grants and comments would be lost; a refresh's
-- history snapshot names rfm's columns.  42703 naming the column, nothing
-- changed; renamed back, both work.
SELECT rfm.create_tiers('mem_t.r', 'mem_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null
ALTER MATERIALIZED VIEW mem_t.r RENAME COLUMN segment TO customer_segment;
GRANT SELECT (customer_segment) ON mem_t.r TO rfm_t_mem_new_owner;
COMMENT ON COLUMN mem_t.r.customer_segment IS 'shown in BI';
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.r', '{"bins": 4}')$$, '42703',
  'rfm.alter_tiers: column segment of mem_t.r was renamed to customer_segment', 'alter with a renamed tier table column: 42703');
SELECT is((SELECT bins || ' ' || col_description('mem_t.r'::regclass, 11) || ' ' || has_column_privilege('rfm_t_mem_new_owner', 'mem_t.r', 'customer_segment', 'SELECT')
             FROM rfm.tier_tables WHERE tier = 'mem_t.r'::regclass),
  '5 shown in BI true', '... nothing changed: bins, the comment and the grant');
\set failing_tier mem_t.r
\ir include/refresh_expecting_error.psql
SELECT is((SELECT outcome || ' ' || sqlstate || ' ' || message FROM rfm.refresh_log WHERE tier = 'mem_t.r'::regclass ORDER BY id DESC LIMIT 1),
  'failed 42703 rfm: column segment of mem_t.r was renamed to customer_segment', 'a refresh writing history: the same');
ALTER MATERIALIZED VIEW mem_t.r RENAME COLUMN customer_segment TO segment;
ALTER VIEW mem_t.r_segments RENAME COLUMN revenue TO revenue_usd;
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.r', '{"bins": 4}')$$, '42703',
  'rfm.alter_tiers: column revenue of mem_t.r_segments was renamed to revenue_usd', '... and a renamed column of its segments view');
ALTER VIEW mem_t.r_segments RENAME COLUMN revenue_usd TO revenue;
SELECT lives_ok($$SELECT rfm.alter_tiers('mem_t.r', '{"bins": 4, "clv": true}')$$, 'renamed back: alter goes through (clv on too)');
SELECT is((SELECT col_description('mem_t.r'::regclass, 11) || ' ' || has_column_privilege('rfm_t_mem_new_owner', 'mem_t.r', 'segment', 'SELECT')),
  'shown in BI true', '... keeping the column''s comment and grant');
SELECT lives_ok($$SELECT rfm.alter_tiers('mem_t.r', '{"clv": false}')$$, '... and clv off again');
SELECT rfm.drop_tiers('mem_t.r') \g /dev/null

-- Views moved to another schema (or the tier table moved away from
-- them) stay where they are through rfm.alter_tiers (it made them again in
-- the tier table's schema), with their privileges.
CREATE SCHEMA mem_t2;
SELECT rfm.create_tiers('mem_t.m', 'mem_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null
ALTER VIEW mem_t.m_segments SET SCHEMA mem_t2;
GRANT SELECT ON mem_t2.m_segments TO rfm_t_mem_new_owner;
SELECT lives_ok($$SELECT rfm.alter_tiers('mem_t.m', '{"bins": 3}')$$, 'alter with the segments view in another schema');
SELECT is(concat_ws(' ', to_regclass('mem_t2.m_segments'), to_regclass('mem_t.m_segments'), to_regclass('mem_t.m_grid'),
                    has_table_privilege('rfm_t_mem_new_owner', 'mem_t2.m_segments', 'SELECT')),
  'mem_t2.m_segments mem_t.m_grid t', '... it stays there, with its grant; the grid view stays with the tier table');
ALTER MATERIALIZED VIEW mem_t.m SET SCHEMA mem_t2;
SELECT lives_ok($$SELECT rfm.alter_tiers('mem_t2.m', '{"bins": 4}')$$, 'alter after the tier table moved away from its grid view');
SELECT is((SELECT concat_ws(' ', tier, segments_view, grid_view, bins) FROM rfm.tier_tables WHERE tier = 'mem_t2.m'::regclass),
  'mem_t2.m mem_t2.m_segments mem_t.m_grid 4', '... each view stays where it was');
SELECT rfm.drop_tiers('mem_t2.m') \g /dev/null
DROP SCHEMA mem_t2;

-- The owner without CREATE on the schema any more: 42501 saying so (was
-- CREATE's "permission denied for schema" with the whole statement).
GRANT USAGE, CREATE ON SCHEMA mem_t TO rfm_t_mem_new_owner;
SELECT rfm.create_tiers('mem_t.c', 'mem_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31', keep_history => false) \g /dev/null
ALTER MATERIALIZED VIEW mem_t.c OWNER TO rfm_t_mem_new_owner;
ALTER VIEW mem_t.c_segments OWNER TO rfm_t_mem_new_owner;
ALTER VIEW mem_t.c_grid OWNER TO rfm_t_mem_new_owner;
REVOKE CREATE ON SCHEMA mem_t FROM rfm_t_mem_new_owner;
SET ROLE rfm_t_mem_new_owner;
SELECT throws_ok($$SELECT rfm.alter_tiers('mem_t.c', '{"bins": 3}')$$, '42501',
  'rfm.alter_tiers: the owner of mem_t.c (rfm_t_mem_new_owner) needs CREATE on schema mem_t',
  'alter by an owner without CREATE on the schema: 42501 saying so');
RESET ROLE;
SELECT is((SELECT bins FROM rfm.tier_tables WHERE tier = 'mem_t.c'::regclass), 5, '... nothing changed');
ALTER MATERIALIZED VIEW mem_t.c OWNER TO CURRENT_USER;
ALTER VIEW mem_t.c_segments OWNER TO CURRENT_USER;
ALTER VIEW mem_t.c_grid OWNER TO CURRENT_USER;
SELECT rfm.drop_tiers('mem_t.c') \g /dev/null

-- An incremental tier table refreshed from a zone behind the state's
-- (a scheduled job in another zone): its refresh day is today in the
-- state's zone, where the orders fall (CURRENT_DATE made the refresh fail,
-- 22023, on an order placed a minute ago).
CREATE TABLE mem_t.zone_orders (id bigserial PRIMARY KEY, customer_id bigint, ordered_at timestamptz, amount numeric);
INSERT INTO mem_t.zone_orders (customer_id, ordered_at, amount) VALUES (1, now() - interval '10 days', 10);
SET TimeZone = 'Pacific/Kiritimati';
SELECT rfm.create_tiers('mem_t.z', 'mem_t.zone_orders', 'customer_id', 'ordered_at', 'amount', watermark_column => 'id') \g /dev/null
INSERT INTO mem_t.zone_orders (customer_id, ordered_at, amount) VALUES (3, now() - interval '1 minute', 5);
SET TimeZone = 'Pacific/Pago_Pago';
CALL rfm.refresh_tiers('mem_t.z');
SELECT is((SELECT string_agg(customer_id || ':' || recency_days || ':' || (as_of = timezone('Pacific/Kiritimati', now())::date), ' ' ORDER BY customer_id) FROM mem_t.z),
  '1:10:true 3:0:true', 'a refresh from 25 hours behind: the state''s today, recency 0 for the new order');
SELECT is((SELECT as_of = timezone('Pacific/Kiritimati', now())::date FROM rfm.refresh_log WHERE tier = 'mem_t.z'::regclass ORDER BY id DESC LIMIT 1),
  true, '... logged for that day');
SELECT is((SELECT count(*)::int FROM mem_t.z_history WHERE as_of = timezone('Pacific/Kiritimati', now())::date), 2,
  '... and its history snapshot too');
RESET TimeZone;
SELECT rfm.drop_tiers('mem_t.z') \g /dev/null

SELECT * FROM finish();
ALTER MATERIALIZED VIEW mem_t.h OWNER TO CURRENT_USER;
SELECT rfm.drop_tiers('mem_t.h') \g /dev/null
SELECT rfm.drop_tiers('mem_t.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') \g /dev/null
DROP SCHEMA mem_t CASCADE;
DROP OWNED BY rfm_t_mem_new_owner;
DROP ROLE rfm_t_mem_new_owner;
