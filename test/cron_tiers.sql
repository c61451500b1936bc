-- pgTAP: scheduled tier refreshes with the real pg_cron.  Runs in rfm_tap,
-- the cron.database_name of the test cluster.  Not in a transaction: the
-- scheduled command (a CALL that commits) is run at top level here too.
-- The "not installed" error is in sql/tiers.sql (a database without pg_cron).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
DROP SCHEMA IF EXISTS cron_t CASCADE;
CREATE SCHEMA cron_t;
CREATE TABLE cron_t.orders (customer integer, ordered_on date, amount numeric);
INSERT INTO cron_t.orders VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20), (3, '2024-03-10', 30);
SELECT rfm.create_tiers('cron_t."Nightly Tiers"', 'cron_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31') \g /dev/null
SELECT id AS tier_id FROM rfm.tier_tables WHERE tier = 'cron_t."Nightly Tiers"'::regclass \gset

SELECT plan(58);

SELECT rfm.schedule_refresh('cron_t."Nightly Tiers"', '0 3 * * *') AS job \gset
SELECT is((SELECT concat_ws(' | ', jobname, schedule, command, database, username) FROM cron.job WHERE jobid = :job),
  concat_ws(' | ', 'rfm_refresh_tiers_' || :tier_id, '0 3 * * *',
            format($c$CALL rfm._scheduled_refresh('cron_t."Nightly Tiers"', 'rfm_refresh_tiers_%s', '%s')$c$, :tier_id,
                   (SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                      FROM rfm.tier_tables WHERE id = :tier_id)),
            current_database(), current_user),
  'schedule_refresh makes one pg_cron job: its name, schedule, a CALL naming the table (quoted) and its catalog row''s creation, this database and role');
SELECT is(rfm.schedule_refresh('cron_t."Nightly Tiers"', '30 4 * * 1'), :job::bigint,
  'scheduling again keeps the job');
SELECT is((SELECT schedule FROM cron.job WHERE jobid = :job), '30 4 * * 1', '... and replaces its schedule');
SELECT is((SELECT count(*)::int FROM cron.job WHERE command LIKE '%Nightly Tiers%'), 1, 'still one job');
SELECT throws_ok($$SELECT rfm.schedule_refresh('cron_t."Nightly Tiers"', 'every day at 3')$$, '22023',
  'rfm.schedule_refresh: pg_cron does not accept the schedule ''every day at 3''',
  'pg_cron rejects a bad cron expression: 22023 naming rfm.schedule_refresh (pg_cron said "invalid schedule: ...")');
SELECT is((SELECT schedule FROM cron.job WHERE jobid = :job), '30 4 * * 1', '... and the job keeps its schedule');
CREATE FUNCTION pg_temp.detail_of(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE d text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END $f$;
SELECT is(pg_temp.detail_of($$SELECT rfm.schedule_refresh('cron_t."Nightly Tiers"', '61 * * * *')$$),
  'pg_cron: invalid schedule: 61 * * * *', '... with what pg_cron said as its DETAIL (minute 61)');
SELECT throws_ok($$SELECT rfm.schedule_refresh('cron_t.orders', '0 3 * * *')$$, '42704', NULL,
  'only tier tables can be scheduled');

-- rfm.alter_tiers makes the table again under the same name: the job
-- (named by catalog id, naming the table) still finds it.
SELECT rfm.alter_tiers('cron_t."Nightly Tiers"', '{"bins": 3}') \g /dev/null
SELECT is(rfm._cron_job_id(:tier_id), :job::bigint, 'after alter_tiers the tier table keeps its pg_cron job');
SELECT is((SELECT bins FROM rfm.tier_tables WHERE tier = 'cron_t."Nightly Tiers"'::regclass), 3,
  '... and the catalog row under the new table has the new bins');

-- The job's command, run the way pg_cron runs it (a top-level statement).
INSERT INTO cron_t.orders VALUES (4, '2024-03-20', 40);
SELECT command FROM cron.job WHERE jobid = :job \gexec
SELECT is((SELECT count(*)::int FROM cron_t."Nightly Tiers"), 4, 'the scheduled command refreshes the tier table');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier_id = :tier_id ORDER BY id DESC LIMIT 1), 'succeeded',
  '... and logs it');

-- A real run by the pg_cron scheduler (every minute; wait up to 90 s).
-- pg_cron's default libpq connection to localhost needs a password the
-- throwaway cluster does not give it; with cron.use_background_workers = on
-- jobs run inside the server.
SELECT current_setting('cron.use_background_workers') = 'on' AS cron_can_run \gset
INSERT INTO cron_t.orders VALUES (5, '2024-03-25', 50);
SELECT rfm.schedule_refresh('cron_t."Nightly Tiers"', '* * * * *') \g /dev/null
\if :cron_can_run
DO $$
BEGIN
  FOR i IN 1..90 LOOP
    EXIT WHEN EXISTS (SELECT FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                       WHERE j.command LIKE '%Nightly Tiers%' AND d.status IN ('succeeded', 'failed'));
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
SELECT is((SELECT d.status || coalesce(': ' || nullif(d.return_message, 'CALL'), '')
             FROM cron.job_run_details d JOIN cron.job j USING (jobid)
            WHERE j.command LIKE '%Nightly Tiers%' AND d.status IN ('succeeded', 'failed')
            ORDER BY d.start_time LIMIT 1),
          'succeeded', 'pg_cron ran the refresh on schedule');
SELECT is((SELECT count(*)::int FROM cron_t."Nightly Tiers"), 5, 'the scheduled run refreshed the table');
\else
SELECT skip('pg_cron cannot run jobs in this cluster (cron.use_background_workers is off)', 2);
\endif

SELECT ok(rfm.unschedule_refresh('cron_t."Nightly Tiers"'), 'unschedule_refresh removes the job');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :job), 0, 'the job is gone');
SELECT ok(NOT rfm.unschedule_refresh('cron_t."Nightly Tiers"'), 'unscheduling again: false');

SELECT rfm.schedule_refresh('cron_t."Nightly Tiers"', '0 3 * * *') AS job2 \gset
SELECT lives_ok($$SELECT rfm.drop_tiers('cron_t."Nightly Tiers"')$$, 'drop_tiers of a scheduled tier table');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :job2), 0, 'drop_tiers removes its schedule');
SELECT is((SELECT count(*)::int FROM cron.job WHERE command LIKE '%Nightly Tiers%'), 0, 'no job left behind');

-- The job finds its tier table by catalog id: renamed, or moved to another
-- schema, it keeps its schedule (the job's command still shows the old name).
SELECT rfm.create_tiers('cron_t.moved', 'cron_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31') \g /dev/null
SELECT rfm.schedule_refresh('cron_t.moved', '0 3 * * *') AS job4 \gset
SELECT id AS moved_id FROM rfm.tier_tables WHERE tier = 'cron_t.moved'::regclass \gset
CREATE SCHEMA cron_t2;
ALTER MATERIALIZED VIEW cron_t.moved RENAME TO "Moved On";
ALTER MATERIALIZED VIEW cron_t."Moved On" SET SCHEMA cron_t2;
SELECT command FROM cron.job WHERE jobid = :job4 \gexec
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :job4), 1, 'a renamed and moved tier table keeps its job');
SELECT is((SELECT string_agg(action, ',' ORDER BY id) FROM rfm.refresh_log WHERE tier_id = :moved_id), 'create,refresh',
  '... which refreshes it under its new name');
SELECT rfm.drop_tiers('cron_t2."Moved On"') \g /dev/null
DROP SCHEMA cron_t2;

-- A tier table gone by another way than this role's drop_tiers (another
-- role's drop_tiers cannot see this role's job; here: its source dropped
-- with CASCADE): its job removes itself when it next runs, instead of
-- failing every time.
CREATE TABLE cron_t.short_lived AS SELECT * FROM cron_t.orders;
SELECT rfm.create_tiers('cron_t.gone', 'cron_t.short_lived', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT rfm.schedule_refresh('cron_t.gone', '0 3 * * *') AS job3 \gset
SELECT id AS gone_id FROM rfm.tier_tables WHERE tier = 'cron_t.gone'::regclass \gset
DROP TABLE cron_t.short_lived CASCADE;
-- a new tier table under the old name is not the job's
SELECT rfm.create_tiers('cron_t.gone', 'cron_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT command FROM cron.job WHERE jobid = :job3 \gexec
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :job3), 0, 'the job of a tier table that is gone removes itself');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier = 'cron_t.gone'::regclass AND action = 'refresh'), 0,
  '... and refreshes nothing (not the new tier table under the old name either)');
SELECT rfm.drop_tiers('cron_t.gone') \g /dev/null
SELECT rfm.drop_orphan_tiers() \g /dev/null

-- A job is for the catalog row it was made for: ids start again at 1 when
-- rfm is dropped and installed again, and a job DROP EXTENSION ... CASCADE
-- left behind refreshed the new tier table that got its old id.  Here the
-- row of a scheduled table is made anew (same id, new created_at), as a
-- reinstall would: the job removes itself and refreshes nothing.
SELECT rfm.create_tiers('cron_t.reborn', 'cron_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT rfm.schedule_refresh('cron_t.reborn', '0 3 * * *') AS job5 \gset
SELECT id AS reborn_id FROM rfm.tier_tables WHERE tier = 'cron_t.reborn'::regclass \gset
UPDATE rfm.tier_tables SET created_at = created_at + interval '1 second' WHERE id = :reborn_id;
SELECT command FROM cron.job WHERE jobid = :job5 \gexec
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :job5), 0,
  'the job of a catalog row made anew under its id removes itself');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier_id = :reborn_id AND action = 'refresh'), 0,
  '... and refreshes nothing');
SELECT rfm.drop_tiers('cron_t.reborn') \g /dev/null

-- Roles: one without USAGE on schema cron sees none of its jobs, so
-- scheduling and unscheduling are refused clearly (unschedule said
-- "none"); an incremental tier table's refresh folds with the job role's
-- rights, so only its owner may schedule it (a superuser's job failed
-- with 42501 at every run).
DROP ROLE IF EXISTS rfm_cron_t_owner;
CREATE ROLE rfm_cron_t_owner LOGIN;  -- (pg_cron connects as the job's role)
CREATE TABLE cron_t.wm_orders (id serial, customer integer, ordered_on date, amount numeric);
INSERT INTO cron_t.wm_orders (customer, ordered_on, amount) VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20);
GRANT USAGE, CREATE ON SCHEMA cron_t TO rfm_cron_t_owner;
GRANT SELECT ON cron_t.wm_orders TO rfm_cron_t_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_cron_t_owner;
SET ROLE rfm_cron_t_owner;
SELECT rfm.create_tiers('cron_t.wm', 'cron_t.wm_orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, watermark_column => 'id') \g /dev/null
SELECT throws_ok($$SELECT rfm.schedule_refresh('cron_t.wm', '0 3 * * *')$$, '42501',
  'rfm.schedule_refresh: role rfm_cron_t_owner may not use pg_cron (no USAGE on schema cron)',
  'a role without USAGE on schema cron: schedule_refresh is 42501');
SELECT throws_ok($$SELECT rfm.unschedule_refresh('cron_t.wm')$$, '42501',
  'rfm.unschedule_refresh: role rfm_cron_t_owner may not use pg_cron (no USAGE on schema cron)',
  '... and so is unschedule_refresh (it said false)');
RESET ROLE;
SELECT throws_ok($$SELECT rfm.schedule_refresh('cron_t.wm', '0 3 * * *')$$, '42501',
  'rfm: only the owner of cron_t.wm may schedule its refresh',
  'an incremental tier table: only its owner schedules it, not even a superuser');
SELECT is((SELECT count(*)::int FROM cron.job WHERE command LIKE '%cron_t.wm%'), 0, '... and no job was made');
GRANT USAGE ON SCHEMA cron TO rfm_cron_t_owner;
SET ROLE rfm_cron_t_owner;
SELECT lives_ok($$SELECT rfm.schedule_refresh('cron_t.wm', '0 3 * * *')$$, 'with USAGE on schema cron its owner schedules it');
SELECT ok(rfm.unschedule_refresh('cron_t.wm'), '... and unschedules it');
-- A table its owner scheduled, scheduled again by a superuser: pg_cron
-- keeps each role's jobs apart, so that made a second job, the two met at
-- every run and one failed with 55P03 (until 2026-12-06).
RESET ROLE;
GRANT SELECT ON cron_t.orders TO rfm_cron_t_owner;
SET ROLE rfm_cron_t_owner;
SELECT rfm.create_tiers('cron_t.owned', 'cron_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT rfm.schedule_refresh('cron_t.owned', '0 3 * * *') AS job8 \gset
RESET ROLE;
SELECT throws_ok($$SELECT rfm.schedule_refresh('cron_t.owned', '0 4 * * *')$$, '42710',
  'rfm.schedule_refresh: cron_t.owned is already scheduled by role rfm_cron_t_owner (pg_cron job ' || :job8 || ')',
  'a superuser scheduling a tier table its owner scheduled: 42710 naming that job (it made a second one)');
SELECT is((SELECT string_agg(username || ' ' || schedule, ', ') FROM cron.job
            WHERE command LIKE '%cron_t.owned%'), 'rfm_cron_t_owner 0 3 * * *', '... and the owner''s job is the only one, unchanged');
-- A superuser with a job of its own besides the owner's (two, made before
-- the record was kept): its unschedule removes both (it removed its own
-- only until 2026-12-07, and the owner's went on running).
SELECT cron.schedule(rfm._cron_job_name(id), '0 4 * * *', 'SELECT 1') FROM rfm.tier_tables
 WHERE tier = 'cron_t.owned'::regclass \g /dev/null
SELECT ok(rfm.unschedule_refresh('cron_t.owned'),
  'a superuser''s unschedule_refresh, with a job of its own and the owner''s ...');
SELECT is((SELECT count(*)::int FROM cron.job j JOIN rfm.tier_tables t ON j.jobname = rfm._cron_job_name(t.id)
            WHERE t.tier = 'cron_t.owned'::regclass), 0, '... removes both');
-- A job of the same name for another database (cron.schedule_in_database,
-- as README's hint for other databases shows) is not the tier table's:
-- unschedule_refresh removed it until 2026-12-07.
-- (cron.schedule_in_database came with pg_cron 1.4)
SELECT EXISTS (SELECT FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'cron' AND p.proname = 'schedule_in_database') AS has_schedule_in_database \gset
\if :has_schedule_in_database
SELECT cron.schedule_in_database(rfm._cron_job_name(id), '0 4 * * *', 'SELECT 1', 'postgres') AS other_db_job
  FROM rfm.tier_tables WHERE tier = 'cron_t.owned'::regclass \gset
SELECT is(rfm.unschedule_refresh('cron_t.owned'), false,
  'a job of the same name for another database: unschedule_refresh finds none ...');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :other_db_job), 1, '... and leaves it');
SELECT cron.unschedule(:other_db_job) \g /dev/null
\else
SELECT skip('pg_cron ' || (SELECT extversion FROM pg_extension WHERE extname = 'pg_cron') || ' has no cron.schedule_in_database', 2);
\endif
-- ... and its drop_tiers does the same (it removed its own job only too)
SET ROLE rfm_cron_t_owner;
SELECT rfm.schedule_refresh('cron_t.owned', '0 3 * * *') \g /dev/null
RESET ROLE;
SELECT rfm._cron_job_name(id) AS owned_job_name FROM rfm.tier_tables WHERE tier = 'cron_t.owned'::regclass \gset
SELECT cron.schedule(:'owned_job_name', '0 4 * * *', 'SELECT 1') \g /dev/null
SELECT rfm.drop_tiers('cron_t.owned') \g /dev/null
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = :'owned_job_name'), 0,
  'a superuser''s drop_tiers, with a job of its own and the owner''s, removes both');
REVOKE SELECT ON cron_t.orders FROM rfm_cron_t_owner;
-- Two members of the group role that owns a tier table: pg_cron shows
-- each its own jobs only, so the second one's schedule made a second job
-- (until 2026-12-07); rfm.tier_tables.scheduled_by tells it.
DROP ROLE IF EXISTS rfm_cron_t_team, rfm_cron_t_ann, rfm_cron_t_bob;
CREATE ROLE rfm_cron_t_team NOLOGIN;
CREATE ROLE rfm_cron_t_ann LOGIN IN ROLE rfm_cron_t_team;
CREATE ROLE rfm_cron_t_bob LOGIN IN ROLE rfm_cron_t_team;
GRANT USAGE, CREATE ON SCHEMA cron_t TO rfm_cron_t_team;
GRANT SELECT ON cron_t.orders TO rfm_cron_t_team;
GRANT USAGE ON SCHEMA cron TO rfm_cron_t_ann, rfm_cron_t_bob;
SET ROLE rfm_cron_t_team;
SELECT rfm.create_tiers('cron_t.team', 'cron_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, as_of => '2024-03-31', keep_history => false) \g /dev/null
SET ROLE rfm_cron_t_ann;
SELECT rfm.schedule_refresh('cron_t.team', '0 3 * * *') AS job_ann \gset
SELECT is((SELECT scheduled_by::text FROM rfm.tier_tables WHERE tier = 'cron_t.team'::regclass), 'rfm_cron_t_ann',
  'the catalog row records the role whose job refreshes the table');
SELECT lives_ok($$SELECT rfm.schedule_refresh('cron_t.team', '0 5 * * *')$$, '... which may change its schedule');
SET ROLE rfm_cron_t_bob;
SELECT throws_ok($$SELECT rfm.schedule_refresh('cron_t.team', '0 4 * * *')$$, '42710',
  'rfm.schedule_refresh: cron_t.team is already scheduled by role rfm_cron_t_ann',
  'another member of the owner''s role, who cannot see that job: 42710 naming the role (it made a second job)');
SELECT is(rfm.unschedule_refresh('cron_t.team'), false, '... and its unschedule_refresh removes nothing (a NOTICE names the role)');
RESET ROLE;
SELECT is((SELECT string_agg(username || ' ' || schedule, ', ') FROM cron.job WHERE command LIKE '%cron_t.team%'),
  'rfm_cron_t_ann 0 5 * * *', '... one job, the first member''s, with its new schedule');
SET ROLE rfm_cron_t_ann;
SELECT ok(rfm.unschedule_refresh('cron_t.team'), 'the member who scheduled it unschedules it');
SELECT is((SELECT scheduled_by FROM rfm.tier_tables WHERE tier = 'cron_t.team'::regclass), NULL,
  '... and the record goes with the job');
SET ROLE rfm_cron_t_bob;
SELECT lives_ok($$SELECT rfm.schedule_refresh('cron_t.team', '0 4 * * *')$$, '... after which the other member may schedule it');
-- A job removed by hand (cron.unschedule) leaves the record: its role's
-- rfm.unschedule_refresh clears it.
SELECT cron.unschedule(jobid) FROM cron.job WHERE command LIKE '%cron_t.team%' \g /dev/null
SELECT is(rfm.unschedule_refresh('cron_t.team'), false, 'a job removed by hand: unschedule_refresh finds none ...');
SET ROLE rfm_cron_t_ann;
SELECT lives_ok($$SELECT rfm.schedule_refresh('cron_t.team', '0 3 * * *')$$, '... and clears the record, so another member may schedule');
-- Handed over to a role whose rights the recorded role lacks: that role's
-- job removes itself at its next run, so the record holds nothing.
RESET ROLE;
ALTER MATERIALIZED VIEW cron_t.team OWNER TO rfm_cron_t_bob;
ALTER VIEW cron_t.team_segments OWNER TO rfm_cron_t_bob;
ALTER VIEW cron_t.team_grid OWNER TO rfm_cron_t_bob;
SET ROLE rfm_cron_t_bob;
SELECT lives_ok($$SELECT rfm.schedule_refresh('cron_t.team', '0 4 * * *')$$,
  'handed over to a role the recorded one is not a member of: the new owner schedules it');
SET ROLE rfm_cron_t_ann;
SELECT command FROM cron.job WHERE command LIKE '%cron_t.team%' \gexec
RESET ROLE;
SELECT is((SELECT string_agg(username || ' ' || schedule, ', ') FROM cron.job WHERE command LIKE '%cron_t.team%'),
  'rfm_cron_t_bob 0 4 * * *', '... and once the old job ran and removed itself, the new owner''s is the only one');
SET ROLE rfm_cron_t_bob;
SELECT rfm.drop_tiers('cron_t.team') \g /dev/null
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE command LIKE '%cron_t.team%'), 0, 'drop_tiers by the role that scheduled it removes the job');
REVOKE ALL ON SCHEMA cron_t FROM rfm_cron_t_team;
REVOKE ALL ON cron_t.orders FROM rfm_cron_t_team;
REVOKE ALL ON SCHEMA cron FROM rfm_cron_t_ann, rfm_cron_t_bob;
DROP ROLE rfm_cron_t_ann, rfm_cron_t_bob, rfm_cron_t_team;
-- A role that cannot log in (a group role owning tier tables): its job
-- failed at every run ("role ... is not permitted to log in"), no trace
-- in rfm.refresh_log.
DROP ROLE IF EXISTS rfm_cron_t_group;
CREATE ROLE rfm_cron_t_group NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA cron_t TO rfm_cron_t_group;
GRANT SELECT ON cron_t.orders TO rfm_cron_t_group;
GRANT USAGE ON SCHEMA cron TO rfm_cron_t_group;
SET ROLE rfm_cron_t_group;
SELECT rfm.create_tiers('cron_t.grouped', 'cron_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT throws_ok($$SELECT rfm.schedule_refresh('cron_t.grouped', '0 3 * * *')$$, '42501',
  'rfm.schedule_refresh: role rfm_cron_t_group cannot log in, and pg_cron runs a job as the role that scheduled it',
  'a role that cannot log in may not schedule: 42501 (its job failed at every run)');
SELECT rfm.drop_tiers('cron_t.grouped') \g /dev/null
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE command LIKE '%cron_t.grouped%'), 0, '... and no job was made');
REVOKE ALL ON SCHEMA cron_t, cron FROM rfm_cron_t_group;
REVOKE ALL ON cron_t.orders FROM rfm_cron_t_group;
DROP ROLE rfm_cron_t_group;
SET ROLE rfm_cron_t_owner;
-- handed over to a role its job's role is a member of: the job may see it
-- but not fold into it (42501 at every run), so it removes itself
SELECT rfm.schedule_refresh('cron_t.wm', '0 3 * * *') AS job6 \gset
RESET ROLE;
DROP ROLE IF EXISTS rfm_cron_t_heir;
CREATE ROLE rfm_cron_t_heir;
GRANT rfm_cron_t_heir TO rfm_cron_t_owner;
ALTER MATERIALIZED VIEW cron_t.wm OWNER TO rfm_cron_t_heir;
ALTER VIEW cron_t.wm_segments OWNER TO rfm_cron_t_heir;
ALTER VIEW cron_t.wm_grid OWNER TO rfm_cron_t_heir;
ALTER TABLE cron_t.wm_history OWNER TO rfm_cron_t_heir;
SET ROLE rfm_cron_t_owner;
SELECT command FROM cron.job WHERE jobid = :job6 \gexec
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :job6), 0,
  'the job of an incremental tier table handed to a role its role is a member of removes itself');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log l JOIN rfm.tier_tables t ON t.id = l.tier_id
            WHERE t.tier = 'cron_t.wm'::regclass AND l.action = 'refresh'), 0, '... without a failed refresh');
SELECT is((SELECT scheduled_by FROM rfm.tier_tables WHERE tier = 'cron_t.wm'::regclass), NULL,
  '... and clears the record of its schedule, so the owner may schedule it');
SELECT rfm.drop_tiers('cron_t.wm') \g /dev/null
-- a job made by an earlier build (two arguments, no catalog row token)
SELECT cron.schedule('rfm_refresh_tiers_999999', '0 3 * * *',
                     $c$CALL rfm._scheduled_refresh('cron_t.whatever', 'rfm_refresh_tiers_999999')$c$) AS job7 \gset
SELECT command FROM cron.job WHERE jobid = :job7 \gexec
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobid = :job7), 0,
  'a job made by an earlier build removes itself (it could not tell its tier table from a later one)');
DROP ROLE rfm_cron_t_heir;
REVOKE ALL ON SCHEMA cron FROM rfm_cron_t_owner;
REVOKE ALL ON rfm.customer_state_sources, rfm.customer_states FROM rfm_cron_t_owner;

SELECT * FROM finish();
DROP SCHEMA cron_t CASCADE;
DROP ROLE rfm_cron_t_owner;
