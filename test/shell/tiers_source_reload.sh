#!/usr/bin/env bash
# Tier tables and customer states while another session rewrites the source
# (README "Refresh"): a reload in one transaction (TRUNCATE, INSERT ...,
# COMMIT) and a column's retype.  rfm waits for that transaction and then
# must see what it committed, as a plain query that waited would:
#  1. rfm.refresh_tiers, rfm.alter_tiers, rfm.create_tiers and
#     rfm.customer_state_rebuild during a reload keep every customer (before
#     2026-12-06 each read the source with a snapshot from before the wait,
#     saw it empty, and emptied the tier table, its history day and the
#     state, logged as a success);
#  2. a refresh during ALTER COLUMN amount TYPE float8 fails with 42804 (the
#     README's "clear error" of a retyped source) and keeps the old rows;
#  3. rfm.drop_tiers during a refresh fails at once with 55P03 (it deadlocked
#     with the refresh, 40P01);
#  4. a view source, read by a role with SELECT on its three columns only:
#     a reload of a table under a view under it, or of a table in a
#     subquery of it, is waited for too (rfm took no lock on a view for
#     such a role: LOCK TABLE wants SELECT on the whole view).
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_tiers_source_reload
SCRATCH_DBS=$DB
ROLE=rfm_source_reload_analyst
. test/shell/lib/scratch.sh
trap 'jobs -p | xargs -r kill 2>/dev/null || true; dropdbs; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $ROLE" 2>/dev/null; rm -rf "$tmp"' EXIT

dropdbs
orders_db "$DB"
q "$DB" > /dev/null <<'SQL'
CREATE TABLE orders_copy AS TABLE orders;
SELECT rfm.create_tiers('public.t', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-12-31');
SELECT rfm.customer_state_create('s', 'public.orders', 'customer', 'ordered_on', 'amount', 'id');
SQL

# Another session reloads the orders in one transaction, committing after 3 s.
reload() {
  psql -X -q -At -d "$DB" -c "BEGIN; TRUNCATE orders; INSERT INTO orders TABLE orders_copy; SELECT pg_sleep(3); COMMIT" > /dev/null &
  sleep 1
}

# 1. during a reload
reload
q "$DB" -c "CALL rfm.refresh_tiers('public.t')"
wait
[ "$(q "$DB" -c 'SELECT count(*) FROM public.t')" = 300 ] || fail "a refresh during a reload emptied the tier table"
[ "$(q "$DB" -c "SELECT count(*) FROM public.t_history WHERE as_of = '2024-12-31'")" = 300 ] ||
  fail "a refresh during a reload emptied its history day"
echo "ok: refresh_tiers during a reload keeps all 300 customers (and the history day)"

reload
q "$DB" -c "SELECT rfm.alter_tiers('public.t', '{\"bins\": 4}')" > /dev/null
wait
[ "$(q "$DB" -c "SELECT count(*) || ' ' || max(r_score) FROM public.t")" = "300 4" ] ||
  fail "alter_tiers during a reload did not rebuild all 300 customers with 4 bins"
echo "ok: alter_tiers during a reload rebuilds all 300 customers"

reload
q "$DB" -c "SELECT rfm.create_tiers('public.t2', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-12-31')" > /dev/null
wait
[ "$(q "$DB" -c 'SELECT count(*) FROM public.t2')" = 300 ] || fail "create_tiers during a reload built an empty tier table"
echo "ok: create_tiers during a reload builds all 300 customers"

reload
q "$DB" -c "SELECT rfm.customer_state_rebuild('s')" > /dev/null
wait
[ "$(q "$DB" -c "SELECT count(*) FROM rfm.customer_states WHERE state_name = 's'")" = 300 ] ||
  fail "customer_state_rebuild during a reload emptied the state"
echo "ok: customer_state_rebuild during a reload keeps all 300 customers"

# 2. during a retype of the amount
psql -X -q -At -d "$DB" -c "BEGIN; ALTER TABLE orders ALTER amount TYPE float8; SELECT pg_sleep(3); COMMIT" > /dev/null &
sleep 1
if out=$(q "$DB" -c "CALL rfm.refresh_tiers('public.t')" 2>&1); then
  fail "a refresh during a retype of the amount to float8 succeeded"
fi
wait
grep -q 'amount' <<< "$out" || fail "the refresh failed, but not naming the amount: $out"
[ "$(q "$DB" -c "SELECT outcome || ' ' || sqlstate FROM rfm.refresh_log WHERE action = 'refresh' ORDER BY id DESC LIMIT 1")" = "failed 42804" ] ||
  fail "the failed refresh is not logged with 42804"
[ "$(q "$DB" -c 'SELECT count(*) FROM public.t')" = 300 ] || fail "the failed refresh did not keep the old rows"
q "$DB" -c "ALTER TABLE orders ALTER amount TYPE numeric"
echo "ok: a refresh during a retype of the amount fails with 42804 and keeps the old rows"

# 3. drop_tiers during a refresh (a view that takes 3 s to read)
q "$DB" > /dev/null <<'SQL'
CREATE VIEW slow_orders AS WITH pause AS MATERIALIZED (SELECT pg_sleep(3)) SELECT o.* FROM orders o, pause;
SELECT rfm.create_tiers('public.slow', 'public.slow_orders', 'customer', 'ordered_on', 'amount', as_of => '2024-12-31');
SQL
psql -X -q -At -d "$DB" -c "CALL rfm.refresh_tiers('public.slow')" > "$tmp/refresh.out" 2>&1 &
sleep 1
if out=$(q "$DB" -v VERBOSITY=verbose -c "SELECT rfm.drop_tiers('public.slow')" 2>&1); then
  fail "drop_tiers during a refresh succeeded"
fi
grep -q '55P03' <<< "$out" || fail "drop_tiers during a refresh failed, but not with 55P03: $out"
wait || fail "the refresh failed while drop_tiers was refused: $(cat "$tmp/refresh.out")"
[ "$(q "$DB" -c 'SELECT count(*) FROM public.slow')" = 300 ] || fail "the refreshed table lost rows"
echo "ok: drop_tiers during a refresh fails at once with 55P03, and the refresh succeeds"

# 4. a view (over a view, with a subquery) that the role may read three columns of
q "$DB" > /dev/null <<SQL
CREATE ROLE $ROLE;
CREATE TABLE vip (customer integer);
INSERT INTO vip SELECT DISTINCT customer FROM orders;
CREATE TABLE vip_copy AS TABLE vip;
CREATE VIEW orders_inner AS SELECT * FROM orders;
CREATE VIEW orders_v AS SELECT customer, ordered_on, amount, id FROM orders_inner
  WHERE customer IN (SELECT customer FROM vip);
GRANT SELECT (customer, ordered_on, amount) ON orders_v TO $ROLE;
GRANT CREATE ON SCHEMA public TO $ROLE;
SET ROLE $ROLE;
SELECT rfm.create_tiers('public.tv', 'public.orders_v', 'customer', 'ordered_on', 'amount', as_of => '2024-12-31');
SQL
for table in orders vip; do
  psql -X -q -At -d "$DB" -c "BEGIN; TRUNCATE $table; INSERT INTO $table TABLE ${table}_copy; SELECT pg_sleep(3); COMMIT" > /dev/null &
  sleep 1
  q "$DB" -c "SET ROLE $ROLE" -c "CALL rfm.refresh_tiers('public.tv')"
  wait
  [ "$(q "$DB" -c 'SELECT count(*) FROM public.tv')" = 300 ] ||
    fail "a refresh of a view source during a reload of $table (column privileges) emptied the tier table"
done
q "$DB" -c "DROP OWNED BY $ROLE"
echo "ok: a view source read with column privileges waits for reloads under it (a view under it, a subquery)"
