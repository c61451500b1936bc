-- Bad-input matrix for tier tables (README, "Limits and errors"): NULL
-- arguments, unknown options, hostile identifiers, empty and bad sources,
-- and failing calls that must leave no tier table created or changed.
-- Expected values checked by hand (comments).
\pset null '(null)'
SET client_min_messages = warning;

\i sql/include/err.sql

-- This database is shared with the other tests, some of which print
-- catalog ids: remember the id sequences and put them back at the end.
SELECT (SELECT last_value FROM rfm.refresh_log_id_seq) AS log_last,
       (SELECT is_called FROM rfm.refresh_log_id_seq) AS log_called,
       (SELECT last_value FROM rfm.tier_tables_id_seq) AS tier_last,
       (SELECT is_called FROM rfm.tier_tables_id_seq) AS tier_called \gset

CREATE SCHEMA bad_t;
CREATE TABLE bad_t.orders (customer text, ordered_on date, amount numeric);
-- alice 2 purchases (01-01, 03-01), bob 1 (02-01)
INSERT INTO bad_t.orders VALUES ('alice', '2024-01-01', 10), ('alice', '2024-03-01', 20), ('bob', '2024-02-01', 5);

-- NULL in every argument but as_of and watermark_column: 22004 before anything is created.
SELECT pg_temp.err($$SELECT rfm.create_tiers(NULL, 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS null_name;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', NULL, 'customer', 'ordered_on', 'amount')::text$$) AS null_source;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', NULL, 'ordered_on', 'amount')::text$$) AS null_customer;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', NULL, 'amount')::text$$) AS null_time;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', NULL)::text$$) AS null_amount;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', bins => NULL)::text$$) AS null_bins;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', clv => NULL)::text$$) AS null_clv;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', scheme => NULL)::text$$) AS null_scheme;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', keep_history => NULL)::text$$) AS null_keep_history;
-- (watermark_column NULL is its default: a tier table refreshed in full, not an error)

-- Unknown options and out-of-range values.
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', scheme => 'nope')::text$$) AS unknown_scheme;
-- value8 labels high (2) and low (1) scores only: bins 2, else most customers get no segment
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', scheme => 'value8')::text$$) AS value8_bins_5;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', bins => 3, scheme => 'value8')::text$$) AS value8_bins_3;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', bins => 1)::text$$) AS bins_1;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', bins => 10)::text$$) AS bins_10;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', colour => 'red')::text$$) AS unknown_option;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'no_such_column', 'ordered_on', 'amount')::text$$) AS unknown_column;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'amount', 'ordered_on')::text$$) AS swapped_columns;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.no_such_table', 'customer', 'ordered_on', 'amount')::text$$) AS unknown_source;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount', as_of => 'infinity')::text$$) AS infinite_as_of;
SELECT pg_temp.err($$SELECT rfm.create_tiers('a.b.c', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS three_part_name;
-- not SQL name syntax (PostgreSQL's parse_ident said only "string is not a valid identifier")
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.my tiers', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS unquoted_space;
SELECT pg_temp.err($$SELECT rfm.create_tiers('', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS empty_name;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.' || repeat('x', 60), 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS name_too_long;
-- a temporary source (or a view over one, temporary too): the tier table
-- would outlive it, as PostgreSQL's own materialized views may not
CREATE TEMP TABLE temp_orders AS SELECT * FROM bad_t.orders;
CREATE VIEW temp_orders_view AS SELECT * FROM temp_orders;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'temp_orders', 'customer', 'ordered_on', 'amount')::text$$) AS temporary_source;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'temp_orders_view', 'customer', 'ordered_on', 'amount')::text$$) AS view_over_temporary;
-- and so would a customer state, which took it until 2026-12-06 and broke
-- in the next session (42P01 "the source (oid ...) no longer exists")
SELECT pg_temp.err($$SELECT rfm.customer_state_create('temp_state', 'temp_orders', 'customer', 'ordered_on', 'amount', 'ordered_on')::text$$) AS state_temporary_source,
       pg_temp.err($$SELECT rfm.customer_state_create('temp_state', 'temp_orders_view', 'customer', 'ordered_on', 'amount', 'ordered_on')::text$$) AS state_view_over_temporary,
       (SELECT count(*) FROM rfm.customer_state_sources WHERE state_name = 'temp_state') AS state_rows;
-- nor can the tier table be temporary: pg_temp named (was 3F000 "schema
-- pg_temp does not exist"), or the session's temporary schema current (was
-- 42501 "cannot create temporary table within security-restricted
-- operation"); its number depends on the backend
SELECT pg_temp.err($$SELECT rfm.create_tiers('pg_temp.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS temporary_tier_table;
SET search_path = pg_temp, public;
SELECT regexp_replace(pg_temp.err($$SELECT rfm.create_tiers('x', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$),
                      'pg_temp_[0-9]+', 'pg_temp_N') AS temporary_current_schema;
RESET search_path;
DROP TABLE temp_orders CASCADE;
-- A name already taken by the tier table, its segments or grid view (a
-- relation, or a type: a view makes one): 42P07 naming it, before the
-- build (was CREATE's bare "already exists" after it).  A schema that does
-- not exist: 3F000.
CREATE TABLE bad_t.taken (x int);
CREATE TABLE bad_t.y_segments (x int);
CREATE TYPE bad_t.z_grid AS (x int);
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.taken', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS name_taken;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.y', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS segments_name_taken;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.z', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS grid_name_taken_by_a_type;
SELECT pg_temp.err($$SELECT rfm.create_tiers('no_such_schema.x', 'bad_t.orders', 'customer', 'ordered_on', 'amount')::text$$) AS unknown_schema;
DROP TABLE bad_t.taken, bad_t.y_segments;
DROP TYPE bad_t.z_grid;
-- A customer column without an ordering (json): 0A000, as rfm.customer_scores
-- (was 42883 "could not identify an equality operator" from the query).
CREATE TABLE bad_t.json_orders (customer json, ordered_on date, amount numeric);
INSERT INTO bad_t.json_orders VALUES ('{"id": 1}', '2024-01-01', 10);
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.json_orders', 'customer', 'ordered_on', 'amount')::text$$) AS json_customer;
DROP TABLE bad_t.json_orders;
-- A source with columns but no rows of its own (an index, a composite
-- type, a sequence): 42809 (was the generated query's error, with its text).
CREATE INDEX orders_all ON bad_t.orders (customer, ordered_on, amount);
CREATE TYPE bad_t.order_row AS (customer text, ordered_on date, amount numeric);
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.orders_all', 'customer', 'ordered_on', 'amount')::text$$) AS index_source;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.x', 'bad_t.order_row', 'customer', 'ordered_on', 'amount')::text$$) AS composite_type_source;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_t.orders_all', 'customer', 'ordered_on', 'amount')$$) AS index_source_scores;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('bad_t state', 'bad_t.order_row', 'customer', 'ordered_on', 'amount', 'ordered_on')::text$$) AS composite_type_state;
DROP INDEX bad_t.orders_all;
DROP TYPE bad_t.order_row;
-- none of the failures above left anything behind
SELECT count(*) AS relations_in_bad_t FROM pg_class WHERE relnamespace = 'bad_t'::regnamespace;  -- orders only: 1
SELECT count(*) AS catalog_rows FROM rfm.tier_tables WHERE tier::text LIKE 'bad_t.%';            -- 0

-- Hostile identifiers: names are identifiers, never SQL.  The table is
-- made with exactly the quoted name; its sibling views follow it.
CREATE TABLE bad_t."Orders; DROP TABLE bad_t.orders; --" ("Customer ""id""" text, "ordered on" date, "€" numeric);
INSERT INTO bad_t."Orders; DROP TABLE bad_t.orders; --" SELECT * FROM bad_t.orders;
SELECT rfm.create_tiers('bad_t."Tiers''); DROP TABLE bad_t.orders; --"',
                        'bad_t."Orders; DROP TABLE bad_t.orders; --"',
                        'Customer "id"', 'ordered on', '€', as_of => '2024-03-31')::text AS hostile_tier;
-- alice: last 03-01 -> recency 30, frequency 2, monetary 30; bob: 02-01 ->
-- 59, 1, 5 (2024 is a leap year).
SELECT customer_id, recency_days, frequency, monetary
  FROM bad_t."Tiers'); DROP TABLE bad_t.orders; --" ORDER BY 1;
SELECT count(*) AS orders_still_there FROM bad_t.orders;  -- 3
SELECT relname FROM pg_class WHERE relnamespace = 'bad_t'::regnamespace AND relkind IN ('m', 'v') ORDER BY 1;

-- Empty source: a tier table with no rows (not an error).
CREATE TABLE bad_t.no_orders (customer text, ordered_on date, amount numeric);
SELECT rfm.create_tiers('bad_t.empty_tiers', 'bad_t.no_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')::text;
SELECT count(*) AS empty_rows FROM bad_t.empty_tiers;  -- 0

-- A bad row in the source (NaN amount) fails creation: 22023, and no
-- table, view, history table or catalog row is left; with watermark_column
-- the customer state (made before the table, rfm.customer_state_create
-- meets the NaN) is not left either.
CREATE TABLE bad_t.nan_orders (customer text, ordered_on date, amount numeric);
INSERT INTO bad_t.nan_orders VALUES ('carol', '2024-01-01', 'NaN');
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.nan_tiers', 'bad_t.nan_orders', 'customer', 'ordered_on', 'amount')::text$$) AS nan_source;
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.nan_tiers', 'bad_t.nan_orders', 'customer', 'ordered_on', 'amount', watermark_column => 'ordered_on')::text$$) AS nan_source_incremental;
-- The error names rfm, not rfm.customer_scores or rfm.summarize (which the
-- user did not call); a clv table's grouped path names the order's day
-- (its aggregate does not know the customer), whatever DateStyle says.
SET DateStyle = 'SQL, DMY';
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.nan_tiers', 'bad_t.nan_orders', 'customer', 'ordered_on', 'amount', clv => true)::text$$) AS nan_source_clv;
RESET DateStyle;
SELECT to_regclass('bad_t.nan_tiers') AS nan_tiers, to_regclass('bad_t.nan_tiers_segments') AS nan_segments,
       to_regclass('bad_t.nan_tiers_grid') AS nan_grid, to_regclass('bad_t.nan_tiers_history') AS nan_history,
       (SELECT count(*) FROM rfm.tier_tables WHERE tier::text = 'bad_t.nan_tiers') AS catalog_rows,
       (SELECT count(*) FROM rfm.customer_state_sources WHERE source = 'bad_t.nan_orders'::regclass) AS state_rows;
-- A watermark column without max() (boolean): 42804 naming
-- rfm.create_tiers (it named rfm.customer_state_create), nothing left.
CREATE TABLE bad_t.flag_orders (customer text, ordered_on date, amount numeric, loaded boolean);
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.flag_tiers', 'bad_t.flag_orders', 'customer', 'ordered_on', 'amount', watermark_column => 'loaded')::text$$) AS boolean_watermark;
SELECT to_regclass('bad_t.flag_tiers') AS flag_tiers,
       (SELECT count(*) FROM rfm.customer_state_sources WHERE source = 'bad_t.flag_orders'::regclass) AS flag_state_rows;
-- Monetary values 1 and 9e-1001 (1001 decimals): every cut point of 5
-- bins falls between them and would be rounded (rfm.breaks,
-- sql/bad_input_scores.sql): 54000, and nothing is left.
CREATE TABLE bad_t.fine_orders (customer text, ordered_on date, amount numeric);
INSERT INTO bad_t.fine_orders VALUES ('dave', '2024-01-01', 1), ('erin', '2024-01-01', 9e-1001);
SELECT pg_temp.err($$SELECT rfm.create_tiers('bad_t.fine_tiers', 'bad_t.fine_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')::text$$) AS too_many_decimals;
SELECT to_regclass('bad_t.fine_tiers') AS fine_tiers, to_regclass('bad_t.fine_tiers_segments') AS fine_segments,
       to_regclass('bad_t.fine_tiers_grid') AS fine_grid, to_regclass('bad_t.fine_tiers_history') AS fine_history,
       (SELECT count(*) FROM rfm.tier_tables WHERE tier::text = 'bad_t.fine_tiers') AS catalog_rows;

-- A failing refresh leaves the tier table as it was: the source gets a
-- NaN amount, the refresh fails (22023) and the rows stay the same.
SELECT rfm.create_tiers('bad_t.good_tiers', 'bad_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')::text;
CREATE TEMP TABLE before_refresh AS SELECT * FROM bad_t.good_tiers;
INSERT INTO bad_t.orders VALUES ('bob', '2024-02-02', 'NaN');
-- (terse: the full message also names the refresh_log id, which depends on
-- what ran before in this database)
\set VERBOSITY terse
CALL rfm.refresh_tiers('bad_t.good_tiers');
\set VERBOSITY default
SELECT outcome, sqlstate FROM rfm.refresh_log
 WHERE tier = 'bad_t.good_tiers'::regclass ORDER BY id DESC LIMIT 1;       -- failed, 22023
SELECT count(*) AS changed_rows FROM (
  (SELECT * FROM bad_t.good_tiers EXCEPT ALL SELECT * FROM before_refresh)
  UNION ALL
  (SELECT * FROM before_refresh EXCEPT ALL SELECT * FROM bad_t.good_tiers)) d;  -- 0
DELETE FROM bad_t.orders WHERE amount = 'NaN';
-- A cancelled refresh (here statement_timeout; pg_cancel_backend alike) is
-- logged as failed with 57014, not left 'running'.  The view sleeps 0.2 s
-- per order row.
CREATE VIEW bad_t.slow_orders AS
SELECT customer, ordered_on, amount FROM bad_t.orders WHERE pg_catalog.pg_sleep(0.2) IS NOT NULL;
SELECT rfm.create_tiers('bad_t.slow_tiers', 'bad_t.slow_orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', keep_history => false);
\set VERBOSITY terse
SET statement_timeout = '100ms';
CALL rfm.refresh_tiers('bad_t.slow_tiers');
RESET statement_timeout;
\set VERBOSITY default
SELECT outcome, sqlstate, finished_at IS NOT NULL AS finished
  FROM rfm.refresh_log WHERE tier = 'bad_t.slow_tiers'::regclass ORDER BY id DESC LIMIT 1;
SELECT rfm.drop_tiers('bad_t.slow_tiers');
DROP VIEW bad_t.slow_orders;
-- NULL and unknown tier arguments (a NULL tier: 22004, as in
-- rfm.transitions; was 42704 "<NULL> is not a tier table")
SELECT pg_temp.err($$SELECT rfm.drop_tiers(NULL)::text$$) AS drop_null,
       pg_temp.err($$SELECT rfm.alter_tiers(NULL, '{}')::text$$) AS alter_null,
       pg_temp.err($$SELECT rfm.schedule_refresh(NULL, '* * * * *')::text$$) AS schedule_null;
SELECT pg_temp.err($$SELECT rfm.drop_tiers('bad_t.orders')::text$$) AS drop_not_a_tier;
-- By name (rfm.drop_tiers(text, boolean)): a name that is not there is a
-- NOTICE with if_exists, 42P01 without; NULLs 22004; a relation that is
-- not a tier table, the regclass form's error either way; a name that is
-- not one, to_regclass's own error; a hostile name is only a name.
SET client_min_messages = notice;
SELECT rfm.drop_tiers('bad_t.no_such_tiers', if_exists => true);
SELECT rfm.drop_tiers('bad_t."x''); DROP TABLE bad_t.orders; --"', true);
SET client_min_messages = warning;
SELECT pg_temp.err($$SELECT rfm.drop_tiers('bad_t.no_such_tiers', false)::text$$) AS drop_missing;
-- A tier table of that name dropped by DROP MATERIALIZED VIEW: what it
-- left (history, log and catalog rows, which keep the name from being
-- used again) is removed, so a script that drops and makes it runs twice.
-- A view of yours on its history table: 2BP01 naming it, nothing removed.
SELECT rfm.create_tiers('bad_t.gone_tiers', 'bad_t.orders', 'customer', 'ordered_on', 'amount') \g /dev/null
DROP MATERIALIZED VIEW bad_t.gone_tiers CASCADE;
CREATE VIEW bad_t.gone_days AS SELECT DISTINCT as_of FROM bad_t.gone_tiers_history;
SELECT pg_temp.err($$SELECT rfm.drop_tiers('bad_t.gone_tiers', true)::text$$) AS history_in_use;
SELECT to_regclass('bad_t.gone_tiers_history') IS NOT NULL AS history_kept,
       (SELECT count(*) FROM rfm.tier_tables t WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.tier)) AS orphan_rows;
DROP VIEW bad_t.gone_days;
SET client_min_messages = notice;
SELECT rfm.drop_tiers('bad_t.gone_tiers', true);
SET client_min_messages = warning;
SELECT to_regclass('bad_t.gone_tiers_history') AS history_left,
       (SELECT count(*) FROM rfm.tier_tables t WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.tier)) AS orphan_rows;
SELECT rfm.create_tiers('bad_t.gone_tiers', 'bad_t.orders', 'customer', 'ordered_on', 'amount') IS NOT NULL AS made_again;
SELECT rfm.drop_tiers('bad_t.gone_tiers', true);
SELECT pg_temp.err($$SELECT rfm.drop_tiers('bad_t.gone_tiers', false)::text$$) AS dropped_twice;
SELECT pg_temp.err($$SELECT rfm.drop_tiers('bad_t.no_such_tiers', NULL)::text$$) AS drop_null_if_exists,
       pg_temp.err($$SELECT rfm.drop_tiers(NULL, true)::text$$) AS drop_null_name;
SELECT pg_temp.err($$SELECT rfm.drop_tiers('bad_t.orders', true)::text$$) AS drop_not_a_tier_if_exists;
SELECT pg_temp.err($$SELECT rfm.drop_tiers('a.b.c.d', true)::text$$) AS drop_bad_name;
SELECT count(*) AS orders_left FROM bad_t.orders;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.transitions('bad_t.orders', '2024-01-01', '2024-02-01')$$) AS transitions_not_a_tier;
\set VERBOSITY terse
CALL rfm.refresh_tiers(NULL);
\echo :LAST_ERROR_SQLSTATE
CALL rfm.refresh_tiers('bad_t.orders');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

-- Hints for a first try's mistakes (SHOW_CONTEXT never: the hint is the point).
\set SHOW_CONTEXT never
CREATE TABLE bad_t.typed (customer text, ordered_on date, total text, total_f double precision);
SELECT rfm.create_tiers('bad_t.typed_tiers', 'bad_t.typed', 'customer', 'ordered_on', 'total');    -- text: cast
SELECT rfm.create_tiers('bad_t.typed_tiers', 'bad_t.typed', 'customer', 'ordered_on', 'total_f');  -- float: why
-- a missing column: the hint lists the source's columns, the first 30
SELECT format('CREATE TABLE bad_t.wide (%s)', string_agg(format('c%s int', i), ', ' ORDER BY i))
  FROM generate_series(1, 31) i \gexec
SELECT rfm.create_tiers('bad_t.wide_tiers', 'bad_t.wide', 'customer', 'c1', 'c2');
ALTER TABLE bad_t.wide DROP COLUMN c31;
SELECT rfm.create_tiers('bad_t.wide_tiers', 'bad_t.wide', 'customer', 'c1', 'c2');
SELECT * FROM rfm.customer_scores('bad_t.typed', 'Customer', 'ordered_on', 'total');
-- a date alter_tiers cannot read names the option
SELECT rfm.alter_tiers('bad_t.good_tiers', '{"as_of": "2024-13-01"}');
SELECT rfm.alter_tiers('bad_t.good_tiers', '{"as_of": "end of March"}');
-- Builds that succeed but are seldom meant: a day after today, no customer
-- (NOTICEs; a past day with customers, last, says nothing).
SET client_min_messages = notice;
SELECT rfm.create_tiers('bad_t.later_tiers', 'bad_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2200-01-01', keep_history => false)::text;
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"as_of": "2000-01-01"}')::text;
SELECT count(*) AS customers FROM bad_t.later_tiers;   -- 0
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"as_of": "2024-03-31"}')::text;
-- standard's rules are written for 5 bins: with 9, scores 6 to 9 fall to
-- Others; tier3 with 4 too (its sums 12 and 8 are for 5), value8 with 2 not
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 9}')::text;
CALL rfm.refresh_tiers('bad_t.later_tiers');   -- refreshes say nothing
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 4, "scheme": "tier3"}')::text;
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 3}')::text;
SELECT count(*) FILTER (WHERE tier = 'core') AS core, count(*) AS customers FROM bad_t.later_tiers;  -- 0 core
-- a scheme of one's own (here standard's rules) says nothing of its rules:
-- its bounds do not tell which scores it was written for; the tier column,
-- tier3's whatever the scheme, is said of every scheme but tier3 (with
-- value8's bins 2 everyone was marginal, unsaid, until 2026-12-07)
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, r_min, r_max, f_min, f_max, m_min, m_max, total_min, total_max)
SELECT 'bad_t mine', priority, label_en, label_zh, r_min, r_max, f_min, f_max, m_min, m_max, total_min, total_max
  FROM rfm.segment_rules WHERE scheme = 'standard';
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 9, "scheme": "bad_t mine"}')::text;
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 2, "scheme": "value8"}')::text;
SELECT count(*) FILTER (WHERE tier <> 'marginal') AS core_or_potential, count(*) AS customers FROM bad_t.later_tiers;  -- 0
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 3, "scheme": "standard"}')::text;
SELECT count(*) FILTER (WHERE tier = 'core') AS core, count(*) FILTER (WHERE tier = 'potential') > 0 AS some_potential
  FROM bad_t.later_tiers;  -- 0, true
-- tier3's rules changed (core from 6): the tier column's NOTICE, which names
-- the built sums 12 and 8, is not said
UPDATE rfm.segment_rules SET total_min = 6 WHERE scheme = 'tier3' AND label_en = 'core';
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 4}')::text;
UPDATE rfm.segment_rules SET total_min = 12 WHERE scheme = 'tier3' AND label_en = 'core';
SELECT rfm.alter_tiers('bad_t.later_tiers', '{"bins": 2, "scheme": "value8"}')::text;
-- transitions between snapshots labelled by different rules say so, by the
-- rules each snapshot was last written with: 02-29 and 03-31 standard/5,
-- 04-30 value8/2, then 03-15 written after it (value8/2), last 02-29
-- written again by an alter back to standard/5
SELECT rfm.create_tiers('bad_t.moving_tiers', 'bad_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-02-29')::text;
SELECT rfm.alter_tiers('bad_t.moving_tiers', '{"as_of": "2024-03-31"}')::text;
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-02-29', '2024-03-31');  -- same rules
SELECT rfm.alter_tiers('bad_t.moving_tiers', '{"as_of": "2024-04-30", "bins": 2, "scheme": "value8"}')::text;
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-03-31', '2024-04-30');  -- NOTICE
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-04-30', '2024-02-29');  -- NOTICE
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-02-29', '2024-03-31');  -- same rules
-- a snapshot written out of day order: 03-15 by value8/2, between two standard/5 days
SELECT rfm.alter_tiers('bad_t.moving_tiers', '{"as_of": "2024-03-15"}')::text;
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-02-29', '2024-03-15');  -- NOTICE
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-03-15', '2024-04-30');  -- same rules
-- 02-29 written again by standard/5: the same rules as 03-31, unlike 03-15
SELECT rfm.alter_tiers('bad_t.moving_tiers', '{"as_of": "2024-02-29", "bins": 5, "scheme": "standard"}')::text;
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-02-29', '2024-03-31');  -- same rules
SELECT count(*) AS groups FROM rfm.transitions('bad_t.moving_tiers', '2024-02-29', '2024-03-15');  -- NOTICE
SET client_min_messages = warning;
SELECT rfm.drop_tiers('bad_t.moving_tiers');
SELECT rfm.drop_tiers('bad_t.later_tiers');
DELETE FROM rfm.segment_rules WHERE scheme = 'bad_t mine';
\set SHOW_CONTEXT errors
DROP TABLE bad_t.typed, bad_t.wide;

SELECT rfm.drop_tiers('bad_t."Tiers''); DROP TABLE bad_t.orders; --"');
SELECT rfm.drop_tiers('bad_t.empty_tiers');
SELECT rfm.drop_tiers('bad_t.good_tiers');
DROP SCHEMA bad_t CASCADE;
-- (drop_tiers removed our catalog rows; the failed-refresh log rows stay)
SELECT count(*) AS our_catalog_rows_left FROM rfm.tier_tables
 WHERE id > CASE WHEN :'tier_called' THEN :tier_last ELSE :tier_last - 1 END;   -- 0
DELETE FROM rfm.refresh_log WHERE id > CASE WHEN :'log_called' THEN :log_last ELSE :log_last - 1 END;
SELECT setval('rfm.refresh_log_id_seq', :log_last, :'log_called') IS NOT NULL AS log_seq_restored,
       setval('rfm.tier_tables_id_seq', :tier_last, :'tier_called') IS NOT NULL AS tier_seq_restored;
