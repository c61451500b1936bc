#!/usr/bin/env bash
# Runs every test (pg_regress outputs, then pgTAP behaviour tests) against a
# throwaway PostgreSQL cluster made by pg_virtualenv, with pg_cron preloaded.
# Expects rfm to be built and installed (make && make install).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_MAJOR=${PG_MAJOR:-15}
TAP_DB=rfm_tap

pg_virtualenv -t -v "$PG_MAJOR" \
  -o "shared_preload_libraries=pg_cron" -o "cron.database_name=$TAP_DB" \
  -o "cron.use_background_workers=on" \
  -o "max_worker_processes=16" \
  bash -c '
    status=0
    make installcheck || { status=1; cat regression.diffs 2>/dev/null | head -200; }
    make prove TAP_DB='"$TAP_DB"' || status=1
    # Scenario tests that need several sessions or tools (test/shell/*.sh).
    for t in test/shell/*.sh; do
      [ -e "$t" ] || continue
      echo "== $t"
      bash "$t" || { echo "FAILED: $t"; status=1; }
    done
    exit $status'
