-- Bad input to the CLV functions: each is an error with an errcode and a
-- message naming the function; none returns NaN.  err() runs a statement
-- and shows SQLSTATE and message.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- 20 small synthetic customers; the cases below break one rule each.
CREATE TEMP TABLE good AS
SELECT i, (i % 4)::float8 AS x, CASE WHEN i % 4 = 0 THEN 0 ELSE 1 + (i * 7) % 19 END::float8 AS t_x,
       (20 + i % 9)::float8 AS big_t, (10 + i % 5)::float8 AS m
  FROM generate_series(1, 20) i;

-- Too few customers, none at all, no repeat purchase.
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM good WHERE i <= 5');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM good WHERE false');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(0, 0, big_t) FROM good');
-- Negative, inconsistent, non-integer, non-finite customers.
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM (SELECT -1.0 AS x, 0.0 AS t_x, 3.0 AS big_t UNION ALL SELECT x, t_x, big_t FROM good) g');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM (SELECT 1.0 AS x, -2.0 AS t_x, 3.0 AS big_t) g');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM (SELECT 0.0 AS x, 0.0 AS t_x, -3.0 AS big_t) g');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM (SELECT 2.0 AS x, 30.0 AS t_x, 20.0 AS big_t) g');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM (SELECT 0.0 AS x, 4.0 AS t_x, 20.0 AS big_t) g');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM (SELECT 3.0 AS x, 0.0 AS t_x, 20.0 AS big_t) g');
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM (SELECT 1.5 AS x, 4.0 AS t_x, 20.0 AS big_t) g');
SELECT pg_temp.err($q$SELECT rfm.fit_bgnbd('NaN', 4.0, 20.0)$q$);
SELECT pg_temp.err($q$SELECT rfm.fit_bgnbd(1, 4.0, 'Infinity')$q$);
-- Identical customers: no heterogeneity, the likelihood has no maximum.
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(2, 10, 20) FROM generate_series(1, 50)');
-- The 20 small synthetic customers: the likelihood keeps rising as the
-- dropout beta degenerates (a, b -> infinity, every customer the same
-- dropout chance): an error, not a fit with absurd parameters.
SELECT pg_temp.err('SELECT rfm.fit_bgnbd(x, t_x, big_t) FROM good');

-- Gamma-Gamma: too few repeat buyers (one-time buyers are skipped),
-- non-positive spend for a repeat buyer, negative or fractional frequency,
-- identical spends (no maximum).
SELECT pg_temp.err('SELECT rfm.fit_gamma_gamma(x, m) FROM good WHERE i <= 12');
SELECT pg_temp.err('SELECT rfm.fit_gamma_gamma(x, m) FROM (SELECT 2.0 AS x, 0.0 AS m UNION ALL SELECT x, m FROM good) g');
SELECT pg_temp.err('SELECT rfm.fit_gamma_gamma(x, m) FROM (SELECT -2.0 AS x, 10.0 AS m) g');
SELECT pg_temp.err('SELECT rfm.fit_gamma_gamma(x, m) FROM (SELECT 2.5 AS x, 10.0 AS m) g');
SELECT pg_temp.err('SELECT rfm.fit_gamma_gamma(1 + i % 3, 25) FROM generate_series(1, 50) i');

-- Predictions: bad parameters, bad customers, bad horizons (a = 1 with
-- one beyond the series' term limit: the plain series would divide by a - 1).
CREATE TEMP TABLE f AS SELECT ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL)::rfm.bgnbd_fit AS bg,
                         ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::rfm.gamma_gamma_fit AS gg;
SELECT pg_temp.err('SELECT rfm.bgnbd_p_alive(ROW(0.243, -4.414, 0.793, 2.426, NULL, NULL, NULL, NULL)::rfm.bgnbd_fit, 1, 2, 3)');
SELECT pg_temp.err($q$SELECT rfm.bgnbd_p_alive(ROW('NaN', 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL)::rfm.bgnbd_fit, 1, 2, 3)$q$);
SELECT pg_temp.err('SELECT rfm.bgnbd_p_alive(ROW(NULL, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL)::rfm.bgnbd_fit, 1, 2, 3)');
SELECT pg_temp.err('SELECT rfm.bgnbd_expected_purchases(ROW(1, 1e-3, 1, 1, NULL, NULL, NULL, NULL)::rfm.bgnbd_fit, 1e5, 0, 0, 0)');
SELECT pg_temp.err('SELECT rfm.bgnbd_expected_purchases(bg, -1, 1, 2, 3) FROM f');
SELECT pg_temp.err('SELECT rfm.bgnbd_expected_purchases(bg, 10, 1, 4, 3) FROM f');
SELECT pg_temp.err('SELECT rfm.bgnbd_p_alive(bg, 1, 2, -3) FROM f');
SELECT pg_temp.err('SELECT rfm.gamma_gamma_expected_spend(ROW(6.25, 0.9, 15.44, NULL, NULL, NULL, NULL)::rfm.gamma_gamma_fit, 2, 10)');
SELECT pg_temp.err('SELECT rfm.gamma_gamma_expected_spend(gg, 2, -10) FROM f');
SELECT pg_temp.err('SELECT rfm.clv(bg, gg, 2, 5, 10, 20, -1, 4, 0.01) FROM f');
SELECT pg_temp.err('SELECT rfm.clv(bg, gg, 2, 5, 10, 20, 12, 0, 0.01) FROM f');
SELECT pg_temp.err('SELECT rfm.clv(bg, gg, 2, 5, 10, 20, 12, 4, -1) FROM f');

-- Inputs from summaries: bad unit, as_of before the last purchase; bad lifespan.
CREATE TEMP TABLE s AS SELECT rfm.summarize(d, 10) AS s FROM (VALUES ('2024-01-01'::date), ('2024-02-01')) v(d);
SELECT pg_temp.err($q$SELECT rfm.clv_inputs(s, '2024-03-01', 'months') FROM s$q$);
SELECT pg_temp.err($q$SELECT rfm.clv_inputs(s, '2024-01-15') FROM s$q$);
SELECT pg_temp.err($q$SELECT rfm.historical_clv(s, '2024-03-01', -1) FROM s$q$);
SELECT pg_temp.err($q$SELECT rfm.clv_columns(s, '2024-03-01', horizon_months => -1) FROM s$q$);

-- Horizons so long that t/(alpha+T+t) rounds to 1, or the 2F1 series needs
-- more than its term limit: 22003, never a wrong number.
SELECT pg_temp.err('SELECT rfm.bgnbd_expected_purchases(bg, 1e300, 1, 2, 3) FROM f');
SELECT pg_temp.err($q$SELECT rfm.bgnbd_expected_purchases(bg, 1e12, 1, 2, 3) FROM f$q$);

-- Many long periods for a young customer: each period sums a 2F1 series
-- afresh, about 40 (alpha+T+t)/(alpha+T) terms, so the whole call grows
-- with periods^2 (3,000 monthly periods of a customer of age 1 took
-- seconds, 100,000 hours).  Refused up front when the estimate passes the
-- one-series limit (50 million terms): 22003.  300 periods still run.
SELECT pg_temp.err($q$SELECT rfm.clv(row(1, 0.5, 2, 1, 0, 10, 1, true)::rfm.bgnbd_fit,
                                     row(1, 2, 1, 0, 10, 1, true)::rfm.gamma_gamma_fit, 0, 0, 0.5, 0, 3000, 10, 0)$q$);
SELECT pg_temp.err($q$SELECT rfm.clv(row(1, 0.5, 2, 1, 0, 10, 1, true)::rfm.bgnbd_fit,
                                     row(1, 2, 1, 0, 10, 1, true)::rfm.gamma_gamma_fit, 0, 0, 0.5, 0, 300, 10, 0)
                            > 0$q$) AS three_hundred_periods;
-- More than 1e9 repeat purchases: the likelihood's lgamma terms cancel to
-- rounding noise there (a fit "converged" to nonsense): 22023.
SELECT pg_temp.err($q$SELECT rfm.fit_gamma_gamma(f, m) FROM (SELECT 1e15::float8 AS f, (1 + i % 7)::float8 AS m
                                                                FROM generate_series(1, 20) i) s$q$);
SELECT pg_temp.err('SELECT rfm.bgnbd_expected_purchases(bg, 10, 1e10, 2, 3) FROM f');
-- The values in these messages are shown as SELECT shows them (until
-- 2026-12-07 as %g: 1.0000001 as "1", 1000000001 as "1e+09", t_x =
-- 2.0000001 "after T = 2" as "t_x = 2"), so the message says what is wrong.
SELECT pg_temp.err('SELECT rfm.bgnbd_p_alive(bg, 1.0000001, 1, 2) FROM f') AS not_whole;
SELECT pg_temp.err('SELECT rfm.bgnbd_p_alive(bg, 1, 2.0000001, 2) FROM f') AS t_x_after_t;
SELECT pg_temp.err('SELECT rfm.bgnbd_p_alive(bg, 1000000001, 1, 2) FROM f') AS over_1e9;
-- A summary built by hand with its first purchase after its last (no order
-- gives one; t_x came out negative): 22023.  An infinite last purchase: 22008.
SELECT pg_temp.err($q$SELECT rfm.clv_inputs(row('2020-01-15', '2020-01-01', 3, 3, 100, 0, 2, 50)::rfm.summary, '2020-01-31')$q$);
-- rfm.historical_clv of it too (through rfm.tenure_days; it would be
-- 100 * 1095 / (16 + 1) = 6441.18)
SELECT pg_temp.err($q$SELECT rfm.historical_clv(row('2020-01-15', '2020-01-01', 3, 3, 100, 0, 2, 50)::rfm.summary, '2020-01-31')$q$);
SELECT pg_temp.err($q$SELECT rfm.historical_clv(row('2020-01-01', 'infinity', 1, 1, 100, 0, 0, 0)::rfm.summary, '2020-01-31')$q$);
-- an infinite first purchase: 22008 from rfm.tenure_days, in both (not
-- PostgreSQL's "cannot subtract infinite dates" from t_x)
SELECT pg_temp.err($q$SELECT rfm.clv_inputs(row('infinity', '2020-01-01', 3, 3, 100, 0, 2, 50)::rfm.summary, '2020-01-31')$q$);
SELECT pg_temp.err($q$SELECT rfm.historical_clv(row('-infinity', '2020-01-01', 3, 3, 100, 0, 2, 50)::rfm.summary, '2020-01-31')$q$);
