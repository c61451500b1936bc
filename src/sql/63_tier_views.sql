-- Tier tables, part 3: the two views a BI chart is drawn from, made next to
-- each tier table: NAME_segments (customers, shares and mean R/F/M per
-- segment, and the label's rule priority in the scheme, the order to list
-- segments in; CLV per segment for a clv tier table) and NAME_grid (R
-- score x F score, every cell present).  On PostgreSQL 15+ they are
-- security_invoker views: a reader needs SELECT on the tier table itself,
-- not just on the view.

-- Name of an object made next to a tier table, or an error if it would not
-- fit in an identifier (PostgreSQL would silently truncate it).
CREATE FUNCTION rfm._tier_sibling(tier regclass, suffix text)
    RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    nsp text;
    rel text;
BEGIN
    SELECT n.nspname, c.relname INTO nsp, rel
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tier;
    IF pg_catalog.octet_length(rel || suffix) > 63 THEN
        RAISE EXCEPTION 'rfm: tier table name % is too long to add "%"', pg_catalog.quote_ident(rel), suffix
            USING ERRCODE = 'name_too_long',
                  HINT = 'Tier table names must leave room for the _segments, _grid and _history suffixes.';
    END IF;
    RETURN pg_catalog.format('%I.%I', nsp, rel || suffix);
END $$;

CREATE FUNCTION rfm._tier_view_options()
    RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN pg_catalog.current_setting('server_version_num')::integer >= 150000
                      THEN ' WITH (security_invoker = true)' ELSE '' END $$;

CREATE FUNCTION rfm._tier_create_views(tier regclass, bins integer, scheme text, clv boolean DEFAULT false,
                                       lang_zh text DEFAULT 'zh',
                                       OUT segments_view regclass, OUT grid_view regclass)
    LANGUAGE plpgsql
    AS $$
DECLARE
    segments_name text := rfm._tier_sibling(tier, '_segments');
    grid_name     text := rfm._tier_sibling(tier, '_grid');
BEGIN
    -- Every label of the scheme has a row, the empty ones with 0 customers
    -- (a chart keeps its bars from refresh to refresh); a label in the table
    -- that the rules no longer give (rules edited since the refresh) too.
    EXECUTE pg_catalog.format($v$
CREATE VIEW %1$s%2$s AS
WITH labels AS (
    SELECT r.label_en, %8$s AS label_zh
      FROM rfm.segment_rules r
     WHERE r.scheme = %5$L
     GROUP BY r.label_en, 2),
filled AS (
    SELECT t.segment, t.segment_zh,
           pg_catalog.count(*) AS customers,
           pg_catalog.sum(t.monetary) AS revenue,
           pg_catalog.avg(t.recency_days) AS recency_days,
           pg_catalog.avg(t.frequency) AS frequency,
           pg_catalog.avg(t.monetary) AS monetary,
           pg_catalog.avg(t.r_score) AS r_score,
           pg_catalog.avg(t.f_score) AS f_score,
           pg_catalog.avg(t.m_score) AS m_score%4$s
      FROM %3$s t
     GROUP BY t.segment, t.segment_zh),
segments AS (
    SELECT COALESCE(f.segment, l.label_en) AS segment, COALESCE(f.segment_zh, l.label_zh) AS segment_zh,
           COALESCE(f.customers, 0) AS customers, COALESCE(f.revenue, 0) AS revenue,
           f.customers IS NULL AS empty, f.recency_days, f.frequency, f.monetary,
           f.r_score, f.f_score, f.m_score%7$s
      FROM filled f
      FULL JOIN labels l ON f.segment = l.label_en AND f.segment_zh = l.label_zh)
SELECT s.segment, s.segment_zh,
       (SELECT pg_catalog.min(r.priority) FROM rfm.segment_rules r
         WHERE r.scheme = %5$L AND r.label_en = s.segment AND %8$s = s.segment_zh) AS segment_priority,
       s.customers,
       pg_catalog.round(s.customers::pg_catalog.numeric
                        / NULLIF(pg_catalog.sum(s.customers) OVER (), 0), 4) AS customer_share,
       s.revenue,
       pg_catalog.round(s.revenue / NULLIF(pg_catalog.sum(s.revenue) OVER (), 0), 4) AS revenue_share,
       pg_catalog.round(s.recency_days, 1) AS mean_recency_days,
       pg_catalog.round(s.frequency, 2) AS mean_frequency,
       pg_catalog.round(s.monetary, 2) AS mean_monetary,
       pg_catalog.round(s.r_score, 2) AS mean_r_score,
       pg_catalog.round(s.f_score, 2) AS mean_f_score,
       pg_catalog.round(s.m_score, 2) AS mean_m_score%6$s
  FROM segments s$v$, segments_name, rfm._tier_view_options(), tier,
        CASE WHEN clv THEN $c$,
           pg_catalog.avg(t.historical_clv) AS historical_clv,
           pg_catalog.avg(t.p_alive) AS p_alive,
           pg_catalog.sum(t.predicted_clv) AS predicted_clv,
           pg_catalog.avg(t.predicted_clv) AS mean_predicted_clv$c$
        ELSE '' END, scheme,
        -- an empty segment's predicted total is 0 where the model was fitted
        CASE WHEN clv THEN $c$,
       pg_catalog.round(s.historical_clv, 2) AS mean_historical_clv,
       pg_catalog.round(s.p_alive::pg_catalog.numeric, 4) AS mean_p_alive,
       CASE WHEN NOT s.empty THEN pg_catalog.round(s.predicted_clv::pg_catalog.numeric, 2)
            WHEN pg_catalog.sum(s.predicted_clv) OVER () IS NOT NULL THEN 0 END AS predicted_clv,
       pg_catalog.round(s.mean_predicted_clv::pg_catalog.numeric, 2) AS mean_predicted_clv$c$
        ELSE '' END,
        CASE WHEN clv THEN $c$,
           f.historical_clv, f.p_alive, f.predicted_clv, f.mean_predicted_clv$c$
        ELSE '' END,
        -- the rules' Chinese label as the table's segment_zh has it
        CASE WHEN lang_zh = 'zh-Hant' THEN 'COALESCE(r.label_zh_hant, rfm.zh_hant(r.label_zh))'
             ELSE 'r.label_zh' END);

    EXECUTE pg_catalog.format($v$
CREATE VIEW %1$s%2$s AS
SELECT r.r_score, f.f_score,
       pg_catalog.count(t.customer_id) AS customers,
       COALESCE(pg_catalog.sum(t.monetary), 0) AS revenue,
       pg_catalog.round(pg_catalog.avg(t.monetary), 2) AS mean_monetary
  FROM pg_catalog.generate_series(1, %4$s) AS r(r_score)
 CROSS JOIN pg_catalog.generate_series(1, %4$s) AS f(f_score)
  LEFT JOIN %3$s t ON t.r_score = r.r_score AND t.f_score = f.f_score
 GROUP BY r.r_score, f.f_score$v$, grid_name, rfm._tier_view_options(), tier, bins);

    segments_view := segments_name::regclass;
    grid_view := grid_name::regclass;
END $$;
