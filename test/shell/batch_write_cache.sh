#!/usr/bin/env bash
# Batch writes (src/batch_insert.c) in a throwaway cluster of its own with
# shared_buffers = 16MB, small enough for a state several times bigger than
# shared buffers to be quick to make:
#  1. test/batch_write_cache.sql: a state of fewer pages than a quarter of
#     shared buffers stays in them (as in the suite's own cluster);
#  2. a state twice as big as shared buffers switches to the bulk-write ring
#     once its rows fill a quarter of them (the DEBUG1 message, once, after
#     about that many bytes), so one big write does not evict everything;
#     the small state's write does not;
#  3. tier builds of that size (fast path, and clv's SQL path) pass the
#     same threshold and finish with every row.
# Needs pg_virtualenv, pg_prove and pgTAP; rfm installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
port=5499
while [ -e "/var/run/postgresql/.s.PGSQL.$port" ] || [ -e "/tmp/.s.PGSQL.$port" ] ||
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
done
pg_virtualenv -t -v "${PG_MAJOR:-15}" -c "-p $port" -o shared_buffers=16MB bash -c '
  set -euo pipefail
  fail() { echo "FAIL: $*" >&2; exit 1; }
  createdb rfm_bwc
  psql -X -q -d rfm_bwc -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION rfm"
  pg_prove -v -d rfm_bwc test/batch_write_cache.sql
  # 2048 buffers: a quarter is 512 pages, about 512 * 5734 bytes of rows (fillfactor 70)
  psql -X -q -At -v ON_ERROR_STOP=1 -d rfm_bwc >/dev/null <<SQL
CREATE TABLE small_orders (id bigserial PRIMARY KEY, customer integer, ordered_on date, amount numeric);
INSERT INTO small_orders (customer, ordered_on, amount) SELECT g, date '\''2024-01-01'\'' + g % 300, 1 FROM generate_series(1, 30000) g;
CREATE TABLE big_orders (LIKE small_orders INCLUDING ALL);
INSERT INTO big_orders (customer, ordered_on, amount) SELECT g, date '\''2024-01-01'\'' + g % 300, 1 FROM generate_series(1, 330000) g;
SQL
  small=$(psql -X -At -v ON_ERROR_STOP=1 -d rfm_bwc -c "SET client_min_messages = debug1" \
          -c "SELECT rfm.customer_state_create('\''small'\'', '\''small_orders'\'', '\''customer'\'', '\''ordered_on'\'', '\''amount'\'', '\''id'\'')" 2>&1)
  big=$(psql -X -At -v ON_ERROR_STOP=1 -d rfm_bwc -c "SET client_min_messages = debug1" \
          -c "SELECT rfm.customer_state_create('\''big'\'', '\''big_orders'\'', '\''customer'\'', '\''ordered_on'\'', '\''amount'\'', '\''id'\'')" 2>&1)
  grep -q "^30000$" <<< "$small" || fail "small state: $small"
  grep -q "^330000$" <<< "$big" || fail "big state: $big"
  if grep -q "bulk-write ring" <<< "$small"; then fail "a state smaller than a quarter of shared buffers used the ring"; fi
  rings=$(echo "$big" | grep -c "writing customer_states through the bulk-write ring" || true)
  [ "$rings" = 1 ] || fail "the big state switched to the ring $rings times: $big"
  bytes=$(echo "$big" | sed -n "s/.*ring from here on (\([0-9]*\) bytes.*/\1/p")
  # a quarter of 2048 pages at 5734 bytes each is 2935808; one batch is at most 1000 rows more
  [ "$bytes" -ge 2935808 ] && [ "$bytes" -le $((2935808 + 1000 * 100)) ] || fail "switched after $bytes bytes"
  echo "ok: the big state switched to the ring after $bytes bytes, the small one never"
  # Tier builds write their rows from a per-row memory context: the ring
  # made there was freed while still in use (a crash or "could not find
  # block containing chunk" once the rows passed a quarter of shared
  # buffers).  330,000 customers, fast path and (clv) the SQL path.
  for clv in false true; do
    got=$(psql -X -At -v ON_ERROR_STOP=1 -d rfm_bwc -c "SET client_min_messages = debug1" \
            -c "SELECT rfm.create_tiers('\''big_tiers_$clv'\'', '\''big_orders'\'', '\''customer'\'', '\''ordered_on'\'', '\''amount'\'', as_of => '\''2024-12-31'\'', keep_history => false, clv => $clv)" \
            -c "SELECT count(*) FROM big_tiers_$clv" 2>&1) || fail "tier build (clv $clv): $got"
    grep -q "through the bulk-write ring" <<< "$got" || fail "the tier build (clv $clv) did not reach the ring: $got"
    grep -q "^330000$" <<< "$got" || fail "tier build (clv $clv): $got"
  done
  echo "ok: tier builds of 330,000 customers past the ring threshold (fast path and clv)"' 2>&1 | grep -v "^\(Creating new\|Dropping cluster\)"
