#!/usr/bin/env bash
# lang 'zh-Hant' against OpenCC (README "Labels in traditional Chinese"):
# every simplified text rfm installs or returns (segment labels of the
# built-in schemes, tier3 through rfm.tier, the lifecycle stages, the
# playbook's zh actions), converted by OpenCC's s2tw (scripts/install-deps.sh
# installs the opencc package), must be what rfm returns for 'zh-Hant':
# through rfm.segment, rfm.tier, rfm.lifecycle_stage, rfm.recommended_action
# and rfm.zh_hant.  OpenCC is a separate conversion tool; rfm's table
# (src/labels_zh_hant.c) must agree with it text for text.
# Run inside a throwaway cluster (scripts/test-all.sh); rfm must be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH_DBS=rfm_zh_hant
. test/shell/lib/scratch.sh
dropdbs
export PGCLIENTENCODING=UTF8
command -v opencc > /dev/null || fail "opencc is not installed (scripts/install-deps.sh installs it)"
createdb -E UTF8 -T template0 --locale=C rfm_zh_hant
q rfm_zh_hant -c "CREATE EXTENSION rfm"

# zh text <TAB> what rfm gives for zh-Hant, one line per text
q rfm_zh_hant -F $'\t' > "$tmp/pairs" <<'SQLEOF'
SELECT r.label_zh, rfm.segment(c.r, c.f, c.m, r.scheme, 'zh-Hant')
  FROM rfm.segment_rules r
  CROSS JOIN LATERAL (SELECT x.r, y.f, z.m
                        FROM generate_series(1, 5) x(r), generate_series(1, 5) y(f), generate_series(1, 5) z(m)
                       WHERE rfm.segment(x.r, y.f, z.m, r.scheme) = r.label_en
                       LIMIT 1) AS c
 WHERE r.builtin AND r.scheme <> 'tier3'
UNION ALL
SELECT rfm.tier(t, 1, 1, lang => 'zh'), rfm.tier(t, 1, 1, lang => 'zh-Hant') FROM (VALUES (10), (6), (5)) v(t)
UNION ALL
SELECT rfm.lifecycle_stage(d.f, d.l, '2024-06-30', lang => 'zh'), rfm.lifecycle_stage(d.f, d.l, '2024-06-30', lang => 'zh-Hant')
  FROM (VALUES ('2024-06-20'::date, '2024-06-20'::date), ('2024-01-01', '2024-06-01'),
               ('2024-01-01', '2024-03-01'), ('2023-01-01', '2023-06-01')) d(f, l)
UNION ALL
SELECT p.action, rfm.recommended_action(p.segment, p.scheme, 'zh-Hant')
  FROM rfm.playbook p WHERE p.builtin AND p.lang = 'zh'
UNION ALL
SELECT p.action, rfm.zh_hant(p.action) FROM rfm.playbook p WHERE p.builtin AND p.lang = 'zh'
UNION ALL
SELECT r.label_zh, rfm.zh_hant(r.label_zh) FROM rfm.segment_rules r WHERE r.builtin;
SQLEOF
# every built-in rule of standard and value8 (each reached by a score
# cell), tier3's three, four stages, the actions twice, the labels
rules=$(q rfm_zh_hant -c "SELECT count(*) FROM rfm.segment_rules WHERE builtin AND scheme <> 'tier3'")
actions=$(q rfm_zh_hant -c "SELECT count(*) FROM rfm.playbook WHERE builtin AND lang = 'zh'")
labels=$(q rfm_zh_hant -c "SELECT count(*) FROM rfm.segment_rules WHERE builtin")
[ "$(wc -l < "$tmp/pairs")" -eq $((rules + 3 + 4 + 2 * actions + labels)) ] ||
  fail "expected $((rules + 3 + 4 + 2 * actions + labels)) texts, got $(wc -l < "$tmp/pairs")"
cut -f1 "$tmp/pairs" | opencc -c s2tw > "$tmp/opencc"
cut -f2 "$tmp/pairs" > "$tmp/rfm"
diff -u "$tmp/opencc" "$tmp/rfm" || fail "rfm's zh-Hant texts differ from OpenCC's s2tw conversion (- OpenCC, + rfm)"
changed=$(paste "$tmp/pairs" | awk -F'\t' '$1 != $2' | wc -l)
[ "$changed" -gt 40 ] || fail "only $changed texts changed: the zh-Hant path returned the simplified ones?"
echo "ok: all $(wc -l < "$tmp/pairs") zh-Hant texts (segments, tiers, stages, actions) equal OpenCC's s2tw ($changed differ from the simplified)"
