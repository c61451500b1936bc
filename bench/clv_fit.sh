#!/usr/bin/env bash
# Benchmark (not a test): fit BG/NBD and Gamma-Gamma on all 23,570 customers
# of data/CDNOW_master.txt (calibration end 1997-09-30, weeks), serial and
# with a parallel plan, on a throwaway cluster made by pg_virtualenv.
# Expects rfm built and installed (make && make install).
# Usage: bash bench/clv_fit.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-5}

pg_virtualenv -t -v "${PG_MAJOR:-15}" bash -c '
set -euo pipefail
createdb clv_bench
psql -X -q -v ON_ERROR_STOP=1 -d clv_bench -v repeats='"$REPEATS"' <<"SQL"
CREATE EXTENSION rfm;
CREATE TABLE raw (line text);
\copy raw (line) from '"'"'data/CDNOW_master.txt'"'"' with (format text, delimiter E'"'"'\x01'"'"')
CREATE TABLE orders AS
SELECT f[1]::int AS customer, to_date(f[2], '"'"'YYYYMMDD'"'"') AS ordered_on,
       f[3]::int AS cds, f[4]::numeric AS amount
  FROM (SELECT regexp_split_to_array(btrim(line, E'"'"' \r'"'"'), '"'"'\s+'"'"') AS f
          FROM raw WHERE line !~ '"'"'customer_id'"'"') r;
\echo orders and customers:
SELECT count(*) AS orders, count(DISTINCT customer) AS customers FROM orders;

-- Timing over every order (every order has CDs, some cost $0); spend over
-- dollars, with its own repeat purchase days (days with amount > 0).
\timing on
\echo summarize 23,570 customers:
CREATE TABLE cal AS
SELECT customer,
       (rfm.clv_inputs(rfm.summarize(ordered_on, cds), DATE '"'"'1997-09-30'"'"', '"'"'weeks'"'"')).*,
       (rfm.summarize(ordered_on, amount)).repeat_days AS spend_x,
       (rfm.summarize(ordered_on, amount)).repeat_monetary AS spend
  FROM orders WHERE ordered_on <= DATE '"'"'1997-09-30'"'"'
 GROUP BY customer;
\timing off
ANALYZE cal;
SELECT count(*) AS customers, count(DISTINCT (x, t_x, tenure)) AS distinct_triples,
       count(*) FILTER (WHERE x > 0) AS repeat_buyers FROM cal;

CREATE FUNCTION bench(q text, n int) RETURNS TABLE (runs int, best_ms numeric, median_ms numeric)
LANGUAGE plpgsql AS $f$
DECLARE t0 timestamptz; ms numeric[] := '"'"'{}'"'"';
BEGIN
  FOR i IN 1..n LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    ms := ms || (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric;
  END LOOP;
  RETURN QUERY SELECT n, round(min(v), 1),
                      round((percentile_cont(0.5) WITHIN GROUP (ORDER BY v))::numeric, 1)
                 FROM unnest(ms) v;
END $f$;

\echo BG/NBD fit (weeks):
SELECT (rfm.fit_bgnbd(x, t_x, tenure)).* FROM cal;
\echo Gamma-Gamma fit:
SELECT (rfm.fit_gamma_gamma(spend_x, spend)).* FROM cal;

SET max_parallel_workers_per_gather = 0;
\echo serial timings (ms):
SELECT '"'"'fit_bgnbd'"'"' AS fit, * FROM bench('"'"'SELECT rfm.fit_bgnbd(x, t_x, tenure) FROM cal'"'"', :repeats)
UNION ALL
SELECT '"'"'fit_gamma_gamma'"'"', * FROM bench('"'"'SELECT rfm.fit_gamma_gamma(spend_x, spend) FROM cal'"'"', :repeats);

SET max_parallel_workers_per_gather = 4;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
\echo parallel plan timings (ms):
SELECT '"'"'fit_bgnbd'"'"' AS fit, * FROM bench('"'"'SELECT rfm.fit_bgnbd(x, t_x, tenure) FROM cal'"'"', :repeats)
UNION ALL
SELECT '"'"'fit_gamma_gamma'"'"', * FROM bench('"'"'SELECT rfm.fit_gamma_gamma(spend_x, spend) FROM cal'"'"', :repeats);

\echo predictions for every customer (P(alive), 52-week purchases, 12-month CLV):
\timing on
SELECT count(*) AS customers, round(avg(p)::numeric, 4) AS mean_p_alive,
       round(sum(e)::numeric, 1) AS expected_purchases_52w, round(sum(v)::numeric, 2) AS clv_12m
  FROM cal, (SELECT (rfm.fit_bgnbd(x, t_x, tenure)) AS bg, rfm.fit_gamma_gamma(spend_x, spend) AS gg FROM cal) f,
       LATERAL (SELECT rfm.bgnbd_p_alive(f.bg, x, t_x, tenure) AS p,
                       rfm.bgnbd_expected_purchases(f.bg, 52, x, t_x, tenure) AS e,
                       rfm.clv(f.bg, f.gg, x, t_x, tenure, CASE WHEN spend_x > 0 THEN spend END, 12, 52 / 12.0, 0.01) AS v) z;
SQL
' 2>&1 | grep -v " LOG: "
