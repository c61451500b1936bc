-- Tier tables, part 7: scheduled refreshes with pg_cron.  pg_cron is used
-- only when it is installed in the current database; everything is called
-- through dynamic SQL so rfm installs without it.  The job is named
-- rfm_refresh_tiers_<catalog id> and runs
-- CALL rfm._scheduled_refresh('schema.name', 'rfm_refresh_tiers_<id>',
-- '<the catalog row's created_at>') as the role that scheduled it.

CREATE FUNCTION rfm._require_pg_cron(caller text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    -- pg_cron's database, when pg_cron is loaded (its setting defined:
    -- pg_settings does not list a placeholder of a library not loaded)
    cron_db text := (SELECT s.setting FROM pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) 'cron.database_name');
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
        -- pg_cron loaded for another database: say which, and how to
        -- schedule this one's refresh from there (or remove a job made there)
        IF cron_db OPERATOR(pg_catalog.<>) pg_catalog.current_database() THEN
            RAISE EXCEPTION '%: pg_cron is not installed in database %', caller, pg_catalog.current_database()
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = pg_catalog.format('pg_cron runs its jobs from database %s (cron.database_name).', cron_db),
                      HINT = CASE WHEN caller OPERATOR(pg_catalog.=) 'rfm.unschedule_refresh'
                                  THEN pg_catalog.format('A job made in database %s is removed there, with cron.unschedule(job_name).', cron_db)
                                  ELSE pg_catalog.format('From database %s, schedule the refresh with pg_cron''s own '
                                                         'cron.schedule_in_database(job_name, schedule, ''CALL rfm.refresh_tiers(''''<tier table>'''')'', %L), '
                                                         'as a role that may refresh the tier table and can log in.',
                                                         cron_db, pg_catalog.current_database()) END;
        END IF;
        RAISE EXCEPTION '%: pg_cron is not installed in database %', caller, pg_catalog.current_database()
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Install pg_cron (shared_preload_libraries = ''pg_cron'', cron.database_name = this database), '
                      || 'then CREATE EXTENSION pg_cron; or run CALL rfm.refresh_tiers(...) from another scheduler.';
    END IF;
    -- (without it a role sees none of its jobs: unschedule said "none")
    IF NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN
        RAISE EXCEPTION '%: role % may not use pg_cron (no USAGE on schema cron)', caller, CURRENT_USER
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'A superuser may GRANT USAGE ON SCHEMA cron to it, or schedule and unschedule with cron.schedule / cron.unschedule.';
    END IF;
END $$;

CREATE FUNCTION rfm._cron_job_name(tier_id bigint)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT 'rfm_refresh_tiers_' || $1::text $$;

-- Which catalog row a job was made for, besides its id: the row's
-- created_at, in UTC ISO 8601 (read back alike whatever the job's
-- DateStyle and TimeZone).  Catalog ids start again at 1 when rfm is
-- dropped and installed again; a job left behind by DROP EXTENSION rfm
-- CASCADE (or made by another role) then refreshed whichever new tier
-- table got its old id.  A dump and restore keeps created_at.
CREATE FUNCTION rfm._cron_job_token(created_at timestamptz)
    RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT pg_catalog.to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- What a schedule runs: the refresh of the tier table whose catalog id the
-- job's name carries and whose catalog row was made at created (found by
-- id, so a renamed tier table, or one moved to another schema, keeps its
-- schedule; tier_name, its name when scheduled, makes cron.job readable).
-- When the caller sees no such tier table any more, the job removes itself
-- (it runs as the role that owns the job), with a WARNING in the server
-- log: rfm.drop_tiers removes the caller's own job, but a job another role
-- made (a superuser scheduling your table) it cannot see, DROP ... CASCADE
-- of a source takes the tier table along, and a tier table handed over to
-- another owner is no longer the job role's to refresh.  A procedure
-- without SET, so that the refresh may commit.
CREATE PROCEDURE rfm._scheduled_refresh(tier_name text, job_name text, created text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    target pg_catalog.regclass;
    owner  pg_catalog.name;
    there  record;
BEGIN
    -- as rfm.refresh_tiers: no SET clause on a procedure that commits
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    SELECT t.tier INTO target
      FROM rfm.tier_tables t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.tier
     WHERE rfm._cron_job_name(t.id) OPERATOR(pg_catalog.=) job_name
       AND rfm._cron_job_token(t.created_at) OPERATOR(pg_catalog.=) created;
    IF target IS NULL THEN
        EXECUTE 'SELECT cron.unschedule($1::pg_catalog.name)' USING job_name;
        -- What is under the name now, read from the catalogs: the job's
        -- role may have lost USAGE on the schema (to_regclass raised 42501
        -- there, rolling back the unschedule).
        SELECT c.relkind, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
               pg_catalog.pg_has_role(c.relowner, 'USAGE') AS ours
          INTO there
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE n.nspname OPERATOR(pg_catalog.=) (pg_catalog.parse_ident(tier_name))[1]
           AND c.relname OPERATOR(pg_catalog.=) (pg_catalog.parse_ident(tier_name))[2];
        IF there.relkind OPERATOR(pg_catalog.=) 'm' AND NOT there.ours THEN
            -- handed over: the table is there, another role's
            RAISE WARNING 'rfm: tier table % belongs to %, whose tier tables role % may not refresh: its schedule % was removed',
                          tier_name, there.owner, CURRENT_USER, job_name
                USING HINT = 'Its owner may schedule it again with rfm.schedule_refresh.';
        ELSIF there.relkind IS NOT NULL THEN
            -- (the table was dropped and one of the same name made since)
            RAISE WARNING 'rfm: the tier table % that schedule % was made for was dropped (the % there now was made after it): the schedule was removed',
                          tier_name, job_name, tier_name
                USING HINT = 'Schedule the table there now with rfm.schedule_refresh if it should be refreshed.';
        ELSE
            -- (or it was renamed and handed over: its old name finds nothing)
            RAISE WARNING 'rfm: tier table % no longer exists, or was renamed and handed to a role whose tier tables this job''s role may not refresh: its schedule % was removed',
                          tier_name, job_name;
        END IF;
        RETURN;
    END IF;
    -- an incremental tier table handed to a role this one is a member of:
    -- only its owner may fold (42501 at every run otherwise)
    SELECT pg_catalog.pg_get_userbyid(c.relowner) INTO owner
      FROM rfm.tier_tables t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.tier
     WHERE t.tier OPERATOR(pg_catalog.=) target AND t.state_name IS NOT NULL
       AND c.relowner OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER);
    IF owner IS NOT NULL THEN
        EXECUTE 'SELECT cron.unschedule($1::pg_catalog.name)' USING job_name;
        -- (the owner may schedule it now)
        UPDATE rfm.tier_tables t SET scheduled_by = NULL
         WHERE t.tier OPERATOR(pg_catalog.=) target AND t.scheduled_by OPERATOR(pg_catalog.=) CURRENT_USER;
        RAISE WARNING 'rfm: incremental tier table % belongs to %, and only its owner may refresh it: its schedule % was removed',
                      tier_name, owner, job_name
            USING HINT = 'Its owner may schedule it again with rfm.schedule_refresh.';
        RETURN;
    END IF;
    CALL rfm.refresh_tiers(target);
END $$;
COMMENT ON PROCEDURE rfm._scheduled_refresh(text, text, text) IS
    'What a rfm.schedule_refresh job runs: the refresh, or the job''s own removal once the tier table is gone (internal)';

-- What jobs made before jobs named their catalog row (builds of main
-- before 2026-12-06) run: they cannot tell their tier table from a later
-- one with the same id, so they remove themselves (schedule again).
CREATE PROCEDURE rfm._scheduled_refresh(tier_name text, job_name text)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp       -- (it commits nothing)
    AS $$
BEGIN
    EXECUTE 'SELECT cron.unschedule($1::pg_catalog.name)' USING job_name;
    RAISE WARNING 'rfm: the schedule % of % was made by an earlier build of rfm and was removed', job_name, tier_name
        USING HINT = 'Schedule the tier table again with rfm.schedule_refresh.';
END $$;
COMMENT ON PROCEDURE rfm._scheduled_refresh(text, text) IS
    'What a pg_cron job made by an earlier build of rfm runs: its own removal (internal)';

-- Whether the caller may read cron.job: pg_cron is installed here and the
-- role has USAGE on schema cron.  Roles without it (pg_cron grants none by
-- default) have no jobs; to_regclass itself would fail for them.
CREATE FUNCTION rfm._cron_job_readable()
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
-- (CASE: each test only once the one before holds)
SELECT CASE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) 'cron') THEN false
            WHEN NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN false
            ELSE pg_catalog.to_regclass('cron.job') IS NOT NULL END
$$;

-- The pg_cron job id of a tier table's schedule; NULL if none (or no pg_cron).
CREATE FUNCTION rfm._cron_job_id(tier_id bigint)
    RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    job bigint;
BEGIN
    IF NOT rfm._cron_job_readable() THEN
        RETURN NULL;
    END IF;
    -- (this database's: ids are per database, and a job of the same name
    -- made with cron.schedule_in_database for another one is not ours)
    EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = CURRENT_USER'
            ' AND j.database = pg_catalog.current_database()'
       INTO job USING rfm._cron_job_name(tier_id);
    RETURN job;
END $$;

-- Only a superuser may remove another role's pg_cron job (cron.unschedule
-- refuses others; a role with BYPASSRLS sees the jobs but may not).
CREATE FUNCTION rfm._caller_is_superuser()
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER $$;

-- Another role's pg_cron job of a tier table, as far as the caller may read
-- cron.job (all of it for a superuser; pg_cron shows other roles their
-- own only); NULLs if none or no pg_cron.
CREATE FUNCTION rfm._cron_other_job(tier_id bigint, OUT jobid bigint, OUT username text)
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF NOT rfm._cron_job_readable() THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT j.jobid, j.username FROM cron.job j WHERE j.jobname = $1 AND j.username <> CURRENT_USER'
            ' AND j.database = pg_catalog.current_database() ORDER BY j.jobid LIMIT 1'
       INTO jobid, username USING rfm._cron_job_name(tier_id);
END $$;

-- Removes a tier table's pg_cron jobs that the caller may remove: its own,
-- and for a superuser every role's (two, made before the record was kept),
-- with the record of who scheduled it.  Nothing without pg_cron.  For
-- rfm.unschedule_refresh and rfm.drop_tiers; true if a job was removed.
CREATE FUNCTION rfm._unschedule_jobs(entry rfm.tier_tables)
    RETURNS boolean
    LANGUAGE plpgsql
    AS $$
DECLARE
    job     bigint;
    other   record;
    removed boolean := false;
BEGIN
    IF NOT rfm._cron_job_readable() THEN
        RETURN false;
    END IF;
    job := rfm._cron_job_id(entry.id);
    -- (also when the caller's job was removed by hand: the record goes)
    UPDATE rfm.tier_tables t SET scheduled_by = NULL
     WHERE t.id = entry.id AND t.scheduled_by = CURRENT_USER;
    IF job IS NOT NULL THEN
        EXECUTE 'SELECT cron.unschedule($1)' USING job;
        removed := true;
    END IF;
    -- A superuser sees every role's jobs: it removes those of other roles,
    -- and a record no job stands behind any more.
    IF rfm._caller_is_superuser() THEN
        LOOP
            other := rfm._cron_other_job(entry.id);
            EXIT WHEN other.jobid IS NULL;
            EXECUTE 'SELECT cron.unschedule($1)' USING other.jobid;
            removed := true;
        END LOOP;
        UPDATE rfm.tier_tables t SET scheduled_by = NULL
         WHERE t.id = entry.id AND t.scheduled_by IS NOT NULL;
    END IF;
    RETURN removed;
END $$;

CREATE FUNCTION rfm.schedule_refresh(tier regclass, cron_expr text)
    RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry   rfm.tier_tables := rfm._tier_entry(tier);
    command  text;
    job      bigint;
    other    record;
    recorded name;
BEGIN
    PERFORM rfm._require_pg_cron('rfm.schedule_refresh');
    IF cron_expr IS NULL THEN
        RAISE EXCEPTION 'rfm.schedule_refresh: cron_expr must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- pg_cron connects as the job's role: one that cannot log in (a group
    -- role owning the tier table) failed at every run, unseen by rfm
    IF NOT (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) THEN
        RAISE EXCEPTION 'rfm.schedule_refresh: role % cannot log in, and pg_cron runs a job as the role that scheduled it', CURRENT_USER
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Schedule it as a role that can log in and has the rights of the tier table''s owner (RESET ROLE first).';
    END IF;
    -- One schedule change at a time per tier table: a second role's call
    -- waits here for the first to commit, then sees its job and record
    -- (both went through before, and made two jobs).
    SELECT t.scheduled_by INTO recorded FROM rfm.tier_tables t WHERE t.id = entry.id FOR NO KEY UPDATE;
    -- pg_cron keeps each role's jobs apart: a second role's schedule made a
    -- second job, the two met at every run and one failed (55P03).  Seen
    -- here when the caller may read other roles' jobs (a superuser).
    other := rfm._cron_other_job(entry.id);
    IF other.jobid IS NOT NULL THEN
        RAISE EXCEPTION 'rfm.schedule_refresh: % is already scheduled by role % (pg_cron job %)', entry.tier, other.username, other.jobid
            USING ERRCODE = 'duplicate_object',
                  HINT = 'A tier table needs one schedule: change it as that role, or remove that job first (as a superuser: SELECT cron.unschedule(' || other.jobid || ')).';
    END IF;
    -- A role that cannot read other roles' jobs learns of one from the
    -- catalog row: a member of the owner's role scheduling a table the
    -- owner (or another member) scheduled made a second job.  A recorded
    -- role that is gone, or may no longer refresh the table (handed over:
    -- its job removes itself at its next run), holds nothing; a superuser
    -- saw the jobs themselves above.
    IF recorded IS NOT NULL AND recorded <> CURRENT_USER
       AND NOT rfm._caller_bypasses_rls()
       AND EXISTS (SELECT FROM pg_catalog.pg_roles r, pg_catalog.pg_class c
                    WHERE r.rolname = recorded AND c.oid = entry.tier
                      AND pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE')) THEN
        RAISE EXCEPTION 'rfm.schedule_refresh: % is already scheduled by role %', entry.tier, recorded
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'pg_cron shows each role only its own jobs; rfm.tier_tables.scheduled_by names the role whose job refreshes it.',
                  HINT = 'A tier table needs one schedule: change it as role ' || pg_catalog.quote_ident(recorded)
                      || ', or have that role remove it with rfm.unschedule_refresh first.  Only if you know its job is gone '
                      || '(ask that role, or a superuser, who sees cron.job whole), clear the record: UPDATE rfm.tier_tables '
                      || 'SET scheduled_by = NULL WHERE tier = ' || pg_catalog.quote_literal(entry.tier::pg_catalog.text)
                      || '::regclass (while the job exists, that makes a second one).';
    END IF;
    -- A job left by a role since dropped or renamed stays in cron.job under
    -- the old name, where pg_cron cannot run it (pg_cron 1.4 stopped
    -- running every job while one was left): only a superuser sees it.
    IF recorded IS NOT NULL AND recorded <> CURRENT_USER
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = recorded) THEN
        RAISE WARNING 'rfm.schedule_refresh: role %, which scheduled % before, no longer exists (dropped or renamed), and its pg_cron job may still be in cron.job',
                      recorded, entry.tier
            USING HINT = 'A superuser removes it: SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = '
                      || pg_catalog.quote_literal(rfm._cron_job_name(entry.id)) || ' AND username = '
                      || pg_catalog.quote_literal(recorded) || ';';
    END IF;
    -- its runs fold new orders with the rights of the job's role: caught
    -- here, not as a failure at every run
    IF entry.state_name IS NOT NULL THEN
        PERFORM rfm._tier_require_owner(entry.tier, 'schedule its refresh',
            'Its refreshes fold new orders into its customer states, reading the source with the rights of the job''s role: schedule it as the owner of the tier table.');
    END IF;
    -- The job names the table (not its oid), so it survives dump and restore.
    SELECT pg_catalog.format('CALL rfm._scheduled_refresh(%L, %L, %L)', pg_catalog.format('%I.%I', n.nspname, c.relname),
                             rfm._cron_job_name(entry.id), rfm._cron_job_token(entry.created_at))
      INTO command
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = entry.tier;
    -- cron.schedule with a job name replaces that job's schedule.
    BEGIN
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
          USING rfm._cron_job_name(entry.id), cron_expr, command;
    EXCEPTION WHEN invalid_parameter_value THEN
        -- pg_cron's own "invalid schedule: ..." (22023 in every pg_cron
        -- release) names neither rfm nor what to write; kept as DETAIL
        RAISE EXCEPTION 'rfm.schedule_refresh: pg_cron does not accept the schedule %', pg_catalog.quote_literal(cron_expr)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'pg_cron: ' || SQLERRM,
                  HINT = 'Give five cron fields (minute hour day-of-month month day-of-week), e.g. ''30 2 * * *'' for 02:30 every day; '
                      || 'pg_cron 1.5 and later also take ''[1-59] seconds''.';
    END;
    UPDATE rfm.tier_tables t SET scheduled_by = CURRENT_USER
     WHERE t.id = entry.id AND t.scheduled_by IS DISTINCT FROM CURRENT_USER;
    RETURN job;
END $$;
COMMENT ON FUNCTION rfm.schedule_refresh(regclass, text) IS
    'Refresh a tier table on a pg_cron schedule (replaces an earlier schedule); returns the pg_cron job id';

CREATE FUNCTION rfm.unschedule_refresh(tier regclass)
    RETURNS boolean
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry rfm.tier_tables := rfm._tier_entry(tier);
BEGIN
    PERFORM rfm._require_pg_cron('rfm.unschedule_refresh');
    IF rfm._unschedule_jobs(entry) THEN
        RETURN true;
    END IF;
    IF NOT rfm._caller_is_superuser() AND entry.scheduled_by <> CURRENT_USER
       AND EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = entry.scheduled_by) THEN
        RAISE NOTICE 'rfm.unschedule_refresh: % is scheduled by role %, whose job only that role (or a superuser) can remove',
                     entry.tier, entry.scheduled_by;
    END IF;
    RETURN false;
END $$;
COMMENT ON FUNCTION rfm.unschedule_refresh(regclass) IS
    'Remove the pg_cron schedule of a tier table; false if it had none';
