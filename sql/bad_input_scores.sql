-- Bad-input matrix for scores, segments, lifecycle and playbook (README,
-- "Limits and errors").  One row per case: the result, or 'SQLSTATE:
-- message'.  Expected values checked by hand against the definitions in
-- src/sql/20_scores.sql, 30_segments.sql, 35_lifecycle.sql, 38_playbook.sql
-- (comments give the reasoning).
\pset null '(null)'
SET client_min_messages = warning;

\i sql/include/err.sql

-- rfm.breaks -----------------------------------------------------------
-- NULL values are ignored; no values (empty table, all NULL) give NULL.
SELECT pg_temp.err($$SELECT rfm.breaks(v)::text FROM (VALUES (NULL::numeric), (NULL)) t(v)$$) AS all_null,
       pg_temp.err($$SELECT rfm.breaks(v)::text FROM (SELECT 1::numeric WHERE false) t(v)$$) AS empty;
-- one value: every cut point is that value (type-7 quantile of one value)
SELECT pg_temp.err($$SELECT rfm.breaks(v)::text FROM (VALUES (7::numeric)) t(v)$$) AS one_value;
-- all values identical: every cut point equal
SELECT pg_temp.err($$SELECT rfm.breaks(5::numeric)::text FROM generate_series(1, 1000)$$) AS identical;
-- and every customer gets the same score: no cut is strictly below 5, so
-- bin 1 (score 1); lower is better reverses it to 4 + 2 - 1 = 5.  Also
-- through rfm.scores (quantile): all 1 / all 5.  (Method ntile would
-- split the ties by key.)
SELECT string_agg(rfm.score(5, b)::text, ',') AS identical_scores,
       string_agg(rfm.score(5, b, false)::text, ',') AS identical_lower_better
  FROM generate_series(1, 6), (SELECT rfm.breaks(5::numeric) AS b FROM generate_series(1, 1000)) x;
SELECT string_agg(h.score::text, ',' ORDER BY h.key) AS scores_identical,
       string_agg(l.score::text, ',' ORDER BY l.key) AS scores_identical_lower_better
  FROM rfm.scores('{5,5,5,5,5,5}', '{a,b,c,d,e,f}') h
  JOIN rfm.scores('{5,5,5,5,5,5}', '{a,b,c,d,e,f}', higher_is_better => false) l USING (key);
-- values 1..5 in 5 bins: type-7 at j/5 over n=5: positions 0.8, 1.6, 2.4,
-- 3.2 (0-based) -> 1.8, 2.6, 3.4, 4.2
SELECT pg_temp.err($$SELECT rfm.breaks(v::numeric)::text FROM generate_series(1, 5) v$$) AS one_to_five;
-- NaN and infinite values; bad bins
SELECT pg_temp.err($$SELECT rfm.breaks(v)::text FROM (VALUES (1::numeric), ('NaN')) t(v)$$) AS nan;
SELECT pg_temp.err($$SELECT rfm.breaks(v, 1)::text FROM (VALUES (1::numeric)) t(v)$$) AS bins_1;
SELECT pg_temp.err($$SELECT rfm.breaks(v, 0)::text FROM (VALUES (1::numeric)) t(v)$$) AS bins_0;
SELECT pg_temp.err($$SELECT rfm.breaks(v, -3)::text FROM (VALUES (1::numeric)) t(v)$$) AS bins_negative;
SELECT pg_temp.err($$SELECT rfm.breaks(v, NULL)::text FROM (VALUES (1::numeric)) t(v)$$) AS bins_null;
-- bins changing between rows
SELECT pg_temp.err($$SELECT rfm.breaks(v, b)::text FROM (VALUES (1::numeric, 3), (2, 4)) t(v, b)$$) AS bins_vary;
-- negative and zero values are ordinary values: -2, 0, 2 in 2 bins -> median 0
SELECT pg_temp.err($$SELECT rfm.breaks(v, 2)::text FROM (VALUES (-2::numeric), (0), (2)) t(v)$$) AS signed;
-- A cut point between two values is found by a division that numeric
-- keeps to 1000 decimals: with more than 993 in the values it would be
-- rounded (here above the largest value, 9e-1001, which then scored 3 of
-- 5): 54000.  At 993 decimals, exact by hand: 0 and 9e-993 in 5 bins ->
-- 9e-993 x 1/5, 2/5, 3/5, 4/5 = 1.8e-993, 3.6e-993, 5.4e-993, 7.2e-993.
SELECT pg_temp.err($$SELECT rfm.breaks(v)::text FROM (VALUES (0::numeric), (9e-1001)) t(v)$$) AS too_many_decimals;
SELECT rfm.breaks(v) = ARRAY[1.8e-993, 3.6e-993, 5.4e-993, 7.2e-993]::numeric[] AS decimals_993_exact
  FROM (VALUES (0::numeric), (9e-993)) t(v);
-- Equal neighbours need no division, whatever their decimals: the cut is
-- their value (until 2026-12-07 their zero difference, kept at 1000
-- decimals, was 54000).  1e-1000 twice in 2 bins: position (2-1)/2 =
-- 0.5, between the two: 1e-1000; 0, 1e-1000, 1e-1000, 1 in 2 bins:
-- position 3/2 = 1.5, between the two equal middle values: 1e-1000.
SELECT rfm.breaks(v, 2) = ARRAY[1e-1000]::numeric[] AS equal_1000_decimals,
       rfm.breaks(v, 2)::text = '{' || 1e-1000::text || '}' AS shown_as_the_value
  FROM (VALUES (1e-1000::numeric), (1e-1000)) t(v);
SELECT rfm.breaks(v, 2) = ARRAY[1e-1000]::numeric[] AS equal_neighbours_of_the_cut
  FROM (VALUES (0::numeric), (1e-1000), (1e-1000), (1)) t(v);
-- the same through rfm.customer_scores' own order statistics: two
-- customers who each spent 1e-1000, every cut point 1e-1000, so both
-- score 1 (1 + the cuts strictly below)
CREATE TEMP TABLE equal_tiny (c integer, d date, a numeric);
INSERT INTO equal_tiny VALUES (1, '2024-01-01', 1e-1000), (2, '2024-01-01', 1e-1000);
SELECT customer, monetary = 1e-1000 AS spent_1e_1000, m_score
  FROM rfm.customer_scores('equal_tiny', 'c', 'd', 'a', 5, '2024-12-31') ORDER BY customer;
DROP TABLE equal_tiny;
-- rfm.scores finds its cut points with rfm.breaks (quantile; median: the
-- one cut of 2 bins): 54000 too, from 994 decimals on (994 + 7 > 1000).
-- At 993 the cuts are exact (above): 0 -> 1, 9e-993 -> 5 (above all four
-- cuts); median 4.5e-993: 0 -> 1, 9e-993 -> 2.  (ntile and mean compute no
-- cut point.)
SELECT m AS method,
       pg_temp.err(format($$SELECT count(*)::text FROM rfm.scores('{0,9e-1001}', '{a,b}', method => %L)$$, m)) AS decimals_1001,
       pg_temp.err(format($$SELECT count(*)::text FROM rfm.scores('{0,9e-994}', '{a,b}', method => %L)$$, m)) AS decimals_994,
       pg_temp.err(format($$SELECT string_agg(score::text, ',' ORDER BY key) FROM rfm.scores('{0,9e-993}', '{a,b}', method => %L)$$, m)) AS decimals_993
  FROM unnest(ARRAY['quantile', 'median']) AS m;

-- rfm.score ------------------------------------------------------------
-- NULL value or breaks: NULL.  Score = 1 + cuts strictly below value.
SELECT rfm.score(NULL, '{1,2}') AS null_value, rfm.score(1, NULL) AS null_breaks,
       rfm.score(2, '{1,2,3}') AS two_in_1_2_3,          -- 1 + #{1} = 2
       rfm.score(2, '{1,2,3}', false) AS two_lower_better, -- 4 - 2 + 1 = 3
       rfm.score(0, '{}') AS no_cuts;                     -- 1 bin: 1
SELECT pg_temp.err($$SELECT rfm.score('NaN', '{1,2}')::text$$) AS nan_value;
-- a NaN cut point: 22023 (NaN sorts above every number, so '{1,NaN}' is in
-- order and would score 1 as 1); infinite ones: sql/numeric_infinity.sql
SELECT pg_temp.err($$SELECT rfm.score(1, '{1,NaN}')::text$$) AS nan_break,
       pg_temp.err($$SELECT rfm.score(1, '{NaN}', false)::text$$) AS nan_only_break;
SELECT pg_temp.err($$SELECT rfm.score(1, '{2,1}')::text$$) AS unsorted_breaks;
SELECT pg_temp.err($$SELECT rfm.score(1, '{1,NULL}')::text$$) AS null_in_breaks;
SELECT pg_temp.err($$SELECT rfm.score(1, '{1,2}', NULL)::text$$) AS null_direction;
-- 99 cut points (100 bins) is the most: value 150 is above all 99, bin 100;
-- 100 cut points would make a score of 101
SELECT rfm.score(150, array(SELECT g::numeric FROM generate_series(1, 99) g)) AS above_99_cuts;
SELECT pg_temp.err($$SELECT rfm.score(150, array(SELECT g::numeric FROM generate_series(1, 100) g))::text$$) AS cuts_100;
-- rfm.high_low: NULLs give NULL; equal to the threshold is low (1)
SELECT rfm.high_low(NULL, 1) AS null_value, rfm.high_low(1, NULL) AS null_threshold,
       rfm.high_low(1, 1) AS equal, rfm.high_low(0, 1, false) AS lower_better;
-- a NULL direction is an error, not "lower is better" (4 < 5 would score 2
-- with false); a NULL value still gives NULL first, as in rfm.score.
SELECT pg_temp.err($$SELECT rfm.high_low(4, 5, NULL)::text$$) AS null_direction,
       pg_temp.err($$SELECT rfm.high_low(6, 5, NULL)::text$$) AS null_direction_above,
       pg_temp.err($$SELECT rfm.high_low(NULL, 5, NULL)::text$$) AS null_value_null_direction;
-- a NULL threshold or breaks, too (README, Errors)
SELECT pg_temp.err($$SELECT rfm.high_low(1, NULL, NULL)::text$$) AS null_threshold_null_direction,
       pg_temp.err($$SELECT rfm.score(1, NULL, NULL)::text$$) AS null_breaks_null_direction;
-- also where the arguments are columns (not folded to constants at plan time)
SELECT pg_temp.err($$SELECT string_agg(rfm.high_low(v, t, d)::text, ',') FROM (VALUES (4::numeric, 5::numeric, NULL::boolean), (6, 5, NULL)) x(v, t, d)$$) AS null_direction_column;
-- NaN value or threshold: 22023 like rfm.score (was 2 or 1: NaN sorts above
-- every number); infinities: sql/numeric_infinity.sql
SELECT pg_temp.err($$SELECT rfm.high_low('NaN', 5)::text$$) AS nan_value,
       pg_temp.err($$SELECT rfm.high_low(5, 'NaN', false)::text$$) AS nan_threshold;
SELECT pg_temp.err($$SELECT string_agg(rfm.high_low(v, 5)::text, ',') FROM (VALUES (4::numeric), ('NaN')) x(v)$$) AS nan_column;
-- rfm.ntile_scores
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2}', '{a,b}', 1)$$) AS bins_1,
       pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2}', '{a,b}', 101)$$) AS bins_101,
       pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2}', '{a,b}', 100)$$) AS bins_100;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2}', '{a}')$$) AS length_mismatch;
-- a NULL array has no elements: with a non-empty one it is a length
-- mismatch that says NULL (was "(<NULL> and 1)" in rfm.scores), with an
-- empty one no rows (was 22023)
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores(NULL, '{a}')$$) AS ntile_null_vals,
       pg_temp.err($$SELECT count(*)::text FROM rfm.scores('{1}', NULL)$$) AS scores_null_keys,
       pg_temp.err($$SELECT count(*)::text FROM rfm.scores(NULL, '{}')$$) AS scores_null_empty,
       pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{}', NULL)$$) AS ntile_empty_null;
-- a NULL bins is 22004, as in rfm.breaks (was 22023 "got <NULL>")
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2,3}', '{a,b,c}', NULL)$$) AS null_bins;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores(NULL, NULL)$$) AS nulls;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{}', '{}')$$) AS empty;
-- a NULL direction is an error (as in rfm.scores and rfm.score), not
-- "lower is better", also with no values to score
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2,3}', '{a,b,c}', 3, NULL)$$) AS null_direction,
       pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{}', '{}', 3, NULL)$$) AS null_direction_empty;
-- a NaN value: 22023 (was scored as the largest value); NULLs are still
-- left out
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,2,3,NaN}', '{a,b,c,d}')$$) AS nan,
       pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,NULL,NaN}', '{a,b,c}', 2, false)$$) AS nan_with_null,
       pg_temp.err($$SELECT count(*)::text FROM rfm.ntile_scores('{1,NULL,3}', '{a,b,c}', 2)$$) AS null_left_out;

-- rfm.scores: a NaN value is 22023 for every method (mean and ntile scored
-- it: the mean of values with a NaN is NaN, NTILE put it last)
SELECT m AS method,
       pg_temp.err(format($$SELECT count(*)::text FROM rfm.scores('{1,2,NaN}', '{a,b,c}', method => %L)$$, m)) AS nan,
       pg_temp.err(format($$SELECT count(*)::text FROM rfm.scores('{NaN,NULL}', '{a,b}', higher_is_better => false, method => %L)$$, m)) AS nan_lower_better,
       pg_temp.err(format($$SELECT string_agg(score::text, ',' ORDER BY key) FROM rfm.scores('{1,2,NULL,4}', '{a,b,c,d}', method => %L)$$, m)) AS finite
  FROM unnest(ARRAY['quantile', 'ntile', 'mean', 'median']) AS m;

-- rfm.segment ----------------------------------------------------------
-- NULL score: NULL.  standard scheme 5/5/5 is Champions (first rule).
-- Scores outside every rule's ranges (0, negative, huge) match no rule: NULL.
SELECT rfm.segment(NULL, 5, 5) AS null_r, rfm.segment(5, 5, 5) AS champions,
       rfm.segment(5, 5, 5, 'standard', 'zh') AS champions_zh;
SELECT pg_temp.err($$SELECT rfm.segment(5, 5, 5, 'no_such_scheme')$$) AS unknown_scheme;
SELECT pg_temp.err($$SELECT rfm.segment(5, 5, 5, 'standard', 'fr')$$) AS unknown_lang;
SELECT pg_temp.err($$SELECT rfm.segment(5, 5, 5, NULL)$$) AS null_scheme,
       pg_temp.err($$SELECT rfm.segment(5, 5, 5, 'standard', NULL)$$) AS null_lang;
SELECT pg_temp.err($$SELECT rfm.segment(0, 5, 5)$$) AS score_0;
SELECT pg_temp.err($$SELECT rfm.segment(-1, 5, 5)$$) AS score_negative;
SELECT pg_temp.err($$SELECT rfm.segment(2147483647, 2147483647, 2147483647)$$) AS score_huge;
-- hostile scheme text is data, never SQL
SELECT pg_temp.err($$SELECT rfm.segment(5, 5, 5, $q$standard'; DROP TABLE rfm.segment_rules; --$q$)$$) AS hostile_scheme;
SELECT count(*) > 0 AS rules_still_there FROM rfm.segment_rules;
-- rfm.tier: r+f+m = 15 >= 12 core; 9 potential; 3 marginal
SELECT rfm.tier(5, 5, 5) AS t15, rfm.tier(3, 3, 3) AS t9, rfm.tier(1, 1, 1, lang => 'zh') AS t3_zh,
       rfm.tier(NULL, 1, 1) AS null_score;
SELECT pg_temp.err($$SELECT rfm.tier(1, 1, 1, lang => 'fr')$$) AS unknown_lang;
SELECT pg_temp.err($$SELECT rfm.tier(1, 1, 1, 5, 8)$$) AS potential_above_core;
-- NULL arguments: 22004 naming the argument (like rfm.segment's NULL lang),
-- checked before the scores, so also with a NULL score
SELECT pg_temp.err($$SELECT rfm.tier(1, 1, 1, NULL)$$) AS null_core_min,
       pg_temp.err($$SELECT rfm.tier(1, 1, 1, 12, NULL)$$) AS null_potential_min,
       pg_temp.err($$SELECT rfm.tier(1, 1, 1, lang => NULL)$$) AS null_lang;
SELECT pg_temp.err($$SELECT rfm.tier(NULL, 1, 1, lang => NULL)$$) AS null_score_null_lang,
       pg_temp.err($$SELECT rfm.tier(NULL, 1, 1, lang => 'fr')$$) AS null_score_unknown_lang;
-- Scores outside tier3's rule ranges (each score 1..100, the defaults of
-- r_min..m_max) give NULL, as rfm.segment(r, f, m, 'tier3') does: 0, -5,
-- 101 and 2147483647 (whose r+f+m would overflow integer) are NULL; 6 and
-- 100 are in range (18 and 300 >= 12: core).
SELECT pg_temp.err($$SELECT rfm.tier(0, 0, 0)$$) AS zeros,
       pg_temp.err($$SELECT rfm.tier(-5, -5, -5)$$) AS negative,
       pg_temp.err($$SELECT rfm.tier(0, 5, 5)$$) AS one_zero,
       pg_temp.err($$SELECT rfm.tier(5, 5, 101)$$) AS over_100,
       pg_temp.err($$SELECT rfm.tier(2147483647, 1, 1)$$) AS huge,
       pg_temp.err($$SELECT rfm.tier(6, 6, 6)$$) AS sixes,
       pg_temp.err($$SELECT rfm.tier(100, 100, 100)$$) AS hundreds;
-- rfm.tier with its default thresholds (12, 8) against tier3 on every
-- triple of -1, 0, 1, 5, 6, 100, 101: 7^3 = 343 triples, the 4^3 = 64 with
-- every score in {1, 5, 6, 100} get a label, the other 279 NULL; no triple
-- differs.  Columns, not constants (not folded at plan time).
SELECT count(*) AS triples,
       count(*) FILTER (WHERE rfm.tier(r, f, m) IS NULL) AS tier_null,
       count(*) FILTER (WHERE rfm.segment(r, f, m, 'tier3') IS NULL) AS tier3_null,
       count(*) FILTER (WHERE rfm.tier(r, f, m) IS DISTINCT FROM rfm.segment(r, f, m, 'tier3')) AS differ,
       count(*) FILTER (WHERE rfm.tier(r, f, m, lang => 'zh') IS DISTINCT FROM rfm.segment(r, f, m, 'tier3', 'zh')) AS differ_zh
  FROM unnest('{-1,0,1,5,6,100,101}'::int[]) r, unnest('{-1,0,1,5,6,100,101}'::int[]) f,
       unnest('{-1,0,1,5,6,100,101}'::int[]) m;

-- rfm.lifecycle --------------------------------------------------------
-- first purchase 2024-01-01, last 2024-03-01; as_of 2024-03-31:
-- 30 days since last (< 90 sleeping), 90 since first (>= 30 new): active.
SELECT rfm.lifecycle(s, '2024-03-31') AS active, rfm.lifecycle(NULL, '2024-03-31') AS null_summary
  FROM (SELECT rfm.summarize(d, 1) s FROM (VALUES ('2024-01-01'::date), ('2024-03-01')) v(d)) x;
-- a NULL as_of or option is an error here (unlike recency_days, which
-- returns NULL): the stage would be meaningless.
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), NULL)$$) AS null_as_of;
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', NULL)$$) AS null_new_days,
       pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', 30, NULL)$$) AS null_sleeping_days,
       pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', 30, 90, NULL)$$) AS null_churned_days,
       pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', lang => NULL)$$) AS null_lang;
-- also with a NULL summary (NULL only once the arguments are good)
SELECT pg_temp.err($$SELECT rfm.lifecycle(NULL, '2024-03-31', lang => NULL)$$) AS null_summary_null_lang;
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', lang => 'fr')$$) AS unknown_lang;
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', 30, 200, 100)$$) AS sleeping_after_churned;
-- new_days above sleeping_days (equal is allowed: 90, 90, 180 gives the
-- stage, here active: 30 days since the last purchase, 90 since the first)
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', 91, 90, 180)$$) AS new_after_sleeping,
       pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize(d, 1), '2024-03-31', 90, 90, 180) FROM (VALUES ('2024-01-01'::date), ('2024-03-01')) v(d)$$) AS new_equal_sleeping;
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), '2024-03-31', -1)$$) AS negative_days;
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-04-01'::date, 1), '2024-03-31')$$) AS purchase_after_as_of;
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, 1), 'infinity')$$) AS infinite_as_of;
-- refunds only: no purchase dates
SELECT pg_temp.err($$SELECT rfm.lifecycle(rfm.summarize('2024-01-01'::date, -1), '2024-03-31')$$) AS refunds_only;
-- rfm.lifecycle_stage (from two days) has the same rules and names itself
-- (until 2026-12-06 its errors said rfm.lifecycle)
SELECT pg_temp.err($$SELECT rfm.lifecycle_stage('2024-01-01', '2024-01-01', 'infinity')$$) AS stage_infinite_as_of,
       pg_temp.err($$SELECT rfm.lifecycle_stage('2024-01-01', '2024-01-01', '2024-02-01', 30, 180, 180)$$) AS stage_sleeping_equal_churned;
SELECT pg_temp.err($$SELECT rfm.lifecycle_stage('2024-01-01', '2024-01-01', '2024-02-01', lang => 'fr')$$) AS stage_unknown_lang,
       pg_temp.err($$SELECT rfm.lifecycle_stage('2024-01-01', '2024-01-01', NULL)$$) AS stage_null_as_of;
SELECT pg_temp.err($$SELECT rfm.lifecycle_stage('-infinity', '2024-01-01', '2024-02-01')$$) AS stage_infinite_first;
-- a summary built by hand with an infinite purchase day: 22008 (day counts
-- from -infinity overflowed and gave 'new')
SELECT pg_temp.err($$SELECT rfm.lifecycle(ROW('-infinity', '2024-01-01', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')$$) AS infinite_first;
SELECT pg_temp.err($$SELECT rfm.lifecycle(ROW('2024-01-01', '-infinity', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')$$) AS infinite_last;
-- first purchase after the last (hand-built; it was 'new'): 22023
SELECT pg_temp.err($$SELECT rfm.lifecycle(ROW('2025-03-01', '2024-12-01', 2, 2, 10, 0, 1, 5)::rfm.summary, '2025-01-02')$$) AS first_after_last;

-- rfm.recommended_action: a lookup; no playbook row gives NULL.  A NULL or
-- unknown language is an error, as in rfm.segment (it gave NULL until
-- 2026-12-07), 'fr-CN' and 'zh-Latn' included; so is a scheme neither
-- rfm.segment_rules nor rfm.playbook has (NULL until 2026-12-07; a NULL
-- scheme: NULL).
SELECT rfm.recommended_action(NULL) AS null_segment,
       rfm.recommended_action('No Such Segment') AS unknown_segment,
       rfm.recommended_action('Champions', NULL) AS null_scheme;
SELECT pg_temp.err($$SELECT rfm.recommended_action('Champions', 'no such scheme')$$) AS unknown_scheme;
SELECT pg_temp.err($$SELECT rfm.recommended_action('Champions', 'standard', 'fr')$$) AS unknown_lang,
       pg_temp.err($$SELECT rfm.recommended_action('Champions', 'standard', NULL)$$) AS null_lang;
SELECT pg_temp.err($$SELECT rfm.recommended_action('Champions', lang => 'fr-CN')$$) AS fr_cn,
       pg_temp.err($$SELECT rfm.recommended_action('Champions', lang => 'zh-Latn')$$) AS zh_latn;
-- The language is a tag, matched without regard to case (as language tags
-- are) or to the argument's collation: 'ZH' and 'zh-CN' are 'zh' under
-- any collation, and under a case-insensitive one 'ZHX' is still unknown.
CREATE COLLATION pg_temp.any_case (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT rfm.tier(5, 5, 5, lang => 'ZH') AS tier_upper_case,
       rfm.recommended_action('Champions', lang => 'zh-CN') = rfm.recommended_action('Champions', lang => 'zh') AS action_zh_cn,
       rfm.segment(5, 5, 5, lang => 'ZH' COLLATE pg_temp.any_case) AS segment_upper_case_any;
SELECT pg_temp.err($$SELECT rfm.tier(5, 5, 5, lang => 'ZHX' COLLATE pg_temp.any_case)$$) AS tier_zhx,
       pg_temp.err($$SELECT rfm.recommended_action('Champions', lang => 'ZHX' COLLATE pg_temp.any_case)$$) AS action_zhx,
       pg_temp.err($$SELECT rfm.segment(5, 5, 5, lang => 'ZHX' COLLATE pg_temp.any_case)$$) AS segment_zhx;
SELECT rfm.tier(5, 5, 5, lang => 'zh' COLLATE pg_temp.any_case) AS tier_zh_any_case;
