-- pgTAP: tier tables with clv => true — the five CLV columns exist only
-- with the option, equal a direct computation with the CLV functions on the
-- same orders, are refitted at every refresh, and fall back to NULL model
-- columns (historical_clv still filled) when the data cannot support a fit.
-- No BEGIN/ROLLBACK around the file: rfm.refresh_tiers commits; the file
-- cleans up after itself.  Run from the repository root (\copy of data/).
--
-- Independent path: tclv.direct (below) summarizes the orders with plain SQL,
-- fits rfm.fit_bgnbd / rfm.fit_gamma_gamma over every customer with a
-- purchase, and calls rfm.clv_columns with the documented tier-table
-- settings (weeks, 12 months, 1 % a month, 1095 days).  It does not go
-- through rfm._tier_query.  Floats are compared to 1e-9 relative.
-- Hand-computed values are noted where they are used.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS tclv CASCADE;
DELETE FROM rfm.segment_rules WHERE scheme = 'tclv empty';
CREATE SCHEMA tclv;

CREATE TEMP TABLE cdnow_raw (line text);
\copy cdnow_raw (line) from 'data/CDNOW_sample.txt' with (format text, delimiter E'\x01')
CREATE TABLE tclv.orders AS
SELECT f[2]::int AS customer, to_date(f[3], 'YYYYMMDD') AS ordered_on, f[5]::numeric AS amount
  FROM (SELECT regexp_split_to_array(btrim(line, E' \r'), '\s+') AS f FROM cdnow_raw) r;

CREATE VIEW tclv.direct AS
WITH s AS (
    SELECT o.customer, rfm.summarize(o.ordered_on, o.amount) AS s
      FROM tclv.orders o WHERE o.ordered_on <= DATE '1997-09-30' GROUP BY o.customer
), i AS (
    SELECT s.customer, s.s, (rfm.clv_inputs(s.s, DATE '1997-09-30', 'weeks')).*
      FROM s WHERE (s.s).frequency > 0
), f AS (
    SELECT rfm.fit_bgnbd(i.x, i.t_x, i.tenure) AS bg, rfm.fit_gamma_gamma(i.x, i.m_x::float8) AS gg FROM i
)
SELECT i.customer, (rfm.clv_columns(i.s, DATE '1997-09-30', f.bg, f.gg, 'weeks', 12, 0.01, 1095)).*
  FROM i, f;

-- Every CLV column of the tier table against tclv.direct: rows that differ.
CREATE FUNCTION tclv.mismatches(tier regclass, direct regclass DEFAULT 'tclv.direct') RETURNS bigint
LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
  EXECUTE format($q$
    SELECT count(*) FROM %s t FULL JOIN %s d ON d.customer = t.customer_id
     WHERE t.customer_id IS NULL OR d.customer IS NULL
        OR t.historical_clv IS DISTINCT FROM d.historical_clv
        OR NOT (abs(t.p_alive - d.p_alive) <= 1e-9 * greatest(1, abs(d.p_alive)))
        OR NOT (abs(t.expected_purchases - d.expected_purchases) <= 1e-9 * greatest(1, abs(d.expected_purchases)))
        OR NOT (abs(t.expected_spend - d.expected_spend) <= 1e-9 * greatest(1, abs(d.expected_spend)))
        OR NOT (abs(t.predicted_clv - d.predicted_clv) <= 1e-9 * greatest(1, abs(d.predicted_clv)))$q$, tier, direct)
    INTO n;
  RETURN n;
END $f$;

SELECT plan(59);

SELECT has_function('rfm', 'create_tiers',
  ARRAY['text', 'regclass', 'text', 'text', 'text', 'integer', 'text', 'date', 'boolean', 'boolean', 'text',
        'integer', 'integer', 'integer', 'text'],
  'create_tiers takes clv as its tenth argument (watermark_column, the lifecycle thresholds and lang_zh follow)');

-- Build under an empty search_path (pg_dump's): the query is fully qualified.
SET search_path = '';
SELECT rfm.create_tiers('tclv.cd', 'tclv.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '1997-09-30', clv => true) \g /dev/null
RESET search_path;

SELECT columns_are('tclv', 'cd',
  ARRAY['customer_id', 'first_purchase', 'last_purchase', 'recency_days', 'frequency', 'monetary',
        'r_score', 'f_score', 'm_score', 'rfm_cell', 'segment', 'segment_zh', 'tier', 'tier_zh', 'lifecycle', 'lifecycle_zh', 'as_of',
        'historical_clv', 'p_alive', 'expected_purchases', 'expected_spend', 'predicted_clv'],
  'clv => true adds the five rfm.clv_columns columns after as_of');
SELECT col_type_is('tclv', 'cd', 'historical_clv', 'numeric', 'historical_clv is numeric');
SELECT col_type_is('tclv', 'cd', 'p_alive', 'double precision', 'p_alive is double precision');
SELECT col_type_is('tclv', 'cd', 'predicted_clv', 'double precision', 'predicted_clv is double precision');
SELECT is((SELECT clv FROM rfm.tier_tables WHERE tier = 'tclv.cd'::regclass), true,
  'the option is recorded in rfm.tier_tables');
-- README (CLV columns): p_alive is 1 for every customer with one purchase
-- day (x = 0), and below 1 for those with more
SELECT results_eq($$SELECT first_purchase = last_purchase, bool_and(p_alive = 1), bool_or(p_alive = 1), count(*) > 100
                      FROM tclv.cd GROUP BY 1 ORDER BY 1$$,
  $$VALUES (false, false, false, true), (true, true, true, true)$$,
  'p_alive is 1 exactly for the customers with one purchase day');
-- 2,357 sample customers, all first buying in Q1 1997; eight of them only
-- ever had one $0.00 order (sql/clv_cdnow.sql counts them), which is not a
-- purchase: 2,349 rows.
SELECT is((SELECT count(*)::int FROM tclv.cd), 2349, 'one row per customer with a purchase');
SELECT results_eq('SELECT count(historical_clv)::int, count(p_alive)::int, count(expected_purchases)::int,
                          count(expected_spend)::int, count(predicted_clv)::int FROM tclv.cd',
  'VALUES (2349, 2349, 2349, 2349, 2349)', 'with enough customers every CLV column is filled');
SELECT is(tclv.mismatches('tclv.cd'), 0::bigint,
  'every CLV column equals the direct computation (fits over all customers, rfm.clv_columns)');
-- Customer 1 by hand: 74.02 spent, first purchase 1997-01-01, 273 observed
-- days to 1997-09-30: 74.02 x 1095 / 273 = 296.8934 -> 296.89.
SELECT is((SELECT historical_clv FROM tclv.cd WHERE customer_id = 1), 296.89, 'customer 1 historical CLV by hand');
SELECT ok((SELECT bool_and(p_alive BETWEEN 0 AND 1 AND expected_purchases >= 0 AND expected_spend > 0
                           AND predicted_clv >= 0) FROM tclv.cd), 'model columns in their ranges');
SELECT is((SELECT sum(customers)::int FROM tclv.cd_segments), 2349, 'the segments view works on a CLV tier table');
SELECT is((SELECT sum(customers)::int FROM tclv.cd_grid), 2349, 'the grid view works on a CLV tier table');
SELECT is((SELECT count(*)::int FROM tclv.cd_history), 2349, 'the history snapshot is written');
SELECT is((SELECT string_agg(attname, ', ') FROM pg_attribute
            WHERE attrelid IN ('tclv.cd'::regclass, 'tclv.cd_history'::regclass, 'tclv.cd_segments'::regclass)
              AND attnum > 0 AND NOT attisdropped AND col_description(attrelid, attnum) IS NULL), NULL,
  'every column of a CLV tier table, its history and its segments view has a comment, the CLV columns too');
SELECT columns_are('tclv', 'cd_history',
  ARRAY['as_of', 'customer_id', 'segment', 'segment_zh', 'tier', 'tier_zh', 'lifecycle', 'lifecycle_zh', 'r_score', 'f_score', 'm_score',
        'rfm_cell', 'recency_days', 'frequency', 'monetary',
        'historical_clv', 'p_alive', 'expected_purchases', 'expected_spend', 'predicted_clv'],
  'the history of a CLV tier table has the five CLV columns after monetary');
SELECT is(tclv.mismatches('tclv.cd_history'), 0::bigint,
  '... and its snapshot''s CLV columns equal the direct computation');
-- The segments view's CLV columns against the direct computation, grouped
-- by the tier table's segments.  historical_clv is numeric (exact); the
-- model columns equal the direct ones to 1e-9 relative (above), so their
-- rounded aggregates may differ by one unit in the last place.
SELECT is((SELECT count(*)::int
             FROM tclv.cd_segments v
             FULL JOIN (SELECT t.segment, avg(d.historical_clv) AS h, avg(d.p_alive) AS p,
                               sum(d.predicted_clv) AS s, avg(d.predicted_clv) AS m
                          FROM tclv.cd t JOIN tclv.direct d ON d.customer = t.customer_id
                         GROUP BY t.segment) x USING (segment)
            WHERE (v.customers IS NOT NULL AND x.h IS NOT NULL
                   AND v.mean_historical_clv = round(x.h, 2)
                   AND abs(v.mean_p_alive - x.p::numeric) <= 0.0001
                   AND abs(v.predicted_clv - x.s::numeric) <= 0.01
                   AND abs(v.mean_predicted_clv - x.m::numeric) <= 0.01) IS NOT TRUE), 0,
  'the segments view: mean historical CLV, mean P(alive), total and mean predicted CLV per segment');
-- A segment no customer has (a scheme of one's own: scores of 6 do not
-- occur with 5 bins): its total predicted CLV is 0 where the model was
-- fitted, its means NULL; the other segment holds everyone's.
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, r_min, r_max)
VALUES ('tclv empty', 10, 'Nobody', '无人', 6, 6), ('tclv empty', 20, 'Everyone', '所有人', 1, 5);
SELECT rfm.create_tiers('tclv.cd_empty', 'tclv.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '1997-09-30', clv => true, scheme => 'tclv empty', keep_history => false) \g /dev/null
SELECT results_eq($$SELECT segment, customers, predicted_clv, mean_predicted_clv, mean_historical_clv, mean_p_alive
                      FROM tclv.cd_empty_segments ORDER BY segment_priority$$,
  $$SELECT 'Nobody', 0::bigint, 0::numeric, NULL::numeric, NULL::numeric, NULL::numeric
    UNION ALL
    SELECT 'Everyone', count(*), round(sum(predicted_clv)::numeric, 2), round(avg(predicted_clv)::numeric, 2),
           round(avg(historical_clv), 2), round(avg(p_alive)::numeric, 4) FROM tclv.cd_empty$$,
  'an empty segment of a fitted CLV tier table: predicted_clv 0, no means');
SELECT rfm.drop_tiers('tclv.cd_empty') \g /dev/null
DELETE FROM rfm.segment_rules WHERE scheme = 'tclv empty';

-- A refresh refits: a new repeat buyer changes the fits and every customer's
-- model columns; an order after as_of is ignored.
CREATE TEMP TABLE before AS SELECT customer_id, p_alive FROM tclv.cd;
CREATE TEMP TABLE before_rows AS SELECT * FROM tclv.cd;
INSERT INTO tclv.orders VALUES (900001, '1997-02-01', 40), (900001, '1997-09-20', 60), (1, '1997-10-05', 999);
CALL rfm.refresh_tiers('tclv.cd');
-- The refresh log counts rows left alone / replaced / added / removed: the
-- same counts from a before/after comparison by whole-row image (*=).
\ir include/tier_compare.psql
SELECT results_eq($$SELECT action, outcome, row_count, message FROM rfm.refresh_log WHERE tier = 'tclv.cd'::regclass ORDER BY id$$,
  $$VALUES ('create', 'succeeded', 2349::bigint, NULL::text),
           ('refresh', 'succeeded', 2350, pg_temp.tier_diff_note('before_rows', 'tclv.cd'))$$,
  'refresh succeeds with the new customer; both models fitted, so the log message only counts the rows');
SELECT ok((SELECT message FROM rfm.refresh_log WHERE tier = 'tclv.cd'::regclass AND action = 'refresh')
          ~ '^in place: \d+ rows unchanged, [1-9]\d* updated, 1 inserted, 0 deleted$',
  '... the refit moved rows, one customer is new, none left');
SELECT is(tclv.mismatches('tclv.cd'), 0::bigint, 'after the refresh the CLV columns equal the direct computation again');
SELECT ok((SELECT count(*) FROM tclv.cd t JOIN before b USING (customer_id) WHERE t.p_alive <> b.p_alive) > 0,
  'the models were refitted (P(alive) of existing customers moved)');
SELECT is(tclv.mismatches('tclv.cd_history'), 0::bigint,
  'the refresh replaced the day''s history snapshot with the refitted CLV columns');
-- rfm.transitions adds predicted CLV before and after: an earlier snapshot
-- written by hand (customers 1 and 2 Champions worth 10.5 and 20.25, 3 Lost
-- worth 1); everyone else is new since then (from_segment NULL, no value).
INSERT INTO tclv.cd_history (as_of, customer_id, segment, monetary, predicted_clv) VALUES
  ('1997-06-30', 1, 'Champions', 10, 10.5), ('1997-06-30', 2, 'Champions', 20, 20.25), ('1997-06-30', 3, 'Lost', 5, 1);
SELECT results_eq($$SELECT from_segment, sum(predicted_clv_before) FROM rfm.transitions('tclv.cd', '1997-06-30', '1997-09-30')
                     GROUP BY from_segment ORDER BY from_segment NULLS FIRST$$,
  $$VALUES (NULL::text, NULL::double precision), ('Champions', 30.75), ('Lost', 1)$$,
  'rfm.transitions: predicted CLV before, by the earlier snapshot''s segment (hand values)');
SELECT ok((SELECT abs(sum(predicted_clv_after) - (SELECT sum(predicted_clv) FROM tclv.cd))
                  <= 1e-9 * (SELECT sum(predicted_clv) FROM tclv.cd)
             FROM rfm.transitions('tclv.cd', '1997-06-30', '1997-09-30')),
  '... and after: all of today''s predicted CLV');
-- 900001 by hand: 100 spent, 1997-02-01 to 1997-09-30 is 241 days, 242 observed:
-- 100 x 1095 / 242 = 452.479 -> 452.48.
SELECT is((SELECT historical_clv FROM tclv.cd WHERE customer_id = 900001), 452.48, 'the new customer''s historical CLV by hand');
SELECT is((SELECT historical_clv FROM tclv.cd WHERE customer_id = 1), 296.89, 'an order after as_of is ignored');

-- Fewer than 10 customers: no fit; historical_clv only.  The five customers
-- of test/tiers.sql, as_of 2024-03-31; observed days and 1095-day values by
-- hand (2024 is a leap year):
--   c1 30 from 01-01: 91 days -> 360.99   c2 5 from 02-01: 60 -> 91.25
--   c3 130 from 01-05: 87 -> 1636.21      c4 1 from 2023-12-01: 122 -> 8.98
--   c5 7 on 03-31: 1 -> 7665.00
CREATE TABLE tclv.small (customer bigint, ordered_on date, amount numeric);
INSERT INTO tclv.small VALUES
  (1, '2024-01-01', 10), (1, '2024-03-01', 20), (2, '2024-02-01', 5),
  (3, '2024-01-05', 50), (3, '2024-03-30', 100), (3, '2024-03-30', -20),
  (4, '2023-12-01', 1), (5, '2024-03-31', 7);
SELECT lives_ok($$SELECT rfm.create_tiers('tclv.small_tiers', 'tclv.small', 'customer', 'ordered_on', 'amount',
                                          as_of => '2024-03-31', clv => true)$$,
  'a CLV tier table over 5 customers is created (the fits are skipped)');
SELECT results_eq('SELECT customer_id, historical_clv FROM tclv.small_tiers ORDER BY customer_id',
  $$VALUES (1::bigint, 360.99::numeric), (2, 91.25), (3, 1636.21), (4, 8.98), (5, 7665.00)$$,
  'historical_clv is filled (hand values)');
SELECT is((SELECT count(*)::int FROM tclv.small_tiers WHERE p_alive IS NOT NULL OR expected_purchases IS NOT NULL
              OR expected_spend IS NOT NULL OR predicted_clv IS NOT NULL), 0,
  'the model columns are NULL');
SELECT is((SELECT count(*)::int FROM tclv.small_tiers_segments WHERE customers = 0 AND predicted_clv IS NULL
              AND mean_predicted_clv IS NULL AND mean_historical_clv IS NULL), 12 - 5,
  '... where the model was not fitted, an empty segment''s predicted_clv is NULL as the others'' (the 5 customers of test/tiers.sql''s t1: 5 labels of 12 used)');
INSERT INTO tclv.small VALUES (6, '2024-03-10', 3);
CREATE TEMP TABLE small_before AS SELECT * FROM tclv.small_tiers;
CALL rfm.refresh_tiers('tclv.small_tiers');
SELECT results_eq($$SELECT action, outcome, row_count, message FROM rfm.refresh_log
                     WHERE tier = 'tclv.small_tiers'::regclass ORDER BY id$$,
  $$VALUES ('create', 'succeeded', 5::bigint,
            'BG/NBD not fitted: p_alive, expected_purchases and predicted_clv are NULL; Gamma-Gamma not fitted: expected_spend and predicted_clv are NULL'),
           ('refresh', 'succeeded', 6::bigint,
            pg_temp.tier_diff_note('small_before', 'tclv.small_tiers')
            || '; BG/NBD not fitted: p_alive, expected_purchases and predicted_clv are NULL; Gamma-Gamma not fitted: expected_spend and predicted_clv are NULL')$$,
  'the small CLV tier table builds and refreshes; the log says which models were not fitted');
-- c6: 3 from 03-10, 22 observed days: 3 x 1095 / 22 = 149.318 -> 149.32
SELECT is((SELECT historical_clv FROM tclv.small_tiers WHERE customer_id = 6), 149.32,
  'the new customer''s historical_clv by hand after the refresh');

-- Twelve customers, but nobody bought twice: the BG/NBD fit refuses (every
-- x = 0) and Gamma-Gamma has no repeat buyer; the model columns are NULL.
CREATE TABLE tclv.once AS SELECT c AS customer, DATE '2024-03-01' + c AS ordered_on, c::numeric AS amount
  FROM generate_series(1, 12) c;
SELECT lives_ok($$SELECT rfm.create_tiers('tclv.once_tiers', 'tclv.once', 'customer', 'ordered_on', 'amount',
                                          as_of => '2024-03-31', clv => true, keep_history => false)$$,
  'degenerate data (12 one-time buyers): created');
SELECT results_eq('SELECT count(*)::int, count(historical_clv)::int, count(p_alive)::int, count(expected_spend)::int
                     FROM tclv.once_tiers', 'VALUES (12, 12, 0, 0)',
  'degenerate data: historical_clv for all 12, model columns NULL');
-- customer 1: 1 spent on 03-02, 30 observed days: 1095 / 30 = 36.50
SELECT is((SELECT historical_clv FROM tclv.once_tiers WHERE customer_id = 1), 36.50, 'customer 1 historical_clv by hand');

-- Heavy-tailed spend: twelve repeat buyers, customer k buying 1 + k mod 3
-- more times for 3^k each.  Fitted directly, Gamma-Gamma gives q <= 1 (an
-- infinite expected spend, which rfm.gamma_gamma_expected_spend refuses) and
-- BG/NBD finds no maximum (22003): both models' columns are NULL.
CREATE TABLE tclv.heavy AS
SELECT k AS customer, DATE '2024-01-01' + k * 3 AS ordered_on, 1::numeric AS amount FROM generate_series(0, 11) k
UNION ALL
SELECT k, DATE '2024-01-01' + k * 3 + r * 20 + k, power(3::numeric, k)
  FROM generate_series(0, 11) k, generate_series(1, 3) r WHERE r <= 1 + k % 3;
CREATE VIEW tclv.heavy_inputs AS
SELECT (rfm.clv_inputs(rfm.summarize(h.ordered_on, h.amount), DATE '2024-06-30', 'weeks')).*
  FROM tclv.heavy h GROUP BY h.customer;
SELECT ok((SELECT (rfm.fit_gamma_gamma(i.x, i.m_x::float8)).q <= 1 FROM tclv.heavy_inputs i),
  'heavy-tailed spend: the direct Gamma-Gamma fit has q <= 1');
SELECT throws_ok('SELECT rfm.fit_bgnbd(i.x, i.t_x, i.tenure) FROM tclv.heavy_inputs i', '22003', NULL,
  'heavy-tailed spend: the direct BG/NBD fit has no maximum');
SELECT lives_ok($$SELECT rfm.create_tiers('tclv.heavy_tiers', 'tclv.heavy', 'customer', 'ordered_on', 'amount',
                                          as_of => '2024-06-30', clv => true, keep_history => false)$$,
  'heavy-tailed spend: created');
SELECT results_eq('SELECT count(*)::int, count(historical_clv)::int, count(p_alive)::int, count(expected_spend)::int,
                          count(predicted_clv)::int FROM tclv.heavy_tiers', 'VALUES (12, 12, 0, 0, 0)',
  'heavy-tailed spend: historical_clv for all 12, model columns NULL');
-- customer 0: 1 + 1 spent from 01-01, 182 observed days to 06-30: 2 x 1095 / 182 = 12.033 -> 12.03
SELECT is((SELECT historical_clv FROM tclv.heavy_tiers WHERE customer_id = 0), 12.03, 'customer 0 historical_clv by hand');

-- Dropout that is all or nothing, as fits of real data can find (a + b < 1):
-- 400 customers over the 52 weeks to 2024-12-28, a fifth buying once, a
-- fifth once more 1..3 weeks later, a fifth twice more within 2..5 weeks,
-- the rest 10..49 more times up to their last weeks.  The direct BG/NBD fit
-- has a + b = 0.41, so for the one-time buyers 2F1's c = a + b - 1 is
-- negative, which the expectation refused (XX000): the whole build failed.
CREATE TABLE tclv.ushape AS
WITH c AS (
    SELECT i, g, CASE g WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 2 THEN 2 ELSE 10 + i % 40 END AS x,
                 CASE g WHEN 0 THEN 0 WHEN 1 THEN 1 + i % 3 WHEN 2 THEN 2 + i % 4 ELSE 49 + i % 3 END AS t_x
      FROM generate_series(0, 399) i,
           LATERAL (SELECT ('{0,0,1,1,2,2,3,3,3,3}'::int[])[i % 10 + 1] AS g) gg
)
SELECT c.i AS customer, DATE '2024-12-28' - 364 + (7 * c.t_x * k / greatest(c.x, 1)) AS ordered_on,
       (5 + (c.i % 17) * 6 + (c.i + k) % 5)::numeric AS amount
  FROM c, generate_series(0, c.x) k;
CREATE VIEW tclv.ushape_direct AS
WITH s AS (
    SELECT o.customer, rfm.summarize(o.ordered_on, o.amount) AS s FROM tclv.ushape o GROUP BY o.customer
), i AS (
    SELECT s.customer, s.s, (rfm.clv_inputs(s.s, DATE '2024-12-28', 'weeks')).* FROM s
), f AS (
    SELECT rfm.fit_bgnbd(i.x, i.t_x, i.tenure) AS bg, rfm.fit_gamma_gamma(i.x, i.m_x::float8) AS gg FROM i
)
SELECT i.customer, (rfm.clv_columns(i.s, DATE '2024-12-28', f.bg, f.gg, 'weeks', 12, 0.01, 1095)).*
  FROM i, f;
SELECT ok((SELECT (f).a + (f).b < 1
             FROM (SELECT rfm.fit_bgnbd(i.x, i.t_x, i.tenure) AS f
                     FROM (SELECT (rfm.clv_inputs(rfm.summarize(o.ordered_on, o.amount), DATE '2024-12-28', 'weeks')).*
                             FROM tclv.ushape o GROUP BY o.customer) i) q),
  'all-or-nothing dropout: the direct BG/NBD fit has a + b < 1');
SELECT lives_ok($$SELECT rfm.create_tiers('tclv.ushape_tiers', 'tclv.ushape', 'customer', 'ordered_on', 'amount',
                                          as_of => '2024-12-28', clv => true, keep_history => false)$$,
  'all-or-nothing dropout: created');
SELECT results_eq('SELECT count(*)::int, count(p_alive)::int, count(expected_purchases)::int, count(predicted_clv)::int
                     FROM tclv.ushape_tiers', 'VALUES (400, 400, 400, 400)',
  'all-or-nothing dropout: every model column filled, one-time buyers too');
SELECT is(tclv.mismatches('tclv.ushape_tiers', 'tclv.ushape_direct'), 0::bigint,
  'all-or-nothing dropout: every CLV column equals the direct computation');

-- A customer whose mean repeat spend double precision cannot hold (two
-- orders of 1e400): its cast to the models' double precision failed the
-- whole build (22003, a message of 400 digits).  Now its spend columns are
-- NULL and it is left out of the Gamma-Gamma fit, so every other
-- customer's expected_spend equals tclv.direct's, which fits without it;
-- BG/NBD keeps it (its x, t_x and T are ordinary).
CREATE VIEW tclv.huge AS
SELECT customer, ordered_on, amount FROM tclv.orders
UNION ALL VALUES (999999, DATE '1997-02-01', 1e400::numeric), (999999, DATE '1997-03-01', 1e400::numeric);
SELECT lives_ok($$SELECT rfm.create_tiers('tclv.huge_tiers', 'tclv.huge', 'customer', 'ordered_on', 'amount',
                                          as_of => '1997-09-30', clv => true, keep_history => false)$$,
  'a customer of 1e400 spend: the clv tier table is built');
SELECT is((SELECT expected_spend IS NULL AND predicted_clv IS NULL AND p_alive IS NOT NULL AND historical_clv >= 1e400
             FROM tclv.huge_tiers WHERE customer_id = 999999), true,
  '... that customer''s spend columns are NULL, its P(alive) and historical CLV filled');
SELECT is((SELECT count(*)::int FROM tclv.huge_tiers t JOIN tclv.direct d ON d.customer = t.customer_id
            WHERE NOT (abs(t.expected_spend - d.expected_spend) <= 1e-9 * greatest(1, abs(d.expected_spend)))
               OR (t.expected_spend IS NULL) <> (d.expected_spend IS NULL)), 0,
  '... every other customer''s expected_spend equals the fit without it');
SELECT is((SELECT c.expected_spend IS NULL AND c.predicted_clv IS NULL AND c.historical_clv >= 1e400
             FROM (SELECT (rfm.clv_columns(s, '1997-09-30', NULL, row(1, 2, 3, 0, 10, 1, true)::rfm.gamma_gamma_fit)).*
                     FROM (SELECT rfm.summarize(d, a) AS s
                             FROM (VALUES (DATE '1997-02-01', 1e400::numeric), (DATE '1997-03-01', 1e400)) v(d, a)) q) c),
          true, 'rfm.clv_columns of such a customer: NULL spend columns, no error');
SELECT rfm.drop_tiers('tclv.huge_tiers') \g /dev/null
DROP VIEW tclv.huge;

-- Without clv the same data has no CLV columns.
SELECT rfm.create_tiers('tclv.plain', 'tclv.small', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT hasnt_column('tclv', 'plain', 'historical_clv', 'no historical_clv without clv => true');
SELECT hasnt_column('tclv', 'plain', 'predicted_clv', 'no predicted_clv without clv => true');
SELECT is((SELECT clv FROM rfm.tier_tables WHERE tier = 'tclv.plain'::regclass), false, 'clv defaults to false');
SELECT hasnt_column('tclv', 'plain_history', 'predicted_clv', '... nor in its history');
SELECT hasnt_column('tclv', 'plain_segments', 'predicted_clv', '... nor in its segments view');

SELECT throws_ok($$SELECT rfm.create_tiers('tclv.x', 'tclv.small', 'customer', 'ordered_on', 'amount', clv => NULL)$$,
  '22004', NULL, 'clv => NULL refused');

SELECT lives_ok($$SELECT rfm.drop_tiers('tclv.cd'), rfm.drop_tiers('tclv.small_tiers'),
                         rfm.drop_tiers('tclv.once_tiers'), rfm.drop_tiers('tclv.heavy_tiers'),
                         rfm.drop_tiers('tclv.plain'), rfm.drop_tiers('tclv.ushape_tiers')$$, 'drop_tiers');
SELECT is((SELECT count(*)::int FROM pg_class WHERE relnamespace = 'tclv'::regnamespace AND relkind IN ('m', 'v')
             AND relname NOT IN ('direct', 'heavy_inputs', 'ushape_direct')), 0, 'tier tables and their views are gone');

SELECT * FROM finish();
DROP SCHEMA tclv CASCADE;
