-- Bad-input matrix for the fast whole-table path: rfm.customer_scores and
-- the incremental customer states (README, "Limits and errors").  One row
-- per case: the result or 'SQLSTATE: message'.  Expected values checked by
-- hand (comments).
\pset null '(null)'
SET client_min_messages = warning;

\i sql/include/err.sql

CREATE SCHEMA bad_f;
CREATE TABLE bad_f.orders (id bigint, customer text, ordered_on date, amount numeric);
-- alice: 10 on 01-01, 20 on 03-01; bob: 5 on 02-01
INSERT INTO bad_f.orders VALUES (1, 'alice', '2024-01-01', 10), (2, 'alice', '2024-03-01', 20), (3, 'bob', '2024-02-01', 5);

-- rfm.customer_scores ------------------------------------------------------
-- alice: recency 30, frequency 2, monetary 30; bob: 59, 1, 5.
SELECT customer, recency_days, frequency, monetary
  FROM rfm.customer_scores('bad_f.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') ORDER BY 1;
-- NULL source, column or bins: 22004
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores(NULL, 'customer', 'ordered_on', 'amount')$$) AS null_source;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', NULL, 'ordered_on', 'amount')$$) AS null_customer;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'customer', 'ordered_on', 'amount', NULL)$$) AS null_bins;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'customer', 'ordered_on', 'amount', 1)$$) AS bins_1;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'nope', 'ordered_on', 'amount')$$) AS unknown_column;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'customer', 'amount', 'ordered_on')$$) AS swapped_columns;
-- an infinite as_of: 22008 naming as_of (no order time is infinite here),
-- checked before any row is read: also on a table with a NaN amount (below)
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'customer', 'ordered_on', 'amount', as_of => 'infinity')$$) AS infinite_as_of,
       pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'customer', 'ordered_on', 'amount', as_of => '-infinity')$$) AS minus_infinite_as_of;
-- orders after as_of are left out (the table as it was that day): only
-- alice's 01-01 order remains -> 1 customer
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-01-15')$$) AS purchase_after_as_of;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.orders', 'customer', 'ordered_on', 'amount', colour => 'red')$$) AS unknown_option;
-- empty table: no rows
CREATE TABLE bad_f.no_orders (LIKE bad_f.orders);
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.no_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')$$) AS empty;
-- NaN amount: 22023
CREATE TABLE bad_f.nan_orders AS SELECT * FROM bad_f.orders;
INSERT INTO bad_f.nan_orders VALUES (4, 'carol', '2024-01-05', 'NaN');
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.nan_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')$$) AS nan_amount;
-- the customer as rfm keys it: a numeric key at its smallest scale, both paths
CREATE TABLE bad_f.numeric_keys (customer numeric, ordered_on date, amount numeric);
INSERT INTO bad_f.numeric_keys VALUES (42.50, '2024-01-05', 'NaN');
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.numeric_keys', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')$$) AS numeric_key_direct;
SET rfm.direct_scan = off;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.numeric_keys', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')$$) AS numeric_key_sql;
RESET rfm.direct_scan;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.nan_orders', 'customer', 'ordered_on', 'amount', as_of => 'infinity')$$) AS nan_amount_infinite_as_of;
-- monetary 1 and 9e-1001 (1001 decimals): the cut points between them
-- would be rounded, as in rfm.breaks (sql/bad_input_scores.sql): 54000
CREATE TABLE bad_f.fine_orders AS SELECT * FROM bad_f.orders WHERE false;
INSERT INTO bad_f.fine_orders VALUES (1, 'dave', '2024-01-01', 1), (2, 'erin', '2024-01-01', 9e-1001);
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.fine_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')$$) AS too_many_decimals;
-- hostile identifiers: same answers as above
CREATE TABLE bad_f."x""; DROP TABLE bad_f.orders; --" ("Cust ""id""" text, "on day" date, "€" numeric, "id;" bigint);
INSERT INTO bad_f."x""; DROP TABLE bad_f.orders; --" SELECT customer, ordered_on, amount, id FROM bad_f.orders;
SELECT customer, recency_days, frequency, monetary
  FROM rfm.customer_scores('bad_f."x""; DROP TABLE bad_f.orders; --"', 'Cust "id"', 'on day', '€', as_of => '2024-03-31') ORDER BY 1;
SELECT count(*) AS orders_still_there FROM bad_f.orders;  -- 3
-- a customer column whose type has no ordering (json): customers cannot
-- be grouped by the type's equality, nor by a text that would split equal
-- values: 0A000, before any row is read
CREATE TABLE bad_f.json_orders (customer json, ordered_on date, amount numeric);
INSERT INTO bad_f.json_orders VALUES ('{"id": 1}', '2024-01-01', 10);
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('bad_f.json_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')$$) AS json_key;

-- incremental customer states -------------------------------------------
SELECT rfm.customer_state_create('bad_state', 'bad_f.orders', 'customer', 'ordered_on', 'amount', 'id') AS customers;  -- 2
-- a second state with the same name: 42710; a NULL argument: 22004
SELECT pg_temp.err($$SELECT rfm.customer_state_create('bad_state', 'bad_f.orders', 'customer', 'ordered_on', 'amount', 'id')::text$$) AS duplicate_name;
SELECT pg_temp.err($$SELECT rfm.customer_state_create(NULL, 'bad_f.orders', 'customer', 'ordered_on', 'amount', 'id')::text$$) AS null_name;
-- an empty or blank name: 22023 (until 2026-12-06 such states were made)
SELECT pg_temp.err($$SELECT rfm.customer_state_create('', 'bad_f.orders', 'customer', 'ordered_on', 'amount', 'id')::text$$) AS empty_name,
       pg_temp.err($$SELECT rfm.customer_state_create(E' \t ', 'bad_f.orders', 'customer', 'ordered_on', 'amount', 'id')::text$$) AS blank_name;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', NULL, 'customer', 'ordered_on', 'amount', 'id')::text$$) AS null_source,
       pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', NULL, 'ordered_on', 'amount', 'id')::text$$) AS null_customer;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', NULL, 'amount', 'id')::text$$) AS null_time,
       pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', 'ordered_on', NULL, 'id')::text$$) AS null_amount;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', 'ordered_on', 'amount', NULL)::text$$) AS null_watermark;
-- unknown columns: 42703; a text amount, a numeric time: 42804
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', 'ordered_on', 'amount', 'nope')::text$$) AS unknown_watermark;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'nope', 'ordered_on', 'amount', 'id')::text$$) AS unknown_customer;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', 'nope', 'amount', 'id')::text$$) AS unknown_time;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', 'ordered_on', 'nope', 'id')::text$$) AS unknown_amount;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', 'ordered_on', 'customer', 'id')::text$$) AS text_amount;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('s2', 'bad_f.orders', 'customer', 'amount', 'amount', 'id')::text$$) AS numeric_time;
SELECT count(*) AS s2_registered FROM rfm.customer_state_sources WHERE state_name = 's2';  -- 0
SELECT pg_temp.err($$SELECT rfm.customer_state_refresh('no_such_state')::text$$) AS refresh_unknown;
SELECT pg_temp.err($$SELECT rfm.customer_state_refresh(NULL)::text$$) AS refresh_null;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('no_such_state')$$) AS scores_unknown;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('bad_state', 0)$$) AS scores_bins_0;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('bad_state', NULL)$$) AS scores_bins_null;
SELECT pg_temp.err($$SELECT rfm.customer_state_drop('no_such_state')::text$$) AS drop_unknown;
-- hostile state name is data
SELECT pg_temp.err($$SELECT rfm.customer_state_refresh($q$x'; DELETE FROM rfm.customer_states; --$q$)::text$$) AS hostile_name;
SELECT count(*) AS state_rows FROM rfm.customer_states WHERE state_name = 'bad_state';  -- 2
-- A failing refresh or rebuild (a NaN order above the watermark) leaves
-- the state as it was: same rows, same watermark (3).
CREATE TEMP TABLE state_before AS SELECT * FROM rfm.customer_states WHERE state_name = 'bad_state';
CREATE FUNCTION pg_temp.changed_rows() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM (
    (SELECT * FROM rfm.customer_states WHERE state_name = 'bad_state' EXCEPT ALL SELECT * FROM state_before)
    UNION ALL
    (SELECT * FROM state_before EXCEPT ALL SELECT * FROM rfm.customer_states WHERE state_name = 'bad_state')) d $$;
INSERT INTO bad_f.orders VALUES (4, 'bob', '2024-03-02', 'NaN');
SELECT pg_temp.err($$SELECT rfm.customer_state_refresh('bad_state')::text$$) AS refresh_nan;
SELECT pg_temp.err($$SELECT rfm.customer_state_rebuild('bad_state')::text$$) AS rebuild_nan;
SELECT watermark FROM rfm.customer_state_sources WHERE state_name = 'bad_state';
SELECT pg_temp.changed_rows();  -- 0
-- after removing the bad order, a refresh folds in nothing new and the
-- scores are those of rfm.customer_scores above.
DELETE FROM bad_f.orders WHERE id = 4;
SELECT rfm.customer_state_refresh('bad_state') AS touched;  -- 0
SELECT customer, recency_days, frequency, monetary
  FROM rfm.customer_state_scores('bad_state', as_of => '2024-03-31') ORDER BY 1;
-- stored states keep every order folded in: a last purchase after as_of
-- (alice's 2024-03-01) is 22023, as in rfm.recency_days, not a negative recency
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_state_scores('bad_state', as_of => '2024-02-29')$$) AS state_purchase_after_as_of;
SELECT customer, recency_days FROM rfm.customer_state_scores('bad_state', as_of => '2024-03-01') ORDER BY 1;  -- alice 0, bob 29
-- An order on an infinite day (above the watermark, so the refresh meets
-- it too): 22008 naming the function, as rfm.customer_scores; the state is
-- unchanged (watermark 3, rows as before; the rebuild's DELETE rolled back)
INSERT INTO bad_f.orders VALUES (5, 'bob', 'infinity', 1);
SELECT pg_temp.err($$SELECT rfm.customer_state_refresh('bad_state')::text$$) AS refresh_infinite_day,
       pg_temp.err($$SELECT rfm.customer_state_rebuild('bad_state')::text$$) AS rebuild_infinite_day;
SELECT watermark FROM rfm.customer_state_sources WHERE state_name = 'bad_state';
SELECT pg_temp.changed_rows();  -- 0
DELETE FROM bad_f.orders WHERE id = 5;
-- and from rfm.customer_state_create, on a date or a timestamptz column:
-- nothing registered
CREATE TABLE bad_f.inf_orders (id bigint, customer text, on_day date, at_time timestamptz, amount numeric);
INSERT INTO bad_f.inf_orders VALUES (1, 'dan', '2024-01-01', '2024-01-01', 1), (2, 'dan', 'infinity', '-infinity', 1);
SELECT pg_temp.err($$SELECT rfm.customer_state_create('inf_state', 'bad_f.inf_orders', 'customer', 'on_day', 'amount', 'id')::text$$) AS create_infinite_date;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('inf_state', 'bad_f.inf_orders', 'customer', 'at_time', 'amount', 'id')::text$$) AS create_infinite_timestamp;
SELECT count(*) AS inf_states FROM rfm.customer_state_sources WHERE state_name = 'inf_state';  -- 0

-- Stored states are keyed by the customer's text: a key whose equal
-- values can print differently (a nondeterministic collation, interval,
-- json) is 0A000, and no state is registered.  rfm.customer_scores groups
-- such keys itself (sql/fast_keys.sql).
CREATE COLLATION bad_f.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE bad_f.ci_orders (id bigint, customer text COLLATE bad_f.ci, span interval, ordered_on date, amount numeric);
INSERT INTO bad_f.ci_orders VALUES (1, 'Ann', '1 day', '2024-01-01', 10), (2, 'ann', '24 hours', '2024-01-02', 20);
SELECT pg_temp.err($$SELECT rfm.customer_state_create('ci_state', 'bad_f.ci_orders', 'customer', 'ordered_on', 'amount', 'id')::text$$) AS state_ci_key;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('ci_state', 'bad_f.ci_orders', 'span', 'ordered_on', 'amount', 'id')::text$$) AS state_interval_key;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('ci_state', 'bad_f.json_orders', 'customer', 'ordered_on', 'amount', 'ordered_on')::text$$) AS state_json_key;
SELECT count(*) AS ci_states FROM rfm.customer_state_sources WHERE state_name = 'ci_state';  -- 0
-- a state whose column changes to such a collation afterwards: its
-- refresh is 0A000, the stored rows and watermark stay
CREATE TABLE bad_f.later_ci (id bigint, customer text, ordered_on date, amount numeric);
INSERT INTO bad_f.later_ci VALUES (1, 'Ann', '2024-01-01', 10);
SELECT rfm.customer_state_create('later_ci', 'bad_f.later_ci', 'customer', 'ordered_on', 'amount', 'id') AS customers;  -- 1
ALTER TABLE bad_f.later_ci ALTER COLUMN customer TYPE text COLLATE bad_f.ci;
INSERT INTO bad_f.later_ci VALUES (2, 'ann', '2024-01-02', 20);
SELECT pg_temp.err($$SELECT rfm.customer_state_refresh('later_ci')::text$$) AS refresh_ci_key;
SELECT s.watermark, c.customer, c.frequency, c.monetary
  FROM rfm.customer_state_sources s JOIN rfm.customer_states c USING (state_name)
 WHERE s.state_name = 'later_ci';  -- 1, Ann, 1, 10
SELECT rfm.customer_state_drop('later_ci');

-- A watermark column without max() (uuid, boolean): 42804 before any row
-- is read (was 42883 "function max(uuid) does not exist" with the query,
-- after the scan); nothing registered.
CREATE TABLE bad_f.uuid_wm (id uuid NOT NULL, flag boolean, customer text, ordered_on date, amount numeric);
INSERT INTO bad_f.uuid_wm VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, 'Ann', '2024-01-01', 10);
SELECT pg_temp.err($$SELECT rfm.customer_state_create('uuid_wm', 'bad_f.uuid_wm', 'customer', 'ordered_on', 'amount', 'id')::text$$) AS uuid_watermark;
SELECT pg_temp.err($$SELECT rfm.customer_state_create('uuid_wm', 'bad_f.uuid_wm', 'customer', 'ordered_on', 'amount', 'flag')::text$$) AS boolean_watermark;
SELECT count(*) AS registered FROM rfm.customer_state_sources WHERE state_name = 'uuid_wm';  -- 0
-- A state whose source was dropped: 42P01 saying so (was "<oid> has no
-- column id" with a hint about spelling).
CREATE TABLE bad_f.gone (id bigint, customer text, ordered_on date, amount numeric);
INSERT INTO bad_f.gone VALUES (1, 'Ann', '2024-01-01', 10);
SELECT rfm.customer_state_create('gone', 'bad_f.gone', 'customer', 'ordered_on', 'amount', 'id') AS customers;  -- 1
SELECT 'bad_f.gone'::regclass::oid AS gone_oid \gset
DROP TABLE bad_f.gone;
SELECT replace(pg_temp.err($$SELECT rfm.customer_state_refresh('gone')::text$$), :'gone_oid', '<oid>') AS source_dropped;
SELECT rfm.customer_state_drop('gone');
-- The state of an existing tier table: 2BP01 (its refreshes need it, and
-- its reserved name cannot be made again by hand); rfm.drop_tiers drops both.
-- (Later tests print catalog ids: the id sequences are put back after.)
SELECT (SELECT last_value FROM rfm.refresh_log_id_seq) AS log_last, (SELECT is_called FROM rfm.refresh_log_id_seq) AS log_called,
       (SELECT last_value FROM rfm.tier_tables_id_seq) AS tier_last, (SELECT is_called FROM rfm.tier_tables_id_seq) AS tier_called \gset
CREATE TABLE bad_f.tier_orders (id bigint, customer text, ordered_on date, amount numeric);
INSERT INTO bad_f.tier_orders VALUES (1, 'Ann', '2024-01-01', 10);
SELECT rfm.create_tiers('bad_f.incr', 'bad_f.tier_orders', 'customer', 'ordered_on', 'amount', watermark_column => 'id', keep_history => false) IS NOT NULL AS created;
SELECT state_name AS incr_state FROM rfm.tier_tables WHERE tier = 'bad_f.incr'::regclass \gset
SELECT regexp_replace(pg_temp.err(format($$SELECT rfm.customer_state_drop(%L)::text$$, :'incr_state')), 'rfm tier [0-9]+', 'rfm tier <n>') AS tier_state;
SELECT count(*) AS state_kept FROM rfm.customer_state_sources WHERE state_name = :'incr_state';  -- 1
SELECT rfm.drop_tiers('bad_f.incr');
SELECT count(*) AS state_dropped_with_tier FROM rfm.customer_state_sources WHERE state_name = :'incr_state';  -- 0
SELECT setval('rfm.refresh_log_id_seq', :log_last, :'log_called') IS NOT NULL AS log_seq_restored,
       setval('rfm.tier_tables_id_seq', :tier_last, :'tier_called') IS NOT NULL AS tier_seq_restored;

SELECT rfm.customer_state_drop('bad_state');
DROP SCHEMA bad_f CASCADE;
