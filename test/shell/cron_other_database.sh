#!/usr/bin/env bash
# A tier table in a database other than pg_cron's: rfm.schedule_refresh
# says where pg_cron runs and how to schedule from there, and what its hint
# says works: from pg_cron's database, cron.schedule_in_database runs the
# refresh in this one (README, "pg_cron").  Needs pg_cron preloaded (as in
# scripts/test-all.sh); the scheduled run also needs its database to exist
# with the scheduler running (the pgTAP run makes it), else it is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH_DBS=rfm_cron_other
source test/shell/lib/scratch.sh

cron_db=$(q template1 -c "SELECT setting FROM pg_settings WHERE name = 'cron.database_name'")
[ -n "$cron_db" ] || { echo "skip: pg_cron is not preloaded"; exit 0; }
job=
made_cron=
cleanup() {
  [ -z "$job" ] || q "$cron_db" -c "SELECT cron.unschedule($job)" > /dev/null 2>&1 || true
  [ -z "$made_cron" ] || q "$cron_db" -c "DROP EXTENSION pg_cron" > /dev/null 2>&1 || true
  jobs -p | xargs -r kill 2>/dev/null || true; dropdbs; rm -rf "$tmp"
}
trap cleanup EXIT
# what a killed earlier run may have left
q "$cron_db" -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'rfm_cron_other_test'" > /dev/null 2>&1 || true
dropdbs
createdb rfm_cron_other
q rfm_cron_other -c "CREATE EXTENSION rfm" \
  -c "CREATE TABLE orders (customer integer, ordered_on date, amount numeric)" \
  -c "INSERT INTO orders VALUES (1, '2024-01-05', 10), (2, '2024-02-05', 20)" \
  -c "SELECT rfm.create_tiers('shop_tiers', 'orders', 'customer', 'ordered_on', 'amount')" > /dev/null

out=$(psql -X -q -d rfm_cron_other -c "SELECT rfm.schedule_refresh('shop_tiers', '0 3 * * *')" 2>&1) \
  && fail "schedule_refresh succeeded without pg_cron in the database"
grep -q "^ERROR:  rfm.schedule_refresh: pg_cron is not installed in database rfm_cron_other$" <<< "$out" || fail "message: $out"
grep -q "^DETAIL:  pg_cron runs its jobs from database $cron_db (cron.database_name).$" <<< "$out" || fail "detail: $out"
grep -q "^HINT:  From database $cron_db, schedule the refresh with pg_cron's own cron.schedule_in_database(job_name, schedule, 'CALL rfm.refresh_tiers(''<tier table>'')', 'rfm_cron_other')" <<< "$out" \
  || fail "hint: $out"
out=$(psql -X -q -d rfm_cron_other -c "SELECT rfm.unschedule_refresh('shop_tiers')" 2>&1) \
  && fail "unschedule_refresh succeeded without pg_cron in the database"
grep -q "^DETAIL:  pg_cron runs its jobs from database $cron_db (cron.database_name).$" <<< "$out" || fail "unschedule detail: $out"
grep -q "^HINT:  A job made in database $cron_db is removed there, with cron.unschedule(job_name).$" <<< "$out" \
  || fail "unschedule hint: $out"

# Doing what the hint says (a job every minute; up to 90 s for its run).
if [ -z "$(q template1 -c "SELECT 1 FROM pg_database WHERE datname = '$cron_db'")" ] \
   || [ -z "$(q template1 -c "SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher' LIMIT 1")" ]; then
  echo "skip: no pg_cron scheduler running in database $cron_db (the pgTAP run makes it)"; exit 0
fi
if [ -z "$(q "$cron_db" -c "SELECT 1 FROM pg_extension WHERE extname = 'pg_cron'")" ]; then
  q "$cron_db" -c "CREATE EXTENSION pg_cron"
  made_cron=yes
fi
# (cron.schedule_in_database came with pg_cron 1.4, as README says)
[ -n "$(q "$cron_db" -c "SELECT 1 FROM pg_proc WHERE proname = 'schedule_in_database'")" ] \
  || { echo "skip: pg_cron $(q "$cron_db" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'") has no cron.schedule_in_database"; exit 0; }
job=$(q "$cron_db" -c "SELECT cron.schedule_in_database('rfm_cron_other_test', '* * * * *',
                         \$\$CALL rfm.refresh_tiers('shop_tiers')\$\$, 'rfm_cron_other')")
q rfm_cron_other -c "INSERT INTO orders VALUES (3, '2024-03-05', 30)"
for _ in $(seq 90); do
  [ "$(q rfm_cron_other -c "SELECT count(*) FROM shop_tiers")" = 3 ] && break
  sleep 1
done
[ "$(q rfm_cron_other -c "SELECT count(*) FROM shop_tiers")" = 3 ] \
  || fail "the job made as the hint says did not refresh the tier table: $(q "$cron_db" -c "SELECT status, return_message FROM cron.job_run_details WHERE jobid = $job")"
got=$(q rfm_cron_other -c "SELECT action, outcome, row_count FROM rfm.refresh_log ORDER BY id DESC LIMIT 1")
[ "$got" = "refresh|succeeded|3" ] || fail "refresh_log: $got"
echo "ok: the hint names pg_cron's database, and its cron.schedule_in_database refreshed the tier table"
