# Sourced by the scenario tests in test/shell/ (not a test itself: only
# test/shell/*.sh are run).  Set SCRATCH_DBS to the databases the test
# makes; they and $tmp are removed on exit, however the test ends, after
# the test's background sessions are stopped.
tmp=$(mktemp -d)
dropdbs() { for d in $SCRATCH_DBS; do dropdb --if-exists "$d" >/dev/null 2>&1 || true; done; }
trap 'jobs -p | xargs -r kill 2>/dev/null || true; dropdbs; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
# normalized_dump PG_DUMP_ARGS...: a plain dump without the lines that
# differ between any two dumps of the same contents (the \restrict key of
# pg_dump 17.6+, "Dumped from/by" versions).
normalized_dump() {
  pg_dump "$@" | grep -v -E '^(\\(un)?restrict |-- Dumped )'
}

# dump_round_trip SRC CUSTOM PLAIN CHECK [PARALLEL]: restores a
# custom-format dump of SRC into a new database CUSTOM (errors fatal) and
# replays a plain dump into PLAIN, running "CHECK db description" on each;
# with PARALLEL, also pg_restore -j 4 into that new database (each of its
# sessions loads another table's data at the same time).
dump_round_trip() {
  local src=$1 custom=$2 plain=$3 check=$4 parallel=${5:-}
  pg_dump -Fc -f "$tmp/dump.custom" "$src"
  createdb "$custom"
  pg_restore --exit-on-error -d "$custom" "$tmp/dump.custom" || fail "pg_restore failed"
  "$check" "$custom" "pg_dump -Fc | pg_restore"
  if [ -n "$parallel" ]; then
    createdb "$parallel"
    pg_restore --exit-on-error -j 4 -d "$parallel" "$tmp/dump.custom" || fail "pg_restore -j 4 failed"
    "$check" "$parallel" "pg_dump -Fc | pg_restore -j 4"
  fi
  pg_dump -Fp -f "$tmp/dump.sql" "$src"
  createdb "$plain"
  psql -X -q -v ON_ERROR_STOP=1 -d "$plain" -f "$tmp/dump.sql" > /dev/null || fail "replaying the plain dump failed"
  "$check" "$plain" "plain pg_dump | psql"
}

# orders_db DB: a new database DB with rfm and public.orders (id, customer,
# ordered_on, amount): 3,000 orders of 300 customers in 2024, amounts 1..97.
orders_db() {
  createdb "$1"
  q "$1" > /dev/null <<'ORDERS_SQL'
CREATE EXTENSION rfm;
CREATE TABLE orders (id bigint, customer integer, ordered_on date, amount numeric);
INSERT INTO orders SELECT g, g % 300, date '2024-01-01' + g % 200, g % 97 + 1 FROM generate_series(1, 3000) g;
ORDERS_SQL
}
