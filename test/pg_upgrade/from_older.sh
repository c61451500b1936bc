#!/usr/bin/env bash
# pg_upgrade of a cluster that uses rfm to a newer PostgreSQL major
# version, the same rfm version installed in both: from 13 or 14 to this
# machine's 15, and from 15 to 16, 17 or 18.
#  - a database with every kind of rfm object a user keeps (views over
#    rfm.summarize, stored rfm.summary values, tier tables, a custom
#    segment scheme, a playbook edit, an incremental customer state:
#    test/shell/lib/rich_db.sh) is built on the old server;
#  - pg_upgrade --check fails, naming rfm's library, when the new server
#    has no rfm.so (when check-versions gives NORFM_BINDIR);
#  - pg_upgrade (the new version's) runs with no error, its --check first;
#  - on the new server the same queries give the same hand-checked answers,
#    and a dump of the database equals that of the dump taken before the
#    upgrade restored into a new database there (the same server prints
#    both: 16 and later print view definitions without the table names
#    15 and earlier write before each column);
#  - the tier table refreshes, and the customer state folds a new order
#    (bob buys 3.00 on 2024-03-10: frequency 2, monetary 10, recency to
#    03-31 21 days), both as on the old server;
#  - a database still on rfm 0.1.0 keeps its answers through pg_upgrade,
#    and through ALTER EXTENSION rfm UPDATE afterwards.
# Run by scripts/check-versions.sh (README "Packaging"), as a non-root user,
# with OLD_BINDIR and NEW_BINDIR (default: this machine's, pg_config
# --bindir): directories with each version's postgres, pg_ctl, initdb,
# pg_controldata and pg_resetwal (the new one also pg_upgrade and the
# client programs), rfm installed for both servers.  The pg_dump first in
# PATH must be able to dump both (the newer version's).  Not part of
# test/shell: it needs a second PostgreSQL version.
set -euo pipefail
cd "$(dirname "$0")/../.."
old_bindir=${OLD_BINDIR:?the old PostgreSQL bin directory}
new_bindir=${NEW_BINDIR:-$(pg_config --bindir)}
old_port=${OLD_PORT:-56613}
new_port=${NEW_PORT:-56615}
base=$(mktemp -d)
stop_all() {
  "$old_bindir/pg_ctl" -D "$base/old" -m immediate stop >/dev/null 2>&1 || true
  "$new_bindir/pg_ctl" -D "$base/new" -m immediate stop >/dev/null 2>&1 || true
}
DB=rfm_pg_upgrade
OLDDB=rfm_pg_upgrade_010
SCRATCH_DBS=   # the clusters go with $base
. test/shell/lib/scratch.sh
trap 'stop_all; rm -rf "$base" "$tmp"' EXIT
. test/shell/lib/rich_db.sh
export PGHOST=$base PGUSER=postgres

old_version=$("$old_bindir/postgres" --version)
new_version=$("$new_bindir/pg_upgrade" --version)
start() {   # bindir data port
  "$1/pg_ctl" -D "$2" -l "$2.log" -w -o "-p $3 -k $base -c listen_addresses=" start >/dev/null
}

# This machine's PostgreSQL 15 (Debian's 15.20 build here) gives every
# column an option "pg_attver" that stock PostgreSQL does not know (the
# build checks stored row values against it), and pg_upgrade copies column
# options, so to a stock 16 or later it fails on any table (unrecognized
# parameter "pg_attver"; checked with a database of one plain table and no
# rfm).  Once the old cluster has been checked and dumped, its columns lose
# that option (a catalog update; a no-op on other builds), and the dump
# taken before leaves out the lines that set it.
drop_unknown_column_options() {   # database
  q "$1" <<'SQL'
SET allow_system_table_mods = on;
UPDATE pg_catalog.pg_attribute
   SET attoptions = NULLIF(ARRAY(SELECT o FROM pg_catalog.unnest(attoptions) o WHERE o NOT LIKE 'pg\_attver=%'), '{}')
 WHERE attoptions::text LIKE '%pg\_attver=%';
SQL
}

# --- 1. the old cluster and its database
"$old_bindir/initdb" -D "$base/old" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
start "$old_bindir" "$base/old" "$old_port"
export PGPORT=$old_port
createdb $DB
build_rich_db $DB
createdb $OLDDB
q $DB <<<"$checks" > "$tmp/old.out" || fail "checks fail on the old server"
diff -u "$tmp/expected" "$tmp/old.out" || fail "the old server does not give the hand-checked values"
normalized_dump -d $DB | grep -v '^ALTER TABLE ONLY .* ALTER COLUMN .* SET (pg_attver=[0-9]*);$' > "$tmp/old.sql"
# A second database still on rfm 0.1.0 (updated only after pg_upgrade):
# alice bought 10 + 5.50 on 01-01 and 20 on 01-10, refunded 3.25 on
# 02-01; bob bought 7 on 02-01.  Stored summaries: alice 3 purchase rows,
# net 32.25, refunds 3.25; bob 1, 7, 0.  To 03-31: alice recency 81
# (from 01-10), tenure 90 (from 01-01), average order 32.25 / 3 = 10.75;
# bob 59, 59, 7 (2024 is a leap year).
q $OLDDB <<'SQL'
CREATE EXTENSION rfm VERSION '0.1.0';
CREATE TABLE public.orders (customer text, ordered_on date, amount numeric);
INSERT INTO public.orders VALUES
  ('alice', '2024-01-01', 10.00), ('alice', '2024-01-01', 5.50),
  ('alice', '2024-01-10', 20), ('alice', '2024-02-01', -3.25), ('bob', '2024-02-01', 7);
CREATE TABLE public.summary_snapshot (customer text PRIMARY KEY, s rfm.summary);
INSERT INTO public.summary_snapshot
  SELECT customer, rfm.summarize(ordered_on, amount) FROM public.orders GROUP BY customer;
CREATE VIEW public.customer_recency AS
  SELECT customer, rfm.recency_days(s, '2024-03-31') AS recency, rfm.tenure_days(s, '2024-03-31') AS tenure,
         rfm.average_order_value(s) AS aov
    FROM public.summary_snapshot;
SQL
old_checks="
SELECT customer, (s).frequency, (s).monetary, (s).refunds FROM public.summary_snapshot ORDER BY 1;
SELECT * FROM public.customer_recency ORDER BY 1;"
printf '%s\n' 'alice|3|32.25|3.25' 'bob|1|7|0' 'alice|81|90|10.75' 'bob|59|59|7' > "$tmp/expected_010"
q $OLDDB <<<"$old_checks" > "$tmp/old_010.out" || fail "checks fail on rfm 0.1.0 on the old server"
diff -u "$tmp/expected_010" "$tmp/old_010.out" || fail "rfm 0.1.0 on the old server does not give the hand-checked values"
drop_unknown_column_options $DB
drop_unknown_column_options $OLDDB
"$old_bindir/pg_ctl" -D "$base/old" -m fast stop >/dev/null
echo "ok: databases built on $old_version (one still on rfm 0.1.0)"

# --- 2. pg_upgrade to the new version
# As the old cluster: libc locales (16 and later may default to ICU), and
# no data checksums (18 turns them on by default; pg_upgrade wants both the same).
new_initdb_opts=(--locale-provider=libc)
initdb_help=$("$new_bindir/initdb" --help)
[[ $initdb_help != *--no-data-checksums* ]] || new_initdb_opts+=(--no-data-checksums)
"$new_bindir/initdb" -D "$base/new" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 "${new_initdb_opts[@]}" >/dev/null
# pg_upgrade_to BINDIR ARGS: the pg_upgrade of BINDIR from the old cluster
# to $base/new with BINDIR's server, output in $tmp/pg_upgrade.out
pg_upgrade_to() {
  local bindir=$1; shift
  (cd "$base" && "$bindir/pg_upgrade" -b "$old_bindir" -B "$bindir" -d "$base/old" -D "$base/new" \
     -p "$old_port" -P "$new_port" -s "$base" -U postgres "$@") > "$tmp/pg_upgrade.out" 2>&1
}
upgrade() {
  pg_upgrade_to "$new_bindir" "$@" ||
    { cat "$tmp/pg_upgrade.out" >&2; find "$base/new" -path '*pg_upgrade_output.d*' -name '*.log' -exec tail -n 20 {} + >&2 || true
      fail "pg_upgrade $* failed"; }
}
# Without rfm installed for the new server (NORFM_BINDIR: the same
# programs over a copy of that server without rfm.so, from
# check-versions), pg_upgrade --check stops at its libraries check and its
# report names rfm's library (README "Upgrading").
if [ -n "${NORFM_BINDIR:-}" ]; then
  if pg_upgrade_to "$NORFM_BINDIR" --check; then
    fail "pg_upgrade --check passes with no rfm library for the new server"
  fi
  report=$(find "$base/new" -name loadable_libraries.txt | head -n 1)
  grep -q 'loadable libraries' "$tmp/pg_upgrade.out" && [ -n "$report" ] && grep -q '"\$libdir/rfm"' "$report" ||
    { cat "$tmp/pg_upgrade.out" ${report:+"$report"} >&2; fail "pg_upgrade --check without rfm.so does not report rfm's library"; }
  rm -rf "$base/new/pg_upgrade_output.d"
  echo "ok: pg_upgrade --check with no rfm for the new server fails, naming \$libdir/rfm"
fi
upgrade --check
upgrade
echo "ok: pg_upgrade --check and pg_upgrade pass ($new_version)"

# --- 3. the same answers and the same dump on the new server
start "$new_bindir" "$base/new" "$new_port"
export PGPORT=$new_port
q $DB <<<"$checks" > "$tmp/new.out" || fail "checks fail after pg_upgrade"
diff -u "$tmp/expected" "$tmp/new.out" || fail "different answers after pg_upgrade"
createdb ${DB}_restored
q ${DB}_restored -f "$tmp/old.sql" > /dev/null 2> "$tmp/restore.err" || { cat "$tmp/restore.err" >&2; fail "the dump taken before pg_upgrade does not restore on the new server"; }
[ ! -s "$tmp/restore.err" ] || { cat "$tmp/restore.err" >&2; fail "restoring the dump taken before pg_upgrade prints messages"; }
normalized_dump -d ${DB}_restored > "$tmp/restored.sql"
normalized_dump -d $DB > "$tmp/new.sql"
diff -u "$tmp/restored.sql" "$tmp/new.sql" || fail "the dump after pg_upgrade differs from the dump taken before it, restored"
dropdb ${DB}_restored
echo "ok: same answers on server $(q $DB -c 'SHOW server_version'); the dump equals the old dump restored there ($(grep -c . "$tmp/new.sql") lines)"

# --- 4. refresh and fold on the new server
q $DB -c "CALL rfm.refresh_tiers('shop.customer_tiers')" || fail "refresh_tiers fails after pg_upgrade"
q $DB <<<"$checks" > "$tmp/new2.out"
diff -u "$tmp/expected" "$tmp/new2.out" || fail "a refresh after pg_upgrade changes the tier table"
q $DB -c "INSERT INTO shop.orders_w VALUES (100, 'bob', '2024-03-10', 3)"
q $DB -c "SELECT rfm.customer_state_refresh('shop_state')" >/dev/null || fail "customer_state_refresh fails after pg_upgrade"
got=$(q $DB -c "SELECT frequency, monetary, recency_days FROM rfm.customer_state_scores('shop_state', as_of => '2024-03-31') WHERE customer = 'bob'")
[ "$got" = "2|10|21" ] || fail "the customer state after pg_upgrade folds bob's new order as '$got', expected 2|10|21"
echo "ok: the tier table refreshes and the customer state folds a new order after pg_upgrade"

# --- 5. the database on rfm 0.1.0: unchanged by pg_upgrade, then updated
[ "$(q $OLDDB -c "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'rfm'")" = 0.1.0 ] ||
  fail "pg_upgrade changed the rfm version of $OLDDB"
q $OLDDB <<<"$old_checks" > "$tmp/new_010.out" || fail "checks fail on rfm 0.1.0 after pg_upgrade"
diff -u "$tmp/expected_010" "$tmp/new_010.out" || fail "rfm 0.1.0 gives different answers after pg_upgrade"
q $OLDDB -c "ALTER EXTENSION rfm UPDATE" || fail "ALTER EXTENSION rfm UPDATE fails after pg_upgrade"
default=$(q $OLDDB -c "SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'rfm'")
[ "$default" != 0.1.0 ] && [ "$(q $OLDDB -c "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'rfm'")" = "$default" ] ||
  fail "ALTER EXTENSION rfm UPDATE after pg_upgrade did not reach the default version ($default)"
q $OLDDB <<<"$old_checks" > "$tmp/new_upd.out" || fail "checks fail after updating rfm"
diff -u "$tmp/expected_010" "$tmp/new_upd.out" || fail "updating rfm after pg_upgrade changes the answers"
echo "ok: rfm 0.1.0 works after pg_upgrade and updates to $default with the same answers"
