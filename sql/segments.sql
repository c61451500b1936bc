-- Segment labels, tiers, lifecycle stages and the playbook.  Expected
-- counts over the 125 score cells come from an independent Python
-- enumeration of the published ranges (first match wins):
-- About To Sleep 3, At Risk 16, Can't Lose Them 4, Champions 8,
-- Hibernating 2, Lost 1, Loyal Customers 28, Need Attention 3,
-- New Customers 2, Others 36, Potential Loyalist 21, Promising 1;
-- tier3 by r+f+m: core 20, potential 70, marginal 35.
SET client_min_messages = warning;
CREATE TABLE cells AS
SELECT r, f, m FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m;

SELECT rfm.segment(r, f, m) AS segment, rfm.segment(r, f, m, 'standard', 'zh') AS segment_zh,
       count(*) AS cells
  FROM cells GROUP BY 1, 2 ORDER BY 1;
-- One representative cell per standard segment (hand-picked from the table).
SELECT r, f, m, rfm.segment(r, f, m) AS segment
  FROM (VALUES (1, 5,5,5), (2, 3,3,3), (3, 5,1,1), (4, 3,1,1), (5, 3,2,2), (6, 2,2,2),
               (7, 2,1,1), (8, 1,5,5), (9, 1,2,2), (10, 1,1,1), (11, 1,1,2), (12, 5,1,4)) v(i, r, f, m)
 ORDER BY i;

-- value8: every combination of high (2) / low (1); R high = recent.
SELECT r, f, m, rfm.segment(r, f, m, 'value8') AS en, rfm.segment(r, f, m, 'value8', 'zh') AS zh
  FROM generate_series(2, 1, -1) r, generate_series(2, 1, -1) f, generate_series(2, 1, -1) m
 ORDER BY m DESC, r DESC, f DESC;

-- tier3: r+f+m >= 12 core, 8..11 potential, <= 7 marginal.
SELECT rfm.segment(r, f, m, 'tier3') AS tier, rfm.segment(r, f, m, 'tier3', 'zh') AS tier_zh,
       count(*) AS cells, min(r + f + m) AS min_total, max(r + f + m) AS max_total
  FROM cells GROUP BY 1, 2 ORDER BY 4;
-- rfm.tier with its own thresholds: total 9 is core at core_min 9.
SELECT rfm.tier(3, 3, 3) AS default_thresholds, rfm.tier(3, 3, 3, core_min => 9) AS core_at_9,
       rfm.tier(1, 1, 1, lang => 'zh') AS zh;

-- README: one-time buyers of high spend who have not come back (R 1-3, F 1,
-- M 3-5) are Others but for 3/1/3 (Potential Loyalist: R 3-5, F and M 1-3).
SELECT string_agg(r || '/1/' || m, ' ' ORDER BY r, m) AS others
  FROM generate_series(1, 3) r, generate_series(3, 5) m WHERE rfm.segment(r, 1, m) = 'Others';

-- A user's own scheme: two labels, and NULL where no rule matches.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, r_min, r_max)
VALUES ('recent_only', 1, 'Recent', '近期', 4, 5), ('recent_only', 2, 'Old', '久远', 1, 2);
SELECT rfm.segment(5, 1, 1, 'recent_only') AS five, rfm.segment(3, 1, 1, 'recent_only') AS three_unmatched,
       rfm.segment(1, 1, 1, 'recent_only', 'zh') AS one_zh;
-- Only user rows are dumped with the database.
SELECT count(*) FILTER (WHERE builtin) AS builtin_rules, count(*) FILTER (WHERE NOT builtin) AS user_rules
  FROM rfm.segment_rules;

-- Bounds (README, "Segment rules"): r_min .. m_max are NOT NULL with
-- defaults 1 and 100; only total_min and total_max may be NULL.
SELECT a.attname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default_value
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'rfm.segment_rules'::regclass AND a.attname ~ '_(min|max)$' ORDER BY a.attnum;
-- A NULL total bound is open; left-out score bounds are 1..100.
-- low_total (total_max 5 only): totals 3 and 5 match, 6 does not; r = 0
-- (total 2) is below r_min 1.  any_total (no bounds given): 100/100/100
-- matches, a score of 0 or 101 does not.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, total_max)
VALUES ('low_total', 1, 'Low', '低', 5);
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh)
VALUES ('any_total', 1, 'Any', '任意');
SELECT rfm.segment(1, 1, 1, 'low_total') AS total_3, rfm.segment(1, 1, 3, 'low_total') AS total_5,
       rfm.segment(2, 2, 2, 'low_total') AS total_6, rfm.segment(0, 1, 1, 'low_total') AS r_0;
SELECT rfm.segment(100, 100, 100, 'any_total') AS all_100, rfm.segment(1, 0, 1, 'any_total') AS f_0,
       rfm.segment(1, 1, 101, 'any_total') AS m_101;
-- Scores near the int32 limit (a rule may allow them): r + f + m is
-- 6,000,000,000, which wrapped to 1,705,032,704 in 32 bits and missed a
-- total_min of 2,000,000,000; 1 + 1 + 1 = 3 is below it.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, r_max, f_max, m_max, total_min)
VALUES ('big_total', 1, 'Big', '大', 2147483647, 2147483647, 2147483647, 2000000000);
SELECT rfm.segment(2000000000, 2000000000, 2000000000, 'big_total') AS total_6e9,
       rfm.segment(1, 1, 1, 'big_total') AS total_3;
DELETE FROM rfm.segment_rules WHERE scheme IN ('low_total', 'any_total', 'big_total');

-- An edit shows in the next statement, also in a PL/pgSQL loop, where an
-- assignment keeps its call site (and its rules) from one iteration to the
-- next: iteration 1 sees 'Before', 2 sees 'After1', 3 'After2'.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh) VALUES ('loopy', 1, 'Before', '前');
CREATE TEMP TABLE seen (i int, label text);
DO $$
DECLARE l text;
BEGIN
  FOR i IN 1..3 LOOP
    l := rfm.segment(1, 1, 1, 'loopy');
    INSERT INTO seen VALUES (i, l);
    UPDATE rfm.segment_rules SET label_en = 'After' || i WHERE scheme = 'loopy';
  END LOOP;
END $$;
SELECT i, label FROM seen ORDER BY i;
-- An edit rolled back with its subtransaction is gone for the next
-- statement too: iteration 1 renames the rule and sees 'Renamed', then
-- its block fails and is rolled back; iteration 2 sees 'After3' again.
-- (A rollback changes what is visible without changing the snapshot's
-- transaction ids; the inner block's abort makes sure of that here.)
TRUNCATE seen;
CREATE TEMP TABLE junk (x int);
-- (No other write between the two calls: the labels are kept in a
-- variable, which a rollback leaves as it is, and stored at the end.)
DO $$
DECLARE
  l text;
  labels text[] := '{}';
BEGIN
  PERFORM txid_current();
  FOR i IN 1..2 LOOP
    BEGIN
      IF i = 1 THEN
        UPDATE rfm.segment_rules SET label_en = 'Renamed' WHERE scheme = 'loopy';
        BEGIN INSERT INTO junk VALUES (1); RAISE EXCEPTION 'inner'; EXCEPTION WHEN raise_exception THEN NULL; END;
      END IF;
      l := rfm.segment(1, 1, 1, 'loopy');
      labels := labels || l;
      IF i = 1 THEN RAISE EXCEPTION 'undo'; END IF;
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
  END LOOP;
  INSERT INTO seen SELECT n, labels[n] FROM generate_series(1, 2) n;
END $$;
SELECT i, label FROM seen ORDER BY i;
DROP TABLE seen, junk;
DELETE FROM rfm.segment_rules WHERE scheme = 'loopy';

-- NULL scores give NULL; bad scheme or language is an error.
SELECT rfm.segment(NULL, 1, 1) IS NULL AS null_score;
\set VERBOSITY terse
SELECT rfm.segment(1, 1, 1, 'no_such_scheme');
SELECT rfm.segment(1, 1, 1, 'standard', 'fr');
SELECT rfm.segment(1, 1, 1, NULL);
SELECT rfm.tier(1, 1, 1, core_min => 5, potential_min => 6);
SELECT rfm.tier(1, 1, 1, lang => 'de');
\set VERBOSITY default

-- Lifecycle on 2024-03-31 with defaults (new < 30 days since first
-- purchase, sleeping >= 90 days since last, churned >= 180):
--   first 03-15, last 03-20: tenure 16 -> new
--   first 01-01, last 03-20: recency 11, tenure 90 -> active
--   last 2023-12-31: recency 91 -> sleeping; last 2023-10-01: 182 -> churned
--   last 2024-01-01: recency 90 -> sleeping (boundary), 2023-10-03: 180 -> churned
CREATE TABLE life (customer text, d date);
INSERT INTO life VALUES ('new', '2024-03-15'), ('new', '2024-03-20'),
  ('active', '2024-01-01'), ('active', '2024-03-20'),
  ('sleeping', '2023-12-31'), ('churned', '2023-10-01'),
  ('sleeping_90', '2024-01-01'), ('churned_180', '2023-10-03');
SELECT customer, rfm.lifecycle(s, '2024-03-31') AS en, rfm.lifecycle(s, '2024-03-31', lang => 'zh') AS zh,
       rfm.lifecycle(s, '2024-03-31', new_days => 7, sleeping_days => 10, churned_days => 100) AS tight
  FROM (SELECT customer, rfm.summarize(d, 1) AS s FROM life GROUP BY customer) t
 ORDER BY customer;
-- The same stages from the two days (rows without a summary: customer
-- states, tier tables): labels as hand-derived above.
SELECT customer, rfm.lifecycle_stage(first_purchase, last_purchase, '2024-03-31') AS en,
       rfm.lifecycle_stage(first_purchase, last_purchase, '2024-03-31', lang => 'zh') AS zh,
       rfm.lifecycle_stage(first_purchase, last_purchase, '2024-03-31', new_days => 7, sleeping_days => 10, churned_days => 100) AS tight
  FROM (SELECT customer, min(d) AS first_purchase, max(d) AS last_purchase FROM life GROUP BY customer) t
 ORDER BY customer;
-- No purchase (refund only): no stage.
SELECT rfm.lifecycle(rfm.summarize(DATE '2024-01-01', -5), '2024-03-31') IS NULL AS refund_only,
       rfm.lifecycle_stage(NULL, NULL, '2024-03-31') IS NULL AS no_days;
-- Quoted literals alone name one function (it was an overload of
-- rfm.lifecycle, and such a call matched both: 42725).
SELECT rfm.lifecycle_stage('2024-03-20', '2024-03-25', '2024-03-31') AS new_customer,
       rfm.lifecycle_stage('2023-01-01', '2023-06-01', '2024-03-31', lang => 'zh') AS churned_zh;
\set VERBOSITY terse
SELECT rfm.lifecycle(rfm.summarize(DATE '2024-01-01', 1), '2024-03-31', sleeping_days => 200);
SELECT rfm.lifecycle(rfm.summarize(DATE '2024-01-01', 1), '2024-03-31', new_days => 0);
SELECT rfm.lifecycle(rfm.summarize(DATE '2024-05-01', 1), '2024-03-31');
SELECT rfm.lifecycle(rfm.summarize(DATE '2024-01-01', 1), '2024-03-31', lang => 'fr');
\set VERBOSITY default

-- A scheme per row at one call site (rfm.segment caches the rules of the
-- scheme it last read): 2,2,2 is value8's Important Value (rule 10: each
-- score 2), standard's Need Attention (rule 60: each in 2..3, no earlier
-- rule matches) and tier3's marginal (total 6 <= 7).
SELECT i, s, rfm.segment(2, 2, 2, s) FROM (VALUES (1, 'value8'), (2, 'standard'), (3, 'tier3'), (4, 'value8')) v(i, s) ORDER BY i;

-- Playbook: a built-in action, and a user's override that wins.
SELECT rfm.recommended_action('Champions') AS en, rfm.recommended_action('At Risk', lang => 'zh') AS zh,
       rfm.recommended_action('core', 'tier3') AS tier;
-- A Chinese label (segment_zh of a tier table) finds the same action (it
-- gave NULL until 2026-12-07): 流失风险客户 is At Risk, 重要价值客户
-- value8's Important Value, 核心 tier3's core.
SELECT rfm.recommended_action('流失风险客户', lang => 'zh') AS zh_label,
       rfm.recommended_action('流失风险客户') AS zh_label_en_action,
       rfm.recommended_action('重要价值客户', 'value8', 'zh') AS value8_zh,
       rfm.recommended_action('核心', 'tier3') AS tier3_zh_label;
INSERT INTO rfm.playbook (scheme, segment, lang, action)
VALUES ('standard', 'Champions', 'en', 'Invite to the VIP evening');
SELECT rfm.recommended_action('Champions') AS overridden;
-- Every built-in label of every scheme has an action in both languages.
SELECT r.scheme, count(*) AS labels,
       count(*) FILTER (WHERE rfm.recommended_action(r.label_en, r.scheme, 'en') IS NOT NULL
                          AND rfm.recommended_action(r.label_en, r.scheme, 'zh') IS NOT NULL) AS with_actions
  FROM rfm.segment_rules r WHERE r.builtin GROUP BY r.scheme ORDER BY r.scheme;
-- README's copy of a built-in scheme: its rules and its actions (a user's
-- override, Champions above, before the built-in one), without which
-- rfm.recommended_action has no action for the copy's labels.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, label_zh_hant, r_min, r_max, f_min, f_max, m_min, m_max, total_min, total_max)
SELECT 'my_standard', priority, label_en, label_zh, label_zh_hant, r_min, r_max, f_min, f_max, m_min, m_max, total_min, total_max
  FROM rfm.segment_rules WHERE scheme = 'standard';
SELECT rfm.recommended_action('Champions', 'my_standard') AS before_actions_copied;
INSERT INTO rfm.playbook (scheme, segment, lang, action)
SELECT DISTINCT ON (segment, lang) 'my_standard', segment, lang, action
  FROM rfm.playbook WHERE scheme = 'standard' ORDER BY segment, lang, builtin;
SELECT rfm.segment(5, 5, 5, 'my_standard') AS label, rfm.segment(5, 5, 5, 'my_standard', 'zh-Hant') AS label_zh_hant,
       rfm.recommended_action('Champions', 'my_standard') AS copied_override,
       rfm.recommended_action('At Risk', 'my_standard', 'zh') = rfm.recommended_action('At Risk', 'standard', 'zh') AS copied_builtin;

-- Leave the shared regression database as found: the user rows go.
DELETE FROM rfm.playbook WHERE NOT builtin;
DELETE FROM rfm.segment_rules WHERE NOT builtin;
SELECT (SELECT count(*) FROM rfm.playbook WHERE NOT builtin) AS user_actions_left,
       (SELECT count(*) FROM rfm.segment_rules WHERE NOT builtin) AS user_rules_left;
