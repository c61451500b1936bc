-- Small helpers over rfm.summary.  SQL functions so the planner can inline
-- them; the date check is in C (rfm._days_until) because it must raise.

CREATE FUNCTION rfm._days_until(event date, as_of date)
    RETURNS integer
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_days_until';

CREATE FUNCTION rfm.recency_days(s rfm.summary, as_of date)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._days_until(($1).last_purchase, $2) $$;
COMMENT ON FUNCTION rfm.recency_days(rfm.summary, date) IS
    'Days from the last purchase to as_of; error if the last purchase is after as_of';

CREATE FUNCTION rfm.tenure_days(s rfm.summary, as_of date)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._days_until(($1).first_purchase, $2) $$;
COMMENT ON FUNCTION rfm.tenure_days(rfm.summary, date) IS
    'Days from the first purchase to as_of (customer age, T in BG/NBD); error if after as_of';

CREATE FUNCTION rfm.average_order_value(s rfm.summary)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN ($1).frequency > 0
                      THEN pg_catalog.trim_scale(($1).monetary / ($1).frequency) END $$;
COMMENT ON FUNCTION rfm.average_order_value(rfm.summary) IS
    'Net spend per purchase row (monetary / frequency); NULL without purchases';
