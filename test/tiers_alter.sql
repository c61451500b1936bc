-- pgTAP: rfm.alter_tiers — a tier table's options changed after creation:
-- new rows for the new options, everything the user set on the table and
-- its views kept, the catalog, log and history carried over, objects built
-- on top of it never dropped, and every bad option refused before any change.
-- Not in a transaction (rfm.refresh_tiers commits); cleans up after itself.
--
-- Expected rows, worked out by hand from the order rows below (the same as
-- test/tiers.sql), as_of 2024-03-31:
--   customer  recency  frequency  monetary
--   1         30       2          30
--   2         59       1          5
--   3         1        2          130
--   4         121      1          1
--   5         0        1          7
-- bins 2: one cut point, the median (type 7, h = 4 * 0.5 = 2: the third
-- smallest value): recency 30, frequency 1, monetary 7.  Score = 1 + cut
-- points strictly below the value (recency reversed: 3 - that):
--   1: R 2 (30 is not below 30), F 2, M 2   -> 222
--   2: R 1, F 1, M 1 (5 < 7)                -> 111
--   3: R 2, F 2, M 2                        -> 222
--   4: R 1, F 1, M 1                        -> 111
--   5: R 2, F 1, M 1 (7 is not below 7)     -> 211
-- value8 labels (README table): 222 Important Value, 111 General Win-back,
-- 211 General Development; tier3: r + f + m <= 7 is marginal for all.
-- as_of 2024-03-01: customers 1-4 (5 bought on 03-31).  as_of NULL (today):
-- customers 1-5 and 7 (its only order, 2024-04-15, is now in the past).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS alter_t CASCADE;
DROP ROLE IF EXISTS alter_owner;
DROP ROLE IF EXISTS alter_reader;
DROP ROLE IF EXISTS alter_default_reader;
DROP ROLE IF EXISTS alter_stranger;
DROP ROLE IF EXISTS alter_delegate;
DROP ROLE IF EXISTS alter_reader2;
DROP ROLE IF EXISTS alter_reader3;
DELETE FROM rfm.segment_rules WHERE scheme = 'alter_t two';
CREATE ROLE alter_owner;
CREATE ROLE alter_reader;
CREATE ROLE alter_default_reader;
CREATE ROLE alter_stranger;
CREATE ROLE alter_delegate;
CREATE ROLE alter_reader2;
CREATE ROLE alter_reader3;
CREATE SCHEMA alter_t AUTHORIZATION alter_owner;
CREATE TABLE alter_t.orders (customer bigint, ordered_on date, amount numeric);
INSERT INTO alter_t.orders VALUES
  (1, '2024-01-01', 10), (1, '2024-03-01', 20), (1, '2024-04-02', 1000),
  (2, '2024-02-01', 5),
  (3, '2024-01-05', 50), (3, '2024-03-30', 100), (3, '2024-03-30', -20),
  (4, '2023-12-01', 1),
  (5, '2024-03-31', 7),
  (6, '2024-03-01', -5),
  (7, '2024-04-15', 40);
GRANT SELECT ON alter_t.orders TO alter_owner;
GRANT USAGE ON SCHEMA alter_t TO alter_stranger;
\ir include/tier_compare.psql

SELECT plan(123);

SELECT has_function('rfm', 'alter_tiers', ARRAY['regclass', 'jsonb']);

-- A tier table owned by another role, with everything a DBA might set on it.
SET ROLE alter_owner;
SELECT rfm.create_tiers('alter_t.t1', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31') \g /dev/null
GRANT SELECT ON alter_t.t1 TO alter_reader;
GRANT SELECT (monetary) ON alter_t.t1 TO PUBLIC;
GRANT SELECT ON alter_t.t1_segments TO alter_reader;
COMMENT ON MATERIALIZED VIEW alter_t.t1 IS 'customer tiers for the CRM';
COMMENT ON COLUMN alter_t.t1.segment IS 'the label the CRM shows';
COMMENT ON VIEW alter_t.t1_grid IS 'R x F chart';
ALTER VIEW alter_t.t1_grid RENAME TO "t1 chart";
ALTER VIEW alter_t."t1 chart" RESET (security_invoker);
ALTER INDEX alter_t.t1_customer_id_idx SET (fillfactor = 50);
CREATE INDEX t1_by_segment ON alter_t.t1 (segment) WHERE r_score > 1;
COMMENT ON INDEX alter_t.t1_by_segment IS 'for the campaign tool';
CREATE INDEX t1_by_monetary ON alter_t.t1 (monetary DESC);
ALTER MATERIALIZED VIEW alter_t.t1 CLUSTER ON t1_by_monetary;
CREATE INDEX t1_by_lower_segment ON alter_t.t1 (lower(segment), monetary, upper(tier));
ALTER INDEX alter_t.t1_by_lower_segment ALTER COLUMN 1 SET STATISTICS 700;
ALTER INDEX alter_t.t1_by_lower_segment ALTER COLUMN 3 SET STATISTICS 0;
CREATE STATISTICS alter_t.t1_rf (ndistinct) ON r_score, f_score FROM alter_t.t1;
ALTER STATISTICS alter_t.t1_rf SET STATISTICS 300;
ALTER MATERIALIZED VIEW alter_t.t1 SET (fillfactor = 80, toast.autovacuum_enabled = false);
ALTER MATERIALIZED VIEW alter_t.t1 ALTER COLUMN segment SET STATISTICS 500;
ALTER MATERIALIZED VIEW alter_t.t1 ALTER COLUMN monetary SET (n_distinct = 100);
ALTER MATERIALIZED VIEW alter_t.t1 ALTER COLUMN rfm_cell SET STORAGE MAIN;
RESET ROLE;
-- Whoever runs the alter (here a superuser) may have default privileges
-- that would grant more on the new table: they must not stick.
ALTER DEFAULT PRIVILEGES IN SCHEMA alter_t GRANT SELECT ON TABLES TO alter_default_reader;

SELECT id AS t1_id, tier::oid AS t1_oid FROM rfm.tier_tables WHERE tier = 'alter_t.t1'::regclass \gset
CREATE TEMP TABLE before_t1 AS
SELECT c.relacl::text AS acl, c.reloptions::text AS options, c.relowner::regrole::text AS owner,
       obj_description(c.oid, 'pg_class') AS comment,
       (SELECT array_agg(a.attname || ':' || coalesce(a.attacl::text, '') || ':' || a.attstattarget || ':'
                         || coalesce(array(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%')::text, '') || ':' || a.attstorage::text
                         || ':' || coalesce(col_description(c.oid, a.attnum), '') ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS columns,
       (SELECT array_agg(pg_get_indexdef(i.indexrelid) || ':' || i.indisclustered || ':'
                         || coalesce(obj_description(i.indexrelid, 'pg_class'), '') ORDER BY i.indexrelid::regclass::text)
          FROM pg_index i WHERE i.indrelid = c.oid) AS indexes,
       (SELECT array_agg(pg_get_statisticsobjdef(x.oid) || ':' || x.stxstattarget) FROM pg_statistic_ext x
         WHERE x.stxrelid = c.oid) AS stats,
       (SELECT array_agg(i.indexrelid::regclass::text || ':' || a.attnum || ':' || coalesce(a.attstattarget::text, 'default')
                         ORDER BY i.indexrelid::regclass::text, a.attnum)
          FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indexrelid WHERE i.indrelid = c.oid) AS index_stats,
       (SELECT v.relacl::text || obj_description(g.oid, 'pg_class') || g.relowner::regrole::text
          FROM pg_class v, pg_class g WHERE v.oid = 'alter_t.t1_segments'::regclass
           AND g.oid = 'alter_t."t1 chart"'::regclass) AS views
  FROM pg_class c WHERE c.oid = 'alter_t.t1'::regclass;
SELECT options AS options_before FROM before_t1 \gset

-- Bad options: refused before any change.
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '[1]')$$, '22023', NULL, 'options must be an object');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', NULL)$$, '22023', NULL, 'options must not be NULL');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"source": "alter_t.other"}')$$, '22023',
  $$rfm.alter_tiers: 'source' is not an option that can change$$, 'the source cannot change');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 10}')$$, '22023', NULL, 'bins 10 refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 2.5}')$$, '22023', NULL, 'bins 2.5 refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": "3"}')$$, '22023', NULL, 'bins as a string refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"scheme": 5}')$$, '22023', NULL, 'scheme must be a string');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"scheme": "no such scheme"}')$$, '22023',
  $$rfm.alter_tiers: unknown scheme "no such scheme"$$, 'unknown scheme refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"scheme": "value8"}')$$, '22023',
  $$rfm.alter_tiers: scheme 'value8' labels high and low scores (1 and 2), so it needs bins 2, not 5$$,
  'value8 on a table of 5 bins refused (it needs bins 2)');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"scheme": "value8", "bins": 4}')$$, '22023', NULL,
  '... also with bins 4');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"colour": "red"}')$$, '22023',
  $$rfm.alter_tiers: 'colour' is not an option that can change$$, 'an unknown option key refused');
-- A scheme of one's own whose rules (like value8's) use scores 1 and 2 only
-- needs bins 2 as well: the check reads rfm.segment_rules, not scheme names.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, r_min, r_max, f_min, f_max, m_min, m_max)
VALUES ('alter_t two', 1, 'High', '高', 2, 2, 1, 2, 1, 2), ('alter_t two', 2, 'Low', '低', 1, 1, 1, 2, 1, 2);
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"scheme": "alter_t two"}')$$, '22023',
  $$rfm.alter_tiers: scheme 'alter_t two' labels high and low scores (1 and 2), so it needs bins 2, not 5$$,
  'a scheme of the user''s with scores 1 and 2 only, on a table of 5 bins: refused');
SELECT throws_ok($$SELECT rfm.create_tiers('alter_t.two', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                                          bins => 3, scheme => 'alter_t two')$$, '22023',
  $$rfm.create_tiers: scheme 'alter_t two' labels high and low scores (1 and 2), so it needs bins 2, not 3$$,
  '... and by rfm.create_tiers with bins 3');
SELECT ok(to_regclass('alter_t.two') IS NULL, '... which makes nothing');
DELETE FROM rfm.segment_rules WHERE scheme = 'alter_t two';
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": "yesterday-ish"}')$$, '22007', NULL,
  'as_of that is no date refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": "infinity"}')$$, '22008', NULL,
  'infinite as_of refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": "-Infinity"}')$$, '22008',
  'rfm.alter_tiers: as_of must be a finite date, got -Infinity', '... in any case, as PostgreSQL reads it');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": "2024-13-45"}')$$, '22008', NULL,
  'as_of out of range (month 13) refused: 22008 from PostgreSQL''s date input');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": 20240331}')$$, '22023', NULL,
  'as_of as a number refused');
-- JSON has no dates: only the ISO form, which every DateStyle reads alike
-- ("06/07/1998" was 6 July under DMY and 7 June under MDY until 2026-12-07)
SET datestyle = 'ISO, DMY';
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": "06/07/1998"}')$$, '22007',
  'rfm.alter_tiers: as_of "06/07/1998" is not a date in the form YYYY-MM-DD',
  'as_of in a DateStyle''s own form refused: 22007');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": "today"}')$$, '22007',
  'rfm.alter_tiers: as_of "today" is not a date in the form YYYY-MM-DD',
  '... "today" too (null is the day of each refresh)');
RESET datestyle;
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"clv": "yes"}')$$, '22023', NULL, 'clv must be boolean');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.orders', '{"bins": 3}')$$, '42704', NULL,
  'a table not made by create_tiers refused');
SET ROLE alter_stranger;
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '42704', NULL,
  'another role does not even see the tier table in the catalog');
RESET ROLE;
-- A view of the user's on the tier table, and one on its segments view: DROP would take them.
CREATE VIEW alter_t.champions AS SELECT customer_id FROM alter_t.t1 WHERE segment = 'Champions';
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '2BP01',
  'rfm.alter_tiers: other objects depend on alter_t.t1 or its views',
  'a view of the user''s on the tier table: refused, never dropped');
DROP VIEW alter_t.champions;
CREATE VIEW alter_t.segment_report AS SELECT segment, customers FROM alter_t.t1_segments;
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '2BP01', NULL,
  'a view of the user''s on the segments view: refused too');
SELECT ok(to_regclass('alter_t.segment_report') IS NOT NULL
          AND (SELECT tier::oid = :t1_oid AND bins = 5 AND scheme = 'standard' FROM rfm.tier_tables WHERE id = :t1_id)
          AND (SELECT count(*) FROM rfm.refresh_log WHERE tier_id = :t1_id) = 1
          AND to_regclass('alter_t.rfm_alter_' || :t1_id) IS NULL,
  '... and nothing changed: same table, same options, no log row, no scratch table left');
DROP VIEW alter_t.segment_report;
-- The same "nothing changed" for the cases below.
CREATE FUNCTION pg_temp.t1_as_made(t1_oid oid, t1_id bigint) RETURNS boolean LANGUAGE sql AS $$
  SELECT (SELECT tier::oid = t1_oid AND bins = 5 AND scheme = 'standard' FROM rfm.tier_tables WHERE id = t1_id)
     AND (SELECT count(*) FROM rfm.refresh_log WHERE tier_id = t1_id) = 1
     AND to_regclass('alter_t.rfm_alter_' || t1_id) IS NULL $$;
-- A function of the user's taking the tier table's row type, a table with a
-- column of the segments view's row type: DROP would need CASCADE for them.
CREATE FUNCTION alter_t.cell_of(r alter_t.t1) RETURNS text LANGUAGE sql AS 'SELECT r.rfm_cell';
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '2BP01',
  'rfm.alter_tiers: other objects depend on alter_t.t1 or its views',
  'a function of the user''s on the tier table''s row type: refused');
SELECT ok(to_regprocedure('alter_t.cell_of(alter_t.t1)') IS NOT NULL AND pg_temp.t1_as_made(:t1_oid, :t1_id),
  '... the function is still there, nothing changed');
DROP FUNCTION alter_t.cell_of(alter_t.t1);
CREATE TABLE alter_t.saved_segments (kept alter_t.t1_segments);
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '2BP01',
  'rfm.alter_tiers: other objects depend on alter_t.t1 or its views',
  'a table column of the segments view''s row type: refused');
SELECT ok((SELECT atttypid = 'alter_t.t1_segments'::regtype FROM pg_attribute
            WHERE attrelid = 'alter_t.saved_segments'::regclass AND attname = 'kept')
          AND pg_temp.t1_as_made(:t1_oid, :t1_id),
  '... the column is still there, nothing changed');
DROP TABLE alter_t.saved_segments;

-- A trigger of the user's on one of the views: DROP VIEW would take it silently.
CREATE FUNCTION alter_t.no_insert() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER no_insert INSTEAD OF INSERT ON alter_t.t1_segments FOR EACH ROW EXECUTE FUNCTION alter_t.no_insert();
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '0A000', NULL,
  'a trigger of the user''s on a view of the tier table: refused, never dropped');
DROP TRIGGER no_insert ON alter_t.t1_segments;
-- a rule, a column default: the same
CREATE RULE no_insert AS ON INSERT TO alter_t.t1_segments DO INSTEAD NOTHING;
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '0A000',
  'rfm.alter_tiers: the views of alter_t.t1 have triggers, rules or column defaults of yours',
  'a rule of the user''s on a view of the tier table: refused');
SELECT ok(EXISTS (SELECT FROM pg_rewrite WHERE ev_class = 'alter_t.t1_segments'::regclass AND rulename = 'no_insert')
          AND pg_temp.t1_as_made(:t1_oid, :t1_id), '... the rule is still there, nothing changed');
DROP RULE no_insert ON alter_t.t1_segments;
ALTER VIEW alter_t."t1 chart" ALTER COLUMN customers SET DEFAULT 0;
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 3}')$$, '0A000',
  'rfm.alter_tiers: the views of alter_t.t1 have triggers, rules or column defaults of yours',
  'a column default on a view of the tier table: refused');
SELECT ok((SELECT pg_get_expr(d.adbin, d.adrelid) = '0' FROM pg_attrdef d JOIN pg_attribute a
             ON a.attrelid = d.adrelid AND a.attnum = d.adnum
            WHERE d.adrelid = 'alter_t."t1 chart"'::regclass AND a.attname = 'customers')
          AND pg_temp.t1_as_made(:t1_oid, :t1_id), '... the default is still there, nothing changed');
ALTER VIEW alter_t."t1 chart" ALTER COLUMN customers DROP DEFAULT;

-- Nothing to change: nothing done.
SELECT is(rfm.alter_tiers('alter_t.t1', '{"bins": 5, "scheme": "standard"}')::oid, :'t1_oid'::oid,
  'options equal to the current ones: the same table is returned');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier_id = :t1_id), 1, '... and no log row is written');

-- bins 2, scheme value8.
SELECT is(rfm.alter_tiers('alter_t.t1', '{"bins": 2, "scheme": "value8"}')::text, 'alter_t.t1',
  'alter_tiers returns the tier table, under its name');
SELECT results_eq(
  'SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_cell, segment, tier, as_of
     FROM alter_t.t1 ORDER BY customer_id',
  $$VALUES (1::bigint, 30, 2::bigint, 30::numeric, 2, 2, 2, '222', 'Important Value', 'marginal', '2024-03-31'::date),
           (2, 59, 1, 5, 1, 1, 1, '111', 'General Win-back', 'marginal', '2024-03-31'),
           (3, 1, 2, 130, 2, 2, 2, '222', 'Important Value', 'marginal', '2024-03-31'),
           (4, 121, 1, 1, 1, 1, 1, '111', 'General Win-back', 'marginal', '2024-03-31'),
           (5, 0, 1, 7, 2, 1, 1, '211', 'General Development', 'marginal', '2024-03-31')$$,
  'the rows are those of the new options (hand-computed median cut points, value8 labels)');
SELECT is((SELECT segment_zh FROM alter_t.t1 WHERE customer_id = 5), '一般发展客户', 'Chinese labels follow the scheme');
SELECT ok(pg_get_viewdef('alter_t.t1'::regclass)
          LIKE '%, 2, ''value8''::text, ''2024-03-31''::date, false, NULL::text, '
               || quote_literal(current_setting('TimeZone')) || '::text, ''{30,90,180}''::integer[], ''zh''::text)%',
  'the stored query holds the new options, the time zone, the lifecycle thresholds and lang_zh, so a plain REFRESH (pg_restore) keeps them');
SELECT is((SELECT array[bins::text, scheme, as_of::text] FROM rfm.tier_tables WHERE id = :t1_id),
          ARRAY['2', 'value8', '2024-03-31'], 'the catalog row has the new options, under the same id');
SELECT is((SELECT tier FROM rfm.tier_tables WHERE id = :t1_id), 'alter_t.t1'::regclass,
  'the catalog row points at the new table');
SELECT isnt(:'t1_oid'::oid, 'alter_t.t1'::regclass::oid, 'the table was made again (a new oid)');
SELECT is((SELECT count(*)::int FROM alter_t."t1 chart"), 4, 'the grid view has bins x bins = 4 cells');
SELECT ok((SELECT reloptions IS NULL FROM pg_class WHERE oid = 'alter_t."t1 chart"'::regclass),
  'the renamed grid view keeps its name, and the security_invoker the owner reset stays reset');
SELECT is((SELECT sum(customers)::int FROM alter_t.t1_segments), 5, 'the segments view reads the new table');
SELECT results_eq('SELECT segment, segment_priority, customers > 0 FROM alter_t.t1_segments ORDER BY segment_priority',
  $$VALUES ('Important Value', 10, true), ('Important Development', 20, false), ('Important Retention', 30, false),
           ('Important Win-back', 40, false), ('General Value', 50, false), ('General Development', 60, true),
           ('General Retention', 70, false), ('General Win-back', 80, true)$$,
  '... its labels and segment_priority the new scheme''s (value8''s rules, the empty ones too)');

-- Everything the user set is still there.
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'alter_t.t1'::regclass), 'alter_owner',
  'owner kept (the alter ran as another role)');
SELECT is((SELECT relacl::text FROM pg_class WHERE oid = 'alter_t.t1'::regclass), (SELECT acl FROM before_t1),
  'table privileges exactly as before');
SELECT ok(NOT has_table_privilege('alter_default_reader', 'alter_t.t1', 'SELECT'),
  '... the default privileges of whoever ran the alter are not added');
SELECT is((SELECT obj_description('alter_t.t1'::regclass, 'pg_class')), 'customer tiers for the CRM', 'table comment kept');
SELECT is((SELECT array_agg(a.attname || ':' || coalesce(a.attacl::text, '') || ':' || a.attstattarget || ':'
                            || coalesce(array(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%')::text, '') || ':' || a.attstorage::text
                            || ':' || coalesce(col_description(a.attrelid, a.attnum), '') ORDER BY a.attnum)
             FROM pg_attribute a WHERE a.attrelid = 'alter_t.t1'::regclass AND a.attnum > 0),
          (SELECT columns FROM before_t1),
  'every column''s privileges, statistics target, options, storage and comment kept');
SELECT is((SELECT array_agg(pg_get_indexdef(i.indexrelid) || ':' || i.indisclustered || ':'
                            || coalesce(obj_description(i.indexrelid, 'pg_class'), '') ORDER BY i.indexrelid::regclass::text)
             FROM pg_index i WHERE i.indrelid = 'alter_t.t1'::regclass),
          (SELECT indexes FROM before_t1),
  'indexes kept: rfm''s unique index under its old name, the user''s with their comment and CLUSTER mark');
SELECT is((SELECT array_agg(i.indexrelid::regclass::text || ':' || a.attnum || ':' || coalesce(a.attstattarget::text, 'default')
                            ORDER BY i.indexrelid::regclass::text, a.attnum)
             FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indexrelid WHERE i.indrelid = 'alter_t.t1'::regclass),
          (SELECT index_stats FROM before_t1),
  'statistics targets of index expression columns kept');
SELECT ok((SELECT index_stats FROM before_t1)::text LIKE '%t1_by_lower_segment:1:700%'
          AND (SELECT index_stats FROM before_t1)::text LIKE '%t1_by_lower_segment:3:0%',
  '... the targets set (700 and 0) were there before');
SELECT is((SELECT array_agg(pg_get_statisticsobjdef(x.oid) || ':' || x.stxstattarget) FROM pg_statistic_ext x
            WHERE x.stxrelid = 'alter_t.t1'::regclass),
          (SELECT stats FROM before_t1), 'extended statistics kept, with their target');
SELECT is((SELECT reloptions::text FROM pg_class WHERE oid = 'alter_t.t1'::regclass), :'options_before',
  'storage options kept');
SELECT is((SELECT t.reloptions::text FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
            WHERE c.oid = 'alter_t.t1'::regclass), '{autovacuum_enabled=false}', 'TOAST storage options kept');
SELECT is((SELECT v.relacl::text || obj_description(g.oid, 'pg_class') || g.relowner::regrole::text
             FROM pg_class v, pg_class g WHERE v.oid = 'alter_t.t1_segments'::regclass
              AND g.oid = 'alter_t."t1 chart"'::regclass),
          (SELECT views FROM before_t1), 'the views keep their privileges, comments and owner');
SELECT is((SELECT reloptions FROM pg_class WHERE oid = 'alter_t.t1_segments'::regclass),
          CASE WHEN current_setting('server_version_num')::int >= 150000 THEN '{security_invoker=true}'::text[] END,
  'the segments view is still security_invoker (PostgreSQL 15+; no options before)');
SELECT ok(to_regclass('alter_t.rfm_alter_' || :t1_id) IS NULL
          AND to_regclass('alter_t.rfm_alter_' || :t1_id || '_segments') IS NULL,
  'no scratch name is left behind');

-- Log and history carried over.
SELECT is((SELECT array_agg(action || ':' || row_count || ':' || coalesce(message, '') ORDER BY id)
             FROM rfm.refresh_log WHERE tier_id = :t1_id AND tier = 'alter_t.t1'::regclass),
          ARRAY['create:5:', 'alter:5:bins 5 -> 2, scheme standard -> value8'],
  'the log keeps its rows, now pointing at the new table, and records the alter');
SELECT is((SELECT array_agg(customer_id || ':' || rfm_cell || ':' || segment ORDER BY customer_id)
             FROM alter_t.t1_history WHERE as_of = '2024-03-31'),
          ARRAY['1:222:Important Value', '2:111:General Win-back', '3:222:Important Value',
                '4:111:General Win-back', '5:211:General Development'],
  'the history snapshot of that day is the new one');

-- A refresh after the alter uses the new options, as a new build would.
INSERT INTO alter_t.orders VALUES (2, '2024-03-15', 500);
CALL rfm.refresh_tiers('alter_t.t1');
SELECT rfm.create_tiers('alter_t.fresh', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 2, scheme => 'value8', as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT is(pg_temp.tier_differ('alter_t.t1', 'alter_t.fresh'), 0::bigint,
  'refreshed after the alter: equal to a tier table made with the new options');
-- By hand: recency 30, 16, 1, 121, 0 -> median 16; frequency 2, 2, 2, 1, 1
-- -> median 2; monetary 30, 505, 130, 1, 7 -> median 30.  Customer 2:
-- recency 16 (not above the cut: R 2), frequency 2 (not above 2: F 1), 505: M 2.
SELECT is((SELECT rfm_cell FROM alter_t.t1 WHERE customer_id = 2), '212',
  '... customer 2 (a second purchase of 500 on 2024-03-15) is now 212');

-- as_of: a fixed day, then the day of each refresh.
GRANT alter_owner TO alter_stranger;   -- a member of the owning role may alter
SET ROLE alter_stranger;
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": "2024-03-01"}')$$, 'as_of moved back, by a member of the owner');
RESET ROLE;
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'alter_t.t1'::regclass), 'alter_owner',
  '... and the owner is still the owning role');
SELECT is((SELECT array_agg(customer_id::text || ':' || as_of ORDER BY customer_id) FROM alter_t.t1),
          ARRAY['1:2024-03-01', '2:2024-03-01', '3:2024-03-01', '4:2024-03-01'],
  'only customers with a purchase on or before the new as_of');
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"as_of": null}')$$, 'as_of null: the day of each refresh');
SELECT is((SELECT array_agg(customer_id::text || ':' || (as_of = current_date) ORDER BY customer_id) FROM alter_t.t1),
          ARRAY['1:true', '2:true', '3:true', '4:true', '5:true', '7:true'], 'today''s customers, as of today');
SELECT ok((SELECT as_of IS NULL FROM rfm.tier_tables WHERE id = :t1_id), 'the catalog says as_of NULL');

-- clv on: the CLV columns appear, and the history table gets them.
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"clv": true}')$$, 'clv turned on');
SELECT has_column('alter_t', 't1', 'predicted_clv', 'the tier table has the CLV columns');
SELECT has_column('alter_t', 't1_history', 'predicted_clv', 'the history table got them too');
SELECT is(col_description('alter_t.t1_history'::regclass,
                          (SELECT attnum FROM pg_attribute WHERE attrelid = 'alter_t.t1_history'::regclass AND attname = 'p_alive')),
          'BG/NBD probability that the customer is still active at as_of / BG/NBD 存活概率：截至统计截止日期仍未流失的概率',
  '... described as in a history made with clv');
SELECT is((SELECT count(*)::int FROM alter_t.t1_history WHERE as_of = current_date AND historical_clv IS NOT NULL), 6,
  'today''s snapshot has historical CLV for every customer');
CREATE INDEX t1_by_clv ON alter_t.t1 (predicted_clv);
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"clv": false}')$$, '2BP01',
  'rfm.alter_tiers: index alter_t.t1_by_clv uses a column the new tier table does not have',
  'clv off while an index of the user''s needs a CLV column: refused');
SELECT has_column('alter_t', 't1', 'predicted_clv', '... nothing changed');
DROP INDEX alter_t.t1_by_clv;
-- the same with a statistics object of the user's on a CLV column
CREATE STATISTICS alter_t.t1_clv_stats (ndistinct) ON predicted_clv, segment FROM alter_t.t1;
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"clv": false}')$$, '2BP01',
  'rfm.alter_tiers: statistics object alter_t.t1_clv_stats uses a column the new tier table does not have',
  'clv off while a statistics object of the user''s needs a CLV column: refused');
SELECT ok((SELECT clv FROM rfm.tier_tables WHERE id = :t1_id)
          AND (SELECT count(*) FROM pg_attribute WHERE attrelid = 'alter_t.t1'::regclass AND NOT attisdropped
                 AND attname IN ('historical_clv', 'p_alive', 'expected_purchases', 'expected_spend', 'predicted_clv')) = 5
          AND EXISTS (SELECT FROM pg_statistic_ext WHERE stxname = 't1_clv_stats' AND stxrelid = 'alter_t.t1'::regclass),
  '... the five CLV columns and the statistics object are still there');
DROP STATISTICS alter_t.t1_clv_stats;
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"clv": false}')$$, 'clv turned off');
SELECT hasnt_column('alter_t', 't1', 'predicted_clv', 'the CLV columns are gone from the tier table');

-- keep_history off: the history table stays, no longer written; on again
-- needs its name free.
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"keep_history": false}')$$, 'keep_history turned off');
SELECT ok(to_regclass('alter_t.t1_history') IS NOT NULL
          AND (SELECT history_table IS NULL AND NOT keep_history FROM rfm.tier_tables WHERE id = :t1_id),
  'the history table is kept, no longer registered');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"keep_history": true}')$$, '42P07',
  'rfm.alter_tiers: alter_t.t1_history already exists',
  'keep_history on again while the old history table holds the name: refused');
ALTER TABLE alter_t.t1_history RENAME TO t1_history_2024;
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"keep_history": true}')$$, 'keep_history on again');
SELECT is((SELECT count(*)::int FROM alter_t.t1_history), 6, 'a new history table with today''s snapshot');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'alter_t.t1_history'::regclass), 'alter_owner',
  '... owned by the tier table''s owner');
SELECT ok(NOT has_table_privilege('alter_default_reader', 'alter_t.t1_history', 'SELECT'),
  '... without the default privileges of whoever ran the alter');

-- A trigger the owner put on the history table would run as whoever
-- writes the snapshot: only the owner may then write it.
CREATE FUNCTION alter_t.history_audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER audit AFTER INSERT ON alter_t.t1_history FOR EACH STATEMENT EXECUTE FUNCTION alter_t.history_audit();
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 4, "scheme": "standard"}')$$, '42501', NULL,
  'a superuser''s alter refuses to write into a history table with triggers of the owner''s');
-- a superuser's refresh too (a procedure: CALLed at top level, its error expected)
\set failing_tier alter_t.t1
\ir include/refresh_expecting_error.psql
SELECT is((SELECT outcome || ' ' || sqlstate FROM rfm.refresh_log WHERE tier_id = :t1_id ORDER BY id DESC LIMIT 1),
          'failed 42501', '... and so does a superuser''s refresh (logged as failed, 42501)');
SET ROLE alter_owner;
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.t1', '{"bins": 4, "scheme": "standard"}')$$, '... the owner''s own alter writes it');
RESET ROLE;
DROP TRIGGER audit ON alter_t.t1_history;

-- The new rows are read as the owner (as REFRESH does), not as whoever
-- runs the alter: row-level security on the source lets alter_owner see
-- customers 1 and 2 only; a superuser would see all four.
CREATE TABLE alter_t.rls_orders (customer bigint, ordered_on date, amount numeric);
INSERT INTO alter_t.rls_orders VALUES (1, '2024-01-01', 1), (2, '2024-01-02', 2), (3, '2024-01-03', 3), (4, '2024-01-04', 4);
ALTER TABLE alter_t.rls_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY first_two ON alter_t.rls_orders TO alter_owner USING (customer <= 2);
GRANT SELECT ON alter_t.rls_orders TO alter_owner;
SET ROLE alter_owner;
SELECT rfm.create_tiers('alter_t.rls_tiers', 'alter_t.rls_orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-02-01', keep_history => false) \g /dev/null
RESET ROLE;
SELECT rfm.alter_tiers('alter_t.rls_tiers', '{"bins": 3}') \g /dev/null
SELECT is((SELECT array_agg(customer_id ORDER BY customer_id) FROM alter_t.rls_tiers), ARRAY[1, 2]::bigint[],
  'a superuser''s alter reads the source as the owner: row-level security still applies');

-- Incremental tier tables (watermark_column): the customer state stays;
-- as_of and clv are refused as at creation.  An odd name throughout.
ALTER TABLE alter_t.orders ADD COLUMN order_id bigserial;
SELECT rfm.create_tiers('alter_t."Odd ""Tiers"""', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                        watermark_column => 'order_id') \g /dev/null
SELECT id AS odd_id, state_name AS odd_state FROM rfm.tier_tables WHERE tier = 'alter_t."Odd ""Tiers"""'::regclass \gset
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t."Odd ""Tiers"""', '{"as_of": "2024-03-31"}')$$, '22023', NULL,
  'watermark tier table: a fixed as_of refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t."Odd ""Tiers"""', '{"clv": true}')$$, '0A000', NULL,
  'watermark tier table: clv refused');
-- orders that came since the last refresh are taken in by the alter
INSERT INTO alter_t.orders (customer, ordered_on, amount) VALUES (8, current_date, 12), (1, current_date, 3);
-- run as pg_dump's sessions and pg_cron jobs may: with an empty search_path
SELECT pg_catalog.set_config('search_path', '', false) \g /dev/null
SELECT rfm.alter_tiers('alter_t."Odd ""Tiers"""', '{"bins": 3}')::text AS odd_altered \gset
SELECT pg_catalog.set_config('search_path', '"$user", public', false) \g /dev/null
SELECT is(:'odd_altered'::text, 'alter_t."Odd ""Tiers"""',
  'watermark tier table with an odd name, empty search_path: bins changed');
SELECT is((SELECT state_name FROM rfm.tier_tables WHERE id = :odd_id), :'odd_state', '... its customer state kept');
SELECT rfm.create_tiers('alter_t.fresh3', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                        bins => 3, keep_history => false) \g /dev/null
SELECT is(pg_temp.tier_differ('alter_t."Odd ""Tiers"""', 'alter_t.fresh3'), 0::bigint,
  'after the alter (new orders taken in) it equals a full build with bins 3');
-- The fold reads the source with the rights of whoever runs it: only the
-- owner may fold, so a superuser's alter or refresh of another role's
-- incremental table is refused.
ALTER MATERIALIZED VIEW alter_t."Odd ""Tiers""" OWNER TO alter_owner;
ALTER TABLE alter_t."Odd ""Tiers""_history" OWNER TO alter_owner;
ALTER VIEW alter_t."Odd ""Tiers""_segments" OWNER TO alter_owner;
ALTER VIEW alter_t."Odd ""Tiers""_grid" OWNER TO alter_owner;
-- A new order, which a fold would take in: neither the rows, the customer
-- state and its watermark, the options nor the history may change.
INSERT INTO alter_t.orders (customer, ordered_on, amount) VALUES (9, current_date, 4);
CREATE FUNCTION pg_temp.odd_state(odd_id bigint, odd_state text) RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' | ',
    (SELECT tier::oid || ' ' || bins || ' ' || scheme || ' ' || coalesce(state_name, '-') FROM rfm.tier_tables WHERE id = odd_id),
    (SELECT string_agg(t::text, ';' ORDER BY customer_id) FROM alter_t."Odd ""Tiers""" t),
    (SELECT coalesce(watermark, '-') || ' ' || refreshed_at FROM rfm.customer_state_sources WHERE state_name = odd_state),
    (SELECT string_agg(s::text, ';' ORDER BY customer) FROM rfm.customer_states s WHERE state_name = odd_state),
    (SELECT count(*) FROM alter_t."Odd ""Tiers""_history")) $$;
SELECT pg_temp.odd_state(:odd_id, :'odd_state') AS odd_before \gset
SELECT throws_ok($$SELECT rfm.alter_tiers('alter_t."Odd ""Tiers"""', '{"bins": 4}')$$, '42501',
  'rfm: only the owner of alter_t."Odd ""Tiers""" may fold new orders into its customer states',
  'another role''s incremental table: a superuser''s alter refuses to fold');
SELECT is(pg_temp.odd_state(:odd_id, :'odd_state'), :'odd_before',
  '... nothing changed: rows, customer state, watermark, options, history');
\set failing_tier 'alter_t."Odd ""Tiers"""'
\ir include/refresh_expecting_error.psql
SELECT is((SELECT outcome || ' ' || sqlstate FROM rfm.refresh_log WHERE tier_id = :odd_id ORDER BY id DESC LIMIT 1),
          'failed 42501', '... and so does a superuser''s refresh (logged as failed)');
SELECT is(pg_temp.odd_state(:odd_id, :'odd_state'), :'odd_before', '... nothing changed either');
DELETE FROM alter_t.orders WHERE customer = 9;

-- Grants another role gave with a grant option it holds are given again by
-- that role, chains included, so that revoking its grant option with
-- CASCADE still takes away what it gave.  Made by the owner of the tier
-- table, then delegated: alter_delegate -> alter_reader2 -> alter_reader3.
RESET search_path;
GRANT USAGE ON SCHEMA alter_t TO alter_delegate, alter_reader2;
SET ROLE alter_owner;
SELECT rfm.create_tiers('alter_t.tg', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
GRANT SELECT ON alter_t.tg TO alter_delegate WITH GRANT OPTION;
GRANT SELECT (segment) ON alter_t.tg TO alter_delegate WITH GRANT OPTION;
GRANT SELECT ON alter_t.tg_segments TO alter_delegate WITH GRANT OPTION;
SET ROLE alter_delegate;
GRANT SELECT ON alter_t.tg TO alter_reader2 WITH GRANT OPTION;
GRANT SELECT (segment) ON alter_t.tg TO alter_reader3;
GRANT SELECT ON alter_t.tg_segments TO alter_reader2;
SET ROLE alter_reader2;
GRANT SELECT ON alter_t.tg TO alter_reader3;
RESET ROLE;
CREATE FUNCTION pg_temp.tg_acls() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' | ', (SELECT relacl::text FROM pg_class WHERE oid = 'alter_t.tg'::regclass),
                   (SELECT attacl::text FROM pg_attribute WHERE attrelid = 'alter_t.tg'::regclass AND attname = 'segment'),
                   (SELECT relacl::text FROM pg_class WHERE oid = 'alter_t.tg_segments'::regclass)) $$;
SELECT pg_temp.tg_acls() AS tg_acls \gset
SELECT ok(:'tg_acls' LIKE '%alter_reader2=r*/alter_delegate%' AND :'tg_acls' LIKE '%alter_reader3=r/alter_reader2%'
          AND :'tg_acls' LIKE '%alter_reader3=r/alter_delegate%',
  'before the alter: grants by alter_delegate and alter_reader2 on the table, a column and a view');
SELECT rfm.alter_tiers('alter_t.tg', '{"bins": 3}') \g /dev/null
SELECT isnt((SELECT bins FROM rfm.tier_tables WHERE tier = 'alter_t.tg'::regclass), 5, 'a superuser altered it');
SELECT is(pg_temp.tg_acls(), :'tg_acls',
  '... and every grant is made again by the role that made it (the table''s, the column''s, the view''s)');
SET ROLE alter_owner;
REVOKE GRANT OPTION FOR SELECT ON alter_t.tg FROM alter_delegate CASCADE;
RESET ROLE;
SELECT ok(has_table_privilege('alter_delegate', 'alter_t.tg', 'SELECT')
          AND NOT has_table_privilege('alter_reader2', 'alter_t.tg', 'SELECT')
          AND NOT has_table_privilege('alter_reader3', 'alter_t.tg', 'SELECT'),
  'so the owner''s REVOKE GRANT OPTION ... CASCADE still takes away what the delegates gave');
-- A delegate that may no longer use the schema cannot grant there: the
-- owner makes its grant again instead (NOTICE), and the alter goes on.
SET ROLE alter_owner;
GRANT SELECT ON alter_t.tg TO alter_delegate WITH GRANT OPTION;
SET ROLE alter_delegate;
GRANT SELECT ON alter_t.tg TO alter_reader2;
RESET ROLE;
REVOKE USAGE ON SCHEMA alter_t FROM alter_delegate;
SELECT rfm.alter_tiers('alter_t.tg', '{"bins": 2, "scheme": "value8"}') \g /dev/null
SELECT is((SELECT scheme FROM rfm.tier_tables WHERE tier = 'alter_t.tg'::regclass), 'value8',
  'a delegate without USAGE on the schema any more: the alter still runs');
SELECT is((SELECT array_agg(a.grantee::regrole::text || '/' || a.grantor::regrole::text ORDER BY 1)
             FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.oid = 'alter_t.tg'::regclass AND a.grantee <> c.relowner),
          ARRAY['alter_delegate/alter_owner', 'alter_reader2/alter_owner'],
  '... and the delegate''s grant is the owner''s now');
GRANT USAGE ON SCHEMA alter_t TO alter_delegate;
-- The owner's own alter, in a session of its own: it may not SET ROLE to
-- the delegate, so the delegate's grant is made by the owner (NOTICE).
SET ROLE alter_delegate;
GRANT SELECT ON alter_t.tg_segments TO alter_reader3;
RESET ROLE;
SET SESSION AUTHORIZATION alter_owner;
SELECT rfm.alter_tiers('alter_t.tg', '{"bins": 4, "scheme": "standard"}') \g /dev/null
RESET SESSION AUTHORIZATION;
SELECT is((SELECT bins FROM rfm.tier_tables WHERE tier = 'alter_t.tg'::regclass), 4, 'the owner''s own alter ran');
SELECT is((SELECT array_agg(a.grantee::regrole::text || '/' || a.grantor::regrole::text ORDER BY 1)
             FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.oid = 'alter_t.tg_segments'::regclass AND a.grantee <> c.relowner),
          ARRAY['alter_delegate/alter_owner', 'alter_reader2/alter_owner', 'alter_reader3/alter_owner'],
  '... and the grants it could not make as the delegate are the owner''s now');


-- rfm's unique index replaced by a partial one of the user's (fillfactor
-- and WHERE: its definition starts as rfm's does): kept partial, and a
-- full unique index made again, which REFRESH ... CONCURRENTLY needs.
SELECT rfm.create_tiers('alter_t.part', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
DROP INDEX alter_t.part_customer_id_idx;
CREATE UNIQUE INDEX part_top ON alter_t.part (customer_id) WITH (fillfactor = 70) WHERE r_score > 1;
SELECT rfm.alter_tiers('alter_t.part', '{"bins": 4}') \g /dev/null
SELECT is((SELECT array_agg(pg_get_indexdef(i.indexrelid) ORDER BY 1) FROM pg_index i
            WHERE i.indrelid = 'alter_t.part'::regclass),
          ARRAY['CREATE UNIQUE INDEX part_customer_id_idx ON alter_t.part USING btree (customer_id)',
                'CREATE UNIQUE INDEX part_top ON alter_t.part USING btree (customer_id) WITH (fillfactor=''70'') WHERE (r_score > 1)'],
  'alter_tiers keeps a user''s partial unique index partial and makes its own full one again');
CALL rfm.refresh_tiers('alter_t.part');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'alter_t.part'::regclass ORDER BY id DESC LIMIT 1),
  'succeeded', '... so the tier table refreshes (concurrently) afterwards');
-- a unique index on (customer_id, segment) does not stand in for rfm's
-- either: rows are matched by customer_id alone
DROP INDEX alter_t.part_customer_id_idx;
CREATE UNIQUE INDEX part_pair ON alter_t.part (customer_id, segment);
SELECT rfm.alter_tiers('alter_t.part', '{"bins": 3}') \g /dev/null
SELECT ok(EXISTS (SELECT FROM pg_index i WHERE i.indrelid = 'alter_t.part'::regclass
                     AND pg_get_indexdef(i.indexrelid) = 'CREATE UNIQUE INDEX part_customer_id_idx ON alter_t.part USING btree (customer_id)'),
  'a unique index on two columns does not stand in for rfm''s: its own is made again');

-- A _segments view made before 2026-12-07, without segment_priority (its
-- third column): the alter makes it again with it, and a comment the user
-- removed stays removed (rfm puts its own on every column it makes).
SELECT rfm.create_tiers('alter_t.old_view', 'alter_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false) \g /dev/null
DROP VIEW alter_t.old_view_segments;
CREATE VIEW alter_t.old_view_segments AS
SELECT segment, segment_zh, count(*) AS customers, 0::numeric AS customer_share, sum(monetary) AS revenue,
       0::numeric AS revenue_share, 0::numeric AS mean_recency_days, 0::numeric AS mean_frequency,
       0::numeric AS mean_monetary, 0::numeric AS mean_r_score, 0::numeric AS mean_f_score, 0::numeric AS mean_m_score
  FROM alter_t.old_view GROUP BY segment, segment_zh;
UPDATE rfm.tier_tables SET segments_view = 'alter_t.old_view_segments'::regclass WHERE tier = 'alter_t.old_view'::regclass;
COMMENT ON COLUMN alter_t.old_view.tier IS NULL;
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.old_view', '{"bins": 4}')$$,
  'alter_tiers of a tier table whose _segments view predates segment_priority');
SELECT has_column('alter_t', 'old_view_segments', 'segment_priority', '... which the new view has');
SELECT is(col_description('alter_t.old_view'::regclass, 13), NULL, '... and the comment the user removed stays removed');
SELECT isnt(col_description('alter_t.old_view'::regclass, 12), NULL, '... while rfm''s other comments stay');

-- An index left invalid by a CREATE INDEX CONCURRENTLY that failed (a
-- unique one on as_of, the same in every row): not made again (it made the alter
-- fail on the duplicates), with a NOTICE; the valid ones are.
\set ON_ERROR_STOP 0
CREATE UNIQUE INDEX CONCURRENTLY old_view_bad ON alter_t.old_view (as_of);
\set ON_ERROR_STOP 1
CREATE INDEX old_view_good ON alter_t.old_view (segment);
SELECT is((SELECT indisvalid FROM pg_index WHERE indexrelid = 'alter_t.old_view_bad'::regclass), false,
  'a failed CREATE UNIQUE INDEX CONCURRENTLY left an invalid index');
SELECT lives_ok($$SELECT rfm.alter_tiers('alter_t.old_view', '{"bins": 3}')$$, 'alter_tiers goes through');
SELECT ok(to_regclass('alter_t.old_view_bad') IS NULL AND to_regclass('alter_t.old_view_good') IS NOT NULL,
  '... without the invalid index, with the valid one');

SELECT * FROM finish();
SELECT rfm.drop_tiers(tier) FROM rfm.tier_tables WHERE tier::text LIKE 'alter_t.%' \g /dev/null
ALTER DEFAULT PRIVILEGES IN SCHEMA alter_t REVOKE SELECT ON TABLES FROM alter_default_reader;
DROP SCHEMA alter_t CASCADE;
DROP ROLE alter_owner;
DROP ROLE alter_reader;
DROP ROLE alter_default_reader;
DROP ROLE alter_stranger;
DROP ROLE alter_delegate;
DROP ROLE alter_reader2;
DROP ROLE alter_reader3;
