-- Refuse to install into (or update in) a schema rfm that someone else
-- controls.  rfm.control names the schema; CREATE EXTENSION makes it when
-- it is missing, owned by the caller, but uses it as it is when it exists.
-- Whoever owns it may drop rfm's objects, and whoever may create in it may
-- add functions or operators that rfm's own calls would resolve to, which
-- then run with the rights of the caller (a superuser's scheduled refresh,
-- say).  So the owner must be the role running this script or a superuser,
-- and nobody else may hold CREATE on it.  Runs first, creates nothing.
DO $$
DECLARE
    schema_owner oid;
    creators     text;
BEGIN
    SELECT n.nspowner INTO schema_owner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'rfm';
    IF schema_owner OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
       AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = schema_owner) THEN
        RAISE EXCEPTION 'rfm: schema rfm belongs to role %, which is neither you nor a superuser',
                        schema_owner::regrole
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The owner of the extension''s schema could drop rfm''s objects or add ones that rfm''s calls would run.',
                  HINT = 'Drop that schema or make a superuser its owner (ALTER SCHEMA rfm OWNER TO ...), then try again.';
    END IF;
    SELECT pg_catalog.string_agg(CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                                      ELSE a.grantee::regrole::text END, ', ')
      INTO creators
      FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
     WHERE n.nspname = 'rfm' AND a.privilege_type = 'CREATE'
       AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
       AND NOT COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = a.grantee), false);
    IF creators IS NOT NULL THEN
        RAISE EXCEPTION 'rfm: other roles may create objects in schema rfm: %', creators
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'An object made there could be found by rfm''s calls and run with the rights of their caller.',
                  HINT = 'REVOKE CREATE ON SCHEMA rfm FROM those roles, then try again.';
    END IF;
END $$;
