#!/usr/bin/env bash
# An in-place refresh whose transaction snapshot predates a REFRESH ...
# CONCURRENTLY that committed meanwhile (REPEATABLE READ: the snapshot is
# the transaction's first, taken before the refresh's lock) finds rows
# another transaction changed: 40001, as PostgreSQL's own UPDATE gives
# there, not the internal "tuple concurrently deleted" (XX000, until
# 2026-12-07).  The same steps at READ COMMITTED, whose snapshot is taken
# after the lock, succeed.  Two sessions, hence a shell test.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_tiers_refresh_snapshot
SCRATCH_DBS=$DB
. test/shell/lib/scratch.sh

dropdbs
orders_db "$DB"
q "$DB" -c "SELECT rfm.create_tiers('public.t', 'public.orders', 'customer', 'ordered_on', 'amount',
                                    as_of => '2024-12-31', keep_history => false)" > /dev/null

# attempt ISOLATION: new amounts for a third of the customers, then in one
# session a transaction that takes its snapshot, lets another session
# refresh the tier table concurrently, and refreshes it in place.
attempt() {
  q "$DB" -c "UPDATE orders SET amount = amount + 1 WHERE customer % 3 = 0"
  psql -X -q -At -d "$DB" 2>&1 <<SQL
\\set VERBOSITY verbose
BEGIN ISOLATION LEVEL $1;
SELECT count(*) FROM orders \\g /dev/null
\\! psql -X -q -d $DB -c 'REFRESH MATERIALIZED VIEW CONCURRENTLY public.t'
SELECT unchanged + updated AS rows FROM rfm._tier_refresh_in_place('public.t');
COMMIT;
SQL
}

out=$(attempt 'REPEATABLE READ')
grep -qx 'ERROR:  40001: rfm._tier_refresh_in_place: a row of public.t was changed by another transaction since this transaction'"'"'s snapshot' <<< "$out" ||
  fail "REPEATABLE READ: no 40001 naming the tier table: $out"
grep -q 'tuple concurrently' <<< "$out" && fail "REPEATABLE READ: the internal error: $out"

out=$(attempt 'READ COMMITTED')
grep -q 'ERROR' <<< "$out" && fail "READ COMMITTED: $out"
[ "$(tr -d ' \n' <<< "$out")" = 300 ] || fail "READ COMMITTED: not the 300 customers' rows: $out"

# the tier table holds the rows of the orders as they are now
diff=$(q "$DB" -c "SELECT count(*) FROM t FULL JOIN (SELECT customer, sum(amount) AS m FROM orders GROUP BY customer) o
                   ON o.customer = t.customer_id WHERE t.monetary IS DISTINCT FROM o.m")
[ "$diff" = 0 ] || fail "$diff customers' monetary differ from the orders"
echo "ok: an in-place refresh behind a concurrent one is 40001 at REPEATABLE READ and succeeds at READ COMMITTED"
