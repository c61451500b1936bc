-- The README worked example ("Scores and segments"): raw orders to scores,
-- labels (en/zh), tier, lifecycle stage, value8 type and playbook action.
-- Checked by hand and with a short python3 script (fractions) on the same
-- orders, as_of 2024-06-30:
--   recency  ann 2, ben 15, cai 90, dan 212, eve 97; frequency 4, 1, 3, 2, 2;
--   monetary 410, 40, 750, 55, 140 (eve: 90 - 20 refund + 70);
--   tenure   ann 172, ben 15, cai 241, dan 315, eve 150 days.
--   cuts (type 7, h = 4j/5 = 0.8, 1.6, 2.4, 3.2):
--     recency   {12.4, 60, 92.8, 120} -> r = 5, 4, 3, 1, 2
--     frequency {1.8, 2, 2.4, 3.2}    -> f = 5, 1, 4, 2, 2 (dan and eve tie; no 3)
--     monetary  {52, 106, 248, 478}   -> m = 4, 1, 5, 2, 3
--   standard: ann 5/5/4 Champions; ben 4/1/1 New Customers; cai 3/4/5 Loyal
--     Customers; dan 1/2/2 At Risk; eve 2/2/3 Need Attention (first match).
--   tier3 (r+f+m): 14 core, 6 marginal, 12 core, 5 marginal, 7 marginal.
--   lifecycle (30/90/180): ann active, ben new (tenure 15), cai sleeping
--     (recency 90), dan churned (212), eve sleeping (97).
--   value8 vs means: recency 83.2 (ann, ben recent), frequency 2.4 (ann,
--     cai), monetary 279 (ann, cai) -> ann 2/2/2 重要价值客户, ben 2/1/1
--     一般发展客户, cai 1/2/2 重要保持客户, dan and eve 1/1/1 一般挽留客户.
-- fay has a $0 line only (no purchase) and ann an order after as_of: the
-- recipe leaves both out, as rfm.customer_scores does (with fay, at
-- frequency 0, the frequency cut points would be {1, 2, 2, 3}: h = 5j/5 over
-- 0, 1, 2, 2, 3, 4; and ann's order would make recency_days an error).
SET client_min_messages = warning;
-- A private schema: all regression tests share one database.
CREATE SCHEMA segments_readme;
SET search_path = segments_readme, public;
CREATE TABLE orders (customer text, ordered_on date, amount numeric);
INSERT INTO orders VALUES
  ('ann', '2024-01-10', 120), ('ann', '2024-03-05', 80), ('ann', '2024-05-20', 150), ('ann', '2024-06-28', 60),
  ('ben', '2024-06-15', 40),
  ('cai', '2023-11-02', 200), ('cai', '2024-02-14', 300), ('cai', '2024-04-01', 250),
  ('dan', '2023-08-20', 30), ('dan', '2023-12-01', 25),
  ('eve', '2024-02-01', 90), ('eve', '2024-02-20', -20), ('eve', '2024-03-25', 70),
  ('fay', '2024-06-01', 0), ('ann', '2024-07-02', 999);

CREATE TABLE customer_rfm AS
SELECT customer, s,
       rfm.recency_days(s, '2024-06-30')::numeric AS recency,
       (s).frequency::numeric AS frequency,
       (s).monetary AS monetary
  FROM (SELECT customer, rfm.summarize(ordered_on, amount) AS s
          FROM orders WHERE ordered_on <= '2024-06-30' GROUP BY customer) t
 WHERE (s).frequency > 0;

SELECT rfm.breaks(recency) AS r_breaks, rfm.breaks(frequency) AS f_breaks,
       rfm.breaks(monetary) AS m_breaks
  FROM customer_rfm;

CREATE TABLE customer_scores AS
SELECT c.*,
       rfm.score(recency, b.r, higher_is_better => false) AS r,
       rfm.score(frequency, b.f) AS f,
       rfm.score(monetary, b.m) AS m
  FROM customer_rfm c,
       (SELECT rfm.breaks(recency) AS r, rfm.breaks(frequency) AS f,
               rfm.breaks(monetary) AS m FROM customer_rfm) b;

SELECT customer, recency, frequency, monetary, r, f, m,
       rfm.segment(r, f, m) AS segment,
       rfm.segment(r, f, m, lang => 'zh') AS segment_zh,
       rfm.segment(r, f, m, 'tier3') AS tier,
       rfm.lifecycle(s, '2024-06-30') AS stage,
       rfm.lifecycle(s, '2024-06-30', lang => 'zh') AS stage_zh
  FROM customer_scores ORDER BY customer;

SELECT customer, rfm.recommended_action(rfm.segment(r, f, m)) AS action
  FROM customer_scores ORDER BY customer;

-- The same customers, values and scores as rfm.customer_scores in one call.
SELECT count(*) AS differences FROM (
  (SELECT customer, recency::int, frequency::bigint, monetary, r, f, m FROM customer_scores
   EXCEPT ALL
   SELECT customer, recency_days, frequency, monetary, r_score, f_score, m_score
     FROM rfm.customer_scores('orders', 'customer', 'ordered_on', 'amount', as_of => '2024-06-30'))
  UNION ALL
  (SELECT customer, recency_days, frequency, monetary, r_score, f_score, m_score
     FROM rfm.customer_scores('orders', 'customer', 'ordered_on', 'amount', as_of => '2024-06-30')
   EXCEPT ALL
   SELECT customer, recency::int, frequency::bigint, monetary, r, f, m FROM customer_scores)) d;

-- value8: each of R, F, M high (2) or low (1) against the mean.
SELECT customer,
       rfm.segment(rfm.high_low(recency, avg(recency) OVER (), higher_is_better => false),
                   rfm.high_low(frequency, avg(frequency) OVER ()),
                   rfm.high_low(monetary, avg(monetary) OVER ()),
                   'value8', 'zh') AS value8
  FROM customer_rfm ORDER BY customer;
RESET search_path;
