-- Labels in traditional Chinese (lang 'zh-Hant').  The expected labels are
-- OpenCC's s2tw conversion of the simplified ones beside them (checked
-- once more, from the same calls, by test/shell/zh_hant_opencc.sh); the
-- segment counts over the 125 score cells are those of sql/segments.sql.
SET client_min_messages = warning;
CREATE TEMP TABLE cells AS
SELECT r, f, m FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m;

-- standard: every segment the 125 cells reach, in the three languages
SELECT rfm.segment(r, f, m) AS segment, rfm.segment(r, f, m, 'standard', 'zh') AS segment_zh,
       rfm.segment(r, f, m, 'standard', 'zh-Hant') AS segment_zh_hant, count(*) AS cells
  FROM cells GROUP BY 1, 2, 3 ORDER BY 1;

-- value8: every combination of high (2) / low (1)
SELECT r, f, m, rfm.segment(r, f, m, 'value8') AS en, rfm.segment(r, f, m, 'value8', 'zh') AS zh,
       rfm.segment(r, f, m, 'value8', 'zh-Hant') AS zh_hant
  FROM generate_series(2, 1, -1) r, generate_series(2, 1, -1) f, generate_series(2, 1, -1) m
 ORDER BY m DESC, r DESC, f DESC;

-- tier3 through rfm.segment and rfm.tier (the language from a column)
SELECT rfm.segment(r, f, m, 'tier3') AS tier, rfm.segment(r, f, m, 'tier3', 'zh-Hant') AS tier_zh_hant,
       count(*) AS cells
  FROM cells GROUP BY 1, 2 ORDER BY 1;
-- (r + 1 + 1: 12 core, 8 potential, 7 marginal)
SELECT l.lang, t.r, rfm.tier(t.r, 1, 1, lang => l.lang) AS tier
  FROM (VALUES ('en'), ('zh'), ('zh-Hant')) l(lang), (VALUES (10), (6), (5)) t(r)
 ORDER BY 1, 2 DESC;

-- lifecycle: new (first purchase 10 days before), active, sleeping, churned
SELECT d.stage, l.lang, rfm.lifecycle_stage(d.first_day, d.last_day, '2024-06-30', lang => l.lang) AS label
  FROM (VALUES (1, '2024-06-20'::date, '2024-06-20'::date), (2, '2024-01-01', '2024-06-01'),
               (3, '2024-01-01', '2024-03-01'), (4, '2023-01-01', '2023-06-01')) d(stage, first_day, last_day),
       (VALUES ('en'), ('zh'), ('zh-Hant')) l(lang)
 ORDER BY 1, 2;
SELECT rfm.lifecycle(rfm.summarize(d, 1), '2024-06-30', lang => 'zh-Hant') AS label
  FROM (VALUES ('2024-06-29'::date)) o(d);

-- the playbook: every built-in action in the three languages, asked by the
-- English label and by the traditional one
SELECT p.scheme, p.segment, rfm.recommended_action(p.segment, p.scheme, 'zh') AS zh,
       rfm.recommended_action(p.segment, p.scheme, 'zh-Hant') AS zh_hant,
       rfm.recommended_action(rfm.zh_hant(r.label_zh), p.scheme, 'zh-Hant')
         IS NOT DISTINCT FROM rfm.recommended_action(p.segment, p.scheme, 'zh-Hant') AS by_traditional_label
  FROM rfm.playbook p JOIN rfm.segment_rules r ON r.scheme = p.scheme AND r.label_en = p.segment
 WHERE p.lang = 'en'
 ORDER BY 1, 2;

-- other text as it is; NULL stays NULL
SELECT rfm.zh_hant('VIP') AS latin, rfm.zh_hant('全部客户') AS not_rfms, rfm.zh_hant(NULL) IS NULL AS null_stays;
-- The language is a tag, read without regard to case, '-' or '_': zh with
-- the script Hant, or without a script and the region TW, HK or MO, is
-- traditional; any other zh simplified; en with any region English.
SELECT tag, rfm.segment(5, 5, 5, 'standard', tag) AS champions, rfm.tier(1, 1, 1, lang => tag) AS marginal
  FROM (VALUES ('en'), ('EN-us'), ('en_GB'), ('zh'), ('zh-CN'), ('zh_Hans'), ('zh-SG'), ('zh-Hans-TW'),
               ('zh-Hant'), ('zh-hant'), ('zh-TW'), ('zh_HK'), ('zh-MO'), ('ZH-HANT-CN')) AS t(tag);
