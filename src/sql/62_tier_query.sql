-- Tier tables, part 2: the per-customer rows a tier table is built from.
-- Their columns must match rfm._tier_columns, in order.  Two ways to
-- compute the same rows: the fast path (C, rfm._tier_rows) reads the
-- orders once as rfm.customer_scores does (README, "Performance") and
-- labels its rows; the grouped path, written here (rfm._tier_query), is
-- rfm.summarize GROUP BY + rfm.breaks + rfm.score, kept for CLV columns
-- (they need the whole rfm.summary), for customer keys whose text form
-- does not identify them the way GROUP BY does, and beyond rfm.max_memory.

-- rfm.summarize(date, numeric) for the grouped path below: the same
-- summary, but a bad order's error says "rfm:" as the fast path's does
-- (src/summarize.c), not naming a function the user did not call.
CREATE FUNCTION rfm._tier_summarize_trans(internal, date, numeric)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_tier_summarize_trans_date';
CREATE FUNCTION rfm._tier_summarize_trans(internal, timestamptz, numeric)
    RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'rfm_tier_summarize_trans_timestamptz';
CREATE AGGREGATE rfm._tier_summarize(ordered_at date, amount numeric) (
    SFUNC        = rfm._tier_summarize_trans,
    STYPE        = internal,
    SSPACE       = 144,
    FINALFUNC    = rfm._summarize_final,
    COMBINEFUNC  = rfm._summarize_combine,
    SERIALFUNC   = rfm._summarize_serialize,
    DESERIALFUNC = rfm._summarize_deserialize,
    PARALLEL     = SAFE
);
CREATE AGGREGATE rfm._tier_summarize(ordered_at timestamptz, amount numeric) (
    SFUNC        = rfm._tier_summarize_trans,
    STYPE        = internal,
    SSPACE       = 144,
    FINALFUNC    = rfm._summarize_final,
    COMBINEFUNC  = rfm._summarize_combine,
    SERIALFUNC   = rfm._summarize_serialize,
    DESERIALFUNC = rfm._summarize_deserialize,
    PARALLEL     = SAFE
);

-- The five CLV columns a clv tier table has after as_of (those of
-- rfm.clv_columns), named with a prefix (e.g. 't.'), typed or not: for the
-- tier table, its history table and the snapshot's INSERT.
CREATE FUNCTION rfm._tier_clv_columns(prefix text, typed boolean)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT pg_catalog.string_agg(prefix || c.name || CASE WHEN typed THEN ' ' || c.typ ELSE '' END, ', ' ORDER BY c.n)
  FROM (VALUES (1, 'historical_clv', 'pg_catalog.numeric'), (2, 'p_alive', 'double precision'),
               (3, 'expected_purchases', 'double precision'), (4, 'expected_spend', 'double precision'),
               (5, 'predicted_clv', 'double precision')) AS c(n, name, typ) $$;

-- Whether a relation, or a type (a table or view makes one under its
-- name), already holds the qualified name schema.name.
CREATE FUNCTION rfm._name_taken(qualified text)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT pg_catalog.to_regclass($1) IS NOT NULL OR pg_catalog.to_regtype($1) IS NOT NULL $$;

-- A relation's live column names, in order.
CREATE FUNCTION rfm._column_names(rel regclass)
    RETURNS text[]
    LANGUAGE sql STABLE
    AS $$ SELECT ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0
                          AND NOT a.attisdropped ORDER BY a.attnum) $$;

-- A tier table's (or its view's) columns renamed by hand: history
-- snapshots name rfm's columns, and rfm.alter_tiers makes the table again
-- under rfm's names (the renamed column's grants and comment would not
-- find it).  Compared by position, as far as both lists go (clv on or
-- off adds or removes the last five).
CREATE FUNCTION rfm._tier_check_column_names(rel regclass, expected text[], caller text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    actual text[] := rfm._column_names(rel);
BEGIN
    FOR i IN 1 .. LEAST(pg_catalog.cardinality(actual), pg_catalog.cardinality(expected)) LOOP
        IF actual[i] OPERATOR(pg_catalog.<>) expected[i] THEN
            RAISE EXCEPTION '%: column % of % was renamed to %', caller, pg_catalog.quote_ident(expected[i]), rel,
                            pg_catalog.quote_ident(actual[i])
                USING ERRCODE = 'undefined_column',
                      HINT = pg_catalog.format('History snapshots and rfm.alter_tiers use the names rfm made: ALTER %s %s RENAME COLUMN %I TO %I (for names of your own, make a view on it).',
                                               CASE (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) rel)
                                                    WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'r' THEN 'TABLE' ELSE 'VIEW' END,
                                               rel, actual[i], expected[i]);
        END IF;
    END LOOP;
END $$;

-- The column names of a tier table, as rfm makes them.
CREATE FUNCTION rfm._tier_column_names(clv boolean)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY(SELECT pg_catalog.split_part(c, ' ', 1)
                         FROM pg_catalog.unnest(pg_catalog.string_to_array(rfm._tier_columns('x', $1), ', '))
                              WITH ORDINALITY AS u(c, n) ORDER BY n) $$;

-- Column definition list of a tier table (customer_type from rfm._qualified_type);
-- with clv, the five columns of rfm.clv_columns follow as_of.
CREATE FUNCTION rfm._tier_columns(customer_type text, clv boolean DEFAULT false)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 'customer_id ' || $1 || ', first_purchase pg_catalog.date, last_purchase pg_catalog.date, '
              || 'recency_days integer, frequency bigint, monetary pg_catalog.numeric, '
              || 'r_score integer, f_score integer, m_score integer, rfm_cell text, '
              || 'segment text, segment_zh text, tier text, tier_zh text, lifecycle text, lifecycle_zh text, '
              || 'as_of pg_catalog.date'
              || CASE WHEN $2 THEN ', ' || rfm._tier_clv_columns('', true) ELSE '' END $$;

-- What each column of a tier table, its history table and its two views
-- holds (what: 'tier', 'history', 'segments' or 'grid'), in English and
-- Chinese: rfm._tier_comment puts it on the columns as their comments,
-- which BI tools show as column descriptions.  A history column but as_of
-- holds what the tier table's column of that name holds.
CREATE FUNCTION rfm._tier_column_comment(what text, col text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT c.comment FROM (VALUES
    ('tier', 'customer_id', 'Customer (the source''s customer column) / 客户 ID（源表的客户列）'),
    ('tier', 'first_purchase', 'Day of the first purchase / 首次购买日期'),
    ('tier', 'last_purchase', 'Day of the last purchase / 最近一次购买日期'),
    ('tier', 'recency_days', 'Recency: days from the last purchase to as_of / 最近购买间隔（天）：最近一次购买距统计截止日期的天数 (R)'),
    ('tier', 'frequency', 'Frequency: purchase rows up to as_of / 消费频次：截至统计截止日期的购买记录数 (F)'),
    ('tier', 'monetary', 'Monetary: net spend, purchases less refunds / 消费金额：净消费额（购买减退款）(M)'),
    ('tier', 'r_score', 'Recency score, 1 to bins: the more recent, the higher / 最近购买间隔得分 (R)：1 至分档数，购买越近得分越高'),
    ('tier', 'f_score', 'Frequency score, 1 to bins / 消费频次得分 (F)：1 至分档数'),
    ('tier', 'm_score', 'Monetary score, 1 to bins / 消费金额得分 (M)：1 至分档数'),
    ('tier', 'rfm_cell', 'The three scores, e.g. 555 / RFM 得分组合（如 555）'),
    ('tier', 'segment', 'Segment of the table''s scheme (rfm.segment_rules), in English / 客户分群（英文，按本表的分群方案）'),
    ('tier', 'segment_zh', 'Segment of the table''s scheme, in Chinese (the table''s lang_zh: simplified or traditional characters) / 客户分群（中文，简体或繁体字：本表的 lang_zh）'),
    ('tier', 'tier', 'Value tier: core, potential or marginal / 价值分层（英文：core、potential、marginal）'),
    ('tier', 'tier_zh', 'Value tier in Chinese: 核心, 潜力, 边缘 (in the table''s lang_zh) / 价值分层：核心、潜力、边缘（简体或繁体字：本表的 lang_zh）'),
    ('tier', 'lifecycle', 'Lifecycle stage: new, active, sleeping or churned / 生命周期阶段（英文）'),
    ('tier', 'lifecycle_zh', 'Lifecycle stage in Chinese: 新客, 活跃, 沉睡, 流失 (in the table''s lang_zh) / 生命周期阶段：新客、活跃、沉睡、流失（简体或繁体字：本表的 lang_zh）'),
    ('tier', 'as_of', 'Day the row describes: orders after it are left out / 统计截止日期（此后的订单不计入）'),
    ('tier', 'historical_clv', 'Historical CLV: net spend per day since the first purchase, times 1095 (3 years) / 历史客户生命周期价值 (CLV)：首购以来日均净消费额 × 1095 天（3 年）'),
    ('tier', 'p_alive', 'BG/NBD probability that the customer is still active at as_of / BG/NBD 存活概率：截至统计截止日期仍未流失的概率'),
    ('tier', 'expected_purchases', 'BG/NBD expected repeat purchases (purchase days) in the next 12 months / BG/NBD 未来 12 个月预期复购次数（按购买天数计）'),
    ('tier', 'expected_spend', 'Gamma-Gamma expected spend per purchase / Gamma-Gamma 预期每次消费金额（客单价）'),
    ('tier', 'predicted_clv', 'Predicted CLV over 12 months, discounted 1% a month / 未来 12 个月预测客户生命周期价值 (CLV)，按月 1% 折现'),
    ('history', 'as_of', 'The tier table''s as_of at the build or refresh that wrote the snapshot / 快照的统计截止日期（当次构建或刷新时的 as_of）'),
    ('segments', 'segment', 'Segment, in English / 客户分群（英文）'),
    ('segments', 'segment_zh', 'Segment, in Chinese (the tier table''s lang_zh) / 客户分群（中文，简体或繁体字：本表的 lang_zh）'),
    ('segments', 'segment_priority', 'Priority of the label''s first rule in the scheme: the order to list segments in / 分群在方案中的优先级（排序用）'),
    ('segments', 'customers', 'Customers in the segment / 客户数'),
    ('segments', 'customer_share', 'Share of all customers / 客户数占比'),
    ('segments', 'revenue', 'Net spend of the segment''s customers / 消费总额'),
    ('segments', 'revenue_share', 'Share of all net spend / 消费总额占比'),
    ('segments', 'mean_recency_days', 'Mean recency in days / 平均最近购买间隔（天）'),
    ('segments', 'mean_frequency', 'Mean frequency / 平均消费频次'),
    ('segments', 'mean_monetary', 'Mean net spend per customer / 平均消费金额'),
    ('segments', 'mean_r_score', 'Mean R score / 平均 R 得分'),
    ('segments', 'mean_f_score', 'Mean F score / 平均 F 得分'),
    ('segments', 'mean_m_score', 'Mean M score / 平均 M 得分'),
    ('segments', 'mean_historical_clv', 'Mean historical CLV / 平均历史客户生命周期价值'),
    ('segments', 'mean_p_alive', 'Mean BG/NBD probability of being still active / 平均存活概率'),
    ('segments', 'predicted_clv', 'Predicted CLV of the segment''s customers over 12 months / 分群未来 12 个月预测客户生命周期价值合计'),
    ('segments', 'mean_predicted_clv', 'Mean predicted CLV over 12 months / 平均未来 12 个月预测客户生命周期价值'),
    ('grid', 'r_score', 'R score of the cell / R 得分'),
    ('grid', 'f_score', 'F score of the cell / F 得分'),
    ('grid', 'customers', 'Customers in the cell (0 for an empty one) / 客户数（空格为 0）'),
    ('grid', 'revenue', 'Net spend of the cell''s customers / 消费总额'),
    ('grid', 'mean_monetary', 'Mean net spend per customer / 平均消费金额')
) AS c(what, name, comment)
 WHERE c.name = $2 AND c.what = CASE WHEN $1 = 'history' AND $2 <> 'as_of' THEN 'tier' ELSE $1 END
$$;

-- Comments on a tier table, its views or its history table (what): on
-- the relation, and on each column rfm._tier_column_comment describes.
-- The comment rfm puts on a tier table, its views and history table
-- (what: 'tier', 'segments', 'grid' or 'history').
CREATE FUNCTION rfm._tier_relation_comment(what text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT CASE what
            WHEN 'tier' THEN 'RFM customer value tiers, one row per customer: rfm.create_tiers made it (options in rfm.tier_tables), CALL rfm.refresh_tiers refreshes it / RFM 客户价值分层表（每位客户一行；由 rfm.create_tiers 创建，CALL rfm.refresh_tiers 刷新）'
            WHEN 'segments' THEN 'Customers, revenue (net spend) and mean R/F/M per segment of the tier table / 各客户分群的客户数、消费总额与平均 R/F/M'
            WHEN 'grid' THEN 'Customers and revenue (net spend) per R score x F score cell of the tier table / R 得分 × F 得分矩阵：各格客户数与消费总额'
            ELSE 'Snapshots of the tier table, one per as_of day (rfm.transitions compares two) / 客户分层历史快照（每个统计截止日期一份，rfm.transitions 可比较两份）' END
$$;

CREATE FUNCTION rfm._tier_comment(rel regclass, what text)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    col  text;
    note text;
BEGIN
    EXECUTE pg_catalog.format('COMMENT ON %s %s IS %L',
        CASE what WHEN 'tier' THEN 'MATERIALIZED VIEW' WHEN 'history' THEN 'TABLE' ELSE 'VIEW' END, rel,
        rfm._tier_relation_comment(what));
    FOR col IN SELECT pg_catalog.unnest(rfm._column_names(rel)) LOOP
        note := rfm._tier_column_comment(what, col);
        IF note IS NOT NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', rel, col, note);
        END IF;
    END LOOP;
END $$;

-- The BG/NBD and Gamma-Gamma fits behind the CLV columns of a tier table,
-- over all its customers (times in weeks, as rfm.clv_inputs gives them).
-- A fit the data cannot support -- fewer than 10 customers (10 repeat buyers
-- for Gamma-Gamma), nobody buying twice, no interior maximum (22023, 22003),
-- or parameters the predictions refuse (q <= 1) -- is NULL, with a
-- NOTICE, so the model columns are NULL and the refresh still succeeds.  Other
-- errors (out of memory, cancel) are raised.  A plpgsql function because
-- only plpgsql can catch an error inside the materialized view's query.
CREATE FUNCTION rfm._tier_model_fits(xs double precision[], t_xs double precision[],
                                     tenures double precision[], m_xs double precision[],
                                     OUT bgnbd rfm.bgnbd_fit, OUT spend rfm.gamma_gamma_fit)
    LANGUAGE plpgsql
    AS $$
DECLARE
    err text;
BEGIN
    BEGIN
        bgnbd := (SELECT rfm.fit_bgnbd(u.x, u.t_x, u.tenure)
                    FROM ROWS FROM (pg_catalog.unnest(xs), pg_catalog.unnest(t_xs), pg_catalog.unnest(tenures))
                         AS u(x, t_x, tenure));
    EXCEPTION WHEN invalid_parameter_value OR numeric_value_out_of_range THEN
        GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
        bgnbd := NULL;
        RAISE NOTICE 'rfm: tier table CLV columns p_alive, expected_purchases and predicted_clv are NULL: %', err;
    END;
    BEGIN
        spend := (SELECT rfm.fit_gamma_gamma(u.x, u.m_x)
                    FROM ROWS FROM (pg_catalog.unnest(xs), pg_catalog.unnest(m_xs)) AS u(x, m_x));
        IF (spend).q <= 1 THEN
            RAISE EXCEPTION 'rfm.fit_gamma_gamma: q = % <= 1, the expected spend is infinite', (spend).q
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    EXCEPTION WHEN invalid_parameter_value OR numeric_value_out_of_range THEN
        GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
        spend := NULL;
        RAISE NOTICE 'rfm: tier table CLV columns expected_spend and predicted_clv are NULL: %', err;
    END;
END $$;
COMMENT ON FUNCTION rfm._tier_model_fits(double precision[], double precision[], double precision[], double precision[]) IS
    'BG/NBD and Gamma-Gamma fits for the CLV columns of a tier table; NULL (with a NOTICE) when the data cannot support one (internal)';

-- For rfm.refresh_log.message of a successful build or refresh: which model
-- was not fitted (its columns are NULL in every row), or NULL.  Every row
-- has a purchase, so a fitted model fills its columns in every row.
CREATE FUNCTION rfm._tier_model_note(tier regclass)
    RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    note text;
BEGIN
    EXECUTE pg_catalog.format($q$
SELECT NULLIF(pg_catalog.concat_ws('; ',
         CASE WHEN pg_catalog.count(t.p_alive) = 0
              THEN 'BG/NBD not fitted: p_alive, expected_purchases and predicted_clv are NULL' END,
         CASE WHEN pg_catalog.count(t.expected_spend) = 0
              THEN 'Gamma-Gamma not fitted: expected_spend and predicted_clv are NULL' END), '')
  FROM %s t HAVING pg_catalog.count(*) > 0$q$, tier) INTO note;
    RETURN note;
END $$;

-- A type's name that reads the same under any search_path (format_type
-- leaves out the schema of visible types): the customer column's type is
-- recorded at creation and compared at every refresh.  Without a length
-- (typmod -1): "bpchar", not "character", which a column list reads as
-- char(1) (a char(6) key failed the tier query's result type).
CREATE FUNCTION rfm._qualified_type(typ oid)
    RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace
                      THEN pg_catalog.format_type(t.oid, -1)
                      ELSE pg_catalog.format('%I.%I', n.nspname, t.typname) END
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
           WHERE t.oid = $1 $$;

-- The type of one source column, or a clear error naming it.
-- Orders come from a relation that has rows: a table (also partitioned or
-- foreign), a view or a materialized view.  An index or a composite type
-- has columns too, and got as far as the generated query's own error.
CREATE FUNCTION rfm._check_source_kind(source regclass, caller text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    kind "char" := (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source);
BEGIN
    -- a regclass kept in a catalog row (a customer state's source) whose
    -- relation was dropped since
    IF kind IS NULL THEN
        RAISE EXCEPTION '%: the source (oid %) no longer exists', caller, source::pg_catalog.oid
            USING ERRCODE = 'undefined_table',
                  HINT = 'It was dropped: drop what reads it (rfm.customer_state_drop, rfm.drop_tiers).';
    END IF;
    IF kind OPERATOR(pg_catalog.<>) ALL (ARRAY['r', 'p', 'f', 'v', 'm']::"char"[]) THEN
        RAISE EXCEPTION '%: source % is %, not a table or view', caller, source,
                        CASE kind WHEN 'i' THEN 'an index' WHEN 'I' THEN 'a partitioned index'
                                  WHEN 'S' THEN 'a sequence' WHEN 'c' THEN 'a composite type'
                                  WHEN 't' THEN 'a TOAST table' ELSE 'of relkind ' OPERATOR(pg_catalog.||) kind::pg_catalog.text END
            USING ERRCODE = 'wrong_object_type';
    END IF;
END $$;

-- What rfm keeps (a tier table, a customer state) outlives the session;
-- a temporary source does not.  PostgreSQL refuses a materialized view
-- over a temporary table, but rfm reads the source through a function,
-- which hides it; a view over a temporary table is temporary too.
CREATE FUNCTION rfm._check_source_permanent(source regclass, caller text, kept text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF (SELECT c.relpersistence FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source) OPERATOR(pg_catalog.=) 't' THEN
        RAISE EXCEPTION '%: source % is temporary', caller, source
            USING ERRCODE = 'feature_not_supported',
                  HINT = pg_catalog.format('A %s outlives the session: copy the orders into a permanent table first.', kept);
    END IF;
END $$;

-- A source's columns for a "has no column" hint, as SQL would write them
-- (the first 30, then how many in all).
CREATE FUNCTION rfm._column_list(source regclass)
    RETURNS text
    LANGUAGE sql STABLE
    AS $$
SELECT COALESCE(pg_catalog.string_agg(pg_catalog.quote_ident(a.attname::text), ', ' ORDER BY a.n)
                    FILTER (WHERE a.n OPERATOR(pg_catalog.<=) 30), 'no columns')
       OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.count(*) OPERATOR(pg_catalog.>) 30 THEN pg_catalog.format(', ... (%s in all)', pg_catalog.count(*)) ELSE '' END
  FROM (SELECT a.attname, pg_catalog.row_number() OVER (ORDER BY a.attnum) AS n
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) a $$;

CREATE FUNCTION rfm._source_column_type(source regclass, column_name text)
    RETURNS oid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    typ oid;
BEGIN
    PERFORM rfm._check_source_kind($1, 'rfm');
    SELECT a.atttypid INTO typ
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped;
    IF typ IS NULL THEN
        RAISE EXCEPTION 'rfm: source % has no column %', $1, pg_catalog.quote_ident($2)
            USING ERRCODE = 'undefined_column',
                  HINT = pg_catalog.format('Column names are matched exactly (case and spaces included), not as SQL; %s has: %s. '
                                           'A tier table whose source lost the column: restore it, or drop and re-create the tier table.',
                                           $1, rfm._column_list($1));
    END IF;
    RETURN typ;
END $$;

-- The base type of a source column (through domains): customer, time and
-- amount columns are taken by it, as rfm.summarize takes a domain.
CREATE FUNCTION rfm._column_base_type(source regclass, column_name text)
    RETURNS oid
    LANGUAGE sql STABLE
    AS $$
WITH RECURSIVE base(typ, depth) AS (
    SELECT a.atttypid, 0
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT t.typbasetype, b.depth + 1
      FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.typ
     WHERE t.typtype = 'd' AND b.depth < 100
)
SELECT b.typ FROM base b ORDER BY b.depth DESC LIMIT 1 $$;

-- The type rules of an order's time and amount columns (README, "Input
-- rules"), for every reader of a source (tier tables, rfm.customer_scores,
-- customer states): time date, timestamp or timestamptz, amount numeric or
-- an integer, each also through a domain.  Errors start with caller; the
-- columns must exist (callers check first).  Returns the time column's
-- base type.
CREATE FUNCTION rfm._check_order_columns(source regclass, time_column text, amount_column text, caller text)
    RETURNS oid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    time_base   oid := rfm._column_base_type(source, time_column);
    amount_base oid := rfm._column_base_type(source, amount_column);
BEGIN
    IF time_base NOT IN ('pg_catalog.date'::pg_catalog.regtype, 'pg_catalog.timestamptz'::pg_catalog.regtype,
                         'pg_catalog.timestamp'::pg_catalog.regtype) THEN
        RAISE EXCEPTION '%: time column % of % is %, not date or timestamp', caller,
                        pg_catalog.quote_ident(time_column), source,
                        pg_catalog.format_type(rfm._source_column_type(source, time_column), NULL)
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use a view that casts the column to date or timestamptz.';
    END IF;
    IF amount_base NOT IN ('pg_catalog.numeric'::pg_catalog.regtype, 'pg_catalog.int2'::pg_catalog.regtype,
                           'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype) THEN
        RAISE EXCEPTION '%: amount column % of % is %, not numeric or integer', caller,
                        pg_catalog.quote_ident(amount_column), source,
                        pg_catalog.format_type(rfm._source_column_type(source, amount_column), NULL)
            USING ERRCODE = 'datatype_mismatch',
                  HINT = CASE WHEN amount_base IN ('pg_catalog.float4'::pg_catalog.regtype, 'pg_catalog.float8'::pg_catalog.regtype)
                              THEN 'rfm never sums money in floating point: use a view that casts the amount to numeric.'
                              ELSE 'Use a view that casts the amount to numeric.' END;
    END IF;
    RETURN time_base;
END $$;

-- Whether the fast path may key the customers of a source: rfm.customer_scores
-- groups customers by the column's text form (integers as integers), so it
-- is used only where two keys are equal exactly when their text forms are:
-- integer, text, varchar and uuid, or a domain over one of them, with a
-- deterministic collation.  Others (numeric 1.0 = 1.00, citext,
-- case-insensitive collations, char(n), ...) take the grouped path, which
-- groups with the type's own equality.
CREATE FUNCTION rfm._tier_text_key(source regclass, customer_column text)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
SELECT COALESCE(rfm._column_base_type($1, $2)
                  IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                      'pg_catalog.int8'::pg_catalog.regtype, 'pg_catalog.text'::pg_catalog.regtype,
                      'pg_catalog.varchar'::pg_catalog.regtype, 'pg_catalog.uuid'::pg_catalog.regtype), false)
   AND COALESCE((SELECT co.collisdeterministic
                   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
                  WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped), true) $$;
COMMENT ON FUNCTION rfm._tier_text_key(regclass, text) IS
    'Whether a customer column''s text form identifies customers as GROUP BY does (internal; tier fast path)';

-- The grouped SELECT that computes one tier table, and the checks of the
-- source's shape (clear errors at creation and at every refresh): one row
-- per customer with at least one purchase on or before as_of (orders after
-- as_of are ignored, so a past as_of rebuilds a past snapshot), through
-- rfm.summarize GROUP BY + rfm.breaks + rfm.score.  as_of must not be NULL
-- here.  With clv, the columns of rfm.clv_columns follow, from BG/NBD and
-- Gamma-Gamma fits over all customers of the table (rfm._tier_model_fits).
-- rfm._tier_rows (C) computes the same rows itself where it can (the fast
-- path) and runs this query otherwise; tests compare the two.
CREATE FUNCTION rfm._tier_query(source regclass, customer_column text, time_column text,
                                amount_column text, customer_type text, bins integer,
                                scheme text, as_of date, clv boolean DEFAULT false,
                                lifecycle_days integer[] DEFAULT NULL, lang_zh text DEFAULT 'zh')
    RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    -- (the columns' existence is checked in this order)
    customer_typ oid := rfm._source_column_type(source, customer_column);
    time_typ     oid := rfm._source_column_type(source, time_column);
    amount_typ   oid := rfm._source_column_type(source, amount_column);
    time_base    oid;
    day_expr     text;
    time_filter  text;
    clv_fits     text := '';
    clv_select   text := '';
    clv_from     text := '';
    -- new, sleeping and churned days (checked by rfm._tier_rows)
    days         integer[] := COALESCE(lifecycle_days, ARRAY[30, 90, 180]);
BEGIN
    IF as_of IS NULL OR clv IS NULL THEN
        RAISE EXCEPTION 'rfm._tier_query: as_of and clv must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF customer_type IS NOT NULL
       AND rfm._qualified_type(customer_typ) <> customer_type THEN
        RAISE EXCEPTION 'rfm: customer column % of % is now %, the tier table was made for %',
                        pg_catalog.quote_ident(customer_column), source,
                        rfm._qualified_type(customer_typ), customer_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Change the column back, or drop and re-create the tier table.';
    END IF;
    time_base := rfm._check_order_columns(source, time_column, amount_column, 'rfm');
    -- (the casts to the base type are no-ops on columns of that type)
    IF time_base = 'pg_catalog.date'::pg_catalog.regtype THEN
        day_expr := pg_catalog.format('src.%I::pg_catalog.date', time_column);
        time_filter := pg_catalog.format('src.%I::pg_catalog.date <= %L::pg_catalog.date', time_column, as_of);
    ELSIF time_base = 'pg_catalog.timestamptz'::pg_catalog.regtype THEN
        -- the calendar day in the session TimeZone, as rfm.summarize counts it
        day_expr := pg_catalog.format('src.%I::pg_catalog.timestamptz', time_column);
        -- by the day, as rfm.customer_scores filters: "< (as_of + 1)::timestamptz"
        -- let in the repeated hour after a midnight where DST ends
        -- (Atlantic/Azores: the later 00:00 is the one read), and overflowed
        -- at the end of the timestamp range
        time_filter := pg_catalog.format('src.%I::pg_catalog.timestamptz::pg_catalog.date <= %L::pg_catalog.date',
                                         time_column, as_of);
    ELSE
        day_expr := pg_catalog.format('src.%I::pg_catalog.date', time_column);
        time_filter := pg_catalog.format('src.%I::pg_catalog.timestamp::pg_catalog.date <= %L::pg_catalog.date',
                                         time_column, as_of);
    END IF;

    IF clv THEN
        -- One fit per refresh over every customer of the table, in weeks;
        -- then rfm.clv_columns per customer: 12 months ahead, 1 % discount
        -- a month, historical CLV over 1095 days.
        clv_fits := pg_catalog.format($c$, fit_inputs AS (
    SELECT pg_catalog.array_agg(i.x::double precision) AS xs, pg_catalog.array_agg(i.t_x) AS t_xs,
           pg_catalog.array_agg(i.tenure) AS tenures,
           -- (a mean spend double precision cannot hold: NULL, left out of
           -- the Gamma-Gamma fit, as rfm.clv_columns leaves its spend columns)
           pg_catalog.array_agg(CASE WHEN pg_catalog.abs(i.m_x) <= 1.7976931348623157e308
                                      AND (i.m_x = 0 OR pg_catalog.abs(i.m_x) >= 2.2250738585072014e-308)
                                     THEN i.m_x::double precision END) AS m_xs
      FROM measured m CROSS JOIN LATERAL rfm.clv_inputs(m.s, %1$L::pg_catalog.date, 'weeks') AS i
), fits AS (
    SELECT f.bgnbd, f.spend
      FROM fit_inputs a CROSS JOIN LATERAL rfm._tier_model_fits(a.xs, a.t_xs, a.tenures, a.m_xs) AS f
)$c$, as_of);
        clv_select := ', c.historical_clv, c.p_alive, c.expected_purchases, c.expected_spend, c.predicted_clv';
        clv_from := pg_catalog.format($c$
 CROSS JOIN fits f
 CROSS JOIN LATERAL rfm.clv_columns(x.s, %1$L::pg_catalog.date, f.bgnbd, f.spend, 'weeks', 12,
                                    0.01::double precision, 1095) AS c$c$, as_of);
    END IF;

    RETURN pg_catalog.format($q$
WITH per_customer AS (
    SELECT src.%1$I AS customer_id,
           rfm._tier_summarize(%2$s, src.%3$I::pg_catalog.numeric) AS s
      FROM %4$s AS src
     WHERE src.%1$I IS NOT NULL AND %5$s
     GROUP BY src.%1$I
), measured AS (
    SELECT p.customer_id, p.s,
           rfm.recency_days(p.s, %6$L::pg_catalog.date) AS recency_days,
           (p.s).frequency AS frequency,
           (p.s).monetary AS monetary
      FROM per_customer p
     WHERE (p.s).last_purchase IS NOT NULL
), cuts AS (
    SELECT rfm.breaks(m.recency_days::pg_catalog.numeric, %7$s) AS r_breaks,
           rfm.breaks(m.frequency::pg_catalog.numeric, %7$s) AS f_breaks,
           rfm.breaks(m.monetary, %7$s) AS m_breaks
      FROM measured m
), scored AS (
    SELECT m.*,
           rfm.score(m.recency_days::pg_catalog.numeric, c.r_breaks, false) AS r_score,
           rfm.score(m.frequency::pg_catalog.numeric, c.f_breaks, true) AS f_score,
           rfm.score(m.monetary, c.m_breaks, true) AS m_score
      FROM measured m CROSS JOIN cuts c
)%9$s
SELECT x.customer_id, (x.s).first_purchase, (x.s).last_purchase, x.recency_days,
       x.frequency, x.monetary, x.r_score, x.f_score, x.m_score,
       x.r_score::text || x.f_score::text || x.m_score::text AS rfm_cell,
       rfm.segment(x.r_score, x.f_score, x.m_score, %8$L, 'en') AS segment,
       rfm.segment(x.r_score, x.f_score, x.m_score, %8$L, %15$L) AS segment_zh,
       rfm.segment(x.r_score, x.f_score, x.m_score, 'tier3', 'en') AS tier,
       rfm.segment(x.r_score, x.f_score, x.m_score, 'tier3', %15$L) AS tier_zh,
       rfm.lifecycle(s => x.s, as_of => %6$L::pg_catalog.date, new_days => %12$s, sleeping_days => %13$s,
                     churned_days => %14$s, lang => 'en') AS lifecycle,
       rfm.lifecycle(s => x.s, as_of => %6$L::pg_catalog.date, new_days => %12$s, sleeping_days => %13$s,
                     churned_days => %14$s, lang => %15$L) AS lifecycle_zh,
       %6$L::pg_catalog.date AS as_of%10$s
  FROM scored x%11$s
$q$, customer_column, day_expr, amount_column, source, time_filter, as_of, bins, scheme,
     clv_fits, clv_select, clv_from, days[1], days[2], days[3], COALESCE(lang_zh, 'zh'));
END $$;
COMMENT ON FUNCTION rfm._tier_query(regclass, text, text, text, text, integer, text, date, boolean, integer[], text) IS
    'The grouped per-customer SELECT behind a tier table, and its source checks (internal; see rfm._tier_columns for its columns)';

-- Rows of a tier table, computed now.  A materialized view selects from
-- this function instead of the source table so that the source may change
-- shape: the change is then reported here, at refresh (rfm._tier_query's
-- checks), and the old rows stay.  In C (src/tier_rows.c): where the fast
-- path applies it makes every column itself -- the customers of
-- rfm.customer_scores / rfm.customer_state_scores, the key in the column's
-- own type, labels per score cell from rfm.segment_rules as read now (the
-- rules code of rfm.segment), lifecycle as rfm._lifecycle (lifecycle_days:
-- new, sleeping and churned days; NULL: 30/90/180), the *_zh columns in
-- lang_zh ('zh' or 'zh-Hant'; NULL: 'zh') --
-- sorted by key unless rfm.tier_unsorted is on; otherwise it runs
-- rfm._tier_query's grouped SELECT.  More customers than the fast path may
-- hold in memory (rfm.max_memory, program_limit_exceeded before any row is
-- returned) fall back to the grouped path, which spills to disk: same
-- rows, with a NOTICE.  time_zone: the TimeZone for the call (the tier
-- table creator's, so that whoever refreshes gets the same days).
CREATE FUNCTION rfm._tier_rows(source regclass, customer_column text, time_column text,
                               amount_column text, customer_type text, bins integer,
                               scheme text, as_of date, clv boolean DEFAULT false,
                               state text DEFAULT NULL, time_zone text DEFAULT NULL,
                               lifecycle_days integer[] DEFAULT NULL, lang_zh text DEFAULT NULL)
    RETURNS SETOF record
    LANGUAGE C VOLATILE
    AS 'MODULE_PATHNAME', 'rfm_tier_rows';
COMMENT ON FUNCTION rfm._tier_rows(regclass, text, text, text, text, integer, text, date, boolean, text, text, integer[], text) IS
    'Rows of a tier table computed now, in time_zone (internal; as_of NULL = today)';

-- Why this session's last rfm._tier_rows took the grouped path over
-- rfm.max_memory, read once (NULL when none did since): for the
-- rfm.refresh_log message of a build, alter or refresh.
CREATE FUNCTION rfm._tier_grouped_note()
    RETURNS text
    LANGUAGE C VOLATILE
    AS 'MODULE_PATHNAME', 'rfm_tier_grouped_note';

-- The labels rfm._tier_rows gives each score cell of 1..bins for a scheme
-- (rules read now); tests compare them with rfm.segment.
CREATE FUNCTION rfm._tier_cell_labels(bins integer, scheme text,
                                      OUT r_score integer, OUT f_score integer, OUT m_score integer,
                                      OUT rfm_cell text, OUT segment text, OUT segment_zh text, OUT tier text,
                                      OUT tier_zh text)
    RETURNS SETOF record
    LANGUAGE C STABLE STRICT
    AS 'MODULE_PATHNAME', 'rfm_tier_cell_labels';
COMMENT ON FUNCTION rfm._tier_cell_labels(integer, text) IS
    'Labels of every score cell as the tier rows build them (internal; tests)';
