-- Tier tables: the documented example, error messages as users see them.
-- Values checked by hand (2024 is a leap year), as_of 2024-03-31:
--   alice: 2024-01-01 10, 2024-03-01 20           -> first 01-01, last 03-01,
--          frequency 2, monetary 30, recency 30
--   bob:   2024-02-01 5                           -> recency 29 + 30 = 59
--   carol: 2024-01-05 50, 2024-03-30 100, refund 2024-03-30 -20
--          -> frequency 2, monetary 130, recency 1
--   dave:  2023-12-01 1                           -> recency 31+31+29+30 = 121
--   erin:  2024-03-31 7                           -> recency 0
--   frank: refund only; gina: only after as_of    -> no row
--   revenue 30 + 5 + 130 + 1 + 7 = 173
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA tiers_r;
CREATE TABLE tiers_r.orders (customer text, ordered_on date, amount numeric);
INSERT INTO tiers_r.orders VALUES
  ('alice', '2024-01-01', 10), ('alice', '2024-03-01', 20), ('alice', '2024-04-02', 1000),
  ('bob', '2024-02-01', 5),
  ('carol', '2024-01-05', 50), ('carol', '2024-03-30', 100), ('carol', '2024-03-30', -20),
  ('dave', '2023-12-01', 1),
  ('erin', '2024-03-31', 7),
  ('frank', '2024-03-01', -5),
  (NULL, '2024-03-01', 99),
  ('gina', '2024-04-15', 40);

SELECT rfm.create_tiers('tiers_r.customer_tiers', 'tiers_r.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31');
SELECT customer_id, first_purchase, last_purchase, recency_days, frequency, monetary, as_of
  FROM tiers_r.customer_tiers ORDER BY customer_id;
-- Scores by hand: rfm.breaks cuts at type-7 quantiles j/5 of all customers,
-- rfm.score = 1 + cuts strictly below (recency reversed: fewer days is better).
--   recency 0,1,30,59,121  -> cuts 0.8, 18.4, 41.6, 71.4 -> erin 5, carol 4, alice 3, bob 2, dave 1
--   frequency 1,1,1,2,2    -> cuts 1, 1, 1.4, 2           -> frequency 1 scores 1, frequency 2 scores 4
--   monetary 1,5,7,30,130  -> cuts 4.2, 6.2, 16.2, 50     -> dave 1, bob 2, erin 3, alice 4, carol 5
SELECT customer_id, r_score, f_score, m_score, rfm_cell FROM tiers_r.customer_tiers ORDER BY customer_id;
-- Labels by hand from the rules in rfm.segment_rules (first match wins):
--   alice 3/4/4 Loyal Customers, bob 2/1/2 About To Sleep, carol 4/4/5 Champions,
--   dave 1/1/1 Lost, erin 5/1/3 Potential Loyalist (not New Customers: m 3 > 1);
--   tier3 by r+f+m: 11 potential, 5 marginal, 13 core, 3 marginal, 9 potential;
--   lifecycle: dave 121 days since last purchase >= 90 sleeping; erin first
--   bought 0 days ago < 30 new; the rest active.  In Chinese (README tables):
--   core 核心, potential 潜力, marginal 边缘; new 新客, active 活跃, sleeping 沉睡.
SELECT customer_id, segment, segment_zh, tier, tier_zh, lifecycle, lifecycle_zh FROM tiers_r.customer_tiers ORDER BY customer_id;
-- One customer per segment: share 0.2 each; revenue shares = monetary / 173
-- rounded half up to 4 places (python Decimal): 0.1734, 0.0289, 0.7514, 0.0058, 0.0405.
-- The other 7 of standard's 12 labels have a row too: 0 customers, share 0,
-- revenue 0, no means (listed by rule priority: New Customers 30, Promising
-- 40, Need Attention 60, Can't Lose Them 80, At Risk 90, Hibernating 110,
-- Others 999).
SELECT segment, customers, customer_share, revenue, revenue_share, mean_recency_days, mean_r_score
  FROM tiers_r.customer_tiers_segments ORDER BY revenue DESC, segment_priority;
SELECT sum(customers) AS customers, sum(revenue) AS revenue, sum(customer_share) AS share
  FROM tiers_r.customer_tiers_segments;
-- The order to list segments in: each label's rule priority in standard
-- (rfm.segment_rules): Champions 10, Loyal Customers 20, Potential
-- Loyalist 50, About To Sleep 70, Lost 100; the empty ones in between.
SELECT segment_priority, segment, segment_zh FROM tiers_r.customer_tiers_segments ORDER BY segment_priority;
SELECT count(*) AS cells, sum(customers) AS customers FROM tiers_r.customer_tiers_grid;
SELECT tier, source, customer_column, time_column, amount_column, customer_type, bins, scheme, as_of,
       keep_history, history_table, segments_view, grid_view
  FROM rfm.tier_tables;

-- A refresh picks up new orders; the log shows both runs.
INSERT INTO tiers_r.orders VALUES ('hank', '2024-03-15', 12);
CALL rfm.refresh_tiers('tiers_r.customer_tiers');
SELECT action, as_of, row_count, outcome FROM rfm.refresh_log ORDER BY id;

-- The source changes shape: a clear error, the old rows stay.
ALTER TABLE tiers_r.orders RENAME COLUMN amount TO amount_usd;
CALL rfm.refresh_tiers('tiers_r.customer_tiers');
SELECT count(*) AS customers, sum(monetary) AS revenue FROM tiers_r.customer_tiers;
SELECT action, outcome, sqlstate, message FROM rfm.refresh_log ORDER BY id DESC LIMIT 1;
ALTER TABLE tiers_r.orders RENAME COLUMN amount_usd TO amount;

-- Errors as users see them.
-- (terse: with pg_cron loaded for another database the error also says
-- which, test/shell/cron_other_database.sh)
\set VERBOSITY terse
SELECT rfm.schedule_refresh('tiers_r.customer_tiers', '0 3 * * *');   -- no pg_cron in this database
\set VERBOSITY default
\set VERBOSITY sqlstate
SELECT rfm.unschedule_refresh('tiers_r.customer_tiers');               -- 0A000 too, not false
SELECT rfm.schedule_refresh('tiers_r.customer_tiers', '0 3 * * *');
\set VERBOSITY default
SELECT rfm.create_tiers('tiers_r.t2', 'tiers_r.orders', 'customer', 'ordered_on', 'amount', bins => 12);
SELECT rfm.create_tiers('tiers_r.t2', 'tiers_r.orders', 'Customer', 'ordered_on', 'amount');
SELECT rfm.create_tiers('tiers_r.t2', 'tiers_r.orders', 'customer', 'customer', 'amount');
SELECT rfm.refresh_tiers('tiers_r.customer_tiers');                    -- a procedure: CALL it
BEGIN;
CALL rfm.refresh_tiers('tiers_r.customer_tiers');                      -- it commits: not in a transaction block
ROLLBACK;
SELECT * FROM rfm.transitions('tiers_r.customer_tiers', '2024-01-31', '2024-03-31');
CALL rfm.refresh_tiers('tiers_r.orders');

SELECT rfm.drop_tiers('tiers_r.customer_tiers');
SELECT count(*) AS left_behind FROM pg_class WHERE relnamespace = 'tiers_r'::regnamespace AND relname LIKE 'customer_tiers%';
SELECT count(*) AS catalog_rows, (SELECT count(*) FROM rfm.refresh_log) AS log_rows FROM rfm.tier_tables;
DROP SCHEMA tiers_r CASCADE;
