#!/usr/bin/env bash
# A refresh across midnight (as_of NULL, README "Refresh"): rfm.refresh_tiers
# logs its run and commits, then refreshes in a second transaction, whose
# CURRENT_DATE is the next day when midnight falls in between.  The rows,
# the history snapshot and the log must all be for that day, and the day
# before keeps its snapshot (before 2026-12-06 the day came from the first
# transaction: the snapshot replaced the day before, and the log named it).
# Midnight is made to fall at the next minute boundary by the session's
# time zone, and another session holds rfm.refresh_log until just after it
# (the refresh's first transaction waits to write its log row).  Takes up
# to 70 s.  Run inside a throwaway cluster (scripts/test-all.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_tiers_midnight
SCRATCH_DBS=$DB
. test/shell/lib/scratch.sh

dropdbs
createdb "$DB"

# The next minute boundary at least 10 s away; the zone whose midnight it is
# (minutes east of UTC, within PostgreSQL's +-15 h).
now=$(date -u +%s)
boundary=$(( (now / 60 + 1) * 60 ))
[ $(( boundary - now )) -ge 10 ] || boundary=$(( boundary + 60 ))
minute_of_day=$(( (boundary % 86400) / 60 ))
east=$(( (1440 - minute_of_day) % 1440 ))
[ "$east" -le 840 ] || east=$(( east - 1440 ))
sign=+; [ "$east" -ge 0 ] || { sign=-; east=$(( -east )); }
zone=$(printf "INTERVAL '%s%02d:%02d' HOUR TO MINUTE" "$sign" $(( east / 60 )) $(( east % 60 )))

qz() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "SET TIME ZONE $zone" "$@"; }
qz -c 'CREATE EXTENSION rfm'
qz -c "CREATE TABLE orders (customer integer, ordered_on date, amount numeric)" \
  -c "INSERT INTO orders VALUES (1, current_date - 3, 10), (2, current_date - 40, 20), (3, current_date - 200, 5)"
before=$(qz -c 'SELECT current_date')
qz -c "SELECT rfm.create_tiers('public.tiers', 'public.orders', 'customer', 'ordered_on', 'amount')" > /dev/null
[ "$(qz -c 'SELECT current_date')" = "$before" ] || fail "midnight came before the build; rerun"

# Hold the log until 2 s after midnight; the refresh starts before it.
wait_s=$(( boundary + 2 - $(date -u +%s) ))
psql -X -q -At -d "$DB" -c "BEGIN; LOCK TABLE rfm.refresh_log IN SHARE MODE; SELECT pg_sleep($wait_s); COMMIT" > /dev/null &
sleep 1
qz -c "CALL rfm.refresh_tiers('public.tiers')"
wait
after=$(qz -c 'SELECT current_date')
[ "$after" != "$before" ] || fail "the refresh did not cross midnight ($before)"

got=$(qz -c "SELECT string_agg(DISTINCT as_of::text, ',') FROM public.tiers")
[ "$got" = "$after" ] || fail "the tier rows are for $got, not $after"
got=$(qz -c "SELECT string_agg(as_of || ':' || n, ',' ORDER BY as_of) FROM (SELECT as_of, count(*) n FROM public.tiers_history GROUP BY 1) h")
[ "$got" = "$before:3,$after:3" ] || fail "history holds $got, not both days ($before:3,$after:3)"
got=$(qz -c "SELECT as_of || ' ' || outcome FROM rfm.refresh_log WHERE action = 'refresh'")
[ "$got" = "$after succeeded" ] || fail "the refresh is logged as '$got', not '$after succeeded'"
echo "ok: a refresh across midnight ($before -> $after) is for the new day, in its rows, snapshot and log; the day before keeps its snapshot"
