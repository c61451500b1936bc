-- Tier tables, part 4: rfm.create_tiers and rfm.drop_tiers.
--
-- A tier table is a materialized view over rfm._tier_rows(options...): its
-- definition holds every option, so a plain REFRESH (pg_restore does one)
-- needs nothing else.  as_of NULL is passed through as NULL and becomes
-- CURRENT_DATE inside rfm._tier_rows, i.e. the day of each refresh.  With
-- clv the tier table has five more columns (rfm.clv_columns), refitted at
-- every refresh.  With watermark_column the tier table keeps its customers'
-- states in the customer-state store (rfm.customer_state_create, named
-- 'rfm tier ' || its rfm.tier_tables id) and its stored query scores those
-- states; rfm.refresh_tiers folds in only the orders above the watermark
-- first.

-- The first fill of a tier table created WITH NO DATA in this transaction
-- (src/tier_fill.c): the rows of its stored query, as REFRESH runs it,
-- written in batches; then marked populated.  Returns the rows written.
CREATE FUNCTION rfm._tier_fill(tier regclass)
    RETURNS bigint
    LANGUAGE c STRICT
    AS 'MODULE_PATHNAME', 'rfm_tier_fill';
COMMENT ON FUNCTION rfm._tier_fill(regclass) IS
    'Internal (rfm.create_tiers): fill a materialized view created WITH NO DATA in this transaction, in batches';

-- Make and fill the materialized view `target` (a quoted name) over
-- rfm._tier_rows with these options, its unique index and its two views.
-- storage: the options between the name and AS (USING, WITH, TABLESPACE),
-- made by rfm.alter_tiers from the catalog of the table it replaces;
-- owner: the role the table is given to before it is filled (the fill runs
-- its query as the table's owner, as REFRESH does), for rfm.alter_tiers.
CREATE FUNCTION rfm._tier_build(target text, source regclass, customer_column text, time_column text,
                                amount_column text, customer_type text, bins integer, scheme text,
                                as_of date, clv boolean, state text, storage text DEFAULT '',
                                owner text DEFAULT NULL, time_zone text DEFAULT NULL,
                                lifecycle_days integer[] DEFAULT NULL, lang_zh text DEFAULT 'zh',
                                OUT tier regclass, OUT row_total bigint,
                                OUT segments_view regclass, OUT grid_view regclass,
                                OUT grouped_note text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    views record;
BEGIN
    -- A new tier table needs no row order (rfm._tier_rows): only
    -- REFRESH ... CONCURRENTLY's duplicate check gains from it.
    PERFORM pg_catalog.set_config('rfm.tier_unsorted', 'on', true);
    EXECUTE pg_catalog.format(
        'CREATE MATERIALIZED VIEW %s%s AS SELECT * FROM rfm._tier_rows(%L::regclass, %L, %L, %L, %L, %s, %L, %L::pg_catalog.date, %L::boolean, %L::pg_catalog.text, %L::pg_catalog.text, %L::pg_catalog.int4[], %L::pg_catalog.text) AS t(%s) WITH NO DATA',
        target, storage, source::oid, customer_column, time_column, amount_column, customer_type,
        bins, scheme, as_of, clv, state, time_zone, lifecycle_days, lang_zh, rfm._tier_columns(customer_type, clv));
    tier := target::regclass;
    IF owner IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER MATERIALIZED VIEW %s OWNER TO %I', tier, owner);
    END IF;
    -- its rows written in batches, as CREATE ... WITH DATA would write them one by one
    PERFORM rfm._tier_grouped_note();    -- (an earlier call's, read)
    row_total := rfm._tier_fill(tier);
    grouped_note := rfm._tier_grouped_note();
    PERFORM pg_catalog.set_config('rfm.tier_unsorted', 'off', true);
    -- REFRESH ... CONCURRENTLY needs a unique index over all rows.
    EXECUTE pg_catalog.format('CREATE UNIQUE INDEX ON %s (customer_id)', tier);
    views := rfm._tier_create_views(tier, bins, scheme, clv, lang_zh);
    segments_view := views.segments_view;
    grid_view := views.grid_view;
    PERFORM rfm._tier_comment(tier, 'tier'), rfm._tier_comment(segments_view, 'segments'),
            rfm._tier_comment(grid_view, 'grid');
END $$;
COMMENT ON FUNCTION rfm._tier_build(text, regclass, text, text, text, text, integer, text, date, boolean, text, text, text, text, integer[], text) IS
    'Internal (rfm.create_tiers, rfm.alter_tiers): make and fill a tier table, its unique index and its views';

-- The lifecycle thresholds (new, sleeping, churned days) of rfm.create_tiers
-- and rfm.alter_tiers, checked as rfm.lifecycle checks them (22023).
CREATE FUNCTION rfm._tier_check_lifecycle(caller text, days integer[])
    RETURNS integer[]
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF NOT COALESCE(days[1] > 0 AND days[1] <= days[2] AND days[2] < days[3], false) THEN
        RAISE EXCEPTION '%: need 0 < new_days <= sleeping_days < churned_days, got %, %, %', caller, days[1], days[2], days[3]
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'new: first purchase fewer than new_days before as_of; sleeping and churned: last purchase at least sleeping_days or churned_days before.';
    END IF;
    RETURN days;
END $$;

-- The language of a tier table's segment_zh, tier_zh and lifecycle_zh
-- (rfm.create_tiers and rfm.alter_tiers' lang_zh): a tag naming Chinese,
-- as 'zh' (simplified characters) or 'zh-Hant' (traditional); 22023
-- otherwise, 22P05 naming caller where the database's encoding has no
-- traditional characters (README, "Database encodings").
CREATE FUNCTION rfm._tier_check_lang_zh(caller text, lang_zh text)
    RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    tag text := rfm._lang_tag(lang_zh);
BEGIN
    IF tag IS NULL OR tag = 'en' THEN
        RAISE EXCEPTION '%: lang_zh must name Chinese, not %', caller, pg_catalog.quote_literal(lang_zh)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''zh'' (simplified characters) or ''zh-Hant'' (traditional characters); tags such as ''zh-CN'' or ''zh-TW'' name them too.';
    END IF;
    -- (边缘: a label that differs between the two forms)
    PERFORM rfm._zh_label_in('边缘', tag, caller);
    RETURN tag;
END $$;

-- What a tier table with watermark_column (customer states) cannot have,
-- for rfm.create_tiers and rfm.alter_tiers (caller: the function's name).
CREATE FUNCTION rfm._tier_check_incremental(caller text, clv boolean, as_of date)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF clv THEN
        RAISE EXCEPTION '%: watermark_column and clv => true cannot be combined', caller
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'The CLV columns need every customer''s whole summary, which the customer-state store does not keep.';
    END IF;
    IF as_of IS NOT NULL THEN
        RAISE EXCEPTION '%: watermark_column needs as_of NULL (the day of each refresh)', caller
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Stored customer states count every order folded in; a fixed as_of would need orders after it left out.';
    END IF;
END $$;

-- The scheme of rfm.create_tiers and rfm.alter_tiers (caller: the
-- function's name): one of rfm.segment_rules, named by the function called
-- (not by rfm.segment, deep inside the build).  A scheme whose rules only
-- know the scores 1 and 2 (value8: high and low) labels nothing but the 1/2
-- cells of quantile scores with more bins, so most customers would get no
-- segment: refused.
CREATE FUNCTION rfm._tier_check_scheme(caller text, bins integer, scheme_name text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    top integer;
BEGIN
    IF NOT EXISTS (SELECT FROM rfm.segment_rules r WHERE r.scheme = scheme_name) THEN
        PERFORM rfm._unknown_scheme_error(caller, scheme_name, false);
    END IF;
    IF bins <> 2
       AND NOT EXISTS (SELECT FROM rfm.segment_rules r
                        WHERE r.scheme = scheme_name AND GREATEST(r.r_max, r.f_max, r.m_max) > 2) THEN
        RAISE EXCEPTION '%: scheme % labels high and low scores (1 and 2), so it needs bins 2, not %',
                        caller, pg_catalog.quote_literal(scheme_name), bins
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'With bins 2 recency, frequency and monetary are each split at the median (a frequency or monetary equal to it is low, a recency equal to it high); for a split at the mean, score with rfm.high_low.';
    END IF;
    -- The built-in schemes are written for scores 1 to 5 (value8: 1 and 2,
    -- above), and label others badly: with bins 4 Champions are the top 2 of
    -- 4 scores, not of 5; with bins 9 scores above 5 fall to Others; tier3's
    -- sums 12 and 8 leave no core customer below 4 bins.  (A scheme of one's
    -- own may be written for any scores: its bounds do not say which.)
    SELECT 5 INTO top
     WHERE scheme_name IN ('standard', 'tier3')
       AND EXISTS (SELECT FROM rfm.segment_rules r WHERE r.scheme = scheme_name AND r.builtin);
    IF top <> bins THEN
        RAISE NOTICE '%: the rules of scheme % are written for scores 1 to %, not 1 to % (bins)',
                     caller, pg_catalog.quote_literal(scheme_name), top, bins
            USING HINT = pg_catalog.format('Pass bins => %s, or write rules for %s bins under a scheme of your own (rfm.segment_rules).', top, bins);
    END IF;
    -- The tier column is tier3's whatever the scheme: with value8's bins 2
    -- every customer was marginal, unsaid (r + f + m is at most 6).  Said
    -- while tier3's rules are as built (sums 12 and 8, which it names).
    IF bins <> 5 AND scheme_name <> 'tier3'
       AND (SELECT pg_catalog.array_agg(pg_catalog.concat_ws(' ', r.label_en, r.r_min, r.r_max, r.f_min, r.f_max, r.m_min,
                                                              r.m_max, r.total_min, r.total_max, r.builtin) ORDER BY r.priority)
              FROM rfm.segment_rules r WHERE r.scheme = 'tier3')
           = ARRAY['core 1 100 1 100 1 100 12 t', 'potential 1 100 1 100 1 100 8 11 t',
                   'marginal 1 100 1 100 1 100 7 t'] THEN
        RAISE NOTICE '%: the tier column (scheme ''tier3'': core from r + f + m = 12, potential from 8) is written for scores 1 to 5, not 1 to % (bins)%',
                     caller, bins,
                     CASE WHEN 3 * bins < 8 THEN ': no customer is core or potential'
                          WHEN 3 * bins < 12 THEN ': no customer is core' ELSE '' END
            USING HINT = 'The segment column follows the scheme; the tier column follows tier3''s rules in rfm.segment_rules, which you may change (for every tier table), or use rfm.tier(r_score, f_score, m_score, core_min, potential_min) with thresholds for your bins.';
    END IF;
END $$;

-- A build for a day after today, or one that found no customer with a
-- purchase up to its day, succeeds (a planned day; a source still empty)
-- but is seldom what was meant: NOTICEs from rfm.create_tiers and
-- rfm.alter_tiers (caller), not from refreshes (a scheduled job loses them).
CREATE FUNCTION rfm._tier_build_notices(caller text, as_of date, zone text, day date, row_total bigint)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF as_of > rfm._tier_day(NULL, NULL, zone) THEN
        RAISE NOTICE '%: as_of % is after today: recency, lifecycle and CLV count the days up to it', caller, as_of;
    END IF;
    IF row_total OPERATOR(pg_catalog.=) 0 THEN
        RAISE NOTICE '%: no customer has a purchase up to %: the tier table is empty', caller, day
            USING HINT = 'Orders after as_of are left out, and customers with only refunds or $0 lines are not scored.';
    END IF;
END $$;

CREATE FUNCTION rfm.create_tiers(name text, source regclass, customer_column text,
                                 time_column text, amount_column text,
                                 bins integer DEFAULT 5, scheme text DEFAULT 'standard',
                                 as_of date DEFAULT NULL, keep_history boolean DEFAULT true,
                                 clv boolean DEFAULT false, watermark_column text DEFAULT NULL,
                                 new_days integer DEFAULT 30, sleeping_days integer DEFAULT 90,
                                 churned_days integer DEFAULT 180, lang_zh text DEFAULT 'zh')
    RETURNS regclass
    LANGUAGE plpgsql
    AS $$
DECLARE
    started       pg_catalog.timestamptz := pg_catalog.clock_timestamp();
    lifecycle     integer[];
    zh            pg_catalog.text;                -- lang_zh as 'zh' or 'zh-Hant'
    zone          pg_catalog.text := pg_catalog.current_setting('TimeZone');  -- the tier table's, for good
    -- the caller's, read before the search_path below: an unqualified
    -- name is made in the caller's current schema
    caller_schema pg_catalog.name := pg_catalog.current_schema();
    caller_path   pg_catalog.text := pg_catalog.current_setting('search_path');
    parts         pg_catalog.text[];
    target        pg_catalog.text;
    target_schema pg_catalog.text;
    customer_type pg_catalog.text;
    new_tier      pg_catalog.regclass;
    built         record;
    history       pg_catalog.regclass;
    entry_id      bigint;
    row_total     bigint;
    state         pg_catalog.text;
    member        pg_catalog.text;
    taken_index   pg_catalog.text;
BEGIN
    -- search_path = pg_catalog, pg_temp for the rest, as a SET clause would
    -- (which would hide the caller's current schema); given back at the end
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    IF name IS NULL OR source IS NULL OR customer_column IS NULL OR time_column IS NULL
       OR amount_column IS NULL OR bins IS NULL OR scheme IS NULL OR keep_history IS NULL
       OR clv IS NULL OR new_days IS NULL OR sleeping_days IS NULL OR churned_days IS NULL
       OR lang_zh IS NULL THEN
        RAISE EXCEPTION 'rfm.create_tiers: only as_of and watermark_column may be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    lifecycle := rfm._tier_check_lifecycle('rfm.create_tiers', ARRAY[new_days, sleeping_days, churned_days]);
    zh := rfm._tier_check_lang_zh('rfm.create_tiers', lang_zh);
    PERFORM rfm._check_source_permanent(source, 'rfm.create_tiers', 'tier table');
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION 'rfm.create_tiers: as_of must be a finite date, got %', as_of
            USING ERRCODE = 'datetime_field_overflow',
                  HINT = 'Pass a day, or NULL for the day of each refresh.';
    END IF;
    IF bins NOT BETWEEN 2 AND 9 THEN
        RAISE EXCEPTION 'rfm.create_tiers: bins must be between 2 and 9, not %', bins
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Scores are single digits so that rfm_cell reads like ''555''.';
    END IF;
    PERFORM rfm._tier_check_scheme('rfm.create_tiers', bins, scheme);
    -- name is SQL identifier syntax: [schema.]table, double quotes for odd names
    BEGIN
        parts := pg_catalog.parse_ident(name);
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'rfm.create_tiers: name % is not a table name', pg_catalog.quote_literal(name)
            USING ERRCODE = 'invalid_name',
                  HINT = 'Write it as SQL does, [schema.]table, with double quotes around a name with spaces, capitals or other characters: ''"My Tiers"'', or build it with format(''%I.%I'', schema, table).';
    END;
    IF pg_catalog.cardinality(parts) = 1 THEN
        -- in the caller's current schema, named here: the functions below
        -- run with search_path = pg_catalog, pg_temp (95_search_path.sql)
        IF caller_schema IS NULL THEN
            RAISE EXCEPTION 'rfm.create_tiers: no schema has been selected to create % in', pg_catalog.quote_literal(name)
                USING ERRCODE = 'invalid_schema_name',
                      HINT = 'Name the schema: schema.table.';
        END IF;
        target_schema := caller_schema;
    ELSIF pg_catalog.cardinality(parts) = 2 THEN
        target_schema := parts[1];
        -- (PostgreSQL would cut it to 63 bytes, naming another schema than
        -- the one written; "does not exist" said the uncut name)
        IF pg_catalog.octet_length(target_schema) > 63 THEN
            RAISE EXCEPTION 'rfm.create_tiers: schema name % is too long', pg_catalog.quote_literal(target_schema)
                USING ERRCODE = 'name_too_long',
                      HINT = 'A schema name has at most 63 bytes.';
        END IF;
    ELSE
        RAISE EXCEPTION 'rfm.create_tiers: name % must be table or schema.table', pg_catalog.quote_literal(name)
            USING ERRCODE = 'invalid_name';
    END IF;
    target := pg_catalog.format('%I.%I', target_schema, parts[pg_catalog.cardinality(parts)]);
    IF pg_catalog.octet_length(parts[pg_catalog.cardinality(parts)] || '_segments') > 63 THEN
        RAISE EXCEPTION 'rfm.create_tiers: name % is too long', pg_catalog.quote_literal(name)
            USING ERRCODE = 'name_too_long',
                  HINT = 'Leave room for the _segments, _grid and _history suffixes (at most 54 bytes).';
    END IF;
    -- pg_temp named, or the session's temporary schema current (search_path
    -- = pg_temp, ...): PostgreSQL's error from deep inside said "cannot
    -- create temporary table within security-restricted operation"
    IF target_schema OPERATOR(pg_catalog.~) '^pg_(toast_)?temp(_[0-9]+)?$' THEN
        RAISE EXCEPTION 'rfm.create_tiers: a tier table cannot be temporary (schema %)', pg_catalog.quote_ident(target_schema)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'A tier table outlives the session (refreshes, schedules, its catalog row): name a permanent schema, schema.table.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) target_schema) THEN
        RAISE EXCEPTION 'rfm.create_tiers: schema % does not exist', pg_catalog.quote_ident(target_schema)
            USING ERRCODE = 'invalid_schema_name';
    END IF;
    -- a relation (or a type: a view makes one) already under one of the
    -- names is an error here, not CREATE's bare "already exists" from
    -- deep inside after the build
    FOR member IN SELECT pg_catalog.format('%I.%I', target_schema, parts[pg_catalog.cardinality(parts)] || suffix)
                    FROM pg_catalog.unnest(ARRAY['', '_segments', '_grid']) AS u(suffix) LOOP
        IF rfm._name_taken(member) THEN
            RAISE EXCEPTION 'rfm.create_tiers: % already exists', member
                USING ERRCODE = 'duplicate_table',
                      HINT = 'A tier table name makes name, name_segments and name_grid: drop or rename that one, or choose another name.';
        END IF;
    END LOOP;
    IF keep_history THEN
        PERFORM rfm._tier_check_history_name('rfm.create_tiers',
            pg_catalog.format('%I.%I', target_schema, parts[pg_catalog.cardinality(parts)] || '_history'),
            'keep_history makes a history table under that name: rename or drop that table, or pass keep_history => false, or another name.');
    END IF;

    -- Checks the columns (clear errors before any DDL) and reads the source
    -- with the caller's rights.
    customer_type := rfm._qualified_type(rfm._source_column_type(source, customer_column));
    -- GROUP BY and the unique index on customer_id need a default ordering
    IF rfm._customer_key_kind(source, customer_column) OPERATOR(pg_catalog.=) 'unsupported' THEN
        RAISE EXCEPTION 'rfm.create_tiers: customer column % of % is %, which has no ordering to group customers by',
                        pg_catalog.quote_ident(customer_column), source, customer_type
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Use a view that casts the customer to text (or another type with equality and ordering).';
    END IF;
    PERFORM rfm._tier_lock_source(source);
    PERFORM rfm._tier_query(source, customer_column, time_column, amount_column, customer_type,
                            bins, scheme, COALESCE(as_of, CURRENT_DATE), clv, lifecycle, zh);

    IF watermark_column IS NOT NULL THEN
        PERFORM rfm._source_column_type(source, watermark_column);
        PERFORM rfm._tier_check_incremental('rfm.create_tiers', clv, as_of);
        IF NOT rfm._tier_text_key(source, customer_column) THEN
            RAISE EXCEPTION 'rfm.create_tiers: watermark_column needs a customer column of an integer, text, varchar or uuid type with a deterministic collation, not %',
                            customer_type
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Stored customer states are keyed by the text form of the customer.';
        END IF;
        -- Named after the catalog id the tier table is about to get.  A
        -- superuser (or pg_restore) may have written a state of that name
        -- with no tier table: such an id is passed over, not an error.
        FOR attempt IN 1..10 LOOP
            entry_id := pg_catalog.nextval('rfm.tier_tables_id_seq');
            state := 'rfm tier ' || entry_id::pg_catalog.text;
            EXIT WHEN rfm._customer_state_insert(state, source, customer_column, time_column, amount_column,
                                                 watermark_column, 'rfm.create_tiers');
            IF attempt OPERATOR(pg_catalog.=) 10 THEN
                RAISE EXCEPTION 'rfm.create_tiers: the customer states named for 10 tier table ids in a row already exist (the last %)',
                                pg_catalog.quote_literal(state)
                    USING ERRCODE = 'duplicate_object',
                          HINT = 'A superuser wrote them (such names are reserved for tier tables): drop them with rfm.customer_state_drop.';
            END IF;
        END LOOP;
        PERFORM rfm._customer_state_fold(state, 'rfm.create_tiers');
    END IF;

    BEGIN
        built := rfm._tier_build(target, source, customer_column, time_column, amount_column, customer_type,
                                 bins, scheme, as_of, clv, state, time_zone => zone, lifecycle_days => lifecycle,
                                 lang_zh => zh);
    EXCEPTION WHEN unique_violation THEN
        -- another session made one of the names after the check above and
        -- committed while this CREATE waited for it: the catalog's own
        -- unique index said so, in its words
        GET STACKED DIAGNOSTICS taken_index = CONSTRAINT_NAME;
        IF taken_index OPERATOR(pg_catalog.=) ANY (ARRAY['pg_type_typname_nsp_index', 'pg_class_relname_nsp_index']) THEN
            RAISE EXCEPTION 'rfm.create_tiers: % already exists', target
                USING ERRCODE = 'duplicate_table',
                      HINT = 'Another session created it (or its _segments or _grid view) while this one was building.';
        END IF;
        RAISE;
    END;
    new_tier := built.tier;
    row_total := built.row_total;
    IF keep_history THEN
        history := rfm._tier_create_history(new_tier, clv);
    END IF;

    INSERT INTO rfm.tier_tables (id, tier, source, customer_column, time_column, amount_column,
                                 customer_type, bins, scheme, lifecycle_days, lang_zh, as_of, keep_history,
                                 history_table, clv, watermark_column, state_name, segments_view, grid_view,
                                 time_zone)
    VALUES (COALESCE(entry_id, pg_catalog.nextval('rfm.tier_tables_id_seq')),
            new_tier, source, customer_column, time_column, amount_column, customer_type,
            bins, scheme, lifecycle, zh, as_of, keep_history, history, clv, watermark_column, state,
            built.segments_view, built.grid_view, zone)
    RETURNING id INTO entry_id;

    IF keep_history THEN
        PERFORM rfm._tier_snapshot(new_tier, history, clv, rfm._tier_day(as_of, state, zone));
    END IF;
    INSERT INTO rfm.refresh_log (tier_id, tier, action, started_at, finished_at, as_of, row_count, outcome,
                                 message)
    VALUES (entry_id, new_tier, 'create', started, pg_catalog.clock_timestamp(),
            rfm._tier_day(as_of, state, zone), row_total, 'succeeded',
            NULLIF(pg_catalog.concat_ws('; ', built.grouped_note, CASE WHEN clv THEN rfm._tier_model_note(new_tier) END), ''));
    PERFORM rfm._tier_build_notices('rfm.create_tiers', as_of, zone, rfm._tier_day(as_of, state, zone), row_total);
    PERFORM pg_catalog.set_config('search_path', caller_path, true);
    RETURN new_tier;
END $$;
COMMENT ON FUNCTION rfm.create_tiers(text, regclass, text, text, text, integer, text, date, boolean, boolean, text, integer, integer, integer, text) IS
    'Create, populate and register a tier table (materialized view) with its unique index, views, history, optional CLV columns and optional incremental refresh';

-- Drop a relation named in the catalog if it still exists.  Never with
-- CASCADE: objects of the user's that depend on it are an error naming
-- them (PostgreSQL's DETAIL), and nothing of theirs is dropped.
CREATE FUNCTION rfm._drop_if_exists(rel regclass, kind text)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    detail text;
BEGIN
    IF rel IS NOT NULL AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = rel) THEN
        BEGIN
            EXECUTE pg_catalog.format('DROP %s %s', kind, rel);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            RAISE EXCEPTION 'rfm: cannot drop %: other objects depend on it', rel
                USING ERRCODE = 'dependent_objects_still_exist', DETAIL = detail,
                      HINT = 'rfm never drops your objects: drop them (DETAIL lists them), then try again.';
        END;
    END IF;
END $$;

-- What one orphan left (below).  When other objects depend on it:
-- rfm.drop_orphan_tiers keeps it with a WARNING (false) and goes on to the
-- next; any other caller gets the error.
CREATE FUNCTION rfm._drop_orphan(entry rfm.tier_tables, caller text DEFAULT 'rfm.drop_orphan_tiers',
                                  history_by_name boolean DEFAULT false)
    RETURNS boolean
    LANGUAGE plpgsql
    AS $$
DECLARE
    member  regclass;
    job     bigint;
    detail  text;
BEGIN
    -- Its views went with the tier table (they read it): a relation under
    -- their numbers now is another one.  Its history table is dropped only
    -- while it still is one (rfm._is_tier_history; or found by its name,
    -- rfm.drop_tiers(name, ...)) and its creator's.
    member := entry.history_table;
    IF member IS NOT NULL AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = member) THEN
        IF NOT history_by_name AND NOT rfm._is_tier_history(member, entry.customer_type) THEN
            RAISE NOTICE '%: % is not recognisably the history table of tier table % (its comment, primary key or columns are not rfm''s, or it is another relation under a dropped one''s number); left in place',
                         caller, member, entry.id
                USING HINT = 'If it is that history table, drop it yourself, or name the tier table: rfm.drop_tiers(''schema.name'', true) drops the history table of that name.';
        ELSIF (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = member)
              = entry.created_by THEN
            PERFORM rfm._drop_if_exists(member, 'TABLE');
        ELSE
            RAISE WARNING '%: % is not owned by %, who created tier table %; left in place',
                          caller, member, entry.created_by, entry.id;
        END IF;
    END IF;
    -- the state of the role that created the row only (a superuser sees every state)
    IF entry.state_name IS NOT NULL THEN
        IF EXISTS (SELECT FROM rfm.customer_state_sources s
                    WHERE s.state_name = entry.state_name AND s.owner = entry.created_by) THEN
            PERFORM rfm.customer_state_drop(entry.state_name);
        END IF;
    END IF;
    job := rfm._cron_job_id(entry.id);
    IF job IS NOT NULL THEN
        EXECUTE 'SELECT cron.unschedule($1)' USING job;
    END IF;
    DELETE FROM rfm.refresh_log l WHERE l.tier_id = entry.id;
    DELETE FROM rfm.tier_tables t WHERE t.id = entry.id;
    RETURN true;
EXCEPTION WHEN dependent_objects_still_exist THEN
    IF caller <> 'rfm.drop_orphan_tiers' THEN
        RAISE;
    END IF;
    -- one orphan your objects depend on is left (a WARNING names them),
    -- not every other one with it
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RAISE WARNING 'rfm.drop_orphan_tiers: what tier table % left is kept: other objects depend on it', entry.id
        USING DETAIL = detail, HINT = 'Drop them, then call rfm.drop_orphan_tiers() again.';
    RETURN false;
END $$;

-- Catalog rows whose tier table is gone (its source dropped with CASCADE,
-- which takes the tier table and its views but leaves the history table,
-- the customer state, the log and the row): removes what is left of each
-- the caller can see (rows it created), so that the name can be used
-- again.  A history table or view is dropped only when it belongs to the
-- role that created the row (a row edited to name another role's table
-- leaves that table alone, with a WARNING).  Returns the rows removed.
CREATE FUNCTION rfm.drop_orphan_tiers()
    RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry   rfm.tier_tables;
    removed integer := 0;
BEGIN
    -- (a relation that took a dropped tier table's number is not one)
    FOR entry IN SELECT * FROM rfm.tier_tables t
                  WHERE NOT rfm._is_tier_matview(t.tier)
                  ORDER BY t.id
    LOOP
        IF rfm._drop_orphan(entry) THEN
            removed := removed + 1;
        END IF;
    END LOOP;
    RETURN removed;
END $$;
COMMENT ON FUNCTION rfm.drop_orphan_tiers() IS
    'Removes what is left of tier tables dropped by DROP ... CASCADE of their source (history, state, log, catalog row); returns how many';

CREATE FUNCTION rfm.drop_tiers(tier regclass)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry      rfm.tier_tables := rfm._tier_entry(tier);
    tier_owner name := (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = tier);
    tier_name  text := tier::text;       -- (once dropped, a regclass prints as a number)
BEGIN
    -- as rfm.alter_tiers: a refresh holds the tier table and then needs its
    -- history, this drop held the views and history and then needed the
    -- tier table (40P01 for one of them)
    PERFORM rfm._tier_lock_or_fail(entry.id, 'rfm.drop_tiers: ', entry.tier::pg_catalog.text);
    -- A refresh that starts now waits for this drop (rfm.refresh_tiers),
    -- then fails with 42704 and leaves no log row.
    PERFORM FROM rfm.tier_tables t WHERE t.id OPERATOR(pg_catalog.=) entry.id FOR UPDATE;
    PERFORM rfm._tier_require_own_views(entry, 'rfm.drop_tiers');
    -- The state's lock before any of the tables': a transaction that folds
    -- the state by hand (rfm.customer_state_refresh locks it) and then reads
    -- the tier table makes this drop wait rather than deadlock with it.
    IF entry.state_name IS NOT NULL
       AND pg_catalog.has_table_privilege('rfm.customer_state_sources', 'UPDATE') THEN
        PERFORM FROM rfm.customer_state_sources s
         WHERE s.state_name = entry.state_name AND s.owner IN (entry.created_by, tier_owner)
           FOR UPDATE OF s;
    END IF;
    -- (a superuser's drop removes the job of the role that made it too)
    PERFORM rfm._unschedule_jobs(entry);
    PERFORM rfm._drop_if_exists(entry.segments_view, 'VIEW');
    PERFORM rfm._drop_if_exists(entry.grid_view, 'VIEW');
    PERFORM rfm._drop_if_exists(entry.history_table, 'TABLE');
    PERFORM rfm._drop_if_exists(entry.tier, 'MATERIALIZED VIEW');
    -- the state of the tier table's creator or owner only (a superuser
    -- sees every state; a handed-over tier table's state belongs to its new owner)
    -- (nested: a role that keeps no states may have no right to read their table)
    IF entry.state_name IS NOT NULL THEN
        IF EXISTS (SELECT FROM rfm.customer_state_sources s
                    WHERE s.state_name = entry.state_name AND s.owner IN (entry.created_by, tier_owner)) THEN
            PERFORM rfm.customer_state_drop(entry.state_name);
        ELSE
            -- kept by a role name that is no longer the owner's (a rename,
            -- REASSIGN OWNED): invisible here, left for a superuser
            RAISE NOTICE 'rfm.drop_tiers: the customer state % of % is not among the states you may drop; it is left in place',
                         pg_catalog.quote_literal(entry.state_name), tier_name
                USING HINT = pg_catalog.format('It belongs to another role name (after ALTER ROLE ... RENAME or REASSIGN OWNED); a superuser removes it with SELECT rfm.customer_state_drop(%L).', entry.state_name);
        END IF;
    END IF;
    DELETE FROM rfm.refresh_log l WHERE l.tier_id = entry.id;
    DELETE FROM rfm.tier_tables t WHERE t.id = entry.id;
END $$;
COMMENT ON FUNCTION rfm.drop_tiers(regclass) IS
    'Drop a tier table and everything rfm.create_tiers made for it (views, history, schedule, catalog and log rows)';

-- By name, for scripts that may run twice: a regclass argument fails
-- before the function is called when the name is gone (42P01), so
-- IF EXISTS needs the name as text.  No default for if_exists, so that
-- rfm.drop_tiers('name') still means the regclass function.  The name is
-- looked up in the caller's search_path by a one-line SQL function with no
-- SET (src/sql/95_search_path.sql), the rest done with rfm's path.
CREATE FUNCTION rfm._drop_tiers_named(rel regclass, tier text, if_exists boolean, history regclass)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry        rfm.tier_tables;
    history_name text;
BEGIN
    IF tier IS NULL OR if_exists IS NULL THEN
        RAISE EXCEPTION 'rfm.drop_tiers: % must not be NULL', CASE WHEN tier IS NULL THEN 'tier' ELSE 'if_exists' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF rel IS NOT NULL THEN
        PERFORM rfm.drop_tiers(rel);
        RETURN;
    END IF;
    -- A tier table of this name dropped by DROP MATERIALIZED VIEW left its
    -- history (found by its name), log and catalog row, which keep the
    -- name from being used again: removed as rfm.drop_orphan_tiers would.
    SELECT * INTO entry FROM rfm.tier_tables t
     WHERE history IS NOT NULL AND t.history_table = history
       AND NOT rfm._is_tier_matview(t.tier);
    IF FOUND THEN
        history_name := history::pg_catalog.text;
        -- (objects of yours on the history table: 2BP01 naming them)
        PERFORM rfm._drop_orphan(entry, 'rfm.drop_tiers', true);
        IF EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = history) THEN
            RAISE NOTICE 'rfm.drop_tiers: tier table % was dropped without rfm.drop_tiers; its log and catalog rows are removed, its history table % is left (not its creator''s)',
                         tier, history_name;
        ELSE
            RAISE NOTICE 'rfm.drop_tiers: tier table % was dropped without rfm.drop_tiers; what it left (history table %, log and catalog rows) is removed',
                         tier, history_name;
        END IF;
        RETURN;
    END IF;
    IF if_exists THEN
        RAISE NOTICE 'rfm.drop_tiers: tier table % does not exist, skipping', tier;
    ELSE
        RAISE EXCEPTION 'rfm.drop_tiers: tier table % does not exist', tier USING ERRCODE = 'undefined_table';
    END IF;
END $$;

-- The name with a suffix on its last part, quoted as needed ('bi."My
-- Tiers"', '_history' -> 'bi."My Tiers_history"').
CREATE FUNCTION rfm._name_with_suffix(name text, suffix text)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
SELECT pg_catalog.string_agg(pg_catalog.quote_ident(CASE WHEN u.o = pg_catalog.cardinality(p.parts)
                                                         THEN u.part || $2 ELSE u.part END), '.' ORDER BY u.o)
  FROM pg_catalog.parse_ident($1) AS p(parts),
       pg_catalog.unnest(p.parts) WITH ORDINALITY AS u(part, o)
$$;

CREATE FUNCTION rfm.drop_tiers(tier text, if_exists boolean)
    RETURNS void
    LANGUAGE sql
    AS $$ SELECT rfm._drop_tiers_named(pg_catalog.to_regclass(tier), tier, if_exists,
                                       pg_catalog.to_regclass(rfm._name_with_suffix(tier, '_history'))) $$;
COMMENT ON FUNCTION rfm.drop_tiers(text, boolean) IS
    'rfm.drop_tiers by name; with if_exists a name that is not there is a NOTICE, not an error';
