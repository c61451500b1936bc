#!/usr/bin/env bash
# The rfm demo: installs what it needs (Debian), builds and installs rfm,
# starts a throwaway PostgreSQL cluster, loads the CDNOW sample orders and
# prints per-customer summaries and the tier table.  The cluster is removed
# when the demo ends.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

bash scripts/install-deps.sh
make -s
$sudo make -s install >/dev/null
$sudo pg_virtualenv -t -v "${PG_MAJOR:-15}" \
  psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f demo/demo.sql
