-- Tier tables, part 6: history.  With keep_history, each build and refresh
-- stores every customer's segment for its as_of in NAME_history (a second
-- refresh on the same as_of replaces that day's snapshot; a clv tier
-- table's snapshots carry its five CLV columns too), and
-- rfm.transitions compares two snapshots: the segment-to-segment migration
-- matrix with customer counts, revenue and (clv) predicted CLV.

CREATE FUNCTION rfm._tier_create_history(tier regclass, customer_type text, clv boolean DEFAULT false)
    RETURNS regclass
    LANGUAGE plpgsql
    AS $$
DECLARE
    history_name text := rfm._tier_sibling(tier, '_history');
BEGIN
    EXECUTE pg_catalog.format($t$
CREATE TABLE %s (
    as_of        pg_catalog.date NOT NULL,
    customer_id  %s NOT NULL,
    segment      text,
    segment_zh   text,
    tier         text,
    lifecycle    text,
    r_score      integer,
    f_score      integer,
    m_score      integer,
    rfm_cell     text,
    recency_days integer,
    frequency    bigint,
    monetary     pg_catalog.numeric,%s
    PRIMARY KEY (as_of, customer_id)
)$t$, history_name, customer_type,
          CASE WHEN clv THEN ' ' || rfm._tier_clv_columns('', true) || ',' ELSE '' END);
    RETURN history_name::regclass;
END $$;

-- Store the tier table's current rows as the snapshot of their as_of.
CREATE FUNCTION rfm._tier_snapshot(tier regclass, history regclass, clv boolean DEFAULT false)
    RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    stored bigint;
BEGIN
    -- The snapshot is written by whoever refreshes: a trigger on the history
    -- table would run with that role's rights, not its owner's.
    IF EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgrelid = history AND NOT g.tgisinternal) THEN
        PERFORM rfm._tier_require_owner(history, 'write snapshots into it while it has triggers',
            'Refresh as the owner of the tier table (schedule the refresh as that role), or drop the triggers.');
    END IF;
    EXECUTE pg_catalog.format('DELETE FROM %s h WHERE h.as_of IN (SELECT DISTINCT t.as_of FROM %s t)',
                              history, tier);
    EXECUTE pg_catalog.format($i$
INSERT INTO %s (as_of, customer_id, segment, segment_zh, tier, lifecycle, r_score, f_score, m_score,
                rfm_cell, recency_days, frequency, monetary%s)
SELECT t.as_of, t.customer_id, t.segment, t.segment_zh, t.tier, t.lifecycle, t.r_score, t.f_score,
       t.m_score, t.rfm_cell, t.recency_days, t.frequency, t.monetary%s
  FROM %s t$i$, history,
        CASE WHEN clv THEN ', ' || rfm._tier_clv_columns('', false) ELSE '' END,
        CASE WHEN clv THEN ', ' || rfm._tier_clv_columns('t.', false) ELSE '' END, tier);
    GET DIAGNOSTICS stored = ROW_COUNT;
    RETURN stored;
END $$;

CREATE FUNCTION rfm.transitions(tier regclass, from_as_of date, to_as_of date)
    RETURNS TABLE (from_segment text, to_segment text, customers bigint,
                   revenue_before numeric, revenue_after numeric, revenue_gained numeric,
                   predicted_clv_before double precision, predicted_clv_after double precision)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    entry rfm.tier_tables := rfm._tier_entry(tier);
    missing   date;
    found_day boolean;
BEGIN
    IF entry.history_table IS NULL THEN
        RAISE EXCEPTION 'rfm.transitions: % keeps no history', entry.tier
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Create the tier table with keep_history => true.';
    END IF;
    IF from_as_of IS NULL OR to_as_of IS NULL THEN
        RAISE EXCEPTION 'rfm.transitions: from_as_of and to_as_of must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOREACH missing IN ARRAY ARRAY[from_as_of, to_as_of] LOOP
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s h WHERE h.as_of = $1)', entry.history_table)
           INTO found_day USING missing;
        IF NOT found_day THEN
            RAISE EXCEPTION 'rfm.transitions: % has no snapshot for %', entry.tier, missing
                USING ERRCODE = 'no_data_found',
                      HINT = pg_catalog.format('SELECT DISTINCT as_of FROM %s lists the snapshots.', entry.history_table);
        END IF;
    END LOOP;
    -- A NULL from_segment: not yet a customer at from_as_of; NULL to_segment:
    -- no longer in the tier table at to_as_of.
    RETURN QUERY EXECUTE pg_catalog.format($q$
SELECT a.segment, b.segment, pg_catalog.count(*),
       COALESCE(pg_catalog.sum(a.monetary), 0), COALESCE(pg_catalog.sum(b.monetary), 0),
       COALESCE(pg_catalog.sum(b.monetary), 0) - COALESCE(pg_catalog.sum(a.monetary), 0),
       %2$s
  FROM (SELECT * FROM %1$s h WHERE h.as_of = $1) a
  FULL JOIN (SELECT * FROM %1$s h WHERE h.as_of = $2) b ON b.customer_id = a.customer_id
 GROUP BY a.segment, b.segment
 ORDER BY a.segment NULLS FIRST, b.segment NULLS LAST$q$, entry.history_table,
        -- the history of a clv tier table has predicted_clv; others: NULL
        CASE WHEN entry.clv THEN 'pg_catalog.sum(a.predicted_clv), pg_catalog.sum(b.predicted_clv)'
             ELSE 'NULL::double precision, NULL::double precision' END)
    USING from_as_of, to_as_of;
END $$;
COMMENT ON FUNCTION rfm.transitions(regclass, date, date) IS
    'Segment-to-segment migration between two history snapshots of a tier table: customers, revenue and predicted CLV';
