-- pgTAP: rows rfm writes in batches (a new customer state, a new tier
-- table's fill, an in-place refresh's new rows: src/batch_insert.c) stay in
-- shared buffers until they fill about a quarter of them, where the next
-- refresh reads them; beyond that they go through PostgreSQL's 16 MB
-- bulk-write ring, so one big write cannot evict everything else.  Shown
-- with customer states and pg_buffercache: a state of fewer pages than a
-- quarter of shared buffers is all in them (the ring alone would leave at
-- most its own pages: shared buffers / 8, at most 2,048).  Needs
-- pg_buffercache and shared_buffers of at most 128MB (the default: the
-- state's size follows it), else skipped.  That a write bigger than a
-- quarter does switch to the ring: test/shell/batch_write_cache.sh.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
SELECT plan(3);

SELECT (setting::integer <= 16384
        AND EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_buffercache')) AS can_run,
       setting::integer AS nbuffers, setting::integer / 4 AS quarter, least(2048, setting::integer / 8) AS ring
  FROM pg_settings WHERE name = 'shared_buffers' \gset

\if :can_run
CREATE EXTENSION IF NOT EXISTS pg_buffercache;
CREATE SCHEMA bwc_t;
-- one order per customer; about 83 state rows fit in a page (fillfactor 70)
CREATE TABLE bwc_t.orders (id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
-- Which of rfm.customer_states' blocks are in shared buffers, read from
-- pg_buffercache before anything reads the table (finding a state's pages
-- by ctid reads them into shared buffers).
CREATE FUNCTION bwc_t.state_pages(state text) RETURNS TABLE (pages bigint, cached bigint) LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE cached_blocks ON COMMIT DROP AS
    SELECT b.relblocknumber::bigint AS block FROM pg_buffercache b
     WHERE b.relfilenode = pg_relation_filenode('rfm.customer_states')
       AND b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database());
  RETURN QUERY
    WITH p AS (SELECT DISTINCT (ctid::text::point)[0]::bigint AS block
                 FROM rfm.customer_states WHERE state_name = state)
    SELECT count(*), count(*) FILTER (WHERE p.block IN (SELECT c.block FROM cached_blocks c)) FROM p;
  DROP TABLE cached_blocks;
END $$;

-- A state of about three quarters of a quarter of shared buffers.
INSERT INTO bwc_t.orders (customer, ordered_on, amount)
  SELECT g, date '2024-01-01' + g % 300, 1 + g % 50 FROM generate_series(1, :quarter * 3 / 4 * 80) g;
SELECT rfm.customer_state_create('small', 'bwc_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
SELECT pages AS small_pages, cached AS small_cached FROM bwc_t.state_pages('small') \gset
SELECT cmp_ok(:small_pages, '>', :ring + 64, 'the small state has more pages than the bulk-write ring (' || :small_pages || ' > ' || :ring || ')');
SELECT cmp_ok(:small_pages, '<', :quarter, '... and fewer than a quarter of shared buffers (' || :quarter || ')');
-- all of them but a few the clock sweep may take (the ring alone: 69%)
SELECT cmp_ok(:small_cached, '>=', :small_pages * 95 / 100,
              '... (nearly) all of them in shared buffers after it is written (' || :small_cached || ')');

\else
SELECT skip('needs pg_buffercache and shared_buffers <= 128MB', 3);
\endif

SELECT * FROM finish();
ROLLBACK;
