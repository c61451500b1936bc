#!/usr/bin/env bash
# README "Quick start", "In your own database": its SQL block runs as
# written, statement by statement, on the full CDNOW file loaded into
# orders(customer_id, ordered_at timestamptz, amount numeric), and what it
# built holds what the raw file says (awk below, not rfm): every customer
# with a purchase up to each snapshot day once in the history (a backfilled
# day too, with its purchases and spend), the _segments view's customers
# adding up to the tier table's, the movers
# rfm.transitions counts, rfm.check_orders' counts, and the top spender up
# to 1997-12-31 first in rfm.customer_scores.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH_DBS=rfm_readme_tour
source test/shell/lib/scratch.sh

createdb rfm_readme_tour
q rfm_readme_tour -c "CREATE TABLE orders (customer_id integer, ordered_at timestamptz, amount numeric)"
awk 'NR > 1 { printf "%s\t%s-%s-%s\t%s\n", $1, substr($2, 1, 4), substr($2, 5, 2), substr($2, 7, 2), $4 }' \
  data/CDNOW_master.txt | q rfm_readme_tour -c "\copy orders FROM STDIN"

awk '/^### In your own database/ { on = 1 }
     on && /^```sql$/ { body = 1; next }
     body && /^```$/ { exit }
     body { print }' README.md > "$tmp/tour.sql"
grep -q 'rfm.create_tiers' "$tmp/tour.sql" || fail "no SQL block under \"In your own database\" in README.md"
q rfm_readme_tour -f "$tmp/tour.sql" > "$tmp/tour.out" 2>&1 || { cat "$tmp/tour.out"; fail "the tour's SQL failed"; }

# customers with a purchase (amount > 0) up to a day, from the raw file
buyers() { awk -v d="$1" 'NR > 1 && $2 + 0 <= d + 0 && $4 + 0 > 0 { c[$1] = 1 } END { print length(c) }' data/CDNOW_master.txt; }
b0630=$(buyers 19970630); b1997=$(buyers 19971231); b1998=$(buyers 19980630)
got=$(q rfm_readme_tour -c "SELECT string_agg(as_of || ':' || n, ' ' ORDER BY as_of)
                            FROM (SELECT as_of, count(*) AS n FROM customer_tiers_history GROUP BY as_of) h")
[ "$got" = "1997-06-30:$b0630 1997-12-31:$b1997 1998-06-30:$b1998" ] \
  || fail "history snapshots: got $got, the raw file has $b0630 buyers up to 1997-06-30 (backfilled), $b1997 up to 1997-12-31 and $b1998 up to 1998-06-30"
# the backfilled day: purchase rows and net spend up to it, as the raw file has them
read -r p0630 m0630 < <(awk 'NR > 1 && $2 + 0 <= 19970630 { m += $4; if ($4 + 0 > 0) p++ } END { printf "%d %.2f\n", p, m }' data/CDNOW_master.txt)
got=$(q rfm_readme_tour -c "SELECT sum(frequency) || ' ' || sum(monetary) FROM customer_tiers_history WHERE as_of = '1997-06-30'")
[ "$got" = "$p0630 $m0630" ] || fail "backfilled 1997-06-30: purchases and spend $got, the raw file has $p0630 and $m0630"
got=$(q rfm_readme_tour -c "SELECT (SELECT sum(customers) FROM customer_tiers_segments), (SELECT count(*) FROM customer_tiers)")
[ "$got" = "$b1998|$b1998" ] || fail "_segments customers | tier table rows: got $got, want $b1998 each"

# the customers the tour lists as moved are those rfm.transitions counts
got=$(q rfm_readme_tour -c "SELECT (SELECT sum(customers) FROM rfm.transitions('customer_tiers', '1997-12-31', '1998-06-30')
                                     WHERE from_segment IS DISTINCT FROM to_segment),
                                   (SELECT count(*) FROM customer_tiers_history b JOIN customer_tiers_history a USING (customer_id)
                                     WHERE b.as_of = '1997-12-31' AND a.as_of = '1998-06-30' AND a.segment <> b.segment)")
[ "${got%|*}" = "${got#*|}" ] && [ "${got%|*}" -gt 0 ] || fail "moved customers: transitions | history join: $got"

# rfm.check_orders: the buyers up to 1997-12-31 scored, the $0 lines and
# the orders after the day counted as the raw file has them
zero=$(awk 'NR > 1 && $2 + 0 <= 19971231 && $4 + 0 == 0' data/CDNOW_master.txt | wc -l)
later=$(awk 'NR > 1 && $2 + 0 > 19971231' data/CDNOW_master.txt | wc -l)
got=$(q rfm_readme_tour -c "SELECT string_agg(rule || '=' || CASE WHEN rule = 'customers scored' THEN customers ELSE orders END, ' ' ORDER BY rule)
                              FROM rfm.check_orders('orders', 'customer_id', 'ordered_at', 'amount', as_of => '1997-12-31')
                             WHERE rule IN ('customers scored', 'zero amount', 'after as_of')")
[ "$got" = "after as_of=$later customers scored=$b1997 zero amount=$zero" ] \
  || fail "rfm.check_orders: got $got; the raw file has $later orders after 1997-12-31, $b1997 buyers, $zero \$0 lines up to it"
grep -q "customers scored" "$tmp/tour.out" || fail "the tour's rfm.check_orders rows are not in its output"

# the top spender up to 1997-12-31 (net of the amounts, 2 decimals)
read -r top_id top_sum < <(awk 'NR > 1 && $2 + 0 <= 19971231 { s[$1] += $4 }
  END { for (c in s) if (best == "" || s[c] > s[best]) best = c; printf "%s %.2f\n", best, s[best] }' data/CDNOW_master.txt)
top_id=$((10#$top_id))   # 00001 in the file, 1 in the table
grep -Eq "^$top_id\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|$top_sum\|" "$tmp/tour.out" \
  || fail "customer $top_id (\$$top_sum up to 1997-12-31) is not in the tour's customer_scores rows"
echo "ok: the README tour ran; $b0630 (backfilled), $b1997 and $b1998 buyers in its snapshots; top spender $top_id"
