#!/usr/bin/env bash
# `make check-valgrind`: run the regression suite (pg_regress, then pgTAP)
# against a PostgreSQL server running under valgrind memcheck, and fail if
# valgrind reports any error with an rfm.so function on its stack.
#
# Nothing shared is touched: the PostgreSQL installation is copied to a
# private tree (PostgreSQL finds lib/ and share/ relative to its binary), rfm
# is built from a copy of the sources (-g -O1) and installed there, and a
# private cluster is started from that tree with the postmaster under
# valgrind (backends are forked, so they run under valgrind too).
#
# Why not AddressSanitizer: with this glibc, LD_PRELOADing libasan into the
# (uninstrumented) postgres binary deadlocks in bindtextdomain() at startup.
# Suppressions: the Debian server is not built with USE_VALGRIND, so
# memcheck has known false positives inside PostgreSQL itself (padding bytes
# written to WAL and the relcache init file, the regex cache shift); those,
# and only those, are suppressed by name in scripts/valgrind.supp.  Any other
# report fails the run.
# Limit: palloc chunks inside one memory-context block are not separately
# tracked, so an overrun that stays inside a block is not seen.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

PG_CONFIG=${PG_CONFIG:-pg_config}
bindir=$("$PG_CONFIG" --bindir)
pkglibdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
command -v valgrind >/dev/null || { echo "check-valgrind: valgrind not found (apt-get install valgrind)" >&2; exit 2; }

work=$(mktemp -d /tmp/rfm-valgrind.XXXXXX)
root=$work/root
port=${VALGRIND_PGPORT:-55433}
runas=()
[ "$(id -u)" -ne 0 ] || runas=(runuser -u postgres --)
stop() { [ -f "$work/data/postmaster.pid" ] && "${runas[@]}" "$root$bindir/pg_ctl" -D "$work/data" -m fast -t 300 stop >/dev/null 2>&1 || true; }
trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

echo "== private PostgreSQL copy in $root"
for d in "$bindir" "$pkglibdir" "$sharedir"; do
  mkdir -p "$root$(dirname "$d")"; cp -a "$d" "$root$d"
done
[ "$("$root$bindir/pg_config" --pkglibdir)" = "$root$pkglibdir" ] || { echo "check-valgrind: PostgreSQL copy is not relocatable" >&2; exit 2; }

echo "== build rfm (-g -O1)"
mkdir -p "$work/build/src/sql"
cp Makefile rfm.control $(git ls-files 'rfm--*.sql') "$work/build/"
cp src/*.c src/*.h "$work/build/src/"; cp src/sql/*.sql "$work/build/src/sql/"
mkdir -p "$work/build/scripts"; cp scripts/install-shlib.sh "$work/build/scripts/"
cp -r sql expected test "$work/build/"; ln -s "$repo/data" "$work/build/data"
make -s -C "$work/build" with_llvm=no COPT='-g -O1 -fno-omit-frame-pointer' >/dev/null
make -s -C "$work/build" with_llvm=no install DESTDIR="$root" >/dev/null
make -s -C "$work/build" with_llvm=no install-test-modules DESTDIR="$root" >/dev/null

echo "== private cluster on port $port, postmaster under valgrind"
mkdir -p "$work/vg"
[ ${#runas[@]} -eq 0 ] || chown -R postgres "$work"
chmod 755 "$work"
"${runas[@]}" "$root$bindir/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
"${runas[@]}" valgrind --quiet --tool=memcheck --leak-check=no --error-limit=no \
  --suppressions="$repo/scripts/valgrind.supp" ${VALGRIND_OPTS:-} --num-callers=30 --log-file="$work/vg/%p.log" \
  "$root$bindir/postgres" -D "$work/data" -p "$port" -k "$work" -c listen_addresses= \
  -c shared_preload_libraries=pg_cron -c cron.database_name=rfm_tap -c max_worker_processes=16 \
  -c jit=off > "$work/server.log" 2>&1 &
for _ in $(seq 120); do pg_isready -q -h "$work" -p "$port" && break; sleep 1; done
pg_isready -q -h "$work" -p "$port" || { echo "check-valgrind: server did not start" >&2; cat "$work/server.log" >&2; exit 2; }

export PGHOST=$work PGPORT=$port PGUSER=postgres
unset PGPASSWORD PGDATABASE || true

# Prove the backends really run the private rfm.so under valgrind.
psql -X -q -d postgres -c 'CREATE EXTENSION rfm'
pid=$(psql -X -At -d postgres -c "SELECT rfm.recency_days(rfm.summarize(d, 1), d) FROM (VALUES (current_date)) v(d) GROUP BY d;
                                  SELECT pg_backend_pid()" | tail -1)
maps=$(cat "/proc/$pid/maps")
grep -q vgpreload_memcheck <<<"$maps" || { echo "check-valgrind: backend does not run under valgrind" >&2; exit 1; }
grep -q "$root$pkglibdir/rfm.so" <<<"$maps" || { echo "check-valgrind: backend did not load the private rfm.so" >&2; exit 1; }
psql -X -q -d postgres -c 'DROP EXTENSION rfm'
echo "ok: backend $pid runs under valgrind memcheck with $root$pkglibdir/rfm.so"

status=0
echo "== pg_regress"
make -s -C "$work/build" with_llvm=no installcheck || { status=1; head -100 "$work/build/regression.diffs" 2>/dev/null || true; }
echo "== pgTAP"
make -s -C "$work/build" with_llvm=no prove TAP_DB=rfm_tap || status=1

stop
# One valgrind error = one block starting "==PID== <message>" and ending at a
# blank "==PID== " line.  Known PostgreSQL-internal reports are suppressed
# (scripts/valgrind.supp); every other report fails the run, and those with
# an rfm.so frame are shown first.
export rfm_frame="rfm\.so|[( ]($(cd src && ls *.c | sed 's/\.c$//' | paste -sd'|'))\.c:"
count_errors() {
  cat "$work"/vg/*.log | awk -v only_rfm="$1" '
    BEGIN { pat = ENVIRON["rfm_frame"] }
    /^==[0-9]+== [A-Z]/ && !inerr { inerr=1; rfm=0; next }
    inerr && $0 ~ pat { rfm=1 }
    inerr && /^==[0-9]+== *$/ { if (rfm || !only_rfm) n++; inerr=0 }
    END { print n+0 }'
}
rfm_errors=$(count_errors 1)
all_errors=$(count_errors 0)
if [ "$all_errors" -gt 0 ]; then
  echo "check-valgrind: $all_errors unsuppressed valgrind error(s), $rfm_errors with an rfm frame (KEEP=1 keeps the logs in $work/vg):" >&2
  grep -hE '^==[0-9]+== [A-Z]' "$work"/vg/*.log | sed 's/^==[0-9]*== //' | sort | uniq -c | sort -rn | head -20 >&2
  { grep -lE "$rfm_frame" "$work"/vg/*.log || grep -lE '^==[0-9]+== [A-Z]' "$work"/vg/*.log; } | head -5 | xargs cat >&2
  exit 1
fi
echo "ok: valgrind reported 0 errors (PostgreSQL-internal suppressions used: see scripts/valgrind.supp) (tests status: $status)"
exit $status
