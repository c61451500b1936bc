#!/usr/bin/env bash
# A customer state's fold while another transaction edits one of its rows
# (the owner may write rfm.customer_states by hand): the fold waits for it
# and merges the new orders into the edited row, as INSERT ... ON CONFLICT
# DO UPDATE does (it failed with XX000 "tuple concurrently updated" until
# 2026-12-06); at REPEATABLE READ it fails with 40001 and changes nothing;
# a row deleted or given another key meanwhile is 40001 too.  A row a role
# writes by hand while its state is dropped fails with 23503 (as the foreign
# key made it) instead of outliving the state.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_state_concurrent_edit
SCRATCH_DBS=$DB
. test/shell/lib/scratch.sh

dropdbs
createdb "$DB"
q "$DB" > /dev/null <<'SQL'
CREATE EXTENSION rfm;
CREATE TABLE orders (id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO orders (customer, ordered_on, amount) VALUES (1, '2024-01-05', 10), (2, '2024-01-06', 20), (3, '2024-01-07', 30);
SELECT rfm.customer_state_create('s', 'orders', 'customer', 'ordered_on', 'amount', 'id');
INSERT INTO orders (customer, ordered_on, amount) VALUES (1, '2024-02-01', 5), (2, '2024-02-02', 7);
SQL
state() { q "$DB" -c "SELECT string_agg(customer || ':' || frequency || ':' || monetary, ' ' ORDER BY customer) FROM rfm.customer_states"; }

# edit_during_fold EDIT_SQL ISOLATION: EDIT_SQL runs in a transaction that
# stays open 2 s while the fold (a refresh at ISOLATION, begun after the
# edit's transaction took its snapshot) waits for it.
edit_during_fold() {
  psql -X -q -At -d "$DB" -c "BEGIN; $1; SELECT pg_sleep(2); COMMIT" > /dev/null &
  sleep 0.7
  PGOPTIONS="-c default_transaction_isolation=${2// /\\ }" q "$DB" -v VERBOSITY=verbose \
    -c "SELECT rfm.customer_state_refresh('s')" > "$tmp/fold.out" 2>&1 && echo ok || echo failed
  wait
}

# By hand: customer 1 had 1 purchase, 10; the edit adds 100; the fold adds 5.
[ "$(edit_during_fold "UPDATE rfm.customer_states SET monetary = monetary + 100 WHERE customer = '1'" 'read committed')" = ok ] ||
  fail "a fold during an edit of a state row failed: $(cat "$tmp/fold.out")"
[ "$(state)" = "1:2:115 2:2:27 3:1:30" ] || fail "after a fold during an edit: $(state), not 1:2:115 2:2:27 3:1:30"
echo "ok: a fold waits for a transaction editing a state row and merges into the edited row"

INSERT_SQL="INSERT INTO orders (customer, ordered_on, amount) VALUES (1, '2024-03-01', 1)"
q "$DB" -c "$INSERT_SQL"
[ "$(edit_during_fold "UPDATE rfm.customer_states SET monetary = monetary + 100 WHERE customer = '1'" 'repeatable read')" = failed ] ||
  fail "a REPEATABLE READ fold during an edit of a state row succeeded"
grep -q '40001: rfm: a customer.s row of rfm.customer_states was changed by another transaction during this fold' "$tmp/fold.out" ||
  fail "a REPEATABLE READ fold during an edit failed unclearly: $(cat "$tmp/fold.out")"
[ "$(state)" = "1:2:215 2:2:27 3:1:30" ] || fail "after a failed fold: $(state), not 1:2:215 2:2:27 3:1:30 (the edit alone)"
echo "ok: at REPEATABLE READ it fails with 40001 and folds nothing"

[ "$(edit_during_fold "DELETE FROM rfm.customer_states WHERE customer = '1'" 'read committed')" = failed ] ||
  fail "a fold during a delete of a state row succeeded"
grep -q '40001: rfm: a customer.s row of rfm.customer_states was deleted by another transaction during this fold' "$tmp/fold.out" ||
  fail "a fold during a delete failed unclearly: $(cat "$tmp/fold.out")"
echo "ok: a row deleted during the fold: 40001"

# a row given another key meanwhile is not this customer's any more: 40001,
# and nothing merged into it (the new orders went into the renamed row)
q "$DB" -c "DELETE FROM orders WHERE customer = 1"
q "$DB" -c "SELECT rfm.customer_state_rebuild('s')" > /dev/null
q "$DB" -c "INSERT INTO orders (customer, ordered_on, amount) VALUES (2, '2024-03-02', 3)"
[ "$(edit_during_fold "UPDATE rfm.customer_states SET customer = '2x' WHERE customer = '2'" 'read committed')" = failed ] ||
  fail "a fold during a change of a state row's key succeeded: $(state)"
grep -q '40001: rfm: a customer.s row of rfm.customer_states was deleted by another transaction during this fold' "$tmp/fold.out" ||
  fail "a fold during a change of a row's key failed unclearly: $(cat "$tmp/fold.out")"
[ "$(state)" = "2x:2:27 3:1:30" ] || fail "after a fold during a key change: $(state), not 2x:2:27 3:1:30"
echo "ok: a row given another key during the fold: 40001, nothing merged into it"

# A role writing a row of its state by hand while the state is being
# dropped: the write waits for the drop, then fails with 23503, and no row
# outlives the state (one did, and went to the next role to create a state
# of that name, as the foreign key used to prevent).
ROLE=rfm_sce_keeper
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $ROLE" -c "CREATE ROLE $ROLE"
trap 'jobs -p | xargs -r kill 2>/dev/null || true; dropdbs; psql -X -q -d postgres -c "DROP ROLE IF EXISTS '"$ROLE"'" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
q "$DB" > /dev/null <<SQL
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO $ROLE;
CREATE TABLE keeper_orders (id bigserial PRIMARY KEY, customer text, ordered_on date, amount numeric);
INSERT INTO keeper_orders (customer, ordered_on, amount) VALUES ('a', '2024-01-01', 5);
ALTER TABLE keeper_orders OWNER TO $ROLE;
SET ROLE $ROLE;
SELECT rfm.customer_state_create('kept', 'keeper_orders', 'customer', 'ordered_on', 'amount', 'id');
SQL
psql -X -q -At -d "$DB" -c "SET ROLE $ROLE; BEGIN; SELECT rfm.customer_state_drop('kept'); SELECT pg_sleep(2); COMMIT" > /dev/null &
sleep 0.7
if q "$DB" -v VERBOSITY=verbose -c "SET ROLE $ROLE; INSERT INTO rfm.customer_states VALUES ('kept', 'secret', '2024-01-01', '2024-01-01', 1, 100)" \
     > "$tmp/insert.out" 2>&1; then
  fail "a row written by hand during the state's drop was accepted"
fi
wait
grep -q "23503: rfm: no customer state named 'kept' in rfm.customer_state_sources" "$tmp/insert.out" ||
  fail "a row written by hand during the drop failed unclearly: $(cat "$tmp/insert.out")"
[ "$(q "$DB" -c "SELECT count(*) FROM rfm.customer_states WHERE state_name = 'kept'")" = 0 ] ||
  fail "rows of the dropped state were left behind"
echo "ok: a row written by hand while its state is dropped: 23503 once the drop commits, nothing left behind"
