-- pgTAP: customer state values passed in SQL.  rfm._customer_states_rows,
-- _score, _insert and _merge take the packed value (the one
-- rfm._customer_states returns) from any role, so a hand-made value must
-- give "invalid customer state value" (XX001), never a crash, a read past
-- the value or rows no order could give.  Each bad value below is a
-- genuine one with some bytes changed; the layout (src/fast_table.c,
-- little-endian): a 16-byte header (magic, kind, customer count at bytes
-- 8..15), then per customer the key (bigint: 8 bytes; text: a 4-byte length
-- and the bytes), first and last purchase day (4 + 4, days since
-- 2000-01-01), frequency (8), a flag (1: 0 fast sum, 1 numeric), then
-- either the sum times 10^scale (16) and scale (4), or a 4-byte length and
-- the numeric as stored (its own 4-byte varlena header first).
-- Also rows of rfm.customer_states its owner edited into what no fold
-- writes.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
SELECT plan(54);

CREATE SCHEMA cv_t;
-- Two genuine values.  bigint: customer 7, orders of 12.5 on 2024-01-02
-- (day 8767) and 1 on 2024-01-05 (day 8770): 61 bytes, frequency at bytes
-- 32..39, the flag at 40, the sum 135 at 41..56, scale 1 at 57..60.
-- text: customer 'ab', one order of 1.0000000000000000000000000000001
-- (31 decimals: more than the fast sum keeps, so a numeric): the key's
-- bytes at 20..21, the flag at 38, the numeric's length at 39..42, its
-- varlena header at 43..46, numeric header 47..48, digits from 49.
CREATE TABLE cv_t.v (name text PRIMARY KEY, val bytea NOT NULL);
INSERT INTO cv_t.v
SELECT 'int', rfm._customer_states(c, d, a, 'test')
  FROM (VALUES (7::bigint, date '2024-01-02', 12.5::numeric), (7, date '2024-01-05', 1)) o(c, d, a);
INSERT INTO cv_t.v
SELECT 'text', rfm._customer_states(c, d, a, 'test')
  FROM (VALUES ('ab'::text, date '2024-01-02', 1.0000000000000000000000000000001::numeric)) o(c, d, a);
CREATE FUNCTION cv_t.v(n text) RETURNS bytea LANGUAGE sql AS $$SELECT val FROM cv_t.v WHERE name = n$$;

SELECT is(length(cv_t.v('int')), 61, 'the bigint value is 61 bytes, as laid out above');
SELECT is(length(cv_t.v('text')), 67, 'the text value is 67 bytes (a 24-byte numeric)');
SELECT results_eq($$SELECT * FROM rfm._customer_states_rows(cv_t.v('int'))$$,
  $$VALUES ('7'::text, date '2024-01-02', date '2024-01-05', 2::bigint, 13.5::numeric)$$,
  'the genuine bigint value reads back');
SELECT results_eq($$SELECT * FROM rfm._customer_states_rows(cv_t.v('text'))$$,
  $$VALUES ('ab'::text, date '2024-01-02', date '2024-01-02', 1::bigint,
            1.0000000000000000000000000000001::numeric)$$,
  'the genuine text value reads back, its sum a numeric');
-- frequency 0 (only refunds): valid, purchase days not kept
SELECT results_eq($$SELECT * FROM rfm._customer_states_rows(overlay(cv_t.v('int') placing '\x00' from 33))$$,
  $$VALUES ('7'::text, NULL::date, NULL::date, 0::bigint, 13.5::numeric)$$,
  'frequency 0 is valid; its days, whatever the bytes, read as NULL');

-- Each changed value is read by rfm._customer_states_rows.
CREATE FUNCTION cv_t.bad(v bytea, what text) RETURNS text LANGUAGE sql AS $$
  SELECT throws_ok(pg_catalog.format('SELECT * FROM rfm._customer_states_rows(%L::bytea)', v),
                   'XX001', 'rfm: invalid customer state value', what)
$$;

-- the count
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\x02' from 9), 'a count above the customers in the value');
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\x00' from 9), 'a count of 0 with a customer in the value');
SELECT cv_t.bad(cv_t.v('int') || substr(cv_t.v('int'), 17), 'a second customer beyond the count');
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\x01' from 16), 'a count of 2^56 (arrays are sized by it)');
SELECT cv_t.bad(substr(cv_t.v('int'), 1, 60), 'a customer cut short');
-- frequency and days
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\xffffffffffffffff' from 33), 'frequency -1');
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\xffffff7f' from 29), 'last purchase infinity');
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\x00000080' from 25), 'first purchase -infinity');
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\xfeffff7f' from 29),
  'last purchase day 2^31 - 2, past the last date PostgreSQL has');
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\x43' from 25), 'first purchase (2024-01-06) after the last');
-- the fast sum
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\x1f' from 58), 'scale 31 (the fast sum keeps at most 30)');
SELECT cv_t.bad(overlay(cv_t.v('int') placing '\xffffffff' from 58), 'scale -1');
-- the numeric sum: this first one crashed the server
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\x02' from 39), 'a flag neither 0 nor 1');
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\x00004000' from 44),
  'the numeric''s own length 1 MB, its stated one 24 bytes');
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\x64' from 44), 'the numeric''s own length 25 bytes');
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\x62' from 44), 'the numeric marked compressed');
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\x00c0' from 48), 'the numeric NaN');
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\x1027' from 50), 'a numeric digit 10000');
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\xffff' from 50), 'a numeric digit -1');
SELECT cv_t.bad(substr(cv_t.v('text'), 1, 38) || '\x0106000000180000000000'::bytea,
  'a long numeric header without its weight');
-- the key
SELECT cv_t.bad(overlay(cv_t.v('text') placing '\x00' from 21), 'a key with a zero byte');
SELECT CASE WHEN current_setting('server_encoding') = 'UTF8'
            THEN cv_t.bad(overlay(cv_t.v('text') placing '\xff' from 21), 'a key not in UTF-8')
            ELSE skip('the database is not UTF-8') END;

-- Every function taking a value checks it, for any role.
CREATE TABLE cv_t.orders (id bigserial, customer text, ordered_on date, amount numeric);
INSERT INTO cv_t.orders (customer, ordered_on, amount) VALUES ('x', '2024-01-01', 5);
SELECT rfm.customer_state_create('cv', 'cv_t.orders', 'customer', 'ordered_on', 'amount', 'id') \g /dev/null
CREATE TABLE cv_t.crash AS SELECT overlay(cv_t.v('text') placing '\x00004000' from 44) AS val;
SELECT throws_ok($$SELECT * FROM rfm._customer_states_score((SELECT val FROM cv_t.crash), 5, '2024-02-01')$$,
  'XX001', 'rfm: invalid customer state value', 'rfm._customer_states_score checks the value');
SELECT throws_ok($$SELECT rfm._customer_states_insert('cv', (SELECT val FROM cv_t.crash))$$,
  'XX001', 'rfm: invalid customer state value', 'rfm._customer_states_insert checks the value');
SELECT throws_ok($$SELECT rfm._customer_states_merge('cv', (SELECT val FROM cv_t.crash))$$,
  'XX001', 'rfm: invalid customer state value', 'rfm._customer_states_merge checks the value');
-- A numeric sum in a form numeric.c never writes: weight -32768 below one
-- digit made rfm's fast sums read past their powers of ten ("floating-point
-- exception" until 2026-12-07), and digits past the display scale summed
-- unlike numeric.c.  The value: one text customer 'a', frequency 1, a
-- numeric sum (flag 1, length 10, varlena header, numeric header, weight,
-- one digit) whose header, weight and digit are set below.
CREATE FUNCTION cv_t.sum_value(header text, weight text, digit text) RETURNS bytea LANGUAGE sql AS $$
SELECT ('\x434d4652010100000100000000000000010000006100000000000000000100000000000000010a00000028000000'
        || header || weight || digit)::bytea $$;
SELECT throws_ok($$SELECT * FROM rfm._customer_states_rows(cv_t.sum_value('0000', '0080', '0100'))$$,
  'XX001', 'rfm: invalid customer state value', 'a numeric of weight -32768 and scale 0 (digits far past the scale) refused');
SELECT throws_ok($$SELECT * FROM rfm._customer_states_rows(cv_t.sum_value('0000', 'ffff', '0100'))$$,
  'XX001', 'rfm: invalid customer state value', '0.0001 of display scale 0 refused');
SELECT throws_ok($$SELECT * FROM rfm._customer_states_rows(cv_t.sum_value('0100', 'ffff', 'e903'))$$,
  'XX001', 'rfm: invalid customer state value', '0.1001 of display scale 1 refused');
SELECT throws_ok($$SELECT * FROM rfm._customer_states_rows(cv_t.sum_value('0000', '0000', '0000'))$$,
  'XX001', 'rfm: invalid customer state value', 'a zero digit (zero has none) refused');
SELECT results_eq($$SELECT monetary FROM rfm._customer_states_rows(cv_t.sum_value('0400', 'ffff', '0100'))
                    UNION ALL
                    SELECT monetary FROM rfm._customer_states_rows(cv_t.sum_value('0100', 'ffff', 'e803'))$$,
  $$VALUES (0.0001::numeric), (0.1)$$, '... while 0.0001 of scale 4 and 0.1 of scale 1 (digit 1000) read back');
-- The same customer twice: rfm._customer_states_merge failed with XX000 on
-- it, the others returned the customer twice (until 2026-12-07).
CREATE TABLE cv_t.dup AS
SELECT overlay(val placing '\x0200000000000000'::bytea from 9) || substring(val from 17) AS val
  FROM (SELECT rfm._customer_states(c, d, a, 'test') AS val
          FROM (VALUES ('x'::text, date '2024-01-02', 5::numeric)) o(c, d, a)) v;
SELECT throws_ok($$SELECT * FROM rfm._customer_states_rows((SELECT val FROM cv_t.dup))$$,
  'XX001', 'rfm: invalid customer state value', 'a value with one customer twice: rfm._customer_states_rows refuses it');
SELECT throws_ok($$SELECT * FROM rfm._customer_states_score((SELECT val FROM cv_t.dup), 5, '2024-02-01')$$,
  'XX001', 'rfm: invalid customer state value', '... rfm._customer_states_score too');
SELECT throws_ok($$SELECT rfm._customer_states_insert('cv', (SELECT val FROM cv_t.dup))$$,
  'XX001', 'rfm: invalid customer state value', '... rfm._customer_states_insert too');
SELECT throws_ok($$SELECT rfm._customer_states_merge('cv', (SELECT val FROM cv_t.dup))$$,
  'XX001', 'rfm: invalid customer state value', '... and rfm._customer_states_merge');
CREATE ROLE cv_plain;
GRANT USAGE ON SCHEMA cv_t TO cv_plain;
GRANT SELECT ON cv_t.crash TO cv_plain;
SET ROLE cv_plain;
SELECT throws_ok($$SELECT * FROM rfm._customer_states_rows((SELECT val FROM cv_t.crash))$$,
  'XX001', 'rfm: invalid customer state value', 'a role without privileges gets the error too');
RESET ROLE;

-- Stored states are summed in 64 bits: 2^62 + 2^62 rows is out of range,
-- not a negative count
SELECT throws_ok($$SELECT rfm._customer_states_pack(c, d, d, f, 1)
                     FROM (VALUES ('a', date '2024-01-01', 4611686018427387904::bigint),
                                  ('a', date '2024-01-02', 4611686018427387904)) o(c, d, f)$$,
  '22003', 'bigint out of range', 'frequencies that overflow a bigint are an error');
-- NULLs (which rfm.customer_states' NOT NULL keeps out of its own rows)
SELECT throws_ok($$SELECT rfm._customer_states_pack('a', date '2024-01-01', date '2024-01-01', NULL, 1)$$,
  '22004', 'rfm: a stored customer state has a NULL customer, frequency or monetary (customer a)',
  'a NULL frequency: 22004 naming the customer');
SELECT throws_ok($$SELECT rfm._customer_states_pack(NULL, date '2024-01-01', date '2024-01-01', 1, 1)$$,
  '22004', 'rfm: a stored customer state has a NULL customer, frequency or monetary',
  'a NULL customer: 22004, no customer to name');

-- Stored rows the owner edited: rfm.customer_state_scores reads them
-- directly or (rfm.direct_scan off) through rfm._customer_states_pack;
-- both refuse what no fold writes, naming the customer (the row to mend;
-- until 2026-12-07 they did not).
CREATE FUNCTION cv_t.stored_bad(code text, message text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN NEXT throws_ok($q$SELECT * FROM rfm.customer_state_scores('cv', 5, '2024-02-01')$q$,
                          code, message, message || ' (direct read)');
    SET LOCAL rfm.direct_scan = off;
    RETURN NEXT throws_ok($q$SELECT * FROM rfm.customer_state_scores('cv', 5, '2024-02-01')$q$,
                          code, message, message || ' (SQL path)');
    SET LOCAL rfm.direct_scan = on;
END $$;
UPDATE rfm.customer_states SET frequency = -1 WHERE state_name = 'cv';
SELECT cv_t.stored_bad('XX001', 'rfm: a stored customer state has a negative frequency (customer x)');
UPDATE rfm.customer_states SET frequency = 1, last_purchase = 'infinity' WHERE state_name = 'cv';
SELECT cv_t.stored_bad('XX001', 'rfm: a stored customer state has an infinite purchase day (customer x)');
UPDATE rfm.customer_states SET last_purchase = '2023-12-31' WHERE state_name = 'cv';
SELECT cv_t.stored_bad('XX001', 'rfm: a stored customer state has a first purchase after its last (customer x)');
UPDATE rfm.customer_states SET last_purchase = NULL WHERE state_name = 'cv';
SELECT cv_t.stored_bad('22004', 'rfm: a stored customer state with purchases has no purchase dates (customer x)');
UPDATE rfm.customer_states SET last_purchase = '2024-01-01', monetary = 'NaN' WHERE state_name = 'cv';
SELECT cv_t.stored_bad('22023', 'rfm.customer_state_scores: amount must not be NaN (customer x)');
UPDATE rfm.customer_states SET monetary = 5 WHERE state_name = 'cv';
SELECT results_eq($$SELECT customer, frequency, monetary FROM rfm.customer_state_scores('cv', 5, '2024-02-01')$$,
  $$VALUES ('x'::text, 1::bigint, 5::numeric)$$, 'the row set back reads again');

SELECT * FROM finish();
ROLLBACK;
