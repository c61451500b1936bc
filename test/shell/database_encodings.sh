#!/usr/bin/env bash
# rfm in databases of other encodings (README "Database encodings"): its
# install scripts are UTF-8 (rfm.control: encoding = UTF8), and CREATE
# EXTENSION converts them to the database's encoding, so
#  1. in EUC_CN (GB2312) and SQL_ASCII databases every built-in rule and
#     playbook row, Chinese labels included, reads back (as UTF-8) exactly
#     as in a UTF8 database, and a tier table's Chinese labels (segment,
#     tier, lifecycle) are right;
#  2. in LATIN1 and WIN1252, which have no Chinese characters, and EUC_TW,
#     which has no simplified ones, CREATE EXTENSION fails with
#     untranslatable_character (22P05) and installs nothing (before, LATIN1
#     got the labels as mojibake);
#  3. GBK and GB18030 clients read the labels; a BIG5 client gets 22P05;
#  4. lang 'zh-Hant': SQL_ASCII as UTF8, EUC_CN 22P05 (section 4 below).
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
UTF8_DB=rfm_enc_utf8
SCRATCH_DBS="$UTF8_DB rfm_enc_euc_cn rfm_enc_sql_ascii rfm_enc_latin1 rfm_enc_win1252 rfm_enc_euc_tw"
. test/shell/lib/scratch.sh
dropdbs
export PGCLIENTENCODING=UTF8

# Every built-in label and action, one line each.
builtins="
SELECT scheme, priority, label_en, label_zh FROM rfm.segment_rules ORDER BY 1, 2;
SELECT scheme, segment, lang, action FROM rfm.playbook ORDER BY 1, 2, 3;
SELECT c, l, rfm.lifecycle(rfm.summarize(d, 1), '2024-06-30', lang => l)
  FROM (VALUES (1, '2024-06-29'::date), (2, '2024-01-02'), (2, '2024-06-01'),
               (3, '2024-03-01'), (4, '2023-01-01')) o(c, d), (VALUES ('en'), ('zh')) x(l)
 GROUP BY c, l ORDER BY c, l;"
# A tier table over three customers (as in lib/rich_db.sh: monetary 7,
# 32.25, 150 with a purchase each day at the same recency): the labels.
tier_sql="
CREATE TABLE public.orders (customer text, ordered_on date, amount numeric);
INSERT INTO public.orders VALUES ('alice', '2024-03-01', 32.25), ('bob', '2024-03-01', 7), ('carol', '2024-03-01', 150);
SELECT rfm.create_tiers('public.tiers', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31');"
tier_check="SELECT customer_id, segment, segment_zh, tier_zh, lifecycle_zh FROM public.tiers ORDER BY 1;"

createdb -E UTF8 -T template0 --locale=C $UTF8_DB
q $UTF8_DB -c "CREATE EXTENSION rfm"
q $UTF8_DB <<<"$builtins" > "$tmp/utf8.builtins"
q $UTF8_DB <<<"$tier_sql" > /dev/null
q $UTF8_DB <<<"$tier_check" > "$tmp/utf8.tiers"
# tier and lifecycle in Chinese, by hand: every recency is 30 (r 5, as
# equal values score the top where lower is better), f 1, m 1 / 3 / 5 for
# 7 / 32.25 / 150 (cuts 17.1, 27.2, 55.8, 102.9): r + f + m = 9, 7, 11 ->
# 潜力, 边缘, 潜力; bought once 30 days before as_of -> 活跃 (new is < 30)
[ "$(cut -d'|' -f1,4,5 "$tmp/utf8.tiers" | tr '\n' ' ')" = 'alice|潜力|活跃 bob|边缘|活跃 carol|潜力|活跃 ' ] ||
  fail "the UTF8 tier table's Chinese tier and lifecycle: $(cat "$tmp/utf8.tiers")"
# the Champions label of the standard scheme, as README "Scores and segments" gives it
grep -qx 'standard|10|Champions|冠军客户' "$tmp/utf8.builtins" || fail "the UTF8 database lacks the Champions rule"
[ "$(grep -c '[^ -~]' "$tmp/utf8.builtins")" -gt 40 ] || fail "too few Chinese labels in the UTF8 database"
# the lifecycle stages (README "Lifecycle stages"; labels written in C, not
# in the install script): new, active, sleeping, churned
[ "$(grep -E '^[1-4]\|zh\|' "$tmp/utf8.builtins" | cut -d'|' -f3 | tr '\n' ' ')" = '新客 活跃 沉睡 流失 ' ] ||
  fail "the UTF8 database's Chinese lifecycle stages are wrong"
[ "$(grep -E '^[1-4]\|en\|' "$tmp/utf8.builtins" | cut -d'|' -f3 | tr '\n' ' ')" = 'new active sleeping churned ' ] ||
  fail "the UTF8 database's English lifecycle stages are wrong"

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
# the same for the lifecycle stages, which C returns: 流失 is 4 bytes in EUC_CN
[ "$(q rfm_enc_euc_cn -c "SELECT octet_length(rfm.lifecycle(rfm.summarize('2023-01-01'::date, 1), '2024-06-30', lang => 'zh'))")" = 4 ] ||
  fail "EUC_CN gets the Chinese lifecycle stages in UTF-8 bytes"

# A bad order's error names the customer, its key cut at 60 bytes: in
# EUC_CN on a character boundary, in SQL_ASCII (bytes only) not inside a
# UTF-8 sequence either, which a UTF-8 client would refuse (x + 35 x 语:
# 60 bytes end inside the 20th 语 in UTF-8, the 30th in EUC_CN)
for enc in EUC_CN SQL_ASCII; do
  db=rfm_enc_$(echo "$enc" | tr 'A-Z' 'a-z')
  q "$db" -c "CREATE TABLE public.bad (c text, d date, a numeric)" \
          -c "INSERT INTO public.bad VALUES ('x' || repeat('语', 35), '2024-01-01', 'NaN')"
  out=$(psql -X -q -At -d "$db" -c "SELECT count(*) FROM rfm.customer_scores('public.bad', 'c', 'd', 'a', as_of => '2024-06-30')" 2>&1) \
    && fail "$enc: a NaN amount was scored"
  case $enc in
    EUC_CN) want="x$(printf '语%.0s' $(seq 29))" ;;   # 1 + 29 x 2 = 59 bytes
    *) want="x$(printf '语%.0s' $(seq 19))" ;;       # 1 + 19 x 3 = 58 bytes
  esac
  [ "${out%%$'\n'*}" = "ERROR:  rfm.customer_scores: amount must not be NaN (customer $want..., order on 2024-01-01)" ] \
    || fail "$enc: the cut key in the error: $out"
done
echo "ok: EUC_CN and SQL_ASCII: a long key in an error is cut on a character boundary"

# --- 2. LATIN1, WIN1252 and EUC_TW: refused, nothing installed.  LATIN1 and
# WIN1252 have no Chinese at all: the scripts' first Chinese character, 冠
# (UTF-8 0xe5 0x86 0xa0), fails.  EUC_TW (CNS 11643, traditional) has 冠 but
# not the simplified 军 after it (0xe5 0x86 0x9b; it has only 軍).
for enc in LATIN1 WIN1252 EUC_TW; do
  db=rfm_enc_$(echo "$enc" | tr 'A-Z' 'a-z')
  case $enc in EUC_TW) bytes='0xe5 0x86 0x9b' ;; *) bytes='0xe5 0x86 0xa0' ;; esac
  createdb -E "$enc" -T template0 --locale=C "$db"
  if out=$(q "$db" -v VERBOSITY=verbose -c "CREATE EXTENSION rfm" 2>&1); then
    fail "CREATE EXTENSION rfm succeeded in a $enc database"
  fi
  grep -q '22P05' <<< "$out" || fail "CREATE EXTENSION rfm in $enc failed, but not with 22P05: $out"
  grep -q "byte sequence $bytes in encoding \"UTF8\" has no equivalent in encoding \"$enc\"" <<< "$out" ||
    fail "CREATE EXTENSION rfm in $enc failed on another character than $bytes: $out"
  [ "$(q "$db" -c "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'rfm'")" = 0 ] ||
    fail "rfm is installed in the $enc database after all"
  [ "$(q "$db" -c "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'rfm'")" = 0 ] ||
    fail "CREATE EXTENSION rfm left a schema rfm in the $enc database"
  echo "ok: $enc: CREATE EXTENSION rfm fails with 22P05 ($(echo "$out" | grep -m1 -o 'character with .*'))"
done

# --- 3. clients (README "Database encodings"): a GBK or GB18030 client of
# the UTF8 database reads the labels, converted (冠军客户: 8 bytes in both);
# a BIG5 client (traditional characters) gets 22P05 for 冠军客户 and can
# read 核心, the one segment label BIG5 has.
for enc in GBK GB18030; do
  out=$(PGCLIENTENCODING=$enc psql -X -q -At -v ON_ERROR_STOP=1 -d $UTF8_DB -c "SELECT segment_zh FROM public.tiers ORDER BY 1" | iconv -f "$enc" -t UTF-8)
  [ "$(echo "$out" | tr '\n' ' ')" = "$(cut -d'|' -f3 "$tmp/utf8.tiers" | LC_ALL=C sort | tr '\n' ' ')" ] ||
    fail "a $enc client reads other labels: $out"
  [ "$(PGCLIENTENCODING=$enc psql -X -q -At -d $UTF8_DB -c "SELECT rfm.segment(5, 5, 5, lang => 'zh')" | wc -c)" = 9 ] ||
    fail "a $enc client does not get 冠军客户 in its own two-byte encoding"
  echo "ok: a $enc client reads the tier table's Chinese labels"
done
if out=$(PGCLIENTENCODING=BIG5 psql -X -q -At -v VERBOSITY=verbose -d $UTF8_DB -c "SELECT rfm.segment(5, 5, 5, lang => 'zh')" 2>&1); then
  fail "a BIG5 client read 冠军客户: $out"
fi
grep -q '22P05' <<< "$out" || fail "a BIG5 client's read of 冠军客户 failed, but not with 22P05: $out"
[ "$(PGCLIENTENCODING=BIG5 psql -X -q -At -d $UTF8_DB -c "SELECT rfm.tier(5, 5, 5, lang => 'zh')" | iconv -f BIG5 -t UTF-8)" = 核心 ] ||
  fail "a BIG5 client does not read 核心"
echo "ok: a BIG5 client gets 22P05 for 冠军客户 and reads 核心"

# --- 4. lang 'zh-Hant' (README "Database encodings"): the traditional
# labels come from C, converted when asked for.  In SQL_ASCII they are the
# UTF8 database's bytes; EUC_CN (GB2312) has almost none of the characters:
# every function asked for one of rfm's converted labels fails with 22P05
# naming itself, while 'en' and 'zh' rows of the same query (the language
# from a column) still work, and a scheme's own label_zh_hant that EUC_CN
# can store is returned.  A BIG5 client reads the traditional labels.
hant="SELECT rfm.segment(5, 5, 5, 'standard', 'zh-Hant'), rfm.tier(1, 1, 1, lang => 'zh-Hant'),
       rfm.lifecycle_stage('2024-01-01', '2024-06-01', '2024-06-10', lang => 'zh-Hant'),
       rfm.recommended_action('Champions', lang => 'zh-Hant'), rfm.zh_hant('潜在忠诚客户');"
[ "$(q $UTF8_DB -c "$hant")" = '冠軍客戶|邊緣|活躍|專屬服務與新品優先體驗，邀請評價和轉介紹|潛在忠誠客戶' ] ||
  fail "the UTF8 database's zh-Hant labels: $(q $UTF8_DB -c "$hant")"
[ "$(q rfm_enc_sql_ascii -c "$hant")" = "$(q $UTF8_DB -c "$hant")" ] || fail "SQL_ASCII's zh-Hant labels differ from UTF8's"
echo "ok: SQL_ASCII: the zh-Hant labels as in UTF8"
for call in "rfm.segment|SELECT rfm.segment(5, 5, 5, 'standard', 'zh-Hant')" \
            "rfm.tier|SELECT rfm.tier(1, 1, 1, lang => 'zh-Hant')" \
            "rfm.tier|SELECT rfm.tier(1, 1, 1, lang => 'zh-TW')" \
            "rfm.lifecycle_stage|SELECT rfm.lifecycle_stage('2024-01-01', '2024-06-01', '2024-06-10', lang => 'zh-Hant')" \
            "rfm.recommended_action|SELECT rfm.recommended_action('Champions', lang => 'zh-Hant')" \
            "rfm.zh_hant|SELECT rfm.zh_hant('边缘')" \
            "rfm.create_tiers|SELECT rfm.create_tiers('public.tiers_hant', 'public.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31', lang_zh => 'zh-Hant')" \
            "rfm.alter_tiers|SELECT rfm.alter_tiers('public.tiers', '{\"lang_zh\": \"zh-TW\"}')"; do
  who=${call%%|*}
  if out=$(psql -X -q -At -v VERBOSITY=verbose -d rfm_enc_euc_cn -c "${call#*|}" 2>&1); then
    fail "EUC_CN: ${call#*|} gave $out"
  fi
  grep -q "ERROR:  22P05: $who: the traditional Chinese form of \"" <<< "$out" || fail "EUC_CN: ${call#*|}: $out"
done
[ "$(q rfm_enc_euc_cn -c "SELECT count(*) || ' ' || string_agg(lang_zh, ',') || ' ' || (to_regclass('public.tiers_hant') IS NULL) FROM rfm.tier_tables")" = '1 zh true' ] ||
  fail "EUC_CN: the refused create_tiers or alter_tiers left something behind"
echo "ok: EUC_CN: zh-Hant labels (also by the tag zh-TW) are 22P05 naming the function called, a tier table's lang_zh too"
[ "$(q rfm_enc_euc_cn -c "SELECT string_agg(rfm.tier(1, 1, 1, lang => l), ' ' ORDER BY l) FROM (VALUES ('en'), ('zh'), ('zh-CN')) v(l)")" = 'marginal 边缘 边缘' ] ||
  fail "EUC_CN: rfm.tier with the language from a column fails"
q rfm_enc_euc_cn -c "INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, label_zh_hant) VALUES ('own', 1, 'All', '全部客户', '全体')"
[ "$(q rfm_enc_euc_cn -c "SELECT rfm.segment(1, 1, 1, 'own', 'zh-Hant'), rfm.tier(5, 5, 5, lang => 'zh-Hant')")" = '全体|核心' ] ||
  fail "EUC_CN: a label_zh_hant of one's own, or 核心 (the same in both forms)"
# every row core, the language a constant: no conversion of the other
# labels when the query is planned (a custom plan of a prepared statement too)
[ "$(q rfm_enc_euc_cn -c "SELECT string_agg(rfm.tier(r, r, r, lang => 'zh-Hant'), ' ') FROM (VALUES (5), (5)) v(r)")" = '核心 核心' ] ||
  fail "EUC_CN: rfm.tier of core rows in zh-Hant fails"
[ "$(q rfm_enc_euc_cn -c "PREPARE p(text) AS SELECT string_agg(rfm.tier(r, r, r, lang => \$1), ' ') FROM (VALUES (5), (4)) v(r)" -c "EXECUTE p('zh-Hant')")" = '核心 核心' ] ||
  fail "EUC_CN: a prepared rfm.tier of core rows in zh-Hant fails"
echo "ok: EUC_CN: 'en' and 'zh' rows of the same query, a scheme's own label_zh_hant and 核心 work (also in rows that are all core)"
[ "$(PGCLIENTENCODING=BIG5 psql -X -q -At -d $UTF8_DB -c "SELECT rfm.segment(5, 5, 5, 'standard', 'zh-Hant')" | iconv -f BIG5 -t UTF-8)" = 冠軍客戶 ] ||
  fail "a BIG5 client does not read 冠軍客戶"
echo "ok: a BIG5 client reads the zh-Hant labels"
