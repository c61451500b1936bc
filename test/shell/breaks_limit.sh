#!/usr/bin/env bash
# rfm.breaks keeps every value of a group in memory, at most 1 GB (README
# "Cut points"): past it a clear 54000 naming rfm.breaks and the cap (it
# was PostgreSQL's bare "out of memory ... Cannot enlarge string buffer",
# and in a parallel worker "invalid memory alloc request size", XX000).
# 2.2 million 1000-digit values (512 bytes each in the state) reach it.
# A shell scenario, not pgTAP: it needs 1 GB, and minutes under valgrind.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=rfm_breaks_limit
SCRATCH_DBS=$DB
. test/shell/lib/scratch.sh

dropdbs
createdb "$DB"
q "$DB" -c 'CREATE EXTENSION rfm'
if out=$(q "$DB" -v VERBOSITY=verbose -c "SET max_parallel_workers_per_gather = 0" \
           -c "SELECT cardinality(rfm.breaks(v)) FROM (SELECT repeat('9', 1000)::numeric - g AS v FROM generate_series(1, 2200000) g) s" 2>&1); then
  fail "rfm.breaks over more than 1 GB of values succeeded"
fi
grep -q '54000: rfm.breaks: the values need more than 1 GB (2097151 values so far)' <<< "$out" ||
  fail "rfm.breaks past 1 GB failed unclearly: $out"
echo "ok: rfm.breaks past 1 GB of values: 54000 naming it and the cap"
[ "$(q "$DB" -c "SELECT cardinality(rfm.breaks(v)) FROM (SELECT repeat('9', 1000)::numeric - g AS v FROM generate_series(1, 1000000) g) s")" = 4 ] ||
  fail "rfm.breaks over half a gigabyte of values failed"
echo "ok: ... and over half of it, the cut points"
