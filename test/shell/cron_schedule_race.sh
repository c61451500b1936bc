#!/usr/bin/env bash
# Two members of the role that owns a tier table scheduling it at once:
# the second waits for the first and gets 42710 naming it (both went
# through, and pg_cron had two jobs for one table).  Then a superuser's
# rfm.unschedule_refresh removes the members' jobs (a BYPASSRLS role's
# sees them but leaves them, without an error), a record naming a role
# that no longer exists gives a WARNING with the superuser's way out, and
# a superuser's rfm.drop_tiers removes the member's job (README, "pg_cron").
# Needs pg_cron preloaded and its database (cron.database_name) made, as
# the pgTAP run does; else skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH_DBS=
source test/shell/lib/scratch.sh

cron_db=$(q template1 -c "SELECT setting FROM pg_settings WHERE name = 'cron.database_name'")
[ -n "$cron_db" ] || { echo "skip: pg_cron is not preloaded"; exit 0; }
[ -n "$(q template1 -c "SELECT 1 FROM pg_database WHERE datname = '$cron_db'")" ] \
  || { echo "skip: pg_cron's database $cron_db does not exist (the pgTAP run makes it)"; exit 0; }
[ -n "$(q "$cron_db" -c "SELECT 1 FROM pg_extension WHERE extname = 'rfm'")" ] \
  || { echo "skip: rfm is not installed in $cron_db"; exit 0; }
made_cron=
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  q "$cron_db" -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE command LIKE '%rfm_race.%'" > /dev/null 2>&1 || true
  q "$cron_db" -c "SELECT rfm.drop_tiers('rfm_race.shop_tiers')" > /dev/null 2>&1 || true
  q "$cron_db" -c "DROP SCHEMA IF EXISTS rfm_race CASCADE" > /dev/null 2>&1 || true
  q "$cron_db" -c "REVOKE ALL ON SCHEMA cron FROM rfm_race_ann, rfm_race_bob, rfm_race_adm" > /dev/null 2>&1 || true
  q "$cron_db" -c "DROP ROLE IF EXISTS rfm_race_ann, rfm_race_bob, rfm_race_adm, rfm_race_team" > /dev/null 2>&1 || true
  [ -z "$made_cron" ] || q "$cron_db" -c "DROP EXTENSION pg_cron" > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup   # what a killed earlier run may have left
tmp=$(mktemp -d)
if [ -z "$(q "$cron_db" -c "SELECT 1 FROM pg_extension WHERE extname = 'pg_cron'")" ]; then
  q "$cron_db" -c "CREATE EXTENSION pg_cron"
  made_cron=yes
fi

q "$cron_db" -c "CREATE ROLE rfm_race_team NOLOGIN" \
  -c "CREATE ROLE rfm_race_ann LOGIN IN ROLE rfm_race_team" \
  -c "CREATE ROLE rfm_race_bob LOGIN IN ROLE rfm_race_team" \
  -c "CREATE ROLE rfm_race_adm LOGIN BYPASSRLS IN ROLE rfm_race_team" \
  -c "GRANT USAGE ON SCHEMA cron TO rfm_race_ann, rfm_race_bob, rfm_race_adm" \
  -c "CREATE SCHEMA rfm_race AUTHORIZATION rfm_race_team" \
  -c "CREATE TABLE rfm_race.orders (customer integer, ordered_on date, amount numeric)" \
  -c "INSERT INTO rfm_race.orders VALUES (1, '2024-01-05', 10), (2, '2024-02-05', 20)" \
  -c "GRANT SELECT ON rfm_race.orders TO rfm_race_team" \
  -c "SET ROLE rfm_race_team" \
  -c "SELECT rfm.create_tiers('rfm_race.shop_tiers', 'rfm_race.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') IS NOT NULL" > /dev/null

# ann schedules and holds her transaction open; bob schedules meanwhile
psql -X -q -v ON_ERROR_STOP=1 -d "$cron_db" > "$tmp/ann.out" 2>&1 <<'SQLEOF' &
SET ROLE rfm_race_ann;
BEGIN;
SELECT rfm.schedule_refresh('rfm_race.shop_tiers', '0 3 * * *');
SELECT pg_sleep(3);
COMMIT;
SQLEOF
ann=$!
seen=
for _ in $(seq 50); do   # until ann's call has taken the row's lock
  [ -n "$(q "$cron_db" -c "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%' AND state = 'active'")" ] && { seen=yes; break; }
  sleep 0.1
done
[ -n "$seen" ] || fail "ann's schedule was not seen holding its transaction open within 5 s: the race was not tested"
out=$(psql -X -q -d "$cron_db" -c "SET ROLE rfm_race_bob" \
        -c "SELECT rfm.schedule_refresh('rfm_race.shop_tiers', '0 5 * * *')" 2>&1) \
  && fail "the second member's schedule went through while the first one's was being made: $out"
wait "$ann" || { cat "$tmp/ann.out"; fail "the first member's schedule failed"; }
grep -q "^ERROR:  rfm.schedule_refresh: rfm_race.shop_tiers is already scheduled by role rfm_race_ann$" <<< "$out" \
  || fail "second member: $out"
got=$(q "$cron_db" -c "SELECT string_agg(username || ' ' || schedule, ', ') FROM cron.job WHERE command LIKE '%rfm_race.shop_tiers%'")
[ "$got" = "rfm_race_ann 0 3 * * *" ] || fail "jobs after the race: $got"

# another member's unschedule_refresh: false, with a NOTICE naming the
# role whose job it is
out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$cron_db" -c "SET ROLE rfm_race_bob" \
        -c "SELECT rfm.unschedule_refresh('rfm_race.shop_tiers')" 2>&1) || fail "bob's unschedule_refresh failed: $out"
grep -q "^NOTICE:  rfm.unschedule_refresh: rfm_race.shop_tiers is scheduled by role rfm_race_ann, whose job only that role (or a superuser) can remove$" <<< "$out" \
  || fail "bob's unschedule_refresh: $out"
# a second job under the same name, made by bob with pg_cron itself (as
# a role could before the record was kept)
job_name=$(q "$cron_db" -c "SELECT 'rfm_refresh_tiers_' || id FROM rfm.tier_tables WHERE tier = 'rfm_race.shop_tiers'::regclass")
q "$cron_db" -c "SET ROLE rfm_race_bob" -c "SELECT cron.schedule('$job_name', '0 6 * * *', 'SELECT 1') IS NOT NULL" > /dev/null
# a role with BYPASSRLS sees both jobs but may not remove them (pg_cron
# lets only a superuser remove another role's job): no error, false
got=$(q "$cron_db" -c "SET ROLE rfm_race_adm" -c "SELECT rfm.unschedule_refresh('rfm_race.shop_tiers')" 2> "$tmp/adm.err") \
  || fail "a BYPASSRLS role's unschedule_refresh failed: $(cat "$tmp/adm.err")"
[ "$got" = f ] || fail "a BYPASSRLS role's unschedule_refresh returned $got"
# a superuser's unschedule_refresh removes both and the record
got=$(q "$cron_db" -c "SELECT rfm.unschedule_refresh('rfm_race.shop_tiers')")
[ "$got" = t ] || fail "a superuser's unschedule_refresh of members' jobs returned $got"
got=$(q "$cron_db" -c "SELECT count(*) FROM cron.job WHERE jobname = '$job_name' OR command LIKE '%rfm_race.shop_tiers%'")
[ "$got" = 0 ] || fail "$got jobs left after a superuser's unschedule_refresh"
got=$(q "$cron_db" -c "SELECT scheduled_by IS NULL FROM rfm.tier_tables WHERE tier = 'rfm_race.shop_tiers'::regclass")
[ "$got" = t ] || fail "scheduled_by not cleared by a superuser's unschedule_refresh"

# a record of an existing role whose job is gone: a superuser, who sees
# cron.job whole, schedules over it
q "$cron_db" -c "UPDATE rfm.tier_tables SET scheduled_by = 'rfm_race_ann' WHERE tier = 'rfm_race.shop_tiers'::regclass"
q "$cron_db" -c "SELECT rfm.schedule_refresh('rfm_race.shop_tiers', '0 7 * * *') IS NOT NULL" > /dev/null \
  || fail "a superuser could not schedule over a record no job stands behind"
[ "$(q "$cron_db" -c "SELECT rfm.unschedule_refresh('rfm_race.shop_tiers')")" = t ] || fail "the superuser's own job was not removed"

# a record naming a role that is gone (dropped or renamed): the schedule
# goes through, with a WARNING on the job such a role may have left
q "$cron_db" -c "UPDATE rfm.tier_tables SET scheduled_by = 'rfm_race_gone' WHERE tier = 'rfm_race.shop_tiers'::regclass"
out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$cron_db" -c "SET ROLE rfm_race_bob" \
        -c "SELECT rfm.schedule_refresh('rfm_race.shop_tiers', '0 5 * * *') IS NOT NULL" 2>&1) \
  || fail "schedule over a gone role's record failed: $out"
grep -q "^WARNING:  rfm.schedule_refresh: role rfm_race_gone, which scheduled rfm_race.shop_tiers before, no longer exists (dropped or renamed), and its pg_cron job may still be in cron.job$" <<< "$out" \
  || fail "warning: $out"
grep -q "^HINT:  A superuser removes it: SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'rfm_refresh_tiers_[0-9]*' AND username = 'rfm_race_gone';$" <<< "$out" \
  || fail "hint: $out"

# a BYPASSRLS role's drop_tiers of a table bob scheduled goes through and
# leaves bob's job (it removes itself at its next run)
q "$cron_db" -c "SET ROLE rfm_race_team" \
  -c "SELECT rfm.create_tiers('rfm_race.other_tiers', 'rfm_race.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31') IS NOT NULL" \
  -c "SET ROLE rfm_race_bob" -c "SELECT rfm.schedule_refresh('rfm_race.other_tiers', '0 4 * * *') IS NOT NULL" > /dev/null
out=$(q "$cron_db" -c "SET ROLE rfm_race_adm" -c "SELECT rfm.drop_tiers('rfm_race.other_tiers')" 2>&1) \
  || fail "a BYPASSRLS role's drop_tiers of a table another role scheduled failed: $out"
[ -z "$out" ] || fail "a BYPASSRLS role's drop_tiers is not silent (README): $out"
got=$(q "$cron_db" -c "SELECT count(*) FROM cron.job WHERE command LIKE '%rfm_race.other_tiers%'")
[ "$got" = 1 ] || fail "after a BYPASSRLS role's drop_tiers: $got jobs, want bob's one left"

# a superuser's drop_tiers removes bob's job
q "$cron_db" -c "SELECT rfm.drop_tiers('rfm_race.shop_tiers')" > /dev/null
got=$(q "$cron_db" -c "SELECT count(*) FROM cron.job WHERE command LIKE '%rfm_race.shop_tiers%'")
[ "$got" = 0 ] || fail "$got jobs left after a superuser's drop_tiers"
echo "ok: two members scheduling at once make one job; a superuser's unschedule and drop remove a member's job; a gone role's record warns"
