#!/usr/bin/env bash
# Tier tables survive pg_dump / pg_restore (custom format, serially and with
# -j 4) and a plain SQL
# dump replayed with psql: after the round trip the tier tables hold the same
# rows, the catalog (rfm.tier_tables, rfm.refresh_log) points at the restored
# objects, the views and history are there, and refresh, transitions and
# drop_tiers work on the restored database.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

SRC=rfm_tiers_dump_src
DST=rfm_tiers_dump_dst
PLAIN=rfm_tiers_dump_plain
PARALLEL=rfm_tiers_dump_parallel
SCRATCH_DBS="$SRC $DST $PLAIN $PARALLEL"
. test/shell/lib/scratch.sh
# The CLV fits of "Tiers Q1" fail on purpose at every refresh; keep their NOTICEs quiet.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

dropdbs
createdb $SRC
q $SRC -c 'CREATE EXTENSION rfm'
# Three tier tables: one in an oddly named schema with history, a fixed
# as_of and CLV columns (the synthetic orders support no model fit: NULL
# model columns), one without history and as_of NULL (today), and one over
# the CDNOW sample with CLV columns from fitted models.
q $SRC > /dev/null <<'SQL'
CREATE SCHEMA "Sales Data";
CREATE TABLE "Sales Data"."Orders" ("Customer" text, ordered_on date, amount numeric);
INSERT INTO "Sales Data"."Orders"
SELECT 'c' || c, date '2024-01-01' + (c * 11 + k * 17) % 90, (c * 7 + k * 3) % 50 + 1
  FROM generate_series(1, 300) c, generate_series(1, 4) k;
SELECT rfm.create_tiers('"Sales Data"."Tiers Q1"', '"Sales Data"."Orders"', 'Customer', 'ordered_on', 'amount',
                        as_of => '2024-03-31', clv => true);
CALL rfm.refresh_tiers('"Sales Data"."Tiers Q1"');
-- an earlier hand-made snapshot so transitions has two days to compare
INSERT INTO "Sales Data"."Tiers Q1_history" (as_of, customer_id, segment, monetary)
SELECT '2024-02-29', customer_id, 'Earlier', 1 FROM "Sales Data"."Tiers Q1" WHERE customer_id < 'c2';
CREATE TABLE public.orders_now (customer bigint, ordered_on date, amount integer);
INSERT INTO public.orders_now SELECT c % 50, current_date - c % 60, c FROM generate_series(1, 500) c;
SELECT rfm.create_tiers('today_tiers', 'public.orders_now', 'customer', 'ordered_on', 'amount', keep_history => false);
-- made again by rfm.alter_tiers: its new stored query and catalog row must
-- survive too (lifecycle thresholds and traditional labels of its own included)
SELECT rfm.alter_tiers('today_tiers', '{"bins": 3, "new_days": 7, "sleeping_days": 20, "churned_days": 45, "lang_zh": "zh-Hant"}');
CREATE TEMP TABLE cdnow_raw (line text);
\copy cdnow_raw (line) from 'data/CDNOW_sample.txt' with (format text, delimiter E'\x01')
CREATE TABLE public.cdnow AS
SELECT f[2]::int AS customer, to_date(f[3], 'YYYYMMDD') AS ordered_on, f[5]::numeric AS amount
  FROM (SELECT regexp_split_to_array(btrim(line, E' \r'), '\s+') AS f FROM cdnow_raw) r;
SELECT rfm.create_tiers('cdnow_tiers', 'public.cdnow', 'customer', 'ordered_on', 'amount',
                        as_of => '1997-09-30', keep_history => false, clv => true);
SQL

# Everything compared between the databases: rows, catalog, log, history, views.
fingerprint() {
  q "$1" <<'SQL'
SELECT 'tiers_q1 ' || md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM "Sales Data"."Tiers Q1" t;
SELECT 'today ' || md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM public.today_tiers t;
SELECT 'cdnow ' || md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM public.cdnow_tiers t;
SELECT 'history ' || md5(string_agg(h::text, '|' ORDER BY as_of, customer_id)) FROM "Sales Data"."Tiers Q1_history" h;
SELECT 'segments ' || md5(string_agg(s::text, '|' ORDER BY segment)) FROM "Sales Data"."Tiers Q1_segments" s;
SELECT 'grid ' || md5(string_agg(g::text, '|' ORDER BY r_score, f_score)) FROM "Sales Data"."Tiers Q1_grid" g;
SELECT 'catalog ' || string_agg(concat_ws(',', id, tier, source, customer_column, time_column, amount_column,
                                         customer_type, bins, scheme, lifecycle_days, lang_zh, as_of, keep_history, history_table,
                                         clv, segments_view, grid_view), ' ; ' ORDER BY id)
  FROM rfm.tier_tables;
-- what a pg_cron job made before the dump names its row by (README "pg_cron")
SELECT 'job tokens ' || string_agg(rfm._cron_job_name(id) || ' ' || rfm._cron_job_token(created_at), ' ; ' ORDER BY id)
  FROM rfm.tier_tables;
SELECT 'log ' || string_agg(concat_ws(',', id, tier_id, tier, action, as_of, row_count, outcome), ' ; ' ORDER BY id)
  FROM rfm.refresh_log;
SELECT 'indexes ' || string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text)
  FROM pg_index WHERE indisunique AND indrelid IN (SELECT tier FROM rfm.tier_tables);
SQL
}
fingerprint $SRC > "$tmp/src.txt"
grep -q '^catalog .*Tiers Q1.*today_tiers,orders_now,customer,ordered_on,amount,bigint,3,' "$tmp/src.txt" || fail "source catalog not as expected: $(cat "$tmp/src.txt")"
# CDNOW: the models were fitted (so the restore's REFRESH, which refits,
# is compared on real model values); Q1: historical CLV only.
[ "$(q $SRC -c 'SELECT count(*) = count(predicted_clv) AND count(*) = 2349 FROM public.cdnow_tiers')" = t ] \
  || fail "source CLV columns of cdnow_tiers not filled"
[ "$(q $SRC -c 'SELECT count(historical_clv) = 300 AND count(p_alive) = 0 FROM "Sales Data"."Tiers Q1"')" = t ] \
  || fail "source CLV columns of Tiers Q1 not as expected"

# Run the same checks on a restored database $1.
check_restored() {
  local db=$1 how=$2
  fingerprint "$db" > "$tmp/$db.txt"
  diff "$tmp/src.txt" "$tmp/$db.txt" > "$tmp/$db.diff" || { cat "$tmp/$db.diff"; fail "$how: restored database differs"; }
  echo "ok: $how: same tier rows, history, views, catalog, log and unique indexes"
  [ "$(q "$db" -c "SELECT count(*) FROM rfm.tier_tables t JOIN pg_class c ON c.oid = t.tier")" = 3 ] \
    || fail "$how: catalog does not point at the restored tier tables"
  # Refresh, history, transitions and drop work after the restore.
  q "$db" -c "INSERT INTO \"Sales Data\".\"Orders\" VALUES ('new one', '2024-03-30', 5)"
  q "$db" -c "CALL rfm.refresh_tiers('\"Sales Data\".\"Tiers Q1\"')"
  q "$db" -c "CALL rfm.refresh_tiers('today_tiers')"
  [ "$(q "$db" -c "SELECT count(*) FILTER (WHERE lifecycle IS DISTINCT FROM rfm.lifecycle_stage(first_purchase, last_purchase, as_of, 7, 20, 45)) || ' of ' || count(*) FROM public.today_tiers")" = '0 of 50' ] \
    || fail "$how: today_tiers lost its lifecycle thresholds in the refresh after the restore"
  [ "$(q "$db" -c "SELECT count(*) FILTER (WHERE segment_zh IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'standard', 'zh-Hant') OR tier_zh IS DISTINCT FROM rfm.segment(r_score, f_score, m_score, 'tier3', 'zh-Hant') OR lifecycle_zh IS DISTINCT FROM rfm.lifecycle_stage(first_purchase, last_purchase, as_of, 7, 20, 45, 'zh-Hant')) || ' of ' || count(*) FROM public.today_tiers")" = '0 of 50' ] \
    || fail "$how: today_tiers lost its traditional labels (lang_zh) in the refresh after the restore"
  [ "$(q "$db" -c "SELECT count(*) FROM \"Sales Data\".\"Tiers Q1\" WHERE customer_id = 'new one'")" = 1 ] \
    || fail "$how: refresh after restore did not pick up the new order"
  q "$db" -c "INSERT INTO public.cdnow VALUES (900001, '1997-02-01', 40), (900001, '1997-09-20', 60)"
  q "$db" -c "CALL rfm.refresh_tiers('cdnow_tiers')"
  [ "$(q "$db" -c "SELECT count(*) = count(predicted_clv) AND count(*) = 2350 FROM public.cdnow_tiers")" = t ] \
    || fail "$how: refresh after restore did not refill the CLV columns"
  refreshes=$(q "$db" -c "SELECT count(*) FROM rfm.refresh_log WHERE action = 'refresh' AND outcome = 'succeeded'")
  [ "$refreshes" = 4 ] || fail "$how: expected 1 dumped + 3 new refreshes in refresh_log, found $refreshes"
  moved=$(q "$db" -c "SELECT sum(customers) FROM rfm.transitions('\"Sales Data\".\"Tiers Q1\"', '2024-02-29', '2024-03-31')
                       WHERE from_segment = 'Earlier'")
  expected=$(q "$db" -c "SELECT count(*) FROM \"Sales Data\".\"Tiers Q1_history\" WHERE as_of = '2024-02-29'")
  [ "$moved" = "$expected" ] || fail "$how: transitions counted $moved customers from 'Earlier', expected $expected"
  q "$db" -c "SELECT rfm.drop_tiers('\"Sales Data\".\"Tiers Q1\"'), rfm.drop_tiers('today_tiers'), rfm.drop_tiers('cdnow_tiers')" > /dev/null
  left=$(q "$db" -c "SELECT (SELECT count(*) FROM rfm.tier_tables) + (SELECT count(*) FROM rfm.refresh_log)
                          + (SELECT count(*) FROM pg_class WHERE relname LIKE 'Tiers Q1%' OR relname LIKE 'today_tiers%' OR relname LIKE 'cdnow_tiers%')")
  [ "$left" = 0 ] || fail "$how: drop_tiers left $left objects or rows"
  echo "ok: $how: refresh, transitions and drop_tiers work on the restored database"
}

dump_round_trip $SRC $DST $PLAIN check_restored $PARALLEL
