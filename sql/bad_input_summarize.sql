-- Bad-input matrix for rfm.summarize and its helpers (README, "Limits and
-- errors").  Each case is a clear error with an SQLSTATE or a documented
-- result.  Expected values checked by hand (comments), large ones with
-- python3 (noted where used).
\pset null '(null)'
SET client_min_messages = warning;

-- err(q): run q, return 'SQLSTATE: message' or 'ok' (keeps the matrix one
-- row per case and shows the errcode, which psql's default output hides).
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- 1. NULL in every argument.  Rows with a NULL date or amount are skipped;
-- a summary of only skipped rows is NULL; helpers return NULL for NULL.
SELECT (rfm.summarize(d, a)).* FROM (VALUES (NULL::date, 1::numeric), ('2024-01-01', NULL)) v(d, a);
SELECT (rfm.summarize(d, a)).* FROM (VALUES (NULL::timestamptz, 1::numeric)) v(d, a);
-- one good row among NULLs: 2024-01-02, 7 once
SELECT (rfm.summarize(d, a)).* FROM (VALUES (NULL::date, 1::numeric), ('2024-01-01', NULL), ('2024-01-02', 7)) v(d, a);
SELECT rfm.recency_days(NULL, '2024-01-01') AS r_null_s,
       rfm.recency_days(rfm.summarize('2024-01-01'::date, 1), NULL) AS r_null_asof,
       rfm.tenure_days(NULL, '2024-01-01') AS t_null_s,
       rfm.tenure_days(rfm.summarize('2024-01-01'::date, 1), NULL) AS t_null_asof,
       rfm.average_order_value(NULL) AS aov_null;

-- 2. Zero and negative amounts.  Zero only: a non-NULL summary with no
-- purchase.  Refunds only: frequency 0, NULL dates, monetary -(2.5 + 1) =
-- -3.5, refunds 3.5; recency NULL, aov NULL.
SELECT (rfm.summarize(d, a)).* FROM (VALUES ('2024-01-01'::date, 0::numeric), ('2024-01-02', 0.00)) v(d, a);
SELECT (s).*, rfm.recency_days(s, '2024-12-31') AS recency, rfm.average_order_value(s) AS aov
  FROM (SELECT rfm.summarize(d, a) s FROM (VALUES ('2024-01-01'::date, -2.5), ('2024-01-03', -1)) v(d, a)) x;
-- a refund before the first purchase does not move first_purchase (01-05):
-- purchases 10 on 01-05; monetary 10 - 4 = 6.
SELECT (rfm.summarize(d, a)).* FROM (VALUES ('2024-01-01'::date, -4), ('2024-01-05', 10)) v(d, a);
-- monetary's display scale is that of the non-zero amounts (README): 1.50
-- - 0.5 + 0.0000 = 1.00; 1.5 + 0.000 = 1.5 (sum() would print 1.500).
SELECT (rfm.summarize(d, a)).monetary AS scale_of_nonzero, sum(a) AS builtin_sum
  FROM (VALUES ('2024-01-01'::date, 1.50), ('2024-01-02', -0.5), ('2024-01-03', 0.0000)) v(d, a);
SELECT (rfm.summarize(d, a)).monetary AS zero_scale_dropped, sum(a) AS builtin_sum
  FROM (VALUES ('2024-01-01'::date, 1.5), ('2024-01-01', 0.000)) v(d, a);

-- 3. NaN and infinite amounts: 22023, for both signatures.
SELECT pg_temp.err($$SELECT rfm.summarize('2024-01-01'::date, 'NaN'::numeric)$$);
SELECT pg_temp.err($$SELECT rfm.summarize('2024-01-01 10:00+00'::timestamptz, 'NaN'::numeric)$$);
-- float amounts need an explicit cast (no implicit float8 or float4 ->
-- numeric): 42883
SELECT pg_temp.err($$SELECT rfm.summarize('2024-01-01'::date, 1.5::float8)$$);
SELECT pg_temp.err($$SELECT rfm.summarize('2024-01-01'::date, 1.5::real)$$);
-- the NaN is found even after good rows
SELECT pg_temp.err($$SELECT rfm.summarize(d, a) FROM (VALUES ('2024-01-01'::date, 1::numeric), ('2024-01-02', 'NaN')) v(d, a)$$);

-- 4. Dates far in the past and future.  Infinite dates: 22008.
SELECT pg_temp.err($$SELECT rfm.summarize('infinity'::date, 1)$$);
SELECT pg_temp.err($$SELECT rfm.summarize('-infinity'::timestamptz, 1)$$);
SELECT pg_temp.err($$SELECT rfm.recency_days(rfm.summarize('2024-01-01'::date, 1), 'infinity')$$);
-- a purchase after as_of: 22023
SELECT pg_temp.err($$SELECT rfm.recency_days(rfm.summarize('2024-01-02'::date, 1), '2024-01-01')$$);
-- a summary built by hand with an infinite purchase day: 22008 (infinity
-- would be 22023 "after as_of", and a day count from -infinity overflows).
-- recency reads the last purchase, tenure both (the last checked first).
SELECT pg_temp.err($$SELECT rfm.recency_days(ROW('2024-01-01', 'infinity', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')$$) AS recency_last_inf,
       pg_temp.err($$SELECT rfm.recency_days(ROW('-infinity', '-infinity', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')$$) AS recency_last_minus_inf;
SELECT pg_temp.err($$SELECT rfm.tenure_days(ROW('-infinity', '2024-01-01', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')$$) AS tenure_first_minus_inf,
       pg_temp.err($$SELECT rfm.tenure_days(ROW('2024-01-01', 'infinity', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')$$) AS tenure_last_inf;
-- an infinite first purchase before a finite last: 22008 too, not 22023
-- "first purchase after last" (the finite check comes first); also through
-- rfm.historical_clv, which takes its tenure from rfm.tenure_days
SELECT pg_temp.err($$SELECT rfm.tenure_days(ROW('infinity', '2024-01-01', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')$$) AS tenure_first_inf,
       pg_temp.err($$SELECT rfm.historical_clv(ROW('infinity', '2024-01-01', 1, 1, 1, 0, 0, 0)::rfm.summary, '2024-03-31')::text$$) AS clv_first_inf;
-- first purchase after the last (hand-built; tenure would be 30): 22023,
-- with as_of after both so only that rule can fail
SELECT pg_temp.err($$SELECT rfm.tenure_days(ROW('2025-03-01', '2024-12-01', 2, 2, 10, 0, 1, 5)::rfm.summary, '2025-03-31')$$) AS tenure_first_after_last;
-- the extreme finite dates: 4714-11-24 BC (Julian day 0) and
-- 5874897-12-31 (Julian day 2147483493, python3:
--   jd(y,m,d) Fliegel-Van Flandern for proleptic Gregorian, year -4713 = 4714 BC).
-- tenure = 2147483493 - 0 = 2147483493 (fits int4: max 2147483647);
-- recency = 0.
SELECT (s).first_purchase, (s).last_purchase, (s).purchase_days, (s).repeat_days,
       rfm.tenure_days(s, '5874897-12-31') AS tenure, rfm.recency_days(s, '5874897-12-31') AS recency
  FROM (SELECT rfm.summarize(d, 1) s FROM (VALUES ('4714-11-24 BC'::date), ('5874897-12-31')) v(d)) x;
-- timestamptz near its limits (294276 AD): the day in UTC
SET TimeZone = 'UTC';
SELECT (rfm.summarize(t, 1)).last_purchase FROM (VALUES ('294276-12-31 23:59:59+00'::timestamptz)) v(t);
-- ... and the earliest timestamptz, 4714-11-24 00:00 BC UTC, in a zone
-- 167 hours west of UTC: its ::date is 4714-11-17 BC, 7 days before the
-- first date date's input takes.  Every way of reading agrees (the SQL
-- path and customer states refused it as an "invalid customer state value",
-- XX001).  recency at 2024-01-01: its Julian day 2460311 (python3
-- Fliegel-Van Flandern as above) + 7 = 2460318; customer 2 bought on
-- 2023-11-24 there (10:00 UTC - 167 h), 38 days before.
CREATE TABLE pg_temp.earliest (c int, t timestamptz, a numeric);
INSERT INTO pg_temp.earliest VALUES (1, '4714-11-24 00:00:00+00 BC', 5), (2, '2023-12-01 10:00+00', 3);
SET TimeZone = '<-167>+167';
SELECT (s).first_purchase, rfm.recency_days(s, '2024-01-01') AS recency
  FROM (SELECT rfm.summarize(t, a) s FROM pg_temp.earliest WHERE c = 1) x;
SET rfm.direct_scan = off;
SELECT customer, first_purchase, recency_days FROM rfm.customer_scores('pg_temp.earliest', 'c', 't', 'a', 2, '2024-01-01') ORDER BY 1;
RESET rfm.direct_scan;
CREATE TABLE public.bad_summarize_earliest AS SELECT * FROM pg_temp.earliest;
SELECT rfm.customer_state_create('bad_summarize earliest', 'public.bad_summarize_earliest', 'c', 't', 'a', 't') AS customers;
SELECT customer, first_purchase, recency_days FROM rfm.customer_state_scores('bad_summarize earliest', 2, '2024-01-01') ORDER BY 1;
SELECT rfm.customer_state_drop('bad_summarize earliest') IS NOT NULL AS dropped;
DROP TABLE public.bad_summarize_earliest;
SET TimeZone = 'UTC';
-- A timestamp without time zone: rfm.summarize takes it through the
-- implicit cast to timestamptz in the session zone, rfm.customer_scores
-- takes its own day (README).  Pacific/Apia skipped 2011-12-30: 12:00 that
-- day becomes 2011-12-31 12:00 +14 through the cast; ::date keeps 12-30.
CREATE TABLE pg_temp.local_times (c int, t timestamp, a numeric);
INSERT INTO pg_temp.local_times VALUES (1, '2011-12-30 12:00', 10);
SET TimeZone = 'Pacific/Apia';
SELECT (rfm.summarize(t, a)).last_purchase AS through_the_cast,
       (rfm.summarize(t::date, a)).last_purchase AS own_day
  FROM pg_temp.local_times;
SELECT last_purchase AS customer_scores_day FROM rfm.customer_scores('pg_temp.local_times', 'c', 't', 'a', 2, '2012-01-01');
SET TimeZone = 'UTC';

-- 5. Timestamps around DST changes, in two time zones.  A timestamptz
-- counts as its calendar day in the session TimeZone.
-- America/New_York: 2024-03-10 02:00 EST -> 03:00 EDT (07:00 UTC);
--   06:59 UTC = 01:59 EST 03-10, 07:00 UTC = 03:00 EDT 03-10,
--   04:59 UTC = 23:59 EST 03-09, 2024-11-03 05:30 UTC = 01:30 EDT 11-03,
--   06:30 UTC = 01:30 EST 11-03 (the repeated hour), 2024-11-04 04:59 UTC =
--   23:59 EST 11-03.  Days: 03-09, 03-10, 11-03 -> purchase_days 3,
--   frequency 6, first 03-09, last 11-03.
-- Europe/Berlin: 2024-03-31 02:00 CET -> 03:00 CEST (01:00 UTC);
--   03-10 04:59, 06:59, 07:00 UTC = 05:59, 07:59, 08:00 CET 03-10;
--   11-03 05:30, 06:30 UTC = 06:30, 07:30 CET 11-03; 11-04 04:59 UTC =
--   05:59 CET 11-04.  Days: 03-10, 11-03, 11-04 -> 3, first 03-10, last
--   11-04: the same rows give other days than in New York.
CREATE TEMP TABLE dst_orders (t timestamptz, a numeric);
INSERT INTO dst_orders VALUES
  ('2024-03-10 06:59:00+00', 1), ('2024-03-10 07:00:00+00', 1), ('2024-03-10 04:59:00+00', 1),
  ('2024-11-03 05:30:00+00', 1), ('2024-11-03 06:30:00+00', 1), ('2024-11-04 04:59:00+00', 1);
SET TimeZone = 'America/New_York';
SELECT current_setting('TimeZone') AS tz, first_purchase, last_purchase, frequency, purchase_days
  FROM (SELECT (rfm.summarize(t, a)).* FROM dst_orders) s;
SET TimeZone = 'Europe/Berlin';
SELECT current_setting('TimeZone') AS tz, first_purchase, last_purchase, frequency, purchase_days
  FROM (SELECT (rfm.summarize(t, a)).* FROM dst_orders) s;
-- Berlin spring-forward night: 00:30 UTC = 01:30 CET 03-31 and 01:30 UTC =
-- 03:30 CEST 03-31: one day, two purchases.
SELECT (rfm.summarize(t, 1)).purchase_days, (rfm.summarize(t, 1)).frequency
  FROM (VALUES ('2024-03-31 00:30+00'::timestamptz), ('2024-03-31 01:30+00')) v(t);
RESET TimeZone;

-- 6. Empty table: no groups with GROUP BY; one NULL summary without.
CREATE TEMP TABLE no_orders (customer int, d date, a numeric);
SELECT customer, rfm.summarize(d, a) FROM no_orders GROUP BY customer;
SELECT rfm.summarize(d, a) IS NULL AS summary_is_null FROM no_orders;

-- 7. One customer with one order: repeat_days 0, repeat_monetary 0,
-- recency 2024-01-31 - 2024-01-01 = 30 = tenure; aov 19.99.
SELECT (s).*, rfm.recency_days(s, '2024-01-31') AS recency, rfm.tenure_days(s, '2024-01-31') AS tenure,
       rfm.average_order_value(s) AS aov
  FROM (SELECT rfm.summarize('2024-01-01'::date, 19.99) s) x;

-- 8. All customers identical: 1000 customers with the same two orders
-- (10 on 01-01, 30 on 01-05) give one distinct summary, held 1000 times.
SELECT count(*) AS customers, count(DISTINCT s::text) AS distinct_summaries, min(s::text) AS summary
  FROM (SELECT c, rfm.summarize(d, a) s
          FROM generate_series(1, 1000) c,
               (VALUES ('2024-01-01'::date, 10), ('2024-01-05', 30)) v(d, a)
         GROUP BY c) x;

-- 9. 10^6 orders for one customer.
-- (a) 1000 orders of 1.00 on each of 1000 days from 2000-01-01:
--     frequency 1000000, purchase_days 1000, last 2000-01-01 + 999 =
--     2002-09-26, monetary 1000000, repeat_monetary (1000000 - 1000)/999 = 1000.
SELECT (rfm.summarize(date '2000-01-01' + (i % 1000), 1.00)).*
  FROM generate_series(0, 999999) i;
-- (b) one order a day for 10^6 days from 2000-01-01 (amount i % 7, so
--     1/7 of the rows are zero and not purchases): python3:
--     import datetime; n=10**6; buy=[i for i in range(n) if i%7]
--     len(buy)=857142, first i=1 -> 2000-01-02, last i=999998 (999999 is
--     7*142857, a zero) -> date(2000,1,1)+timedelta(999998) = 4737-11-26;
--     monetary sum(i%7) = 2999997; repeat: (2999997 - 1)/(857142 - 1) =
--     2999996/857141 = 3.500002916673 -> 3.50000292 at 8 places.
SELECT first_purchase, last_purchase, frequency, purchase_days, monetary, repeat_days,
       round(repeat_monetary, 8) AS repeat_monetary_8
  FROM (SELECT (rfm.summarize(date '2000-01-01' + i, (i % 7)::numeric)).* FROM generate_series(0, 999999) i) s;

-- 10. Numeric overflow.  Sums are exact up to numeric's own limit (131072
-- digits before the point); past it: 22003 from numeric addition.
SELECT pg_temp.err($$SELECT rfm.summarize(d, pg_catalog.repeat('9', 131072)::numeric)
                      FROM (VALUES ('2024-01-01'::date), ('2024-01-02')) v(d)$$);
-- 10^1000 + 1 and 10^1000 - 1 on two days: monetary 2*10^1000 exactly,
-- repeat_monetary = 10^1000 - 1 (the second day's purchase) exactly.
SELECT (s).monetary = 2 * 10::numeric ^ 1000 AS monetary_exact,
       trunc(log((s).monetary)) AS monetary_log10,
       (s).repeat_monetary = 10::numeric ^ 1000 - 1 AS repeat_exact
  FROM (SELECT rfm.summarize(d, a) s FROM (VALUES ('2024-01-01'::date, 10::numeric ^ 1000 + 1),
                                                  ('2024-01-02', 10::numeric ^ 1000 - 1)) v(d, a)) x;
-- many decimals: exact, 0.1 + 0.2 = 0.3 (not 0.30000000000000004)
SELECT (rfm.summarize(d, a)).monetary FROM (VALUES ('2024-01-01'::date, 0.1), ('2024-01-01', 0.2)) v(d, a);
