#!/usr/bin/env bash
# Private PostgreSQL for development: a relocatable copy of the installed
# server (PostgreSQL finds lib/ and share/ relative to its binary) plus a
# running cluster of its own, so several people (or sessions) can build,
# install and test rfm at once without touching the shared installation.
#
#   eval "$(bash scripts/private-pg.sh /tmp/mypg 55501)"   # once; prints exports
#   make PG_CONFIG=$PG_CONFIG && make PG_CONFIG=$PG_CONFIG install install-test-modules
#   make PG_CONFIG=$PG_CONFIG installcheck; make PG_CONFIG=$PG_CONFIG prove
#   bash scripts/private-pg.sh /tmp/mypg 55501 stop
#
# The cluster preloads pg_cron (cron.database_name = rfm_tap) like
# scripts/test-all.sh.  Re-running with the same directory reuses it.
set -euo pipefail
dir=${1:?usage: private-pg.sh DIR PORT [stop]}
port=${2:?usage: private-pg.sh DIR PORT [stop]}
action=${3:-start}

src_config=$(command -v pg_config)
bindir=$("$src_config" --bindir)
pkglibdir=$("$src_config" --pkglibdir)
sharedir=$("$src_config" --sharedir)
includedir=$("$src_config" --includedir-server)
root=$dir/root
runas=()
[ "$(id -u)" -ne 0 ] || runas=(runuser -u postgres --)

if [ "$action" = stop ]; then
  "${runas[@]}" "$root$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi

if [ ! -x "$root$bindir/postgres" ]; then
  for d in "$bindir" "$pkglibdir" "$sharedir" "$includedir"; do
    mkdir -p "$root$(dirname "$d")"; cp -a "$d" "$root$d"
  done
fi
[ "$("$root$bindir/pg_config" --pkglibdir)" = "$root$pkglibdir" ] ||
  { echo "private-pg: PostgreSQL copy is not relocatable" >&2; exit 2; }

if [ ! -f "$dir/data/PG_VERSION" ]; then
  [ ${#runas[@]} -eq 0 ] || chown -R postgres "$dir"
  chmod 755 "$dir"
  "${runas[@]}" "$root$bindir/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
fi
if ! pg_isready -q -h "$dir" -p "$port"; then
  "${runas[@]}" "$root$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses= -c shared_preload_libraries=pg_cron \
        -c cron.database_name=rfm_tap -c cron.use_background_workers=on \
        -c max_worker_processes=16 -c jit=off" start >/dev/null
fi
# make install writes into the copy as root; the server reads it as postgres.
echo "export PG_CONFIG=$root$bindir/pg_config PGHOST=$dir PGPORT=$port PGUSER=postgres"
