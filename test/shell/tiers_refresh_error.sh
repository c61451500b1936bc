#!/usr/bin/env bash
# A failed rfm.refresh_tiers raises the error it met as it was, with what
# became of the refresh (README "Refresh"): the original DETAIL ("Failing
# row contains ...") before rfm's own, the original HINT or rfm's, and the
# object fields (schema, table, column, constraint, type) that clients
# read, and no CONTEXT of the call that raises it; only psql's verbose mode
# prints the fields, hence a shell test.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_tiers_refresh_error
SCRATCH_DBS=$DB
. test/shell/lib/scratch.sh

dropdbs
orders_db "$DB"
q "$DB" > /dev/null <<'SQL'
SELECT rfm.create_tiers('public.t', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-12-31');
-- every customer's monetary is above 1 (amounts 1..97, ten orders each)
ALTER TABLE t_history ADD CONSTRAINT small CHECK (monetary < 1) NOT VALID;
SQL
before=$(q "$DB" -c "SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) FROM t")

if out=$(psql -X -q -d "$DB" -v VERBOSITY=verbose -c '\set VERBOSITY verbose' -c "CALL rfm.refresh_tiers('public.t')" 2>&1); then
  fail "the refresh succeeded although every history row breaks the check"
fi
log_id=$(q "$DB" -c "SELECT max(id) FROM rfm.refresh_log WHERE action = 'refresh'")
expect() { grep -qxF -- "$1" <<< "$out" || fail "no line \"$1\" in:
$out"; }
expect 'ERROR:  23514: rfm.refresh_tiers: refresh of t failed: new row for relation "t_history" violates check constraint "small"'
grep -qE '^DETAIL:  Failing row contains \(12-31-2024|^DETAIL:  Failing row contains \(2024-12-31' <<< "$out" ||
  fail "the original DETAIL is missing: $out"
expect "The refresh of t was rolled back: the tier table, its history and its customer states are as they were (rfm.refresh_log id $log_id)."
expect 'HINT:  Call rfm.refresh_tiers again once the cause is fixed; the failure stays in rfm.refresh_log.'
expect 'SCHEMA NAME:  public'
expect 'TABLE NAME:  t_history'
expect 'CONSTRAINT NAME:  small'
grep -q '^COLUMN NAME:' <<< "$out" && fail "a column name field where the error had none: $out"
grep -q '^CONTEXT:' <<< "$out" && fail "a CONTEXT of rfm's own inner call: $out"

# An error without object fields raises none, and its own hint stays.
q "$DB" -c "ALTER TABLE t_history DROP CONSTRAINT small; ALTER TABLE orders RENAME COLUMN amount TO paid"
out=$(psql -X -q -d "$DB" -c '\set VERBOSITY verbose' -c "CALL rfm.refresh_tiers('public.t')" 2>&1) && fail "refresh without its amount column succeeded"
grep -q '^HINT:  Column names are matched exactly' <<< "$out" || fail "the error's own hint was replaced: $out"
grep -qE '^(SCHEMA|TABLE) NAME:' <<< "$out" && fail "object fields where the error had none: $out"

[ "$(q "$DB" -c "SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) FROM t")" = "$before" ] ||
  fail "the failed refreshes changed the tier table"
[ "$(q "$DB" -c "SELECT string_agg(outcome || ' ' || sqlstate, ', ' ORDER BY id) FROM rfm.refresh_log WHERE action = 'refresh'")" = \
  "failed 23514, failed 42703" ] || fail "the log does not hold the two failures"
echo "ok: a failed refresh keeps the error's detail, hint and object fields, and its log row"
