-- pgTAP: a tier table whose Chinese columns (segment_zh, tier_zh,
-- lifecycle_zh) are in traditional characters: rfm.create_tiers' lang_zh,
-- rfm.alter_tiers' option of that name, rfm.tier_tables.lang_zh.  Five
-- customers scored by hand; the same labels on the fast path, the grouped
-- (CLV) path and an incremental table; kept by refreshes and backfills;
-- the _segments view; transitions across a change; the errors.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS hant_t CASCADE;
CREATE SCHEMA hant_t;
SELECT plan(29);

-- By hand, as of 2024-03-31, 5 bins (type-7 cut points over 5 customers,
-- h = 0.8, 1.6, 2.4, 3.2):
--   recency 30, 59, 6, 304, 1 -> cuts {5, 20.4, 41.6, 108} -> r 3, 2, 4, 1, 5
--   frequency 2, 1, 2, 1, 1   -> cuts {1, 1, 1.4, 2}       -> f 4, 1, 4, 1, 1
--   monetary 150, 10, 505, 30, 1 -> cuts {8.2, 22, 78, 221} -> m 4, 2, 5, 3, 1
-- cells 344 Loyal Customers (sum 11: potential), 212 About To Sleep (5:
-- marginal), 445 Champions (13: core), 113 Others (5), 511 New Customers
-- (7: marginal); lifecycle: 1 active (first 90 days ago, last 30), 2
-- active (59, 59), 3 new (first 11 days ago), 4 churned (last 304), 5 new.
CREATE TABLE hant_t.orders (order_id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO hant_t.orders (customer, ordered_on, amount) VALUES
  (1, '2024-01-01', 100), (1, '2024-03-01', 50), (2, '2024-02-01', 10), (3, '2024-03-20', 500),
  (3, '2024-03-25', 5), (4, '2023-06-01', 30), (5, '2024-03-30', 1);

SELECT rfm.create_tiers('hant_t.hant', 'hant_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', lang_zh => 'zh-TW') \g /dev/null
SELECT rfm.create_tiers('hant_t.hans', 'hant_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31') \g /dev/null
SELECT results_eq(
  $$SELECT customer_id, rfm_cell, segment, segment_zh, tier, tier_zh, lifecycle, lifecycle_zh FROM hant_t.hant ORDER BY 1$$,
  $$VALUES (1, '344', 'Loyal Customers', '忠誠客戶', 'potential', '潛力', 'active', '活躍'),
           (2, '212', 'About To Sleep', '即將沉睡客戶', 'marginal', '邊緣', 'active', '活躍'),
           (3, '445', 'Champions', '冠軍客戶', 'core', '核心', 'new', '新客'),
           (4, '113', 'Others', '其他客戶', 'marginal', '邊緣', 'churned', '流失'),
           (5, '511', 'New Customers', '新客戶', 'marginal', '邊緣', 'new', '新客')$$,
  'lang_zh => zh-TW: scores, labels and stages by hand, the Chinese ones in traditional characters');
SELECT results_eq(
  $$SELECT customer_id, segment_zh, tier_zh, lifecycle_zh FROM hant_t.hans ORDER BY 1$$,
  $$VALUES (1, '忠诚客户', '潜力', '活跃'), (2, '即将沉睡客户', '边缘', '活跃'), (3, '冠军客户', '核心', '新客'),
           (4, '其他客户', '边缘', '流失'), (5, '新客户', '边缘', '新客')$$,
  '... and by default in simplified ones');
SELECT is((SELECT string_agg(lang_zh, ',' ORDER BY id) FROM rfm.tier_tables
            WHERE tier IN ('hant_t.hant'::regclass, 'hant_t.hans'::regclass)), 'zh-Hant,zh',
  'the catalog keeps the language as its canonical tag (zh-TW: zh-Hant)');
SELECT results_eq(
  $$SELECT customer_id, first_purchase, last_purchase, recency_days, frequency, monetary, rfm_cell, segment, tier, lifecycle
      FROM hant_t.hant ORDER BY 1$$,
  $$SELECT customer_id, first_purchase, last_purchase, recency_days, frequency, monetary, rfm_cell, segment, tier, lifecycle
      FROM hant_t.hans ORDER BY 1$$,
  'every other column as in the simplified table');

-- the grouped path (clv => true) and an incremental table label alike
SELECT rfm.create_tiers('hant_t.hant_clv', 'hant_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', clv => true, lang_zh => 'zh-Hant') \g /dev/null
SELECT results_eq($$SELECT customer_id, segment_zh, tier_zh, lifecycle_zh FROM hant_t.hant_clv ORDER BY 1$$,
  $$SELECT customer_id, segment_zh, tier_zh, lifecycle_zh FROM hant_t.hant ORDER BY 1$$,
  'the grouped (CLV) path: the same traditional labels');
SELECT rfm.create_tiers('hant_t.hant_inc', 'hant_t.orders', 'customer', 'ordered_on', 'amount',
                        watermark_column => 'order_id', lang_zh => 'ZH_hant') \g /dev/null
SELECT is((SELECT count(*)::int FROM hant_t.hant_inc
            WHERE segment_zh IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'standard', 'zh-Hant')
               OR tier_zh IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'tier3', 'zh-Hant')
               OR lifecycle_zh IS DISTINCT FROM rfm.lifecycle_stage(first_purchase, last_purchase, as_of, lang => 'zh-Hant')), 0,
  'an incremental table (lang_zh ZH_hant): every label as rfm.segment and rfm.lifecycle_stage give it in zh-Hant');
INSERT INTO hant_t.orders (customer, ordered_on, amount) VALUES (6, current_date, 80), (2, current_date, 40);
CALL rfm.refresh_tiers('hant_t.hant_inc');
SELECT is((SELECT count(*)::int || ' of ' || count(*) FILTER (WHERE customer_id = 6) FROM hant_t.hant_inc
            WHERE segment_zh IS NOT DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'standard', 'zh-Hant')
              AND lifecycle_zh IS NOT DISTINCT FROM rfm.lifecycle_stage(first_purchase, last_purchase, as_of, lang => 'zh-Hant')),
  '6 of 1', '... and after new orders and a refresh, the new customer included');
DELETE FROM hant_t.orders WHERE ordered_on = current_date;

-- a refresh, a plain REFRESH (as pg_restore runs it) and a backfilled day keep them
CALL rfm.refresh_tiers('hant_t.hant');
REFRESH MATERIALIZED VIEW hant_t.hant;
SELECT results_eq($$SELECT customer_id, segment_zh, tier_zh, lifecycle_zh FROM hant_t.hant ORDER BY 1$$,
  $$SELECT customer_id, rfm.zh_hant(segment_zh), rfm.zh_hant(tier_zh), rfm.zh_hant(lifecycle_zh) FROM hant_t.hans ORDER BY 1$$,
  'after rfm.refresh_tiers and REFRESH MATERIALIZED VIEW: still rfm.zh_hant of the simplified table''s labels');
-- on 2024-03-10: customers 1 (recency 9), 2 (38) and 4 (283); 3 and 5 have not bought yet
SELECT is(rfm.backfill_history('hant_t.hant', '2024-03-10'), 3::bigint, 'a backfill of 2024-03-10: three customers');
-- (1: first purchase 69 days before, last 9: active; 2: 38 and 38: active; 4: last 283: churned)
SELECT results_eq($$SELECT customer_id, segment_zh = rfm.segment(r_score, f_score, m_score, 'standard', 'zh-Hant'),
                           tier_zh = rfm.segment(r_score, f_score, m_score, 'tier3', 'zh-Hant'), lifecycle_zh
                      FROM hant_t.hant_history WHERE as_of = '2024-03-10' ORDER BY 1$$,
  $$VALUES (1, true, true, '活躍'), (2, true, true, '活躍'), (4, true, true, '流失')$$,
  '... its labels in traditional characters');

-- the _segments view: every label of the scheme in traditional characters,
-- the empty ones too, with its rule's priority
SELECT is((SELECT count(*)::int FROM hant_t.hant_segments), 12, '_segments: the 12 labels of standard');
SELECT results_eq($$SELECT segment, segment_zh, segment_priority, customers FROM hant_t.hant_segments ORDER BY segment_priority$$,
  $$SELECT s.segment, rfm.zh_hant(s.segment_zh), s.segment_priority, s.customers FROM hant_t.hans_segments s ORDER BY segment_priority$$,
  '... those of the simplified table through rfm.zh_hant, priorities and counts alike');

-- a scheme of one's own: its label_zh_hant (else rfm.zh_hant of label_zh)
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, label_zh_hant, r_min, r_max)
VALUES ('hant_mine', 10, 'Recent', '近期客户', '近期顧客', 4, 5), ('hant_mine', 20, 'Earlier', '早期客户', NULL, 1, 3);
SELECT rfm.create_tiers('hant_t.mine', 'hant_t.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', scheme => 'hant_mine', lang_zh => 'zh-Hant') \g /dev/null
SELECT results_eq($$SELECT customer_id, segment_zh FROM hant_t.mine ORDER BY 1$$,
  $$VALUES (1, '早期客户'), (2, '早期客户'), (3, '近期顧客'), (4, '早期客户'), (5, '近期顧客')$$,
  'a scheme of one''s own: label_zh_hant where given, else label_zh as written (not one of rfm''s texts)');
SELECT results_eq($$SELECT segment, segment_zh, customers FROM hant_t.mine_segments ORDER BY segment_priority$$,
  $$VALUES ('Recent', '近期顧客', 2::bigint), ('Earlier', '早期客户', 3::bigint)$$,
  '... and its _segments view');

-- an alter changes the language (logged); transitions read both kinds of
-- snapshot in the language asked for
SELECT rfm.alter_tiers('hant_t.hant', '{"lang_zh": "zh"}') \g /dev/null
SELECT results_eq($$SELECT customer_id, segment_zh, tier_zh, lifecycle_zh FROM hant_t.hant ORDER BY 1$$,
  $$SELECT customer_id, segment_zh, tier_zh, lifecycle_zh FROM hant_t.hans ORDER BY 1$$,
  'alter_tiers {"lang_zh": "zh"}: simplified characters');
SELECT is((SELECT lang_zh FROM rfm.tier_tables WHERE tier = 'hant_t.hant'::regclass), 'zh', '... in the catalog');
SELECT is((SELECT message FROM rfm.refresh_log WHERE tier = 'hant_t.hant'::regclass AND action = 'alter' ORDER BY id DESC LIMIT 1),
  'lang_zh zh-Hant -> zh', '... and in the log');
-- history: 2024-03-10 in traditional characters (backfilled before the alter), 2024-03-31 now simplified
SELECT is((SELECT string_agg(DISTINCT segment_zh, ',' ORDER BY segment_zh) FROM hant_t.hant_history WHERE as_of = '2024-03-10'),
  (SELECT string_agg(DISTINCT rfm.zh_hant(rfm.segment(r_score, f_score, m_score, 'standard', 'zh')), ',' ORDER BY rfm.zh_hant(rfm.segment(r_score, f_score, m_score, 'standard', 'zh')))
     FROM hant_t.hant_history WHERE as_of = '2024-03-10'),
  'the snapshot stored before the alter keeps its traditional labels');
SELECT results_eq(
  $$SELECT from_segment, to_segment, customers FROM rfm.transitions('hant_t.hant', '2024-03-10', '2024-03-31', 'zh') ORDER BY 1 NULLS FIRST, 2$$,
  $$SELECT r1.label_zh, r2.label_zh, t.customers
      FROM rfm.transitions('hant_t.hant', '2024-03-10', '2024-03-31') t
      LEFT JOIN rfm.segment_rules r1 ON r1.scheme = 'standard' AND r1.label_en = t.from_segment
      LEFT JOIN rfm.segment_rules r2 ON r2.scheme = 'standard' AND r2.label_en = t.to_segment
     ORDER BY 1 NULLS FIRST, 2$$,
  'transitions zh: both snapshots by their simplified labels (the English rows, relabelled)');
SELECT results_eq(
  $$SELECT from_segment, to_segment, customers FROM rfm.transitions('hant_t.hant', '2024-03-10', '2024-03-31', 'zh-Hant') ORDER BY 1 NULLS FIRST, 2$$,
  $$SELECT rfm.zh_hant(from_segment), rfm.zh_hant(to_segment), customers
      FROM rfm.transitions('hant_t.hant', '2024-03-10', '2024-03-31', 'zh') ORDER BY 1 NULLS FIRST, 2$$,
  'transitions zh-Hant: both in traditional characters');

-- two rules sharing a simplified label but not a traditional one: the
-- Chinese transitions are the English ones through each rule, one row per
-- pair of labels, before and after an alter of lang_zh
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, label_zh_hant, r_min, f_min)
VALUES ('hant_dup', 10, 'Best', '重要客户', '重要客戶', 4, 1), ('hant_dup', 20, 'Good', '重要客户', '關鍵客戶', 1, 4),
       ('hant_dup', 30, 'Rest', '其他客户', NULL, 1, 1);
-- (customers that move Best -> Good, Good -> Best and Best -> Best between
-- 2024-03-10 and 2024-03-31: three English rows, one Chinese 重要客户 -> 重要客户)
CREATE TABLE hant_t.orders2 (customer integer, ordered_on date, amount numeric);
INSERT INTO hant_t.orders2 VALUES
  (1, '2024-01-05', 10), (1, '2024-02-05', 10), (1, '2024-03-08', 10),
  (6, '2024-01-02', 10), (6, '2024-01-03', 10), (6, '2024-01-04', 10), (6, '2024-03-30', 10),
  (7, '2024-03-09', 5), (8, '2024-02-20', 5), (9, '2024-01-15', 5), (10, '2024-03-28', 5), (11, '2023-12-01', 5);
SELECT rfm.create_tiers('hant_t.dup', 'hant_t.orders2', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', scheme => 'hant_dup', lang_zh => 'zh-Hant') \g /dev/null
SELECT rfm.backfill_history('hant_t.dup', '2024-03-10') \g /dev/null
CREATE VIEW hant_t.dup_labels AS
SELECT label_en, label_zh, COALESCE(label_zh_hant, rfm.zh_hant(label_zh)) AS label_zh_hant FROM rfm.segment_rules WHERE scheme = 'hant_dup';
SELECT results_eq(
  $$SELECT from_segment, to_segment, customers, in_from_snapshot, in_to_snapshot
      FROM rfm.transitions('hant_t.dup', '2024-03-10', '2024-03-31', 'zh') ORDER BY 1 NULLS FIRST, 2, 4, 5$$,
  $$SELECT f.label_zh, t2.label_zh, sum(t.customers)::bigint, t.in_from_snapshot, t.in_to_snapshot
      FROM rfm.transitions('hant_t.dup', '2024-03-10', '2024-03-31') t
      LEFT JOIN hant_t.dup_labels f ON f.label_en = t.from_segment LEFT JOIN hant_t.dup_labels t2 ON t2.label_en = t.to_segment
     GROUP BY 1, 2, 4, 5 ORDER BY 1 NULLS FIRST, 2, 4, 5$$,
  'transitions zh of a zh-Hant table: the English rows through each rule''s label_zh, one row per pair');
SELECT is((SELECT customers FROM rfm.transitions('hant_t.dup', '2024-03-10', '2024-03-31', 'zh')
            WHERE from_segment = '重要客户' AND to_segment = '重要客户'), 3::bigint,
  '... 重要客户 -> 重要客户 one row of 3 (Best -> Best, Best -> Good, Good -> Best)');
SELECT rfm.alter_tiers('hant_t.dup', '{"lang_zh": "zh"}') \g /dev/null
SELECT results_eq(
  $$SELECT from_segment, to_segment, customers, in_from_snapshot, in_to_snapshot
      FROM rfm.transitions('hant_t.dup', '2024-03-10', '2024-03-31', 'zh-Hant') ORDER BY 1 NULLS FIRST, 2, 4, 5$$,
  $$SELECT f.label_zh_hant, t2.label_zh_hant, sum(t.customers)::bigint, t.in_from_snapshot, t.in_to_snapshot
      FROM rfm.transitions('hant_t.dup', '2024-03-10', '2024-03-31') t
      LEFT JOIN hant_t.dup_labels f ON f.label_en = t.from_segment LEFT JOIN hant_t.dup_labels t2 ON t2.label_en = t.to_segment
     GROUP BY 1, 2, 4, 5 ORDER BY 1 NULLS FIRST, 2, 4, 5$$,
  '... and zh-Hant after an alter to zh (one snapshot in each form): each rule''s own traditional label');

-- the errors
SELECT throws_ok($$SELECT rfm.create_tiers('hant_t.bad', 'hant_t.orders', 'customer', 'ordered_on', 'amount', lang_zh => 'en')$$,
  '22023', 'rfm.create_tiers: lang_zh must name Chinese, not ''en''', 'create_tiers: lang_zh en is 22023');
SELECT throws_ok($$SELECT rfm.create_tiers('hant_t.bad', 'hant_t.orders', 'customer', 'ordered_on', 'amount', lang_zh => 'zh-Latn')$$,
  '22023', 'rfm.create_tiers: lang_zh must name Chinese, not ''zh-Latn''', '... and zh-Latn');
SELECT throws_ok($$SELECT rfm.create_tiers('hant_t.bad', 'hant_t.orders', 'customer', 'ordered_on', 'amount', lang_zh => NULL)$$,
  '22004', 'rfm.create_tiers: only as_of and watermark_column may be NULL', '... a NULL one 22004');
SELECT throws_ok($$SELECT rfm.alter_tiers('hant_t.hant', '{"lang_zh": "fr"}')$$,
  '22023', 'rfm.alter_tiers: lang_zh must name Chinese, not ''fr''', 'alter_tiers: lang_zh fr is 22023');
SELECT throws_ok($$SELECT rfm.alter_tiers('hant_t.hant', '{"lang_zh": 2}')$$,
  '22023', 'rfm.alter_tiers: lang_zh must be a string, not 2', '... and a number');
SELECT throws_ok($$UPDATE rfm.tier_tables SET lang_zh = 'zh-TW' WHERE tier = 'hant_t.hant'::regclass$$,
  '23514', NULL, 'the catalog takes only zh and zh-Hant');

SELECT * FROM finish();
SELECT rfm.drop_tiers(tier) FROM rfm.tier_tables WHERE tier::text LIKE 'hant_t.%' \g /dev/null
DROP SCHEMA hant_t CASCADE;
DELETE FROM rfm.segment_rules WHERE scheme IN ('hant_mine', 'hant_dup');
