#!/usr/bin/env bash
# The README's first command, `bash demo/run.sh`, works: it builds and
# installs rfm, starts a throwaway cluster of its own, loads the CDNOW
# sample and prints the summaries, the tier table and its segments, then
# removes the cluster.  The figures checked here come from the raw file
# (awk below) and the data's README (6,919 orders, 2,357 customers), not
# from rfm.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# its own cluster, not the one the other tests run on, and the PostgreSQL
# it runs (pg_virtualenv), not one PG_CONFIG may name
env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER -u PGPASSWORD -u PG_CONFIG \
  bash demo/run.sh > "$out" 2>&1 || { tail -n 30 "$out"; fail "bash demo/run.sh failed"; }

# Orders loaded: 6919 rows, 2357 customers, 1997-01-01 .. 1998-06-30.
grep -Eq '^ +6919 \| +2357 \| 1997-01-01 \| 1998-06-30$' "$out" \
  || fail "the demo did not load 6,919 orders of 2,357 customers"

# The biggest spender, from the raw file: sample id, orders, purchase
# days, first and last day, dollars; recency from 1998-07-01.
read -r id n days first last dollars < <(awk '
  { n[$2]++; s[$2] += $5; d[$2 " " $3] = 1
    if (!($2 in lo) || $3 < lo[$2]) lo[$2] = $3
    if ($3 > hi[$2]) hi[$2] = $3 }
  END { for (k in d) { split(k, p, " "); pd[p[1]]++ }
        for (c in s) if (best == "" || s[c] > s[best]) best = c
        printf "%s %d %d %s %s %.2f\n", best, n[best], pd[best], lo[best], hi[best], s[best] }' data/CDNOW_sample.txt)
recency=$(( ($(date -u -d 1998-07-01 +%s) - $(date -u -d "$last" +%s)) / 86400 ))
first_iso="${first:0:4}-${first:4:2}-${first:6:2}"
last_iso="${last:0:4}-${last:4:2}-${last:6:2}"
grep -Eq "^ +$id \| $first_iso +\| $last_iso +\| +$recency \| +$n \| +$days \| +$dollars \|" "$out" \
  || fail "summary of the top customer $id ($n orders on $days days, $first_iso..$last_iso, recency $recency, $dollars) not printed"
grep -Eq "^ +$id \| +$recency \| +$n \| +$dollars \| [1-5]{3} +\|" "$out" \
  || fail "tier table row of customer $id not printed"

# The segment table counts every customer with a purchase once: 2,349 of
# the 2,357, eight bought only for $0.00 (no purchase: README, Input rules).
buyers=$(awk '$5 + 0 > 0 { c[$2] = 1 } END { print length(c) }' data/CDNOW_sample.txt)
total=$(awk -F'|' '/^== Segments/ { on = 1; next } /^== / { on = 0 }
                   on && $3 ~ /^ *[0-9]+ *$/ { t += $3 } END { print t + 0 }' "$out")
[ "$buyers" = 2349 ] || fail "the sample has $buyers customers with a purchase, not 2349"
[ "$total" = "$buyers" ] || fail "the segments add up to $total customers, not $buyers"

# rfm.check_orders names the eight: customers not scored, one $0 order each
# (the raw file: customers with no amount above 0, and their orders).
read -r unscored unscored_orders < <(awk '{ n[$2]++; if ($5 + 0 > 0) b[$2] = 1 }
  END { for (c in n) if (!(c in b)) { u++; o += n[c] } printf "%d %d\n", u, o }' data/CDNOW_sample.txt)
[ "$unscored" = 8 ] || fail "the sample has $unscored customers without a purchase, not 8"
grep -Eq "^ customers not scored +\| +$unscored_orders \| +$unscored \| +0\.00 \|" "$out" \
  || fail "rfm.check_orders' customers not scored ($unscored customers, $unscored_orders orders) not printed"

grep -q 'Dropping cluster' "$out" || fail "the throwaway cluster was not removed"
echo "ok: bash demo/run.sh loads the CDNOW sample, prints the summaries, tier table and segments, removes its cluster"
