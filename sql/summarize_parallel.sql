-- rfm.summarize under a forced parallel plan gives exactly the serial
-- results: partial states are built in workers, serialized, deserialized
-- and combined.  Comparison is against the serial plan on the same data.
SET client_min_messages = warning;
SELECT setseed(0.42);
CREATE TABLE par_orders AS
SELECT (random() * 500)::int AS customer,
       DATE '2023-01-01' + (random() * 400)::int AS ordered_on,
       CASE WHEN random() < 0.05 THEN -round((random() * 50)::numeric, 2)
            ELSE round((random() * 200)::numeric, (random() * 3)::int) END AS amount
  FROM generate_series(1, 60000);
ANALYZE par_orders;

-- Serial results.
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_by_customer AS
SELECT customer, (rfm.summarize(ordered_on, amount)).* FROM par_orders GROUP BY customer;
CREATE TEMP TABLE serial_total AS
SELECT (rfm.summarize(ordered_on, amount)).* FROM par_orders;

-- Force a parallel plan; the leader only gathers, so workers do the work.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;

EXPLAIN (COSTS OFF)
SELECT rfm.summarize(ordered_on, amount) FROM par_orders;

-- The grouped form is planned with partial aggregation too.
CREATE FUNCTION plan_has_partial(query text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE plan text;
BEGIN
  FOR plan IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF plan LIKE '%Partial%Aggregate%' THEN RETURN true; END IF;
  END LOOP;
  RETURN false;
END $$;
SELECT plan_has_partial(
  'SELECT customer, rfm.summarize(ordered_on, amount) FROM par_orders GROUP BY customer');

CREATE TEMP TABLE parallel_by_customer AS
SELECT customer, (rfm.summarize(ordered_on, amount)).* FROM par_orders GROUP BY customer;
CREATE TEMP TABLE parallel_total AS
SELECT (rfm.summarize(ordered_on, amount)).* FROM par_orders;

-- Identical, row for row (0 differences either way), and non-trivial.
SELECT (SELECT count(*) FROM (SELECT * FROM serial_by_customer
                              EXCEPT SELECT * FROM parallel_by_customer) d) AS only_serial,
       (SELECT count(*) FROM (SELECT * FROM parallel_by_customer
                              EXCEPT SELECT * FROM serial_by_customer) d) AS only_parallel,
       (SELECT count(*) FROM parallel_by_customer) AS customers;
SELECT (SELECT count(*) FROM (SELECT * FROM serial_total
                              EXCEPT SELECT * FROM parallel_total) d) AS total_differs;

-- Independent check of the totals with built-in aggregates on the same rows.
SELECT t.frequency = b.frequency AS frequency_ok,
       t.monetary = b.monetary AS monetary_ok,
       t.refunds = b.refunds AS refunds_ok,
       t.purchase_days = b.days AS days_ok,
       t.first_purchase = b.first_day AND t.last_purchase = b.last_day AS dates_ok
  FROM parallel_total t,
       (SELECT count(*) FILTER (WHERE amount > 0) AS frequency,
               sum(amount) AS monetary,
               -sum(amount) FILTER (WHERE amount < 0) AS refunds,
               count(DISTINCT ordered_on) FILTER (WHERE amount > 0) AS days,
               min(ordered_on) FILTER (WHERE amount > 0) AS first_day,
               max(ordered_on) FILTER (WHERE amount > 0) AS last_day
          FROM par_orders) b;

-- Same check per customer, including repeat_monetary from its definition.
WITH daily AS (
  SELECT customer, ordered_on, sum(amount) AS spend
    FROM par_orders WHERE amount > 0 GROUP BY customer, ordered_on
), firsts AS (
  SELECT DISTINCT ON (customer) customer, spend AS first_spend
    FROM daily ORDER BY customer, ordered_on
), builtin AS (
  SELECT d.customer, count(*) - 1 AS repeat_days,
         CASE WHEN count(*) > 1 THEN (sum(d.spend) - f.first_spend) / (count(*) - 1) ELSE 0 END AS repeat_monetary
    FROM daily d JOIN firsts f USING (customer)
   GROUP BY d.customer, f.first_spend
)
SELECT count(*) AS customers_checked,
       count(*) FILTER (WHERE p.repeat_days <> b.repeat_days
                           OR p.repeat_monetary <> b.repeat_monetary) AS mismatches
  FROM builtin b JOIN parallel_by_customer p USING (customer);
