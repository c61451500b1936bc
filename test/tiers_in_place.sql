-- pgTAP: tier tables refreshed in place (rfm._tier_refresh_in_place, used by
-- rfm.refresh_tiers).  After refreshes that add customers, change orders and
-- remove a customer, every kind of tier table (integer, text and uuid keys,
-- the grouped path with clv and with a numeric key, an incremental one)
-- holds exactly the rows of a tier table created afresh with the same
-- options, and of a twin refreshed by REFRESH MATERIALIZED VIEW
-- CONCURRENTLY.  Unchanged rows keep their ctid; user indexes (expression,
-- partial) stay correct (amcheck, forced index scans); the refresh log's
-- counts match a before/after comparison.  The C function's checks on
-- small hand-made materialized views: counts by hand, NULL keys, duplicate
-- keys (23505, nothing changed; numeric 1.0 / 1.00 at the unique index),
-- owner (42501), not populated, no key index, not a materialized view,
-- rfm.max_memory (54000, and the CONCURRENTLY fallback of
-- rfm.refresh_tiers, with its NOTICE).  A numeric key whose bytes change
-- (1.0 -> 1.00); a tier table emptied WITH NO DATA (55000, then filled
-- again by a plain REFRESH).  Not in a transaction: rfm.refresh_tiers commits.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS ip_t CASCADE;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_ip_other') THEN CREATE ROLE rfm_ip_other; END IF;
END $$;
CREATE EXTENSION IF NOT EXISTS amcheck;
CREATE SCHEMA ip_t;
SELECT setseed(0.5);
-- 800 customers, 6,000 orders in the 500 days before today; ~4% refunds.
CREATE TABLE ip_t.orders (order_id bigserial PRIMARY KEY, cust integer, ordered_on date, amount numeric);
INSERT INTO ip_t.orders (cust, ordered_on, amount)
SELECT 1 + floor(800 * power(random(), 1.5))::int, current_date - floor(random() * 500)::int,
       CASE WHEN random() < 0.04 THEN -round((random() * 30)::numeric, 2) ELSE round((1 + random() * 200)::numeric, 2) END
  FROM generate_series(1, 6000);
-- the same customers under other key types (views: the fast path reads them through SQL)
CREATE VIEW ip_t.orders_text AS SELECT 'c-' || cust AS cust, ordered_on, amount FROM ip_t.orders;
CREATE VIEW ip_t.orders_uuid AS SELECT md5(cust::text)::uuid AS cust, ordered_on, amount FROM ip_t.orders;
CREATE VIEW ip_t.orders_num AS SELECT cust::numeric / 10 AS cust, ordered_on, amount FROM ip_t.orders;

\ir include/tier_compare.psql
CREATE FUNCTION ip_t.last_message(t regclass) RETURNS text LANGUAGE sql AS $$
  SELECT message FROM rfm.refresh_log WHERE tier = t AND action = 'refresh' ORDER BY id DESC LIMIT 1 $$;
-- a fresh tier table with the options of t, compared with t, then dropped
CREATE FUNCTION ip_t.differ_fresh(t regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE e rfm.tier_tables; fresh regclass; n bigint;
BEGIN
  SELECT * INTO e FROM rfm.tier_tables WHERE tier = t;
  fresh := rfm.create_tiers('ip_t.fresh', e.source, e.customer_column, e.time_column, e.amount_column,
                            e.bins, e.scheme, e.as_of, false, e.clv);
  n := pg_temp.tier_differ(t, fresh);
  PERFORM rfm.drop_tiers(fresh);
  RETURN n;
END $$;
-- the plan of a query, as one text
CREATE FUNCTION ip_t.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line || E'\n'; END LOOP;
  RETURN plan;
END $$;

SELECT plan(82);

SELECT rfm.create_tiers('ip_t.t_int', 'ip_t.orders', 'cust', 'ordered_on', 'amount') \g /dev/null
SELECT rfm.create_tiers('ip_t.t_int_conc', 'ip_t.orders', 'cust', 'ordered_on', 'amount') \g /dev/null
SELECT rfm.create_tiers('ip_t.t_text', 'ip_t.orders_text', 'cust', 'ordered_on', 'amount', bins => 4) \g /dev/null
SELECT rfm.create_tiers('ip_t.t_uuid', 'ip_t.orders_uuid', 'cust', 'ordered_on', 'amount', bins => 2, scheme => 'value8') \g /dev/null
SELECT rfm.create_tiers('ip_t.t_clv', 'ip_t.orders', 'cust', 'ordered_on', 'amount', clv => true) \g /dev/null
SELECT rfm.create_tiers('ip_t.t_num', 'ip_t.orders_num', 'cust', 'ordered_on', 'amount') \g /dev/null
SELECT rfm.create_tiers('ip_t.t_incr', 'ip_t.orders', 'cust', 'ordered_on', 'amount',
                        watermark_column => 'order_id') \g /dev/null
SELECT rfm.create_tiers('ip_t.t_fixed', 'ip_t.orders', 'cust', 'ordered_on', 'amount',
                        as_of => current_date) \g /dev/null
-- user indexes on a tier table: an expression index and a partial index
CREATE INDEX t_int_lower_segment ON ip_t.t_int (lower(segment));
CREATE INDEX t_int_rich_recent ON ip_t.t_int (monetary) WHERE r_score >= 4;

-- 1. Same day, no new orders: nothing changes, not even a ctid.
CREATE TEMP TABLE before_same AS SELECT ctid AS old_ctid, * FROM ip_t.t_int;
CALL rfm.refresh_tiers('ip_t.t_int');
SELECT is(ip_t.last_message('ip_t.t_int'),
          format('in place: %s rows unchanged, 0 updated, 0 inserted, 0 deleted', (SELECT count(*) FROM before_same)),
  'a refresh with nothing new leaves every row alone (log message)');
SELECT is((SELECT count(*) FROM ip_t.t_int t JOIN before_same b ON b.old_ctid = t.ctid AND b.customer_id = t.customer_id),
          (SELECT count(*) FROM before_same), '... and every row keeps its ctid');

-- 2. New orders only: two new customers, more orders for existing ones.
INSERT INTO ip_t.orders (cust, ordered_on, amount) VALUES
  (9001, current_date - 3, 40), (9001, current_date - 1, 60), (9002, current_date - 20, 15),
  (1, current_date, 500), (2, current_date - 2, -5), (3, current_date - 7, 33);
CREATE TEMP TABLE before_a AS SELECT * FROM ip_t.t_int;
CREATE TEMP TABLE before_a_ctid AS SELECT ctid AS old_ctid, * FROM ip_t.t_int;
CREATE TEMP TABLE before_a_incr AS SELECT * FROM ip_t.t_incr;
CALL rfm.refresh_tiers('ip_t.t_int');
CALL rfm.refresh_tiers('ip_t.t_text');
CALL rfm.refresh_tiers('ip_t.t_uuid');
CALL rfm.refresh_tiers('ip_t.t_clv');
CALL rfm.refresh_tiers('ip_t.t_num');
CALL rfm.refresh_tiers('ip_t.t_incr');
CALL rfm.refresh_tiers('ip_t.t_fixed');
REFRESH MATERIALIZED VIEW CONCURRENTLY ip_t.t_int_conc;
SELECT is(ip_t.differ_fresh('ip_t.t_int'), 0::bigint, 'new orders: integer key = a fresh tier table');
SELECT is(pg_temp.tier_differ('ip_t.t_int', 'ip_t.t_int_conc'), 0::bigint, 'new orders: integer key = REFRESH ... CONCURRENTLY');
SELECT is(ip_t.differ_fresh('ip_t.t_text'), 0::bigint, 'new orders: text key = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_uuid'), 0::bigint, 'new orders: uuid key = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_clv'), 0::bigint, 'new orders: clv (grouped path) = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_num'), 0::bigint, 'new orders: numeric key (grouped path) = a fresh tier table');
SELECT is(pg_temp.tier_differ('ip_t.t_incr', 'ip_t.t_int'), 0::bigint, 'new orders: incremental = the full tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_fixed'), 0::bigint, 'new orders: fixed as_of = a fresh tier table');
SELECT is((SELECT count(*) FROM ip_t.t_int WHERE customer_id IN (9001, 9002)), 2::bigint, 'the new customers are there');
SELECT is(ip_t.last_message('ip_t.t_int'), pg_temp.tier_diff_note('before_a', 'ip_t.t_int'),
  'the log counts what changed (= a before/after comparison)');
SELECT matches(ip_t.last_message('ip_t.t_int'), '^in place: [1-9]\d* rows unchanged, [1-9]\d* updated, 2 inserted, 0 deleted$',
  '... some rows unchanged, some updated, the 2 new customers inserted');
SELECT is(ip_t.last_message('ip_t.t_incr'), pg_temp.tier_diff_note('before_a_incr', 'ip_t.t_incr'),
  'the incremental refresh counts alike');
-- rows identical before and after keep their ctid; changed ones get a new one
SELECT is((SELECT count(*) FROM before_a_ctid b JOIN ip_t.t_int t USING (customer_id)
            WHERE (b.customer_id, b.first_purchase, b.last_purchase, b.recency_days, b.frequency, b.monetary,
                   b.r_score, b.f_score, b.m_score, b.rfm_cell, b.segment, b.segment_zh, b.tier, b.lifecycle, b.as_of)::text
                  = (t.customer_id, t.first_purchase, t.last_purchase, t.recency_days, t.frequency, t.monetary,
                     t.r_score, t.f_score, t.m_score, t.rfm_cell, t.segment, t.segment_zh, t.tier, t.lifecycle, t.as_of)::text
              AND b.old_ctid <> t.ctid), 0::bigint, 'unchanged rows keep their ctid');
SELECT is((SELECT count(*) FROM before_a_ctid b JOIN ip_t.t_int t USING (customer_id)
            WHERE (b.customer_id, b.first_purchase, b.last_purchase, b.recency_days, b.frequency, b.monetary,
                   b.r_score, b.f_score, b.m_score, b.rfm_cell, b.segment, b.segment_zh, b.tier, b.lifecycle, b.as_of)::text
                  <> (t.customer_id, t.first_purchase, t.last_purchase, t.recency_days, t.frequency, t.monetary,
                      t.r_score, t.f_score, t.m_score, t.rfm_cell, t.segment, t.segment_zh, t.tier, t.lifecycle, t.as_of)::text
              AND b.old_ctid = t.ctid), 0::bigint, 'changed rows are new row versions (new ctid)');
SELECT ok((SELECT count(*) FROM before_a_ctid b JOIN ip_t.t_int t ON t.ctid = b.old_ctid) > 0
          AND (SELECT count(*) FROM ip_t.t_int t WHERE t.ctid NOT IN (SELECT old_ctid FROM before_a_ctid)) > 0,
  '... and there are both kinds');

-- 3. Changed and deleted orders (not seen by the incremental table: the
-- documented limit): customer 5 loses every order, 6 and 7 change.
SELECT ok((SELECT count(*) FROM ip_t.orders WHERE cust = 5) > 0 AND (SELECT count(*) FROM ip_t.t_int WHERE customer_id = 5) = 1,
  'customer 5 has orders and a row');
DELETE FROM ip_t.orders WHERE cust = 5;
UPDATE ip_t.orders SET amount = amount + 100 WHERE cust IN (6, 7);
UPDATE ip_t.orders SET ordered_on = ordered_on - 30 WHERE cust = 8;
CREATE TEMP TABLE before_b AS SELECT * FROM ip_t.t_int;
CALL rfm.refresh_tiers('ip_t.t_int');
CALL rfm.refresh_tiers('ip_t.t_text');
CALL rfm.refresh_tiers('ip_t.t_uuid');
CALL rfm.refresh_tiers('ip_t.t_clv');
CALL rfm.refresh_tiers('ip_t.t_num');
CALL rfm.refresh_tiers('ip_t.t_fixed');
REFRESH MATERIALIZED VIEW CONCURRENTLY ip_t.t_int_conc;
SELECT is(ip_t.differ_fresh('ip_t.t_int'), 0::bigint, 'changes and a deletion: integer key = a fresh tier table');
SELECT is(pg_temp.tier_differ('ip_t.t_int', 'ip_t.t_int_conc'), 0::bigint, 'changes and a deletion: integer key = REFRESH ... CONCURRENTLY');
SELECT is(ip_t.differ_fresh('ip_t.t_text'), 0::bigint, 'changes and a deletion: text key = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_uuid'), 0::bigint, 'changes and a deletion: uuid key = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_clv'), 0::bigint, 'changes and a deletion: clv = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_num'), 0::bigint, 'changes and a deletion: numeric key = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_fixed'), 0::bigint, 'changes and a deletion: fixed as_of = a fresh tier table');
SELECT is((SELECT count(*) FROM ip_t.t_int WHERE customer_id = 5), 0::bigint, 'the customer without orders is gone');
SELECT is(ip_t.last_message('ip_t.t_int'), pg_temp.tier_diff_note('before_b', 'ip_t.t_int'),
  'the log counts what changed (= a before/after comparison)');
SELECT matches(ip_t.last_message('ip_t.t_int'), '^in place: [1-9]\d* rows unchanged, [1-9]\d* updated, 0 inserted, 1 deleted$',
  '... one customer deleted, none inserted');

-- 3b. A changed row whose page has room for its new version is updated
-- where it is (a HOT update when no indexed column changed: no new index
-- entry, the table does not grow), else deleted and inserted.  fillfactor
-- 50 and a plain REFRESH leave room on every page.  t_int has user indexes
-- on changing columns (its in-place updates make index entries: amcheck in
-- 4.), t_text only the key (every in-place update is HOT).
ALTER MATERIALIZED VIEW ip_t.t_int SET (fillfactor = 50);
ALTER MATERIALIZED VIEW ip_t.t_text SET (fillfactor = 50);
REFRESH MATERIALIZED VIEW ip_t.t_int;
REFRESH MATERIALIZED VIEW ip_t.t_text;
CREATE EXTENSION IF NOT EXISTS pageinspect;
-- entries in a btree's leaf pages (pageinspect)
CREATE FUNCTION ip_t.leaf_entries(i regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT sum(s.live_items)::bigint FROM generate_series(1, (pg_relation_size(i) / current_setting('block_size')::int)::int - 1) b,
         LATERAL bt_page_stats(i::text, b) s WHERE s.type = 'l' $$;
CREATE TEMP TABLE before_c AS SELECT ctid AS old_ctid, * FROM ip_t.t_int;
CREATE TEMP TABLE before_c_text AS SELECT ctid AS old_ctid, * FROM ip_t.t_text;
SELECT pg_relation_size('ip_t.t_int') AS int_size, pg_relation_size('ip_t.t_text') AS text_size,
       ip_t.leaf_entries('ip_t.t_text_customer_id_idx') AS text_key_entries \gset
INSERT INTO ip_t.orders (cust, ordered_on, amount) SELECT c, current_date - 1, 120 FROM generate_series(10, 60) c;
CALL rfm.refresh_tiers('ip_t.t_int');
CALL rfm.refresh_tiers('ip_t.t_text');
REFRESH MATERIALIZED VIEW CONCURRENTLY ip_t.t_int_conc;
SELECT is(ip_t.differ_fresh('ip_t.t_int'), 0::bigint, 'updates in place: integer key = a fresh tier table');
SELECT is(ip_t.differ_fresh('ip_t.t_text'), 0::bigint, 'updates in place: text key = a fresh tier table');
SELECT cmp_ok((SELECT count(*) FROM before_c b JOIN ip_t.t_int t USING (customer_id)
                WHERE (b.segment, b.monetary, b.r_score) IS DISTINCT FROM (t.segment, t.monetary, t.r_score)),
              '>=', 51::bigint, '51+ rows changed an indexed column (the 51 customers'' monetary)');
SELECT is((SELECT count(*) FROM before_c b JOIN ip_t.t_int t USING (customer_id)
            WHERE b.old_ctid <> t.ctid AND (b.old_ctid::text::point)[0] <> (t.ctid::text::point)[0]), 0::bigint,
  'every changed row stays on its page');
SELECT is((SELECT count(*) FROM before_c_text b JOIN ip_t.t_text t USING (customer_id)
            WHERE b.old_ctid <> t.ctid AND (b.old_ctid::text::point)[0] <> (t.ctid::text::point)[0]), 0::bigint,
  '... also with a text key');
SELECT is(ARRAY[pg_relation_size('ip_t.t_int'), pg_relation_size('ip_t.t_text')], ARRAY[:int_size, :text_size]::bigint[],
  'neither table grows');
SELECT cmp_ok((SELECT count(*) FROM before_c_text b JOIN ip_t.t_text t USING (customer_id) WHERE b.old_ctid <> t.ctid),
              '>=', 51::bigint, 't_text: 51+ rows changed');
SELECT is(ip_t.leaf_entries('ip_t.t_text_customer_id_idx'), :text_key_entries::bigint,
  '... and its key index has no new entry (HOT updates)');

-- 4. The indexes after these refreshes: amcheck (every heap tuple indexed),
-- and index scans give what a sequential scan gives.
SELECT lives_ok($$SELECT bt_index_check(i.indexrelid, true) FROM pg_index i WHERE i.indrelid = 'ip_t.t_int'::regclass$$,
  'amcheck: every index of the refreshed tier table is consistent with its heap');
SELECT is((SELECT count(*) FROM pg_index i WHERE i.indrelid = 'ip_t.t_int'::regclass), 3::bigint,
  '... three indexes checked (key, expression, partial)');
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT matches(ip_t.plan_of($$SELECT customer_id FROM ip_t.t_int WHERE lower(segment) = 'champions'$$),
  't_int_lower_segment', 'forced: the expression index is used');
SELECT matches(ip_t.plan_of($$SELECT customer_id FROM ip_t.t_int WHERE r_score >= 4 AND monetary > 50$$),
  't_int_rich_recent', 'forced: the partial index is used');
SELECT matches(ip_t.plan_of($$SELECT segment FROM ip_t.t_int WHERE customer_id BETWEEN 100 AND 400$$),
  't_int_customer_id_idx', 'forced: the key index is used');
CREATE TEMP TABLE by_index_1 AS SELECT customer_id FROM ip_t.t_int WHERE lower(segment) = 'champions';
CREATE TEMP TABLE by_index_2 AS SELECT customer_id, monetary FROM ip_t.t_int WHERE r_score >= 4 AND monetary > 50;
CREATE TEMP TABLE by_index_3 AS SELECT customer_id, segment FROM ip_t.t_int WHERE customer_id BETWEEN 100 AND 400;
RESET enable_seqscan; RESET enable_bitmapscan;
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
SELECT set_eq($$SELECT customer_id FROM ip_t.t_int WHERE lower(segment) = 'champions'$$, 'TABLE by_index_1',
  'expression index scan = sequential scan');
SELECT set_eq($$SELECT customer_id, monetary FROM ip_t.t_int WHERE r_score >= 4 AND monetary > 50$$, 'TABLE by_index_2',
  'partial index scan = sequential scan');
SELECT set_eq($$SELECT customer_id, segment FROM ip_t.t_int WHERE customer_id BETWEEN 100 AND 400$$, 'TABLE by_index_3',
  'key index scan = sequential scan');
SELECT ok((SELECT count(*) FROM by_index_1) > 0 AND (SELECT count(*) FROM by_index_2) > 0
          AND (SELECT count(*) FROM by_index_3) > 0, '... and none of them is empty');
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;

-- 5. Plain REFRESH MATERIALIZED VIEW (as users and pg_restore run it) still works.
REFRESH MATERIALIZED VIEW ip_t.t_int;
SELECT is(pg_temp.tier_differ('ip_t.t_int', 'ip_t.t_int_conc'), 0::bigint, 'a plain REFRESH gives the same rows');

-- 6. rfm.max_memory too small for the new rows: rfm.refresh_tiers falls
-- back to CONCURRENTLY (the grouped path does not need rfm.max_memory),
-- with a NOTICE.  pgTAP cannot see notices: the refresh runs in a second
-- session (psql, this one's connection) whose output is captured (\set `...`).
-- rfm.max_memory = 16 is 16 kB (a bare number is kB, as for work_mem).
INSERT INTO ip_t.orders (cust, ordered_on, amount) VALUES (9003, current_date - 4, 25);
\set fallback_out `psql -X -q -h :'HOST' -p :'PORT' -U :'USER' -d :'DBNAME' -c 'SET client_min_messages = notice' -c 'SET rfm.max_memory = 16' -c "CALL rfm.refresh_tiers('ip_t.t_num')" 2>&1`
SELECT is(:'fallback_out'::text,
          'NOTICE:  rfm: tier table ip_t.t_num refreshed with REFRESH MATERIALIZED VIEW CONCURRENTLY instead: its new rows need more than rfm.max_memory (16kB)',
  'over rfm.max_memory: a NOTICE says the refresh is a REFRESH ... CONCURRENTLY (and nothing else is printed)');
SELECT is(ip_t.last_message('ip_t.t_num'),
          'REFRESH MATERIALIZED VIEW CONCURRENTLY: the new rows need more than rfm.max_memory',
  'over rfm.max_memory: refreshed by REFRESH ... CONCURRENTLY instead');
SELECT is(ip_t.differ_fresh('ip_t.t_num'), 0::bigint, '... with the same rows as a fresh tier table');
SELECT is((SELECT count(*) FROM ip_t.t_num WHERE customer_id = 900.3), 1::bigint, '... including the new customer');

-- 6b. A real tier table never repeats a key (its rows are grouped by the
-- key type's =, test/tiers_fast.sql): the key whose bytes change (numeric
-- 1.0 -> 1.00, the same customer) is a delete and an insert, deletes first,
-- so the unique index sees no duplicate.  Customer 1's orders are the same
-- but for the key's scale: no other row changes.
CREATE TABLE ip_t.orders_scale (cust numeric, ordered_on date, amount numeric);
INSERT INTO ip_t.orders_scale VALUES (1.0, current_date - 5, 10), (2, current_date - 4, 30);
SELECT rfm.create_tiers('ip_t.t_scale', 'ip_t.orders_scale', 'cust', 'ordered_on', 'amount') \g /dev/null
UPDATE ip_t.orders_scale SET cust = 1.00 WHERE cust = 1;
CALL rfm.refresh_tiers('ip_t.t_scale');
SELECT is(ip_t.last_message('ip_t.t_scale'), 'in place: 1 rows unchanged, 0 updated, 1 inserted, 1 deleted',
  'numeric key 1.0 -> 1.00: refreshed, 1.0 deleted and 1.00 inserted');
SELECT is((SELECT array_agg(customer_id::text ORDER BY customer_id) FROM ip_t.t_scale), '{1.00,2}'::text[],
  '... the tier table has the key as the source prints it now');

-- 7. The C function on hand-made materialized views.
CREATE TABLE ip_t.src (customer_id integer, x text);
INSERT INTO ip_t.src VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE MATERIALIZED VIEW ip_t.m AS SELECT customer_id, x FROM ip_t.src;
CREATE UNIQUE INDEX ON ip_t.m (customer_id);
-- by hand: 1 unchanged, 2 updated, 3 deleted, 4 and a NULL key inserted
UPDATE ip_t.src SET x = 'B' WHERE customer_id = 2;
DELETE FROM ip_t.src WHERE customer_id = 3;
INSERT INTO ip_t.src VALUES (4, 'd'), (NULL, 'n');
CREATE TEMP TABLE m_before AS SELECT ctid AS old_ctid, * FROM ip_t.m;
SELECT is((SELECT row(r.*)::text FROM rfm._tier_refresh_in_place('ip_t.m') r), '(1,1,2,1)',
  'hand-made: 1 unchanged, 1 updated, 2 inserted (one with a NULL key), 1 deleted');
SELECT set_eq('SELECT customer_id, x FROM ip_t.m', 'SELECT customer_id, x FROM ip_t.src', '... and its rows are the new ones');
SELECT is((SELECT t.ctid FROM ip_t.m t WHERE customer_id = 1), (SELECT old_ctid FROM m_before WHERE customer_id = 1),
  '... row 1 was not rewritten');
SELECT is((SELECT row(r.*)::text FROM rfm._tier_refresh_in_place('ip_t.m') r), '(3,0,1,1)',
  'a NULL key never matches: that row is replaced, the 3 others stay');
-- duplicate keys in the new rows: 23505, nothing changed
INSERT INTO ip_t.src VALUES (4, 'again');
DROP TABLE m_before;
CREATE TEMP TABLE m_before AS SELECT ctid AS old_ctid, * FROM ip_t.m;
SELECT throws_like($$SELECT rfm._tier_refresh_in_place('ip_t.m')$$,
  'rfm._tier_refresh_in_place: the new rows of ip_t.m have customer_id 4 more than once',
  'duplicate keys in the new rows: an error naming the table and the key');
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.m')$$, '23505', NULL, '... SQLSTATE 23505');
SELECT set_eq('SELECT ctid::text AS row_at, customer_id, x FROM ip_t.m', 'SELECT old_ctid::text, customer_id, x FROM m_before',
  '... and the table is unchanged');
DELETE FROM ip_t.src WHERE x = 'again';
-- keys equal under = but not byte for byte (numeric 1.0, 1.00): two keys in
-- the hash table, one in the unique index, so the insert of 1.00 fails
-- there (23505, after the update of 2 in place), and all is rolled back.
CREATE TABLE ip_t.src_num (customer_id numeric, x text);
INSERT INTO ip_t.src_num VALUES (1.0, 'a'), (2, 'b');
CREATE MATERIALIZED VIEW ip_t.m_num AS SELECT customer_id, x FROM ip_t.src_num;
CREATE UNIQUE INDEX ON ip_t.m_num (customer_id);
INSERT INTO ip_t.src_num VALUES (1.00, 'c');
UPDATE ip_t.src_num SET x = 'B' WHERE customer_id = 2;
CREATE TEMP TABLE m_num_before AS SELECT ctid AS old_ctid, customer_id::text AS customer_id, x FROM ip_t.m_num;
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.m_num')$$, '23505',
  'duplicate key value violates unique constraint "m_num_customer_id_idx"',
  'new keys 1.0 and 1.00 (numeric): 23505 from the unique index');
SELECT set_eq('SELECT ctid::text AS row_at, customer_id::text, x FROM ip_t.m_num',
              'SELECT old_ctid::text, customer_id, x FROM m_num_before',
  '... rolled back: 1.0 and 2 as they were, byte for byte and in place');
-- memory cap
SET rfm.max_memory = '16kB';
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.m')$$, '54000', NULL,
  'new rows beyond rfm.max_memory: 54000');
SELECT set_eq('SELECT ctid::text AS row_at, customer_id, x FROM ip_t.m', 'SELECT old_ctid::text, customer_id, x FROM m_before',
  '... before any row changed');
-- what rfm.refresh_tiers asks for: no error, all four counts NULL
UPDATE ip_t.src SET x = 'BB' WHERE customer_id = 2;
SELECT is((SELECT row(r.*)::text FROM rfm._tier_refresh_in_place('ip_t.m', fall_back => true) r), '(,,,)',
  'with fall_back => true: all four counts NULL instead of 54000');
SELECT set_eq('SELECT ctid::text AS row_at, customer_id, x FROM ip_t.m', 'SELECT old_ctid::text, customer_id, x FROM m_before',
  '... and no row changed');
RESET rfm.max_memory;
SELECT is((SELECT row(r.*)::text FROM rfm._tier_refresh_in_place('ip_t.m', fall_back => true) r), '(2,1,1,1)',
  'with fall_back => true and room enough: the counts (1 and 4 unchanged, 2 updated, the NULL key replaced)');
SELECT set_eq('SELECT customer_id, x FROM ip_t.m', 'SELECT customer_id, x FROM ip_t.src', '... and its rows are the new ones');
-- who and what may be refreshed
GRANT USAGE ON SCHEMA ip_t TO rfm_ip_other;
SET ROLE rfm_ip_other;
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.m')$$, '42501', NULL,
  'a role that does not own the materialized view: 42501');
RESET ROLE;
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.src')$$, '42809', NULL, 'a table: 42809');
CREATE MATERIALIZED VIEW ip_t.m_nokey AS SELECT customer_id, x FROM ip_t.src;
CREATE INDEX ON ip_t.m_nokey (customer_id);
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.m_nokey')$$, '55000', NULL,
  'no unique index on customer_id: 55000');
CREATE MATERIALIZED VIEW ip_t.m_otherkey AS SELECT x, customer_id FROM ip_t.src WHERE x IS NOT NULL;
CREATE UNIQUE INDEX ON ip_t.m_otherkey (x);
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.m_otherkey')$$, '55000', NULL,
  'first column not customer_id: 55000');
REFRESH MATERIALIZED VIEW ip_t.m WITH NO DATA;
SELECT throws_ok($$SELECT rfm._tier_refresh_in_place('ip_t.m')$$, '55000', NULL, 'not populated: 55000');
-- 8. Changed rows that do not fit on their page are written in the key
-- index's order (its collation), not in hash order: a table whose every
-- row changed reads in key order.  Six rows of ~1.3 kB fill a page.
CREATE TABLE ip_t.src_order (customer_id text COLLATE "und-x-icu", x integer, pad text);
INSERT INTO ip_t.src_order SELECT k, 1, repeat('x', 1300) FROM unnest('{C,b,ä,B,a,c}'::text[]) k;
CREATE MATERIALIZED VIEW ip_t.m_order AS SELECT customer_id, x, pad FROM ip_t.src_order;
SELECT is((SELECT count(DISTINCT (ctid::text::point)[0]) FROM ip_t.m_order), 1::bigint, 'the six rows are on one page');
CREATE UNIQUE INDEX ON ip_t.m_order (customer_id);
UPDATE ip_t.src_order SET x = 2;
SELECT is((SELECT row(r.*)::text FROM rfm._tier_refresh_in_place('ip_t.m_order') r), '(0,6,0,0)',
  'every row changed: 6 updated');
-- ICU's root order (lower case first, a before ä before b), not the bytes' (B C a b c ä)
SELECT is((SELECT array_agg(customer_id::text ORDER BY ctid) FROM ip_t.m_order), '{a,ä,b,B,c,C}'::text[],
  '... written in the order of the unique index''s collation');
SELECT is((SELECT count(*) FROM ip_t.m_order WHERE (ctid::text::point)[0] = 0), 0::bigint, '... on new pages');
-- through rfm.refresh_tiers: the error is logged and raised, the table
-- stays unpopulated; a plain REFRESH fills it again with the rows it had
-- (refreshed first, so that no order is newer than its rows), after which
-- rfm.refresh_tiers works again and finds nothing to change.
CALL rfm.refresh_tiers('ip_t.t_text');
CREATE TEMP TABLE before_no_data AS SELECT * FROM ip_t.t_text;
REFRESH MATERIALIZED VIEW ip_t.t_text WITH NO DATA;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('ip_t.t_text');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '55000', 'rfm.refresh_tiers of an unpopulated tier table: 55000');
SELECT results_eq($$SELECT outcome, sqlstate FROM rfm.refresh_log WHERE tier = 'ip_t.t_text'::regclass ORDER BY id DESC LIMIT 1$$,
  $$VALUES ('failed', '55000')$$, '... logged as failed, with the SQLSTATE');
SELECT ok(NOT (SELECT relispopulated FROM pg_class WHERE oid = 'ip_t.t_text'::regclass), '... still unpopulated');
REFRESH MATERIALIZED VIEW ip_t.t_text;
SELECT is(pg_temp.tier_differ('ip_t.t_text', 'before_no_data'), 0::bigint,
  'a plain REFRESH fills it again: the rows it had');
SELECT is((SELECT count(*) FROM ip_t.t_text),
          (SELECT count(DISTINCT cust) FROM ip_t.orders WHERE amount > 0 AND ordered_on <= current_date),
  '... one per customer with a purchase (counted by plain SQL)');
CALL rfm.refresh_tiers('ip_t.t_text');
SELECT is(ip_t.last_message('ip_t.t_text'),
          format('in place: %s rows unchanged, 0 updated, 0 inserted, 0 deleted', (SELECT count(*) FROM before_no_data)),
  '... and rfm.refresh_tiers works again: every row unchanged');

SELECT * FROM finish();
SELECT rfm.drop_tiers(t.tier) FROM rfm.tier_tables t WHERE t.tier::text LIKE 'ip\_t.%' \g /dev/null
DROP SCHEMA ip_t CASCADE;
DROP ROLE rfm_ip_other;
