#!/bin/bash
# make bench: the plain-SQL NTILE pipeline against rfm's whole-table path,
# on seeded synthetic orders, in one throwaway cluster (pg_virtualenv).
#   BENCH_ORDERS    orders to generate (default 10000000)
#   BENCH_CUSTOMERS customers (default BENCH_ORDERS / 10)
# Prints each step's time and the ratios; fails if the NTILE pipeline's and
# rfm's R/F/M values (recency days, frequency, monetary) differ anywhere, or
# if the incrementally refreshed state differs from a full rebuild, or if a
# tier table (rfm.create_tiers, rfm.refresh_tiers) disagrees with the plain
# SQL tier table or with rfm.customer_scores.
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERS=${BENCH_ORDERS:-10000000}
CUSTOMERS=${BENCH_CUSTOMERS:-$((ORDERS / 10))}
OUT=$(mktemp)
trap 'cp "$OUT" /tmp/rfm_bench_last.log; rm -f "$OUT"' EXIT

echo "rfm bench: $ORDERS orders, $CUSTOMERS customers; $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(pg_config --version)"
# Shared buffers in 4 kB pages cost every session a page fault for each
# buffer page it touches first (README, "Huge pages"); huge_pages = try
# (the default) uses huge pages when the kernel has enough of them free.
# How many the bench's server holds (with any other server running here:
# total - free + reserved) is printed once it has started.
huge_pages_held() {
  awk '/HugePages_Total/ {t=$2} /HugePages_Free/ {f=$2} /HugePages_Rsvd/ {r=$2}
       END {h = t - f + r; printf "INFO huge pages held by running servers: %d of %d%s\n", h, t,
            h == 0 ? " (shared memory in 4 kB pages)" : ""}' /proc/meminfo
}
export -f huge_pages_held
pg_virtualenv -t -v 15 \
    -o shared_buffers=2GB -o work_mem=256MB -o max_worker_processes=8 \
    -o max_parallel_workers=4 -o max_parallel_workers_per_gather=2 -o jit=off \
    -o max_wal_size=8GB -o checkpoint_timeout=30min \
    bash -c 'huge_pages_held && exec psql -X -q -A -t -v ON_ERROR_STOP=1 -v orders="$1" -v customers="$2" -f bench/bench.sql' \
         bench "$ORDERS" "$CUSTOMERS" >"$OUT" 2>&1 || { cat "$OUT"; exit 1; }

grep -E '^(CHECK|INFO)' "$OUT" | sed 's/^INFO //'
# "STEP name" then psql's "Time: N ms" for the timed statement
awk '/^STEP /{step=$2} /^Time: /{ if (step != "") { t[step]=$2/1000; order[++n]=step; step="" } }
     END {
       for (i = 1; i <= n; i++) printf "  %-26s %8.2f s\n", order[i], t[order[i]];
       printf "ratios:\n";
       printf "  rfm.summarize GROUP BY / builtin max+count+sum : %.2f (target <= 1)\n", t["summarize_groupby"] / t["builtin_trio"];
       printf "  NTILE pipeline / rfm.customer_scores           : %.1fx faster (target >= 8)\n", t["ntile_pipeline"] / t["customer_scores"];
       printf "  same, both without parallel workers             : %.1fx faster\n", t["ntile_pipeline_serial"] / t["customer_scores_serial"];
       best = t["customer_scores"] < t["customer_scores_serial"] ? t["customer_scores"] : t["customer_scores_serial"];
       printf "  NTILE pipeline (best) / customer_scores (best)  : %.1fx faster\n", (t["ntile_pipeline"] < t["ntile_pipeline_serial"] ? t["ntile_pipeline"] : t["ntile_pipeline_serial"]) / best;
       printf "  rfm.customer_scores (best) / bare scan          : %.1f\n", best / t["bare_scan"];
       printf "  customer_scores SQL path / direct scan          : %.1fx\n", t["customer_scores_sql_path"] / best;
       printf "  refresh (1%% new) / state rebuild               : %.3f (target <= 0.10)\n", t["state_refresh_1pct"] / t["state_rebuild"];
       if ("state_rebuild_2" in t) {
         br = t["state_refresh_1pct"] < t["state_refresh_1pct_2"] ? t["state_refresh_1pct"] : t["state_refresh_1pct_2"];
         bb = t["state_rebuild"] < t["state_rebuild_2"] ? t["state_rebuild"] : t["state_rebuild_2"];
         printf "  same, best of two runs each                     : %.3f\n", br / bb;
       }
       printf "  refresh (1%% new) / rfm.customer_scores         : %.3f\n", t["state_refresh_1pct"] / t["customer_scores"];
       if ("tier_create" in t) {
         printf "  tier table: plain SQL (NTILE + labels) / rfm.create_tiers : %.1fx faster (target >= 8)\n", t["tier_plain_sql"] / t["tier_create"];
         bp = t["tier_plain_sql"] < t["tier_plain_sql_2"] ? t["tier_plain_sql"] : t["tier_plain_sql_2"];
         bc = t["tier_create"] < t["tier_create_2"] ? t["tier_create"] : t["tier_create_2"];
         printf "  same, best of two runs each                            : %.1fx faster\n", bp / bc;
         if ("tier_plain_matview" in t)
           printf "  plain SQL as a materialized view + unique index / rfm.create_tiers (best) : %.1fx faster (the same kind of table)\n", t["tier_plain_matview"] / bc;
         printf "  rfm.refresh_tiers (1%% new orders) / rfm.create_tiers     : %.2f\n", t["tier_refresh"] / t["tier_create"];
         if ("tier_refresh_concurrently" in t)
           printf "  REFRESH ... CONCURRENTLY / rfm.refresh_tiers (in place)  : %.1fx slower\n", t["tier_refresh_concurrently"] / t["tier_refresh"];
       }
       if ("tier_refresh_incremental" in t) {
         printf "  incremental tier refresh / full tier refresh (1%% new)   : %.2f (target <= 0.10)\n", t["tier_refresh_incremental"] / t["tier_refresh_full"];
         printf "  incremental tier refresh / rfm.create_tiers (same day)   : %.2f\n", t["tier_refresh_incremental"] / t["tier_create_today"];
         if ("state_refresh_1pct" in t)
           printf "  state refresh (scoring at read time) / full tier refresh : %.2f (README \"Scoring at read time\")\n", t["state_refresh_1pct"] / t["tier_refresh_full"];
         if ("tier_refresh_concurrently" in t)
           printf "  incremental tier refresh / REFRESH ... CONCURRENTLY      : %.2f\n", t["tier_refresh_incremental"] / t["tier_refresh_concurrently"];
       }
     }' "$OUT"
if grep -q '^CHECK.*FAIL' "$OUT"; then
    echo "bench: results differ" >&2
    exit 1
fi
