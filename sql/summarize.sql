-- rfm.summarize on small hand-built orders.  Every expected value below was
-- worked out by hand from the rows; the arithmetic is in the comments.
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';

CREATE TABLE orders (customer text, ordered_on date, amount numeric);
INSERT INTO orders VALUES
  -- alice: two purchases on 2024-01-01 (same day), one on 01-10, one refund
  ('alice', '2024-01-01', 10.00),
  ('alice', '2024-01-01', 5.50),
  ('alice', '2024-01-10', 20),
  ('alice', '2024-02-01', -3.25),
  ('alice', NULL,         100),     -- NULL time: skipped
  ('alice', '2024-03-01', NULL),    -- NULL amount: skipped
  -- bob: one order only
  ('bob',   '2024-05-05', 99.99),
  -- carol: only a refund (e.g. of an order before the data window)
  ('carol', '2024-01-01', -10),
  -- dave: a zero-amount row only (free sample): neither purchase nor refund
  ('dave',  '2024-01-01', 0),
  -- erin: three days, out of order, a refund larger than one purchase
  ('erin',  '2024-03-03', 7.125),
  ('erin',  '2024-01-15', 2),
  ('erin',  '2024-02-20', 1.875),
  ('erin',  '2024-02-20', 4),
  ('erin',  '2024-03-04', -20),
  -- frank: NULL rows only: no row counts, so the summary is NULL
  ('frank', NULL, 5),
  ('frank', '2024-01-01', NULL);

-- alice: frequency 3 (10.00, 5.50, 20); purchase days {01-01, 01-10} = 2;
--   monetary 10.00+5.50+20-3.25 = 32.25; refunds 3.25; repeat_days 1;
--   repeat_monetary = (35.50 - first-day 15.50) / 1 = 20
-- bob: 1 purchase, 1 day, monetary 99.99, repeat 0, repeat_monetary 0
-- carol: no purchase: NULL dates, frequency 0, monetary -10, refunds 10
-- dave: frequency 0, monetary 0, refunds 0
-- erin: purchases 2 + 1.875 + 4 + 7.125 = 15; days {01-15, 02-20, 03-03} = 3;
--   monetary 15 - 20 = -5; refunds 20; repeat_days 2;
--   repeat_monetary = (15 - 2) / 2 = 6.5; first 01-15, last 03-03
-- frank: NULL summary
SELECT customer, (s).*
  FROM (SELECT customer, rfm.summarize(ordered_on, amount) AS s
          FROM orders GROUP BY customer) t
 ORDER BY customer;

-- Empty input gives NULL.
SELECT rfm.summarize(ordered_on, amount) IS NULL AS empty_is_null
  FROM orders WHERE false;

-- Recency and tenure on 2024-03-31: alice 03-31 - 01-10 = 81, tenure
-- 03-31 - 01-01 = 90; erin 03-31 - 03-03 = 28, tenure 03-31 - 01-15 = 76.
-- carol has no purchase: NULL.  Average order value: alice 32.25/3 = 10.75,
-- erin -5/4 = -1.25 (four purchase rows), carol NULL.
SELECT customer,
       rfm.recency_days(s, '2024-03-31') AS recency,
       rfm.tenure_days(s, '2024-03-31') AS tenure,
       round(rfm.average_order_value(s), 4) AS aov
  FROM (SELECT customer, rfm.summarize(ordered_on, amount) AS s
          FROM orders WHERE customer IN ('alice', 'carol', 'erin')
         GROUP BY customer) t
 ORDER BY customer;

-- Integer and other numeric types cast to numeric: 1 + 2 + 3 = 6 over
-- days 01-01 and 01-02; repeat_monetary = (6 - 1) / 1 = 5.
SELECT (rfm.summarize(d, a)).*
  FROM (VALUES ('2024-01-01'::date, 1), ('2024-01-02', 2), ('2024-01-02', 3)) v(d, a);

-- Many decimals stay exact: 0.1 + 0.2 + 0.0000000001 = 0.3000000001 (no
-- float rounding); scales are mixed on purpose.
SELECT (rfm.summarize(d, a)).monetary
  FROM (VALUES ('2024-01-01'::date, 0.1), ('2024-01-02', 0.2),
               ('2024-01-03', 0.0000000001)) v(d, a);

-- Sums beyond 128-bit integers stay exact (numeric fallback):
-- 3 * 9e40 = 2.7e41, minus refund 1e40 = 2.6e41.
SELECT (s).monetary = 2.6e41 AS big_exact, (s).refunds = 1e40 AS big_refunds
  FROM (SELECT rfm.summarize(d, a) AS s
          FROM (VALUES ('2024-01-01'::date, 9e40), ('2024-01-02', 9e40),
                       ('2024-01-03', 9e40), ('2024-01-04', -1e40)) v(d, a)) t;

-- timestamptz: the calendar day in the session time zone.  2024-01-01
-- 23:30 UTC is 2024-01-02 in Shanghai (UTC+8) but 2024-01-01 in UTC.
SET TimeZone = 'UTC';
SELECT (s).first_purchase, (s).purchase_days
  FROM (SELECT rfm.summarize(t, 1) AS s
          FROM (VALUES ('2024-01-01 23:30+00'::timestamptz),
                       ('2024-01-01 01:00+00')) v(t)) x;
SET TimeZone = 'Asia/Shanghai';
SELECT (s).first_purchase, (s).last_purchase, (s).purchase_days
  FROM (SELECT rfm.summarize(t, 1) AS s
          FROM (VALUES ('2024-01-01 23:30+00'::timestamptz),
                       ('2024-01-01 01:00+00')) v(t)) x;
RESET TimeZone;

-- Bad input: NaN and infinite amounts, infinite dates, purchase after as_of.
\set VERBOSITY sqlstate
SELECT rfm.summarize(d, 'NaN'::numeric) FROM (VALUES ('2024-01-01'::date)) v(d);
SELECT rfm.summarize('infinity'::date, 1);
SELECT rfm.summarize('-infinity'::timestamptz, 1);
SELECT rfm.recency_days(rfm.summarize('2024-01-10'::date, 1), '2024-01-01');
\set VERBOSITY default
SELECT rfm.recency_days(rfm.summarize('2024-01-10'::date, 1), '2024-01-01');
SELECT rfm.summarize(d, 'NaN'::numeric) FROM (VALUES ('2024-01-01'::date)) v(d);
-- Same day as as_of is recency 0.
SELECT rfm.recency_days(rfm.summarize('2024-01-10'::date, 1), '2024-01-10');
