#!/usr/bin/env bash
# Who can pg_dump a database that uses rfm (README "Tier tables", "Dump and
# restore"): rfm's catalog tables have row-level security, and pg_dump
# refuses to dump a table whose policies apply to it, so
#  1. a backup role with read access to everything and BYPASSRLS dumps it,
#     and the restore (as a superuser) has the tier table, its catalog row,
#     the customer state and the user's playbook row, and refreshes;
#  2. the role that owns the tier table, without BYPASSRLS, cannot;
#  3. --enable-row-security lets a role without BYPASSRLS dump, but only
#     the catalog rows its policies show it: the tier table's row is
#     missing from the backup role's dump, and the restored tier table is
#     not a tier table to rfm (so it is no backup).
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=rfm_dump_roles_src
DST=rfm_dump_roles_dst
RLS=rfm_dump_roles_rls
SCRATCH_DBS="$SRC $DST $RLS"
. test/shell/lib/scratch.sh
dropdbs
as() { local role=$1; shift; PGPASSWORD=rfm_dump_roles PGUSER=$role "$@"; }
drop_roles() {
  for r in rfm_dump_owner rfm_dump_backup; do
    q postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true
  done
}
trap 'dropdbs; drop_roles; rm -rf "$tmp"' EXIT
drop_roles

createdb $SRC
q $SRC <<'SQL'
CREATE EXTENSION rfm;
CREATE ROLE rfm_dump_owner LOGIN PASSWORD 'rfm_dump_roles';
CREATE ROLE rfm_dump_backup LOGIN PASSWORD 'rfm_dump_roles' BYPASSRLS;
GRANT CREATE ON SCHEMA public TO rfm_dump_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm.customer_state_sources, rfm.customer_states TO rfm_dump_owner;
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Champions', 'en', 'Call them');
SQL
# read access to everything: pg_read_all_data from 14, grants on 13
if [ "$(q $SRC -c "SHOW server_version_num")" -ge 140000 ]; then
  q $SRC -c "GRANT pg_read_all_data TO rfm_dump_backup"
else
  q $SRC -c "GRANT SELECT ON ALL TABLES IN SCHEMA public, rfm TO rfm_dump_backup" \
         -c "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, rfm TO rfm_dump_backup" \
         -c "ALTER DEFAULT PRIVILEGES FOR ROLE rfm_dump_owner GRANT SELECT ON TABLES TO rfm_dump_backup"
fi
# the owner's orders (bob: 7 on 02-01, alice: 20 on 01-10), tier table and
# incremental customer state
as rfm_dump_owner q $SRC <<'SQL' >/dev/null
CREATE TABLE public.orders (id int, customer text, ordered_on date, amount numeric);
INSERT INTO public.orders VALUES (1, 'bob', '2024-02-01', 7), (2, 'alice', '2024-01-10', 20);
SELECT rfm.create_tiers('public.tiers', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31');
SELECT rfm.customer_state_create('owner_state', 'public.orders', 'customer', 'ordered_on', 'amount', 'id');
SQL
checks="
SELECT customer_id, recency_days, frequency, monetary FROM public.tiers ORDER BY 1;
SELECT tier::text FROM rfm.tier_tables;
SELECT customer, frequency, monetary FROM rfm.customer_state_scores('owner_state', as_of => '2024-03-31') ORDER BY 1;
SELECT rfm.recommended_action('Champions');"
# recency to 03-31: alice 81 (from 01-10), bob 59 (from 02-01, leap year)
printf '%s\n' 'alice|81|1|20' 'bob|59|1|7' 'tiers' 'alice|1|20' 'bob|1|7' 'Call them' > "$tmp/expected"
q $SRC <<<"$checks" > "$tmp/src.out"
diff -u "$tmp/expected" "$tmp/src.out" || fail "the source database does not give the hand-checked values"

# --- 1. the backup role
as rfm_dump_backup pg_dump -Fc -d $SRC -f "$tmp/backup.dump" 2> "$tmp/backup.err" ||
  { cat "$tmp/backup.err" >&2; fail "pg_dump by a role with read access to everything and BYPASSRLS failed"; }
createdb $DST
pg_restore --exit-on-error --single-transaction -d $DST "$tmp/backup.dump" || fail "restoring the backup role's dump failed"
q $DST <<<"$checks" > "$tmp/dst.out"
diff -u "$tmp/expected" "$tmp/dst.out" || fail "the backup role's dump does not restore the same answers"
q $DST -c "CALL rfm.refresh_tiers('public.tiers')" || fail "the restored tier table does not refresh"
echo "ok: a role with read access to everything and BYPASSRLS dumps rfm's catalog; the restore refreshes"

# --- 2. the tier table's owner, without BYPASSRLS
if as rfm_dump_owner pg_dump -d $SRC -f "$tmp/owner.sql" 2> "$tmp/owner.err"; then
  fail "pg_dump by the tier table's owner without BYPASSRLS succeeded"
fi
echo "ok: the tier table's owner without BYPASSRLS cannot dump the database ($(grep -m1 -o 'ERROR: .*' "$tmp/owner.err"))"

# --- 3. --enable-row-security without BYPASSRLS: a partial catalog
q $SRC -c "ALTER ROLE rfm_dump_backup NOBYPASSRLS"
if as rfm_dump_backup pg_dump -Fc -d $SRC -f "$tmp/rls.dump" 2> "$tmp/rls.err"; then
  fail "pg_dump without BYPASSRLS succeeded without --enable-row-security"
fi
grep -q 'row-level security' "$tmp/rls.err" || { cat "$tmp/rls.err" >&2; fail "pg_dump without BYPASSRLS failed, but not on row-level security"; }
as rfm_dump_backup pg_dump -Fc --enable-row-security -d $SRC -f "$tmp/rls.dump" ||
  fail "pg_dump --enable-row-security failed"
createdb $RLS
pg_restore --exit-on-error --single-transaction -d $RLS "$tmp/rls.dump" || fail "restoring the --enable-row-security dump failed"
[ "$(q $RLS -c "SELECT count(*) FROM rfm.tier_tables")" = 0 ] ||
  fail "the --enable-row-security dump has the tier table's catalog row after all"
[ "$(q $RLS -c "SELECT count(*) FROM public.tiers")" = 2 ] || fail "the --enable-row-security dump lost the tier table's rows"
if q $RLS -c "CALL rfm.refresh_tiers('public.tiers')" 2>/dev/null; then
  fail "a tier table restored without its catalog row refreshes"
fi
echo "ok: --enable-row-security without BYPASSRLS leaves out the catalog rows the role cannot see (no backup)"
