-- pgTAP: rfm.refresh_log rows left 'running' by a refresh whose session
-- ended (killed, server restart) or was interrupted while it wrote its
-- outcome (a second cancel) become 'abandoned' at the next refresh of the
-- same tier table; a row whose session may still be running stays.
-- Sessions are simulated by the pid and start written in the rows:
-- 4194305 is above the largest pid_max Linux allows (2^22), so no session
-- has it; the checkpointer is a session that is alive for the whole test.
-- test/shell/tiers_abandoned_refresh.sh kills a real refresh.
-- Not in a transaction (rfm.refresh_tiers commits); cleaned up at the end.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
\set leftover_schema log_t
\ir include/drop_leftover_tiers.psql
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_log_owner') THEN CREATE ROLE rfm_t_log_owner; END IF;
END $$;
SELECT plan(17);

CREATE SCHEMA log_t;
CREATE TABLE log_t.orders (order_id bigint, customer_id bigint, ordered_at date, amount numeric);
INSERT INTO log_t.orders SELECT g, g % 20, '2024-03-31'::date - g % 90, 10 FROM generate_series(1, 200) g;
SELECT rfm.create_tiers('log_t.a', 'log_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT rfm.create_tiers('log_t.b', 'log_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null

CREATE TEMP TABLE live AS
  SELECT pid, backend_start FROM pg_stat_activity WHERE backend_type = 'checkpointer';
CREATE TEMP TABLE me AS
  SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid();
SELECT is((SELECT count(*) FROM live WHERE backend_start IS NOT NULL), 1::bigint,
          'the checkpointer is visible with its start (the live session of this test)');

-- 'running' rows as refreshes of log_t.a (and one of log_t.b) leave them
CREATE FUNCTION pg_temp.running(tier regclass, pid integer, backend_start timestamptz, note text) RETURNS void
  LANGUAGE sql AS $$
  INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, outcome, message, pid, backend_start)
  SELECT t.id, t.tier, 'refresh', now() - interval '1 hour', 'running', note, pid, backend_start
    FROM rfm.tier_tables t WHERE t.tier = $1 $$;
SELECT pg_temp.running('log_t.a', 4194305, now() - interval '2 hours', 'killed');
SELECT pg_temp.running('log_t.a', (SELECT pid FROM me), (SELECT backend_start FROM me), 'this session, cancelled twice');
SELECT pg_temp.running('log_t.a', (SELECT pid FROM live), (SELECT backend_start FROM live), 'still running elsewhere');
SELECT pg_temp.running('log_t.a', (SELECT pid FROM live), (SELECT backend_start FROM live) - interval '1 day', 'pid reused');
SELECT pg_temp.running('log_t.a', (SELECT pid FROM live), NULL, 'start unknown');
SELECT pg_temp.running('log_t.a', NULL, NULL, 'written by hand');
SELECT pg_temp.running('log_t.b', 4194305, now() - interval '2 hours', 'other tier table');

CALL rfm.refresh_tiers('log_t.a');
CREATE TEMP TABLE runs AS
  SELECT l.id, l.message AS note, l.outcome, l.finished_at, l.sqlstate
    FROM rfm.refresh_log l WHERE l.outcome <> 'succeeded';
-- the refresh's own row: the session is read before the UPDATE overwrote messages
CREATE TEMP TABLE this_run AS
  SELECT l.* FROM rfm.refresh_log l
   WHERE l.tier = 'log_t.a'::regclass AND l.action = 'refresh' AND l.outcome = 'succeeded';

SELECT is((SELECT count(*) FROM this_run), 1::bigint, 'the refresh succeeded and logged one row');
SELECT is((SELECT (pid, backend_start)::text FROM this_run), (SELECT (pid, backend_start)::text FROM me),
          'its row names this session: pg_backend_pid() and its backend_start');
SELECT is((SELECT array_agg(outcome ORDER BY id) FROM rfm.refresh_log l
            WHERE l.tier = 'log_t.a'::regclass AND l.outcome IN ('running', 'abandoned')),
          ARRAY['abandoned', 'abandoned', 'running', 'abandoned', 'running', 'running'],
          'killed, cancelled twice in this session, pid reused: abandoned; alive, start unknown, no pid: running');
SELECT is((SELECT message FROM rfm.refresh_log WHERE pid = 4194305 AND tier = 'log_t.a'::regclass),
          format('its session (pid 4194305) ended or was interrupted before the refresh recorded an outcome; seen by the refresh of rfm.refresh_log id %s',
                 (SELECT id FROM this_run)),
          'the abandoned row says why and which refresh saw it');
SELECT is((SELECT count(*) FROM rfm.refresh_log WHERE outcome = 'abandoned' AND (finished_at IS NOT NULL OR sqlstate IS NOT NULL)),
          0::bigint, 'an abandoned row keeps finished_at and sqlstate NULL (nobody saw it end)');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'log_t.b'::regclass AND outcome <> 'succeeded'),
          'running', 'another tier table''s row waits for that table''s refresh');

CALL rfm.refresh_tiers('log_t.b');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'log_t.b'::regclass AND pid = 4194305),
          'abandoned', '... and is abandoned by it');
SELECT is((SELECT count(*) FROM rfm.refresh_log WHERE outcome = 'running'), 3::bigint,
          'a second refresh leaves the three rows that may still be running');

-- A failed refresh still abandons: the sweep is committed with its own
-- 'running' row, before the refresh (here it fails: the source is gone).
SELECT pg_temp.running('log_t.a', 4194305, now() - interval '2 hours', 'killed again');
ALTER TABLE log_t.orders RENAME amount TO amount_gone;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('log_t.a');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42703', 'a refresh of a source without its amount column fails');
ALTER TABLE log_t.orders RENAME amount_gone TO amount;
SELECT is((SELECT array_agg(outcome ORDER BY id) FROM rfm.refresh_log
            WHERE tier = 'log_t.a'::regclass AND id > (SELECT id FROM this_run)),
          ARRAY['abandoned', 'failed'], 'the failed refresh abandoned the killed row, then logged its own failure');

-- A role that owns a tier table but cannot see other sessions' starts:
-- the pid-reused row is not seen as such (start hidden), and stays.
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO rfm_t_log_owner', current_database()); END $$;
GRANT USAGE, CREATE ON SCHEMA log_t TO rfm_t_log_owner;
GRANT SELECT ON log_t.orders TO rfm_t_log_owner;
GRANT SELECT ON live TO rfm_t_log_owner;
SET ROLE rfm_t_log_owner;
SELECT rfm.create_tiers('log_t.c', 'log_t.orders', 'customer_id', 'ordered_at', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT pg_temp.running('log_t.c', (SELECT pid FROM live), (SELECT backend_start FROM live) - interval '1 day', 'pid reused, start hidden');
SELECT pg_temp.running('log_t.c', 4194305, now() - interval '2 hours', 'killed');
SELECT is((SELECT count(*) FROM pg_stat_get_activity((SELECT pid FROM live)) WHERE backend_start IS NULL), 1::bigint,
          'this role sees the live session''s pid but not its start');
CALL rfm.refresh_tiers('log_t.c');
SELECT is((SELECT array_agg(message || ': ' || outcome ORDER BY id) FROM rfm.refresh_log
            WHERE tier = 'log_t.c'::regclass AND action = 'refresh' AND pid <> pg_backend_pid()),
          ARRAY['pid reused, start hidden: running',
                format('its session (pid 4194305) ended or was interrupted before the refresh recorded an outcome; seen by the refresh of rfm.refresh_log id %s',
                       (SELECT max(id) FROM rfm.refresh_log WHERE tier = 'log_t.c'::regclass)) || ': abandoned'],
          'for the owner: the hidden start counts as alive, the gone pid is abandoned');
SELECT is((SELECT count(*) FROM rfm.refresh_log WHERE tier = 'log_t.a'::regclass), 0::bigint,
          'the owner of log_t.c does not see the rows of log_t.a');
RESET ROLE;
SELECT is((SELECT count(*) FROM rfm.refresh_log WHERE tier = 'log_t.a'::regclass AND outcome = 'running'), 3::bigint,
          'its refresh left the three running rows of log_t.a alone');

-- the outcome values the CHECK takes
SELECT throws_ok($$INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, outcome)
                   SELECT id, tier, 'refresh', now(), 'lost' FROM rfm.tier_tables WHERE tier = 'log_t.a'::regclass$$,
                 '23514', NULL, 'outcome is one of running, succeeded, failed, abandoned');
SELECT lives_ok($$INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, outcome)
                  SELECT id, tier, 'refresh', now(), 'abandoned' FROM rfm.tier_tables WHERE tier = 'log_t.a'::regclass$$,
                'abandoned is one of them');

SELECT * FROM finish();
SET client_min_messages = warning;
SELECT rfm.drop_tiers('log_t.c'::regclass) \g /dev/null
SELECT rfm.drop_tiers('log_t.b'::regclass) \g /dev/null
SELECT rfm.drop_tiers('log_t.a'::regclass) \g /dev/null
DROP SCHEMA log_t CASCADE;
DROP TABLE live;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM rfm_t_log_owner', current_database()); END $$;
DROP ROLE rfm_t_log_owner;
