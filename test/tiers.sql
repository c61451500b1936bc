-- pgTAP: tier tables — create, columns, catalog, refresh and its log, a
-- source that changes shape, history and transitions, errors, drop.
-- No BEGIN/ROLLBACK around the file: rfm.refresh_tiers is a procedure that
-- commits, so it is CALLed at top level; the file cleans up after itself.
--
-- Expected values were worked out by hand from the eight order rows below
-- (2024 is a leap year):
--   c1: 2024-01-01 10, 2024-03-01 20, 2024-04-02 1000 (after as_of: ignored)
--       -> first 2024-01-01, last 2024-03-01, frequency 2, monetary 30,
--          recency 2024-03-31 - 2024-03-01 = 30
--   c2: 2024-02-01 5           -> frequency 1, monetary 5, recency 29 + 30 = 59
--   c3: 2024-01-05 50, 2024-03-30 100, refund 2024-03-30 -20
--       -> frequency 2 (a refund is not a purchase), monetary 130, recency 1
--   c4: 2023-12-01 1           -> recency 31 + 31 + 29 + 30 = 121
--   c5: 2024-03-31 7           -> recency 0
--   c6: refund only            -> not a customer (no purchase): no row
--   NULL customer, c7 only after as_of -> no row
-- so the tier table has exactly c1..c5 and revenue 30+5+130+1+7 = 173.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS tiers_t CASCADE;
DELETE FROM rfm.segment_rules WHERE scheme = 'tiers_t prio';
CREATE SCHEMA tiers_t;
CREATE TABLE tiers_t.orders (customer bigint, ordered_on date, amount numeric, note text);
INSERT INTO tiers_t.orders VALUES
  (1, '2024-01-01', 10, NULL), (1, '2024-03-01', 20, NULL), (1, '2024-04-02', 1000, 'future'),
  (2, '2024-02-01', 5, NULL),
  (3, '2024-01-05', 50, NULL), (3, '2024-03-30', 100, NULL), (3, '2024-03-30', -20, 'refund'),
  (4, '2023-12-01', 1, NULL),
  (5, '2024-03-31', 7, NULL),
  (6, '2024-03-01', -5, 'refund only'),
  (NULL, '2024-03-01', 99, 'no customer'),
  (7, '2024-04-15', 40, 'future only');

SELECT plan(102);

-- Signatures and markings.
SELECT has_function('rfm', 'create_tiers',
  ARRAY['text', 'regclass', 'text', 'text', 'text', 'integer', 'text', 'date', 'boolean', 'boolean', 'text',
        'integer', 'integer', 'integer', 'text']);
SELECT has_function('rfm', 'drop_tiers', ARRAY['regclass']);
SELECT has_function('rfm', 'drop_tiers', ARRAY['text', 'boolean']);
SELECT has_function('rfm', 'transitions', ARRAY['regclass', 'date', 'date', 'text']);
SELECT ok(EXISTS (SELECT FROM pg_proc WHERE oid = 'rfm.refresh_tiers(regclass)'::regprocedure AND prokind = 'p'),
  'rfm.refresh_tiers is a procedure (it commits its log row)');
SELECT is((SELECT array_agg(oid::regprocedure::text || ' ' || array_to_string(proconfig, ','))
             FROM pg_proc WHERE pronamespace = 'rfm'::regnamespace AND prosecdef),
  ARRAY['rfm._tier_relations_dropped() search_path=pg_catalog, pg_temp'],
  'the one SECURITY DEFINER function of rfm is the event trigger that clears dropped relations from the catalog, with its search_path set');
SELECT ok((SELECT extconfig @> ARRAY['rfm.tier_tables'::regclass, 'rfm.refresh_log'::regclass,
                                     'rfm.tier_tables_id_seq'::regclass, 'rfm.refresh_log_id_seq'::regclass]::oid[]
             FROM pg_extension WHERE extname = 'rfm'),
  'catalog tables and their sequences are kept by pg_dump (extension config)');

-- Create.
SELECT is(rfm.create_tiers('tiers_t.t1', 'tiers_t.orders', 'customer', 'ordered_on', 'amount',
                           as_of => '2024-03-31')::text,
          'tiers_t.t1', 'create_tiers returns the new tier table');
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'tiers_t.t1'::regclass), 'm',
  'the tier table is a materialized view');
SELECT columns_are('tiers_t', 't1',
  ARRAY['customer_id', 'first_purchase', 'last_purchase', 'recency_days', 'frequency', 'monetary',
        'r_score', 'f_score', 'm_score', 'rfm_cell', 'segment', 'segment_zh', 'tier', 'tier_zh', 'lifecycle',
        'lifecycle_zh', 'as_of'],
  'tier table has the documented columns (no CLV columns without clv => true)');
-- The Chinese tier and lifecycle labels (README "Columns"; until 2026-12-07
-- a tier table had segment_zh only): each row's pair, by hand from README.
SELECT is((SELECT count(*) FROM tiers_t.t1
            WHERE (tier, tier_zh) NOT IN (('core', '核心'), ('potential', '潜力'), ('marginal', '边缘'))
               OR (lifecycle, lifecycle_zh) NOT IN (('new', '新客'), ('active', '活跃'), ('sleeping', '沉睡'), ('churned', '流失'))
               OR tier_zh IS NULL OR lifecycle_zh IS NULL),
          0::bigint, 'tier_zh and lifecycle_zh are the Chinese of tier and lifecycle in every row');
SELECT col_type_is('tiers_t', 't1', 'customer_id', 'bigint', 'customer_id keeps the source type');
SELECT col_type_is('tiers_t', 't1', 'monetary', 'numeric', 'monetary is numeric');
SELECT col_type_is('tiers_t', 't1', 'rfm_cell', 'text', 'rfm_cell is text');
SELECT ok(EXISTS (SELECT FROM pg_index i WHERE i.indrelid = 'tiers_t.t1'::regclass AND i.indisunique
                     AND i.indpred IS NULL AND i.indkey::text = '1'),
  'a unique index on customer_id (needed by REFRESH ... CONCURRENTLY)');
SELECT results_eq(
  'SELECT customer_id, first_purchase, last_purchase, recency_days, frequency, monetary, as_of
     FROM tiers_t.t1 ORDER BY customer_id',
  $$VALUES (1::bigint, '2024-01-01'::date, '2024-03-01'::date, 30, 2::bigint, 30::numeric, '2024-03-31'::date),
           (2, '2024-02-01', '2024-02-01', 59, 1, 5, '2024-03-31'),
           (3, '2024-01-05', '2024-03-30', 1, 2, 130, '2024-03-31'),
           (4, '2023-12-01', '2023-12-01', 121, 1, 1, '2024-03-31'),
           (5, '2024-03-31', '2024-03-31', 0, 1, 7, '2024-03-31')$$,
  'one row per customer with a purchase on or before as_of; hand-computed recency, frequency, monetary');
-- Scores: five customers with distinct values and five bins: every score
-- 1..5 is used once, best recency / highest spend scoring 5.
SELECT is((SELECT array_agg(customer_id ORDER BY r_score) FROM tiers_t.t1), ARRAY[4, 2, 1, 3, 5]::bigint[],
  'R score orders customers by recency (121, 59, 30, 1, 0 days)');
SELECT is((SELECT array_agg(customer_id ORDER BY m_score) FROM tiers_t.t1), ARRAY[4, 2, 5, 1, 3]::bigint[],
  'M score orders customers by monetary (1, 5, 7, 30, 130)');
SELECT is((SELECT array_agg(DISTINCT r_score ORDER BY r_score) FROM tiers_t.t1), ARRAY[1, 2, 3, 4, 5],
  'R scores 1..5 each used');
SELECT is((SELECT count(*)::int FROM tiers_t.t1
            WHERE rfm_cell <> r_score::text || f_score::text || m_score::text), 0,
  'rfm_cell is the three score digits');
SELECT is((SELECT count(*)::int FROM tiers_t.t1
            WHERE segment IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'standard', 'en')
               OR segment_zh IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'standard', 'zh')
               OR tier IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'tier3', 'en')), 0,
  'segment, segment_zh and tier are rfm.segment of the scores');
SELECT is((SELECT count(*)::int FROM tiers_t.t1 WHERE segment IS NULL OR segment_zh IS NULL
              OR tier IS NULL OR lifecycle IS NULL), 0, 'every customer has segment, tier and lifecycle');
-- Descriptions for BI tools: a COMMENT on every column, in English and
-- Chinese, and on the table, its views and its history table.
SELECT is((SELECT string_agg(attname, ', ') FROM pg_attribute
            WHERE attrelid IN ('tiers_t.t1'::regclass, 'tiers_t.t1_history'::regclass,
                               'tiers_t.t1_segments'::regclass, 'tiers_t.t1_grid'::regclass) AND attnum > 0
              AND NOT attisdropped AND col_description(attrelid, attnum) IS NULL), NULL,
  'every column of the tier table, its history and its two views has a comment');
SELECT is(col_description('tiers_t.t1'::regclass, 4), 'Recency: days from the last purchase to as_of / 最近购买间隔（天）：最近一次购买距统计截止日期的天数 (R)',
  'recency_days (column 4) is described in both languages');
SELECT is(col_description('tiers_t.t1_history'::regclass, 1),
  'The tier table''s as_of at the build or refresh that wrote the snapshot / 快照的统计截止日期（当次构建或刷新时的 as_of）',
  'the history''s as_of is the tier table''s as_of of the snapshot');
SELECT is((SELECT count(*)::int FROM unnest(ARRAY['tiers_t.t1', 'tiers_t.t1_segments', 'tiers_t.t1_grid', 'tiers_t.t1_history']::regclass[]) r
            WHERE obj_description(r, 'pg_class') LIKE '% / %'), 4, 'the table, its views and its history table have comments');

-- Catalog and log.
SELECT results_eq(
  $$SELECT source, customer_column, time_column, amount_column, customer_type, bins, scheme, as_of,
           keep_history, history_table, clv, segments_view, grid_view
      FROM rfm.tier_tables WHERE tier = 'tiers_t.t1'::regclass$$,
  $$VALUES ('tiers_t.orders'::regclass, 'customer', 'ordered_on', 'amount', 'bigint', 5, 'standard',
            '2024-03-31'::date, true, 'tiers_t.t1_history'::regclass, false, 'tiers_t.t1_segments'::regclass,
            'tiers_t.t1_grid'::regclass)$$,
  'the tier table is registered with its options');
SELECT results_eq(
  $$SELECT action, outcome, row_count, as_of FROM rfm.refresh_log WHERE tier = 'tiers_t.t1'::regclass$$,
  $$VALUES ('create', 'succeeded', 5::bigint, '2024-03-31'::date)$$,
  'the build is logged with its row count');

-- BI views, checked against the hand totals above.
SELECT is((SELECT sum(customers)::int FROM tiers_t.t1_segments), 5, 'segment summary counts all customers');
SELECT is((SELECT sum(revenue) FROM tiers_t.t1_segments), 173::numeric, 'segment summary revenue totals 173');
SELECT ok((SELECT abs(sum(customer_share) - 1) < 0.001 AND abs(sum(revenue_share) - 1) < 0.001
             FROM tiers_t.t1_segments), 'shares add up to 1');
-- revenue_share is over the net total (README): refunds outweighing
-- purchases make it NULL (total 0: monetary 10, -10 and 0) or negative and
-- above 1 (10 and -40 in two segments, r 1 and 5 by hand: 10 / -30, -40 / -30)
CREATE TABLE tiers_t.refunds_even (c int, d date, a numeric);
INSERT INTO tiers_t.refunds_even VALUES (1, '2024-01-01', 10), (2, '2024-01-02', 10), (2, '2024-01-03', -20),
  (3, '2024-01-05', 5), (3, '2024-01-06', -5);
CREATE TABLE tiers_t.refunds_over (c int, d date, a numeric);
INSERT INTO tiers_t.refunds_over VALUES (1, '2024-01-01', 10), (2, '2024-01-02', 10), (2, '2024-01-03', -50);
SELECT rfm.create_tiers('tiers_t.even', 'tiers_t.refunds_even', 'c', 'd', 'a', as_of => '2024-02-01', keep_history => false) \g /dev/null
SELECT rfm.create_tiers('tiers_t.over', 'tiers_t.refunds_over', 'c', 'd', 'a', as_of => '2024-02-01', keep_history => false) \g /dev/null
SELECT is((SELECT count(*) FILTER (WHERE revenue_share IS NULL) || ' of ' || count(*) || ', customer shares '
                  || sum(customer_share) FROM tiers_t.even_segments WHERE customers > 0),
  '3 of 3, customer shares 0.9999', 'a net total of 0: every revenue_share NULL (customer shares as ever)');
SELECT results_eq($$SELECT revenue, revenue_share FROM tiers_t.over_segments WHERE customers > 0 ORDER BY revenue$$,
  $$VALUES (-40::numeric, 1.3333::numeric), (10, -0.3333)$$, 'a negative net total: shares above 1 and negative');
SELECT rfm.drop_tiers('tiers_t.even'), rfm.drop_tiers('tiers_t.over') \g /dev/null
-- Every label of standard has a row (12), those no customer has with 0
-- customers, 0 revenue, share 0 and no means: t1's 5 customers have 5
-- labels (scores by hand, as_of 2024-03-31: 1 (3,4,4) Loyal Customers, 2
-- (2,1,2) About To Sleep, 3 (4,4,5) Champions, 4 (1,1,1) Lost, 5 (5,1,3)
-- Potential Loyalist), so 7 are empty.
SELECT results_eq($$SELECT count(*)::int, count(*) FILTER (WHERE customers = 0)::int,
                           count(*) FILTER (WHERE customers = 0 AND revenue = 0 AND customer_share = 0
                                            AND revenue_share = 0 AND mean_recency_days IS NULL
                                            AND mean_frequency IS NULL AND mean_monetary IS NULL
                                            AND mean_r_score IS NULL AND mean_f_score IS NULL
                                            AND mean_m_score IS NULL)::int
                      FROM tiers_t.t1_segments$$,
  $$VALUES (12, 7, 7)$$, 'every label of the scheme has a row, the empty ones with 0 customers');
SELECT set_eq($$SELECT segment, segment_zh, segment_priority FROM tiers_t.t1_segments$$,
  $$SELECT label_en, label_zh, priority FROM rfm.segment_rules WHERE scheme = 'standard'$$,
  '... the labels and priorities of rfm.segment_rules');
-- segment_priority: the label's first rule in the table's scheme, read
-- live.  A scheme of one's own with 'Top' twice (priorities 5 and 9): r
-- scores 5 and 4 (c5, c3) are Top, 3..1 (c1, c2, c4) Rest.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, r_min, r_max)
VALUES ('tiers_t prio', 5, 'Top', '顶', 5, 5), ('tiers_t prio', 7, 'Rest', '余', 1, 3),
       ('tiers_t prio', 9, 'Top', '顶', 4, 4);
SELECT rfm.create_tiers('tiers_t.prio', 'tiers_t.orders', 'customer', 'ordered_on', 'amount',
                        scheme => 'tiers_t prio', as_of => '2024-03-31', keep_history => false) \g /dev/null
SELECT results_eq('SELECT segment, customers, segment_priority FROM tiers_t.prio_segments ORDER BY segment_priority',
  $$VALUES ('Top', 2::bigint, 5), ('Rest', 3, 7)$$,
  'segment_priority is the first priority of the label in the scheme');
UPDATE rfm.segment_rules SET priority = 60 WHERE scheme = 'tiers_t prio' AND priority = 5;
SELECT results_eq('SELECT segment, segment_priority FROM tiers_t.prio_segments ORDER BY segment_priority',
  $$VALUES ('Rest', 7), ('Top', 9)$$, '... read from the rules as they are now');
-- A label edited since the refresh: the table's Rest (3 customers) keeps
-- its row without a priority, the rules' new label has one with none.
UPDATE rfm.segment_rules SET label_en = 'Others', label_zh = '其他' WHERE scheme = 'tiers_t prio' AND priority = 7;
SELECT results_eq('SELECT segment, segment_zh, customers, segment_priority FROM tiers_t.prio_segments ORDER BY segment',
  $$VALUES ('Others', '其他', 0::bigint, 7), ('Rest', '余', 3, NULL), ('Top', '顶', 2, 9)$$,
  '... a label the rules no longer give keeps its customers, the new one has 0 until the refresh');
CALL rfm.refresh_tiers('tiers_t.prio');
SELECT results_eq('SELECT segment, customers, segment_priority FROM tiers_t.prio_segments ORDER BY segment',
  $$VALUES ('Others', 3::bigint, 7), ('Top', 2, 9)$$, '... and all of them after it');
-- Only the Chinese of a label edited: the pair the table holds has no rule
-- any more (NULL priority), the rules' new pair shows 0 until the refresh.
UPDATE rfm.segment_rules SET label_zh = '最高' WHERE scheme = 'tiers_t prio' AND label_en = 'Top';
SELECT results_eq('SELECT segment, segment_zh, customers, segment_priority FROM tiers_t.prio_segments ORDER BY segment, customers',
  $$VALUES ('Others', '其他', 3::bigint, 7), ('Top', '最高', 0, 9), ('Top', '顶', 2, NULL)$$,
  '... the same when only the Chinese label was edited (the priority is that of the pair)');
SELECT is((SELECT segment_priority FROM tiers_t.t1_segments WHERE segment = 'Champions'), 10,
  'a standard table''s Champions: 10');
SELECT rfm.drop_tiers('tiers_t.prio') \g /dev/null
DELETE FROM rfm.segment_rules WHERE scheme = 'tiers_t prio';
SELECT is((SELECT count(*)::int FROM tiers_t.t1_grid), 25, 'the R x F grid has every cell of 5 x 5');
SELECT is((SELECT sum(customers)::int FROM tiers_t.t1_grid), 5, 'the grid counts every customer once');
SELECT is((SELECT customers::int FROM tiers_t.t1_grid g JOIN tiers_t.t1 t USING (r_score, f_score)
            WHERE t.customer_id = 3 AND g.r_score = t.r_score AND g.f_score = t.f_score), 1,
  'customer 3 sits in its own R/F cell');

-- Refresh picks up new orders and is logged.
INSERT INTO tiers_t.orders VALUES (8, '2024-03-15', 12, 'late arrival');
CALL rfm.refresh_tiers('tiers_t.t1');
SELECT is((SELECT count(*)::int FROM tiers_t.t1), 6, 'refresh adds the new customer');
SELECT results_eq(
  $$SELECT action, outcome, row_count FROM rfm.refresh_log WHERE tier = 'tiers_t.t1'::regclass ORDER BY id$$,
  $$VALUES ('create', 'succeeded', 5::bigint), ('refresh', 'succeeded', 6::bigint)$$,
  'the refresh is logged: outcome and rows');
SELECT ok((SELECT finished_at >= started_at FROM rfm.refresh_log WHERE tier = 'tiers_t.t1'::regclass
            AND action = 'refresh'), 'the log has start and end times');
SELECT is((SELECT count(*)::int FROM tiers_t.t1_history WHERE as_of = '2024-03-31'), 6,
  'a refresh on the same as_of replaces that day''s history snapshot');
SELECT throws_ok($$CALL rfm.refresh_tiers('tiers_t.t1')$$, '2D000',
  'rfm.refresh_tiers must be called with CALL at top level, outside a transaction block',
  'refresh_tiers inside a transaction block is refused (it must commit its log row), saying where to call it');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier = 'tiers_t.t1'::regclass), 2,
  '... before it logs anything');
-- A DO block at top level may commit: the refresh runs there.
DO $$ BEGIN CALL rfm.refresh_tiers('tiers_t.t1'); END $$;
SELECT is((SELECT count(*)::int FROM rfm.refresh_log WHERE tier = 'tiers_t.t1'::regclass AND outcome = 'succeeded'), 3,
  'a refresh from a DO block at top level runs and is logged');
-- The snapshot replaces its days by the history's primary key, not by
-- reading every day ever kept (an OR with a subquery did: a sequential scan
-- of the whole history on every refresh).  With sequential scans priced
-- out, the session's not yet reported statistics (pg_stat_xact_*, before
-- and after) show how it read the table.
BEGIN;
SET LOCAL enable_seqscan = off;
SELECT seq_scan AS seq_before, idx_scan AS idx_before FROM pg_stat_xact_user_tables
 WHERE relid = 'tiers_t.t1_history'::regclass \gset
SELECT rfm._tier_snapshot('tiers_t.t1', 'tiers_t.t1_history', false, '2024-03-31') \g /dev/null
SELECT results_eq(format($$SELECT seq_scan - %s, idx_scan > %s FROM pg_stat_xact_user_tables
                            WHERE relid = 'tiers_t.t1_history'::regclass$$, :seq_before, :idx_before),
  $$VALUES (0::bigint, true)$$, 'a snapshot finds the days it replaces by the history''s primary key');
ROLLBACK;

-- A source that changes shape: clear error at refresh, the old rows stay.
ALTER TABLE tiers_t.orders DROP COLUMN amount;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('tiers_t.t1');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42703', 'refresh after the amount column was dropped: undefined_column');
SELECT matches(:'LAST_ERROR_MESSAGE'::text, 'rfm.refresh_tiers: refresh of tiers_t.t1 failed: source tiers_t.orders has no column amount',
  'the error names the tier table, the source and the column');
SELECT is((SELECT count(*)::int FROM tiers_t.t1), 6, 'the old rows stay after the failed refresh');
SELECT is((SELECT monetary FROM tiers_t.t1 WHERE customer_id = 3), 130::numeric, 'old values unchanged');
SELECT results_eq(
  $$SELECT outcome, sqlstate, row_count FROM rfm.refresh_log WHERE tier = 'tiers_t.t1'::regclass ORDER BY id DESC LIMIT 1$$,
  $$VALUES ('failed', '42703', NULL::bigint)$$, 'the failed refresh is logged with its SQLSTATE');

ALTER TABLE tiers_t.orders ADD COLUMN amount numeric;
UPDATE tiers_t.orders SET amount = 1;
ALTER TABLE tiers_t.orders ALTER COLUMN customer TYPE text;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('tiers_t.t1');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42804', 'refresh after the customer column was retyped: datatype_mismatch');
SELECT matches(:'LAST_ERROR_MESSAGE'::text, 'customer column customer of tiers_t.orders is now text, the tier table was made for bigint',
  'the error says what changed');
SELECT is((SELECT sum(monetary) FROM tiers_t.t1), 185::numeric, 'old rows still intact (173 + 12)');
ALTER TABLE tiers_t.orders ALTER COLUMN customer TYPE bigint USING customer::bigint;
ALTER TABLE tiers_t.orders ALTER COLUMN amount TYPE double precision;
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('tiers_t.t1');
\set ON_ERROR_STOP 1
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '42804', 'a floating-point amount is refused (datatype_mismatch)');
ALTER TABLE tiers_t.orders ALTER COLUMN amount TYPE numeric;
-- A NaN amount: the log row (all a scheduled job leaves) names the customer.
INSERT INTO tiers_t.orders (customer, ordered_on, amount, note) VALUES (3, '2024-03-10', 'NaN', 'bad');
\set ON_ERROR_STOP 0
CALL rfm.refresh_tiers('tiers_t.t1');
\set ON_ERROR_STOP 1
SELECT results_eq(
  $$SELECT sqlstate, message FROM rfm.refresh_log WHERE tier = 'tiers_t.t1'::regclass ORDER BY id DESC LIMIT 1$$,
  $$VALUES ('22023', 'rfm: amount must not be NaN (customer 3, order on 2024-03-10)')$$,
  'a NaN amount: the logged error names the customer and the order''s day');
DELETE FROM tiers_t.orders WHERE note = 'bad';
CALL rfm.refresh_tiers('tiers_t.t1');
SELECT results_eq('SELECT count(*)::int, sum(monetary) FROM tiers_t.t1', 'VALUES (7, 10::numeric)',
  'with the columns back the refresh works again (7 customers, revenue 10: see below)');

-- History and transitions.  After the UPDATE above every row has amount 1,
-- so on 2024-03-31: c1 2 rows -> 2, c2 1, c3 3 rows -> 3 (the old refund is
-- now a purchase), c4 1, c5 1, c6 1 (now a purchase), c8 1; c7 is after
-- as_of: 7 customers, revenue 10.  An earlier snapshot on 2024-02-29 is
-- written by hand: c1 (10), c2 (5) in 'Old A', c3 (50) in 'Old B'.
INSERT INTO tiers_t.t1_history (as_of, customer_id, segment, monetary) VALUES
  ('2024-02-29', 1, 'Old A', 10), ('2024-02-29', 2, 'Old A', 5), ('2024-02-29', 3, 'Old B', 50);
SELECT results_eq(
  $$SELECT from_segment, customers, revenue_before, revenue_after, revenue_gained
      FROM (SELECT from_segment, sum(customers)::int AS customers, sum(revenue_before) AS revenue_before,
                   sum(revenue_after) AS revenue_after, sum(revenue_gained) AS revenue_gained
              FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31') GROUP BY from_segment) s
     ORDER BY from_segment NULLS FIRST$$,
  $$VALUES (NULL::text, 4, 0::numeric, 4::numeric, 4::numeric),
           ('Old A', 2, 15, 3, -12), ('Old B', 1, 50, 3, -47)$$,
  'transitions: customers and revenue by starting segment (NULL = new since from_as_of)');
SELECT is((SELECT sum(customers)::int FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31')
            WHERE to_segment IS NULL), NULL, 'nobody disappears between the snapshots');
SELECT is((SELECT sum(customers)::int FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31') t
             JOIN (SELECT DISTINCT segment FROM tiers_t.t1) c ON c.segment = t.to_segment), 7, 'to_segment are the current segments');
SELECT results_eq($$SELECT count(*)::int, count(predicted_clv_before)::int, count(predicted_clv_after)::int
                     FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31')$$,
  $$SELECT count(*)::int, 0, 0 FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31')$$,
  'without clv => true the predicted CLV columns of the transitions are NULL');
-- A customer in both snapshots without a segment (a scheme of one's own
-- may leave cells unlabelled) is not new: c4 in the earlier snapshot with
-- a NULL segment and 7 spent.  New since 2024-02-29: c5, c6, c8.
INSERT INTO tiers_t.t1_history (as_of, customer_id, segment, monetary) VALUES ('2024-02-29', 4, NULL, 7);
SELECT results_eq(
  $$SELECT in_from_snapshot, sum(customers)::int, sum(revenue_before) FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31')
     WHERE from_segment IS NULL GROUP BY in_from_snapshot ORDER BY in_from_snapshot$$,
  $$VALUES (false, 3, 0::numeric), (true, 1, 7::numeric)$$,
  'transitions: an unlabelled customer of both snapshots is told apart from new ones (in_from_snapshot)');
-- A customer of the earlier snapshot only (c99, 'Old B', 4 spent) has left.
INSERT INTO tiers_t.t1_history (as_of, customer_id, segment, monetary) VALUES ('2024-02-29', 99, 'Old B', 4);
SELECT results_eq(
  $$SELECT from_segment, to_segment, customers::int, revenue_before, revenue_after, in_from_snapshot
      FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31') WHERE NOT in_to_snapshot$$,
  $$VALUES ('Old B'::text, NULL::text, 1, 4::numeric, 0::numeric, true)$$,
  'transitions: a customer who left has in_to_snapshot false, one row');
DELETE FROM tiers_t.t1_history WHERE as_of = '2024-02-29' AND customer_id IN (4, 99);
SELECT throws_ok($$SELECT * FROM rfm.transitions('tiers_t.t1', '2024-01-01', '2024-03-31')$$, 'P0002', NULL,
  'transitions from a day without snapshot: no_data_found');
-- In Chinese (lang => 'zh'): the same rows by segment_zh.  The earlier
-- snapshot's hand-written rows get Chinese labels of their own ('旧甲' for
-- 'Old A', '旧乙' for 'Old B'); the later one's are the build's: each
-- English row's counts under its segment's label_zh (rfm.segment_rules).
UPDATE tiers_t.t1_history SET segment_zh = CASE segment WHEN 'Old A' THEN '旧甲' ELSE '旧乙' END WHERE as_of = '2024-02-29';
SELECT set_eq(
  $$SELECT from_segment, to_segment, customers, revenue_before, revenue_after
      FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31', lang => 'zh')$$,
  $$SELECT CASE t.from_segment WHEN 'Old A' THEN '旧甲' WHEN 'Old B' THEN '旧乙' END, r.label_zh,
           t.customers, t.revenue_before, t.revenue_after
      FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31') t
      LEFT JOIN rfm.segment_rules r ON r.scheme = 'standard' AND r.label_en = t.to_segment$$,
  'transitions in Chinese: the same rows, by segment_zh');
SELECT throws_ok($$SELECT * FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31', lang => 'zh-Latn')$$, '22023',
  'rfm.transitions: unknown language "zh-Latn"', 'transitions: an unknown language is 22023');
SELECT throws_ok($$SELECT * FROM rfm.transitions('tiers_t.t1', '2024-02-29', '2024-03-31', lang => NULL)$$, '22004',
  'rfm.transitions: lang must not be NULL', 'transitions: a NULL language is 22004');

-- Timestamps, no history, as_of NULL (= the refresh day).
CREATE TABLE tiers_t.events (who text, at timestamptz, paid integer);
INSERT INTO tiers_t.events VALUES ('a', now() - interval '3 days', 5), ('b', now() + interval '3 days', 5);
SELECT lives_ok($$SELECT rfm.create_tiers('tiers_t.t2', 'tiers_t.events', 'who', 'at', 'paid', bins => 3,
                                          keep_history => false)$$,
  'timestamptz time column, integer amount, 3 bins, no history');
SELECT results_eq('SELECT customer_id, as_of FROM tiers_t.t2', $$VALUES ('a'::text, current_date)$$,
  'as_of NULL is the day of the refresh; orders after it are left out');
SELECT is((SELECT history_table FROM rfm.tier_tables WHERE tier = 'tiers_t.t2'::regclass), NULL,
  'keep_history => false makes no history table');
SELECT throws_ok($$SELECT * FROM rfm.transitions('tiers_t.t2', current_date, current_date)$$, '55000',
  'rfm.transitions: tiers_t.t2 keeps no history',
  'transitions without history: object_not_in_prerequisite_state');
\ir include/hint_of.psql
SELECT is(pg_temp.hint_of($$SELECT * FROM rfm.transitions('tiers_t.t2', current_date, current_date)$$),
  $$Turn it on with SELECT rfm.alter_tiers('tiers_t.t2', '{"keep_history": true}'): each refresh from then on stores a snapshot.$$,
  '... whose hint is the alter that turns history on (it said to create the table again)');

-- A customer column of a type outside pg_catalog: the recorded type is
-- schema-qualified, so a refresh under another search_path still matches it.
CREATE DOMAIN tiers_t.code AS text;
CREATE TABLE tiers_t.coded (who tiers_t.code, d date, a numeric);
INSERT INTO tiers_t.coded VALUES ('p', '2024-03-01', 1), ('q', '2024-03-02', 2);
SET search_path = tiers_t, public;
SELECT rfm.create_tiers('t3', 'coded', 'who', 'd', 'a', bins => 2, as_of => '2024-03-31', keep_history => false) \g /dev/null
RESET search_path;
CALL rfm.refresh_tiers('tiers_t.t3');
SELECT is((SELECT customer_type FROM rfm.tier_tables WHERE tier = 'tiers_t.t3'::regclass), 'tiers_t.code',
  'the customer type is recorded schema-qualified');
SELECT col_type_is('tiers_t', 't3', 'customer_id', 'tiers_t', 'code', 'customer_id has the domain type');
SELECT is((SELECT outcome FROM rfm.refresh_log WHERE tier = 'tiers_t.t3'::regclass ORDER BY id DESC LIMIT 1),
  'succeeded', 'refresh under another search_path accepts the same type');

-- Argument errors.
SELECT throws_ok($$SELECT rfm.create_tiers('tiers_t.x', 'tiers_t.orders', 'customer', 'ordered_on', 'amount', bins => 1)$$,
  '22023', NULL, 'bins below 2 refused');
SELECT throws_ok($$SELECT rfm.create_tiers('tiers_t.x', 'tiers_t.orders', 'customer', 'ordered_on', 'amount', bins => 10)$$,
  '22023', NULL, 'bins above 9 refused (rfm_cell digits)');
SELECT throws_ok($$SELECT rfm.create_tiers('a.b.c', 'tiers_t.orders', 'customer', 'ordered_on', 'amount')$$,
  '42602', NULL, 'a three-part name refused');
SELECT throws_ok($$SELECT rfm.create_tiers('tiers_t.x', 'tiers_t.orders', 'Customer', 'ordered_on', 'amount')$$,
  '42703', 'rfm: source tiers_t.orders has no column "Customer"', 'column names are matched exactly');
SELECT throws_ok($$SELECT rfm.create_tiers('tiers_t.x', 'tiers_t.orders', 'customer', 'note', 'amount')$$,
  '42804', NULL, 'a text time column refused');
SELECT throws_ok($$SELECT rfm.create_tiers('tiers_t.' || repeat('x', 55), 'tiers_t.orders', 'customer', 'ordered_on', 'amount')$$,
  '42622', NULL, 'a name with no room for the suffixes refused');
SELECT throws_ok($$SELECT rfm.drop_tiers('tiers_t.orders')$$, '42704', NULL,
  'drop_tiers of a table not made by create_tiers refused');
SELECT ok(to_regclass('tiers_t.x') IS NULL, 'failed creates leave nothing behind');

-- Drop removes everything it made.
SELECT lives_ok($$SELECT rfm.drop_tiers('tiers_t.t1')$$, 'drop_tiers');
SELECT is((SELECT count(*)::int FROM pg_class WHERE relnamespace = 'tiers_t'::regnamespace
            AND relname LIKE 't1%'), 0, 'tier table, index, views and history are gone');
SELECT is((SELECT count(*)::int FROM rfm.tier_tables WHERE tier::text LIKE 'tiers_t.t1%'), 0, 'catalog row gone');
SELECT is((SELECT count(*)::int FROM rfm.refresh_log l WHERE NOT EXISTS
            (SELECT FROM rfm.tier_tables t WHERE t.id = l.tier_id)), 0, 'its log rows are gone');
SELECT lives_ok($$SELECT rfm.drop_tiers('tiers_t.t2')$$, 'drop_tiers without history');
-- By name, found in the caller's search_path as a regclass argument is
-- (rfm.drop_tiers(text, boolean) has no SET search_path of its own).
SET search_path = tiers_t, public;
SELECT lives_ok($$SELECT rfm.drop_tiers('t3', if_exists => true)$$, 'drop_tiers by an unqualified name with if_exists');
RESET search_path;
SELECT ok(to_regclass('tiers_t.t3') IS NULL AND to_regclass('tiers_t.t3_segments') IS NULL
          AND NOT EXISTS (SELECT FROM rfm.tier_tables WHERE tier::text LIKE 'tiers_t.t3%'),
  '... drops the tier table, its views and catalog row');
SELECT lives_ok($$SELECT rfm.drop_tiers('tiers_t.t3', true)$$, '... and a second time is a NOTICE, not an error');
-- A renamed tier table keeps its history's name: dropping its old name
-- by name finds nothing to drop (its history is a live table's, not an
-- orphan's).
SELECT rfm.create_tiers('tiers_t.ren', 'tiers_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
ALTER MATERIALIZED VIEW tiers_t.ren RENAME TO ren2;
SELECT lives_ok($$SELECT rfm.drop_tiers('tiers_t.ren', true)$$, 'drop_tiers by the old name of a renamed tier table ...');
SELECT ok(to_regclass('tiers_t.ren_history') IS NOT NULL
          AND EXISTS (SELECT FROM rfm.tier_tables WHERE tier = 'tiers_t.ren2'::regclass AND history_table = 'tiers_t.ren_history'::regclass),
  '... leaves it, its history and its catalog row alone');
SELECT rfm.drop_tiers('tiers_t.ren2') \g /dev/null

-- A refresh whose source is now empty: the day's earlier snapshot goes
-- too (the empty tier table names no day, and the snapshot was found by
-- the days its rows name): 1 customer in the snapshot, then none.
CREATE TABLE tiers_t.emptied (cust int, t date, amt numeric);
INSERT INTO tiers_t.emptied VALUES (1, '2024-01-01', 5);
SELECT rfm.create_tiers('tiers_t.emptied_tiers', 'tiers_t.emptied', 'cust', 't', 'amt', as_of => '2024-06-30') \g /dev/null
SELECT is((SELECT count(*)::int FROM tiers_t.emptied_tiers_history WHERE as_of = '2024-06-30'), 1, 'the snapshot of 2024-06-30 has the one customer');
DELETE FROM tiers_t.emptied;
CALL rfm.refresh_tiers('tiers_t.emptied_tiers');
SELECT is((SELECT count(*)::int FROM tiers_t.emptied_tiers_history WHERE as_of = '2024-06-30'), 0,
  'refreshed over an emptied source, the day''s snapshot is empty as the tier table is');
-- Its segments view still lists standard's 12 labels, each with 0
-- customers; no share can be computed of nothing (NULL, not an error).
SELECT results_eq($$SELECT count(*)::int, sum(customers)::int, sum(revenue), count(customer_share)::int,
                           count(revenue_share)::int, count(mean_monetary)::int
                      FROM tiers_t.emptied_tiers_segments$$,
  $$VALUES (12, 0, 0::numeric, 0, 0, 0)$$,
  'an empty tier table''s segments view: every label, 0 customers, no shares or means');
SELECT rfm.drop_tiers('tiers_t.emptied_tiers') \g /dev/null

SELECT * FROM finish();
DROP SCHEMA tiers_t CASCADE;
