-- Tier tables, part 1: the catalog.  rfm.tier_tables remembers every tier
-- table made by rfm.create_tiers and its options; rfm.refresh_log records
-- every build and refresh.  Both are extension configuration tables, so
-- pg_dump keeps their rows.  The helpers are SECURITY INVOKER, so ordinary
-- roles write these rows themselves; row-level security limits each role to
-- the rows of tier tables it owns (or is a member of the owner of).

-- Non-superusers need to reach the functions and catalog in schema rfm,
-- and tier tables label segments with rfm.segment, which reads the rules
-- table (labels only; TODO for its owner: move this grant to 30_segments.sql).
GRANT USAGE ON SCHEMA rfm TO PUBLIC;
GRANT SELECT ON rfm.segment_rules TO PUBLIC;

CREATE TABLE rfm.tier_tables (
    id              bigserial PRIMARY KEY,
    tier            regclass UNIQUE,            -- the materialized view; NULL once dropped (an orphan)
    source          regclass NOT NULL,          -- the orders table or view
    customer_column text     NOT NULL,
    time_column     text     NOT NULL,
    amount_column   text     NOT NULL,
    customer_type   text     NOT NULL,          -- the customer column's type at creation (rfm._qualified_type)
    bins            integer  NOT NULL,
    scheme          text     NOT NULL,
    -- the lifecycle column's thresholds: new, sleeping and churned days
    -- (rfm.lifecycle's new_days, sleeping_days, churned_days)
    lifecycle_days  integer[] NOT NULL DEFAULT ARRAY[30, 90, 180]
                    CHECK (pg_catalog.array_ndims(lifecycle_days) = 1
                           AND pg_catalog.array_lower(lifecycle_days, 1) = 1
                           AND pg_catalog.cardinality(lifecycle_days) = 3
                           AND pg_catalog.array_position(lifecycle_days, NULL) IS NULL
                           AND 0 < lifecycle_days[1] AND lifecycle_days[1] <= lifecycle_days[2]
                           AND lifecycle_days[2] < lifecycle_days[3]),
    -- the language of segment_zh, tier_zh and lifecycle_zh: simplified
    -- ('zh') or traditional ('zh-Hant') characters
    lang_zh         text     NOT NULL DEFAULT 'zh' CHECK (lang_zh IN ('zh', 'zh-Hant')),
    as_of           date,                       -- NULL: the day of each refresh
    keep_history    boolean  NOT NULL,
    history_table   regclass,                   -- NULL when keep_history is false
    clv             boolean  NOT NULL DEFAULT false, -- CLV columns (rfm.clv_columns) at every refresh
    watermark_column text,                      -- incremental refresh: the source's ever-increasing column
    state_name      text,                       -- incremental refresh: its rfm.customer_state_sources name
    segments_view   regclass NOT NULL,
    grid_view       regclass NOT NULL,
    -- a timestamptz order's day and as_of NULL's today are taken in the
    -- creator's TimeZone, whoever refreshes (rfm._tier_rows' time_zone)
    time_zone       text     NOT NULL DEFAULT pg_catalog.current_setting('TimeZone'),
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      name     NOT NULL DEFAULT CURRENT_USER,
    -- the role whose pg_cron job refreshes it (rfm.schedule_refresh), so
    -- that a role that cannot see that job (pg_cron shows each role its
    -- own) does not make a second one; NULL: none made through rfm
    scheduled_by    name
);
COMMENT ON TABLE rfm.tier_tables IS
    'Tier tables made by rfm.create_tiers, with the options they are refreshed with';

CREATE TABLE rfm.refresh_log (
    id          bigserial PRIMARY KEY,
    tier_id     bigint      NOT NULL,           -- rfm.tier_tables.id
    tier        regclass    NOT NULL,
    action      text        NOT NULL CHECK (action IN ('create', 'refresh', 'alter', 'backfill')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    as_of       date,                           -- the as_of the rows were computed for
    row_count   bigint,                         -- customers in the tier table afterwards
    outcome     text        NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'abandoned')),
    sqlstate    text,                           -- set when outcome = 'failed'
    message     text,                           -- the error (failed), or which CLV model was not fitted (succeeded)
    run_by      name        NOT NULL DEFAULT CURRENT_USER,
    -- the session of a refresh (pg_stat_activity's pid and backend_start):
    -- a 'running' row whose session ended is 'abandoned' at the next refresh
    pid           integer,
    backend_start timestamptz
);
CREATE INDEX ON rfm.refresh_log (tier_id, started_at);
COMMENT ON TABLE rfm.refresh_log IS
    'One row per build or refresh of a tier table: start, end, rows and outcome';

-- A role sees and changes only the rows of tier tables it owns.
CREATE FUNCTION rfm._owns_relation(rel regclass)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT COALESCE((SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE')
                             FROM pg_catalog.pg_class c WHERE c.oid = $1), false) $$;

-- Whether the current user has the rights of the role of that name (rfm's
-- catalogs keep roles by name, which a dump and restore keeps): false, not
-- pg_has_role's error, once no role has it (dropped or renamed), which in
-- a policy failed every other role's reads of the whole table.
CREATE FUNCTION rfm._has_rights_of(role_name name)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT FROM pg_catalog.pg_roles r
                          WHERE r.rolname OPERATOR(pg_catalog.=) $1 AND pg_catalog.pg_has_role(r.oid, 'USAGE')) $$;

-- Whether rel is a tier table as rfm.create_tiers makes one: a
-- materialized view whose stored query calls rfm._tier_rows.  A catalog
-- row names its relations by number (regclass); rfm._tier_relations_dropped
-- clears a number as its relation is dropped, but a row from a dump taken
-- with event triggers off (or edited by hand) may still name a number that
-- another relation got since, as a restore into another cluster hands
-- them out: a row whose tier table is not one is an orphan, whatever
-- relation its number names.
CREATE FUNCTION rfm._is_tier_matview(rel regclass)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT EXISTS (SELECT FROM pg_catalog.pg_class c
                 JOIN pg_catalog.pg_rewrite r ON r.ev_class OPERATOR(pg_catalog.=) c.oid
                 JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                            AND d.objid OPERATOR(pg_catalog.=) r.oid
                 JOIN pg_catalog.pg_proc p ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                                          AND p.oid OPERATOR(pg_catalog.=) d.refobjid
                WHERE c.oid OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) 'm'
                  AND p.proname OPERATOR(pg_catalog.=) '_tier_rows'
                  AND p.pronamespace OPERATOR(pg_catalog.=) 'rfm'::pg_catalog.regnamespace) $$;

-- A row whose tier table is gone (dropped with its source by DROP ...
-- CASCADE, which rfm cannot see; or its number given to another relation
-- since, rfm._is_tier_matview) stays visible to the role that created it,
-- so that rfm.drop_orphan_tiers can clean up after it.
CREATE FUNCTION rfm._orphan_of(tier regclass, created_by name)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT NOT rfm._is_tier_matview($1) AND rfm._has_rights_of($2) $$;

-- Whether member (a view or history table named by the catalog row of
-- tier) belongs to it: owned by the tier table's owner, or (a view) built
-- on the tier table.  A NULL or dropped member is fine.
CREATE FUNCTION rfm._tier_member_ok(tier regclass, member regclass, may_depend boolean DEFAULT true)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT member IS NULL
    OR NOT EXISTS (SELECT FROM pg_catalog.pg_class m WHERE m.oid OPERATOR(pg_catalog.=) member)
    OR (SELECT m.relowner OPERATOR(pg_catalog.=) t.relowner
          FROM pg_catalog.pg_class m, pg_catalog.pg_class t
         WHERE m.oid OPERATOR(pg_catalog.=) member AND t.oid OPERATOR(pg_catalog.=) tier)
    OR (may_depend AND EXISTS (
            SELECT FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_depend d
                     ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    AND d.objid OPERATOR(pg_catalog.=) w.oid
             WHERE w.ev_class OPERATOR(pg_catalog.=) member
               AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
               AND d.refobjid OPERATOR(pg_catalog.=) tier))
$$;

-- Before rfm.drop_tiers or rfm.alter_tiers drops or replaces a tier
-- table's views: each must be the tier table owner's.  A view of another
-- role built on the tier table passes rfm._tier_member_ok, and a row
-- edited to name one would have a superuser's drop take that role's view.
CREATE FUNCTION rfm._tier_require_own_views(entry rfm.tier_tables, caller text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    member pg_catalog.regclass;
    member_owner pg_catalog.name;
    tier_owner pg_catalog.name := (SELECT pg_catalog.pg_get_userbyid(c.relowner)
                                     FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) entry.tier);
BEGIN
    FOREACH member IN ARRAY ARRAY[entry.segments_view, entry.grid_view] LOOP
        member_owner := (SELECT pg_catalog.pg_get_userbyid(c.relowner)
                           FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) member);
        IF member_owner IS NOT NULL AND member_owner OPERATOR(pg_catalog.<>) tier_owner THEN
            RAISE EXCEPTION '%: view % belongs to role %, not to %, the owner of tier table %',
                            caller, member, member_owner, tier_owner, entry.tier
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'rfm drops and replaces only the views of the tier table''s owner; nothing was changed.',
                      HINT = 'Hand the view over (ALTER VIEW ... OWNER TO the tier table''s owner) if it is the one rfm.create_tiers made; else point the catalog row back at those views.';
        END IF;
    END LOOP;
END $$;

-- A row a role writes names only what is its own: the tier table, views
-- and history table of one owner, the customer state rfm.create_tiers
-- names after the row's id, and (below) a creator whose rights the
-- writer has.  Else a role could point a row at another role's objects,
-- and that role's rfm.drop_orphan_tiers would drop them.  A log row
-- belongs to the catalog row of its own tier table.
ALTER TABLE rfm.tier_tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY tier_tables_owner ON rfm.tier_tables
    USING (rfm._owns_relation(tier) OR rfm._orphan_of(tier, created_by))
    WITH CHECK (rfm._owns_relation(tier)
                AND rfm._tier_member_ok(tier, segments_view)
                AND rfm._tier_member_ok(tier, grid_view)
                AND rfm._tier_member_ok(tier, history_table, false)
                AND (state_name IS NULL OR state_name OPERATOR(pg_catalog.=) ('rfm tier ' OPERATOR(pg_catalog.||) id::pg_catalog.text)));
ALTER TABLE rfm.refresh_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY refresh_log_owner ON rfm.refresh_log
    USING (rfm._owns_relation(tier) OR EXISTS (SELECT FROM rfm.tier_tables t WHERE t.id OPERATOR(pg_catalog.=) refresh_log.tier_id))
    WITH CHECK (rfm._owns_relation(tier)
                AND EXISTS (SELECT FROM rfm.tier_tables t
                             WHERE t.id OPERATOR(pg_catalog.=) refresh_log.tier_id
                               AND t.tier OPERATOR(pg_catalog.=) refresh_log.tier));
-- Who may read a tier table may read when and how it was refreshed (a BI
-- tool's "data as of"); writes stay the owner's (a DELETE or UPDATE must
-- pass the policy above as well).
CREATE POLICY refresh_log_readers ON rfm.refresh_log FOR SELECT
    USING (pg_catalog.has_table_privilege(tier, 'SELECT'));

-- What row-level security cannot check (it does not see the old row):
--  * created_by decides whose rfm.drop_orphan_tiers sees the row once its
--    tier table is gone: only a role with that role's rights may write it
--    (the new owner of a handed-over tier table still updates the row its
--    creator made);
--  * id names the pg_cron job (rfm_refresh_tiers_<id>) and the customer
--    state ('rfm tier <id>'): a new row takes the id the sequence just gave
--    this session, and an id never changes, so no row can take over
--    another tier table's schedule or state;
--  * a view or history table newly named must exist: an oid that does not
--    exist yet could later be given to another role's new table.
-- Superusers (and roles that bypass row-level security) pass, so
-- pg_restore's COPY does, also for rows of roles that no longer exist.
-- (The same two helpers guard the reserved customer state names,
-- rfm._customer_state_sources_check_name.)
CREATE FUNCTION rfm._caller_bypasses_rls()
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r
 WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER
$$;
-- The id rfm.tier_tables_id_seq last gave this session; NULL: none yet.
CREATE FUNCTION rfm._tier_id_issued()
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    RETURN pg_catalog.currval('rfm.tier_tables_id_seq');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    RETURN NULL;
END $$;
CREATE FUNCTION rfm._tier_tables_check_row()
    RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    inserted boolean := TG_OP OPERATOR(pg_catalog.=) 'INSERT';
BEGIN
    IF rfm._caller_bypasses_rls() THEN
        RETURN NEW;
    END IF;
    IF inserted THEN
        IF NEW.id IS DISTINCT FROM rfm._tier_id_issued() THEN
            RAISE EXCEPTION 'rfm: a new row of rfm.tier_tables must take the id rfm.tier_tables_id_seq last gave this session, not %', NEW.id
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Leave id to its default.';
        END IF;
    ELSIF NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'rfm: the id of a row of rfm.tier_tables never changes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- created_at names the row's pg_cron job with its id (ids start again
    -- after a reinstall): a row given a stale job's time would get its job
    IF inserted AND NEW.created_at IS DISTINCT FROM pg_catalog.now() THEN
        RAISE EXCEPTION 'rfm: a new row of rfm.tier_tables must take the time of its transaction as created_at, not %', NEW.created_at
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Leave created_at to its default.';
    ELSIF NOT inserted AND NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'rfm: the created_at of a row of rfm.tier_tables never changes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (inserted OR NEW.created_by IS DISTINCT FROM OLD.created_by)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles r
                        WHERE r.rolname OPERATOR(pg_catalog.=) NEW.created_by
                          AND pg_catalog.pg_has_role(r.oid, 'USAGE')) THEN
        RAISE EXCEPTION 'rfm: created_by % of a row of rfm.tier_tables must be a role whose rights you have',
                        pg_catalog.quote_ident(NEW.created_by)
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Leave created_by to its default, CURRENT_USER.';
    END IF;
    -- (0: one dropped since, rfm._tier_relations_dropped)
    IF (inserted OR NEW.segments_view IS DISTINCT FROM OLD.segments_view)
       AND NEW.segments_view OPERATOR(pg_catalog.<>) 0 AND NOT rfm._relation_exists(NEW.segments_view)
       OR (inserted OR NEW.grid_view IS DISTINCT FROM OLD.grid_view)
          AND NEW.grid_view OPERATOR(pg_catalog.<>) 0 AND NOT rfm._relation_exists(NEW.grid_view)
       OR (inserted OR NEW.history_table IS DISTINCT FROM OLD.history_table)
          AND NEW.history_table OPERATOR(pg_catalog.<>) 0 AND NOT rfm._relation_exists(NEW.history_table) THEN
        RAISE EXCEPTION 'rfm: a view or history table a row of rfm.tier_tables names must exist'
            USING ERRCODE = 'undefined_table';
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION rfm._relation_exists(rel regclass)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) $1) $$;
CREATE TRIGGER tier_tables_check_row BEFORE INSERT OR UPDATE ON rfm.tier_tables
    FOR EACH ROW EXECUTE FUNCTION rfm._tier_tables_check_row();

-- A relation a catalog row names, dropped by hand (DROP ... CASCADE of a
-- source, DROP MATERIALIZED VIEW, DROP TABLE of a history table, DROP
-- SCHEMA): its number is cleared from the row as it goes, so that no row
-- names a number that another relation can get later (OIDs wrap around,
-- and pg_dump writes a dropped relation's regclass as the bare number,
-- which a restore into another cluster hands out again).  The tier table
-- becomes NULL (the row is an orphan, for rfm.drop_orphan_tiers), a view
-- or history table 0: "dropped" to every check, and no relation's number.
-- SECURITY DEFINER: a DROP ... CASCADE takes other roles' tier tables too,
-- whose rows the dropping role's policies hide.
CREATE FUNCTION rfm._tier_relations_dropped()
    RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    gone oid[];
BEGIN
    SELECT pg_catalog.array_agg(d.objid) INTO gone
      FROM pg_catalog.pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
       AND d.object_type IN ('table', 'view', 'materialized view');
    -- (rfm's own tables, dropped with the extension, are not there to clear)
    IF gone IS NULL OR pg_catalog.to_regclass('rfm.tier_tables') IS NULL
       OR 'rfm.tier_tables'::pg_catalog.regclass::oid = ANY (gone) THEN
        RETURN;
    END IF;
    -- A row another transaction holds is left as it is (SKIP LOCKED): an
    -- alter or drop of that tier table holds the row and then waits for
    -- the relations this DROP holds (a deadlock), and ends in an error
    -- (its relations are gone); the checks of such rows cover it.
    UPDATE rfm.tier_tables t
       SET tier = CASE WHEN t.tier::oid = ANY (gone) THEN NULL ELSE t.tier END,
           segments_view = CASE WHEN t.segments_view::oid = ANY (gone) THEN 0 ELSE t.segments_view END,
           grid_view = CASE WHEN t.grid_view::oid = ANY (gone) THEN 0 ELSE t.grid_view END,
           history_table = CASE WHEN t.history_table::oid = ANY (gone) THEN 0 ELSE t.history_table END
     WHERE t.id IN (SELECT k.id FROM rfm.tier_tables k
                     WHERE k.tier::oid = ANY (gone) OR k.segments_view::oid = ANY (gone)
                        OR k.grid_view::oid = ANY (gone) OR k.history_table::oid = ANY (gone)
                       FOR UPDATE SKIP LOCKED);
END $$;
CREATE EVENT TRIGGER rfm_tier_relations_dropped ON sql_drop
    EXECUTE FUNCTION rfm._tier_relations_dropped();
-- also under session_replication_role = replica (a logical replica's apply)
ALTER EVENT TRIGGER rfm_tier_relations_dropped ENABLE ALWAYS;

GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.tier_tables, rfm.refresh_log TO PUBLIC;
GRANT USAGE ON SEQUENCE rfm.tier_tables_id_seq, rfm.refresh_log_id_seq TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('rfm.tier_tables', '');
SELECT pg_catalog.pg_extension_config_dump('rfm.tier_tables_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('rfm.refresh_log', '');
SELECT pg_catalog.pg_extension_config_dump('rfm.refresh_log_id_seq', '');

-- The catalog row of a tier table, or a clear error.
CREATE FUNCTION rfm._tier_entry(tier regclass)
    RETURNS rfm.tier_tables
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    entry rfm.tier_tables;
BEGIN
    -- NULL is no relation at all ("<NULL> is not a tier table" said 42704)
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'rfm: the tier table must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO entry FROM rfm.tier_tables t WHERE t.tier = $1;
    IF NOT FOUND THEN
        -- Another role's tier table: its catalog row is hidden (row-level
        -- security), the table itself is not (its stored query calls
        -- rfm._tier_rows); saying "not a tier table" misled its readers.
        IF rfm._is_tier_matview($1)
           AND NOT (SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class c WHERE c.oid = $1) THEN
            RAISE EXCEPTION 'rfm: % is a tier table of role %, whose rights you do not have', $1,
                            (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = $1)
                USING ERRCODE = 'undefined_object',
                      HINT = 'Only its owner (or a member of its role) may refresh, alter, schedule, drop it or read its transitions.';
        END IF;
        RAISE EXCEPTION 'rfm: % is not a tier table made by rfm.create_tiers', $1
            USING ERRCODE = 'undefined_object',
                  HINT = 'SELECT tier FROM rfm.tier_tables lists the tier tables you own.';
    END IF;
    -- A relation that took the number of a tier table dropped by hand
    -- (rfm._is_tier_matview): not a tier table, whatever the row says.
    IF NOT rfm._is_tier_matview(entry.tier) THEN
        RAISE EXCEPTION 'rfm: % is not a tier table made by rfm.create_tiers', $1
            USING ERRCODE = 'undefined_object',
                  DETAIL = pg_catalog.format('The catalog row of tier table %s names it, but it is not the materialized view rfm.create_tiers made: that tier table was dropped by hand and its number went to this relation (as a restore into another cluster can do).', entry.id),
                  HINT = 'SELECT rfm.drop_orphan_tiers() removes what that tier table left, and leaves this relation alone.';
    END IF;
    -- The row is the tier table owner's to edit (row-level security), and
    -- rfm drops its views and history table and writes snapshots into the
    -- history, also when a superuser calls: they must be the tier table's
    -- own, not objects of others the row was pointed at.
    IF NOT rfm._tier_member_ok(entry.tier, entry.segments_view)
       OR NOT rfm._tier_member_ok(entry.tier, entry.grid_view)
       OR NOT rfm._tier_member_ok(entry.tier, entry.history_table, false) THEN
        RAISE EXCEPTION 'rfm: the catalog row of % names a view or history table that is not the tier table''s own', $1
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('segments_view %s, grid_view %s, history_table %s: each must be owned by the tier table''s owner (a view may instead be built on the tier table).',
                                             entry.segments_view, entry.grid_view, entry.history_table),
                  HINT = 'After ALTER ... OWNER TO of the tier table, hand over its views and history table too (ALTER VIEW / ALTER TABLE ... OWNER TO); if rfm.tier_tables was edited by hand, put back the names rfm.create_tiers wrote.';
    END IF;
    RETURN entry;
END $$;
