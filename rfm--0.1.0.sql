-- rfm 0.1.0 as released (built from src/sql/10_summarize.sql and 15_summary_helpers.sql); frozen: never edit.
\echo Use "CREATE EXTENSION rfm" to load this file. \quit

-- ---- src/sql/10_summarize.sql
-- Per-customer R/F/M state: the rfm.summary type and the rfm.summarize
-- aggregate (C, parallel safe).  Rules: README, "Input rules".

CREATE TYPE rfm.summary AS (
    first_purchase  date,     -- first day with a purchase (amount > 0)
    last_purchase   date,     -- last day with a purchase
    frequency       bigint,   -- purchase rows (amount > 0)
    purchase_days   integer,  -- distinct days with a purchase
    monetary        numeric,  -- net spend: purchases minus refunds
    refunds         numeric,  -- total refunded (sum of -amount over amount < 0)
    repeat_days     integer,  -- purchase_days - 1 (0 with no purchase)
    repeat_monetary numeric   -- mean purchase spend per repeat purchase day
);
COMMENT ON TYPE rfm.summary IS 'Per-customer purchase summary produced by rfm.summarize';

CREATE FUNCTION rfm._summarize_trans(internal, date, numeric)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_summarize_trans_date';

-- STABLE: the calendar day of a timestamptz depends on the TimeZone setting.
CREATE FUNCTION rfm._summarize_trans(internal, timestamptz, numeric)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_summarize_trans_timestamptz';

CREATE FUNCTION rfm._summarize_combine(internal, internal)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_summarize_combine';

CREATE FUNCTION rfm._summarize_serialize(internal)
    RETURNS bytea
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_summarize_serialize';

CREATE FUNCTION rfm._summarize_deserialize(bytea, internal)
    RETURNS internal
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_summarize_deserialize';

CREATE FUNCTION rfm._summarize_final(internal)
    RETURNS rfm.summary
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_summarize_final';

-- SSPACE: a fresh state as allocated: RfmState (136 bytes, rounded up to a
-- 256-byte chunk by the allocator, plus a 16-byte chunk header) and its
-- first 4-day buffer (16 + 16 bytes).  Customers with many purchase days use
-- 4 more bytes per distinct day.
CREATE AGGREGATE rfm.summarize(ordered_at date, amount numeric) (
    SFUNC        = rfm._summarize_trans,
    STYPE        = internal,
    SSPACE       = 304,
    FINALFUNC    = rfm._summarize_final,
    COMBINEFUNC  = rfm._summarize_combine,
    SERIALFUNC   = rfm._summarize_serialize,
    DESERIALFUNC = rfm._summarize_deserialize,
    PARALLEL     = SAFE
);
COMMENT ON AGGREGATE rfm.summarize(date, numeric) IS
    'Per-customer RFM summary of orders (amount > 0 purchase, < 0 refund)';

CREATE AGGREGATE rfm.summarize(ordered_at timestamptz, amount numeric) (
    SFUNC        = rfm._summarize_trans,
    STYPE        = internal,
    SSPACE       = 304,
    FINALFUNC    = rfm._summarize_final,
    COMBINEFUNC  = rfm._summarize_combine,
    SERIALFUNC   = rfm._summarize_serialize,
    DESERIALFUNC = rfm._summarize_deserialize,
    PARALLEL     = SAFE
);
COMMENT ON AGGREGATE rfm.summarize(timestamptz, numeric) IS
    'Per-customer RFM summary of orders; timestamps count as calendar days in the session time zone';

-- ---- src/sql/15_summary_helpers.sql
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
