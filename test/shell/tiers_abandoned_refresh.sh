#!/usr/bin/env bash
# A refresh whose session is killed leaves its rfm.refresh_log row
# 'running' (README "Refresh"): the next refresh of that tier table marks
# it 'abandoned', while a refresh that is still running keeps its row.
#  1. refresh B waits for the source (another session holds it locked);
#     refresh C meanwhile fails with 55P03 and leaves B's row 'running';
#  2. B is killed (pg_terminate_backend): its row stays 'running', the
#     tier table keeps its rows;
#  3. the next refresh succeeds and marks B's row 'abandoned', naming B's pid.
# test/tiers_refresh_log.sql covers the other cases with rows written by hand.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_tiers_abandoned_refresh
SCRATCH_DBS=$DB
. test/shell/lib/scratch.sh

# wait_for SQL WHAT: polls until SQL returns t (at most 30 s)
wait_for() {
  for _ in $(seq 300); do
    [ "$(q "$DB" -c "$1")" = t ] && return 0
    sleep 0.1
  done
  fail "timed out waiting for $2"
}

dropdbs
orders_db "$DB"
q "$DB" > /dev/null <<'SQL'
SELECT rfm.create_tiers('public.t', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-12-31');
SQL

# 1. B waits for the source, which session A holds
PGAPPNAME=rfm_holder psql -X -q -At -d "$DB" -c "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" \
  > /dev/null 2>&1 &
wait_for "SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)
           WHERE a.application_name = 'rfm_holder' AND l.relation = 'orders'::regclass AND l.granted)" "the source lock"
PGAPPNAME=rfm_victim psql -X -q -At -d "$DB" -c "CALL rfm.refresh_tiers('public.t')" > "$tmp/victim.out" 2>&1 &
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'rfm_victim' AND wait_event_type = 'Lock')" \
  "refresh B to wait for the source"
victim=$(q "$DB" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'rfm_victim'")
[ "$(q "$DB" -c "SELECT outcome FROM rfm.refresh_log WHERE pid = $victim")" = running ] ||
  fail "refresh B has no 'running' row under its pid $victim"
if out=$(q "$DB" -c "CALL rfm.refresh_tiers('public.t')" 2>&1); then
  fail "refresh C succeeded while refresh B held the tier table"
fi
grep -q 'another session is refreshing' <<< "$out" || fail "refresh C failed, but not with 55P03: $out"
[ "$(q "$DB" -c "SELECT outcome FROM rfm.refresh_log WHERE pid = $victim")" = running ] ||
  fail "refresh C marked the row of refresh B, which is still running"
echo "ok: a refresh that fails while another runs leaves the other's row 'running'"

# 2. B is killed
q "$DB" -c "SELECT pg_terminate_backend($victim)" > /dev/null
wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $victim)" "refresh B to end"
q "$DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rfm_holder'" > /dev/null
wait
[ "$(q "$DB" -c "SELECT outcome FROM rfm.refresh_log WHERE pid = $victim")" = running ] ||
  fail "the killed refresh's row is not 'running'"
[ "$(q "$DB" -c 'SELECT count(*) FROM public.t')" = 300 ] || fail "the killed refresh changed the tier table"
echo "ok: a killed refresh leaves its row 'running' and the tier table as it was"

# 3. the next refresh
q "$DB" -c "CALL rfm.refresh_tiers('public.t')"
next=$(q "$DB" -c "SELECT max(id) FROM rfm.refresh_log")
[ "$(q "$DB" -c "SELECT outcome FROM rfm.refresh_log WHERE id = $next")" = succeeded ] || fail "the next refresh did not succeed"
[ "$(q "$DB" -c "SELECT outcome || ': ' || message FROM rfm.refresh_log WHERE pid = $victim")" = \
  "abandoned: its session (pid $victim) ended or was interrupted before the refresh recorded an outcome; seen by the refresh of rfm.refresh_log id $next" ] ||
  fail "the next refresh did not mark the killed one's row abandoned: $(q "$DB" -c "SELECT outcome, message FROM rfm.refresh_log WHERE pid = $victim")"
[ "$(q "$DB" -c "SELECT count(*) FROM rfm.refresh_log WHERE outcome = 'running'")" = 0 ] || fail "a row is still 'running'"
echo "ok: the next refresh marks the killed refresh's row 'abandoned'"
