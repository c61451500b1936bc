-- pgTAP: rfm.summarize and its helpers — signatures, markings, errors.
BEGIN;
SELECT plan(33);

SELECT has_schema('rfm');
SELECT has_type('rfm', 'summary', 'composite type rfm.summary exists');
SELECT columns_are('rfm', 'summary',
  ARRAY['first_purchase', 'last_purchase', 'frequency', 'purchase_days', 'monetary',
        'refunds', 'repeat_days', 'repeat_monetary'],
  'rfm.summary has the documented columns');
SELECT col_type_is('rfm', 'summary', 'frequency', 'bigint', 'frequency is bigint');
SELECT col_type_is('rfm', 'summary', 'monetary', 'numeric', 'monetary is exact numeric');

SELECT has_function('rfm', 'summarize', ARRAY['date', 'numeric']);
SELECT has_function('rfm', 'summarize', ARRAY['timestamp with time zone', 'numeric']);
SELECT is_aggregate('rfm', 'summarize', ARRAY['date', 'numeric']);
SELECT function_returns('rfm', 'summarize', ARRAY['date', 'numeric'], 'rfm.summary');

-- Parallel aggregation needs all three support functions and PARALLEL SAFE.
SELECT is(
  (SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
    WHERE p.pronamespace = 'rfm'::regnamespace AND p.proname = 'summarize'
      AND a.aggcombinefn <> 0 AND a.aggserialfn <> 0 AND a.aggdeserialfn <> 0
      AND a.aggtransspace > 0),
  2, 'both rfm.summarize aggregates have combine, serialize, deserialize and SSPACE');
SELECT is(
  (SELECT count(*)::int FROM pg_proc
    WHERE pronamespace = 'rfm'::regnamespace
      AND proname IN ('summarize', '_summarize_trans', '_summarize_combine',
                      '_summarize_serialize', '_summarize_deserialize', '_summarize_final',
                      'recency_days', 'tenure_days', 'average_order_value')
      AND proparallel <> 's'),
  0, 'rfm.summarize and its helpers are PARALLEL SAFE');
SELECT volatility_is('rfm', '_summarize_trans', ARRAY['internal', 'date', 'numeric'], 'immutable',
  'the date transition is immutable');
SELECT volatility_is('rfm', '_summarize_trans', ARRAY['internal', 'timestamp with time zone', 'numeric'], 'stable',
  'the timestamptz transition is stable (depends on TimeZone)');
SELECT volatility_is('rfm', 'recency_days', ARRAY['rfm.summary', 'date'], 'immutable');
SELECT has_function('rfm', 'tenure_days', ARRAY['rfm.summary', 'date']);
SELECT has_function('rfm', 'average_order_value', ARRAY['rfm.summary']);

-- Function bodies must not depend on search_path (pg_dump uses an empty one).
SET LOCAL search_path = '';
CREATE TEMP TABLE empty_path_result AS
SELECT rfm.recency_days(rfm.summarize(DATE '2024-01-01', 1::numeric), DATE '2024-01-31') AS recency;
RESET search_path;
SELECT is(recency, 30, 'helpers work with an empty search_path') FROM empty_path_result;

-- Behaviour: values checked by hand.
SELECT is((rfm.summarize(d, a)).frequency, 2::bigint, 'refunds and zero amounts are not purchases')
  FROM (VALUES ('2024-01-01'::date, 5::numeric), ('2024-01-02', -5), ('2024-01-03', 0),
               ('2024-01-04', 1)) v(d, a);
SELECT is((rfm.summarize(d, a)).monetary, 1::numeric, 'monetary is net of refunds: 5 - 5 + 0 + 1')
  FROM (VALUES ('2024-01-01'::date, 5::numeric), ('2024-01-02', -5), ('2024-01-03', 0),
               ('2024-01-04', 1)) v(d, a);
SELECT is((rfm.summarize(d, a)).purchase_days, 1, 'same-day purchases make one purchase day')
  FROM (VALUES ('2024-01-01'::date, 5::numeric), ('2024-01-01', 6)) v(d, a);
SELECT ok((SELECT rfm.summarize(d, a) FROM (VALUES (NULL::date, 1::numeric), ('2024-01-01', NULL)) v(d, a)) IS NULL,
  'only NULL rows: NULL summary');
SELECT ok(rfm.recency_days(NULL, DATE '2024-01-01') IS NULL, 'recency of a NULL summary is NULL');

-- Errors carry SQLSTATEs.
SELECT throws_ok($$SELECT rfm.summarize(DATE '2024-01-01', 'NaN'::numeric)$$,
  '22023', 'rfm.summarize: amount must not be NaN (order on 2024-01-01)', 'NaN amount: 22023, naming the order''s day');
-- numeric has infinities since PostgreSQL 14 (13 rejects the literal itself)
SELECT CASE WHEN current_setting('server_version_num')::int >= 140000
            THEN throws_ok($$SELECT rfm.summarize(DATE '2024-01-01', 'Infinity'::numeric)$$,
                           '22023', 'rfm.summarize: amount must be finite (order on 2024-01-01)', 'infinite amount: 22023')
            ELSE skip('numeric has no infinity before PostgreSQL 14', 1) END;
SELECT throws_ok($$SELECT rfm.summarize('infinity'::date, 1::numeric)$$,
  '22008', NULL, 'infinite date: 22008');
SELECT throws_ok($$SELECT rfm.summarize('infinity'::timestamptz, 1::numeric)$$,
  '22008', NULL, 'infinite timestamptz: 22008');
SELECT throws_ok($$SELECT rfm.recency_days(rfm.summarize(DATE '2024-02-01', 1::numeric), DATE '2024-01-01')$$,
  '22023', 'rfm: purchase on 2024-02-01 is after as_of date 2024-01-01', 'purchase after as_of: 22023');
SELECT throws_ok($$SELECT rfm.tenure_days(rfm.summarize(DATE '2024-02-01', 1::numeric), DATE '2024-01-01')$$,
  '22023', NULL, 'tenure with first purchase after as_of: 22023');
-- first purchase 01-10 before as_of 01-15, last 01-20 after it: the summary
-- holds an order from after as_of (0.1.0 gave tenure 5 and a CLV)
SELECT throws_ok($$SELECT rfm.tenure_days(rfm.summarize(d, 5::numeric), DATE '2024-01-15')
                     FROM (VALUES (DATE '2024-01-10'), (DATE '2024-01-20')) v(d)$$,
  '22023', 'rfm: purchase on 2024-01-20 is after as_of date 2024-01-15', 'tenure with the last purchase after as_of: 22023');
SELECT throws_ok($$SELECT rfm.historical_clv(rfm.summarize(d, 5::numeric), DATE '2024-01-15')
                     FROM (VALUES (DATE '2024-01-10'), (DATE '2024-01-20')) v(d)$$,
  '22023', 'rfm: purchase on 2024-01-20 is after as_of date 2024-01-15', '... and so is historical_clv');
-- on the last purchase day: 10 days; CLV 10 x 1095 / 11 observed days = 995.4545...
SELECT is((SELECT rfm.tenure_days(rfm.summarize(d, 5::numeric), DATE '2024-01-20')
             FROM (VALUES (DATE '2024-01-10'), (DATE '2024-01-20')) v(d)), 10, 'tenure on the last purchase day: 10');
SELECT is((SELECT rfm.historical_clv(rfm.summarize(d, 5::numeric), DATE '2024-01-20')
             FROM (VALUES (DATE '2024-01-10'), (DATE '2024-01-20')) v(d)), 995.45, '... historical_clv 995.45');
SELECT throws_ok($$SELECT rfm.recency_days(rfm.summarize(DATE '2024-02-01', 1::numeric), 'infinity'::date)$$,
  '22008', NULL, 'infinite as_of: 22008');

SELECT * FROM finish();
ROLLBACK;
