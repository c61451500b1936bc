#!/usr/bin/env bash
# Release metadata agree: rfm.control default_version, the PGXN META.json
# (valid, spec 1.0.0, required keys), the newest debian/changelog entry, and
# the install script make builds; every released version has a frozen,
# checked-in script.  No database needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*" >&2; exit 1; }

control=$(sed -n "s/^default_version = '\(.*\)'/\1/p" rfm.control)
meta=$(python3 - 2>&1 <<'PY'
import json, sys
m = json.load(open('META.json'))
for k in ('name', 'abstract', 'version', 'maintainer', 'license', 'provides', 'meta-spec'):
    if k not in m: sys.exit('META.json lacks ' + k)
if m['meta-spec']['version'] != '1.0.0': sys.exit('META.json meta-spec must be 1.0.0')
p = m['provides']['rfm']
if p['version'] != m['version']: sys.exit('META.json provides.rfm.version differs from version')
print(m['version'])
PY
) || fail "META.json: $meta"
deb=$(sed -n '1s/^rfm (\([^)-]*\)\(-[^)]*\)\{0,1\}).*/\1/p' debian/changelog)
[ "$control" = "$meta" ] || fail "rfm.control default_version $control, META.json version $meta"
[ "$control" = "$deb" ] || fail "rfm.control default_version $control, debian/changelog $deb"
[ -e "rfm--$control.sql" ] || fail "rfm--$control.sql not built (run make)"
for v in $(sed -n 's/^rfm (\([^)-]*\).*/\1/p' debian/changelog | tail -n +2); do
  git ls-files --error-unmatch "rfm--$v.sql" >/dev/null 2>&1 || fail "released $v has no checked-in rfm--$v.sql"
done
echo "ok: version $control in rfm.control, META.json and debian/changelog; released versions frozen"

# make install puts rfm.so in place by rename (scripts/install-shlib.sh):
# GNU install wrote into the old file, under backends that had it loaded
# (which could crash them, and with them every session of the cluster).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
make -s install DESTDIR="$stage" >/dev/null
so=$(find "$stage" -name rfm.so)
[ -n "$so" ] || fail "make install DESTDIR=... installed no rfm.so"
before=$(stat -c %i "$so")
make -s install DESTDIR="$stage" >/dev/null
[ "$(stat -c %i "$so")" != "$before" ] || fail "make install wrote over the installed rfm.so in place"
cmp -s rfm.so "$so" || fail "the installed rfm.so differs from the built one"
[ -z "$(find "$stage" -name '.rfm.so.new.*')" ] || fail "make install left its temporary file"
[ "$(stat -c %a "$so")" = 755 ] || fail "rfm.so installed with mode $(stat -c %a "$so"), not 755"
echo "ok: make install replaces rfm.so by rename, not in place"
