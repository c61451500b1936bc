-- 0.1.0's rfm.tenure_days checked only the first purchase against as_of,
-- so a summary holding orders from after as_of gave a tenure (and
-- rfm.historical_clv a value) instead of the error its README promised.
-- Now every purchase is checked, in C (it must raise), still inlinable.

CREATE FUNCTION rfm._tenure_days(first_purchase date, last_purchase date, as_of date)
    RETURNS integer
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_tenure_days';

CREATE OR REPLACE FUNCTION rfm.tenure_days(s rfm.summary, as_of date)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._tenure_days(($1).first_purchase, ($1).last_purchase, $2) $$;
