-- Historical CLV and the per-customer CLV columns for tier tables.
-- Hand-checked values:
--  alice: purchases 10.00 + 5.50 on 2024-01-01 and 20 on 2024-01-10, refund
--    -3.25 on 2024-02-01: monetary 32.25, frequency 3.  as_of 2024-03-31 is
--    90 days after the first purchase (31 + 29 + 30, 2024 is a leap year),
--    so 91 observed days.  Average order value 32.25 / 3 = 10.75, purchase
--    rate 3 / 91 per day:
--      lifespan 365:  10.75 * 3/91 * 365  = 129.3543956 -> 129.35
--      default 1095:  10.75 * 3/91 * 1095 = 388.0631868 -> 388.06
--  bob: one purchase of 50 on as_of: 1 observed day, 50 * 365 = 18250.00.
--  carol: refunds only: no purchase, NULL.
SET client_min_messages = warning;
SET extra_float_digits = 0;

CREATE TEMP TABLE orders (customer text, ordered_on date, amount numeric);
INSERT INTO orders VALUES
  ('alice', '2024-01-01', 10.00), ('alice', '2024-01-01', 5.50), ('alice', '2024-01-10', 20),
  ('alice', '2024-02-01', -3.25),
  ('bob', '2024-03-31', 50),
  ('carol', '2024-02-02', -7);
CREATE TEMP TABLE sums AS SELECT customer, rfm.summarize(ordered_on, amount) AS s FROM orders GROUP BY customer;

SELECT customer,
       rfm.historical_clv(s, '2024-03-31', 365) AS one_year,
       rfm.historical_clv(s, '2024-03-31') AS default_lifespan,
       rfm.historical_clv(s, '2024-03-31', 0) AS zero_lifespan
  FROM sums ORDER BY customer;

-- rfm.clv_inputs: x, t_x, T in days and weeks.  alice: 2 purchase days,
-- x = 1, t_x = 9 days, T = 90 days; m_x = 20 (the repeat day's spend).
SELECT customer, (rfm.clv_inputs(s, '2024-03-31', 'days')).*,
       round((rfm.clv_inputs(s, '2024-03-31')).tenure::numeric, 6) AS tenure_weeks
  FROM sums ORDER BY customer;

-- CLV columns.  CDNOW sample customer 1 (orders 29.33 on 1997-01-01, 29.73
-- on 1997-01-18, 14.96 on 1997-08-02; as_of 1997-09-30): x = 2,
-- t_x = 213/7, T = 272/7 weeks, m_x = 22.345.  With the published fits
-- (r 0.243, alpha 4.414, a 0.793, b 2.426; p 6.25, q 3.74, gamma 15.44),
-- python3 + scipy (formulas in sql/clv_predict.sql; a month is
-- 365.25/12/7 weeks, 12 months, 1% a month) gave: P(alive) 0.7265897218,
-- E[purchases] 1.5632080807, E[spend] 24.6596128609, CLV 36.3077453124;
-- historical CLV 74.02 * 1095 / 273 = 296.89.
CREATE TEMP TABLE c1 AS
SELECT rfm.summarize(d, a) AS s
  FROM (VALUES ('1997-01-01'::date, 29.33), ('1997-01-18', 29.73), ('1997-08-02', 14.96)) v(d, a);
CREATE TEMP TABLE fits AS
SELECT ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL)::rfm.bgnbd_fit AS bg,
       ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::rfm.gamma_gamma_fit AS gg;
SELECT k.historical_clv,
       abs(k.p_alive - 0.7265897218) < 1e-9 AS p_alive_ok,
       abs(k.expected_purchases - 1.5632080807) < 1e-9 AS purchases_ok,
       abs(k.expected_spend - 24.6596128609) < 1e-9 AS spend_ok,
       abs(k.predicted_clv - 36.3077453124) < 1e-8 AS clv_ok
  FROM c1, fits, rfm.clv_columns(c1.s, '1997-09-30', fits.bg, fits.gg) k;
-- In days with alpha x 7: the same model columns.
SELECT abs(k.p_alive - 0.7265897218) < 1e-9 AS p_alive_ok,
       abs(k.expected_purchases - 1.5632080807) < 1e-9 AS purchases_ok,
       abs(k.predicted_clv - 36.3077453124) < 1e-8 AS clv_ok
  FROM c1, fits,
       rfm.clv_columns(c1.s, '1997-09-30',
                       ROW(0.243, 4.414 * 7, 0.793, 2.426, NULL, NULL, NULL, NULL)::rfm.bgnbd_fit,
                       fits.gg, 'days') k;
-- Without fits only the historical column; without purchases all NULL.
SELECT (rfm.clv_columns(s, '2024-03-31')).* FROM sums ORDER BY customer;
