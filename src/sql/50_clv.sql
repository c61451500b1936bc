-- Customer lifetime value: historical CLV, the BG/NBD purchase model and the
-- Gamma-Gamma spend model fitted in C, per-customer predictions and CLV.
-- Formulas, units and defaults: README, "Customer lifetime value".

CREATE TYPE rfm.bgnbd_fit AS (
    r              double precision,  -- shape of the purchase-rate gamma
    alpha          double precision,  -- scale of the purchase-rate gamma (time unit)
    a              double precision,  -- dropout beta, first shape
    b              double precision,  -- dropout beta, second shape
    log_likelihood double precision,  -- at the fit, summed over customers
    n_customers    bigint,
    iterations     integer,           -- Nelder-Mead iterations
    converged      boolean
);
COMMENT ON TYPE rfm.bgnbd_fit IS 'BG/NBD parameters fitted by rfm.fit_bgnbd';

CREATE TYPE rfm.gamma_gamma_fit AS (
    p              double precision,
    q              double precision,
    gamma          double precision,
    log_likelihood double precision,
    n_customers    bigint,            -- repeat buyers used
    iterations     integer,
    converged      boolean
);
COMMENT ON TYPE rfm.gamma_gamma_fit IS 'Gamma-Gamma spend parameters fitted by rfm.fit_gamma_gamma';

-- ---- fitting aggregates ----

CREATE FUNCTION rfm._fit_bgnbd_trans(internal, double precision, double precision, double precision)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_fit_bgnbd_trans';

CREATE FUNCTION rfm._fit_bgnbd_final(internal)
    RETURNS rfm.bgnbd_fit
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_fit_bgnbd_final';

CREATE FUNCTION rfm._fit_gamma_gamma_trans(internal, double precision, double precision)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_fit_gamma_gamma_trans';

CREATE FUNCTION rfm._fit_gamma_gamma_final(internal)
    RETURNS rfm.gamma_gamma_fit
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_fit_gamma_gamma_final';

CREATE FUNCTION rfm._clv_fit_combine(internal, internal)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_clv_fit_combine';

CREATE FUNCTION rfm._clv_fit_serialize(internal)
    RETURNS bytea
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_clv_fit_serialize';

CREATE FUNCTION rfm._clv_fit_deserialize(bytea, internal)
    RETURNS internal
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_clv_fit_deserialize';

-- SSPACE: the set header plus its first buffer of 64 distinct tuples of
-- 32 bytes; one-time buyers of a cohort share tuples, so it rarely grows far.
CREATE AGGREGATE rfm.fit_bgnbd(x double precision, t_x double precision, tenure double precision) (
    SFUNC        = rfm._fit_bgnbd_trans,
    STYPE        = internal,
    SSPACE       = 2200,
    FINALFUNC    = rfm._fit_bgnbd_final,
    COMBINEFUNC  = rfm._clv_fit_combine,
    SERIALFUNC   = rfm._clv_fit_serialize,
    DESERIALFUNC = rfm._clv_fit_deserialize,
    PARALLEL     = SAFE
);
COMMENT ON AGGREGATE rfm.fit_bgnbd(double precision, double precision, double precision) IS
    'Maximum-likelihood BG/NBD fit over customers (x repeat purchases, t_x last repeat, tenure T; one time unit)';

CREATE AGGREGATE rfm.fit_gamma_gamma(x double precision, m_x double precision) (
    SFUNC        = rfm._fit_gamma_gamma_trans,
    STYPE        = internal,
    SSPACE       = 2200,
    FINALFUNC    = rfm._fit_gamma_gamma_final,
    COMBINEFUNC  = rfm._clv_fit_combine,
    SERIALFUNC   = rfm._clv_fit_serialize,
    DESERIALFUNC = rfm._clv_fit_deserialize,
    PARALLEL     = SAFE
);
COMMENT ON AGGREGATE rfm.fit_gamma_gamma(double precision, double precision) IS
    'Maximum-likelihood Gamma-Gamma spend fit over repeat buyers (x repeat purchase days > 0, m_x mean spend per repeat day, as in rfm.clv_inputs; others skipped)';

-- ---- inputs from rfm.summary ----

CREATE TYPE rfm.clv_inputs AS (
    x       integer,           -- repeat purchase days
    t_x     double precision,  -- last minus first purchase, in the unit
    tenure  double precision,  -- as_of minus first purchase (T), in the unit
    m_x     numeric            -- mean spend per repeat purchase day (0 if none)
);

CREATE FUNCTION rfm.clv_inputs(s rfm.summary, as_of date, unit text DEFAULT 'weeks')
    RETURNS rfm.clv_inputs
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    per double precision;
    result rfm.clv_inputs;
BEGIN
    IF unit IS NULL THEN
        RAISE EXCEPTION 'rfm.clv_inputs: unit must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Give ''days'' or ''weeks''.';
    END IF;
    per := CASE unit WHEN 'days' THEN 1.0 WHEN 'weeks' THEN 7.0 END;
    IF per IS NULL THEN
        RAISE EXCEPTION 'rfm.clv_inputs: unit must be ''days'' or ''weeks'', got %', pg_catalog.quote_literal(unit)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'weeks are days / 7.';
    END IF;
    -- no purchase: not a customer of the models; no as_of: no T (a
    -- record with x and m_x but no T was counted by one fit, not the other)
    IF s IS NULL OR (s).frequency IS NULL OR (s).frequency = 0 OR as_of IS NULL THEN
        RETURN NULL;
    END IF;
    -- rfm.recency_days raises when the last purchase is after as_of, and
    -- rfm.tenure_days for an infinite first purchase (22008) or one after
    -- the last (22023), before t_x subtracts them.
    PERFORM rfm.recency_days(s, as_of);
    result.x := (s).repeat_days;
    result.tenure := rfm.tenure_days(s, as_of) / per;
    result.t_x := ((s).last_purchase - (s).first_purchase) / per;
    result.m_x := (s).repeat_monetary;
    RETURN result;
END
$$;
COMMENT ON FUNCTION rfm.clv_inputs(rfm.summary, date, text) IS
    'BG/NBD and Gamma-Gamma inputs (x, t_x, T, m_x) of a summary at as_of, in days or weeks';

-- ---- predictions ----

CREATE FUNCTION rfm._bgnbd_p_alive(double precision, double precision, double precision, double precision,
                                   double precision, double precision, double precision)
    RETURNS double precision
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_bgnbd_p_alive';

CREATE FUNCTION rfm._bgnbd_expected_purchases(double precision, double precision, double precision, double precision,
                                              double precision, double precision, double precision, double precision,
                                              too_long_is_null boolean)
    RETURNS double precision
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_bgnbd_expected_purchases';

CREATE FUNCTION rfm._gamma_gamma_expected_spend(double precision, double precision, double precision,
                                                double precision, double precision)
    RETURNS double precision
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_gamma_gamma_expected_spend';

CREATE FUNCTION rfm._clv(double precision, double precision, double precision, double precision,
                         double precision, double precision, double precision,
                         double precision, double precision, double precision, double precision,
                         integer, double precision, double precision, too_long_is_null boolean)
    RETURNS double precision
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_clv_predicted';

-- The wrappers are STRICT: a NULL fit or customer gives NULL (for example a
-- customer without purchases); bad values raise in C.
CREATE FUNCTION rfm.bgnbd_p_alive(fit rfm.bgnbd_fit, x double precision, t_x double precision, tenure double precision)
    RETURNS double precision
    LANGUAGE sql STRICT IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._bgnbd_p_alive(($1).r, ($1).alpha, ($1).a, ($1).b, $2, $3, $4) $$;
COMMENT ON FUNCTION rfm.bgnbd_p_alive(rfm.bgnbd_fit, double precision, double precision, double precision) IS
    'BG/NBD probability that the customer is still active at T';

CREATE FUNCTION rfm.bgnbd_expected_purchases(fit rfm.bgnbd_fit, t double precision,
                                             x double precision, t_x double precision, tenure double precision)
    RETURNS double precision
    LANGUAGE sql STRICT IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._bgnbd_expected_purchases(($1).r, ($1).alpha, ($1).a, ($1).b, $2, $3, $4, $5, false) $$;
COMMENT ON FUNCTION rfm.bgnbd_expected_purchases(rfm.bgnbd_fit, double precision, double precision, double precision, double precision) IS
    'BG/NBD expected repeat purchases in the next t time units, given x, t_x and T';

CREATE FUNCTION rfm.gamma_gamma_expected_spend(fit rfm.gamma_gamma_fit, x double precision, m_x double precision)
    RETURNS double precision
    LANGUAGE sql STRICT IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._gamma_gamma_expected_spend(($1).p, ($1).q, ($1).gamma, $2, $3) $$;
COMMENT ON FUNCTION rfm.gamma_gamma_expected_spend(rfm.gamma_gamma_fit, double precision, double precision) IS
    'Gamma-Gamma expected spend per purchase of a customer with x repeat purchase days of mean spend m_x (population mean when x = 0)';

CREATE FUNCTION rfm.clv(bgnbd rfm.bgnbd_fit, spend rfm.gamma_gamma_fit,
                        x double precision, t_x double precision, tenure double precision,
                        m_x double precision, periods integer, period_length double precision,
                        discount_rate double precision DEFAULT 0)
    RETURNS double precision
    LANGUAGE sql STRICT IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._clv(($1).r, ($1).alpha, ($1).a, ($1).b, ($2).p, ($2).q, ($2).gamma,
                          $3, $4, $5, $6, $7, $8, $9, false) $$;
COMMENT ON FUNCTION rfm.clv(rfm.bgnbd_fit, rfm.gamma_gamma_fit, double precision, double precision, double precision, double precision, integer, double precision, double precision) IS
    'Predicted CLV: expected spend x expected purchases per period, discounted, over periods x period_length (fit time unit)';

-- The two predictions above, NULL instead of an error (22003) when the
-- horizon is too long to evaluate for this customer (a fit with a tiny
-- alpha and a first purchase on as_of): rfm.clv_columns, where one such
-- customer must not fail a whole tier build.
CREATE FUNCTION rfm._bgnbd_expected_purchases_or_null(fit rfm.bgnbd_fit, t double precision,
                                                      x double precision, t_x double precision,
                                                      tenure double precision)
    RETURNS double precision
    LANGUAGE sql STRICT IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._bgnbd_expected_purchases(($1).r, ($1).alpha, ($1).a, ($1).b, $2, $3, $4, $5, true) $$;

CREATE FUNCTION rfm._clv_or_null(bgnbd rfm.bgnbd_fit, spend rfm.gamma_gamma_fit,
                                 x double precision, t_x double precision, tenure double precision,
                                 m_x double precision, periods integer, period_length double precision,
                                 discount_rate double precision)
    RETURNS double precision
    LANGUAGE sql STRICT IMMUTABLE PARALLEL SAFE
    AS $$ SELECT rfm._clv(($1).r, ($1).alpha, ($1).a, ($1).b, ($2).p, ($2).q, ($2).gamma,
                          $3, $4, $5, $6, $7, $8, $9, true) $$;

-- ---- historical CLV ----

CREATE FUNCTION rfm.historical_clv(s rfm.summary, as_of date, lifespan_days integer DEFAULT 1095)
    RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
BEGIN
    IF lifespan_days IS NULL THEN
        RAISE EXCEPTION 'rfm.historical_clv: lifespan_days must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'The default is 1095 days (3 years).';
    END IF;
    IF lifespan_days < 0 THEN
        RAISE EXCEPTION 'rfm.historical_clv: lifespan_days must be a non-negative number of days, got %',
                        lifespan_days
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The default is 1095 days (3 years).';
    END IF;
    IF s IS NULL OR (s).frequency IS NULL OR (s).frequency = 0 THEN
        RETURN NULL;
    END IF;
    -- average order value (monetary / frequency) x purchase rate (frequency
    -- per observed day) x lifespan = monetary x lifespan / observed days,
    -- computed in that exact form.  Observed days count the first purchase
    -- day, so a customer whose first purchase is on as_of has 1.
    RETURN pg_catalog.round((s).monetary * lifespan_days / (rfm.tenure_days(s, as_of) + 1), 2);
END
$$;
COMMENT ON FUNCTION rfm.historical_clv(rfm.summary, date, integer) IS
    'Historical CLV: average order value x purchase rate (purchases per observed day) x lifespan_days, rounded to cents';

-- ---- CLV columns for tier tables ----

CREATE TYPE rfm.clv_columns AS (
    historical_clv     numeric,           -- rfm.historical_clv(s, as_of, lifespan_days)
    p_alive            double precision,  -- BG/NBD P(alive) at as_of
    expected_purchases double precision,  -- BG/NBD repeat purchases over the horizon
    expected_spend     double precision,  -- Gamma-Gamma spend per purchase
    predicted_clv      double precision   -- discounted monthly, over the horizon
);

-- One call per customer row of a tier table.  Fits may be NULL (the model
-- columns are then NULL); unit must be the one the fits were made in.
-- Months are 365.25 / 12 days; discount_rate is per month.
CREATE FUNCTION rfm.clv_columns(s rfm.summary, as_of date,
                                bgnbd rfm.bgnbd_fit DEFAULT NULL,
                                spend rfm.gamma_gamma_fit DEFAULT NULL,
                                unit text DEFAULT 'weeks',
                                horizon_months integer DEFAULT 12,
                                discount_rate double precision DEFAULT 0.01,
                                lifespan_days integer DEFAULT 1095)
    RETURNS rfm.clv_columns
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    c rfm.clv_inputs;
    m_x double precision;
    month double precision;
    result rfm.clv_columns;
BEGIN
    -- the upper limit is rfm.clv's on its periods, said here in this
    -- function's words (and checked without fits too)
    -- NULL options are 22004, as everywhere in rfm
    IF horizon_months IS NULL OR discount_rate IS NULL OR unit IS NULL OR lifespan_days IS NULL THEN
        RAISE EXCEPTION 'rfm.clv_columns: % must not be NULL',
                        CASE WHEN horizon_months IS NULL THEN 'horizon_months' WHEN discount_rate IS NULL THEN 'discount_rate'
                             WHEN unit IS NULL THEN 'unit' ELSE 'lifespan_days' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- unit and lifespan_days are checked again by the functions called,
    -- whose errors named them, not this one
    IF unit OPERATOR(pg_catalog.<>) ALL (ARRAY['days', 'weeks']) THEN
        RAISE EXCEPTION 'rfm.clv_columns: unit must be ''days'' or ''weeks'', got %', pg_catalog.quote_literal(unit)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The unit the fits were made in; weeks are days / 7.';
    END IF;
    IF lifespan_days < 0 THEN
        RAISE EXCEPTION 'rfm.clv_columns: lifespan_days must be a non-negative number of days, got %', lifespan_days
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The default is 1095 days (3 years).';
    END IF;
    IF horizon_months < 0 OR horizon_months > 100000 THEN
        RAISE EXCEPTION 'rfm.clv_columns: horizon_months must be between 0 and 100000 months, got %',
                        horizon_months
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- checked here too: with a NULL fit, or a customer without purchases,
    -- rfm.clv never sees it
    IF NOT discount_rate OPERATOR(pg_catalog.>) -1
       OR discount_rate OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity}'::double precision[]) THEN
        RAISE EXCEPTION 'rfm.clv_columns: discount_rate must be a finite number greater than -1, got %',
                        discount_rate
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'discount_rate is per month: 0.01 is 1% per month.';
    END IF;
    result.historical_clv := rfm.historical_clv(s, as_of, lifespan_days);
    c := rfm.clv_inputs(s, as_of, unit);
    IF c IS NULL THEN
        RETURN result;                  -- no purchase or no as_of: only NULLs
    END IF;
    month := (365.25 / 12) / CASE unit WHEN 'days' THEN 1.0 ELSE 7.0 END;
    result.p_alive := rfm.bgnbd_p_alive(bgnbd, c.x, c.t_x, c.tenure);
    result.expected_purchases := rfm._bgnbd_expected_purchases_or_null(bgnbd, horizon_months * month,
                                                                        c.x, c.t_x, c.tenure);
    -- a mean spend double precision cannot hold (above 1.8e308, or below
    -- 2.2e-308 but not 0): no spend model of it, NULL spend columns (its
    -- cast failed the call, and a clv tier table's whole build)
    m_x := CASE WHEN pg_catalog.abs(c.m_x) <= 1.7976931348623157e308
                     AND (c.m_x = 0 OR pg_catalog.abs(c.m_x) >= 2.2250738585072014e-308)
                THEN c.m_x::double precision END;
    result.expected_spend := rfm.gamma_gamma_expected_spend(spend, c.x, m_x);
    result.predicted_clv := rfm._clv_or_null(bgnbd, spend, c.x, c.t_x, c.tenure, m_x,
                                             horizon_months, month, discount_rate);
    RETURN result;
END
$$;
COMMENT ON FUNCTION rfm.clv_columns(rfm.summary, date, rfm.bgnbd_fit, rfm.gamma_gamma_fit, text, integer, double precision, integer) IS
    'CLV columns of one customer for tier tables: historical CLV and, given fits, P(alive), expected purchases and spend, predicted CLV';
