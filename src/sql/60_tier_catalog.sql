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
    tier            regclass NOT NULL UNIQUE,   -- the materialized view
    source          regclass NOT NULL,          -- the orders table or view
    customer_column text     NOT NULL,
    time_column     text     NOT NULL,
    amount_column   text     NOT NULL,
    customer_type   text     NOT NULL,          -- the customer column's type at creation (rfm._qualified_type)
    bins            integer  NOT NULL,
    scheme          text     NOT NULL,
    as_of           date,                       -- NULL: the day of each refresh
    keep_history    boolean  NOT NULL,
    history_table   regclass,                   -- NULL when keep_history is false
    clv             boolean  NOT NULL DEFAULT false, -- CLV columns (rfm.clv_columns) at every refresh
    watermark_column text,                      -- incremental refresh: the source's ever-increasing column
    state_name      text,                       -- incremental refresh: its rfm.customer_state_sources name
    segments_view   regclass NOT NULL,
    grid_view       regclass NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      name     NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE rfm.tier_tables IS
    'Tier tables made by rfm.create_tiers, with the options they are refreshed with';

CREATE TABLE rfm.refresh_log (
    id          bigserial PRIMARY KEY,
    tier_id     bigint      NOT NULL,           -- rfm.tier_tables.id
    tier        regclass    NOT NULL,
    action      text        NOT NULL CHECK (action IN ('create', 'refresh', 'alter')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    as_of       date,                           -- the as_of the rows were computed for
    row_count   bigint,                         -- customers in the tier table afterwards
    outcome     text        NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed')),
    sqlstate    text,                           -- set when outcome = 'failed'
    message     text,                           -- the error (failed), or which CLV model was not fitted (succeeded)
    run_by      name        NOT NULL DEFAULT CURRENT_USER
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

ALTER TABLE rfm.tier_tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY tier_tables_owner ON rfm.tier_tables
    USING (rfm._owns_relation(tier)) WITH CHECK (rfm._owns_relation(tier));
ALTER TABLE rfm.refresh_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY refresh_log_owner ON rfm.refresh_log
    USING (rfm._owns_relation(tier)) WITH CHECK (rfm._owns_relation(tier));

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
    SELECT * INTO entry FROM rfm.tier_tables t WHERE t.tier = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rfm: % is not a tier table made by rfm.create_tiers', $1
            USING ERRCODE = 'undefined_object',
                  HINT = 'SELECT tier FROM rfm.tier_tables lists the tier tables you own.';
    END IF;
    RETURN entry;
END $$;
