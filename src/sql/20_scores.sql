-- Scores: exact quantile cut points (rfm.breaks) and tie-consistent bins
-- (rfm.score); fixed breaks, high/low splits and NTILE-compatible scoring.
-- Definitions: README, "Scores and segments"; C side: src/breaks.[ch].

CREATE FUNCTION rfm._breaks_trans(internal, numeric)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_breaks_trans';

CREATE FUNCTION rfm._breaks_trans(internal, numeric, integer)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_breaks_trans';

CREATE FUNCTION rfm._breaks_combine(internal, internal)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_breaks_combine';

CREATE FUNCTION rfm._breaks_serialize(internal)
    RETURNS bytea
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_breaks_serialize';

CREATE FUNCTION rfm._breaks_deserialize(bytea, internal)
    RETURNS internal
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_breaks_deserialize';

CREATE FUNCTION rfm._breaks_final(internal)
    RETURNS numeric[]
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_breaks_final';

-- SSPACE: each value is kept (quantiles need them all): ~16 bytes apiece
-- for everyday amounts; the fixed part is small.
CREATE AGGREGATE rfm.breaks(value numeric) (
    SFUNC = rfm._breaks_trans, STYPE = internal, SSPACE = 1024,
    FINALFUNC = rfm._breaks_final, COMBINEFUNC = rfm._breaks_combine,
    SERIALFUNC = rfm._breaks_serialize, DESERIALFUNC = rfm._breaks_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm.breaks(numeric) IS
    'The 4 quintile cut points (type-7 quantiles at 1/5..4/5) of the non-NULL values';

CREATE AGGREGATE rfm.breaks(value numeric, bins integer) (
    SFUNC = rfm._breaks_trans, STYPE = internal, SSPACE = 1024,
    FINALFUNC = rfm._breaks_final, COMBINEFUNC = rfm._breaks_combine,
    SERIALFUNC = rfm._breaks_serialize, DESERIALFUNC = rfm._breaks_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm.breaks(numeric, integer) IS
    'The bins-1 cut points (type-7 quantiles at j/bins) of the non-NULL values';

CREATE FUNCTION rfm.score(value numeric, breaks numeric[], higher_is_better boolean DEFAULT true)
    RETURNS integer
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_score';
COMMENT ON FUNCTION rfm.score(numeric, numeric[], boolean) IS
    'Bin 1..n+1 of value among n ascending cut points (1 + cuts strictly below value); reversed when lower is better';

-- The errors of rfm.high_low (a SQL function, kept inlinable, cannot
-- raise itself); called only with bad arguments.
CREATE FUNCTION rfm._bad_high_low(value numeric, threshold numeric, higher_is_better boolean)
    RETURNS integer
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF higher_is_better IS NULL THEN
        RAISE EXCEPTION 'rfm.high_low: higher_is_better must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RAISE EXCEPTION 'rfm.high_low: value and threshold must be finite numbers, not NaN or infinity, got % and %',
                    value, threshold
        USING ERRCODE = 'invalid_parameter_value';
END $$;

-- Like rfm.score: a NULL value or threshold gives NULL before the direction
-- is checked; NaN and infinities are errors (rfm.score, rfm.breaks).
-- pg_catalog.scale() is NULL exactly for NaN and +-Infinity (13: numeric
-- has no infinity), so the test parses on every version.
CREATE FUNCTION rfm.high_low(value numeric, threshold numeric, higher_is_better boolean DEFAULT true)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL
                      WHEN $3 IS NULL OR pg_catalog.scale($1) IS NULL OR pg_catalog.scale($2) IS NULL
                      THEN rfm._bad_high_low($1, $2, $3)
                      WHEN $3 THEN CASE WHEN $1 OPERATOR(pg_catalog.>) $2 THEN 2 ELSE 1 END
                      ELSE CASE WHEN $1 OPERATOR(pg_catalog.<) $2 THEN 2 ELSE 1 END END $$;
COMMENT ON FUNCTION rfm.high_low(numeric, numeric, boolean) IS
    '2 (high) when value is better than threshold (above it, or below it when lower is better), else 1 (low)';

-- NTILE-compatible scores for migrations from hand-written SQL: a window
-- over the caller's rows with a deterministic tie order (value, then key).
CREATE FUNCTION rfm.ntile_scores(vals numeric[], keys text[], bins integer DEFAULT 5,
                                 higher_is_better boolean DEFAULT true)
    RETURNS TABLE (key text, value numeric, score integer)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF higher_is_better IS NULL THEN
        RAISE EXCEPTION 'rfm.ntile_scores: higher_is_better must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF bins IS NULL THEN
        RAISE EXCEPTION 'rfm.ntile_scores: bins must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF bins < 2 OR bins > 100 THEN
        RAISE EXCEPTION 'rfm.ntile_scores: bins must be between 2 and 100, got %', bins
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a NULL array has no elements (array_agg over no rows gives NULL)
    IF COALESCE(pg_catalog.cardinality(vals), 0) <> COALESCE(pg_catalog.cardinality(keys), 0) THEN
        RAISE EXCEPTION 'rfm.ntile_scores: vals and keys must have the same length (% and %)',
                        COALESCE(pg_catalog.cardinality(vals)::text, 'NULL'),
                        COALESCE(pg_catalog.cardinality(keys)::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- scale() is NULL exactly for NaN and +-Infinity (see rfm.high_low)
    IF EXISTS (SELECT FROM pg_catalog.unnest(vals) AS u(v) WHERE u.v IS NOT NULL AND pg_catalog.scale(u.v) IS NULL) THEN
        RAISE EXCEPTION 'rfm.ntile_scores: values must be finite numbers, not NaN or infinity'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT u.k, u.v,
           CASE WHEN higher_is_better
                THEN (pg_catalog.ntile(bins) OVER (ORDER BY u.v ASC, u.k ASC))::integer
                ELSE (pg_catalog.ntile(bins) OVER (ORDER BY u.v DESC, u.k DESC))::integer END
      FROM ROWS FROM (pg_catalog.unnest(vals), pg_catalog.unnest(keys)) AS u(v, k)
     WHERE u.v IS NOT NULL;
END $$;
COMMENT ON FUNCTION rfm.ntile_scores(numeric[], text[], integer, boolean) IS
    'NTILE(bins) scores ordered by (value, key): ties split by key, as hand-written NTILE SQL does';

-- Scores for a whole set of values at once, by method: 'quantile' (rfm.breaks
-- + rfm.score), 'ntile' (NTILE-compatible, for migrations from hand-written
-- SQL), 'mean' / 'median' (two levels, rfm.high_low, for value8).
CREATE FUNCTION rfm.scores(vals numeric[], keys text[], bins integer DEFAULT NULL,
                           higher_is_better boolean DEFAULT true, method text DEFAULT 'quantile')
    RETURNS TABLE (key text, value numeric, score integer)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nbins integer := COALESCE(bins, CASE WHEN method IN ('mean', 'median') THEN 2 ELSE 5 END);
    cuts numeric[];
    threshold numeric;
    total numeric;
    counted bigint;
BEGIN
    IF method IS NULL THEN
        RAISE EXCEPTION 'rfm.scores: method must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Use quantile, ntile, mean or median.';
    END IF;
    IF method NOT IN ('quantile', 'ntile', 'mean', 'median') THEN
        RAISE EXCEPTION 'rfm.scores: unknown method "%"', method
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use quantile, ntile, mean or median; for fixed breaks call rfm.score(value, ARRAY[...]).';
    END IF;
    IF higher_is_better IS NULL THEN
        RAISE EXCEPTION 'rfm.scores: higher_is_better must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF method IN ('mean', 'median') AND nbins <> 2 THEN
        RAISE EXCEPTION 'rfm.scores: method % gives two levels, bins must be 2 (or NULL), got %', method, nbins
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF nbins < 2 OR nbins > 100 THEN
        RAISE EXCEPTION 'rfm.scores: bins must be between 2 and 100, got %', nbins
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a NULL array has no elements (array_agg over no rows gives NULL)
    IF COALESCE(pg_catalog.cardinality(vals), 0) <> COALESCE(pg_catalog.cardinality(keys), 0) THEN
        RAISE EXCEPTION 'rfm.scores: vals and keys must have the same length (% and %)',
                        COALESCE(pg_catalog.cardinality(vals)::text, 'NULL'),
                        COALESCE(pg_catalog.cardinality(keys)::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- every method: NaN and infinities are errors, as in rfm.breaks (scale()
    -- is NULL exactly for them, see rfm.high_low)
    IF EXISTS (SELECT FROM pg_catalog.unnest(vals) AS u(v) WHERE u.v IS NOT NULL AND pg_catalog.scale(u.v) IS NULL) THEN
        RAISE EXCEPTION 'rfm.scores: values must be finite numbers, not NaN or infinity'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF method = 'ntile' THEN
        -- NTILE over the total order (value, key in byte order, whatever the
        -- database collation); reversed as a whole when lower is better, like
        -- NTILE(bins) OVER (ORDER BY value DESC, key COLLATE "C" DESC).
        RETURN QUERY
        SELECT u.k, u.v,
               CASE WHEN u.v IS NULL THEN NULL
                    WHEN higher_is_better
                    THEN (pg_catalog.ntile(nbins) OVER (PARTITION BY u.v IS NULL ORDER BY u.v ASC, u.k COLLATE pg_catalog."C" ASC))::integer
                    ELSE (pg_catalog.ntile(nbins) OVER (PARTITION BY u.v IS NULL ORDER BY u.v DESC, u.k COLLATE pg_catalog."C" DESC))::integer END
          FROM ROWS FROM (pg_catalog.unnest(vals), pg_catalog.unnest(keys)) AS u(v, k);
        RETURN;
    END IF;

    IF method = 'quantile' THEN
        SELECT rfm.breaks(u.v, nbins) INTO cuts FROM pg_catalog.unnest(vals) AS u(v);
    ELSIF method = 'mean' THEN
        -- v against sum / n as v * n against sum: exact (avg() rounds its
        -- quotient to about 16 significant digits, which misplaced values
        -- of 20 and more digits next to the mean)
        SELECT pg_catalog.sum(u.v), pg_catalog.count(u.v) INTO total, counted FROM pg_catalog.unnest(vals) AS u(v);
        RETURN QUERY
        SELECT u.k, u.v, rfm.high_low(u.v * counted, total, higher_is_better)
          FROM ROWS FROM (pg_catalog.unnest(vals), pg_catalog.unnest(keys)) AS u(v, k);
        RETURN;
    ELSE
        -- the exact median: the one cut point of two bins (type 7 at 1/2)
        SELECT (rfm.breaks(u.v, 2))[1] INTO threshold FROM pg_catalog.unnest(vals) AS u(v);
    END IF;
    RETURN QUERY
    SELECT u.k, u.v,
           CASE WHEN method = 'quantile' THEN rfm.score(u.v, cuts, higher_is_better)
                ELSE rfm.high_low(u.v, threshold, higher_is_better) END
      FROM ROWS FROM (pg_catalog.unnest(vals), pg_catalog.unnest(keys)) AS u(v, k);
END $$;
COMMENT ON FUNCTION rfm.scores(numeric[], text[], integer, boolean, text) IS
    'Score every value: method quantile (rfm.breaks + rfm.score), ntile (NTILE ordered by value, key), mean or median (2 = high, 1 = low)';
