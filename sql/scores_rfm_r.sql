-- Scores on the orders data set of the R rfm package (995 customers,
-- analysis date 2006-12-31, 5 bins).  Expected values come from an
-- independent Python computation on the same CSV (exact fractions):
-- type-7 quantile cut points, rfm's bin rule, and the R package's own rule
-- (its breaks are quantile + 1 and a value goes to bin i when
-- lower_i <= value < upper_i).  The two rules differ only for values
-- between a fractional quantile and the next integer.
SET client_min_messages = warning;
CREATE TABLE r_orders (customer_id text, order_date date, revenue numeric,
                       first_name text, last_name text, email text);
\copy r_orders from 'data/rfm_data_orders.csv' with (format csv, header)
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers, sum(revenue) AS revenue
  FROM r_orders;

CREATE TABLE r_rfm AS
SELECT customer_id,
       rfm.recency_days(s, DATE '2006-12-31')::numeric AS recency,
       (s).frequency::numeric AS frequency, (s).monetary AS monetary
  FROM (SELECT customer_id, rfm.summarize(order_date, revenue) AS s
          FROM r_orders GROUP BY customer_id) t;
CREATE TABLE r_breaks AS
SELECT rfm.breaks(recency) AS r, rfm.breaks(frequency) AS f, rfm.breaks(monetary) AS m FROM r_rfm;
-- Python: recency 114, 180, 296.4, 481; frequency 3, 4, 5, 7;
-- monetary 254.8, 381, 505.4, 665 (the package's documented custom-threshold
-- example, 115, 181, 297, 482 / 4, 5, 6, 8 / 256, 382, 506, 666, is these
-- plus one, monetary rounded).
SELECT r, f, m FROM r_breaks;

CREATE TABLE r_scores AS
SELECT customer_id, recency, frequency, monetary,
       rfm.score(recency, b.r, false) AS r_score,
       rfm.score(frequency, b.f) AS f_score,
       rfm.score(monetary, b.m) AS m_score,
       -- the R package's rule, for comparison
       5 - (SELECT count(*) FROM unnest(b.r) c WHERE recency >= c + 1)::int AS r_pkg,
       1 + (SELECT count(*) FROM unnest(b.f) c WHERE frequency >= c + 1)::int AS f_pkg,
       1 + (SELECT count(*) FROM unnest(b.m) c WHERE monetary >= c + 1)::int AS m_pkg
  FROM r_rfm, r_breaks b;

-- Python: histograms recency [197, 201, 198, 199, 200],
-- frequency [268, 187, 176, 244, 120], monetary [199, 201, 197, 203, 195].
SELECT s AS score,
       count(*) FILTER (WHERE r_score = s) AS r,
       count(*) FILTER (WHERE f_score = s) AS f,
       count(*) FILTER (WHERE m_score = s) AS m
  FROM r_scores, generate_series(1, 5) s GROUP BY s ORDER BY s;
-- Python: agreement with the package's rule 994, 995, 993 of 995.
SELECT count(*) FILTER (WHERE r_score = r_pkg) AS r_agree,
       count(*) FILTER (WHERE f_score = f_pkg) AS f_agree,
       count(*) FILTER (WHERE m_score = m_pkg) AS m_agree
  FROM r_scores;
-- Python: cell 555 has 35 customers, 111 has 75; three spot checks.
SELECT count(*) FILTER (WHERE (r_score, f_score, m_score) = (5, 5, 5)) AS cell_555,
       count(*) FILTER (WHERE (r_score, f_score, m_score) = (1, 1, 1)) AS cell_111
  FROM r_scores;
SELECT customer_id, recency, frequency, monetary, r_score, f_score, m_score
  FROM r_scores WHERE customer_id IN ('Abbey O''Reilly', 'Add Senger', 'Aden Lesch')
 ORDER BY customer_id;
-- Python: the only customers the two rules score differently, each a value
-- between a fractional cut point and the next integer:
--   Katlyn Mann recency 297 (cut 296.4): rfm 2, package 3;
--   Jerold Sporer monetary 506 (cut 505.4): rfm 4, package 3;
--   Skylar Hoeger monetary 255 (cut 254.8): rfm 2, package 1.
SELECT customer_id, recency, r_score, r_pkg, monetary, m_score, m_pkg
  FROM r_scores WHERE (r_score, f_score, m_score) IS DISTINCT FROM (r_pkg, f_pkg, m_pkg)
 ORDER BY customer_id;
