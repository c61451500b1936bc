-- Lifecycle stages: new / active / sleeping / churned (新客 / 活跃 / 沉睡 /
-- 流失; lang zh-Hant in traditional characters, src/labels_zh_hant.c) from
-- the days since the first and the last purchase.

CREATE FUNCTION rfm._lifecycle(first_purchase date, last_purchase date, as_of date,
                               new_days integer, sleeping_days integer, churned_days integer,
                               lang text)
    RETURNS text
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_lifecycle_stage';

CREATE FUNCTION rfm.lifecycle(s rfm.summary, as_of date, new_days integer DEFAULT 30,
                              sleeping_days integer DEFAULT 90, churned_days integer DEFAULT 180,
                              lang text DEFAULT 'en')
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._lifecycle(($1).first_purchase, ($1).last_purchase, $2, $3, $4, $5, $6) $$;
COMMENT ON FUNCTION rfm.lifecycle(rfm.summary, date, integer, integer, integer, text) IS
    'churned: last purchase >= churned_days ago; sleeping: >= sleeping_days; new: first purchase < new_days ago; else active (lang en, zh or zh-Hant)';

-- The same from the two days, for rows that carry them without a summary
-- (rfm.customer_state_scores, a tier table, a BI view of one).  A name of
-- its own: as an overload of rfm.lifecycle, a call with three quoted
-- literals matched both (42725, not unique).
CREATE FUNCTION rfm.lifecycle_stage(first_purchase date, last_purchase date, as_of date,
                                    new_days integer DEFAULT 30, sleeping_days integer DEFAULT 90,
                                    churned_days integer DEFAULT 180, lang text DEFAULT 'en')
    RETURNS text
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_lifecycle_stage_days';
COMMENT ON FUNCTION rfm.lifecycle_stage(date, date, date, integer, integer, integer, text) IS
    'rfm.lifecycle from the first and last purchase days: churned, sleeping, new or active';
