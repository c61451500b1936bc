-- Recommended actions per segment and language.  Users override an action
-- by inserting their own row (builtin = false), which wins over the
-- built-in one and is kept by pg_dump.

CREATE TABLE rfm.playbook (
    scheme   text    NOT NULL,
    segment  text    NOT NULL,              -- label_en of the segment
    lang     text    NOT NULL CHECK (lang IN ('en', 'zh', 'zh-Hant')),
    action   text    NOT NULL,
    builtin  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (scheme, segment, lang, builtin)
);
COMMENT ON TABLE rfm.playbook IS
    'Recommended action per segment and language; a user row (builtin = false) overrides the built-in one';

-- A row's language is read as the lang arguments are (a tag: 'zh-TW' is
-- 'zh-Hant', 'ZH' and 'zh_CN' are 'zh') and kept as the canonical value;
-- anything else is left for the check to refuse (23514).
CREATE FUNCTION rfm._playbook_lang()
    RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.lang := COALESCE(rfm._lang_tag(NEW.lang), NEW.lang);
    RETURN NEW;
END $$;
CREATE TRIGGER playbook_lang BEFORE INSERT OR UPDATE OF lang ON rfm.playbook
    FOR EACH ROW EXECUTE FUNCTION rfm._playbook_lang();

INSERT INTO rfm.playbook (scheme, segment, lang, action, builtin)
SELECT 'standard', s, l, a, true FROM (VALUES
    ('Champions', 'en', 'Reward them: exclusive service, early access, ask for reviews and referrals'),
    ('Champions', 'zh', '专属服务与新品优先体验，邀请评价和转介绍'),
    ('Loyal Customers', 'en', 'Upsell higher-value products; loyalty programme'),
    ('Loyal Customers', 'zh', '推荐高价值商品，会员积分计划'),
    ('Potential Loyalist', 'en', 'Membership offer and personalised recommendations'),
    ('Potential Loyalist', 'zh', '会员邀请与个性化推荐'),
    ('New Customers', 'en', 'Onboarding and a welcome second-purchase coupon'),
    ('New Customers', 'zh', '新客引导与复购优惠券'),
    ('Promising', 'en', 'Coupons and brand awareness campaigns'),
    ('Promising', 'zh', '发放优惠券，提升品牌认知'),
    ('Need Attention', 'en', 'Limited-time offers based on past purchases'),
    ('Need Attention', 'zh', '基于历史购买的限时优惠'),
    ('About To Sleep', 'en', 'Care message and popular-product recommendations'),
    ('About To Sleep', 'zh', '关怀触达与热门商品推荐'),
    ('At Risk', 'en', 'Win-back campaign with a personal message and a strong offer'),
    ('At Risk', 'zh', '个性化召回活动与大额优惠'),
    ('Can''t Lose Them', 'en', 'Win them back: personal call, renewal offer, survey what went wrong'),
    ('Can''t Lose Them', 'zh', '一对一回访召回，了解流失原因'),
    ('Hibernating', 'en', 'Reactivation offer with relevant products; otherwise low-cost channels only'),
    ('Hibernating', 'zh', '相关商品唤醒优惠；未响应者仅用低成本渠道触达'),
    ('Lost', 'en', 'Low-cost reactivation only; exclude from expensive campaigns'),
    ('Lost', 'zh', '仅低成本唤醒，不纳入高成本营销'),
    ('Others', 'en', 'Monitor; include in general campaigns'),
    ('Others', 'zh', '持续观察，纳入常规营销')) v(s, l, a);

INSERT INTO rfm.playbook (scheme, segment, lang, action, builtin)
SELECT 'value8', s, l, a, true FROM (VALUES
    ('Important Value', 'en', 'Exclusive VIP service; keep them delighted'),
    ('Important Value', 'zh', 'VIP专属服务，重点维护'),
    ('Important Development', 'en', 'Raise purchase frequency: bundles, subscriptions'),
    ('Important Development', 'zh', '提升购买频次：组合购、订阅'),
    ('Important Retention', 'en', 'Recent activity is low: proactive outreach to bring them back'),
    ('Important Retention', 'zh', '近期不活跃：主动联系促其回购'),
    ('Important Win-back', 'en', 'High value at risk: win-back offer and personal contact'),
    ('Important Win-back', 'zh', '高价值但流失风险高：召回优惠与专人联系'),
    ('General Value', 'en', 'Increase basket size: cross-sell, coupons over a threshold'),
    ('General Value', 'zh', '提升客单价：交叉销售、满减券'),
    ('General Development', 'en', 'Nurture: coupons for potential customers'),
    ('General Development', 'zh', '培育：发放潜力客户优惠券'),
    ('General Retention', 'en', 'Care messages to keep them engaged'),
    ('General Retention', 'zh', '关怀信息，保持联系'),
    ('General Win-back', 'en', 'Low-cost reactivation only'),
    ('General Win-back', 'zh', '仅低成本唤醒')) v(s, l, a);

INSERT INTO rfm.playbook (scheme, segment, lang, action, builtin)
SELECT 'tier3', s, l, a, true FROM (VALUES
    ('core', 'en', 'Exclusive service for top value'),
    ('core', 'zh', '高价值客户专属服务'),
    ('potential', 'en', 'Coupons and recommendations to grow them'),
    ('potential', 'zh', '优惠券与推荐，提升客户价值'),
    ('marginal', 'en', 'Low-cost channels; win-back when they show interest'),
    ('marginal', 'zh', '低成本渠道维护，有兴趣时再召回')) v(s, l, a);

SELECT pg_catalog.pg_extension_config_dump('rfm.playbook', 'WHERE NOT builtin');
-- Everyone reads the actions (rfm.recommended_action), as everyone reads
-- rfm.segment_rules; writing them is the extension owner's, or granted.
GRANT SELECT ON rfm.playbook TO PUBLIC;

-- The segment is its English label or, in a scheme of rfm.segment_rules,
-- its Chinese one (segment_zh of a tier table; or in traditional
-- characters), which names the English label of the scheme's first rule
-- that has it.  For 'zh-Hant' without a row of that language: the 'zh'
-- action in traditional characters (rfm.zh_hant), because the built-in
-- rows cannot be in this script (README, "Database encodings").  Segment
-- and scheme are matched byte for byte (COLLATE "C": a case-insensitive
-- collation of an argument made 'CHAMPIONS' a segment), the language by
-- its tag (rfm._lang_tag: 'ZH-hant' and 'zh-TW' are 'zh-Hant').
-- NULL, or 22023 for a scheme neither rfm.segment_rules nor rfm.playbook
-- has (a typo gave NULL for every row, where rfm.segment refuses it).
CREATE FUNCTION rfm._unknown_scheme(caller text, scheme_name text)
    RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF scheme_name IS NULL
       OR EXISTS (SELECT FROM rfm.segment_rules r WHERE r.scheme = (scheme_name COLLATE "C"))
       OR EXISTS (SELECT FROM rfm.playbook p WHERE p.scheme = (scheme_name COLLATE "C")) THEN
        RETURN NULL;
    END IF;
    PERFORM rfm._unknown_scheme_error(caller, scheme_name, true);
    RETURN NULL;
END $$;

CREATE FUNCTION rfm.recommended_action(segment text, scheme text DEFAULT 'standard',
                                       lang text DEFAULT 'en')
    RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    -- every comparison in pg_catalog's "C" collation (named: the body is
    -- inlined and parsed with the caller's search_path), whatever the
    -- arguments' collation
    SELECT CASE WHEN rfm._lang_tag($3) IS NULL
                THEN rfm._bad_language('rfm.recommended_action', $3)
                ELSE COALESCE((SELECT CASE WHEN p.lang OPERATOR(pg_catalog.=) (rfm._lang_tag($3) COLLATE pg_catalog."C") THEN p.action
                                           ELSE rfm._zh_label_in(p.action, $3, 'rfm.recommended_action') END
                                 FROM rfm.playbook p
                                WHERE p.scheme OPERATOR(pg_catalog.=) ($2 COLLATE pg_catalog."C")
                                  AND (p.lang OPERATOR(pg_catalog.=) (rfm._lang_tag($3) COLLATE pg_catalog."C")
                                       OR ((rfm._lang_tag($3) COLLATE pg_catalog."C") OPERATOR(pg_catalog.=) 'zh-Hant' AND p.lang OPERATOR(pg_catalog.=) 'zh'))
                                  AND (p.segment OPERATOR(pg_catalog.=) ($1 COLLATE pg_catalog."C")
                                       OR p.segment OPERATOR(pg_catalog.=)
                                          (SELECT r.label_en FROM rfm.segment_rules r
                                            WHERE r.scheme OPERATOR(pg_catalog.=) ($2 COLLATE pg_catalog."C")
                                              AND (r.label_zh OPERATOR(pg_catalog.=) ($1 COLLATE pg_catalog."C")
                                                   OR COALESCE(r.label_zh_hant, rfm._zh_hant_or_null(r.label_zh))
                                                      OPERATOR(pg_catalog.=) ($1 COLLATE pg_catalog."C"))
                                            ORDER BY r.priority LIMIT 1))
                                -- the language asked for before 'zh', a user's row (false) before the built-in one
                                ORDER BY p.lang OPERATOR(pg_catalog.<>) (rfm._lang_tag($3) COLLATE pg_catalog."C"), p.builtin
                                LIMIT 1),
                      -- (only when there is no action: an unknown scheme)
                      rfm._unknown_scheme('rfm.recommended_action', $2 COLLATE pg_catalog."C"))
           END $$;
COMMENT ON FUNCTION rfm.recommended_action(text, text, text) IS
    'The playbook action for a segment (English or Chinese label) in a language (en, zh, zh-Hant); user rows override built-in ones';
