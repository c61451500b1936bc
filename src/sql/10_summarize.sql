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
