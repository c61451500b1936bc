-- pgTAP: a tier table over a source with row-level security for its
-- owner, refreshed as pg_restore refreshes it: as the owner, with
-- row_security = off (pg_dump's setting).  That failed with "query would
-- be affected by row-level security policy" and left the restored tier
-- table unpopulated; rfm._tier_rows now reads the source with the policy
-- applied, as every other refresh does.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
\set leftover_schema rls_t
\ir include/drop_leftover_tiers.psql
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rfm_t_rls') THEN CREATE ROLE rfm_t_rls; END IF;
END $$;
CREATE SCHEMA rls_t;
GRANT USAGE, CREATE ON SCHEMA rls_t TO rfm_t_rls;
-- the superuser's orders; the owner may see customers 1 and 2 only
CREATE TABLE rls_t.orders (customer integer, ordered_on date, amount numeric);
INSERT INTO rls_t.orders VALUES (1, '2024-03-01', 10), (1, '2024-03-20', 5), (2, '2024-02-01', 30),
  (3, '2024-03-30', 100), (4, '2024-01-15', 7);
ALTER TABLE rls_t.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_two ON rls_t.orders TO rfm_t_rls USING (customer <= 2);
GRANT SELECT ON rls_t.orders TO rfm_t_rls;
SELECT plan(5);

SET ROLE rfm_t_rls;
SELECT rfm.create_tiers('rls_t.fast', 'rls_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') \g /dev/null
SELECT rfm.create_tiers('rls_t.grouped', 'rls_t.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31',
                        clv => true) \g /dev/null
SELECT results_eq($$SELECT customer_id, frequency, monetary FROM rls_t.fast ORDER BY 1$$,
  $$VALUES (1, 2::bigint, 15::numeric), (2, 1, 30)$$, 'the owner''s tier table: the two customers its policy shows');
SET row_security = off;
SELECT lives_ok($$REFRESH MATERIALIZED VIEW rls_t.fast$$, 'a plain REFRESH with row_security off, as a restore runs it');
SELECT results_eq($$SELECT customer_id, frequency, monetary FROM rls_t.fast ORDER BY 1$$,
  $$VALUES (1, 2::bigint, 15::numeric), (2, 1, 30)$$, '... the same two customers');
SELECT lives_ok($$REFRESH MATERIALIZED VIEW rls_t.grouped$$, '... the grouped (CLV) path too');
SELECT results_eq($$SELECT customer_id FROM rls_t.grouped ORDER BY 1$$, $$VALUES (1), (2)$$, '... with the same customers');
RESET row_security;
RESET ROLE;

SELECT * FROM finish();
SELECT rfm.drop_tiers(tier) FROM rfm.tier_tables WHERE tier::text LIKE 'rls_t.%' \g /dev/null
DROP SCHEMA rls_t CASCADE;
DROP ROLE rfm_t_rls;
