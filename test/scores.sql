-- pgTAP: scores, segments, lifecycle, playbook — signatures, markings,
-- dump registration, errors.
BEGIN;
SELECT plan(39);

SELECT has_function('rfm', 'breaks', ARRAY['numeric']);
SELECT has_function('rfm', 'breaks', ARRAY['numeric', 'integer']);
SELECT is_aggregate('rfm', 'breaks', ARRAY['numeric', 'integer']);
SELECT function_returns('rfm', 'breaks', ARRAY['numeric', 'integer'], 'numeric[]');
SELECT has_function('rfm', 'score', ARRAY['numeric', 'numeric[]', 'boolean']);
SELECT has_function('rfm', 'segment', ARRAY['integer', 'integer', 'integer', 'text', 'text']);
SELECT has_function('rfm', 'lifecycle', ARRAY['rfm.summary', 'date', 'integer', 'integer', 'integer', 'text']);
SELECT has_function('rfm', 'lifecycle_stage', ARRAY['date', 'date', 'date', 'integer', 'integer', 'integer', 'text']);
SELECT is(rfm.lifecycle_stage(DATE '2024-01-01', DATE '2024-03-20', DATE '2024-03-31', 7, 10, 100, 'zh'), '沉睡',
  'rfm.lifecycle_stage from two days: last purchase 11 days before as_of, sleeping from 10 (positional thresholds)');
SELECT has_function('rfm', 'high_low', ARRAY['numeric', 'numeric', 'boolean']);
SELECT has_function('rfm', 'tier', ARRAY['integer', 'integer', 'integer', 'integer', 'integer', 'text']);
SELECT has_function('rfm', 'ntile_scores', ARRAY['numeric[]', 'text[]', 'integer', 'boolean']);
SELECT is((SELECT string_agg(key || '=' || score, ' ' ORDER BY score) FROM rfm.ntile_scores('{1,1}', ARRAY['a', 'B'] COLLATE "C", 2)),
  'B=1 a=2', 'rfm.ntile_scores splits ties by key in the collation the call gives ("C": B before a)');
SELECT has_function('rfm', 'scores', ARRAY['numeric[]', 'text[]', 'integer', 'boolean', 'text']);
SELECT has_table('rfm', 'segment_rules', 'rfm.segment_rules exists');
SELECT has_table('rfm', 'playbook', 'rfm.playbook exists');

SELECT is(
  (SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
    WHERE p.pronamespace = 'rfm'::regnamespace AND p.proname = 'breaks'
      AND a.aggcombinefn <> 0 AND a.aggserialfn <> 0 AND a.aggdeserialfn <> 0 AND p.proparallel = 's'),
  2, 'both rfm.breaks aggregates are parallel safe with combine/serialize/deserialize');
SELECT is(
  (SELECT count(*)::int FROM pg_proc
    WHERE pronamespace = 'rfm'::regnamespace
      AND proname IN ('score', 'scores', 'ntile_scores', 'segment', 'lifecycle', 'lifecycle_stage', '_lifecycle', 'high_low', 'tier')
      AND proparallel <> 's'),
  0, 'scoring functions are PARALLEL SAFE');
SELECT volatility_is('rfm', 'segment', ARRAY['integer', 'integer', 'integer', 'text', 'text'], 'stable',
  'rfm.segment is STABLE (it reads rfm.segment_rules)');
SELECT volatility_is('rfm', 'score', ARRAY['numeric', 'numeric[]', 'boolean'], 'immutable');
SELECT is(
  (SELECT array_agg(c.relname::text ORDER BY c.relname)
     FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig) AS x(cfg)
     JOIN pg_class c ON c.oid = x.cfg
    WHERE e.extname = 'rfm' AND c.relname IN ('segment_rules', 'playbook')),
  ARRAY['playbook', 'segment_rules'], 'user rules and playbook rows are kept by pg_dump');
SELECT is(
  (SELECT array_agg(e.extcondition[i] ORDER BY i)
     FROM pg_extension e, generate_subscripts(e.extconfig, 1) i
    WHERE e.extname = 'rfm' AND e.extconfig[i] IN ('rfm.segment_rules'::regclass, 'rfm.playbook'::regclass)),
  ARRAY['WHERE NOT builtin', 'WHERE NOT builtin'], 'only user rows (NOT builtin) are dumped');

SELECT throws_ok($$SELECT rfm.breaks(v, 1) FROM generate_series(1, 3) v$$, '22023', NULL, 'bins < 2: 22023');
SELECT throws_ok($$SELECT rfm.breaks(v, 100000) FROM generate_series(1, 3) v$$, '22023', NULL, 'absurd bins: 22023');
SELECT throws_ok($$SELECT rfm.segment(1, 1, 1, 'nope')$$, '22023', 'rfm.segment: unknown scheme "nope"', 'unknown scheme: 22023');
SELECT throws_ok($$SELECT rfm.segment(1, 1, 1, 'standard', 'xx')$$, '22023', NULL, 'unknown language: 22023');
SELECT throws_ok($$SELECT rfm.score(1, '{2,1}')$$, '22023', NULL, 'unsorted breaks: 22023');
SELECT throws_ok($$SELECT * FROM rfm.scores('{1}', '{a}', method => 'jenks')$$, '22023',
                 'rfm.scores: unknown method "jenks"', 'unknown scoring method: 22023');

-- An ordinary role reads the segment rules and the playbook (both SQL
-- functions run with the caller's rights) but changes neither.  The
-- actions are the built-in rows of src/sql/38_playbook.sql.
CREATE ROLE rfm_scores_reader;
SET LOCAL ROLE rfm_scores_reader;
SELECT is(rfm.segment(5, 5, 5), 'Champions', 'an ordinary role labels segments (reads rfm.segment_rules)');
SELECT is(rfm.recommended_action('Champions'),
          'Reward them: exclusive service, early access, ask for reviews and referrals',
          'an ordinary role reads the playbook (rfm.recommended_action)');
SELECT is(rfm.recommended_action('Champions', lang => 'zh'), '专属服务与新品优先体验，邀请评价和转介绍',
          'an ordinary role reads the playbook in Chinese');
SELECT throws_ok($$INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Champions', 'en', 'x')$$,
                 '42501', NULL, 'an ordinary role cannot change the playbook');
SELECT throws_ok($$INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh) VALUES ('mine', 1, 'a', 'b')$$,
                 '42501', NULL, 'an ordinary role cannot change the segment rules');
RESET ROLE;

-- An unknown scheme: one wording from rfm.segment, rfm.create_tiers and
-- rfm.recommended_action, the hint listing the schemes there are (a
-- scheme of one's own too; the playbook's for recommended_action).
\ir include/hint_of.psql
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh) VALUES ('Mine', 1, 'Everyone', '所有人');
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('actions only', 'Everyone', 'en', 'Call them');
SELECT is(pg_temp.hint_of($$SELECT rfm.segment(1, 1, 1, 'mine')$$),
          'The schemes of rfm.segment_rules: "Mine", "standard", "tier3", "value8" (names match exactly, case included); add rows to rfm.segment_rules for a scheme of your own.',
          'unknown scheme: the hint lists the schemes of rfm.segment_rules, one''s own too');
SELECT throws_ok($$SELECT rfm.create_tiers('scores_tiers', 'pg_catalog.pg_class', 'oid', 'oid', 'oid', scheme => 'mine')$$,
                 '22023', 'rfm.create_tiers: unknown scheme "mine"', 'rfm.create_tiers: the same wording');
SELECT throws_ok($$SELECT rfm.recommended_action('Everyone', 'mine')$$,
                 '22023', 'rfm.recommended_action: unknown scheme "mine"', 'rfm.recommended_action: the same wording');
SELECT is(pg_temp.hint_of($$SELECT rfm.recommended_action('Everyone', 'mine')$$),
          'The schemes of rfm.segment_rules and rfm.playbook: "Mine", "actions only", "standard", "tier3", "value8" (names match exactly, case included); add rows to rfm.segment_rules and rfm.playbook for a scheme of your own.',
          'rfm.recommended_action: the hint lists the playbook''s schemes too');
SELECT is(rfm.recommended_action('Everyone', 'actions only'), 'Call them', 'a scheme of the playbook alone is known to it');
DELETE FROM rfm.segment_rules;     -- (rolled back with the test)
SELECT is(pg_temp.hint_of($$SELECT rfm.segment(1, 1, 1, 'standard')$$),
          'The schemes of rfm.segment_rules: none (names match exactly, case included); add rows to rfm.segment_rules for a scheme of your own.',
          'with no rules at all the hint says none');

SELECT * FROM finish();
ROLLBACK;
