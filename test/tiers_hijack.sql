-- pgTAP: what a tier table's owner can make another role's call run.  A
-- role that owns a tier table must not get its own code run by a
-- superuser who refreshes, alters, drops or reads it (or by a superuser's
-- scheduled job): not through types or operators on the caller's
-- search_path, not through a catalog row edited to name other relations.
-- Its own file: the first part needs rfm's procedures compiled in this
-- session for the first time (PL/pgSQL resolves declared types then).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS hj_t CASCADE;
DROP SCHEMA IF EXISTS hj_v CASCADE;
DROP SCHEMA IF EXISTS hj_evil CASCADE;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_hj_owner') THEN CREATE ROLE rfm_hj_owner; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_hj_other') THEN CREATE ROLE rfm_hj_other; END IF;
END $$;
CREATE SCHEMA hj_t AUTHORIZATION rfm_hj_owner;
CREATE SCHEMA hj_v AUTHORIZATION rfm_hj_other;
CREATE TABLE hj_t.orders (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
ALTER TABLE hj_t.orders OWNER TO rfm_hj_owner;
INSERT INTO hj_t.orders (customer, ordered_on, amount)
SELECT g % 12, date '2024-01-01' + g % 80, g % 9 + 1 FROM generate_series(1, 120) g;
-- what the owner's code records: which role ran it, superuser or not
CREATE TABLE hj_t.calls (what text, by_role text, superuser text);
GRANT INSERT ON hj_t.calls TO PUBLIC;

SELECT plan(29);

-- 1. Types and operators on the caller's search_path.  rfm.create_tiers,
-- rfm.refresh_tiers and rfm._scheduled_refresh (the procedure a pg_cron
-- job runs) have no SET search_path (95_search_path.sql): their declared
-- types were looked up in the caller's path, so a domain named text, name,
-- date, regclass or timestamptz there ran its CHECK at every assignment.
-- The small SQL functions (rfm.tier, rfm.high_low, rfm.recommended_action)
-- are inlined into the caller's query: their operators are named.
CREATE SCHEMA hj_evil;
CREATE FUNCTION hj_evil.hook(what pg_catalog.text) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO hj_t.calls VALUES (what, current_user, current_setting('is_superuser')); RETURN true; END$$;
CREATE DOMAIN hj_evil.text AS pg_catalog.text CHECK (hj_evil.hook('domain text'));
CREATE DOMAIN hj_evil.name AS pg_catalog.name CHECK (hj_evil.hook('domain name'));
CREATE DOMAIN hj_evil.date AS pg_catalog.date CHECK (hj_evil.hook('domain date'));
CREATE DOMAIN hj_evil.regclass AS pg_catalog.regclass CHECK (hj_evil.hook('domain regclass'));
CREATE DOMAIN hj_evil.timestamptz AS pg_catalog.timestamptz CHECK (hj_evil.hook('domain timestamptz'));
CREATE FUNCTION hj_evil.int_op(a integer, b integer, op pg_catalog.text) RETURNS integer LANGUAGE plpgsql AS
  $$BEGIN PERFORM hj_evil.hook('integer ' || op);
         RETURN CASE op WHEN '+' THEN pg_catalog.int4pl(a, b) WHEN '>' THEN pg_catalog.int4gt(a, b)::int
                        WHEN '<' THEN pg_catalog.int4lt(a, b)::int ELSE pg_catalog.int4ge(a, b)::int END; END$$;
CREATE FUNCTION hj_evil.int_plus(integer, integer) RETURNS integer LANGUAGE sql AS $$SELECT hj_evil.int_op($1, $2, '+')$$;
CREATE FUNCTION hj_evil.int_gt(integer, integer) RETURNS boolean LANGUAGE sql AS $$SELECT hj_evil.int_op($1, $2, '>') OPERATOR(pg_catalog.=) 1$$;
CREATE FUNCTION hj_evil.int_lt(integer, integer) RETURNS boolean LANGUAGE sql AS $$SELECT hj_evil.int_op($1, $2, '<') OPERATOR(pg_catalog.=) 1$$;
CREATE FUNCTION hj_evil.int_ge(integer, integer) RETURNS boolean LANGUAGE sql AS $$SELECT hj_evil.int_op($1, $2, '>=') OPERATOR(pg_catalog.=) 1$$;
CREATE FUNCTION hj_evil.num_gt(numeric, numeric) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN PERFORM hj_evil.hook('numeric >'); RETURN pg_catalog.numeric_gt($1, $2); END$$;
CREATE FUNCTION hj_evil.num_lt(numeric, numeric) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN PERFORM hj_evil.hook('numeric <'); RETURN pg_catalog.numeric_lt($1, $2); END$$;
CREATE FUNCTION hj_evil.text_eq(pg_catalog.text, pg_catalog.text) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN PERFORM hj_evil.hook('text ='); RETURN pg_catalog.texteq($1, $2); END$$;
CREATE OPERATOR hj_evil.+ (LEFTARG = integer, RIGHTARG = integer, FUNCTION = hj_evil.int_plus);
CREATE OPERATOR hj_evil.> (LEFTARG = integer, RIGHTARG = integer, FUNCTION = hj_evil.int_gt);
CREATE OPERATOR hj_evil.< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = hj_evil.int_lt);
CREATE OPERATOR hj_evil.>= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = hj_evil.int_ge);
CREATE OPERATOR hj_evil.> (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = hj_evil.num_gt);
CREATE OPERATOR hj_evil.< (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = hj_evil.num_lt);
CREATE OPERATOR hj_evil.= (LEFTARG = pg_catalog.text, RIGHTARG = pg_catalog.text, FUNCTION = hj_evil.text_eq);

SET search_path = hj_evil, pg_catalog, public;
-- (the schema captures a plain block's declared text and a plain query's operators)
DO $$DECLARE x text := 'x'; BEGIN END$$;
SELECT 1 + 1 AS two, 'a'::pg_catalog.text = 'a' AS same \g /dev/null
SELECT count(*) AS captured FROM hj_t.calls \gset
TRUNCATE hj_t.calls;
-- each procedure's first call in this session is under that search_path
SELECT rfm.create_tiers('hj_t.typed', 'hj_t.orders', 'customer', 'ordered_on', 'amount', bins => 3) \g /dev/null
RESET search_path;
SELECT rfm._cron_job_name(id) AS job_name, rfm._cron_job_token(created_at) AS job_token
  FROM rfm.tier_tables WHERE tier = 'hj_t.typed'::regclass \gset
SET search_path = hj_evil, pg_catalog, public;
CALL rfm.refresh_tiers('hj_t.typed');
CALL rfm._scheduled_refresh('hj_t.typed', :'job_name', :'job_token');
SELECT rfm.tier(5, 4, 3) AS t1, rfm.tier(1, 1, 1, lang => 'zh') AS t2, rfm.high_low(2, 1) AS h1,
       rfm.high_low(2, 1, false) AS h2, rfm.recommended_action('Champions') IS NOT NULL AS has_action,
       rfm.tier(1, 1, 1, lang => 'zh-Hant') AS t3, rfm.recommended_action('冠軍客戶', lang => 'zh-Hant') AS action_hant,
       rfm.segment(5, 5, 5) AS s1, rfm.segment(1, 1, 1, 'value8', 'zh-Hant') AS s2 \gset
RESET search_path;
SELECT cmp_ok(:captured, '>=', 3, 'with hj_evil first in search_path its domain text and its operators capture plain code');
SELECT is((SELECT string_agg(DISTINCT what, ', ') FROM hj_t.calls), NULL,
  'create_tiers, refresh_tiers, _scheduled_refresh (each compiled under it), tier, high_low, recommended_action and segment ran none of its types or operators');
SELECT results_eq($$SELECT action, outcome FROM rfm.refresh_log WHERE tier = 'hj_t.typed'::regclass ORDER BY id$$,
  $$VALUES ('create', 'succeeded'), ('refresh', 'succeeded'), ('refresh', 'succeeded')$$,
  '... and the build and both refreshes succeeded');
SELECT is(ARRAY[:'t1', :'t2', :'h1', :'h2', :'has_action', :'t3', :'action_hant', :'s1', :'s2'],
  ARRAY['core', '边缘', '2', '1', 't', '邊緣', '專屬服務與新品優先體驗，邀請評價和轉介紹', 'Champions', '一般挽留客戶'],
  '... and the small functions gave their usual answers (in zh-Hant too)');
-- A collation named "C" there (case-insensitive): the inlined bodies of
-- rfm.tier and rfm.recommended_action name pg_catalog's, so a segment in
-- other letters is still no segment (a language tag is read without
-- regard to case anyway: ZH-HANT is zh-Hant, under any collation).
CREATE COLLATION hj_evil."C" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE FUNCTION pg_temp.under_evil(q text) RETURNS text LANGUAGE plpgsql SET search_path = hj_evil, pg_catalog, public AS
  $$DECLARE r text; BEGIN EXECUTE q INTO r; RETURN coalesce(r, 'NULL'); EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END$$;
SELECT is(pg_temp.under_evil($$SELECT rfm.tier(1, 1, 1, lang => 'ZH-HANT')$$), '邊緣',
  'rfm.tier under a search_path with a case-insensitive collation "C": ZH-HANT is zh-Hant');
SELECT is(pg_temp.under_evil($$SELECT rfm.recommended_action('CHAMPIONS', lang => 'ZH-HANT')$$), 'NULL',
  '... rfm.recommended_action: CHAMPIONS is still no segment');
SELECT is(pg_temp.under_evil($$SELECT rfm.recommended_action('Champions', lang => 'ZH-HANT')$$),
  '專屬服務與新品優先體驗，邀請評價和轉介紹', '... and Champions has its zh-Hant action');
DROP SCHEMA hj_evil CASCADE;
TRUNCATE hj_t.calls;
SELECT rfm.drop_tiers('hj_t.typed') \g /dev/null

-- 2. A catalog row edited to name another materialized view as the tier
-- table: one whose segment column is of the owner's own type, with a cast
-- to text of the owner's.  A superuser's refresh copied its rows into the
-- history table with that cast, which ran as the superuser.
SET ROLE rfm_hj_owner;
SELECT rfm.create_tiers('hj_t.tiers', 'hj_t.orders', 'customer', 'ordered_on', 'amount', bins => 3,
                        as_of => '2024-03-31') \g /dev/null
CREATE TYPE hj_t.label AS (x text);
CREATE FUNCTION hj_t.label_text(hj_t.label) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO hj_t.calls VALUES ('cast', current_user, current_setting('is_superuser')); RETURN ($1).x; END$$;
CREATE CAST (hj_t.label AS text) WITH FUNCTION hj_t.label_text(hj_t.label) AS ASSIGNMENT;
CREATE MATERIALIZED VIEW hj_t.swapped AS
SELECT customer_id, first_purchase, last_purchase, recency_days, frequency, monetary, r_score, f_score, m_score,
       rfm_cell, ROW(segment)::hj_t.label AS segment, segment_zh, tier, tier_zh, lifecycle, lifecycle_zh, as_of FROM hj_t.tiers;
CREATE UNIQUE INDEX ON hj_t.swapped (customer_id);
SELECT lives_ok($$UPDATE rfm.tier_tables SET tier = 'hj_t.swapped' WHERE tier = 'hj_t.tiers'::regclass$$,
  'the owner may point its catalog row at another materialized view of its own');
RESET ROLE;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('hj_t.swapped');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42704', 'a superuser''s refresh of it is refused: the row names no tier table (rfm._is_tier_matview)');
SELECT is((SELECT count(*)::int FROM hj_t.calls), 0, '... and the owner''s cast never ran');
SELECT is((SELECT count(*)::int FROM hj_t.tiers_history), 12, '... and the history keeps only the build''s snapshot');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier = 'hj_t.swapped'::regclass AND action = 'refresh'), 0,
  '... and no refresh was logged for it');
-- nor may the owner: a materialized view that does not read rfm._tier_rows is not a tier table
SET ROLE rfm_hj_owner;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('hj_t.swapped');
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT is(:'LAST_ERROR_SQLSTATE' || ' ' || (SELECT count(*) FROM hj_t.calls), '42704 0',
  'the owner''s refresh of it is refused too, nothing of its ran');
-- a plain view named as the tier table: reading it would run its code
SET ROLE rfm_hj_owner;
CREATE FUNCTION hj_t.spy() RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO hj_t.calls VALUES ('spy', current_user, current_setting('is_superuser')); RETURN true; END$$;
CREATE VIEW hj_t.spying AS SELECT * FROM hj_t.tiers WHERE hj_t.spy();
UPDATE rfm.tier_tables SET tier = 'hj_t.spying' WHERE tier = 'hj_t.swapped'::regclass;
RESET ROLE;
TRUNCATE hj_t.calls;
SELECT ok(NOT rfm._tier_copies_plainly('hj_t.spying', 'hj_t.tiers_history', false)
          AND NOT rfm._tier_copies_plainly('hj_t.swapped', 'hj_t.tiers_history', false)
          AND rfm._tier_copies_plainly('hj_t.tiers', 'hj_t.tiers_history', false)
          AND NOT rfm._tier_copies_plainly('hj_t.tiers', 'hj_t.tiers_history', true),
  'rfm._tier_copies_plainly: only a materialized view with the history''s column types (all of them) passes');
SET ROLE rfm_hj_owner;
UPDATE rfm.tier_tables SET tier = 'hj_t.tiers' WHERE tier = 'hj_t.spying'::regclass;
RESET ROLE;

-- 3. A history table named by the row that is not plain (here a view of
-- the owner's over the real one, calling its function): a superuser's
-- rfm.transitions read it with the superuser's rights.
SET ROLE rfm_hj_owner;
CREATE VIEW hj_t.history_spy AS SELECT * FROM hj_t.tiers_history WHERE hj_t.spy();
UPDATE rfm.tier_tables SET history_table = 'hj_t.history_spy' WHERE tier = 'hj_t.tiers'::regclass;
RESET ROLE;
TRUNCATE hj_t.calls;
SELECT throws_ok($$SELECT * FROM rfm.transitions('hj_t.tiers', '2024-03-31', '2024-03-31')$$, '42501', NULL,
  'a superuser''s rfm.transitions over a history table that is a view is refused');
SELECT is((SELECT count(*)::int FROM hj_t.calls), 0, '... and the view''s function never ran');
SET ROLE rfm_hj_owner;
SELECT lives_ok($$SELECT * FROM rfm.transitions('hj_t.tiers', '2024-03-31', '2024-03-31')$$,
  'the owner reads its own transitions through it');
UPDATE rfm.tier_tables SET history_table = 'hj_t.tiers_history' WHERE tier = 'hj_t.tiers'::regclass;
RESET ROLE;
SET ROLE rfm_hj_owner;
CREATE INDEX ON hj_t.tiers_history (customer_id);   -- (runs nothing on a read)
RESET ROLE;
SELECT lives_ok($$SELECT * FROM rfm.transitions('hj_t.tiers', '2024-03-31', '2024-03-31')$$,
  'a superuser reads the transitions of an ordinary history table, an index of the owner''s on it');
-- (nothing else of the owner's built on the tier table from here on)
SET ROLE rfm_hj_owner;
DROP VIEW hj_t.history_spy, hj_t.spying;
DROP MATERIALIZED VIEW hj_t.swapped;
RESET ROLE;

-- 3b. The planner folds the constant parts of index expressions and
-- predicates and of statistics on expressions, calling their functions as
-- whoever plans: an IMMUTABLE function of the owner's in a partial index of
-- the tier table ran as a superuser's refresh (looking for the key index,
-- and planning the snapshot), and one in the history's statistics as a
-- superuser's rfm.transitions.  (ALTER INDEX ... SET rebuilds the cached
-- index entry, so the next planner folds the predicate again.)
SET ROLE rfm_hj_owner;
CREATE FUNCTION hj_t.imm() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$BEGIN RETURN hj_t.spy(); END$$;
CREATE FUNCTION hj_t.immint() RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$BEGIN PERFORM hj_t.spy(); RETURN 1; END$$;
CREATE INDEX hj_partial ON hj_t.tiers (recency_days) WHERE hj_t.imm();
ALTER INDEX hj_t.hj_partial SET (fillfactor = 90);
DROP INDEX hj_t.tiers_history_customer_id_idx;   -- (part 3's)
RESET ROLE;
TRUNCATE hj_t.calls;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('hj_t.tiers');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42501', 'a superuser''s refresh of a tier table with a partial index of the owner''s is refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('hj_t.tiers', '{"bins": 4}')$$, '42501', NULL, '... and so is an alter');
SELECT is((SELECT count(*)::int FROM hj_t.calls WHERE superuser = 'on'), 0, '... and the predicate''s function never ran as the superuser');
SET ROLE rfm_hj_owner;
DROP INDEX hj_t.hj_partial;
CREATE INDEX hj_plain ON hj_t.tiers (lower(segment)) WHERE r_score > 1;   -- PostgreSQL's functions only
RESET ROLE;
CALL rfm.refresh_tiers('hj_t.tiers');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'hj_t.tiers'::regclass ORDER BY id DESC LIMIT 1), 'succeeded',
  'an index of the owner''s on PostgreSQL''s own functions does not stop a superuser''s refresh');
-- statistics on an expression (PostgreSQL 14 and later; on 13 an index on it)
SET ROLE rfm_hj_owner;
SELECT CASE WHEN current_setting('server_version_num')::int >= 140000
            THEN 'CREATE STATISTICS hj_t.hst ON (recency_days + hj_t.immint()), frequency FROM hj_t.tiers_history'
            ELSE 'CREATE INDEX hj_hexpr ON hj_t.tiers_history ((recency_days + hj_t.immint())); ALTER INDEX hj_t.hj_hexpr SET (fillfactor = 90)' END \gexec
RESET ROLE;
TRUNCATE hj_t.calls;
SELECT throws_ok($$SELECT * FROM rfm.transitions('hj_t.tiers', '2024-03-31', '2024-03-31')$$, '42501', NULL,
  'a superuser''s rfm.transitions over a history table with statistics on the owner''s expression is refused');
SELECT is((SELECT count(*)::int FROM hj_t.calls WHERE superuser = 'on'), 0, '... and the expression''s function never ran as the superuser');
SET ROLE rfm_hj_owner;
DROP STATISTICS IF EXISTS hj_t.hst;
DROP INDEX IF EXISTS hj_t.hj_hexpr;
RESET ROLE;

-- 4. A row edited to name another role's view built on the tier table as
-- its segments view: a superuser's rfm.drop_tiers dropped that view, and
-- rfm.alter_tiers would replace it.
SET ROLE rfm_hj_owner;
GRANT USAGE ON SCHEMA hj_t TO rfm_hj_other;
GRANT SELECT ON hj_t.tiers TO rfm_hj_other;
SET ROLE rfm_hj_other;
CREATE VIEW hj_v.my_report AS SELECT segment, count(*) AS n FROM hj_t.tiers GROUP BY 1;
SET ROLE rfm_hj_owner;
-- (by its oid: the owner has no USAGE on hj_v, pg_class shows it anyway)
SELECT c.oid AS report_oid FROM pg_class c WHERE c.relname = 'my_report' \gset
UPDATE rfm.tier_tables SET segments_view = :report_oid WHERE tier = 'hj_t.tiers'::regclass;
DROP VIEW hj_t.tiers_segments;
RESET ROLE;
SELECT throws_ok($$SELECT rfm.drop_tiers('hj_t.tiers')$$, '42501',
  'rfm.drop_tiers: view hj_v.my_report belongs to role rfm_hj_other, not to rfm_hj_owner, the owner of tier table hj_t.tiers',
  'a superuser''s drop of a tier table whose row names another role''s view is refused');
SELECT throws_ok($$SELECT rfm.alter_tiers('hj_t.tiers', '{"bins": 4}')$$, '42501', NULL,
  '... and so is an alter');
SELECT ok(to_regclass('hj_v.my_report') IS NOT NULL AND to_regclass('hj_t.tiers') IS NOT NULL
          AND (SELECT bins FROM rfm.tier_tables WHERE tier = 'hj_t.tiers'::regclass) = 3,
  '... the other role''s view, the tier table and its options are as they were');

-- 5. created_at names the row's pg_cron job: the owner cannot change it
SET ROLE rfm_hj_owner;
SELECT throws_ok($$UPDATE rfm.tier_tables SET created_at = created_at - interval '1 day' WHERE tier = 'hj_t.tiers'::regclass$$,
  '42501', 'rfm: the created_at of a row of rfm.tier_tables never changes',
  'the owner cannot change its row''s created_at');
RESET ROLE;

-- 6. A schema name longer than PostgreSQL's 63 bytes (which PostgreSQL
-- cuts, naming another schema): its own error, not "does not exist"
SELECT throws_ok(format($$SELECT rfm.create_tiers(%L, 'hj_t.orders', 'customer', 'ordered_on', 'amount')$$,
                        repeat('s', 70) || '.x'),
  '42622', NULL, 'a schema name over 63 bytes is name_too_long');

SELECT * FROM finish();
DROP SCHEMA hj_v CASCADE;
SET ROLE rfm_hj_owner;
SELECT rfm.drop_tiers('hj_t.tiers') \g /dev/null
RESET ROLE;
DROP SCHEMA hj_t CASCADE;
DROP ROLE rfm_hj_owner;
DROP ROLE rfm_hj_other;
