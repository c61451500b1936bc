-- Tier tables with clv => true, as users see them: too few customers for
-- the BG/NBD and Gamma-Gamma fits gives a NOTICE per model and NULL model
-- columns; historical_clv is still filled.  Values by hand (2024 is a leap
-- year), as_of 2024-03-31, historical_clv = monetary x 1095 / observed days
-- (as_of - first purchase + 1), rounded to cents:
--   alice 30 from 01-01: 91 days -> 360.99     bob 5 from 02-01: 60 -> 91.25
--   carol 130 from 01-05: 87 -> 1636.21        dave 1 from 2023-12-01: 122 -> 8.98
--   erin 7 on 03-31: 1 -> 7665.00
\set SHOW_CONTEXT never
SET client_min_messages = notice;
CREATE SCHEMA tiers_c;
CREATE TABLE tiers_c.orders (customer text, ordered_on date, amount numeric);
INSERT INTO tiers_c.orders VALUES
  ('alice', '2024-01-01', 10), ('alice', '2024-03-01', 20), ('alice', '2024-04-02', 1000),
  ('bob', '2024-02-01', 5),
  ('carol', '2024-01-05', 50), ('carol', '2024-03-30', 100), ('carol', '2024-03-30', -20),
  ('dave', '2023-12-01', 1),
  ('erin', '2024-03-31', 7);

SELECT rfm.create_tiers('tiers_c.customer_tiers', 'tiers_c.orders', 'customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', clv => true);
SELECT customer_id, monetary, historical_clv, p_alive, expected_purchases, expected_spend, predicted_clv
  FROM tiers_c.customer_tiers ORDER BY customer_id;
SELECT tier, keep_history, clv FROM rfm.tier_tables WHERE tier = 'tiers_c.customer_tiers'::regclass;

-- A refresh refits (and again finds too few customers); it succeeds.
-- frank: 3 from 03-10, 22 observed days: 3 x 1095 / 22 = 149.318 -> 149.32
-- The refresh is in place; its log message counts the rows it left alone,
-- replaced, added and removed (checked below against a before/after
-- comparison by whole-row image, *=), then the model note.
INSERT INTO tiers_c.orders VALUES ('frank', '2024-03-10', 3);
CREATE TEMP TABLE tiers_c_before AS SELECT * FROM tiers_c.customer_tiers;
CALL rfm.refresh_tiers('tiers_c.customer_tiers');
SELECT customer_id, historical_clv, p_alive FROM tiers_c.customer_tiers WHERE customer_id = 'frank';
SELECT action, row_count, outcome, message FROM rfm.refresh_log
 WHERE tier = 'tiers_c.customer_tiers'::regclass ORDER BY id;
SELECT pg_catalog.count(*) FILTER (WHERE b.customer_id IS NOT NULL AND a.customer_id IS NOT NULL AND b *= a) AS unchanged,
       pg_catalog.count(*) FILTER (WHERE b.customer_id IS NOT NULL AND a.customer_id IS NOT NULL AND NOT b *= a) AS updated,
       pg_catalog.count(*) FILTER (WHERE b.customer_id IS NULL) AS inserted,
       pg_catalog.count(*) FILTER (WHERE a.customer_id IS NULL) AS deleted
  FROM tiers_c_before b FULL JOIN tiers_c.customer_tiers a ON a.customer_id = b.customer_id;

SELECT rfm.create_tiers('tiers_c.t2', 'tiers_c.orders', 'customer', 'ordered_on', 'amount', clv => NULL);

-- clv off, then on again: the history table keeps the CLV columns of the
-- first snapshots, and on again uses them (no NOTICE per column, which
-- ADD COLUMN IF NOT EXISTS gave); the model NOTICEs as at creation.
SELECT rfm.alter_tiers('tiers_c.customer_tiers', '{"clv": false}');
SELECT rfm.alter_tiers('tiers_c.customer_tiers', '{"clv": true}');
SELECT count(*) AS snapshot_rows, count(historical_clv) AS with_historical_clv
  FROM tiers_c.customer_tiers_history;

SELECT rfm.drop_tiers('tiers_c.customer_tiers');
DROP SCHEMA tiers_c CASCADE;
