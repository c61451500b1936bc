#!/usr/bin/env bash
# Tier tables under concurrency:
#  1. readers (pgbench, 4 clients) read the tier table and its summary view in
#     a loop while another session changes orders and refreshes it again and
#     again: zero errors, never an incomplete table (each read checks the full
#     customer count), and readers are never blocked for the length of a
#     refresh (max read latency well below the refresh time);
#  2. control: a plain (non-concurrent) REFRESH during the same reads (its
#     lock held 1.5 s longer) does block them, so step 1's latency check
#     can fail;
#  3. two refreshes of one tier table: while another session holds the
#     tier's lock, refresh_tiers fails at once with lock_not_available and a
#     clear message, and leaves the table intact; two refreshes started
#     together both end cleanly (one succeeds, the other succeeds after it or
#     fails with 55P03), and no log row is left 'running'; rfm.alter_tiers
#     during a refresh fails at once with 55P03 too;
#  4. two rfm.create_tiers of one new name at once: one makes it, the other
#     fails with 42P07;
#  5. rfm.drop_tiers of an incremental tier table while a transaction that
#     folded its customer state by hand goes on to read the tier table: the
#     drop waits for it, both succeed (40P01 until 2026-12-06);
#  6. rfm.backfill_history started while an alter holds the catalog row:
#     it waits, then backfills the altered table.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_tiers_concurrency
CUSTOMERS=${CUSTOMERS:-40000}   # x 10 orders each: refreshes take long enough to measure
READ_SECONDS=${READ_SECONDS:-15}
MAX_REFRESHES=${MAX_REFRESHES:-6}
tmp=$(mktemp -d)
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
# Waits (up to 5 s) until another session runs a statement naming marker.
running_in_another_session() {
  for _ in $(seq 100); do
    [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%$1%' AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && return
    sleep 0.05
  done
}

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb "$DB"
q -c 'CREATE EXTENSION rfm'
# Orders relative to today so the default as_of (the refresh day) fits.
q > /dev/null <<SQL
CREATE TABLE orders (customer integer, ordered_on date, amount numeric);
INSERT INTO orders
SELECT c, current_date - ((c * 7 + k * 37) % 700), ((c * 13 + k * 29) % 500) / 4.0 + 1
  FROM generate_series(1, $CUSTOMERS) c, generate_series(1, 10) k;
ANALYZE orders;
SELECT rfm.create_tiers('live_tiers', 'orders', 'customer', 'ordered_on', 'amount');
SQL

n=$(q -c 'SELECT count(*) FROM live_tiers')
[ "$n" = "$CUSTOMERS" ] || fail "tier table has $n rows, expected $CUSTOMERS"
echo "ok: tier table built with $n customers"

# Each read fails (division by zero) unless it sees every customer.
cat > "$tmp/read.sql" <<SQL
SELECT 1 / (count(*) = $CUSTOMERS)::int FROM live_tiers;
SELECT 1 / (sum(customers) = $CUSTOMERS)::int FROM live_tiers_segments;
SQL

# Run pgbench readers for $1 seconds with per-transaction log in $2.
readers() {
  pgbench -n -c 4 -j 2 -T "$1" -f "$tmp/read.sql" -l --log-prefix="$tmp/log-$2" "$DB" > "$tmp/out-$2" 2>&1
}
max_latency_ms() { cat "$tmp/log-$1".* | awk '{ if ($3 > m) m = $3 } END { printf "%d", m / 1000 }'; }

# --- 1. refreshes while readers read.
readers "$READ_SECONDS" conc &
rpid=$!
sleep 1
refreshes=0
start=$SECONDS
while [ $refreshes -lt "$MAX_REFRESHES" ] && [ $((SECONDS - start)) -lt $((READ_SECONDS - 3)) ]; do
  # change spending so every refresh has real work (rows move between scores)
  q -c "UPDATE orders SET amount = amount + 5 WHERE customer % $MAX_REFRESHES = $refreshes"
  q -c "CALL rfm.refresh_tiers('live_tiers')" || fail "refresh $refreshes failed"
  refreshes=$((refreshes + 1))
done
wait $rpid || { cat "$tmp/out-conc"; fail "readers reported errors during concurrent refreshes"; }
grep -q 'number of failed transactions: 0 ' "$tmp/out-conc" || { cat "$tmp/out-conc"; fail "pgbench counted failed transactions"; }
reads=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$tmp/out-conc")
[ "${reads:-0}" -gt 0 ] || fail "readers did not read"
[ "$refreshes" -ge 2 ] || fail "only $refreshes refreshes ran during the reads"
refresh_ms=$(q -c "SELECT round(min(extract(epoch FROM finished_at - started_at)) * 1000)::int
                     FROM rfm.refresh_log WHERE action = 'refresh' AND outcome = 'succeeded'")
read_max=$(max_latency_ms conc)
echo "ok: $reads reads by 4 clients during $refreshes refreshes: 0 errors, never a partial table"
echo "    shortest refresh ${refresh_ms} ms, longest read ${read_max} ms"
[ "$read_max" -lt $((refresh_ms / 2)) ] \
  || fail "a read took ${read_max} ms, at least half a refresh (${refresh_ms} ms): readers were blocked"
echo "ok: readers were never blocked by a refresh"
ok_runs=$(q -c "SELECT count(*) FROM rfm.refresh_log WHERE action = 'refresh' AND outcome = 'succeeded' AND row_count = $CUSTOMERS")
[ "$ok_runs" = "$refreshes" ] || fail "refresh_log has $ok_runs successful refreshes, expected $refreshes"
echo "ok: refresh_log has $refreshes succeeded refreshes with $CUSTOMERS rows each"

# --- 2. control: a plain REFRESH (no CONCURRENTLY) blocks the same readers.
# Its transaction holds the lock 1.5 s longer (pg_sleep before COMMIT), so
# the blocked reads wait that long however fast the machine refreshes: a
# REFRESH of 450 ms blocked reads for only 232 ms on a loaded machine,
# where unblocked reads took up to 130 ms.
readers 4 plain &
rpid=$!
sleep 1
t0=$(date +%s%N)
q <<'SQL'
BEGIN;
REFRESH MATERIALIZED VIEW live_tiers;
SELECT pg_sleep(1.5);
COMMIT;
SQL
plain_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $rpid || fail "readers failed during the plain refresh"
plain_max=$(max_latency_ms plain)
echo "    control: a plain REFRESH holding its lock ${plain_ms} ms, the longest read ${plain_max} ms"
# Blocked reads wait for most of the 1.5 s: at least 1 s, and at least
# three times the longest read of part 1.
floor=1000; [ $((3 * read_max)) -gt "$floor" ] && floor=$((3 * read_max))
[ "$plain_max" -ge "$floor" ] || fail "the blocking detector missed a plain REFRESH (longest read ${plain_max} ms, expected >= ${floor} ms)"
echo "ok: the latency check does detect blocked readers"

# --- 3a. a second refresh while the tier's lock is held fails at once, clearly.
read -r space object < <(q -F ' ' -c "SELECT k.space, k.object FROM rfm.tier_tables t, rfm._tier_lock_key(t.id) k WHERE t.tier = 'live_tiers'::regclass")
mkfifo "$tmp/holder"
# The holder keeps its transaction (and the lock) open until we write to the fifo.
( { echo "BEGIN; SELECT pg_advisory_xact_lock($space, $object);"; cat "$tmp/holder"; echo "COMMIT;"; } \
    | psql -X -q -d "$DB" > /dev/null ) &
hpid=$!
exec 3>"$tmp/holder"
for i in $(seq 1 50); do
  held=$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = ($space)::oid AND granted")
  [ "$held" = 1 ] && break; sleep 0.1
done
[ "$held" = 1 ] || fail "could not take the tier lock in a second session"
before=$(q -c "SELECT md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM live_tiers t")
t0=$SECONDS
if err=$(q -c "CALL rfm.refresh_tiers('live_tiers')" 2>&1); then fail "refresh succeeded while another held the lock"; fi
[ $((SECONDS - t0)) -le 5 ] || fail "the second refresh waited instead of failing at once"
grep -q 'another session is refreshing, altering, backfilling or dropping \(public\.\)\?live_tiers right now' <<< "$err" || fail "unclear error: $err"
state=$(q -c "SELECT sqlstate FROM rfm.refresh_log ORDER BY id DESC LIMIT 1")
[ "$state" = 55P03 ] || fail "logged sqlstate $state, expected 55P03"
# rfm.alter_tiers during a refresh: refused at once too (a wait would end
# at statement_timeout: 57014, not 55P03).
t0=$SECONDS
if err2=$(PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=10s" q -v VERBOSITY=verbose -c "SELECT rfm.alter_tiers('live_tiers', '{\"bins\": 4}')" 2>&1); then
  fail "alter_tiers succeeded while a refresh held the lock"
fi
[ $((SECONDS - t0)) -le 5 ] || fail "alter_tiers waited instead of failing at once"
grep -q '55P03: rfm.alter_tiers: another session is refreshing, altering, backfilling or dropping public.live_tiers right now' <<< "$err2" \
  || fail "unclear alter_tiers error: $err2"
# and rfm.drop_tiers: the table, its views and catalog row stay
if err3=$(PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=10s" q -v VERBOSITY=verbose -c "SELECT rfm.drop_tiers('live_tiers')" 2>&1); then
  fail "drop_tiers succeeded while a refresh held the lock"
fi
grep -q '55P03: rfm.drop_tiers: another session is refreshing, altering, backfilling or dropping public.live_tiers right now' <<< "$err3" \
  || fail "unclear drop_tiers error: $err3"
[ "$(q -c "SELECT to_regclass('live_tiers_segments') IS NOT NULL AND EXISTS (SELECT FROM rfm.tier_tables WHERE tier = 'live_tiers'::regclass)")" = t ] \
  || fail "the refused drop removed the segments view or the catalog row"
# and rfm.backfill_history: nothing stored
if err4=$(PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=10s" q -v VERBOSITY=verbose -c "SELECT rfm.backfill_history('live_tiers', current_date - 7)" 2>&1); then
  fail "backfill_history succeeded while a refresh held the lock"
fi
grep -q '55P03: rfm.backfill_history: another session is refreshing, altering, backfilling or dropping public.live_tiers right now' <<< "$err4" \
  || fail "unclear backfill_history error: $err4"
[ "$(q -c "SELECT count(*) FROM live_tiers_history WHERE as_of = current_date - 7")" = 0 ] \
  || fail "the refused backfill stored a snapshot"
exec 3>&-
wait $hpid
after=$(q -c "SELECT md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM live_tiers t")
[ "$before" = "$after" ] || fail "the refused refresh or alter changed the tier table"
[ "$(q -c "SELECT bins FROM rfm.tier_tables WHERE tier = 'live_tiers'::regclass")" = 5 ] \
  || fail "the refused alter changed the catalog"
echo "ok: a refresh during another one fails at once (55P03: $(echo "$err" | head -1 | sed 's/^ERROR: *//'))"
echo "ok: so do rfm.alter_tiers, rfm.drop_tiers and rfm.backfill_history (55P03), leaving the table, its views, history and catalog as they were"

# --- 3b. two refreshes started together.
q -c "UPDATE orders SET amount = amount + 1 WHERE customer % 3 = 0"
pids=()
for s in a b; do
  ( rc=0; psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "CALL rfm.refresh_tiers('live_tiers')" > "$tmp/$s.out" 2>&1 || rc=$?
    echo $rc > "$tmp/$s.rc" ) &
  pids+=($!)
done
wait "${pids[@]}"
ok=0
for s in a b; do
  if [ "$(cat "$tmp/$s.rc")" = 0 ]; then ok=$((ok + 1));
  else grep -q 'another session is refreshing' "$tmp/$s.out" || fail "refresh $s failed unclearly: $(cat "$tmp/$s.out")"; fi
done
[ $ok -ge 1 ] || fail "neither of two simultaneous refreshes succeeded"
running=$(q -c "SELECT count(*) FROM rfm.refresh_log WHERE outcome = 'running'")
[ "$running" = 0 ] || fail "$running log rows left 'running'"
n=$(q -c 'SELECT count(*) FROM live_tiers')
[ "$n" = "$CUSTOMERS" ] || fail "tier table has $n rows after simultaneous refreshes"
got=$(q -c "SELECT round(sum(monetary), 2) FROM live_tiers")
same=$(q -c "SELECT (SELECT sum(amount) FROM orders) = (SELECT sum(monetary) FROM live_tiers)")
[ "$same" = t ] || fail "tier revenue $got differs from the orders total"
echo "ok: two simultaneous refreshes: $ok succeeded, the other $([ $ok = 2 ] && echo 'ran after it' || echo 'failed with 55P03'); table complete and current (revenue $got)"

# 4. two rfm.create_tiers of the same new name at once: one builds it, the
# other fails with rfm's 42P07 (the catalog's raw 23505 on
# pg_type_typname_nsp_index when its CREATE waited for the first one's,
# until 2026-12-06), nothing of it left behind.
for i in 1 2; do
  psql -X -q -At -v VERBOSITY=verbose -d "$DB" \
       -c "SELECT rfm.create_tiers('public.twin', 'public.orders', 'customer', 'ordered_on', 'amount', keep_history => false)" \
       > "$tmp/twin$i.out" 2>&1 &
done
wait
made=$(grep -l '^twin$' "$tmp/twin1.out" "$tmp/twin2.out" | wc -l)
refused=$(grep -l '42P07: rfm.create_tiers: public.twin already exists' "$tmp/twin1.out" "$tmp/twin2.out" | wc -l)
[ "$made" = 1 ] && [ "$refused" = 1 ] ||
  fail "two create_tiers of one name: $(cat "$tmp/twin1.out" "$tmp/twin2.out")"
[ "$(q -c "SELECT count(*) FROM rfm.tier_tables WHERE tier = 'public.twin'::regclass")" = 1 ] ||
  fail "two create_tiers of one name: not one catalog row"
echo "ok: two create_tiers of one name at once: one made it, the other failed with 42P07"

# 5. an incremental tier table's drop and a transaction that folds its state
# by hand (rfm.customer_state_refresh) and then reads the tier table: the
# drop takes the state's lock before it drops anything, so it waits for the
# transaction instead of holding the tier table while waiting for the state
# (until 2026-12-06 it did, and one of the two failed with 40P01).
q > /dev/null <<SQL
CREATE TABLE inc_orders (id bigserial, customer integer, ordered_on date, amount numeric);
INSERT INTO inc_orders (customer, ordered_on, amount)
SELECT c, current_date - (c % 300), c % 50 + 1 FROM generate_series(1, 2000) c;
SELECT rfm.create_tiers('inc_tiers', 'inc_orders', 'customer', 'ordered_on', 'amount',
                        keep_history => false, watermark_column => 'id');
INSERT INTO inc_orders (customer, ordered_on, amount) VALUES (1, current_date, 5), (2001, current_date, 7);
SQL
state=$(q -c "SELECT state_name FROM rfm.tier_tables WHERE tier = 'inc_tiers'::regclass")
[ -n "$state" ] || fail "the incremental tier table has no state"
psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$DB" > "$tmp/fold.out" 2>&1 <<SQL &
BEGIN;
SELECT rfm.customer_state_refresh('$state');
SELECT pg_sleep(2);
SELECT count(*) FROM inc_tiers;
COMMIT;
SQL
fold=$!
sleep 0.7
if ! drop_out=$(q -v VERBOSITY=verbose -c "SELECT rfm.drop_tiers('inc_tiers')" 2>&1); then
  wait "$fold" || true
  fail "drop_tiers during a hand fold and read failed: $drop_out"
fi
wait "$fold" || fail "a hand fold and read during drop_tiers failed: $(cat "$tmp/fold.out")"
grep -q '^2000$' "$tmp/fold.out" || fail "the hand fold's read of the tier table: $(cat "$tmp/fold.out")"
[ "$(q -c "SELECT count(*) FROM pg_class WHERE relname LIKE 'inc_tiers%'")" = 0 ] &&
  [ "$(q -c "SELECT count(*) FROM rfm.tier_tables") $(q -c "SELECT count(*) FROM rfm.customer_state_sources")" = "2 0" ] ||
  fail "drop_tiers after the hand fold left something behind"
echo "ok: drop_tiers of an incremental tier table waits for a hand fold that then reads the tier table; both succeed"

# 6. a backfill that starts while an alter holds the catalog row waits for
# it, then labels the day as the altered table (its new bins) and logs it
# under the new table (it kept the row it read first until 2026-12-07:
# the old bins, and the dropped table's oid in the log).
q > /dev/null <<SQL
CREATE TABLE bf_orders (customer integer, ordered_on date, amount numeric);
INSERT INTO bf_orders SELECT c, current_date - 10 - (c % 200), c % 40 + 1 FROM generate_series(1, 1000) c;
SELECT rfm.create_tiers('bf_tiers', 'bf_orders', 'customer', 'ordered_on', 'amount');
SQL
psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" > "$tmp/alter.out" 2>&1 <<SQL &
BEGIN;
SELECT 1 FROM rfm.tier_tables WHERE tier = 'bf_tiers'::regclass FOR UPDATE;
SELECT pg_sleep(3) AS bf_holding_the_row;
SELECT rfm.alter_tiers('bf_tiers', '{"bins": 3, "scheme": "tier3"}');
COMMIT;
SQL
alter=$!
# the backfill starts once the other session holds the row (and before its
# alter: 3 s, room for a slow start on a busy machine)
running_in_another_session bf_holding_the_row
got=$(q -c "SELECT rfm.backfill_history('bf_tiers', current_date - 30)") || fail "backfill during an alter failed: $got"
wait "$alter" || fail "the alter during a backfill failed: $(cat "$tmp/alter.out")"
[ "$got" = "$(q -c "SELECT count(DISTINCT customer) FROM bf_orders WHERE ordered_on <= current_date - 30")" ] \
  || fail "backfill during an alter stored $got customers"
[ "$(q -c "SELECT max(greatest(r_score, f_score, m_score)) FROM bf_tiers_history WHERE as_of = current_date - 30")" = 3 ] \
  || fail "the backfill after the alter did not use its bins 3"
[ "$(q -c "SELECT tier = 'bf_tiers'::regclass FROM rfm.refresh_log WHERE action = 'backfill' ORDER BY id DESC LIMIT 1")" = t ] \
  || fail "the backfill was not logged under the altered table"
echo "ok: a backfill that waited for an alter uses the altered table (bins 3) and logs under it"

# --- 7. a refresh that waits behind a DROP MATERIALIZED VIEW by hand: the
# DROP clears the catalog row's tier (rfm._tier_relations_dropped), and the
# refresh, which waited for that row, fails as for rfm.drop_tiers (42704),
# not with a constraint or policy error of the log.
q -c "CREATE TABLE drop_orders AS SELECT * FROM bf_orders"
q -c "SELECT rfm.create_tiers('drop_tiers_t', 'drop_orders', 'customer', 'ordered_on', 'amount')" > /dev/null
psql -X -q -d "$DB" > "$tmp/dropper.out" 2>&1 <<'SQL' &
BEGIN;
DROP MATERIALIZED VIEW drop_tiers_t CASCADE;
SELECT pg_sleep(3) AS dropper_holding_the_row;
COMMIT;
SQL
dropper=$!
running_in_another_session dropper_holding_the_row
if err7=$(q -v VERBOSITY=verbose -c "CALL rfm.refresh_tiers('drop_tiers_t')" 2>&1); then
  fail "a refresh behind a DROP of its tier table succeeded"
fi
wait "$dropper" || fail "the DROP failed: $(cat "$tmp/dropper.out")"
grep -q '42704: rfm.refresh_tiers: \(public\.\)\?drop_tiers_t was dropped while this refresh waited for it' <<< "$err7" \
  || fail "a refresh behind a DROP: unclear error: $err7"
[ "$(q -c "SELECT count(*) FROM rfm.tier_tables WHERE tier IS NULL") $(q -c "SELECT rfm.drop_orphan_tiers()")" = "1 1" ] \
  || fail "the dropped tier table's row is not an orphan that drop_orphan_tiers removes"
echo "ok: a refresh that waited behind a DROP of its tier table fails with 42704 (was dropped while this refresh waited), the row an orphan"
