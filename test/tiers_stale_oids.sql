-- pgTAP: catalog rows whose relations were dropped by hand and whose
-- numbers (oids) now name other relations of the same owner, as a
-- pg_dump restored into another cluster makes them: pg_dump writes a
-- dropped relation's regclass as a bare number, and the new cluster hands
-- out the same numbers.  Here the numbers are pointed at the owner's other
-- relations by a superuser's edit of rfm.tier_tables, which is what the
-- restore amounts to.  rfm must leave those relations alone: they are not
-- what it made (rfm._is_tier_matview, _is_tier_view, _is_tier_history).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
\set leftover_schema stale_t
\ir include/drop_leftover_tiers.psql
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_stale') THEN CREATE ROLE rfm_t_stale; END IF;
END $$;
CREATE SCHEMA stale_t AUTHORIZATION rfm_t_stale;
SELECT plan(15);

SET ROLE rfm_t_stale;
CREATE TABLE stale_t.orders (customer bigint, ordered_on date, amount numeric);
INSERT INTO stale_t.orders SELECT g % 20, '2024-03-31'::date - g % 90, 10 FROM generate_series(1, 200) g;
-- the owner's own relations, which the stale numbers will name
CREATE TABLE stale_t.precious (id integer PRIMARY KEY, v text);
INSERT INTO stale_t.precious VALUES (1, 'important');
CREATE VIEW stale_t.precious_v AS SELECT * FROM stale_t.precious;
CREATE TABLE stale_t.more3 (x integer);
CREATE MATERIALIZED VIEW stale_t.mine AS SELECT 1 AS x;
-- a history-shaped table of the owner's: a primary key of (date, bigint) but 3 columns
CREATE TABLE stale_t.daily (day date, customer bigint, amount numeric, PRIMARY KEY (day, customer));
INSERT INTO stale_t.daily VALUES ('2024-03-31', 1, 5);

-- 1. An orphan (its tier table dropped by hand) whose numbers went to the
-- owner's other relations.
SELECT rfm.create_tiers('stale_t.old', 'stale_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT id AS old_id FROM rfm.tier_tables WHERE tier = 'stale_t.old'::regclass \gset
DROP MATERIALIZED VIEW stale_t.old CASCADE;
RESET ROLE;
UPDATE rfm.tier_tables SET tier = 'stale_t.more3', segments_view = 'stale_t.precious', grid_view = 'stale_t.precious_v',
                           history_table = 'stale_t.precious'
 WHERE id = :old_id;
SET ROLE rfm_t_stale;
SELECT throws_ok($$SELECT rfm.drop_tiers('stale_t.more3')$$, '42704',
  'rfm: stale_t.more3 is not a tier table made by rfm.create_tiers',
  'drop_tiers of the table that got the tier table''s number: 42704, not a tier table');
SELECT throws_ok($$CALL rfm.refresh_tiers('stale_t.more3')$$, '42704', NULL, '... refresh_tiers the same');
SELECT throws_ok($$SELECT rfm.alter_tiers('stale_t.more3', '{"bins": 3}')$$, '42704', NULL, '... and alter_tiers');
SELECT ok(to_regclass('stale_t.more3') IS NOT NULL AND to_regclass('stale_t.precious_v') IS NOT NULL
          AND (SELECT v FROM stale_t.precious WHERE id = 1) = 'important', '... all three left as they were');
SELECT is(rfm.drop_orphan_tiers(), 1, 'drop_orphan_tiers counts the row as an orphan and removes it');
SELECT ok(to_regclass('stale_t.more3') IS NOT NULL AND to_regclass('stale_t.precious_v') IS NOT NULL
          AND (SELECT v FROM stale_t.precious WHERE id = 1) = 'important',
  '... and leaves the table, the view and the table with the view on it alone');
SELECT is((SELECT count(*)::int FROM rfm.tier_tables WHERE id = :old_id) + (SELECT count(*)::int FROM rfm.refresh_log WHERE tier_id = :old_id),
  0, '... its catalog and log rows gone');
-- the real history table, no longer named by any row, is the owner's to drop
DROP TABLE stale_t.old_history;

-- 2. The same with the tier table's number on a materialized view of the
-- owner's and the history's on a history-shaped table.
SELECT rfm.create_tiers('stale_t.old2', 'stale_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT id AS old2_id FROM rfm.tier_tables WHERE tier = 'stale_t.old2'::regclass \gset
DROP MATERIALIZED VIEW stale_t.old2 CASCADE;
DROP TABLE stale_t.old2_history;
RESET ROLE;
UPDATE rfm.tier_tables SET tier = 'stale_t.mine', history_table = 'stale_t.daily' WHERE id = :old2_id;
SET ROLE rfm_t_stale;
SELECT throws_ok($$SELECT rfm.drop_tiers('stale_t.mine')$$, '42704', NULL,
  'drop_tiers of a materialized view of the owner''s that got the number: 42704');
SELECT is(rfm.drop_orphan_tiers(), 1, 'drop_orphan_tiers removes that row too');
SELECT ok(to_regclass('stale_t.mine') IS NOT NULL AND (SELECT count(*) FROM stale_t.daily) = 1,
  '... leaving the materialized view and the (date, bigint)-keyed table of 3 columns alone');

-- 3. A live tier table whose history table and segments view were dropped
-- by hand and whose numbers went to the owner's other relations.
SELECT rfm.create_tiers('stale_t.live', 'stale_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
DROP TABLE stale_t.live_history;
DROP VIEW stale_t.live_segments;
RESET ROLE;
UPDATE rfm.tier_tables SET history_table = 'stale_t.precious', segments_view = 'stale_t.precious_v'
 WHERE tier = 'stale_t.live'::regclass;
SET ROLE rfm_t_stale;
\set failing_tier stale_t.live
\ir include/refresh_expecting_error.psql
SELECT is(:'LAST_ERROR_SQLSTATE' || ' ' || (SELECT count(*) FROM stale_t.precious), '42P01 1',
  'a refresh: the history table counts as dropped (42P01), nothing written into the table with its number');
SELECT throws_ok($$SELECT * FROM rfm.transitions('stale_t.live', '2024-03-31', '2024-03-31')$$, '42P01',
  'rfm.transitions: the history table of stale_t.live was dropped', '... transitions the same');
SELECT lives_ok($$SELECT rfm.drop_tiers('stale_t.live')$$, 'drop_tiers goes through');
SELECT ok(to_regclass('stale_t.live') IS NULL AND to_regclass('stale_t.live_grid') IS NULL
          AND to_regclass('stale_t.live_segments') IS NULL,
  '... dropping the tier table and its grid view');
SELECT ok(to_regclass('stale_t.precious_v') IS NOT NULL AND (SELECT count(*) FROM stale_t.precious) = 1,
  '... and leaving the table and view that got the numbers of its history and segments view alone');

RESET ROLE;
SELECT * FROM finish();
DROP SCHEMA stale_t CASCADE;
DROP ROLE rfm_t_stale;
