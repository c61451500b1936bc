#!/usr/bin/env bash
# rfm in databases of other encodings (README "Database encodings"): its
# install scripts are UTF-8 (rfm.control: encoding = UTF8), and CREATE
# EXTENSION converts them to the database's encoding, so
#  1. in EUC_CN (GB2312) and SQL_ASCII databases every built-in rule and
#     playbook row, Chinese labels included, reads back (as UTF-8) exactly
#     as in a UTF8 database, and a tier table's Chinese labels are right;
#  2. in LATIN1, which has no Chinese characters, CREATE EXTENSION fails
#     with untranslatable_character (22P05) and installs nothing (before,
#     it installed the labels as mojibake).
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
UTF8_DB=rfm_enc_utf8
SCRATCH_DBS="$UTF8_DB rfm_enc_euc_cn rfm_enc_sql_ascii rfm_enc_latin1"
. test/shell/lib/scratch.sh
dropdbs
export PGCLIENTENCODING=UTF8

# Every built-in label and action, one line each.
builtins="
SELECT scheme, priority, label_en, label_zh FROM rfm.segment_rules ORDER BY 1, 2;
SELECT scheme, segment, lang, action FROM rfm.playbook ORDER BY 1, 2, 3;"
# A tier table over three customers (as in lib/rich_db.sh: monetary 7,
# 32.25, 150 with a purchase each day at the same recency): the labels.
tier_sql="
CREATE TABLE public.orders (customer text, ordered_on date, amount numeric);
INSERT INTO public.orders VALUES ('alice', '2024-03-01', 32.25), ('bob', '2024-03-01', 7), ('carol', '2024-03-01', 150);
SELECT rfm.create_tiers('public.tiers', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31');"
tier_check="SELECT customer_id, segment, segment_zh FROM public.tiers ORDER BY 1;"

createdb -E UTF8 -T template0 --locale=C $UTF8_DB
q $UTF8_DB -c "CREATE EXTENSION rfm"
q $UTF8_DB <<<"$builtins" > "$tmp/utf8.builtins"
q $UTF8_DB <<<"$tier_sql" > /dev/null
q $UTF8_DB <<<"$tier_check" > "$tmp/utf8.tiers"
# the Champions label of the standard scheme, as README "Scores and segments" gives it
grep -qx 'standard|10|Champions|冠军客户' "$tmp/utf8.builtins" || fail "the UTF8 database lacks the Champions rule"
[ "$(grep -c '[^ -~]' "$tmp/utf8.builtins")" -gt 40 ] || fail "too few Chinese labels in the UTF8 database"

# --- 1. EUC_CN and SQL_ASCII: the same labels
for enc in EUC_CN SQL_ASCII; do
  db=rfm_enc_$(echo "$enc" | tr 'A-Z' 'a-z')
  createdb -E "$enc" -T template0 --locale=C "$db"
  q "$db" -c "CREATE EXTENSION rfm" || fail "CREATE EXTENSION rfm fails in a $enc database"
  q "$db" <<<"$builtins" > "$tmp/$enc.builtins"
  diff -u "$tmp/utf8.builtins" "$tmp/$enc.builtins" || fail "the built-in labels differ in a $enc database"
  q "$db" <<<"$tier_sql" > /dev/null
  q "$db" <<<"$tier_check" > "$tmp/$enc.tiers"
  diff -u "$tmp/utf8.tiers" "$tmp/$enc.tiers" || fail "a tier table's labels differ in a $enc database"
  echo "ok: $enc: all $(wc -l < "$tmp/$enc.builtins") built-in rules and playbook rows and a tier table's labels as in UTF8"
done
# 冠军客户 is 12 bytes in UTF-8, 8 in EUC_CN: stored converted, not as UTF-8 bytes
[ "$(q rfm_enc_euc_cn -c "SELECT octet_length(rfm.segment(5, 5, 5, lang => 'zh'))")" = 8 ] ||
  fail "EUC_CN does not store the Chinese labels in its own two-byte encoding"

# --- 2. LATIN1: refused, nothing installed
createdb -E LATIN1 -T template0 --locale=C rfm_enc_latin1
if out=$(q rfm_enc_latin1 -v VERBOSITY=verbose -c "CREATE EXTENSION rfm" 2>&1); then
  fail "CREATE EXTENSION rfm succeeded in a LATIN1 database"
fi
echo "$out" | grep -q '22P05' || fail "CREATE EXTENSION rfm in LATIN1 failed, but not with 22P05: $out"
[ "$(q rfm_enc_latin1 -c "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'rfm'")" = 0 ] ||
  fail "rfm is installed in the LATIN1 database after all"
echo "ok: LATIN1: CREATE EXTENSION rfm fails with 22P05 ($(echo "$out" | grep -m1 -o 'character with .*'))"
