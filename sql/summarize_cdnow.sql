-- rfm.summarize on the public CDNOW sample (2,357 customers of the 1997 Q1
-- cohort), calibration period ending 1997-09-30.  Expected values are the
-- published ones (data/CDNOW_README.md) and the per-customer zbar and x
-- columns of data/cdnow_customers_summary_with_transactions.csv.
SET client_min_messages = warning;

CREATE TABLE cdnow_raw (line text);
\copy cdnow_raw (line) from 'data/CDNOW_sample.txt' with (format text, delimiter E'\x01')
CREATE TABLE cdnow AS
SELECT f[2]::int AS customer, to_date(f[3], 'YYYYMMDD') AS ordered_on,
       f[4]::int AS cds, f[5]::numeric AS amount
  FROM (SELECT regexp_split_to_array(btrim(line, E' \r'), '\s+') AS f FROM cdnow_raw) r;
SELECT count(*) AS rows, count(DISTINCT customer) AS customers FROM cdnow;

CREATE TABLE cdnow_published (id int, x int, t_x numeric, big_t numeric, zbar numeric);
\copy cdnow_published from 'data/cdnow_customers_summary_with_transactions.csv' with (format csv, header)

CREATE TABLE cdnow_calibration AS
SELECT customer, (rfm.summarize(ordered_on, amount)).*
  FROM cdnow WHERE ordered_on <= DATE '1997-09-30'
 GROUP BY customer;

-- Published: 2,357 customers, 2,457 repeat purchase days, 946 repeat
-- buyers, mean repeat spend 35.08 dollars.
SELECT count(*) AS customers,
       sum(repeat_days) AS repeat_purchase_days,
       count(*) FILTER (WHERE repeat_days > 0) AS repeat_buyers,
       round(avg(repeat_monetary) FILTER (WHERE repeat_days > 0), 2) AS mean_repeat_spend
  FROM cdnow_calibration;

-- Every customer: repeat_days equals the published x, repeat_monetary is
-- within 0.01 of zbar (the file is rounded to cents), t_x in weeks matches.
SELECT count(*) AS customers_compared,
       count(*) FILTER (WHERE c.repeat_days <> p.x) AS x_mismatches,
       count(*) FILTER (WHERE abs(c.repeat_monetary - p.zbar) > 0.01) AS zbar_mismatches,
       count(*) FILTER (WHERE round((c.last_purchase - c.first_purchase) / 7.0, 2) <> p.t_x) AS t_x_mismatches,
       count(*) FILTER (WHERE round((DATE '1997-09-30' - c.first_purchase) / 7.0, 2) <> p.big_t) AS t_mismatches
  FROM cdnow_calibration c JOIN cdnow_published p ON p.id = c.customer;

-- The whole period: the file's own totals, computed by the built-in
-- aggregates on the same rows, agree with rfm.summarize.
SELECT sum(frequency) = (SELECT count(*) FROM cdnow WHERE amount > 0) AS frequency_ok,
       sum(monetary) = (SELECT sum(amount) FROM cdnow) AS monetary_ok,
       sum(purchase_days) = (SELECT count(DISTINCT (customer, ordered_on)) FROM cdnow WHERE amount > 0) AS days_ok
  FROM (SELECT (rfm.summarize(ordered_on, amount)).* FROM cdnow GROUP BY customer) s;
