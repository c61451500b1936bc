-- Exactness of rfm.summarize's sums against the built-in numeric sum() on
-- the same rows: random magnitudes from 1e-12 to 1e24, scales 0..14, both
-- signs, stored in a table (so amounts arrive in PostgreSQL's packed
-- on-disk form).  Any difference in any group is reported.
SET client_min_messages = warning;
SELECT setseed(0.17);
CREATE TABLE exact_orders AS
SELECT g % 97 AS customer,
       DATE '2020-01-01' + (g % 365) AS ordered_on,
       round(((random() - 0.2) * power(10, (random() * 36)::int - 12))::numeric,
             (random() * 14)::int) AS amount
  FROM generate_series(1, 20000) g;
SELECT count(*) FILTER (WHERE amount < 0) > 0 AS has_refunds,
       count(*) FILTER (WHERE amount > 1e20) > 0 AS has_huge,
       count(*) FILTER (WHERE amount <> 0 AND abs(amount) < 1e-9) > 0 AS has_tiny
  FROM exact_orders;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE (s).monetary IS DISTINCT FROM b.total) AS monetary_mismatches,
       count(*) FILTER (WHERE (s).refunds IS DISTINCT FROM b.refunds) AS refund_mismatches
  FROM (SELECT customer, rfm.summarize(ordered_on, amount) AS s FROM exact_orders GROUP BY customer) r
  JOIN (SELECT customer, sum(amount) AS total,
               coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS refunds
          FROM exact_orders GROUP BY customer) b USING (customer);
-- Beyond 128 bits: amounts near 1e35 with 10 decimals overflow the fast form.
SELECT (rfm.summarize(d, a)).monetary = sum(a) AS overflow_exact
  FROM (SELECT DATE '2020-01-01' + g AS d, 123456789012345678901234567890123.0123456789 * g AS a
          FROM generate_series(1, 50) g) v;
