-- What a rfm.schedule_refresh job runs (rfm._scheduled_refresh) when it
-- must not refresh: it removes itself and says why in a WARNING, which
-- pg_cron writes to the server log (test/cron_tiers.sql runs the real
-- pg_cron and checks the removals; here the texts are checked).  pg_cron
-- is not in this database: a stand-in cron.unschedule records the names
-- it was asked to remove.  Catalog ids start at 7001 here, so that the
-- job names in the WARNINGs do not depend on the tests run before.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
-- This database is shared with the other tests, some of which print
-- catalog ids: remember the id sequences and put them back at the end.
SELECT (SELECT last_value FROM rfm.refresh_log_id_seq) AS log_last,
       (SELECT is_called FROM rfm.refresh_log_id_seq) AS log_called,
       (SELECT last_value FROM rfm.tier_tables_id_seq) AS tier_last,
       (SELECT is_called FROM rfm.tier_tables_id_seq) AS tier_called \gset
DROP ROLE IF EXISTS regress_rfm_job;
DROP ROLE IF EXISTS regress_rfm_heir;
CREATE SCHEMA cron;
CREATE TABLE cron.removed (n serial, job name);
CREATE FUNCTION cron.unschedule(job name) RETURNS boolean
    LANGUAGE sql AS $$ INSERT INTO cron.removed (job) VALUES (job) RETURNING true $$;
SELECT setval(pg_get_serial_sequence('rfm.tier_tables', 'id'), 7000) \g /dev/null

CREATE SCHEMA sched_jobs;
CREATE TABLE sched_jobs.orders (id serial, customer integer, ordered_on date, amount numeric);
INSERT INTO sched_jobs.orders (customer, ordered_on, amount)
VALUES (1, '2024-01-10', 10), (2, '2024-02-10', 20), (3, '2024-03-10', 30);
SELECT rfm.create_tiers('sched_jobs.kept', 'sched_jobs.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31') \g /dev/null
SELECT rfm.create_tiers('sched_jobs.given', 'sched_jobs.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, as_of => '2024-03-31') \g /dev/null
SELECT rfm.create_tiers('sched_jobs.folded', 'sched_jobs.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, watermark_column => 'id') \g /dev/null
SELECT tier, id FROM rfm.tier_tables WHERE tier::text LIKE 'sched_jobs.%' ORDER BY id;
-- the job arguments of each: its name and its catalog row's creation
SELECT rfm._cron_job_token(created_at) AS kept_token FROM rfm.tier_tables WHERE id = 7001 \gset
SELECT rfm._cron_job_token(created_at) AS given_token FROM rfm.tier_tables WHERE id = 7002 \gset
SELECT rfm._cron_job_token(created_at) AS folded_token FROM rfm.tier_tables WHERE id = 7003 \gset
SELECT :'kept_token' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS token_is_utc_iso8601;

-- 1. a catalog id no tier table has, and no table of its name: removed,
--    "no longer exists" (or renamed and handed over: the old name finds
--    nothing, and the job's role cannot see the new owner's catalog row)
CALL rfm._scheduled_refresh('sched_jobs.gone', 'rfm_refresh_tiers_7999', :'kept_token');
-- 2. the id of a tier table made after the job (rfm dropped with CASCADE
--    and installed again: ids start at 1 again; a table of the same name
--    made since): the creation differs
CALL rfm._scheduled_refresh('sched_jobs.kept', 'rfm_refresh_tiers_7001', '2020-01-01T00:00:00.000000Z');
SELECT count(*) AS kept_refreshes FROM rfm.refresh_log WHERE tier_id = 7001 AND action = 'refresh';

-- 3. handed over to a role the job's role has no rights of: the job's
--    role does not see its catalog row
CREATE ROLE regress_rfm_job;
CREATE ROLE regress_rfm_heir;
GRANT USAGE ON SCHEMA cron TO regress_rfm_job;
GRANT INSERT ON cron.removed TO regress_rfm_job;
GRANT USAGE ON SEQUENCE cron.removed_n_seq TO regress_rfm_job;
ALTER MATERIALIZED VIEW sched_jobs.given OWNER TO regress_rfm_heir;
ALTER VIEW sched_jobs.given_segments OWNER TO regress_rfm_heir;
ALTER VIEW sched_jobs.given_grid OWNER TO regress_rfm_heir;
ALTER TABLE sched_jobs.given_history OWNER TO regress_rfm_heir;
SET ROLE regress_rfm_job;
CALL rfm._scheduled_refresh('sched_jobs.given', 'rfm_refresh_tiers_7002', :'given_token');
RESET ROLE;

-- 4. an incremental tier table handed to a role the job's role is a
--    member of: it sees the row, but only the owner may fold into it
ALTER MATERIALIZED VIEW sched_jobs.folded OWNER TO regress_rfm_heir;
ALTER VIEW sched_jobs.folded_segments OWNER TO regress_rfm_heir;
ALTER VIEW sched_jobs.folded_grid OWNER TO regress_rfm_heir;
ALTER TABLE sched_jobs.folded_history OWNER TO regress_rfm_heir;
GRANT regress_rfm_heir TO regress_rfm_job;
SET ROLE regress_rfm_job;
CALL rfm._scheduled_refresh('sched_jobs.folded', 'rfm_refresh_tiers_7003', :'folded_token');
RESET ROLE;
SELECT count(*) AS folded_refreshes FROM rfm.refresh_log WHERE tier_id = 7003 AND action = 'refresh';

-- 5. a job of a build before jobs carried the creation (two arguments)
CALL rfm._scheduled_refresh('sched_jobs.kept', 'rfm_refresh_tiers_7001');

-- 6. a table of that name there now, the job role's own, in a schema the
--    role may not use (no USAGE): removed, "made after it" (the name was
--    once looked up with to_regclass, which failed with 42501 there and
--    took the removal back with it)
CREATE TABLE sched_jobs.mine (x integer);
ALTER TABLE sched_jobs.mine OWNER TO regress_rfm_job;
SET ROLE regress_rfm_job;
SELECT has_schema_privilege('sched_jobs', 'USAGE') AS job_role_may_use_schema;
CALL rfm._scheduled_refresh('sched_jobs.mine', 'rfm_refresh_tiers_7998', :'kept_token');
RESET ROLE;

-- each job asked to remove itself, once, in that order
SELECT n, job FROM cron.removed ORDER BY n;

-- and the job of a tier table that is there and the job role's own
-- refreshes it and removes nothing
CALL rfm._scheduled_refresh('sched_jobs.kept', 'rfm_refresh_tiers_7001', :'kept_token');
SELECT action, outcome FROM rfm.refresh_log WHERE tier_id = 7001 ORDER BY id;
SELECT count(*) AS removals FROM cron.removed;

DROP SCHEMA sched_jobs CASCADE;
DROP OWNED BY regress_rfm_heir, regress_rfm_job;
DROP ROLE regress_rfm_heir, regress_rfm_job;
DROP SCHEMA cron CASCADE;
SELECT rfm.drop_orphan_tiers() AS orphans_removed;
SELECT count(*) AS our_catalog_rows_left FROM rfm.tier_tables
 WHERE id > CASE WHEN :'tier_called' THEN :tier_last ELSE :tier_last - 1 END;   -- 0
DELETE FROM rfm.refresh_log WHERE id > CASE WHEN :'log_called' THEN :log_last ELSE :log_last - 1 END;
SELECT setval('rfm.refresh_log_id_seq', :log_last, :'log_called') IS NOT NULL AS log_seq_restored,
       setval('rfm.tier_tables_id_seq', :tier_last, :'tier_called') IS NOT NULL AS tier_seq_restored;
