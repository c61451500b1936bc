#!/usr/bin/env bash
# An incremental tier table (create_tiers ... watermark_column) survives
# pg_dump / pg_restore (custom format, serially and with -j 4) and a plain
# dump replayed with psql:
# the restored database has the same tier rows, customer states and
# watermark; after new orders, its incremental refresh equals a tier table
# built from all orders; drop_tiers removes the state.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

SRC=rfm_tinc_src
DST=rfm_tinc_dst
PLAIN=rfm_tinc_plain
PARALLEL=rfm_tiers_dump_parallel
SCRATCH_DBS="$SRC $DST $PLAIN $PARALLEL"
. test/shell/lib/scratch.sh

dropdbs
createdb $SRC
q $SRC -c 'CREATE EXTENSION rfm'
q $SRC > /dev/null <<'SQL'
CREATE SCHEMA "Shop";
CREATE TABLE "Shop"."Orders" (id bigserial PRIMARY KEY, "Customer" text, ordered_on date, amount numeric);
INSERT INTO "Shop"."Orders" ("Customer", ordered_on, amount)
SELECT 'c' || c, current_date - (c * 11 + k * 17) % 200, (c * 7 + k * 3) % 50 - 3
  FROM generate_series(1, 300) c, generate_series(1, 4) k;
SELECT rfm.create_tiers('"Shop"."Incremental Tiers"', '"Shop"."Orders"', 'Customer', 'ordered_on', 'amount',
                        watermark_column => 'id');
INSERT INTO "Shop"."Orders" ("Customer", ordered_on, amount) VALUES ('c1', current_date, 9), ('new', current_date - 1, 4);
CALL rfm.refresh_tiers('"Shop"."Incremental Tiers"');
SQL

fingerprint() {
  q "$1" <<'SQL'
SELECT 'tiers ' || md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM "Shop"."Incremental Tiers" t;
SELECT 'states ' || md5(string_agg(concat_ws(',', s.customer, s.first_purchase, s.last_purchase, s.frequency, s.monetary),
                                   '|' ORDER BY s.customer))
  FROM rfm.customer_states s JOIN rfm.tier_tables t ON t.state_name = s.state_name;
SELECT 'source ' || concat_ws(',', s.state_name, s.source, s.customer_column, s.time_column, s.amount_column,
                              s.watermark_column, s.watermark)
  FROM rfm.customer_state_sources s JOIN rfm.tier_tables t ON t.state_name = s.state_name;
SELECT 'catalog ' || concat_ws(',', id, tier, watermark_column, state_name) FROM rfm.tier_tables;
SQL
}
fingerprint $SRC > "$tmp/src.txt"
grep -q "^source rfm tier 1,\"Shop\".\"Orders\",Customer,ordered_on,amount,id,1202$" "$tmp/src.txt" \
  || fail "source state not as expected: $(cat "$tmp/src.txt")"

check_restored() {
  local db=$1 how=$2
  fingerprint "$db" > "$tmp/$db.txt"
  diff "$tmp/src.txt" "$tmp/$db.txt" || fail "$how: restored database differs"
  q "$db" > /dev/null <<'SQL'
INSERT INTO "Shop"."Orders" ("Customer", ordered_on, amount)
VALUES ('c2', current_date, 5), ('c3', current_date - 400, 70), ('c4', current_date, -20), ('newer', current_date, 1);
CALL rfm.refresh_tiers('"Shop"."Incremental Tiers"');
SELECT rfm.create_tiers('"Shop"."Full Tiers"', '"Shop"."Orders"', 'Customer', 'ordered_on', 'amount');
SQL
  differ=$(q "$db" -c 'SELECT count(*) FROM ((SELECT i::text FROM "Shop"."Incremental Tiers" i EXCEPT ALL SELECT f::text FROM "Shop"."Full Tiers" f)
                                          UNION ALL (SELECT f::text FROM "Shop"."Full Tiers" f EXCEPT ALL SELECT i::text FROM "Shop"."Incremental Tiers" i)) d')
  [ "$differ" = 0 ] || fail "$how: after new orders the incremental refresh differs from a full build in $differ rows"
  [ "$(q "$db" -c "SELECT watermark FROM rfm.customer_state_sources WHERE state_name = 'rfm tier 1'")" = 1206 ] \
    || fail "$how: the watermark did not move to the newest order"
  q "$db" -c "SELECT rfm.drop_tiers('\"Shop\".\"Incremental Tiers\"'), rfm.drop_tiers('\"Shop\".\"Full Tiers\"')" > /dev/null
  left=$(q "$db" -c "SELECT (SELECT count(*) FROM rfm.customer_state_sources) + (SELECT count(*) FROM rfm.customer_states)
                          + (SELECT count(*) FROM rfm.tier_tables)")
  [ "$left" = 0 ] || fail "$how: drop_tiers left $left state or catalog rows"
  echo "ok: $how: same tier rows, states and watermark; incremental refresh == full build; drop removes the state"
}

dump_round_trip $SRC $DST $PLAIN check_restored $PARALLEL

# The same with a tier table owned by a role that is not a superuser.  The
# restore refreshes it as that role with row_security off (pg_dump writes
# SET row_security = off), where reading the state tables, which have
# row-level security, used to fail ("query would be affected by row-level
# security policy") and left the tier table empty.
OWNER=rfm_tinc_owner
dropdbs
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $OWNER" -c "CREATE ROLE $OWNER"
trap 'dropdbs; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $OWNER" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
createdb $SRC
q $SRC > /dev/null <<SQL
CREATE EXTENSION rfm;
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO $OWNER;
CREATE SCHEMA shop AUTHORIZATION $OWNER;
SET ROLE $OWNER;
CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer text, ordered_on date, amount numeric);
INSERT INTO shop.orders (customer, ordered_on, amount)
SELECT 'c' || c, current_date - c, c FROM generate_series(1, 20) c;
SELECT rfm.create_tiers('shop.inc', 'shop.orders', 'customer', 'ordered_on', 'amount', watermark_column => 'id');
SQL
check_owned() {
  local db=$1 how=$2
  [ "$(q "$db" -c 'SELECT count(*) FROM shop.inc')" = 20 ] || fail "$how: the non-superuser's incremental tier table was not refilled"
  q "$db" > /dev/null <<SQL
SET ROLE $OWNER;
INSERT INTO shop.orders (customer, ordered_on, amount) VALUES ('new', current_date, 5);
CALL rfm.refresh_tiers('shop.inc');
SQL
  [ "$(q "$db" -c 'SELECT count(*) FROM shop.inc')" = 21 ] || fail "$how: its owner's refresh did not fold in the new order"
  echo "ok: $how: a non-superuser's incremental tier table is refilled by the restore and refreshes"
}
dump_round_trip $SRC $DST $PLAIN check_owned $PARALLEL
