-- pgTAP: security labels on tier tables.  rfm.alter_tiers makes the table
-- and its views again and cannot carry labels over (PostgreSQL has no way
-- to read a label back and re-apply it for a provider that is not loaded),
-- so a label on the table, one of its columns or one of its views is
-- 0A000 with nothing changed; refreshes keep labels (same table), the
-- history table's labels survive an alter (it is kept, not made again),
-- and rfm.drop_tiers leaves no label behind.
--
-- Needs the test-only provider in test/seclabel (make install-test-modules;
-- .ci/run does it): LOAD fails here without it, and so does this test.
-- Not in a transaction (rfm.refresh_tiers commits); cleans up after itself.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
LOAD 'rfm_test_seclabel';
DROP SCHEMA IF EXISTS seclabel_t CASCADE;
CREATE SCHEMA seclabel_t;
CREATE TABLE seclabel_t.orders (customer bigint, ordered_on date, amount numeric);
-- as in test/tiers_alter.sql: as_of 2024-03-31, bins 5 (standard) and bins 2
-- (value8) give the scores worked out there by hand
INSERT INTO seclabel_t.orders VALUES
  (1, '2024-01-01', 10), (1, '2024-03-01', 20),
  (2, '2024-02-01', 5),
  (3, '2024-01-05', 50), (3, '2024-03-30', 100), (3, '2024-03-30', -20),
  (4, '2023-12-01', 1),
  (5, '2024-03-31', 7);

CREATE FUNCTION pg_temp.labels(schema_name text)
RETURNS TABLE (object text, label text) LANGUAGE sql AS $$
  SELECT c.relname || COALESCE('.' || a.attname, ''), l.label
    FROM pg_seclabel l
    JOIN pg_class c ON l.classoid = 'pg_class'::regclass AND c.oid = l.objoid
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = l.objsubid AND l.objsubid > 0
   WHERE c.relnamespace = schema_name::regnamespace AND l.provider = 'rfm_test'
   ORDER BY 1
$$;

SELECT plan(24);

SELECT rfm.create_tiers('seclabel_t.t', 'seclabel_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => true) \g /dev/null
SELECT oid AS t_oid FROM pg_class WHERE oid = 'seclabel_t.t'::regclass \gset
SELECT id AS t_id FROM rfm.tier_tables WHERE tier = 'seclabel_t.t'::regclass \gset

-- The provider works: a label is stored, a label it does not know is refused.
SECURITY LABEL FOR rfm_test ON MATERIALIZED VIEW seclabel_t.t IS 'secret';
SELECT results_eq($$SELECT * FROM pg_temp.labels('seclabel_t')$$,
                  $$VALUES ('t', 'secret')$$,
                  'the test provider labels the tier table');
SELECT throws_ok($$SECURITY LABEL FOR rfm_test ON MATERIALIZED VIEW seclabel_t.t IS 'top'$$,
                 '42602', NULL, '... and refuses a label it does not know');

-- A label on the tier table: alter refused, nothing changed.
SELECT throws_ok($$SELECT rfm.alter_tiers('seclabel_t.t', '{"bins": 2, "scheme": "value8"}')$$, '0A000',
  'rfm.alter_tiers: seclabel_t.t or its views have security labels, which rfm.alter_tiers cannot carry over',
  'a label on the tier table: alter_tiers refuses (0A000)');
SELECT ok((SELECT tier::oid = :t_oid AND bins = 5 AND scheme = 'standard' FROM rfm.tier_tables WHERE id = :t_id)
          AND (SELECT count(*) FROM rfm.refresh_log WHERE tier_id = :t_id AND action = 'alter') = 0
          AND to_regclass('seclabel_t.rfm_alter_' || :t_id) IS NULL
          AND (SELECT count(*) FROM seclabel_t.t WHERE r_score IS NOT NULL) = 5,
  '... and nothing changed: same table and options, no log row, no scratch table, rows still there');
SELECT results_eq($$SELECT * FROM pg_temp.labels('seclabel_t')$$,
                  $$VALUES ('t', 'secret')$$,
                  '... and the label is still on the table');

-- A refresh (in place) keeps the table, so it keeps the label.  A new
-- customer 6 (one order of 50 on 2024-03-31): recency 0, frequency 1,
-- monetary 50.
INSERT INTO seclabel_t.orders VALUES (6, '2024-03-31', 50);
CALL rfm.refresh_tiers('seclabel_t.t');
SELECT results_eq($$SELECT customer_id, recency_days, frequency, monetary FROM seclabel_t.t WHERE customer_id = 6$$,
                  $$VALUES (6::bigint, 0, 1::bigint, 50::numeric)$$,
                  'the labelled table is refreshed in place: the new customer is in it');
SELECT is('seclabel_t.t'::regclass::oid, :'t_oid'::oid, '... the same table');
SELECT results_eq($$SELECT * FROM pg_temp.labels('seclabel_t')$$,
                  $$VALUES ('t', 'secret')$$,
                  '... with its label');

-- A label on one column of the tier table, and on each view: refused too.
SECURITY LABEL FOR rfm_test ON MATERIALIZED VIEW seclabel_t.t IS NULL;
SECURITY LABEL FOR rfm_test ON COLUMN seclabel_t.t.monetary IS 'secret';
SELECT throws_ok($$SELECT rfm.alter_tiers('seclabel_t.t', '{"bins": 2, "scheme": "value8"}')$$, '0A000', NULL,
  'a label on a column of the tier table: refused');
SECURITY LABEL FOR rfm_test ON COLUMN seclabel_t.t.monetary IS NULL;
SECURITY LABEL FOR rfm_test ON VIEW seclabel_t.t_segments IS 'public';
SELECT throws_ok($$SELECT rfm.alter_tiers('seclabel_t.t', '{"bins": 2, "scheme": "value8"}')$$, '0A000', NULL,
  'a label on the segments view: refused');
SECURITY LABEL FOR rfm_test ON VIEW seclabel_t.t_segments IS NULL;
SECURITY LABEL FOR rfm_test ON COLUMN seclabel_t.t_grid.customers IS 'public';
SELECT throws_ok($$SELECT rfm.alter_tiers('seclabel_t.t', '{"bins": 2, "scheme": "value8"}')$$, '0A000', NULL,
  'a label on a column of the grid view: refused');
SELECT ok((SELECT tier::oid = :t_oid AND bins = 5 FROM rfm.tier_tables WHERE id = :t_id)
          AND (SELECT count(*) FROM rfm.refresh_log WHERE tier_id = :t_id AND action = 'alter') = 0,
  '... and after each refusal: the same table, the same options, no log row');
SECURITY LABEL FOR rfm_test ON COLUMN seclabel_t.t_grid.customers IS NULL;

-- A label on the history table does not stop an alter, which keeps that
-- table (and so the label).
SECURITY LABEL FOR rfm_test ON TABLE seclabel_t.t_history IS 'secret';
SELECT oid AS history_oid FROM pg_class WHERE oid = 'seclabel_t.t_history'::regclass \gset
SELECT is(rfm.alter_tiers('seclabel_t.t', '{"bins": 2, "scheme": "value8"}')::text, 'seclabel_t.t',
  'labels removed, one on the history table: the alter runs');
SELECT isnt((SELECT tier::oid FROM rfm.tier_tables WHERE id = :t_id), :'t_oid'::oid,
  '... the tier table is a new one');
SELECT is((SELECT bins || ' ' || scheme FROM rfm.tier_tables WHERE id = :t_id), '2 value8',
  '... with the new options');
-- bins 2 over customers 1-6 (R/F/M: 1: 30/2/30, 2: 59/1/5, 3: 1/2/130,
-- 4: 121/1/1, 5: 0/1/7, 6: 0/1/50), one cut point each, the median (type
-- 7, h = 5 * 0.5 = 2.5: halfway between the third and fourth smallest):
-- recency 0 0 1 30 59 121 -> 15.5, frequency 1 1 1 1 2 2 -> 1, monetary
-- 1 5 7 30 50 130 -> 18.5.  Score = 1 + cut points below the value
-- (recency: 3 - that).  Customer 1: R 1, F 2, M 2 -> 122 Important
-- Retention; customer 2: 111 General Win-back; customer 6: R 2, F 1 (1 is
-- not below 1), M 2 -> 212 Important Development.
SELECT results_eq($$SELECT customer_id, rfm_cell, segment FROM seclabel_t.t WHERE customer_id IN (1, 2, 6) ORDER BY 1$$,
                  $$VALUES (1::bigint, '122', 'Important Retention'), (2, '111', 'General Win-back'),
                           (6, '212', 'Important Development')$$,
                  '... and the new scores and labels');
SELECT is('seclabel_t.t_history'::regclass::oid, :'history_oid'::oid, '... the history table is the same table');
SELECT results_eq($$SELECT * FROM pg_temp.labels('seclabel_t')$$,
                  $$VALUES ('t_history', 'secret')$$,
                  '... with its label, and no label elsewhere');

-- Labels on the new table, then rfm.drop_tiers: nothing left behind.
SECURITY LABEL FOR rfm_test ON MATERIALIZED VIEW seclabel_t.t IS 'secret';
SECURITY LABEL FOR rfm_test ON COLUMN seclabel_t.t.segment IS 'public';
SECURITY LABEL FOR rfm_test ON VIEW seclabel_t.t_segments IS 'public';
SELECT is((SELECT count(*)::int FROM pg_temp.labels('seclabel_t')), 4,
  'four labels: the new table, one of its columns, its segments view, the history table');
SELECT throws_ok($$SELECT rfm.alter_tiers('seclabel_t.t', '{"as_of": "2024-03-30"}')$$, '0A000', NULL,
  'the labelled new table: a second alter is refused too');
SELECT lives_ok($$SELECT rfm.drop_tiers('seclabel_t.t')$$, 'rfm.drop_tiers drops a labelled tier table');
SELECT ok(to_regclass('seclabel_t.t') IS NULL AND to_regclass('seclabel_t.t_segments') IS NULL
          AND to_regclass('seclabel_t.t_grid') IS NULL AND to_regclass('seclabel_t.t_history') IS NULL,
  '... with its views and history table');
SELECT is((SELECT count(*)::int FROM pg_seclabel WHERE provider = 'rfm_test'
             AND classoid = 'pg_class'::regclass AND objoid NOT IN (SELECT oid FROM pg_class)), 0,
  '... and no label is left on an object that is gone');
SELECT is((SELECT count(*)::int FROM rfm.tier_tables WHERE id = :t_id), 0, '... nor a catalog row');

SELECT * FROM finish();
DROP SCHEMA seclabel_t CASCADE;
