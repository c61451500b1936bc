# Sourced by test/shell/release_dump_restore.sh and
# test/pg_upgrade/from_older.sh (after lib/scratch.sh): a database that
# uses every kind of rfm object a user keeps, with the queries that read
# them and their hand-checked answers.
#
#   build_rich_db DB   # makes the objects in DB (which must exist);
#                      # sets $checks, writes the answers to $tmp/expected
has_function() { [ "$(q "$1" -c "SELECT count(*) FROM pg_catalog.pg_proc WHERE oid::regprocedure::text LIKE 'rfm.$2(%'")" != 0 ]; }

build_rich_db() {
  local db=$1
  q $db <<'SQL'
CREATE EXTENSION rfm;
CREATE SCHEMA shop;
CREATE TABLE shop.orders (customer text, ordered_on date, amount numeric);
-- alice: 10 + 5.50 on 01-01, 20 on 01-10, refund 3.25 on 02-01;
-- bob: 7 on 02-01; carol: 100 on 2023-12-01 and 50 on 2024-03-01.
INSERT INTO shop.orders VALUES
  ('alice', '2024-01-01', 10.00), ('alice', '2024-01-01', 5.50),
  ('alice', '2024-01-10', 20), ('alice', '2024-02-01', -3.25),
  ('bob', '2024-02-01', 7), ('carol', '2023-12-01', 100), ('carol', '2024-03-01', 50);
CREATE VIEW shop.customer_rfm AS
  SELECT customer, (rfm.summarize(ordered_on, amount)).* FROM shop.orders GROUP BY customer;
CREATE VIEW shop.customer_recency AS
  SELECT customer, rfm.recency_days(rfm.summarize(ordered_on, amount), '2024-03-31') AS recency
    FROM shop.orders GROUP BY customer;
CREATE TABLE shop.snapshot (customer text PRIMARY KEY, s rfm.summary);
INSERT INTO shop.snapshot SELECT customer, rfm.summarize(ordered_on, amount) FROM shop.orders GROUP BY customer;
SQL
  checks="
  SELECT customer, frequency, purchase_days, monetary, refunds, repeat_monetary FROM shop.customer_rfm ORDER BY 1;
  SELECT * FROM shop.customer_recency ORDER BY 1;
  SELECT customer, (s).monetary FROM shop.snapshot ORDER BY 1;"
  # alice 3 rows, 2 days, 35.50 - 3.25 = 32.25, refunds 3.25, repeat 20;
  # bob 1, 1, 7; carol 2, 2, 150, repeat 50.  Recency to 03-31: alice 81
  # (from 01-10), bob 59 (from 02-01, leap year), carol 30 (from 03-01).
  cat > "$tmp/expected" <<'EOF'
alice|3|2|32.25|3.25|20
bob|1|1|7|0|0
carol|2|2|150|0|50
alice|81
bob|59
carol|30
alice|32.25
bob|7
carol|150
EOF

  # Custom segment rules and a playbook edit, when this build has them: a
  # scheme "vip" (whale: m score 4 or 5; everyone else: rest) and a user
  # playbook row overriding the built-in Champions action.
  if has_function $db segment && has_function $db recommended_action; then
    q $db <<'SQL'
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh, m_min) VALUES ('vip', 10, 'whale', '鲸鱼', 4);
INSERT INTO rfm.segment_rules (scheme, priority, label_en, label_zh) VALUES ('vip', 20, 'rest', '其他');
INSERT INTO rfm.playbook (scheme, segment, lang, action) VALUES ('standard', 'Champions', 'en', 'Call them personally');
SQL
    checks="$checks
  SELECT rfm.segment(5, 5, 5, 'vip'), rfm.segment(5, 5, 3, 'vip', 'zh'), rfm.recommended_action('Champions');"
    echo 'whale|其他|Call them personally' >> "$tmp/expected"
    echo "ok: custom segment scheme vip and a playbook edit made"
  fi

  # A tier table over the orders, when this build has tier tables.
  if has_function $db create_tiers; then
    q $db -c "SELECT rfm.create_tiers('shop.customer_tiers', 'shop.orders', 'customer', 'ordered_on', 'amount', as_of => '2024-03-31')" >/dev/null \
      || fail "rfm.create_tiers failed on the source database"
    checks="$checks
  SELECT customer_id, recency_days, frequency, monetary FROM shop.customer_tiers ORDER BY 1;"
    # the same R/F/M inputs as above (tier columns are documented in README)
    cat >> "$tmp/expected" <<'EOF'
alice|81|3|32.25
bob|59|1|7
carol|30|2|150
EOF
    # With the custom scheme: m scores over monetary 7 (bob), 32.25 (alice),
    # 150 (carol) in 5 bins (type-7 cut points 17.1, 27.2, 55.8, 102.9) are
    # 1, 3, 5, so only carol is a whale.  A restore must bring back the
    # rules before it refreshes this table.
    if has_function $db segment; then
      q $db -c "SELECT rfm.create_tiers('shop.vip_tiers', 'shop.orders', 'customer', 'ordered_on', 'amount', scheme => 'vip', as_of => '2024-03-31')" >/dev/null \
        || fail "rfm.create_tiers with a custom scheme failed on the source database"
      checks="$checks
  SELECT customer_id, m_score, segment, segment_zh FROM shop.vip_tiers ORDER BY 1;"
      cat >> "$tmp/expected" <<'EOF'
alice|3|rest|其他
bob|1|rest|其他
carol|5|whale|鲸鱼
EOF
    fi
    echo "ok: tier tables shop.customer_tiers and shop.vip_tiers created"
  else
    echo "note: this build has no rfm.create_tiers; tier table not covered"
  fi

  # An incremental customer state (fast path), when this build has them:
  # its sources and per-customer rows are configuration tables.  The orders
  # need a watermark column: a copy with a row number as one.
  if has_function $db customer_state_create; then
    q $db <<'SQL' >/dev/null || fail "rfm.customer_state_create failed on the source database"
CREATE TABLE shop.orders_w AS SELECT row_number() OVER (ORDER BY customer, ordered_on, amount) AS id, * FROM shop.orders;
SELECT rfm.customer_state_create('shop_state', 'shop.orders_w', 'customer', 'ordered_on', 'amount', 'id');
SQL
    checks="$checks
  SELECT customer, frequency, monetary, recency_days FROM rfm.customer_state_scores('shop_state', as_of => '2024-03-31') ORDER BY 1;"
    # frequency and net monetary as in shop.customer_rfm; recency to 03-31
    cat >> "$tmp/expected" <<'EOF'
alice|3|32.25|81
bob|1|7|59
carol|2|150|30
EOF
    echo "ok: incremental customer state shop_state created"
  fi
}
