-- Function bodies run with search_path = pg_catalog, pg_temp, as
-- PostgreSQL advises for extension functions: names of functions and
-- tables in rfm's bodies are schema-qualified, but an operator whose
-- argument types no pg_catalog operator matches exactly (= on oid and
-- regnamespace, || on text and bigint, ...) would be looked up in the
-- caller's search_path, where a schema the caller can be made to use could
-- hold one with exactly those types, which would then run with the
-- caller's rights (a superuser's scheduled refresh, say).
--
-- Not set on (they set it for themselves with set_config as they start,
-- or their operators are matched exactly or written as OPERATOR(pg_catalog.x)):
--   * rfm.refresh_tiers and rfm._scheduled_refresh: a procedure with SET
--     cannot COMMIT (set again after each COMMIT);
-- Functions with settings of their own set search_path with them (the loop
-- skips them); test/tiers_security.sql checks that every function but
-- these has it.
--   * rfm.create_tiers: an unqualified name is made in the caller's
--     current schema, which a SET search_path would hide (read first);
--   * rfm.drop_tiers(text, boolean): to_regclass of the name and of its
--     _history sibling, which find an unqualified name in the caller's
--     search_path (as a regclass argument is found), then
--     rfm._drop_tiers_named, which has the SET;
--   * the small SQL functions used per row (recency_days, tenure_days,
--     average_order_value, high_low, tier, lifecycle, recommended_action,
--     the CLV wrappers): SET keeps PostgreSQL from inlining them and costs a
--     configuration save and restore on every call.
DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::pg_catalog.regprocedure
          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
         WHERE p.pronamespace OPERATOR(pg_catalog.=) 'rfm'::pg_catalog.regnamespace
           AND l.lanname OPERATOR(pg_catalog.=) ANY (ARRAY['plpgsql', 'sql']::pg_catalog.name[])
           AND p.prokind OPERATOR(pg_catalog.=) 'f'
           AND p.proconfig IS NULL
           AND p.proname OPERATOR(pg_catalog.<>) ALL (ARRAY['create_tiers', 'recency_days', 'tenure_days',
                 'average_order_value', 'high_low', 'tier', 'lifecycle', 'recommended_action',
                 'bgnbd_p_alive', 'bgnbd_expected_purchases', 'gamma_gamma_expected_spend', 'clv']::pg_catalog.name[])
           AND p.oid OPERATOR(pg_catalog.<>) 'rfm.drop_tiers(text, boolean)'::pg_catalog.regprocedure
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END $$;

-- 0.1.0's body divided numeric by bigint, which no pg_catalog operator
-- takes as they are: now an exact numeric / numeric, named.
CREATE OR REPLACE FUNCTION rfm.average_order_value(s rfm.summary)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN ($1).frequency OPERATOR(pg_catalog.>) 0
                      THEN pg_catalog.trim_scale(($1).monetary OPERATOR(pg_catalog./) ($1).frequency::pg_catalog.numeric) END $$;
