#!/usr/bin/env bash
# What readers see while rfm.alter_tiers replaces a tier table (README
# "Changing a tier table"):
#  1. a reader of the _segments or _grid view, or of the history joined to
#     the tier table, that comes while an alter waits (here for the tier
#     table, which another session is reading) waits for the alter and gets
#     the new rows: before 2026-12-06 the alter took the tier table first
#     and the views when it dropped them, and one of the two died with
#     40P01;  a transaction that locked the source (TRUNCATE and reload,
#     say) and then reads the tier table does not deadlock with an alter
#     (the alter took the tier table before the source until 2026-12-06:
#     40P01);
#  2. a REPEATABLE READ reader whose snapshot is older than the alter sees
#     the new table's rows, as after REFRESH MATERIALIZED VIEW (it saw the
#     table empty, the rows being newer than its snapshot);
#  3. a refresh that starts during an alter waits for it and refreshes the
#     new table, logged under it (it went on with the dropped table's oid:
#     42P01, or 55P03 logged under that oid); one that starts during a drop
#     fails with 42704 once the drop commits and leaves no log row (its
#     row outlived the drop); at REPEATABLE READ the one during an alter
#     fails with 40001, saying why (it was PostgreSQL's bare message).
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_tiers_alter_readers
SCRATCH_DBS=$DB
export PGOPTIONS="-c client_min_messages=warning"
. test/shell/lib/scratch.sh

dropdbs
createdb "$DB"
q "$DB" > /dev/null <<'SQL'
CREATE EXTENSION rfm;
CREATE TABLE orders (customer integer, ordered_on date, amount numeric);
INSERT INTO orders SELECT c, date '2024-01-01' + (c * 7 + k * 37) % 300, (c * 13 + k * 29) % 500 / 4.0 + 1
  FROM generate_series(1, 2000) c, generate_series(1, 5) k;
SELECT rfm.create_tiers('public.t', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-12-31');
SQL

# alter_with_reader OPTIONS READER_SQL EXPECTED: the alter, holding the
# views, waits 2 s for the tier table (another session reads it) while the
# reader comes.
alter_with_reader() {
  psql -X -q -At -d "$DB" -c "BEGIN; SELECT count(*) FROM public.t; SELECT pg_sleep(2); COMMIT" > /dev/null &
  sleep 0.5
  q "$DB" -c "SELECT rfm.alter_tiers('public.t', '$1')" > "$tmp/alter.out" 2>&1 &
  local alter=$!
  sleep 0.5
  q "$DB" -c "$2" > "$tmp/reader.out" 2>&1 &
  local reader=$!
  wait "$alter" || fail "alter_tiers $1 with a reader of '$2' failed: $(cat "$tmp/alter.out")"
  wait "$reader" || fail "the reader '$2' during alter_tiers $1 failed: $(cat "$tmp/reader.out")"
  wait
  [ "$(cat "$tmp/reader.out")" = "$3" ] || fail "the reader '$2' during alter_tiers $1 got $(cat "$tmp/reader.out"), not $3"
}

# 1.
alter_with_reader '{"bins": 4}' 'SELECT sum(customers) FROM public.t_segments' 2000
alter_with_reader '{"bins": 3}' 'SELECT sum(customers) || '"' '"' || max(r_score) FROM public.t_grid' '2000 3'
echo "ok: readers of the _segments and _grid views during alter_tiers wait for it and see the new table"
alter_with_reader '{"clv": true}' 'SELECT count(*) FROM public.t_history h JOIN public.t USING (customer_id)' 2000
echo "ok: a reader of the history joined to the tier table during alter_tiers clv on waits for it"
# the source locked first, the tier table read after, while an alter comes
psql -X -q -At -d "$DB" -c "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2); SELECT count(*) FROM public.t; COMMIT" \
  > "$tmp/loader.out" 2>&1 &
loader=$!
sleep 0.5
q "$DB" -c "SELECT rfm.alter_tiers('public.t', '{\"clv\": false}')" > "$tmp/alter.out" 2>&1 ||
  fail "alter_tiers during a transaction that locked the source failed: $(cat "$tmp/alter.out")"
wait "$loader" || fail "a transaction that locked the source, then read the tier table during alter_tiers failed: $(cat "$tmp/loader.out")"
echo "ok: a transaction that locks the source and then reads the tier table does not deadlock with alter_tiers"

# 2. a REPEATABLE READ snapshot taken before the alter
mkfifo "$tmp/rr.in"
psql -X -q -At -d "$DB" < "$tmp/rr.in" > "$tmp/rr.out" 2>&1 &
exec 3> "$tmp/rr.in"
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM public.t_history;" >&3
sleep 0.5
q "$DB" -c "SELECT rfm.alter_tiers('public.t', '{\"bins\": 2, \"scheme\": \"value8\"}')" > /dev/null
sleep 0.5
echo "SELECT count(*) || ' ' || max(r_score) FROM public.t; SELECT sum(customers) FROM public.t_segments; COMMIT;" >&3
exec 3>&-
wait
[ "$(cat "$tmp/rr.out")" = "$(printf '2000\n2000 2\n2000')" ] ||
  fail "a REPEATABLE READ reader older than alter_tiers read: $(cat "$tmp/rr.out")"
echo "ok: a REPEATABLE READ reader older than alter_tiers sees the new table's rows"

# 3. a refresh during an alter (open for 2 s after it) and during a drop.
# Until the alter or drop in the background holds the tier table's lock
# (a fixed 0.7 s was too short on a loaded machine: the refresh came first
# and the alter then took the lock between the refresh's two transactions)
wait_for_tier_lock() {
  for _ in $(seq 1 200); do
    if [ "$(q "$DB" -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -gt 0 ]; then
      sleep 0.3; return 0
    fi
    sleep 0.1
  done
  fail "the alter or drop in the background never took the tier table's lock"
}
q "$DB" -c "BEGIN; SELECT rfm.alter_tiers('public.t', '{\"bins\": 4, \"scheme\": \"standard\"}'); SELECT pg_sleep(2); COMMIT" > /dev/null &
wait_for_tier_lock
q "$DB" -c "CALL rfm.refresh_tiers('public.t')" || fail "a refresh during an alter failed"
wait
[ "$(q "$DB" -c "SELECT outcome || ' ' || (tier = 'public.t'::regclass) FROM rfm.refresh_log WHERE action = 'refresh' ORDER BY id DESC LIMIT 1")" = "succeeded true" ] ||
  fail "the refresh during an alter is not logged as succeeded under the new table"
[ "$(q "$DB" -c "SELECT count(*) || ' ' || max(r_score) FROM public.t")" = "2000 4" ] ||
  fail "the refresh during an alter did not leave the altered table"
echo "ok: a refresh during alter_tiers waits for it and refreshes the new table"
# ... at REPEATABLE READ it cannot read the new catalog row: 40001, clearly
q "$DB" -c "BEGIN; SELECT rfm.alter_tiers('public.t', '{\"bins\": 5}'); SELECT pg_sleep(2); COMMIT" > /dev/null &
wait_for_tier_lock
if out=$(PGOPTIONS="$PGOPTIONS -c default_transaction_isolation=repeatable\ read" \
         q "$DB" -v VERBOSITY=verbose -c "CALL rfm.refresh_tiers('public.t')" 2>&1); then
  fail "a REPEATABLE READ refresh during an alter succeeded"
fi
wait
grep -q '40001: rfm.refresh_tiers: \(public\.\)\?t was altered or dropped while this refresh waited for it' <<< "$out" ||
  fail "a REPEATABLE READ refresh during an alter failed unclearly: $out"
echo "ok: a REPEATABLE READ refresh during alter_tiers fails with 40001, saying why"
q "$DB" -c "BEGIN; SELECT rfm.drop_tiers('public.t'); SELECT pg_sleep(2); COMMIT" > /dev/null &
wait_for_tier_lock
if out=$(q "$DB" -v VERBOSITY=verbose -c "CALL rfm.refresh_tiers('public.t')" 2>&1); then
  fail "a refresh during a drop succeeded"
fi
wait
grep -q '42704: rfm.refresh_tiers: \(public\.\)\?t was dropped while this refresh waited for it' <<< "$out" ||
  fail "a refresh during a drop failed unclearly: $out"
[ "$(q "$DB" -c "SELECT count(*) FROM rfm.refresh_log")" = 0 ] || fail "a refresh during a drop left a log row"
echo "ok: a refresh during drop_tiers fails with 42704 after it and leaves no log row"
