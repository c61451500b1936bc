-- pgTAP: the BG/NBD predictions over a grid of fits and customers far
-- wider than real fits give (r, alpha, a, b from 1e-3 to 1e4, a just
-- either side of 1, up to 10^9 repeat purchases), checked against what
-- must hold for any fit: every value finite, never -0, P(alive) in [0, 1],
-- E[Y(t)] >= 0, not decreasing in t, and at most P(alive) (r+x)/(alpha+T) t
-- (given alive at T the purchase rate's posterior is Gamma(r+x, alpha+T),
-- and dropping out only removes purchases), with 1e-9 of slack for the
-- rounding of tiny expectations (a near 1 multiplies it by c / |a - 1|);
-- CLV finite, >= 0, adding up to E[M] E[Y(t)] undiscounted and lowered by
-- discounting or fewer periods.  Before Euler's transformation was used for many
-- repeat purchases, 10^9 of them gave E[Y(1)] = -1585771.88.
BEGIN;
SELECT plan(12);

\ir include/clv_sweep_grid.psql

-- every call, its value or its SQLSTATE
CREATE TEMP TABLE predictions (r float8, alpha float8, a float8, b float8, x float8, t_x float8, tenure float8,
                               t float8, p_alive float8, expected float8, sqlstate text);
DO $$
DECLARE
  f record;
  c record;
  h float8;
BEGIN
  FOR f IN SELECT * FROM pg_temp.fits LOOP
    FOR c IN SELECT * FROM pg_temp.customers LOOP
      FOREACH h IN ARRAY ARRAY[0, 1e-3, 1, 52]::float8[] LOOP
        BEGIN
          INSERT INTO pg_temp.predictions
          VALUES (f.r, f.alpha, f.a, f.b, c.x, c.t_x, c.tenure, h,
                  rfm.bgnbd_p_alive(f.fit, c.x, c.t_x, c.tenure),
                  rfm.bgnbd_expected_purchases(f.fit, h, c.x, c.t_x, c.tenure), NULL);
        EXCEPTION WHEN OTHERS THEN
          INSERT INTO pg_temp.predictions (r, alpha, a, b, x, t_x, tenure, t, sqlstate)
          VALUES (f.r, f.alpha, f.a, f.b, c.x, c.t_x, c.tenure, h, SQLSTATE);
        END;
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

SELECT is((SELECT count(*)::int FROM predictions), 180 * 8 * 4, 'the grid: 180 fits, 8 customers, 4 horizons');
SELECT is((SELECT count(*)::int FROM predictions WHERE sqlstate IS NOT NULL), 0,
  'every point of the grid can be evaluated (no error)');
SELECT is((SELECT count(*)::int FROM predictions
            WHERE NOT (p_alive BETWEEN 0 AND 1) OR p_alive::text = '-0'), 0,
  'P(alive) is in [0, 1], never -0');
SELECT is((SELECT count(*)::int FROM predictions
            WHERE expected IN ('NaN', 'Infinity', '-Infinity') OR expected::text = '-0'), 0,
  'E[Y(t)] is finite, never -0');
SELECT is((SELECT count(*)::int FROM predictions WHERE expected < 0), 0, 'E[Y(t)] is never negative');
SELECT is((SELECT count(*)::int FROM predictions WHERE t = 0 AND expected <> 0), 0, 'E[Y(0)] = 0');
SELECT is((SELECT count(*)::int FROM predictions p1 JOIN predictions p2 USING (r, alpha, a, b, x, t_x, tenure)
            WHERE p1.t < p2.t AND p1.expected > p2.expected), 0,
  'E[Y(t)] does not decrease as the horizon grows');
SELECT is((SELECT count(*)::int FROM predictions
            WHERE expected > p_alive * (r + x) / (alpha + tenure) * t * (1 + 1e-9) + 1e-9), 0,
  'E[Y(t)] <= P(alive) (r + x) / (alpha + T) t');

-- CLV, monthly periods (customers with alpha + T >= 0.01 weeks: below
-- that a year needs millions of terms per period and the test would take
-- minutes).  Undiscounted, the per-period increments add up to E[M] E[Y(K L)];
-- discounting and fewer periods only lower it.
CREATE TEMP TABLE clvs AS
SELECT f.*, c.*, v.*, rfm.gamma_gamma_expected_spend(ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::rfm.gamma_gamma_fit,
                                                     c.x, 20) * rfm.bgnbd_expected_purchases(f.fit, 12 * 52 / 12.0, c.x, c.t_x, c.tenure) AS undiscounted
  FROM fits f, customers c,
       LATERAL (SELECT rfm.clv(f.fit, gg, c.x, c.t_x, c.tenure, 20, 12, 52 / 12.0, 0.01) AS clv12,
                       rfm.clv(f.fit, gg, c.x, c.t_x, c.tenure, 20, 12, 52 / 12.0, 0) AS clv12_flat,
                       rfm.clv(f.fit, gg, c.x, c.t_x, c.tenure, 20, 6, 52 / 12.0, 0.01) AS clv6
                  FROM (SELECT ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL)::rfm.gamma_gamma_fit AS gg) g) v
 WHERE f.alpha + c.tenure >= 0.01;

SELECT is((SELECT count(*)::int FROM clvs
            WHERE clv12 < 0 OR clv12 IN ('NaN', 'Infinity', '-Infinity') OR clv12::text = '-0' OR clv12 IS NULL), 0,
  'CLV is finite, >= 0 and never -0 over the grid');
SELECT is((SELECT count(*)::int FROM clvs
            WHERE abs(clv12_flat - undiscounted) > 1e-9 * undiscounted + 1e-9), 0,
  'undiscounted CLV = E[M] E[Y(12 months)]');
SELECT is((SELECT count(*)::int FROM clvs WHERE clv12 > clv12_flat OR clv6 > clv12), 0,
  'discounting and fewer periods never raise CLV');
SELECT cmp_ok((SELECT count(*)::int FROM clvs WHERE clv12 > 0), '>', 1000,
  'the CLV checks saw over a thousand customers with a positive value');

SELECT * FROM finish();
ROLLBACK;
