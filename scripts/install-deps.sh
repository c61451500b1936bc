#!/usr/bin/env bash
# Installs what building and testing rfm needs on Debian: PostgreSQL 15
# server and headers, pgTAP with pg_prove, pg_cron, a C toolchain, OpenCC
# (test/shell/zh_hant_opencc.sh checks the zh-Hant labels against it).
# Idempotent; uses sudo when not run as root.
set -euo pipefail

PG_MAJOR=${PG_MAJOR:-15}
packages=(
  build-essential
  "postgresql-$PG_MAJOR"
  "postgresql-server-dev-$PG_MAJOR"
  "postgresql-$PG_MAJOR-pgtap"
  "postgresql-$PG_MAJOR-cron"
  libtap-parser-sourcehandler-pgtap-perl
  postgresql-common
  opencc
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
