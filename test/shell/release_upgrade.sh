#!/usr/bin/env bash
# Upgrade path: install the oldest released rfm, build user objects on it,
# upgrade one step at a time to the default version, and check that
#  - the user objects still work and give the same answers as before,
#  - the upgraded extension is identical to a fresh install (every member,
#    its definition, ownership, grants, comments; config tables and data),
#  - every installed rfm script refuses to run under plain psql, and no
#    upgrade script contains DROP ... CASCADE.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

FRESH=rfm_rel_fresh
UPGR=rfm_rel_upgraded
RAW=rfm_rel_raw
SCRATCH_DBS="$FRESH $UPGR $RAW"
. test/shell/lib/scratch.sh

dropdbs
for d in $FRESH $UPGR $RAW; do createdb "$d"; done

# RFM_EXTENSION_DIR: where the server under test reads extension scripts
# (scripts/check-versions.sh sets it for the servers it borrows).
extdir="${RFM_EXTENSION_DIR:-$(pg_config --sharedir)/extension}"

# --- 1. every installed script is guarded; no CASCADE in upgrade scripts.
for f in "$extdir"/rfm--*.sql; do
  head -n 5 "$f" | grep -Eq '^\\echo Use "(CREATE|ALTER) EXTENSION rfm[^"]*" to load this file\. \\quit$' \
    || fail "$(basename "$f") lacks the \\echo ... \\quit guard in its first lines"
  out=$(psql -X -v ON_ERROR_STOP=1 -d $RAW -f "$f" 2>&1) || fail "psql -f $(basename "$f") failed: $out"
  grep -q 'to load this file' <<< "$out" || fail "psql -f $(basename "$f") did not print the guard message"
  n=$(q $RAW -c "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'rfm'")
  [ "$n" = 0 ] || fail "psql -f $(basename "$f") created objects"
  case "$f" in *--*--*.sql)
    # statements (comments stripped) that start with DROP and reach CASCADE
    # before their semicolon
    if sed 's/--.*//' "$f" | tr '\n' ' ' | tr ';' '\n' | grep -Eiq '^[[:space:]]*drop[[:space:]].*[[:space:]]cascade[[:space:]]*$'; then
      fail "$(basename "$f") contains DROP ... CASCADE"
    fi ;;
  esac
done
echo "ok: every installed rfm script is guarded against psql; no DROP ... CASCADE in upgrade scripts"

# --- 2. the versions: oldest available, default, and the step-by-step path.
default=$(q $FRESH -c "SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'rfm'")
oldest=$(q $FRESH -c "SELECT version FROM pg_catalog.pg_available_extension_versions WHERE name = 'rfm'
                      ORDER BY pg_catalog.string_to_array(version, '.')::int[] LIMIT 1")
path=$(q $FRESH -c "SELECT path FROM pg_catalog.pg_extension_update_paths('rfm')
                    WHERE source = '$oldest' AND target = '$default'")
[ "$oldest" = 0.1.0 ] || fail "oldest available version is '$oldest', expected the first release 0.1.0"
[ -n "$default" ] && [ "$default" != "$oldest" ] || fail "default version '$default' must be newer than $oldest"
[ -n "$path" ] || fail "no update path from $oldest to $default"
echo "ok: update path $path"

# --- 3. user objects built on the oldest version (hand-checked values below).
q $UPGR <<SQL
CREATE EXTENSION rfm VERSION '$oldest';
CREATE TABLE public.orders (customer text, ordered_on date, amount numeric);
-- alice: purchases on 01-01 (10 + 5.50) and 01-10 (20), refund 3.25;
-- bob: one purchase of 7 on 02-01.
INSERT INTO public.orders VALUES
  ('alice', '2024-01-01', 10.00), ('alice', '2024-01-01', 5.50),
  ('alice', '2024-01-10', 20), ('alice', '2024-02-01', -3.25),
  ('bob', '2024-02-01', 7);
CREATE VIEW public.customer_rfm AS
  SELECT customer, (rfm.summarize(ordered_on, amount)).* FROM public.orders GROUP BY customer;
CREATE VIEW public.customer_recency AS
  SELECT customer, rfm.recency_days(rfm.summarize(ordered_on, amount), '2024-03-31') AS recency,
         rfm.tenure_days(rfm.summarize(ordered_on, amount), '2024-03-31') AS tenure,
         rfm.average_order_value(rfm.summarize(ordered_on, amount)) AS aov
    FROM public.orders GROUP BY customer;
CREATE TABLE public.summary_snapshot (customer text PRIMARY KEY, s rfm.summary);
INSERT INTO public.summary_snapshot
  SELECT customer, rfm.summarize(ordered_on, amount) FROM public.orders GROUP BY customer;
CREATE MATERIALIZED VIEW public.customer_rfm_mv AS SELECT * FROM public.customer_rfm;
CREATE FUNCTION public.big_spender(s rfm.summary) RETURNS boolean
  LANGUAGE sql AS \$\$ SELECT (\$1).monetary > 30 \$\$;
SQL

user_queries="
SELECT customer, first_purchase, last_purchase, frequency, purchase_days, monetary, refunds, repeat_days, repeat_monetary FROM public.customer_rfm ORDER BY customer;
SELECT * FROM public.customer_recency ORDER BY customer;
SELECT customer, (s).frequency, (s).monetary, public.big_spender(s) FROM public.summary_snapshot ORDER BY customer;
SELECT customer, monetary FROM public.customer_rfm_mv ORDER BY customer;"
# alice: first 01-01, last 01-10, 3 purchase rows, 2 days, net 35.50-3.25 =
# 32.25, refunds 3.25, 1 repeat day, repeat spend 20; recency 03-31 - 01-10 =
# 81, tenure 03-31 - 01-01 = 90, aov 32.25/3 = 10.75.  bob: 7 once,
# recency 59 (Feb has 29 days in 2024: 29 + 31 - 1), tenure 59, aov 7.
cat > "$tmp/expected" <<'EOF'
alice|2024-01-01|2024-01-10|3|2|32.25|3.25|1|20
bob|2024-02-01|2024-02-01|1|1|7|0|0|0
alice|81|90|10.75
bob|59|59|7
alice|3|32.25|t
bob|1|7|f
alice|32.25
bob|7
EOF
q $UPGR <<<"$user_queries" > "$tmp/before" || fail "user queries failed on $oldest"
diff -u "$tmp/expected" "$tmp/before" || fail "user objects on $oldest do not give the hand-checked values"
echo "ok: user views, stored rfm.summary values, materialized view and function work on $oldest"

# --- 4. upgrade one step at a time, checking the user objects after each.
IFS=' ' read -r -a steps <<<"$(echo "$path" | sed 's/--/ /g')"
for v in "${steps[@]:1}"; do
  q $UPGR -c "ALTER EXTENSION rfm UPDATE TO '$v'" || fail "ALTER EXTENSION rfm UPDATE TO '$v' failed"
  got=$(q $UPGR -c "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'rfm'")
  [ "$got" = "$v" ] || fail "after update to $v the extension reports $got"
  q $UPGR <<<"$user_queries" > "$tmp/after" || fail "user queries fail after update to $v"
  diff -u "$tmp/expected" "$tmp/after" || fail "user objects give different answers after update to $v"
  q $UPGR -c "REFRESH MATERIALIZED VIEW public.customer_rfm_mv" || fail "REFRESH after update to $v"
  echo "ok: updated to $v; user objects unchanged"
done

# --- 5. upgraded == fresh.  pg_dump --binary-upgrade writes every extension
# member separately (definition, owner, grants, comment, membership); strip
# the OID-preserving calls, which differ between any two databases.
q $FRESH -c "CREATE EXTENSION rfm"
members() {
  q "$1" -c "SELECT pg_catalog.pg_describe_object(classid, objid, objsubid)
               FROM pg_catalog.pg_depend
              WHERE refclassid = 'pg_catalog.pg_extension'::regclass AND deptype = 'e'
                AND refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'rfm')
              ORDER BY 1"
}
ext_dump() {
  pg_dump --schema-only --binary-upgrade --exclude-schema=public -d "$1" |
    grep -v -E '^(SELECT pg_catalog\.binary_upgrade_|\\(un)?restrict |-- Dumped )' |
    sed -E "s/^SET relfrozenxid = '[0-9]+', relminmxid = '[0-9]+'/SET relfrozenxid = N, relminmxid = N/; s/^WHERE oid = '[0-9]+';/WHERE oid = N;/"
}
config_data() {
  q "$1" -c "SELECT c::regclass::text, coalesce(x.cond, '')
               FROM pg_catalog.pg_extension e,
                    unnest(e.extconfig, e.extcondition) AS x(c, cond)
              WHERE e.extname = 'rfm' ORDER BY 1"
  for t in $(q "$1" -c "SELECT c::regclass::text FROM pg_catalog.pg_extension e, unnest(e.extconfig) c
                        WHERE e.extname = 'rfm' AND (SELECT relkind FROM pg_catalog.pg_class WHERE oid = c) = 'r' ORDER BY 1"); do
    echo "== $t"
    q "$1" -c "SELECT t::text FROM $t t ORDER BY 1"
  done
}
members $FRESH > "$tmp/fresh.members"; members $UPGR > "$tmp/upgr.members"
diff -u "$tmp/fresh.members" "$tmp/upgr.members" || fail "extension members differ: fresh $default vs upgraded"
ext_dump $FRESH > "$tmp/fresh.sql"; ext_dump $UPGR > "$tmp/upgr.sql"
diff -u "$tmp/fresh.sql" "$tmp/upgr.sql" || fail "schema rfm differs: fresh $default vs upgraded (pg_dump --binary-upgrade)"
config_data $FRESH > "$tmp/fresh.cfg"; config_data $UPGR > "$tmp/upgr.cfg"
diff -u "$tmp/fresh.cfg" "$tmp/upgr.cfg" || fail "configuration tables differ: fresh $default vs upgraded"
[ "$(wc -l < "$tmp/fresh.members")" -gt 5 ] || fail "suspiciously few extension members"
echo "ok: fresh $default and $oldest upgraded to $default are identical ($(wc -l < "$tmp/fresh.members") members, $(grep -c . "$tmp/fresh.sql") dump lines, $(grep -c '^== ' "$tmp/fresh.cfg" || true) config tables)"

# --- 6. the upgraded extension works like the fresh one: the same tier
# table over the same orders in both (after the comparison above, because
# it adds catalog rows with creation times).
if [ "$(q $FRESH -c "SELECT count(*) FROM pg_catalog.pg_proc WHERE proname = 'create_tiers' AND pronamespace = 'rfm'::regnamespace")" != 0 ]; then
  q $FRESH -c "CREATE TABLE public.orders AS SELECT * FROM (VALUES
      ('alice', '2024-01-01'::date, 10.00), ('alice', '2024-01-01', 5.50),
      ('alice', '2024-01-10', 20), ('alice', '2024-02-01', -3.25),
      ('bob', '2024-02-01', 7)) v(customer, ordered_on, amount)"
  for db in $FRESH $UPGR; do
    q $db -c "SELECT rfm.create_tiers('public.tiers', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')" >/dev/null \
      || fail "rfm.create_tiers fails in $db"
    q $db -c "SELECT * FROM public.tiers ORDER BY customer_id" > "$tmp/$db.tiers"
  done
  diff -u "$tmp/$FRESH.tiers" "$tmp/$UPGR.tiers" || fail "a tier table differs between fresh and upgraded"
  # alice: recency 81, frequency 3, monetary 32.25; bob: 59, 1, 7
  cut -d'|' -f1,4-6 "$tmp/$UPGR.tiers" | tr '\n' ' ' | grep -qx 'alice|81|3|32.25 bob|59|1|7 ' \
    || fail "tier table in the upgraded database: $(cat "$tmp/$UPGR.tiers")"
  echo "ok: a tier table made after the upgrade equals the one made on a fresh install"
fi
