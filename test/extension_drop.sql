-- pgTAP: removing rfm (README "Upgrading", "Removing rfm").  DROP EXTENSION
-- rfm refuses while a tier table exists (the materialized view calls rfm's
-- functions), changing nothing; once the tier tables are gone with
-- rfm.drop_tiers it removes rfm's objects and catalog, your segment schemes,
-- playbook rows and customer states with it (they live in rfm's tables),
-- and leaves your own tables alone; CASCADE leaves the history tables.
-- All in one transaction, rolled back.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
SELECT plan(17);

CREATE SCHEMA drop_x;
CREATE TABLE drop_x.orders (id int, customer int, ordered_on date, amount numeric);
INSERT INTO drop_x.orders VALUES (1, 1, '2024-01-01', 5), (2, 2, '2024-02-01', 7);
SELECT rfm.create_tiers('drop_x.tiers', 'drop_x.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-01') \g /dev/null
SELECT rfm.customer_state_create('drop_x_state', 'drop_x.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh) VALUES ('drop_x', 1, 'all', '全部');
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('drop_x', 'all', 'en', 'say hello');

-- 1. refused while a tier table exists; nothing changed
SELECT throws_like('DROP EXTENSION rfm', '%cannot drop extension rfm because other objects depend on it%',
                   'DROP EXTENSION rfm refuses while a tier table exists');
SELECT throws_ok('DROP EXTENSION rfm', '2BP01', NULL, '... with 2BP01 (dependent objects still exist)');
SELECT has_extension('rfm', 'rfm is still installed');
SELECT is((SELECT count(*) FROM drop_x.tiers), 2::bigint, 'the tier table keeps its rows');
SELECT is((SELECT count(*) FROM rfm.tier_tables WHERE tier = 'drop_x.tiers'::regclass), 1::bigint,
          'its catalog row is still there');

-- 2. after rfm.drop_tiers, DROP EXTENSION removes rfm and what lives in its tables
SELECT rfm.drop_tiers('drop_x.tiers') \g /dev/null
SELECT lives_ok('DROP EXTENSION rfm', 'DROP EXTENSION rfm once the tier tables are dropped');
SELECT hasnt_extension('rfm', 'rfm is gone');
-- The schema rfm itself stays, empty: CREATE EXTENSION made it from
-- rfm.control's schema = rfm, which does not make it a member.
SELECT is((SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace = 'rfm'::regnamespace)
          + (SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'rfm'::regnamespace),
          0::bigint, 'its tables (catalog, segment rules, playbook, customer states) and functions are gone');
SELECT hasnt_type('rfm', 'summary', 'so is its rfm.summary type');
SELECT is((SELECT count(*) FROM drop_x.orders), 2::bigint, 'your orders table is untouched');
SELECT hasnt_table('drop_x', 'tiers', 'the tier table went with rfm.drop_tiers');

-- 3. and it can be installed again, with only the built-in rules
CREATE EXTENSION rfm;
SELECT is((SELECT count(*) FROM rfm.segment_rules WHERE scheme = 'drop_x'), 0::bigint,
          'a new CREATE EXTENSION has the built-in schemes only (yours went with the drop)');

-- 4. DROP EXTENSION rfm CASCADE takes the tier table and its views, but
-- the history table holds only your snapshots (plain columns, no rfm
-- function): it stays, and a new tier table of that name meets it.
SELECT rfm.create_tiers('drop_x.cascaded', 'drop_x.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-01') \g /dev/null
DROP EXTENSION rfm CASCADE;
SELECT hasnt_materialized_view('drop_x', 'cascaded', 'CASCADE drops the tier table');
SELECT hasnt_view('drop_x', 'cascaded_segments', '... and its views');
SELECT is((SELECT count(*) FROM drop_x.cascaded_history), 2::bigint,
          'the history table stays, with its snapshot of both customers');
CREATE EXTENSION rfm;
SELECT throws_ok($$SELECT rfm.create_tiers('drop_x.cascaded', 'drop_x.orders', 'customer', 'ordered_on', 'amount')$$,
                 '42P07', NULL, 'a new tier table of that name with history is refused (the old history is there)');
SELECT lives_ok($$SELECT rfm.create_tiers('drop_x.cascaded', 'drop_x.orders', 'customer', 'ordered_on', 'amount',
                                         keep_history => false)$$, '... and made with keep_history => false');

SELECT * FROM finish();
ROLLBACK;
