-- rfm.bgnbd_expected_purchases over test/clv_sweep.sql's grid (t > 0,
-- x <= 1e5: 3,780 points), each value or its SQLSTATE, as CSV on stdout
-- (bench/clv_accuracy/run.sh).
SET client_min_messages = warning;
SET extra_float_digits = 3;
\ir ../../test/include/clv_sweep_grid.psql
DELETE FROM customers WHERE x > 1e5;
CREATE TEMP TABLE predictions (r float8, alpha float8, a float8, b float8, x float8, t_x float8, tenure float8,
                               t float8, expected float8, sqlstate text, message text);
DO $$
DECLARE f record; c record; h float8;
BEGIN
  FOR f IN SELECT * FROM pg_temp.fits LOOP
    FOR c IN SELECT * FROM pg_temp.customers LOOP
      FOREACH h IN ARRAY ARRAY[1e-3, 1, 52]::float8[] LOOP
        BEGIN
          INSERT INTO pg_temp.predictions
          VALUES (f.r, f.alpha, f.a, f.b, c.x, c.t_x, c.tenure, h,
                  rfm.bgnbd_expected_purchases(f.fit, h, c.x, c.t_x, c.tenure), NULL, NULL);
        EXCEPTION WHEN OTHERS THEN
          INSERT INTO pg_temp.predictions (r, alpha, a, b, x, t_x, tenure, t, sqlstate, message)
          VALUES (f.r, f.alpha, f.a, f.b, c.x, c.t_x, c.tenure, h, SQLSTATE, SQLERRM);
        END;
      END LOOP;
    END LOOP;
  END LOOP;
END $$;
COPY (SELECT r, alpha, a, b, x, t_x, tenure, t, expected, sqlstate, message FROM predictions
      ORDER BY r, alpha, a, b, x, t_x, tenure, t) TO STDOUT CSV HEADER;
