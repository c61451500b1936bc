-- rfm's settings (src/settings.c): defined when the library loads, so that
-- SHOW and pg_settings know them with their defaults and SET refuses a bad
-- value (22023) instead of the next rfm call.  Expected values: the
-- defaults README "Settings" gives (rfm.max_memory 1GB = 1048576 kB,
-- rfm.direct_scan on, rfm.direct_scan_workers -1).
\i sql/include/err.sql

-- Before the library is loaded in this session a value waits as a
-- placeholder; the first rfm call loads the library, which keeps a good
-- value and warns about a bad one, keeping the default.
SET rfm.direct_scan_workers = 3;
SET rfm.max_memory = 'lots';
SELECT rfm.summarize(d, a) FROM (VALUES ('2020-01-01'::date, 1::numeric)) v(d, a);
SHOW rfm.direct_scan_workers;
SHOW rfm.max_memory;
RESET rfm.direct_scan_workers;

SELECT name, setting, unit, vartype, context, min_val, max_val, boot_val
  FROM pg_catalog.pg_settings WHERE name LIKE 'rfm.%' ORDER BY name;
-- internal, left out of SHOW ALL and pg_settings but readable
SHOW rfm.tier_unsorted;
-- what rfm.refresh_tiers' fallback notice reads: the default, not an
-- error, when nobody set it
SELECT pg_catalog.current_setting('rfm.max_memory') AS max_memory_default;

-- Bad values: SET fails and the value stays.
SELECT pg_temp.err($$SELECT pg_catalog.set_config('rfm.direct_scan', 'maybe', false)$$) ~ '^22023: ' AS bool_refused;
SELECT pg_temp.err($$SELECT pg_catalog.set_config('rfm.direct_scan_workers', '-2', false)$$) ~ '^22023: ' AS below_minus_one_refused,
       pg_temp.err($$SELECT pg_catalog.set_config('rfm.direct_scan_workers', '1025', false)$$) ~ '^22023: ' AS above_1024_refused,
       pg_temp.err($$SELECT pg_catalog.set_config('rfm.direct_scan_workers', 'lots', false)$$) ~ '^22023: ' AS text_refused;
SELECT pg_temp.err($$SELECT pg_catalog.set_config('rfm.max_memory', '0', false)$$) ~ '^22023: ' AS zero_refused,
       pg_temp.err($$SELECT pg_catalog.set_config('rfm.max_memory', '2 bananas', false)$$) ~ '^22023: ' AS unit_refused;
SHOW rfm.direct_scan;
SHOW rfm.direct_scan_workers;
SHOW rfm.max_memory;
-- A fraction is rounded first, as PostgreSQL does for any integer setting
-- (README "Limits and errors"): 2.5 is 2, -1.4 is -1, -1.6 (-2) is refused.
SELECT pg_catalog.set_config('rfm.direct_scan_workers', '2.5', false) AS two_and_a_half,
       pg_catalog.set_config('rfm.direct_scan_workers', '-1.4', false) AS minus_1_4,
       pg_temp.err($$SELECT pg_catalog.set_config('rfm.direct_scan_workers', '-1.6', false)$$) AS minus_1_6;
RESET rfm.direct_scan_workers;

-- Units as for work_mem: a bare number is kB.
SET rfm.max_memory = '4GB';
SHOW rfm.max_memory;
SET rfm.max_memory = 65536;
SHOW rfm.max_memory;
-- The value is what the per-customer table is held to (fast_table.c): a
-- temp table without statistics starts at 1,024 slots of 64 bytes (64 kB)
-- and doubles at 3/4 full, at the 769th of 3,000 customers, to 2,048
-- slots: 128 kB, over 64 kB.
SET rfm.max_memory = '64kB';
CREATE TEMP TABLE o AS SELECT g AS c, DATE '2020-01-01' AS d, 1::numeric AS a FROM generate_series(1, 3000) g;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('o', 'c', 'd', 'a', 5, '2020-06-30')$$) AS over_max_memory;
RESET rfm.max_memory;
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('o', 'c', 'd', 'a', 5, '2020-06-30')$$) AS default_holds_them;
-- Text keys go to blocks of 16 kB, then as large as all before, up to
-- 1 MB (the first block was 1 MB: every text-key build needed 1,088 kB).
-- 700 keys of 40 bytes (28,000 bytes) fill one 16 kB block (409 keys) and
-- go on in a second: 64 kB of slots + 32 kB = 96 kB, so 96kB holds them
-- and 95kB does not.
CREATE TEMP TABLE o_text AS SELECT pg_catalog.lpad(g::text, 40, 'k') AS c, DATE '2020-01-01' AS d, 1::numeric AS a
  FROM generate_series(1, 700) g;
SET rfm.max_memory = '96kB';
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('o_text', 'c', 'd', 'a', 5, '2020-06-30')$$) AS text_keys_in_96kb;
SET rfm.max_memory = '95kB';
SELECT pg_temp.err($$SELECT count(*)::text FROM rfm.customer_scores('o_text', 'c', 'd', 'a', 5, '2020-06-30')$$) AS text_keys_in_95kb;
RESET rfm.max_memory;
