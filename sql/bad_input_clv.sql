-- Bad-input matrix for customer lifetime value (README, "Limits and
-- errors" and "Customer lifetime value" / Errors): NULLs, NaN/infinite and
-- negative inputs, empty / one / identical populations, unknown units,
-- overflow-sized horizons.  Results are checked against the documented
-- rules: STRICT wrappers give NULL for NULL, fits skip rows with a NULL,
-- 22023 for negative/NaN/infinite values and bad options, 22003 when the
-- likelihood has no interior maximum or a horizon is too long, and no
-- function returns NaN or infinity.
\pset null '(null)'
SET client_min_messages = warning;

\i sql/include/err.sql

-- A fixed, plausible BG/NBD and Gamma-Gamma fit (the CDNOW values of FHL
-- 2005 and Fader-Hardie-Lee 2005b) for the prediction functions.
CREATE TEMP TABLE fits AS
SELECT ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, true)::rfm.bgnbd_fit AS bg,
       ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, true)::rfm.gamma_gamma_fit AS gg;

-- NULLs ------------------------------------------------------------------
-- rfm.clv_inputs: NULL summary -> NULL; customer without purchases -> NULL
SELECT rfm.clv_inputs(NULL, '2024-01-01') IS NULL AS null_summary,
       rfm.clv_inputs(rfm.summarize('2024-01-01'::date, -5), '2024-01-31') IS NULL AS refunds_only;
SELECT pg_temp.err($$SELECT rfm.clv_inputs(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', NULL)::text$$) AS null_unit;
-- NULL options of the SQL helpers: 22004, like rfm's other NULL arguments
-- (until 2026-12-06 22023 "..., got NULL"), also for a customer without
-- purchases
SELECT pg_temp.err($$SELECT rfm.historical_clv(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', NULL)::text$$) AS hist_null_lifespan,
       pg_temp.err($$SELECT rfm.historical_clv(NULL, '2024-01-31', NULL)::text$$) AS hist_null_lifespan_null_summary;
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', horizon_months => NULL)::text$$) AS columns_null_horizon,
       pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', unit => NULL)::text$$) AS columns_null_unit,
       pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, -5), '2024-01-31', lifespan_days => NULL)::text$$) AS columns_null_lifespan_refund_only;
-- STRICT predictions: any NULL argument -> NULL
SELECT rfm.bgnbd_p_alive(NULL, 1, 1, 2) AS p_alive_null_fit,
       rfm.bgnbd_p_alive(bg, NULL, 1, 2) AS p_alive_null_x,
       rfm.bgnbd_expected_purchases(bg, NULL, 1, 1, 2) AS expected_null_t,
       rfm.gamma_gamma_expected_spend(gg, 2, NULL) AS spend_null_monetary,
       rfm.clv(bg, gg, 1, 1, 2, 10, NULL, 4.3, 0) AS clv_null_periods
  FROM fits;
-- fits skip rows with a NULL: only NULL rows is like no rows (too few
-- customers, 22023)
SELECT pg_temp.err($$SELECT rfm.fit_bgnbd(x, t_x, tenure)::text FROM (VALUES (NULL::float8, 1::float8, 2::float8)) v(x, t_x, tenure)$$) AS bgnbd_null_rows,
       pg_temp.err($$SELECT rfm.fit_gamma_gamma(f, m)::text FROM (VALUES (NULL::float8, 1::float8)) v(f, m)$$) AS gg_null_rows;
-- a NULL parameter inside a fit record: 22004
SELECT pg_temp.err($$SELECT rfm.bgnbd_p_alive(ROW(NULL, 4.414, 0.793, 2.426, NULL, NULL, NULL, true)::rfm.bgnbd_fit, 1, 1, 2)::text$$) AS null_param;

-- NaN, infinity, negative values: 22023 ----------------------------------
SELECT pg_temp.err($$SELECT rfm.bgnbd_p_alive(bg, 'NaN', 1, 2)::text FROM fits$$) AS p_alive_nan;
SELECT pg_temp.err($$SELECT rfm.bgnbd_p_alive(bg, 1, 'Infinity', 2)::text FROM fits$$) AS p_alive_inf;
SELECT pg_temp.err($$SELECT rfm.bgnbd_p_alive(bg, -1, 1, 2)::text FROM fits$$) AS p_alive_negative_x;
SELECT pg_temp.err($$SELECT rfm.gamma_gamma_expected_spend(gg, 2, -10)::text FROM fits$$) AS spend_negative;
-- also without repeat purchases, where monetary is not used (until
-- 2026-12-06 it was accepted there, while NaN was not); 0 is the value
SELECT pg_temp.err($$SELECT rfm.gamma_gamma_expected_spend(gg, 0, -5)::text FROM fits$$) AS spend_negative_no_repeats,
       pg_temp.err($$SELECT rfm.clv(bg, gg, 0, 0, 38.86, -5, 12, 4, 0)::text FROM fits$$) AS clv_negative_no_repeats,
       pg_temp.err($$SELECT round(rfm.gamma_gamma_expected_spend(gg, 0, 0)::numeric, 6)::text FROM fits$$) AS spend_zero_no_repeats;
-- the Gamma-Gamma fit uses repeat buyers only: a row with frequency 0 is
-- skipped whatever its monetary (NaN here); the others are fitted
SELECT (rfm.fit_gamma_gamma(f, m)).n_customers AS gg_fit_skips_frequency_0
  FROM (SELECT (1 + i % 5)::float8, (10 + (i * 7919) % 23)::float8 FROM generate_series(1, 50) i
        UNION ALL SELECT 0, 'NaN') v(f, m);
SELECT pg_temp.err($$SELECT rfm.fit_bgnbd(x, t_x, tenure)::text FROM (VALUES (1::float8, 'NaN'::float8, 2::float8)) v(x, t_x, tenure)$$) AS fit_nan;
SELECT pg_temp.err($$SELECT rfm.fit_gamma_gamma(f, m)::text FROM (VALUES (2::float8, '-Infinity'::float8)) v(f, m)$$) AS gg_fit_inf;
SELECT pg_temp.err($$SELECT rfm.historical_clv(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', -1)::text$$) AS negative_lifespan;
SELECT pg_temp.err($$SELECT rfm.clv(bg, gg, 1, 1, 2, 10, 12, 4.3, -1)::text FROM fits$$) AS discount_minus_one;

-- Unknown options: 22023 -------------------------------------------------
SELECT pg_temp.err($$SELECT rfm.clv_inputs(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', 'fortnights')::text$$) AS unknown_unit;
-- rfm.clv_columns names itself (it said rfm.clv_inputs, rfm.historical_clv),
-- also for a customer without purchases
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', unit => 'fortnights')::text$$) AS columns_unknown_unit,
       pg_temp.err($$SELECT rfm.clv_columns(NULL, '2024-01-31', unit => 'fortnights')::text$$) AS columns_unknown_unit_null_summary;
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', lifespan_days => -1)::text$$) AS columns_negative_lifespan;
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', horizon_months => -1)::text$$) AS negative_horizon;
-- past rfm.clv's 100,000 periods: said by rfm.clv_columns of horizon_months,
-- with or without fits (was "rfm.clv: periods must be ...", with fits only)
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', horizon_months => 100001)::text$$) AS horizon_over_limit,
       pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', horizon_months => 100000)::text$$) ~ '^\(' AS horizon_at_limit;
-- discount_rate is checked without fits too (only rfm.clv used it, and
-- rfm.clv is not called without fits): -1, NULL, NaN, -Infinity, a refund-only customer
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', discount_rate => -1)::text$$) AS discount_minus_one_no_fits;
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', discount_rate => NULL)::text$$) AS discount_null;
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', discount_rate => 'NaN')::text$$) AS discount_nan;
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, -5), '2024-01-31', discount_rate => '-Infinity')::text$$) AS discount_minus_inf_refund_only;
SELECT pg_temp.err($$SELECT rfm.clv_columns(rfm.summarize('2024-01-01'::date, 5), '2024-01-31', discount_rate => -0.99)::text$$) AS discount_just_above_minus_one;

-- Populations: empty, one customer, all identical --------------------------
-- empty or one customer: 22023, at least 10 customers are needed;
-- identical customers: the likelihood has no interior maximum (22003);
-- nobody repeats: 22023.  An error, never a made-up fit.
SELECT pg_temp.err($$SELECT rfm.fit_bgnbd(x, t_x, tenure)::text FROM (SELECT 1::float8, 1::float8, 1::float8 WHERE false) v(x, t_x, tenure)$$) AS bgnbd_empty,
       pg_temp.err($$SELECT rfm.fit_gamma_gamma(f, m)::text FROM (SELECT 1::float8, 1::float8 WHERE false) v(f, m)$$) AS gg_empty;
SELECT pg_temp.err($$SELECT rfm.fit_bgnbd(2, 30, 40)::text$$) AS bgnbd_one;
SELECT pg_temp.err($$SELECT rfm.fit_bgnbd(2, 30, 40)::text FROM generate_series(1, 1000)$$) AS bgnbd_identical;
SELECT pg_temp.err($$SELECT rfm.fit_gamma_gamma(2, 20)::text FROM generate_series(1, 1000)$$) AS gg_identical;
-- nobody repeats (x = 0 for all): no information on the repeat rate
SELECT pg_temp.err($$SELECT rfm.fit_bgnbd(0, 0, 40 + i % 10)::text FROM generate_series(1, 1000) i$$) AS bgnbd_no_repeats;

-- Overflow-sized horizons: 22003, never NaN or infinity -------------------
SELECT pg_temp.err($$SELECT rfm.bgnbd_expected_purchases(bg, 1e300, 2, 30, 40)::text FROM fits$$) AS horizon_1e300;
-- periods beyond 100000: 22023
SELECT pg_temp.err($$SELECT rfm.clv(bg, gg, 2, 30, 40, 20, 2147483647, 4.3, 0)::text FROM fits$$) AS periods_int_max;
