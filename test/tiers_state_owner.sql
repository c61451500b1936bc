-- pgTAP: an incremental tier table whose owner role was renamed.  Its
-- customer state is kept by the role's name (as pg_cron keeps jobs), so
-- the renamed role no longer sees it: the refresh says whose it is and how
-- a superuser hands it over (it said "no customer state named 'rfm tier
-- N'", hinting to create one, which rfm's reserved names refuse), and
-- rfm.drop_tiers says what it leaves (it left the state without a word).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
\set leftover_schema so_t
\ir include/drop_leftover_tiers.psql
DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_so2') THEN ALTER ROLE rfm_t_so2 RENAME TO rfm_t_so; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_so') THEN CREATE ROLE rfm_t_so; END IF;
END $$;
SELECT rfm.customer_state_drop(t.state_name) FROM rfm.tier_tables t WHERE t.tier::text LIKE 'so\_t.%' \g /dev/null
CREATE SCHEMA so_t AUTHORIZATION rfm_t_so;
-- what an incremental tier table's owner needs (README, "Incremental refresh")
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_t_so;
SELECT plan(7);

SET ROLE rfm_t_so;
CREATE TABLE so_t.orders (id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO so_t.orders (customer, ordered_on, amount) VALUES (1, current_date - 3, 10), (2, current_date - 40, 20);
SELECT rfm.create_tiers('so_t.t', 'so_t.orders', 'customer', 'ordered_on', 'amount', watermark_column => 'id') \g /dev/null
SELECT id AS tier_id, state_name FROM rfm.tier_tables WHERE tier = 'so_t.t'::regclass \gset
RESET ROLE;
ALTER ROLE rfm_t_so RENAME TO rfm_t_so2;

SET ROLE rfm_t_so2;
INSERT INTO so_t.orders (customer, ordered_on, amount) VALUES (3, current_date - 1, 5);
\set failing_tier so_t.t
\ir include/refresh_expecting_error.psql
RESET ROLE;
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42704', 'after ALTER ROLE ... RENAME, the renamed owner''s refresh: 42704');
SELECT is(:'LAST_ERROR_MESSAGE'::text,
  format('rfm.refresh_tiers: refresh of so_t.t failed: no customer state named %L that you may use: it is the state of an incremental tier table (rfm.tier_tables id %s), and belongs to another role',
         :'state_name', :'tier_id'),
  '... saying whose state it is, not to create one');
-- the way out the hint gives, as a superuser
UPDATE rfm.customer_state_sources SET owner = 'rfm_t_so2' WHERE state_name = :'state_name';
SET ROLE rfm_t_so2;
CALL rfm.refresh_tiers('so_t.t');
RESET ROLE;
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier_id = :tier_id ORDER BY id DESC LIMIT 1), 'succeeded',
  'once a superuser gave the state the new name, the refresh works');
SELECT is((SELECT count(*)::int FROM so_t.t), 3, '... with the new order''s customer');

-- renamed again, and dropped without the hand-over: a NOTICE, the state left
ALTER ROLE rfm_t_so2 RENAME TO rfm_t_so;
SET ROLE rfm_t_so;
SET client_min_messages = notice;
SELECT lives_ok($$SELECT rfm.drop_tiers('so_t.t')$$, 'drop_tiers of the renamed owner''s table goes through');
SET client_min_messages = warning;
RESET ROLE;
SELECT is((SELECT count(*)::int FROM rfm.customer_state_sources WHERE state_name = :'state_name'), 1,
  '... leaving the state it cannot see (for a superuser to drop)');
SELECT lives_ok(format('SELECT rfm.customer_state_drop(%L)', :'state_name'), '... which a superuser drops');

SELECT * FROM finish();
DROP SCHEMA so_t CASCADE;
REVOKE ALL ON rfm.customer_state_sources, rfm.customer_states FROM rfm_t_so;
DROP ROLE rfm_t_so;
