-- pgTAP: how a new or rebuilt customer state is made.
-- Reading: every order is read straight from the table
-- (rfm._customer_states_direct, as rfm.customer_scores reads it) when the
-- watermark column is NOT NULL, else by the SQL aggregate, which leaves out
-- rows with a NULL watermark; both give the same states and watermark.
-- Writing: the rows go in by rfm._customer_states_insert (sorted by
-- customer, in batches, the foreign key checked once), and by the SQL
-- INSERT whenever rfm.customer_states has something INSERT must honour
-- that the batch writer would skip: a user trigger, a check constraint,
-- row-level security for the caller.  Each fallback is shown to run the
-- SQL INSERT (the trigger fires, the check or the policy rejects a row).
-- Expected rows are worked out by hand below.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
SELECT plan(66);

CREATE SCHEMA csi_t;
CREATE TABLE csi_t.orders (id bigserial PRIMARY KEY, customer bigint, ordered_on date, amount numeric);
-- By hand, customer: first, last, purchase rows, net amount.
--   1: 2024-01-05, 2024-02-01, 2, 15.50     10: 2024-01-10 both, 1, 0 (bought 20, refunded 20)
--   11: refunds only: no purchase day, 0, -3   2: 2024-03-03 both, 1, 7   3: 2024-02-15 both, 1, 1.25
-- Their keys' text in "C" order: 1, 10, 11, 2, 3.
INSERT INTO csi_t.orders (customer, ordered_on, amount) VALUES
  (2, '2024-03-03', 7), (1, '2024-01-05', 10.00), (10, '2024-01-10', 20), (3, '2024-02-15', 1.25),
  (11, '2024-02-02', -3), (10, '2024-01-10', -20), (1, '2024-02-01', 5.50);
CREATE TABLE csi_t.no_orders (LIKE csi_t.orders INCLUDING ALL);

SELECT is(rfm.customer_state_create('csi 1', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id'), 5::bigint,
  'a new state: 5 customers (one of them refunds only)');
SELECT results_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary
                      FROM rfm.customer_states WHERE state_name = 'csi 1' ORDER BY ctid$$,
  $$VALUES ('1'::text COLLATE "C", '2024-01-05'::date, '2024-02-01'::date, 2::bigint, 15.50::numeric),
           ('10', '2024-01-10', '2024-01-10', 1, 0), ('11', NULL, NULL, 0, -3),
           ('2', '2024-03-03', '2024-03-03', 1, 7), ('3', '2024-02-15', '2024-02-15', 1, 1.25)$$,
  '... its rows as worked out by hand, written in key order');

-- Reading: straight from the table (the watermark column id is NOT NULL) ...
SELECT isnt((SELECT states FROM rfm._customer_states_direct('csi_t.orders', 'customer', 'ordered_on', 'amount', 'id', 'test')),
  NULL, 'a NOT NULL watermark column: the orders are read directly');
SELECT is((SELECT watermark FROM rfm._customer_states_direct('csi_t.orders', 'customer', 'ordered_on', 'amount', 'id', 'test')),
  '7', '... with the largest watermark (7 orders)');
SET rfm.direct_scan = off;
SELECT is((SELECT states FROM rfm._customer_states_direct('csi_t.orders', 'customer', 'ordered_on', 'amount', 'id', 'test')),
  NULL, '... not with rfm.direct_scan off');
RESET rfm.direct_scan;
-- ... but not when the watermark may be NULL: those rows never count.  Same
-- orders plus one for customer 2 without a batch number: 2 keeps 1 row, 7.
CREATE TABLE csi_t.batched AS SELECT id AS batch, customer, ordered_on, amount FROM csi_t.orders;
INSERT INTO csi_t.batched VALUES (NULL, 2, '2024-03-20', 100);
SELECT is((SELECT states FROM rfm._customer_states_direct('csi_t.batched', 'customer', 'ordered_on', 'amount', 'batch', 'test')),
  NULL, 'a watermark column that may hold NULLs: not read directly');
SELECT rfm.customer_state_create('csi b', 'csi_t.batched', 'customer', 'ordered_on', 'amount', 'batch') \g /dev/null
SELECT results_eq($$SELECT last_purchase, frequency, monetary FROM rfm.customer_states
                     WHERE state_name = 'csi b' AND customer = '2'$$,
  $$VALUES ('2024-03-03'::date, 1::bigint, 7::numeric)$$, '... and the order with a NULL watermark is left out');
-- Both readings agree on random orders (text keys, refunds, many scales).
CREATE TABLE csi_t.random (id bigserial PRIMARY KEY, customer text, ordered_on timestamptz, amount numeric);
SELECT setseed(0.4);
INSERT INTO csi_t.random (customer, ordered_on, amount)
SELECT 'c' || floor(300 * random())::int, timestamptz '2023-01-01' + random() * interval '500 days',
       round(((random() - 0.1) * 500)::numeric, (random() * 3)::int)
  FROM generate_series(1, 5000);
SELECT rfm.customer_state_create('csi direct', 'csi_t.random', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
SET rfm.direct_scan = off;
SELECT rfm.customer_state_create('csi sql', 'csi_t.random', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
RESET rfm.direct_scan;
SELECT set_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary::text FROM rfm.customer_states
                 WHERE state_name = 'csi direct'$$,
  $$SELECT customer, first_purchase, last_purchase, frequency, monetary::text FROM rfm.customer_states
     WHERE state_name = 'csi sql'$$,
  'random orders: the direct reading and the SQL aggregate give the same states (display scale too)');
SELECT is((SELECT watermark FROM rfm.customer_state_sources WHERE state_name = 'csi direct'), '5000',
  '... and the same watermark');

-- Bad data: the same error on both readings (both share rfm.customer_scores' checks; the error names the function called).
CREATE TABLE csi_t.nan_orders (id bigserial PRIMARY KEY, customer int, ordered_on date, amount numeric);
INSERT INTO csi_t.nan_orders (customer, ordered_on, amount) VALUES (1, '2024-01-01', 5), (2, '2024-01-02', 'NaN');
SELECT throws_ok($$SELECT rfm.customer_state_create('csi nan', 'csi_t.nan_orders', 'customer', 'ordered_on', 'amount', 'id')$$,
  '22023', 'rfm.customer_state_create: amount must not be NaN (customer 2, order on 2024-01-02)',
  'a NaN amount, read directly: 22023 naming the function called and the customer');
SET rfm.direct_scan = off;
SELECT throws_ok($$SELECT rfm.customer_state_create('csi nan', 'csi_t.nan_orders', 'customer', 'ordered_on', 'amount', 'id')$$,
  '22023', 'rfm.customer_state_create: amount must not be NaN (customer 2, order on 2024-01-02)', '... and through the SQL aggregate: the same error');
RESET rfm.direct_scan;
-- A long key is cut at 60 bytes on a character boundary (客 is 3 bytes in UTF-8).
CREATE TABLE csi_t.long_keys (id bigserial PRIMARY KEY, customer text, ordered_on date, amount numeric);
INSERT INTO csi_t.long_keys (customer, ordered_on, amount) VALUES (repeat('客', 20), '2024-01-02', 'NaN');
SELECT throws_ok($$SELECT rfm.customer_state_create('csi long', 'csi_t.long_keys', 'customer', 'ordered_on', 'amount', 'id')$$,
  '22023', 'rfm.customer_state_create: amount must not be NaN (customer ' || repeat('客', 20) || ', order on 2024-01-02)',
  'a key of exactly 60 bytes is named whole');
UPDATE csi_t.long_keys SET customer = 'a' || repeat('客', 20);
SELECT throws_ok($$SELECT rfm.customer_state_create('csi long', 'csi_t.long_keys', 'customer', 'ordered_on', 'amount', 'id')$$,
  '22023', 'rfm.customer_state_create: amount must not be NaN (customer a' || repeat('客', 19) || '..., order on 2024-01-02)',
  'a longer key is cut before the character that would cross 60 bytes');
SET rfm.direct_scan = off;
SELECT throws_ok($$SELECT rfm.customer_state_create('csi long', 'csi_t.long_keys', 'customer', 'ordered_on', 'amount', 'id')$$,
  '22023', 'rfm.customer_state_create: amount must not be NaN (customer a' || repeat('客', 19) || '..., order on 2024-01-02)',
  '... on the SQL path too');
RESET rfm.direct_scan;

-- The writer itself, on a state registered over an empty table.
CREATE TEMP TABLE packed AS
SELECT rfm._customer_states_pack(customer, first_purchase, last_purchase, frequency, monetary) AS states
  FROM rfm.customer_states WHERE state_name = 'csi 1';
SELECT rfm.customer_state_create(s, 'csi_t.no_orders', 'customer', 'ordered_on', 'amount', 'id')
  FROM unnest(ARRAY['csi 2', 'csi 3', 'csi 4']) s \g /dev/null
SELECT is(rfm._customer_states_insert('csi 2', (SELECT states FROM packed)), 5::bigint,
  'rfm._customer_states_insert writes the 5 rows itself');
SELECT set_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_states
                 WHERE state_name = 'csi 2'$$,
  $$SELECT customer, first_purchase, last_purchase, frequency, monetary FROM rfm.customer_states
     WHERE state_name = 'csi 1'$$,
  '... the same rows as the state they were packed from');
SELECT throws_ok($$SELECT rfm._customer_states_insert('no such state', (SELECT states FROM packed))$$, '23503', NULL,
  'a state name missing from rfm.customer_state_sources: 23503, as the foreign key would say');
SELECT is(rfm._customer_states_insert('csi 3', NULL), NULL, 'NULL states: NULL (strict)');

-- A user trigger on rfm.customer_states: the SQL INSERT, so it fires for every row.
CREATE TABLE csi_t.fired (customer text);
CREATE FUNCTION csi_t.note_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO csi_t.fired VALUES (NEW.customer); RETURN NEW; END $$;
CREATE TRIGGER csi_note BEFORE INSERT ON rfm.customer_states FOR EACH ROW EXECUTE FUNCTION csi_t.note_row();
SELECT is(rfm._customer_states_insert('csi 3', (SELECT states FROM packed)), NULL,
  'a user trigger on rfm.customer_states: the writer declines (NULL)');
SELECT rfm.customer_state_create('csi 5', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
SELECT is((SELECT count(*) FROM csi_t.fired), 5::bigint, '... and a new state''s 5 rows go through INSERT: the trigger fired 5 times');
DROP TRIGGER csi_note ON rfm.customer_states;

-- A check constraint: INSERT checks it (customer 1 bought twice).
ALTER TABLE rfm.customer_states ADD CONSTRAINT csi_once CHECK (frequency < 2) NOT VALID;
SELECT is(rfm._customer_states_insert('csi 3', (SELECT states FROM packed)), NULL,
  'a check constraint on rfm.customer_states: the writer declines (NULL)');
SELECT throws_ok($$SELECT rfm.customer_state_create('csi 6', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id')$$,
  '23514', NULL, '... and INSERT enforces it');
ALTER TABLE rfm.customer_states DROP CONSTRAINT csi_once;

-- Row-level security that applies to the caller: INSERT applies the policy.
CREATE ROLE rfm_csi_keeper;
GRANT USAGE ON SCHEMA csi_t TO rfm_csi_keeper;
GRANT SELECT ON csi_t.orders, packed TO rfm_csi_keeper;
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_csi_keeper;
-- (rfm's own policy, customer_states_owner, is permissive: yours restricts further)
CREATE POLICY csi_not_2 ON rfm.customer_states AS RESTRICTIVE TO rfm_csi_keeper USING (true) WITH CHECK (customer <> '2');
SELECT is(rfm._customer_states_insert('csi 3', (SELECT states FROM packed)), 5::bigint,
  'row-level security that does not apply to the caller (a superuser): the writer writes');
SET ROLE rfm_csi_keeper;
SELECT throws_ok($$SELECT rfm.customer_state_create('csi 7', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id')$$,
  '42501', NULL, 'row-level security for the caller: INSERT applies the policy (customer 2 refused)');
SELECT is(rfm._customer_states_insert('csi 4', (SELECT states FROM packed)), NULL,
  '... the writer declines (NULL)');
RESET ROLE;
DROP POLICY csi_not_2 ON rfm.customer_states;

-- rfm's own policies: a role sees and changes only the states of roles
-- whose rights it has, and only the owner folds orders in (the source's
-- code runs as whoever folds).  'csi 2' is the superuser's.
SELECT source::text AS csi2_source FROM rfm.customer_state_sources WHERE state_name = 'csi 2' \gset
SET ROLE rfm_csi_keeper;
SELECT is(rfm.customer_state_create('csi keeper', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id'), 5::bigint,
  'a role keeps its own state (rfm''s policies only: the direct writer)');
SELECT is((SELECT owner::text FROM rfm.customer_state_sources WHERE state_name = 'csi keeper'), 'rfm_csi_keeper',
  '... owned by it');
SELECT is((SELECT count(*) FROM rfm.customer_states WHERE state_name = 'csi keeper'), 5::bigint, '... and sees its rows');
SELECT is((SELECT count(*) FROM rfm.customer_state_sources WHERE state_name = 'csi 2')
          + (SELECT count(*) FROM rfm.customer_states WHERE state_name = 'csi 2'), 0::bigint,
  'another role''s state and rows are invisible');
UPDATE rfm.customer_state_sources SET source = 'csi_t.orders' WHERE state_name = 'csi 2';
DELETE FROM rfm.customer_states WHERE state_name = 'csi 2';
SELECT throws_ok($$INSERT INTO rfm.customer_state_sources (state_name, source, customer_column, time_column, amount_column, watermark_column, owner)
                   VALUES ('csi forged', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id', 'postgres')$$,
  '42501', NULL, 'a state in another role''s name cannot be made');
SELECT throws_ok($$SELECT rfm.customer_state_refresh('csi 2')$$, '42704', NULL, 'nor refreshed');
SELECT throws_ok($$SELECT rfm._customer_states_insert('csi 2', (SELECT states FROM packed))$$, '23503', NULL,
  'rfm''s C writer refuses a state the caller cannot see');
SELECT throws_ok($$SELECT rfm.customer_state_rebuild('csi 2')$$, '42704', NULL, 'nor rebuilt');
SELECT throws_ok($$SELECT count(*) FROM rfm.customer_state_scores('csi 2')$$, '42704', NULL, 'nor scored');
RESET ROLE;
SELECT is((SELECT count(*) FROM rfm.customer_states WHERE state_name = 'csi 2'), 5::bigint,
  '... its rows were not deleted');
SELECT is((SELECT source::text FROM rfm.customer_state_sources WHERE state_name = 'csi 2'), :'csi2_source',
  '... nor its source changed');
SELECT throws_ok($$SELECT rfm.customer_state_refresh('csi keeper')$$, '42501',
  $$rfm: only the owner of customer state 'csi keeper' (rfm_csi_keeper) may fold orders into it$$,
  'a superuser may not fold orders into another role''s state');
-- Nor rebuild it: rfm.customer_state_rebuild deletes the rows and the
-- watermark before the fold's owner check, so the 42501 must roll that back.
-- Customer 3's monetary edited by hand (1.25 from the orders): a rebuild
-- that ran would put 1.25 back.
UPDATE rfm.customer_states SET monetary = 99 WHERE state_name = 'csi keeper' AND customer = '3';
SELECT throws_ok($$SELECT rfm.customer_state_rebuild('csi keeper')$$, '42501',
  $$rfm: only the owner of customer state 'csi keeper' (rfm_csi_keeper) may fold orders into it$$,
  '... nor rebuild it');
-- a member of the owner role sees the state (its rights) but is not its owner
CREATE ROLE rfm_csi_deputy IN ROLE rfm_csi_keeper;
SET ROLE rfm_csi_deputy;
SELECT throws_ok($$SELECT rfm.customer_state_rebuild('csi keeper')$$, '42501',
  $$rfm: only the owner of customer state 'csi keeper' (rfm_csi_keeper) may fold orders into it$$,
  'a member of the owner role may not rebuild it either');
RESET ROLE;
SELECT results_eq($$SELECT count(*), sum(monetary), max(watermark) FROM rfm.customer_states
                     JOIN rfm.customer_state_sources USING (state_name) WHERE state_name = 'csi keeper'$$,
  $$VALUES (5::bigint, 118.50::numeric, '7'::text)$$,
  '... the state unchanged: 5 rows, 15.50 + 0 - 3 + 7 + 99 = 118.50, watermark 7 (7 orders)');
SELECT is((SELECT count(*) FROM rfm.customer_state_scores('csi keeper')), 4::bigint,
  '... but may read it (4 of the 5 customers have a purchase)');

-- state_name is kept to rfm.customer_state_sources by triggers, not by a
-- foreign key (pg_restore -j loads both tables at once: a foreign key
-- failed the states' COPY, test/shell/tiers_incremental_dump.sh).  They do
-- what the foreign key did: deleting a state's row deletes its rows (as the
-- role deleting, under row-level security: before the source row goes,
-- while it still shows that role its states); renaming a state that has
-- rows, or truncating the sources alone, is refused.
SET ROLE rfm_csi_keeper;
SELECT rfm.customer_state_create('csi doomed', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
DELETE FROM rfm.customer_state_sources WHERE state_name = 'csi doomed';
RESET ROLE;
SELECT is((SELECT count(*) FROM rfm.customer_states WHERE state_name = 'csi doomed'), 0::bigint,
  'a role deleting its state''s row of rfm.customer_state_sources deletes its 5 rows (row-level security applies)');
SELECT throws_ok($$UPDATE rfm.customer_state_sources SET state_name = 'csi 2 renamed' WHERE state_name = 'csi 2'$$,
  '23503', $$rfm: customer state 'csi 2' cannot be renamed while it has rows in rfm.customer_states$$,
  'renaming a state that has rows: 23503, as the foreign key said');
SELECT throws_ok($$TRUNCATE rfm.customer_state_sources$$, '0A000',
  'rfm: rfm.customer_state_sources cannot be truncated while rfm.customer_states has rows',
  'truncating the sources alone: 0A000');
SELECT throws_ok($q$DO $d$ BEGIN
                     TRUNCATE rfm.customer_state_sources, rfm.customer_states;
                     RAISE EXCEPTION 'both truncated' USING ERRCODE = 'P0001';
                   END $d$$q$,
  'P0001', 'both truncated', '... both together: allowed (rolled back here)');
SELECT is((SELECT count(*) FROM rfm.customer_states WHERE state_name = 'csi keeper'), 5::bigint,
  '... the rows are back');

-- States are kept by their owner's name (a dump restores it).  A role
-- dropped with a state left behind: the state is a superuser's to see, and
-- other roles' reads go on (the policy raised "role ... does not exist",
-- 42704, for every other role).  A renamed owner: its states are no longer
-- its own until a superuser renames the owner in the catalog too.
CREATE ROLE rfm_csi_gone;
GRANT USAGE ON SCHEMA csi_t TO rfm_csi_gone;
GRANT SELECT ON csi_t.orders TO rfm_csi_gone;
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_csi_gone;
SET ROLE rfm_csi_gone;
SELECT rfm.customer_state_create('csi gone', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
RESET ROLE;
REVOKE ALL ON SCHEMA csi_t FROM rfm_csi_gone;
REVOKE ALL ON csi_t.orders, rfm.customer_state_sources, rfm.customer_states FROM rfm_csi_gone;
DROP ROLE rfm_csi_gone;
SET ROLE rfm_csi_keeper;
SELECT is((SELECT pg_catalog.array_agg(state_name) FROM rfm.customer_state_sources), ARRAY['csi keeper'],
  'a state whose owner was dropped does not fail another role''s reads: it sees its own state only');
SELECT is(rfm.customer_state_refresh('csi keeper'), 0::bigint, '... and refreshes it (nothing new)');
RESET ROLE;
SELECT is((SELECT owner::text FROM rfm.customer_state_sources WHERE state_name = 'csi gone'), 'rfm_csi_gone',
  'a superuser sees the dropped role''s state');
ALTER ROLE rfm_csi_keeper RENAME TO rfm_csi_keeper_renamed;
SET ROLE rfm_csi_keeper_renamed;
SELECT throws_ok($$SELECT rfm.customer_state_refresh('csi keeper')$$, '42704', NULL,
  'after ALTER ROLE ... RENAME the state is no longer the renamed role''s (42704)');
RESET ROLE;
UPDATE rfm.customer_state_sources SET owner = 'rfm_csi_keeper_renamed' WHERE owner = 'rfm_csi_keeper';
SET ROLE rfm_csi_keeper_renamed;
SELECT is(rfm.customer_state_refresh('csi keeper'), 0::bigint, '... until a superuser renames the owner in the catalog');
RESET ROLE;
ALTER ROLE rfm_csi_keeper_renamed RENAME TO rfm_csi_keeper;
UPDATE rfm.customer_state_sources SET owner = 'rfm_csi_keeper' WHERE owner = 'rfm_csi_keeper_renamed';

-- Without INSERT on rfm.customer_states: 42501, as INSERT would say.
-- Without table-wide privileges the writers leave it to SQL, which decides.
REVOKE INSERT ON rfm.customer_states FROM rfm_csi_keeper;
SET ROLE rfm_csi_keeper;
SELECT is(rfm._customer_states_insert('csi 4', (SELECT states FROM packed)), NULL,
  'no INSERT privilege on rfm.customer_states: the writer declines (NULL)');
SELECT throws_ok($$SELECT rfm.customer_state_create('csi 8', 'csi_t.orders', 'customer', 'ordered_on', 'amount', 'id')$$,
  '42501', NULL, '... and INSERT refuses: 42501');
RESET ROLE;

-- Refresh: new orders folded into stored states by rfm._customer_states_merge.
-- By hand, from 'csi 1' above:
--   1 buys 4.50 on 2023-12-31 (before its first purchase): 2023-12-31 .. 2024-02-01, 3, 20.00
--   11, refunds only so far, buys 10 on 2024-04-01: 2024-04-01 both, 1, 7
--   2 is refunded 2 on 2024-05-01: days unchanged, 1, 5
--   4 is new: 2.5 on 2024-04-04
-- A user index on frequency makes the updates non-HOT: their index entries
-- must be made too (a forced index scan finds them).
CREATE INDEX csi_frequency ON rfm.customer_states (frequency);
INSERT INTO csi_t.orders (customer, ordered_on, amount) VALUES
  (1, '2023-12-31', 4.50), (11, '2024-04-01', 10), (2, '2024-05-01', -2), (4, '2024-04-04', 2.5);
SELECT is(rfm.customer_state_refresh('csi 1'), 4::bigint, 'a refresh touches 4 customers (one new)');
SELECT results_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary
                      FROM rfm.customer_states WHERE state_name = 'csi 1' ORDER BY customer$$,
  $$VALUES ('1'::text COLLATE "C", '2023-12-31'::date, '2024-02-01'::date, 3::bigint, 20.00::numeric),
           ('10', '2024-01-10', '2024-01-10', 1, 0), ('11', '2024-04-01', '2024-04-01', 1, 7),
           ('2', '2024-03-03', '2024-03-03', 1, 5), ('3', '2024-02-15', '2024-02-15', 1, 1.25),
           ('4', '2024-04-04', '2024-04-04', 1, 2.5)$$,
  '... the stored states as worked out by hand');
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT results_eq($$SELECT customer FROM rfm.customer_states WHERE state_name = 'csi 1' AND frequency = 3$$,
  $$VALUES ('1'::text COLLATE "C")$$, '... and the updated row is in the user''s index');
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX rfm.csi_frequency;
-- The merge and the SQL upsert agree on random new orders (display scales too).
INSERT INTO csi_t.random (customer, ordered_on, amount)
SELECT 'c' || floor(330 * random())::int, timestamptz '2023-06-01' + random() * interval '400 days',
       round(((random() - 0.1) * 500)::numeric, (random() * 4)::int)
  FROM generate_series(1, 800);
SELECT rfm.customer_state_refresh('csi direct') \g /dev/null
ALTER TABLE rfm.customer_states ADD CONSTRAINT csi_any CHECK (true);
SELECT is(rfm._customer_states_merge('csi 3', (SELECT states FROM packed)), NULL,
  'a check constraint: the merge declines (NULL)');
SELECT rfm.customer_state_refresh('csi sql') \g /dev/null
ALTER TABLE rfm.customer_states DROP CONSTRAINT csi_any;
SELECT set_eq($$SELECT customer, first_purchase, last_purchase, frequency, monetary::text FROM rfm.customer_states
                 WHERE state_name = 'csi direct'$$,
  $$SELECT customer, first_purchase, last_purchase, frequency, monetary::text FROM rfm.customer_states
     WHERE state_name = 'csi sql'$$,
  'random new orders: the merge and INSERT ... ON CONFLICT give the same states');
-- Without UPDATE: SQL decides (the upsert is refused).
GRANT INSERT ON rfm.customer_states TO rfm_csi_keeper;
REVOKE UPDATE ON rfm.customer_states FROM rfm_csi_keeper;
INSERT INTO csi_t.orders (customer, ordered_on, amount) VALUES (3, '2024-06-01', 1);
UPDATE rfm.customer_state_sources SET owner = 'rfm_csi_keeper' WHERE state_name = 'csi 1';
SET ROLE rfm_csi_keeper;
SELECT is(rfm._customer_states_merge('csi 1', (SELECT states FROM packed)), NULL,
  'no UPDATE privilege: the merge declines (NULL)');
SELECT throws_ok($$SELECT rfm.customer_state_refresh('csi 1')$$, '42501', NULL,
  '... and INSERT ... ON CONFLICT DO UPDATE refuses: 42501');
RESET ROLE;

-- Time zone: a timestamptz order's day is its calendar day in the zone the
-- state was created in, whoever folds orders in later (a refresh from
-- another zone, a scheduled job in UTC).  Orders at 20:00 UTC are on the
-- next day in Shanghai (UTC+8), the same day in New York.  Both readings:
-- a NOT NULL watermark (direct) and a nullable one (SQL aggregate).
CREATE TABLE csi_t.tz_orders (id bigserial PRIMARY KEY, customer text, at timestamptz, amount numeric);
CREATE TABLE csi_t.tz_orders_sql (id bigint, customer text, at timestamptz, amount numeric);
INSERT INTO csi_t.tz_orders (customer, at, amount) VALUES ('a', '2024-01-01 20:00+00', 1);
INSERT INTO csi_t.tz_orders_sql SELECT * FROM csi_t.tz_orders;
SET LOCAL TimeZone = 'Asia/Shanghai';
SELECT rfm.customer_state_create('csi tz', 'csi_t.tz_orders', 'customer', 'at', 'amount', 'id') \g /dev/null
SELECT rfm.customer_state_create('csi tz sql', 'csi_t.tz_orders_sql', 'customer', 'at', 'amount', 'id') \g /dev/null
SELECT results_eq($$SELECT time_zone FROM rfm.customer_state_sources WHERE state_name LIKE 'csi tz%' ORDER BY state_name$$,
  $$VALUES ('Asia/Shanghai'), ('Asia/Shanghai')$$, 'a state records the time zone it was created in');
SET LOCAL TimeZone = 'America/New_York';
INSERT INTO csi_t.tz_orders (customer, at, amount) VALUES ('a', '2024-01-05 20:00+00', 2), ('b', '2024-01-05 20:00+00', 3);
INSERT INTO csi_t.tz_orders_sql SELECT * FROM csi_t.tz_orders WHERE id > 1;
SELECT rfm.customer_state_refresh('csi tz'), rfm.customer_state_refresh('csi tz sql') \g /dev/null
-- by hand: a on 01-02 (1) and 01-06 (2), b on 01-06 (3), Shanghai days
SELECT results_eq($$SELECT state_name, customer COLLATE "default", first_purchase, last_purchase, frequency, monetary
                     FROM rfm.customer_states WHERE state_name LIKE 'csi tz%' ORDER BY state_name, customer$$,
  $$VALUES ('csi tz', 'a', date '2024-01-02', date '2024-01-06', 2::bigint, 3::numeric),
           ('csi tz', 'b', '2024-01-06', '2024-01-06', 1, 3),
           ('csi tz sql', 'a', '2024-01-02', '2024-01-06', 2, 3),
           ('csi tz sql', 'b', '2024-01-06', '2024-01-06', 1, 3)$$,
  'a refresh from New York puts the new orders on their Shanghai days (both readings)');
SELECT is(current_setting('TimeZone'), 'America/New_York', 'the session''s time zone is set back after the fold');
INSERT INTO csi_t.tz_orders (customer, at, amount) VALUES ('c', '2024-01-07 20:00+00', 'NaN');
SELECT throws_ok($$SELECT rfm.customer_state_refresh('csi tz')$$, '22023', NULL, 'a fold that fails (a NaN amount) ...');
SELECT is(current_setting('TimeZone'), 'America/New_York', '... leaves the session''s time zone as it was too');
DELETE FROM csi_t.tz_orders WHERE customer = 'c';
SET LOCAL TimeZone = 'UTC';
SELECT rfm.customer_state_rebuild('csi tz') \g /dev/null
SELECT results_eq($$SELECT customer COLLATE "default", first_purchase, last_purchase FROM rfm.customer_states
                     WHERE state_name = 'csi tz' ORDER BY customer$$,
  $$VALUES ('a', date '2024-01-02', date '2024-01-06'), ('b', '2024-01-06', '2024-01-06')$$,
  'a rebuild in UTC keeps the Shanghai days');

SELECT * FROM finish();
ROLLBACK;
