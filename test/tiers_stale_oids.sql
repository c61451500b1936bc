-- pgTAP: relations a catalog row names, dropped by hand.  A row names them
-- by number (regclass); a dropped relation's number can later name another
-- relation (OIDs wrap around, and pg_dump writes a dropped relation's
-- regclass as the bare number, which a restore into another cluster hands
-- out again: rfm.drop_orphan_tiers then dropped a user's table).  The event
-- trigger rfm_tier_relations_dropped clears the numbers as the relations
-- go (the tier table NULL, a view or history table 0); a row from before
-- it, or from a dump taken with event triggers off, is met by
-- rfm._is_tier_matview and rfm._is_tier_history.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
\set leftover_schema stale_t
\ir include/drop_leftover_tiers.psql
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_stale') THEN CREATE ROLE rfm_t_stale; END IF;
END $$;
CREATE SCHEMA stale_t AUTHORIZATION rfm_t_stale;
SELECT plan(19);

SET ROLE rfm_t_stale;
CREATE TABLE stale_t.orders (customer bigint, ordered_on date, amount numeric);
INSERT INTO stale_t.orders SELECT g % 20, '2024-03-31'::date - g % 90, 10 FROM generate_series(1, 200) g;

-- 1. A tier table dropped by hand (DROP ... CASCADE): its row is an orphan
-- with no numbers left but its history table's, which is still there.
SELECT rfm.create_tiers('stale_t.old', 'stale_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT id AS old_id FROM rfm.tier_tables WHERE tier = 'stale_t.old'::regclass \gset
DROP MATERIALIZED VIEW stale_t.old CASCADE;
SELECT is((SELECT concat_ws(' ', tier IS NULL, segments_view::oid, grid_view::oid, history_table) FROM rfm.tier_tables WHERE id = :old_id),
  't 0 0 stale_t.old_history', 'DROP MATERIALIZED VIEW: the row keeps no number of what went (tier NULL, views 0)');
CREATE TABLE stale_t.precious (id integer PRIMARY KEY, v text);
INSERT INTO stale_t.precious VALUES (1, 'important');
CREATE VIEW stale_t.precious_v AS SELECT * FROM stale_t.precious;
SELECT is(rfm.drop_orphan_tiers(), 1, 'drop_orphan_tiers removes the orphan');
SELECT ok(to_regclass('stale_t.old_history') IS NULL AND (SELECT v FROM stale_t.precious WHERE id = 1) = 'important'
          AND to_regclass('stale_t.precious_v') IS NOT NULL, '... its history table, and nothing made since');

-- 2. A live tier table whose history table and grid view were dropped by hand.
SELECT rfm.create_tiers('stale_t.live', 'stale_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
DROP TABLE stale_t.live_history;
DROP VIEW stale_t.live_grid;
SELECT is((SELECT concat_ws(' ', tier, grid_view::oid, history_table::oid) FROM rfm.tier_tables WHERE tier = 'stale_t.live'::regclass),
  'stale_t.live 0 0', 'DROP TABLE / DROP VIEW of its members: 0 in the row');
\set failing_tier stale_t.live
\ir include/refresh_expecting_error.psql
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42P01', 'a refresh: the history table was dropped (42P01)');
SELECT throws_ok($$SELECT * FROM rfm.transitions('stale_t.live', '2024-03-31', '2024-03-31')$$, '42P01',
  'rfm.transitions: the history table of stale_t.live was dropped', '... transitions the same');
SELECT lives_ok($$SELECT rfm.alter_tiers('stale_t.live', '{"keep_history": false}')$$, 'turning keep_history off goes on');
SELECT is((SELECT concat_ws(' ', grid_view, history_table IS NULL) FROM rfm.tier_tables WHERE tier = 'stale_t.live'::regclass),
  'stale_t.live_grid t', '... making the grid view again');
SELECT lives_ok($$SELECT rfm.drop_tiers('stale_t.live')$$, 'drop_tiers goes through');
SELECT ok(to_regclass('stale_t.live') IS NULL AND to_regclass('stale_t.live_grid') IS NULL
          AND to_regclass('stale_t.live_segments') IS NULL, '... dropping the tier table and its views');
RESET ROLE;

-- 3. Rows from before the trigger (here: the trigger disabled while the
-- tier table is dropped) whose numbers then went to the owner's other
-- relations, as a restore into another cluster gives them out (a
-- superuser's edit of the row stands in for the restore).
SET ROLE rfm_t_stale;
SELECT rfm.create_tiers('stale_t.old2', 'stale_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT id AS old2_id FROM rfm.tier_tables WHERE tier = 'stale_t.old2'::regclass \gset
RESET ROLE;
ALTER EVENT TRIGGER rfm_tier_relations_dropped DISABLE;
SET ROLE rfm_t_stale;
DROP MATERIALIZED VIEW stale_t.old2 CASCADE;
DROP TABLE stale_t.old2_history;
RESET ROLE;
ALTER EVENT TRIGGER rfm_tier_relations_dropped ENABLE;
SET ROLE rfm_t_stale;
CREATE TABLE stale_t.more3 (x integer);
CREATE MATERIALIZED VIEW stale_t.mine AS SELECT 1 AS x;
-- a fact table shaped like a history table: a primary key of (date,
-- bigint) and 16 columns (not rfm's comment)
CREATE TABLE stale_t.daily_facts (day date, customer bigint, c1 numeric, c2 numeric, c3 numeric, c4 numeric, c5 numeric,
  c6 numeric, c7 numeric, c8 numeric, c9 numeric, c10 numeric, c11 numeric, c12 numeric, c13 numeric, c14 numeric,
  PRIMARY KEY (day, customer));
INSERT INTO stale_t.daily_facts (day, customer) VALUES ('2024-03-31', 1);
RESET ROLE;
SELECT is((SELECT tier IS NOT NULL AND history_table IS NOT NULL FROM rfm.tier_tables WHERE id = :old2_id), true,
  'with the trigger off, the row kept the dropped numbers');
UPDATE rfm.tier_tables SET tier = 'stale_t.more3', segments_view = 'stale_t.precious', grid_view = 'stale_t.precious_v',
                           history_table = 'stale_t.daily_facts'
 WHERE id = :old2_id;
SET ROLE rfm_t_stale;
SELECT throws_ok($$SELECT rfm.drop_tiers('stale_t.more3')$$, '42704',
  'rfm: stale_t.more3 is not a tier table made by rfm.create_tiers',
  'drop_tiers of the table that got the tier table''s number: 42704, not a tier table');
SELECT throws_ok($$CALL rfm.refresh_tiers('stale_t.more3')$$, '42704', NULL, '... refresh_tiers the same');
SELECT throws_ok($$SELECT rfm.alter_tiers('stale_t.more3', '{"bins": 3}')$$, '42704', NULL, '... and alter_tiers');
SELECT is(rfm.drop_orphan_tiers(), 1, 'drop_orphan_tiers counts the row as an orphan and removes it');
SELECT ok(to_regclass('stale_t.more3') IS NOT NULL AND to_regclass('stale_t.precious_v') IS NOT NULL
          AND (SELECT v FROM stale_t.precious WHERE id = 1) = 'important'
          AND (SELECT count(*) FROM stale_t.daily_facts) = 1,
  '... and leaves the table, the view, the table under the view and the history-shaped table alone');
SELECT is((SELECT count(*)::int FROM rfm.tier_tables WHERE id = :old2_id) + (SELECT count(*)::int FROM rfm.refresh_log WHERE tier_id = :old2_id),
  0, '... its catalog and log rows gone');
-- the tier table's number on a materialized view of the owner's
SELECT rfm.create_tiers('stale_t.old3', 'stale_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31',
                        keep_history => false) \g /dev/null
SELECT id AS old3_id FROM rfm.tier_tables WHERE tier = 'stale_t.old3'::regclass \gset
RESET ROLE;
UPDATE rfm.tier_tables SET tier = 'stale_t.mine' WHERE id = :old3_id;
SET ROLE rfm_t_stale;
SELECT throws_ok($$SELECT rfm.drop_tiers('stale_t.mine')$$, '42704', NULL,
  'a materialized view of the owner''s under the number: 42704');
SELECT ok(rfm.drop_orphan_tiers() = 1 AND to_regclass('stale_t.mine') IS NOT NULL,
  '... and drop_orphan_tiers leaves it alone');
DROP MATERIALIZED VIEW stale_t.old3 CASCADE;
RESET ROLE;

SELECT * FROM finish();
DROP SCHEMA stale_t CASCADE;
DROP ROLE rfm_t_stale;
