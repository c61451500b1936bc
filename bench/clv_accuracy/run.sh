#!/usr/bin/env bash
# CLV accuracy (README, "Customer lifetime value" / Predictions):
# rfm.bgnbd_expected_purchases over test/clv_sweep.sql's grid against a
# reference summed with mpmath (python3-mpmath) at DPS digits.  Needs a
# database with rfm (psql's connection settings from the environment).
# About 15 minutes on two cores at 40 digits.
#   bash bench/clv_accuracy/run.sh [OUTDIR] [DPS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/rfm-clv-accuracy}
dps=${2:-40}
mkdir -p "$out"
psql -X -q -v ON_ERROR_STOP=1 -f "$here/grid.sql" > "$out/rfm_values.csv"
python3 "$here/reference.py" "$out/rfm_values.csv" "$out/reference.csv" "$dps"
python3 "$here/compare.py" "$out/rfm_values.csv" "$out/reference.csv" "$out/compare.csv"
