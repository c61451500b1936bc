#!/usr/bin/env bash
# Whole-extension dump/restore: a database using rfm (views over
# rfm.summarize, stored rfm.summary values, a tier table, edited rows in
# every rfm configuration table) is dumped with pg_dump (custom and plain
# formats) and restored into fresh databases with errors fatal.  Checks:
#  - the restore runs with no error (pg_restore --exit-on-error, psql
#    ON_ERROR_STOP, in one transaction),
#  - the same queries give the same answers (and the hand-checked values),
#  - a dump of the restored database equals the dump of the original
#    (schema, configuration rows and user data), so nothing was lost or
#    duplicated (e.g. configuration rows the install script also inserts).
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

SRC=rfm_dump_src
CUSTOM=rfm_dump_custom
PLAIN=rfm_dump_plain
SCRATCH_DBS="$SRC $CUSTOM $PLAIN"
. test/shell/lib/scratch.sh
. test/shell/lib/rich_db.sh

dropdbs
createdb $SRC
build_rich_db $SRC

# Edit every rfm configuration table that users may edit (custom segment
# rules, playbook texts): every row of every config table must survive.
cfg_tables=$(q $SRC -c "SELECT c::regclass::text FROM pg_catalog.pg_extension e, unnest(e.extconfig) c
                        WHERE e.extname = 'rfm' AND (SELECT relkind FROM pg_catalog.pg_class WHERE oid = c) = 'r' ORDER BY 1")
echo "config tables: ${cfg_tables:-none}" | tr '\n' ' '; echo

q $SRC <<<"$checks" > "$tmp/src.out" || fail "checks fail on the source database"
diff -u "$tmp/expected" "$tmp/src.out" || fail "source database does not give the hand-checked values"

normalized_dump -d $SRC > "$tmp/src.sql"
pg_dump -Fc -d $SRC -f "$tmp/src.dump"

# custom format -> pg_restore
createdb $CUSTOM
pg_restore --exit-on-error --single-transaction -d $CUSTOM "$tmp/src.dump" 2> "$tmp/restore.err" \
  || { cat "$tmp/restore.err" >&2; fail "pg_restore into a fresh database failed"; }
[ ! -s "$tmp/restore.err" ] || { cat "$tmp/restore.err" >&2; fail "pg_restore printed warnings/errors"; }
# plain format -> psql
createdb $PLAIN
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d $PLAIN -f "$tmp/src.sql" > /dev/null 2> "$tmp/plain.err" \
  || { cat "$tmp/plain.err" >&2; fail "plain dump replay failed"; }
[ ! -s "$tmp/plain.err" ] || { cat "$tmp/plain.err" >&2; fail "plain dump replay printed warnings/errors"; }
echo "ok: custom-format pg_restore and plain-dump replay ran without errors or warnings"

for db in $CUSTOM $PLAIN; do
  q $db <<<"$checks" > "$tmp/$db.out" || fail "checks fail on restored $db"
  diff -u "$tmp/expected" "$tmp/$db.out" || fail "restored $db gives different answers"
  normalized_dump -d $db > "$tmp/$db.sql"
  diff -u "$tmp/src.sql" "$tmp/$db.sql" || fail "dump of restored $db differs from the original's dump"
  if has_function $db refresh_tiers; then
    q $db -c "CALL rfm.refresh_tiers('shop.customer_tiers')" || fail "refresh_tiers fails after restore into $db"
    q $db <<<"$checks" > "$tmp/$db.out2"
    diff -u "$tmp/expected" "$tmp/$db.out2" || fail "tier table changes after a refresh in restored $db"
  fi
  echo "ok: $db: same answers, identical re-dump ($(grep -c . "$tmp/src.sql") lines)"
done
