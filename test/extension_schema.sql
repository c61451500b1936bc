-- pgTAP: rfm refuses a schema rfm that someone else controls
-- (src/sql/05_schema_guard.sql; README "The schema rfm").  CREATE EXTENSION, and
-- ALTER EXTENSION rfm UPDATE from 0.1.0, fail with 42501 and change
-- nothing when the schema belongs to a role that is neither the caller nor
-- a superuser, or when another role may create objects in it; they work
-- once that is put right.  All in one transaction, rolled back.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
SELECT plan(15);

CREATE ROLE rfm_schema_squatter;
-- the schema stays after DROP EXTENSION (README "Removing rfm")
DROP EXTENSION rfm;
ALTER SCHEMA rfm OWNER TO rfm_schema_squatter;

-- 1. owned by another role
SELECT throws_ok('CREATE EXTENSION rfm', '42501',
                 'rfm: schema rfm belongs to role rfm_schema_squatter, which is neither you nor a superuser',
                 'CREATE EXTENSION refuses a schema rfm owned by another role');
SELECT hasnt_extension('rfm', '... and installs nothing');
SELECT is((SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'rfm'::regnamespace), 0::bigint,
          '... not one function');

-- 2. the update from 0.1.0 (whose frozen script has no guard) refuses too
SELECT lives_ok($$CREATE EXTENSION rfm VERSION '0.1.0'$$, '0.1.0 installs there (released without the guard)');
SELECT throws_ok('ALTER EXTENSION rfm UPDATE', '42501', NULL,
                 'ALTER EXTENSION rfm UPDATE refuses a schema rfm owned by another role');
SELECT is((SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'rfm'), '0.1.0',
          '... and leaves 0.1.0 as it was');
DROP EXTENSION rfm;

-- 3. owned by a superuser, but another role (or PUBLIC) may create in it
ALTER SCHEMA rfm OWNER TO CURRENT_USER;
GRANT CREATE ON SCHEMA rfm TO rfm_schema_squatter;
SELECT throws_ok('CREATE EXTENSION rfm', '42501',
                 'rfm: other roles may create objects in schema rfm: rfm_schema_squatter',
                 'CREATE EXTENSION refuses a schema rfm where another role may create objects');
-- the update from 0.1.0 (it installs there: no guard) refuses too
CREATE EXTENSION rfm VERSION '0.1.0';
SELECT count(*) AS functions_010 FROM pg_catalog.pg_proc WHERE pronamespace = 'rfm'::regnamespace \gset
SELECT throws_ok('ALTER EXTENSION rfm UPDATE', '42501',
                 'rfm: other roles may create objects in schema rfm: rfm_schema_squatter',
                 'ALTER EXTENSION rfm UPDATE refuses a schema rfm where another role may create objects');
REVOKE CREATE ON SCHEMA rfm FROM rfm_schema_squatter;
GRANT CREATE ON SCHEMA rfm TO PUBLIC;
SELECT throws_ok('ALTER EXTENSION rfm UPDATE', '42501',
                 'rfm: other roles may create objects in schema rfm: PUBLIC',
                 '... or PUBLIC may');
SELECT is((SELECT extversion || ', ' || (SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'rfm'::regnamespace)
             FROM pg_catalog.pg_extension WHERE extname = 'rfm'),
          '0.1.0, ' || :functions_010, '... leaving 0.1.0 and its functions as they were');
DROP EXTENSION rfm;
SELECT throws_ok('CREATE EXTENSION rfm', '42501',
                 'rfm: other roles may create objects in schema rfm: PUBLIC',
                 'CREATE EXTENSION refuses PUBLIC''s CREATE as well');
REVOKE CREATE ON SCHEMA rfm FROM PUBLIC;
SELECT hasnt_extension('rfm', 'nothing installed by the refused attempts');

-- 4. put right: it installs, and so does the update from 0.1.0
SELECT lives_ok('CREATE EXTENSION rfm', 'CREATE EXTENSION in a schema rfm of ours that only we may create in');
DROP EXTENSION rfm;
CREATE EXTENSION rfm VERSION '0.1.0';
SELECT lives_ok('ALTER EXTENSION rfm UPDATE', 'ALTER EXTENSION rfm UPDATE there too');
SELECT isnt((SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'rfm'), '0.1.0', '... past 0.1.0');

SELECT * FROM finish();
ROLLBACK;
