-- pgTAP: rfm's settings (src/settings.c) are real configuration
-- parameters once the library is loaded: a misspelt rfm.* name is refused
-- (the prefix is reserved, PostgreSQL 15 on), and ALTER ROLE / ALTER
-- DATABASE check a value as SET does.  Rolled back (ALTER DATABASE reset too).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
SELECT plan(9);

-- any rfm C function loads the library
SELECT rfm.summarize(d, a) FROM (VALUES ('2020-01-01'::date, 1::numeric)) v(d, a);

SELECT CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 150000
            THEN throws_ok($$SET rfm.max_memroy = '2GB'$$, '42602', NULL,
                           'a misspelt rfm.* setting is refused (reserved prefix)')
            ELSE skip('reserved prefixes exist from PostgreSQL 15 on', 1) END;
SELECT throws_ok($$ALTER ROLE CURRENT_USER SET rfm.max_memory = 'lots'$$, '22023', NULL,
                 'ALTER ROLE checks rfm.max_memory');
SELECT throws_ok($$ALTER ROLE CURRENT_USER SET rfm.direct_scan_workers = 2000$$, '22023', NULL,
                 'ALTER ROLE checks rfm.direct_scan_workers');
SELECT lives_ok($$ALTER ROLE CURRENT_USER SET rfm.max_memory = '2GB'$$, 'a good value is stored');
SELECT is((SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
            WHERE s.setrole = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)
              AND s.setdatabase = 0),
          ARRAY['rfm.max_memory=2GB'], '... as given');
-- ALTER DATABASE checks too (-1 .. 1024 workers; direct_scan a Boolean;
-- max_memory at least 1kB): a bad value is refused, the stored one kept
SELECT pg_catalog.current_database() AS db \gset
ALTER DATABASE :"db" SET rfm.direct_scan_workers = 3;
SELECT throws_ok(pg_catalog.format('ALTER DATABASE %I SET rfm.direct_scan_workers = -2', :'db'), '22023', NULL,
                 'ALTER DATABASE checks rfm.direct_scan_workers');
SELECT throws_ok(pg_catalog.format('ALTER DATABASE %I SET rfm.direct_scan = maybe', :'db'), '22023', NULL,
                 'ALTER DATABASE checks rfm.direct_scan');
SELECT throws_ok(pg_catalog.format('ALTER DATABASE %I SET rfm.max_memory = 0', :'db'), '22023', NULL,
                 'ALTER DATABASE checks rfm.max_memory');
SELECT is((SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
            WHERE s.setrole = 0
              AND s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = :'db')),
          ARRAY['rfm.direct_scan_workers=3'], '... the value stored before is kept');
ALTER DATABASE :"db" RESET rfm.direct_scan_workers;

SELECT * FROM finish();
ROLLBACK;
