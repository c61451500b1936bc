-- Segment labels: rules per scheme in rfm.segment_rules (users add their
-- own schemes), looked up by rfm.segment in C.  Built-in schemes:
-- standard (11 segments), value8 (8-type value model), tier3.

CREATE TABLE rfm.segment_rules (
    scheme    text    NOT NULL,
    priority  integer NOT NULL,            -- first matching rule wins
    label_en  text    NOT NULL,
    label_zh  text    NOT NULL,
    label_zh_hant text,                     -- traditional characters; NULL: rfm.zh_hant(label_zh)
    r_min     integer NOT NULL DEFAULT 1,
    r_max     integer NOT NULL DEFAULT 100,
    f_min     integer NOT NULL DEFAULT 1,
    f_max     integer NOT NULL DEFAULT 100,
    m_min     integer NOT NULL DEFAULT 1,
    m_max     integer NOT NULL DEFAULT 100,
    total_min integer,                      -- r + f + m range; NULL = any
    total_max integer,
    builtin   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (scheme, priority),
    CHECK (r_min <= r_max AND f_min <= f_max AND m_min <= m_max),
    CHECK (total_min IS NULL OR total_max IS NULL OR total_min <= total_max)
);
COMMENT ON TABLE rfm.segment_rules IS
    'Segment rules per scheme: the first rule (by priority) whose score ranges contain (r, f, m) gives the label';

-- standard: the widely used 11-segment table (Putler, "RFM Analysis For
-- Successful Customer Segmentation"; also the R rfm package's example),
-- ordered so that every segment is reachable; anything else is Others.
INSERT INTO rfm.segment_rules
    (scheme, priority, label_en, label_zh, r_min, r_max, f_min, f_max, m_min, m_max, builtin) VALUES
    ('standard',  10, 'Champions',          '冠军客户', 4, 5, 4, 5, 4, 5, true),
    ('standard',  20, 'Loyal Customers',    '忠诚客户',     2, 5, 3, 5, 3, 5, true),
    ('standard',  30, 'New Customers',      '新客户',       4, 5, 1, 1, 1, 1, true),
    ('standard',  40, 'Promising',          '有潜力客户',   3, 4, 1, 1, 1, 1, true),
    ('standard',  50, 'Potential Loyalist', '潜在忠诚客户', 3, 5, 1, 3, 1, 3, true),
    ('standard',  60, 'Need Attention',     '需要关注客户', 2, 3, 2, 3, 2, 3, true),
    ('standard',  70, 'About To Sleep',     '即将沉睡客户', 2, 3, 1, 2, 1, 2, true),
    ('standard',  80, 'Can''t Lose Them',   '不能失去的客户', 1, 1, 4, 5, 4, 5, true),
    ('standard',  90, 'At Risk',            '流失风险客户', 1, 2, 2, 5, 2, 5, true),
    ('standard', 100, 'Lost',               '已流失客户',   1, 1, 1, 1, 1, 1, true),
    ('standard', 110, 'Hibernating',        '休眠客户',     1, 2, 1, 2, 1, 2, true),
    ('standard', 999, 'Others',             '其他客户',     1, 100, 1, 100, 1, 100, true);

-- value8: R, F, M each 2 = high or 1 = low (rfm.high_low against the mean
-- or the median); R high means a recent buyer.
INSERT INTO rfm.segment_rules
    (scheme, priority, label_en, label_zh, r_min, r_max, f_min, f_max, m_min, m_max, builtin) VALUES
    ('value8', 10, 'Important Value',       '重要价值客户', 2, 2, 2, 2, 2, 2, true),
    ('value8', 20, 'Important Development', '重要发展客户', 2, 2, 1, 1, 2, 2, true),
    ('value8', 30, 'Important Retention',   '重要保持客户', 1, 1, 2, 2, 2, 2, true),
    ('value8', 40, 'Important Win-back',    '重要挽留客户', 1, 1, 1, 1, 2, 2, true),
    ('value8', 50, 'General Value',         '一般价值客户', 2, 2, 2, 2, 1, 1, true),
    ('value8', 60, 'General Development',   '一般发展客户', 2, 2, 1, 1, 1, 1, true),
    ('value8', 70, 'General Retention',     '一般保持客户', 1, 1, 2, 2, 1, 1, true),
    ('value8', 80, 'General Win-back',      '一般挽留客户', 1, 1, 1, 1, 1, 1, true);

-- tier3: by the combined score r + f + m (3..15 with quintiles).
INSERT INTO rfm.segment_rules
    (scheme, priority, label_en, label_zh, total_min, total_max, builtin) VALUES
    ('tier3', 10, 'core',      '核心', 12, NULL, true),
    ('tier3', 20, 'potential', '潜力',  8, 11,   true),
    ('tier3', 30, 'marginal',  '边缘', NULL, 7,  true);

-- Only the users' own rules are dumped: CREATE EXTENSION recreates the
-- built-in ones.
SELECT pg_catalog.pg_extension_config_dump('rfm.segment_rules', 'WHERE NOT builtin');

-- The one error for a scheme no rule has (rfm.segment, rfm.create_tiers,
-- rfm.alter_tiers; with playbook, rfm.recommended_action, which also knows
-- the schemes of rfm.playbook): 22023 listing the schemes there are.
-- rfm.segment (C) reads the hint and raises the error itself, so that its
-- message has no CONTEXT lines of these helpers.
CREATE FUNCTION rfm._unknown_scheme_hint(playbook boolean)
    RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.format('The schemes of %s: %s (names match exactly, case included); add rows to %s for a scheme of your own.',
                         t.tables,
                         (SELECT COALESCE(pg_catalog.string_agg(pg_catalog.format('"%s"', n.scheme), ', ' ORDER BY n.scheme COLLATE "C"), 'none')
                            FROM (SELECT r.scheme FROM rfm.segment_rules r
                                  UNION
                                  SELECT p.scheme FROM rfm.playbook p WHERE $1) AS n),
                         t.tables)
  FROM (SELECT CASE WHEN $1 THEN 'rfm.segment_rules and rfm.playbook' ELSE 'rfm.segment_rules' END AS tables) AS t
$$;

CREATE FUNCTION rfm._unknown_scheme_error(caller text, scheme_name text, playbook boolean)
    RETURNS void
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '%: unknown scheme "%"', caller, scheme_name
        USING ERRCODE = 'invalid_parameter_value', HINT = rfm._unknown_scheme_hint(playbook);
END $$;

-- Traditional characters (lang 'zh-Hant') for rfm's own simplified
-- labels and actions: kept in C (src/labels_zh_hant.c), because this
-- script is converted to the database's encoding and EUC_CN has almost
-- none of them.  Any other text comes back as it is.
CREATE FUNCTION rfm.zh_hant(label text)
    RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_zh_hant_label';
COMMENT ON FUNCTION rfm.zh_hant(text) IS
    'One of rfm''s Chinese labels or playbook actions in traditional characters (lang zh-Hant); other text unchanged';

-- The same, NULL where the database's encoding has no traditional
-- characters (rfm.zh_hant: 22P05), for matching labels.
CREATE FUNCTION rfm._zh_hant_or_null(label text)
    RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_zh_hant_label_or_null';

-- The other way: one of rfm's own texts in traditional characters back in
-- simplified ones; any other text as it is (a tier table's snapshots in
-- either form, rfm.transitions).
CREATE FUNCTION rfm._zh_hans(label text)
    RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_zh_hans_label';

-- A simplified label as it is for lang 'zh', traditional for 'zh-Hant',
-- errors naming caller (rfm.tier, rfm.recommended_action,
-- rfm.transitions).
CREATE FUNCTION rfm._zh_label_in(label text, lang text, caller text)
    RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_zh_label_in';

-- rfm.segment keeps a scheme's rules per call site; a write to the rules in
-- this backend tells it to read them again (src/segments.c).
CREATE FUNCTION rfm._segment_rules_changed()
    RETURNS trigger
    LANGUAGE c
    AS 'MODULE_PATHNAME', 'rfm_segment_rules_changed';
CREATE TRIGGER segment_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rfm.segment_rules
    FOR EACH STATEMENT EXECUTE FUNCTION rfm._segment_rules_changed();

CREATE FUNCTION rfm.segment(r integer, f integer, m integer,
                            scheme text DEFAULT 'standard', lang text DEFAULT 'en')
    RETURNS text
    LANGUAGE c CALLED ON NULL INPUT STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_segment';
COMMENT ON FUNCTION rfm.segment(integer, integer, integer, text, text) IS
    'Segment label (lang en, zh or zh-Hant) of the first rule of the scheme in rfm.segment_rules whose ranges contain the scores';

-- 'en', 'zh' or 'zh-Hant' for a language tag naming one of them, whatever
-- its case and separators ('ZH-hant', 'zh_TW', 'en-US', 'zh-Hans-CN');
-- NULL for any other (src/segment_rules.c, rfm_language_of_tag).
CREATE FUNCTION rfm._lang_tag(lang text)
    RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_language_tag';

-- The language checks of rfm.tier, rfm.recommended_action and
-- rfm.transitions raise here: 22004 / 22023 for a NULL or unknown language
-- (rfm.recommended_action gave NULL, as for a segment without an action,
-- so a typo went unseen).
CREATE FUNCTION rfm._bad_language(caller text, lang text)
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF lang IS NULL THEN
        RAISE EXCEPTION '%: lang must not be NULL', caller
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RAISE EXCEPTION '%: unknown language "%"', caller, lang
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use ''en'' (English), ''zh'' (Chinese, simplified characters) or ''zh-Hant'' (Chinese, traditional characters); tags such as ''en-US'', ''zh-CN'', ''zh-Hans'' or ''zh-TW'' name them too.';
END $$;

CREATE FUNCTION rfm._bad_tier_arguments(core_min integer, potential_min integer, lang text)
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF core_min IS NULL THEN
        RAISE EXCEPTION 'rfm.tier: core_min must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF potential_min IS NULL THEN
        RAISE EXCEPTION 'rfm.tier: potential_min must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF lang IS NULL OR rfm._lang_tag(lang) IS NULL THEN
        RETURN rfm._bad_language('rfm.tier', lang);
    END IF;
    RAISE EXCEPTION 'rfm.tier: need potential_min <= core_min, got % and %', potential_min, core_min
        USING ERRCODE = 'invalid_parameter_value';
END $$;

-- tier3 with explicit thresholds, without editing rules.  The arguments
-- are checked first (as rfm.segment checks scheme and lang); then, like
-- tier3's rules (r_min..m_max at their defaults 1..100), a NULL score or
-- one outside 1..100 gives NULL.
CREATE FUNCTION rfm.tier(r integer, f integer, m integer, core_min integer DEFAULT 12,
                         potential_min integer DEFAULT 8, lang text DEFAULT 'en')
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    -- operators named: the body is inlined into the caller's query and
    -- parsed with the caller's search_path (no SET, which would stop that)
    SELECT CASE WHEN $4 IS NULL OR $5 IS NULL OR $5 OPERATOR(pg_catalog.>) $4
                     OR rfm._lang_tag($6) IS NULL
                THEN rfm._bad_tier_arguments($4, $5, $6)
                WHEN $1 IS NULL OR $2 IS NULL OR $3 IS NULL
                     OR $1 OPERATOR(pg_catalog.<) 1 OR $1 OPERATOR(pg_catalog.>) 100
                     OR $2 OPERATOR(pg_catalog.<) 1 OR $2 OPERATOR(pg_catalog.>) 100
                     OR $3 OPERATOR(pg_catalog.<) 1 OR $3 OPERATOR(pg_catalog.>) 100
                THEN NULL
                WHEN rfm._lang_tag($6) OPERATOR(pg_catalog.=) 'en'
                THEN CASE WHEN (($1 OPERATOR(pg_catalog.+) $2) OPERATOR(pg_catalog.+) $3) OPERATOR(pg_catalog.>=) $4 THEN 'core'
                          WHEN (($1 OPERATOR(pg_catalog.+) $2) OPERATOR(pg_catalog.+) $3) OPERATOR(pg_catalog.>=) $5 THEN 'potential'
                          ELSE 'marginal' END
                -- the label chosen first, then converted: a conversion of a
                -- constant label would be folded (and refused in EUC_CN)
                -- when the query is planned, whichever label the rows get
                ELSE rfm._zh_label_in(
                       CASE WHEN (($1 OPERATOR(pg_catalog.+) $2) OPERATOR(pg_catalog.+) $3) OPERATOR(pg_catalog.>=) $4 THEN '核心'
                            WHEN (($1 OPERATOR(pg_catalog.+) $2) OPERATOR(pg_catalog.+) $3) OPERATOR(pg_catalog.>=) $5 THEN '潜力'
                            ELSE '边缘' END, $6, 'rfm.tier') END $$;
COMMENT ON FUNCTION rfm.tier(integer, integer, integer, integer, integer, text) IS
    'core when r+f+m >= core_min, potential when >= potential_min, else marginal (核心 / 潜力 / 边缘, lang zh-Hant in traditional characters); NULL when a score is NULL or outside 1..100, as in tier3';
