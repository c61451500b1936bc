-- pgTAP: labels in traditional Chinese (lang 'zh-Hant').  rfm's own labels
-- and actions come from rfm.zh_hant (checked against OpenCC in
-- sql/segments_zh_hant.sql and test/shell/zh_hant_opencc.sh); here: the
-- language checks, a scheme's own label_zh_hant, the playbook's fallbacks,
-- labels asked by their traditional form, transitions, and rfm.segment's
-- rule cache seeing a changed label.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS zh_t CASCADE;
CREATE SCHEMA zh_t;
SELECT plan(44);

-- 1. The language: a tag naming traditional characters, in any case and
-- with '-' or '_' ('zh-Hant', 'zh-TW', 'zh_HK', 'ZH-HANT-CN'); a script or
-- subtag rfm does not know is 22023
SELECT is(rfm.segment(5, 5, 5, 'standard', 'zh-Hant'), '冠軍客戶', 'rfm.segment: Champions in traditional characters');
SELECT is(rfm.segment(5, 5, 5, 'standard', 'zh-hant'), '冠軍客戶', 'rfm.segment: zh-hant (another case) is zh-Hant');
SELECT is(rfm.segment(5, 5, 5, 'standard', 'zh-TW'), '冠軍客戶', 'rfm.segment: zh-TW (Taiwan writes traditional) is zh-Hant');
SELECT is(rfm.segment(5, 5, 5, 'standard', 'zh-Hans-TW'), '冠军客户', 'rfm.segment: zh-Hans-TW: the script wins over the region');
SELECT is(rfm.tier(1, 1, 1, lang => 'zh_Hant'), '邊緣', 'rfm.tier: zh_Hant is zh-Hant');
SELECT is(rfm.tier(1, 1, 1, lang => 'zh-SG'), '边缘', 'rfm.tier: zh-SG (Singapore writes simplified) is zh');
SELECT is(rfm.lifecycle_stage('2024-01-01', '2024-06-01', '2024-06-30', lang => 'ZH-HANT-CN'), '活躍',
  'rfm.lifecycle_stage: ZH-HANT-CN is zh-Hant');
SELECT is(rfm.recommended_action('Champions', lang => 'zh-HK'), rfm.recommended_action('Champions', lang => 'zh-Hant'),
  'rfm.recommended_action: zh-HK is zh-Hant');
SELECT throws_ok($$SELECT rfm.lifecycle_stage('2024-01-01', '2024-01-01', '2024-01-02', lang => 'Hant')$$, '22023',
  'rfm.lifecycle_stage: unknown language "Hant"', 'rfm.lifecycle_stage: Hant is an unknown language');
SELECT throws_ok($$SELECT rfm.segment(5, 5, 5, 'standard', 'zh-Hant-TW-1996')$$, '22023',
  'rfm.segment: unknown language "zh-Hant-TW-1996"', 'rfm.segment: a fourth subtag (a variant) is unknown');
SELECT is(ARRAY[rfm.segment(5, 5, 5, 'standard', 'zh_TW.UTF-8'), rfm.segment(5, 5, 5, 'standard', 'zh_CN.GB18030@stroke'),
                rfm.segment(5, 5, 5, 'standard', 'zh-TW-u-ca-chinese'), rfm.segment(5, 5, 5, 'standard', 'en-US-x-mine')],
  ARRAY['冠軍客戶', '冠军客户', '冠軍客戶', 'Champions'],
  'a POSIX locale''s codeset and modifier, and BCP 47 extensions and private use, are left out');
SELECT throws_ok($$SELECT rfm.segment(5, 5, 5, 'standard', '.UTF-8')$$, '22023',
  'rfm.segment: unknown language ".UTF-8"', '... but a codeset alone is no language');
SELECT throws_ok($$SELECT rfm.tier(5, 5, 5, lang => 'zh--TW')$$, '22023',
  'rfm.tier: unknown language "zh--TW"', 'rfm.tier: an empty subtag is unknown');
SELECT throws_ok($$SELECT rfm.recommended_action('Champions', lang => 'zh-Latn')$$, '22023',
  'rfm.recommended_action: unknown language "zh-Latn"', 'rfm.recommended_action: zh-Latn (a script rfm has no labels in) is unknown');
-- the hint names the three languages, the same from C and from SQL
CREATE FUNCTION zh_t.hint_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN invalid_parameter_value THEN
    GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
    RETURN h;
END $$;
SELECT is(zh_t.hint_of($$SELECT rfm.segment(1, 1, 1, 'standard', 'x')$$),
  'Use ''en'' (English), ''zh'' (Chinese, simplified characters) or ''zh-Hant'' (Chinese, traditional characters); tags such as ''en-US'', ''zh-CN'', ''zh-Hans'' or ''zh-TW'' name them too.',
  'the hint of an unknown language names en, zh and zh-Hant (rfm.segment, C)');
SELECT is(zh_t.hint_of($$SELECT rfm.tier(1, 1, 1, lang => 'x')$$),
  zh_t.hint_of($$SELECT rfm.segment(1, 1, 1, 'standard', 'x')$$), '... the same from rfm.tier (SQL)');

-- 2. A scheme of one's own: its label_zh_hant, else label_zh through
-- rfm.zh_hant (rfm's own text converted, other text as written)
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, label_zh_hant, r_min, r_max)
VALUES ('zh_mine', 10, 'Top', '顶级客户', '頂級客戶', 5, 5),
       ('zh_mine', 20, 'Old friends', '老朋友', NULL, 4, 4),
       ('zh_mine', 30, 'Champions', '冠军客户', NULL, 1, 3);
SELECT is(rfm.segment(5, 1, 1, 'zh_mine', 'zh-Hant'), '頂級客戶', 'a rule''s own label_zh_hant is its traditional label');
SELECT is(rfm.segment(4, 1, 1, 'zh_mine', 'zh-Hant'), '老朋友', 'without label_zh_hant, label_zh that is not rfm''s comes as written');
SELECT is(rfm.segment(2, 1, 1, 'zh_mine', 'zh-Hant'), '冠軍客戶', '... and rfm''s own label_zh is converted');
-- the rule cache of one query sees a label changed by the same transaction
CREATE FUNCTION zh_t.label_after_update() RETURNS text LANGUAGE plpgsql AS $$
DECLARE before text := rfm.segment(4, 1, 1, 'zh_mine', 'zh-Hant');
BEGIN
    UPDATE rfm.segment_rules SET label_zh_hant = '老朋友們' WHERE scheme = 'zh_mine' AND priority = 20;
    RETURN before || ' -> ' || rfm.segment(4, 1, 1, 'zh_mine', 'zh-Hant');
END $$;
SELECT is(zh_t.label_after_update(), '老朋友 -> 老朋友們', 'a label_zh_hant written later is read by the next call');

-- 3. rfm.recommended_action in zh-Hant
SELECT is(rfm.recommended_action('Champions', 'standard', 'zh-Hant'), '專屬服務與新品優先體驗，邀請評價和轉介紹',
  'the built-in zh action in traditional characters');
SELECT is(rfm.recommended_action('冠軍客戶', 'standard', 'zh-Hant'), rfm.recommended_action('Champions', 'standard', 'zh-Hant'),
  'a segment named by its traditional label');
SELECT is(rfm.recommended_action('冠軍客戶', 'standard', 'en'), rfm.recommended_action('Champions', 'standard', 'en'),
  '... also for an English action');
SELECT is(rfm.recommended_action('頂級客戶', 'zh_mine', 'en'), NULL,
  'a scheme''s own traditional label names its segment (no action for it: NULL)');
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('zh_mine', 'Top', 'en', 'Thank them');
SELECT is(rfm.recommended_action('頂級客戶', 'zh_mine', 'en'), 'Thank them', '... and with an action, that action');
-- a user's zh row overrides the built-in one for zh-Hant too (written
-- text as it is); a zh-Hant row of theirs wins over both
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Lost', 'zh', '不再联系');
SELECT is(rfm.recommended_action('Lost', 'standard', 'zh-Hant'), '不再联系',
  'a user''s zh action, not rfm''s text, comes as written for zh-Hant');
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Lost', 'zh-Hant', '不再聯繫');
SELECT is(rfm.recommended_action('Lost', 'standard', 'zh-Hant'), '不再聯繫', 'a user''s zh-Hant action wins');
SELECT is(rfm.recommended_action('Lost', 'standard', 'zh'), '不再联系', '... and zh still gives the zh one');
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Hibernating', 'ZH_tw', '低成本維繫');
SELECT is((SELECT lang || ' ' || rfm.recommended_action('Hibernating', 'standard', 'zh-HK') FROM rfm.playbook
            WHERE scheme = 'standard' AND segment = 'Hibernating' AND NOT builtin), 'zh-Hant 低成本維繫',
  'a playbook row''s language is a tag too, kept as zh-Hant (ZH_tw)');
SELECT throws_ok($$INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Lost', 'zh-TW', 'x')$$,
  '23505', NULL, '... so zh-TW for a segment with a zh-Hant row of yours is a duplicate');
SELECT throws_ok($$INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Lost', 'fr', 'x')$$,
  '23514', NULL, 'the playbook takes no other language (check constraint)');

-- 4. rfm.tier and rfm.lifecycle with the language from a column
SELECT is((SELECT string_agg(rfm.tier(3, 3, 3, lang => l), ' ' ORDER BY l) FROM (VALUES ('en'), ('zh'), ('zh-Hant')) v(l)),
  'potential 潜力 潛力', 'rfm.tier: a language per row');
SELECT is((SELECT string_agg(rfm.lifecycle_stage('2024-01-01', '2024-06-01', '2024-06-10', lang => l), ' ' ORDER BY l)
             FROM (VALUES ('en'), ('zh'), ('zh-Hant')) v(l)),
  'active 活跃 活躍', 'rfm.lifecycle_stage: a language per row');

-- 5. transitions in zh-Hant: the zh rows with traditional labels (the
-- scheme's label_zh_hant, else rfm.zh_hant)
CREATE TABLE zh_t.orders (customer integer, ordered_on date, amount numeric);
INSERT INTO zh_t.orders VALUES (1, '2024-01-10', 10), (2, '2024-01-20', 50), (3, '2024-03-01', 5),
                               (1, '2024-03-20', 30), (4, '2024-03-25', 80);
SELECT rfm.create_tiers('zh_t.tiers', 'zh_t.orders', 'customer', 'ordered_on', 'amount',
                        scheme => 'zh_mine', as_of => '2024-03-31') \g /dev/null
SELECT rfm.backfill_history('zh_t.tiers', '2024-02-29') \g /dev/null
SELECT set_eq(
  $$SELECT from_segment, to_segment, customers FROM rfm.transitions('zh_t.tiers', '2024-02-29', '2024-03-31', 'zh-Hant')$$,
  $$SELECT CASE t.from_segment WHEN '顶级客户' THEN '頂級客戶' WHEN '冠军客户' THEN '冠軍客戶' WHEN '老朋友' THEN '老朋友們' END AS from_segment,
           CASE t.to_segment WHEN '顶级客户' THEN '頂級客戶' WHEN '冠军客户' THEN '冠軍客戶' WHEN '老朋友' THEN '老朋友們' END AS to_segment,
           t.customers
      FROM rfm.transitions('zh_t.tiers', '2024-02-29', '2024-03-31', 'zh') t$$,
  'transitions in zh-Hant: the zh rows, labels in traditional characters');
-- by hand: on 2024-02-29 customer 2 (last purchase 40 days before) is r 5,
-- Top; 1 (50 days) r 1, Champions.  On 2024-03-31 recency 6, 11, 30, 71
-- days for customers 4, 1, 3, 2: r 5 Top, 4 Old friends, 2 and 1 Champions.
SELECT set_eq(
  $$SELECT from_segment, to_segment, customers::int FROM rfm.transitions('zh_t.tiers', '2024-02-29', '2024-03-31', 'zh-Hant')$$,
  $$VALUES (NULL::text, '冠軍客戶'::text, 1), (NULL, '頂級客戶', 1), ('冠軍客戶', '老朋友們', 1), ('頂級客戶', '冠軍客戶', 1)$$,
  '... by hand: the rules'' label_zh_hant (頂級客戶, 老朋友們 since the update above), rfm.zh_hant''s (冠軍客戶)');
SELECT set_eq(
  $$SELECT from_segment, to_segment, customers::int FROM rfm.transitions('zh_t.tiers', '2024-02-29', '2024-03-31', 'zh-tw')$$,
  $$VALUES (NULL::text, '冠軍客戶'::text, 1), (NULL, '頂級客戶', 1), ('冠軍客戶', '老朋友們', 1), ('頂級客戶', '冠軍客戶', 1)$$,
  'transitions: zh-tw is zh-Hant');
SELECT throws_ok($$SELECT * FROM rfm.transitions('zh_t.tiers', '2024-02-29', '2024-03-31', 'zh-hant-')$$, '22023',
  'rfm.transitions: unknown language "zh-hant-"', 'transitions: zh-hant- (an empty subtag) is an unknown language');

-- after an alter of the scheme, each snapshot's labels through its own
-- scheme's rules: 2024-02-29 was labelled by zh_mine (頂級客戶 from its
-- label_zh_hant), 2024-03-31 now by standard (by hand, bins 5 over 4
-- customers: 4 r 5, 1 r 4, 3 r 2, 2 r 1; frequency 1 1 1 2 and monetary
-- 80 40 5 50 for 4 1 3 2 ... only the from side is checked here)
SELECT rfm.alter_tiers('zh_t.tiers', '{"scheme": "standard"}') \g /dev/null
SELECT set_eq(
  $$SELECT DISTINCT from_segment FROM rfm.transitions('zh_t.tiers', '2024-02-29', '2024-03-31', 'zh-Hant')$$,
  $$VALUES (NULL::text), ('冠軍客戶'), ('頂級客戶')$$,
  'after a scheme change the earlier snapshot''s labels still come in traditional characters (its scheme''s rules)');
SELECT set_eq(
  $$SELECT DISTINCT to_segment FROM rfm.transitions('zh_t.tiers', '2024-02-29', '2024-03-31', 'zh-Hant')$$,
  $$SELECT DISTINCT rfm.zh_hant(segment_zh) FROM zh_t.tiers_history WHERE as_of = '2024-03-31'$$,
  '... and the later one''s through the standard scheme');
-- two rules with one label_zh and traditional labels of their own: a
-- snapshot's label goes through the rule of its English label too, both ways
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, label_zh_hant, r_min, r_max)
VALUES ('zh_dup', 10, 'A', '甲客户', NULL, 5, 5), ('zh_dup', 20, 'B', '甲客户', '乙類', 1, 4);
SELECT is(ARRAY[rfm._snapshot_segment_zh('zh_dup', 'A', '甲客户', 'zh-Hant'), rfm._snapshot_segment_zh('zh_dup', 'B', '甲客户', 'zh-Hant'),
                rfm._snapshot_segment_zh('zh_dup', 'B', '乙類', 'zh'), rfm._snapshot_segment_zh('zh_dup', 'B', '乙類', 'zh-Hant')],
  ARRAY[rfm.segment(5, 1, 1, 'zh_dup', 'zh-Hant'), rfm.segment(4, 1, 1, 'zh_dup', 'zh-Hant'),
        rfm.segment(4, 1, 1, 'zh_dup', 'zh'), rfm.segment(4, 1, 1, 'zh_dup', 'zh-Hant')],
  'a label_zh two rules share: each snapshot label through the rule of its English label, as rfm.segment gives it');
SELECT is(ARRAY[rfm._snapshot_segment_zh('standard', 'Gone', '冠軍客戶', 'zh'), rfm._snapshot_segment_zh('standard', 'Gone', '冠军客户', 'zh-Hant'),
                rfm._snapshot_segment_zh('standard', 'Gone', '自己的', 'zh')],
  ARRAY['冠军客户', '冠軍客戶', '自己的'], 'a pair no rule has: rfm''s own texts converted either way, others as they are');

-- 5b. Matching is byte for byte, whatever the arguments' collation
CREATE COLLATION zh_t.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT ok(rfm.recommended_action('CHAMPIONS', 'standard', 'zh-Hant' COLLATE zh_t.ci) IS NULL,
  'a case-insensitive collation on lang does not make CHAMPIONS a segment (NULL: no action)');
SELECT throws_ok($$SELECT rfm.recommended_action('Champions', 'STANDARD' COLLATE zh_t.ci, 'zh-Hant')$$, '22023',
  'rfm.recommended_action: unknown scheme "STANDARD"', '... nor STANDARD a scheme');

-- 6. rfm.zh_hant: rfm's own text only
SELECT is(rfm.zh_hant('边缘'), '邊緣', 'rfm.zh_hant converts rfm''s labels');

SELECT * FROM finish();
DELETE FROM rfm.playbook WHERE NOT builtin;
DELETE FROM rfm.segment_rules WHERE scheme IN ('zh_mine', 'zh_dup');
SELECT rfm.drop_tiers('zh_t.tiers') \g /dev/null
DROP SCHEMA zh_t CASCADE;
