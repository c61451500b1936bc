/*
 * tier_rows.c: rfm._tier_rows, the rows a tier table (a materialized view
 * over this function) is built from, computed now.
 *
 * The fast path is all C: the customers of rfm.customer_scores (or of the
 * stored states, rfm.customer_state_scores), their key in the source
 * column's own type, and labels looked up per score cell (at most 9^3,
 * from rfm.segment_rules read at this build: segment_rules.c, the code
 * rfm.segment runs) and per lifecycle stage.  Every other case runs the
 * grouped query of rfm._tier_query through SPI: CLV columns, keys whose
 * text form does not identify them, and more customers than rfm.max_memory
 * (program_limit_exceeded while loading, before any row: a NOTICE, then
 * the grouped path, which spills to disk).  rfm._tier_query also raises
 * the errors for a source whose shape changed, on both paths.
 */
#include "compat.h"

#include "fast_rows.h"
#include "radix_sort.h"
#include "safe_path.h"
#include "segment_rules.h"
#include "tier_fill.h"
#include "settings.h"

#include "access/htup_details.h"
#include "access/tupconvert.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/uuid.h"
#include "portability/instr_time.h"

PG_FUNCTION_INFO_V1(rfm_tier_rows);

#define TIER_CALLER "rfm._tier_rows"
/*
 * Errors about the orders (a NaN amount, a missing column) reach whoever
 * built or refreshed the tier table: rfm.create_tiers, rfm.alter_tiers,
 * rfm.refresh_tiers or a plain REFRESH.  "rfm", as the checks before the
 * build say it, not rfm.customer_scores, which the user did not call.
 */
#define ORDERS_CALLER "rfm"
#define TIER_NATTS	17			/* rfm._tier_columns without clv */
#define TIER_MAX_BINS 9			/* scores are single digits in rfm_cell (rfm.create_tiers) */
#define NCELLS		(TIER_MAX_BINS * TIER_MAX_BINS * TIER_MAX_BINS)
#define CELL(r, f, m) ((((r) - 1) * TIER_MAX_BINS + (f) - 1) * TIER_MAX_BINS + (m) - 1)

/* How the customer key is printed into the row. */
typedef enum TierKey
{
	TIER_KEY_INT2, TIER_KEY_INT4, TIER_KEY_INT8, TIER_KEY_TEXT, TIER_KEY_UUID
} TierKey;

typedef struct TierArgs
{
	Datum		source,
				customer_column,
				time_column,
				amount_column;
	Datum		state;			/* (Datum) 0: orders, else a state name */
	int32		bins;
	char	   *scheme;
	DateADT		as_of;			/* COALESCE(as_of, CURRENT_DATE) */
	int32		lifecycle_days[3];	/* new, sleeping, churned (lifecycle_arg) */
	int			zh;				/* the *_zh columns' language: 1 zh, 2 zh-Hant (zh_arg) */
} TierArgs;

/* The labels of one score cell (r, f, m). */
typedef struct TierCell
{
	Datum		rfm_cell;
	Datum		label[4];		/* segment, segment_zh, tier, tier_zh */
	bool		isnull[4];
} TierCell;

/*
 * The lifecycle thresholds argument (lifecycle_days: new, sleeping and
 * churned days; NULL or absent: rfm.lifecycle's defaults 30, 90, 180),
 * checked as rfm.lifecycle checks them, into days.
 */
static void
lifecycle_arg(FunctionCallInfo fcinfo, int32 *days)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n;

	days[0] = 30;
	days[1] = 90;
	days[2] = 180;
	if (PG_NARGS() < 12 || PG_ARGISNULL(11))
		return;
	arr = PG_GETARG_ARRAYTYPE_P(11);
	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &elem_nulls, &n);
	if (n != 3 || ARR_NDIM(arr) != 1 || ARR_LBOUND(arr)[0] != 1 ||
		elem_nulls[0] || elem_nulls[1] || elem_nulls[2])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm._tier_rows: lifecycle_days must be an array of three days (new, sleeping, churned), none NULL, from subscript 1")));
	rfm_lifecycle_check_days(DatumGetInt32(elems[0]), DatumGetInt32(elems[1]), DatumGetInt32(elems[2]),
							 "rfm._tier_rows");
	for (int i = 0; i < 3; i++)
		days[i] = DatumGetInt32(elems[i]);
}

/*
 * The language of the *_zh columns (lang_zh, the 13th argument; NULL or
 * absent: 'zh'): 1 for simplified characters, 2 for traditional ones.
 */
static int
zh_arg(FunctionCallInfo fcinfo)
{
	int			zh;

	if (PG_NARGS() < 13 || PG_ARGISNULL(12))
		return 1;
	zh = rfm_language_index(PG_GETARG_TEXT_PP(12), "rfm._tier_rows");
	if (zh == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm._tier_rows: lang_zh must name Chinese ('zh' or 'zh-Hant')")));
	return zh;
}

/*
 * rfm._tier_query's grouped query for these arguments (its checks raise the
 * errors), whether the fast path applies (stored states, or fast allowed,
 * no CLV and a key whose text form identifies customers), the source
 * column's type and base type.  Runs in the caller's SPI connection.
 */
static char *
tier_query(FunctionCallInfo fcinfo, DateADT day, bool fast, bool *fast_path, Oid *key_type,
		   Oid *key_base)
{
	Oid			argtypes[13] = {REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID,
	TEXTOID, DATEOID, BOOLOID, TEXTOID, BOOLOID, INT4ARRAYOID, TEXTOID};
	Datum		args[13];
	char		nulls[13];
	bool		isnull;
	HeapTuple	row;
	TupleDesc	desc;
	Datum		query;

	for (int i = 0; i < 9; i++)
	{
		args[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	args[7] = DateADTGetDatum(day);
	nulls[7] = ' ';
	args[9] = PG_ARGISNULL(9) ? (Datum) 0 : PG_GETARG_DATUM(9);
	nulls[9] = PG_ARGISNULL(9) ? 'n' : ' ';
	args[10] = BoolGetDatum(fast);
	nulls[10] = ' ';
	/* (checked by lifecycle_arg) */
	args[11] = PG_NARGS() > 11 && !PG_ARGISNULL(11) ? PG_GETARG_DATUM(11) : (Datum) 0;
	nulls[11] = PG_NARGS() > 11 && !PG_ARGISNULL(11) ? ' ' : 'n';
	/* (checked by zh_arg; the grouped query labels in the canonical tag) */
	args[12] = CStringGetTextDatum(zh_arg(fcinfo) == 2 ? "zh-Hant" : "zh");
	nulls[12] = ' ';
	/* target list order: rfm._tier_query's errors come first */
	if (SPI_execute_with_args("SELECT rfm._tier_query($1, $2, $3, $4, $5, $6, $7, $8, $9, $12, $13), "
							  "$10 IS NOT NULL OR ($11 AND NOT $9 AND rfm._tier_text_key($1, $2)), "
							  "rfm._source_column_type($1, $2), rfm._column_base_type($1, $2)",
							  13, argtypes, args, nulls, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "rfm._tier_rows: could not build the tier query");
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	query = SPI_getbinval(row, desc, 1, &isnull);
	if (isnull)
		elog(ERROR, "rfm._tier_rows: rfm._tier_query returned NULL");
	*fast_path = DatumGetBool(SPI_getbinval(row, desc, 2, &isnull)) && !isnull;
	*key_type = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));
	*key_base = isnull ? InvalidOid : DatumGetObjectId(SPI_getbinval(row, desc, 4, &isnull));
	return TextDatumGetCString(query);
}

/*
 * The grouped path: the query's rows into the result set, converted to the
 * caller's column definition list by position, with plpgsql's RETURN QUERY
 * error when they do not fit.
 */
static void
grouped_rows(FunctionCallInfo fcinfo, const char *query)
{
	static const char *const mismatch = gettext_noop("structure of query does not match function result type");
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;
	Tuplestorestate *store = rfm_begin_rows(fcinfo, &desc, work_mem);
#if RFM_HAVE_SPI_DEST
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);
	SPIExecuteOptions options;

	SetTuplestoreDestReceiverParams(dest, store, rsinfo->econtext->ecxt_per_query_memory,
									false, desc, mismatch);
	memset(&options, 0, sizeof(options));
	options.read_only = false;
	options.dest = dest;
	if (SPI_execute_extended(query, &options) != SPI_OK_SELECT)
		elog(ERROR, "rfm._tier_rows: the grouped tier query failed");
	dest->rDestroy(dest);
#else
	SPIPlanPtr	plan = SPI_prepare(query, 0, NULL);
	Portal		portal;
	TupleConversionMap *map = NULL;
	bool		first = true;

	if (plan == NULL)
		elog(ERROR, "rfm._tier_rows: could not prepare the grouped tier query");
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (first)
			map = convert_tuples_by_position(SPI_tuptable->tupdesc, desc, _(mismatch));
		first = false;
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];

			if (map)
				tuple = execute_attr_map_tuple(tuple, map);
			tuplestore_puttuple(store, tuple);	/* copies it */
			if (map)
				heap_freetuple(tuple);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	(void) rsinfo;
#endif
}

/* The caller's column definition list must be the tier table's (no CLV). */
static void
check_columns(TupleDesc desc, Oid key_type)
{
	static const Oid types[TIER_NATTS] = {
		InvalidOid, DATEOID, DATEOID, INT4OID, INT8OID, NUMERICOID, INT4OID, INT4OID, INT4OID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, DATEOID
	};

	if (desc->natts != TIER_NATTS)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("rfm._tier_rows: the column definition list has %d columns, a tier table without CLV columns has %d",
						desc->natts, TIER_NATTS),
				 errhint("Use the columns rfm._tier_columns gives.")));
	for (int i = 0; i < TIER_NATTS; i++)
	{
		Oid			want = i == 0 ? key_type : types[i];
		Oid			got = TupleDescAttr(desc, i)->atttypid;
		int32		typmod = TupleDescAttr(desc, i)->atttypmod;

		/* no typmod either: rows are returned as computed, never cut to it */
		if (got != want || typmod != -1)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("rfm._tier_rows: column %d of the column definition list is %s, the tier table's is %s",
							i + 1, format_type_with_typemod(got, typmod), format_type_be(want)),
					 errhint("Use the columns rfm._tier_columns gives.")));
	}
}

/*
 * Why this backend's last rfm._tier_rows took the grouped path ("" when
 * none did since rfm._tier_grouped_note read it): a refresh or build
 * writes it into its rfm.refresh_log message, where a scheduled job's
 * NOTICE is lost.
 */
static char grouped_note[512];

PG_FUNCTION_INFO_V1(rfm_tier_grouped_note);

/* rfm._tier_grouped_note(): the note, or NULL; read once. */
Datum
rfm_tier_grouped_note(PG_FUNCTION_ARGS)
{
	text	   *note;

	if (grouped_note[0] == '\0')
		PG_RETURN_NULL();
	note = cstring_to_text(grouped_note);
	grouped_note[0] = '\0';
	PG_RETURN_TEXT_P(note);
}

/*
 * Loads the customers of the orders; false (after a NOTICE) when they need
 * more memory than rfm.max_memory allows.  In a subtransaction, as the
 * plpgsql exception block this replaces, so that the failed scan's locks,
 * SPI state and memory are released.
 */
static bool
load_orders_or_give_up(const TierArgs *a, MemoryContext cxt, Scored *s)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool loaded = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		rfm_load_order_customers(a->source, a->customer_column, a->time_column, a->amount_column,
								 a->as_of, ORDERS_CALLER, cxt, s);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode != ERRCODE_PROGRAM_LIMIT_EXCEEDED)
			ReThrowError(edata);
		MemoryContextReset(cxt);
		ereport(NOTICE,
				(errmsg("rfm: tier table computed with rfm.summarize GROUP BY instead: %s", edata->message)));
		snprintf(grouped_note, sizeof(grouped_note), "computed with rfm.summarize GROUP BY: %s",
				 strncmp(edata->message, "rfm: ", 5) == 0 ? edata->message + 5 : edata->message);
		FreeErrorData(edata);
		loaded = false;
	}
	PG_END_TRY();
	return loaded;
}

/*
 * The labels of every score cell of 1..bins (rules read now, as rfm.segment
 * does per query), the Chinese ones in language zh (1 or 2).
 */
static void
build_cells(TierCell *cells, int32 bins, const char *scheme, int zh, MemoryContext cxt)
{
	SegmentScheme *main = rfm_segment_scheme_load(scheme, cxt);
	SegmentScheme *tier3 = rfm_segment_scheme_load("tier3", cxt);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	for (int32 r = 1; r <= bins; r++)
		for (int32 f = 1; f <= bins; f++)
			for (int32 m = 1; m <= bins; m++)
			{
				TierCell   *c = &cells[CELL(r, f, m)];
				char		digits[4] = {'0' + r, '0' + f, '0' + m, '\0'};
				text	   *labels[4] = {rfm_segment_label(main, r, f, m, 0),
					rfm_segment_label(main, r, f, m, zh),
					rfm_segment_label(tier3, r, f, m, 0),
				rfm_segment_label(tier3, r, f, m, zh)};

				c->rfm_cell = CStringGetTextDatum(digits);
				for (int k = 0; k < 4; k++)
				{
					c->isnull[k] = labels[k] == NULL;
					c->label[k] = PointerGetDatum(labels[k]);
				}
			}
	MemoryContextSwitchTo(old);
}

/* A decimal integer key's text (as int8out prints it) -> value; false if it is not one. */
static bool
parse_int_key(const char *p, uint32 len, int64 *out)
{
	bool		negative = len > 0 && p[0] == '-';
	uint64		v = 0;

	if (len == (uint32) negative || len > 20)
		return false;
	for (uint32 i = negative; i < len; i++)
	{
		if (p[i] < '0' || p[i] > '9' || v > (PG_UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (negative ? v > (uint64) PG_INT64_MAX + 1 : v > (uint64) PG_INT64_MAX)
		return false;
	*out = negative ? (int64) (0 - v) : (int64) v;
	return true;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* uuid_out's text (36 characters, lower case) -> bytes; false if it is not that. */
static bool
parse_uuid_key(const char *p, uint32 len, pg_uuid_t *out)
{
	int			j = 0;

	if (len != 36)
		return false;
	for (int i = 0; i < 36;)
	{
		int			hi,
					lo;

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (p[i++] != '-')
				return false;
			continue;
		}
		hi = hex_digit(p[i]);
		lo = hex_digit(p[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out->data[j++] = (unsigned char) (hi << 4 | lo);
		i += 2;
	}
	return true;
}

/* Integer keys: the value (stored states keep them as text). */
static int64
int_key(const Scored *s, const FastEntry *e)
{
	int64		v;

	if (!s->text_keys)
		return e->key.ikey;
	if (!parse_int_key(e->key.skey, e->used - 1, &v))
		v = DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(pnstrdup(e->key.skey, e->used - 1))));
	return v;
}

/*
 * Sort order of REFRESH's duplicate check: integers ascending, text keys by
 * bytes (COLLATE "C").
 * Items carry an order-preserving 8-byte prefix of the key: radix-sorted
 * by it, then only runs of text keys with the same first 8 bytes compared
 * whole.
 */
static int
compare_items(const void *a, const void *b, void *arg)
{
	const RfmSortItem *x = (const RfmSortItem *) a;
	const RfmSortItem *y = (const RfmSortItem *) b;
	const Scored *s = (const Scored *) arg;
	const FastEntry *ex = &s->entries[x->index];
	const FastEntry *ey = &s->entries[y->index];
	int			c;

	c = memcmp(ex->key.skey, ey->key.skey, Min(ex->used, ey->used) - 1);
	return c != 0 ? c : (ex->used > ey->used) - (ex->used < ey->used);
}

/* The rows' order: ints for integer keys, else the text keys' bytes. */
static int32 *
sorted_order(const Scored *s, const int64 *ints)
{
	RfmSortItem *items = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(RfmSortItem) * s->n);
	int32	   *order;

	for (int i = 0; i < s->n; i++)
	{
		items[i].index = i;
		if (ints)
			items[i].prefix = (uint64) ints[i] ^ ((uint64) 1 << 63);
		else
		{
			const FastEntry *e = &s->entries[i];
			uint32		len = Min(e->used - 1, 8);
			uint64		p = 0;

			/* text keys hold no NUL byte: zero padding keeps the order */
			for (uint32 k = 0; k < 8; k++)
				p = (p << 8) | (k < len ? (unsigned char) e->key.skey[k] : 0);
			items[i].prefix = p;
		}
	}
	rfm_radix_sort(items, s->n);
	if (!ints)
	{
		for (int i = 0; i < s->n;)
		{
			int			j = i + 1;

			while (j < s->n && items[j].prefix == items[i].prefix)
				j++;
			if (j - i > 1)
				qsort_arg(&items[i], j - i, sizeof(RfmSortItem), compare_items, (void *) s);
			i = j;
		}
	}
	order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * s->n);
	for (int i = 0; i < s->n; i++)
		order[i] = items[i].index;
	pfree(items);
	return order;
}

/* rfm.tier_unsorted (settings.c): set by rfm's SQL for one transaction. */
static bool
rows_unsorted(void)
{
	return rfm_tier_unsorted;
}

/* The fast path's rows into the result set. */
static void
fast_rows(FunctionCallInfo fcinfo, const TierArgs *a, Scored *s, Oid key_type, TierKey kind,
		  MemoryContext cxt)
{
	TupleDesc	desc;
	Tuplestorestate *store = rfm_begin_rows(fcinfo, &desc, work_mem);
	TierSink   *sink;
	ScoreLimits limits;
	TierCell   *cells;
	Datum		stages[4][2];	/* each lifecycle stage in English, Chinese */
	int64	   *ints = NULL;
	int32	   *order = NULL;
	void	   *domain_extra = NULL;
	bool		domain = key_type != getBaseType(key_type);
	MemoryContext rowcxt,
				old;
	KeyBuf		keybuf = {NULL, 0, cxt};
	NumericBuf	numbuf;
	pg_uuid_t	uuid;
	instr_time	t0,
				t1,
				t2,
				t3;

	check_columns(desc, key_type);
	/* a new tier table's fill takes the rows itself (tier_fill.c) */
	sink = rfm_tier_sink_claim(desc);
	if (s->n == 0)
		return;					/* no purchases: no rows, no labels read */
	INSTR_TIME_SET_CURRENT(t0);
	old = MemoryContextSwitchTo(cxt);
	rfm_score_limits(s, a->bins, a->as_of, &limits);
	cells = palloc(sizeof(TierCell) * NCELLS);
	build_cells(cells, a->bins, a->scheme, a->zh, cxt);
	for (int k = 0; k < 4; k++)
	{
		stages[k][0] = CStringGetTextDatum(rfm_lifecycle_label(k, 0, "rfm"));
		stages[k][1] = CStringGetTextDatum(rfm_lifecycle_label(k, a->zh, "rfm"));
	}
	if (kind == TIER_KEY_INT2 || kind == TIER_KEY_INT4 || kind == TIER_KEY_INT8)
	{
		ints = MemoryContextAllocHuge(cxt, sizeof(int64) * s->n);
		for (int i = 0; i < s->n; i++)
			ints[i] = int_key(s, &s->entries[i]);
	}
	INSTR_TIME_SET_CURRENT(t1);
	if (!rows_unsorted())
		order = sorted_order(s, ints);
	MemoryContextSwitchTo(old);
	INSTR_TIME_SET_CURRENT(t2);

	rowcxt = AllocSetContextCreate(cxt, "rfm tier row", ALLOCSET_DEFAULT_SIZES);
	for (int k = 0; k < s->n; k++)
	{
		int			i = order ? order[k] : k;
		FastEntry  *e = &s->entries[i];
		Datum		values[TIER_NATTS];
		bool		nulls[TIER_NATTS] = {false};
		int32		scores[3];
		TierCell   *cell;
		int			stage;

		CHECK_FOR_INTERRUPTS();
#ifdef __GNUC__
		/* in key order the entries are read at random: fetch a few rows ahead */
		if (order && k + 8 < s->n)
		{
			__builtin_prefetch(&s->entries[order[k + 8]]);
			if (ints)
				__builtin_prefetch(&ints[order[k + 8]]);
		}
#endif
		old = MemoryContextSwitchTo(rowcxt);
		rfm_customer_scores_of(s, &limits, i, scores);
		cell = &cells[CELL(scores[0], scores[1], scores[2])];
		switch (kind)
		{
			case TIER_KEY_INT2:
				if (ints[i] < PG_INT16_MIN || ints[i] > PG_INT16_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("smallint out of range")));
				values[0] = Int16GetDatum((int16) ints[i]);
				break;
			case TIER_KEY_INT4:
				if (ints[i] < PG_INT32_MIN || ints[i] > PG_INT32_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("integer out of range")));
				values[0] = Int32GetDatum((int32) ints[i]);
				break;
			case TIER_KEY_INT8:
				values[0] = Int64GetDatum(ints[i]);
				break;
			case TIER_KEY_TEXT:
				values[0] = rfm_entry_key_text(&keybuf, true, e);
				break;
			case TIER_KEY_UUID:
				if (parse_uuid_key(e->key.skey, e->used - 1, &uuid))
					values[0] = UUIDPGetDatum(&uuid);
				else
					values[0] = DirectFunctionCall1(uuid_in,
													CStringGetDatum(pnstrdup(e->key.skey, e->used - 1)));
				break;
		}
		/* the constraints the old cast to the domain checked */
		if (domain)
			domain_check(values[0], false, key_type, &domain_extra, cxt);
		values[1] = DateADTGetDatum(e->first_purchase);
		values[2] = DateADTGetDatum(e->last_purchase);
		values[3] = Int32GetDatum((int32) (a->as_of - e->last_purchase));
		values[4] = Int64GetDatum(e->frequency);
		values[5] = NumericGetDatum(rfm_entry_monetary(e, &numbuf));
		values[6] = Int32GetDatum(scores[0]);
		values[7] = Int32GetDatum(scores[1]);
		values[8] = Int32GetDatum(scores[2]);
		values[9] = cell->rfm_cell;
		/* segment, segment_zh, tier, tier_zh */
		for (int c = 0; c < 4; c++)
		{
			values[10 + c] = cell->label[c];
			nulls[10 + c] = cell->isnull[c];
		}
		stage = rfm_lifecycle_stage_of(e->first_purchase, e->last_purchase, a->as_of,
									   a->lifecycle_days[0], a->lifecycle_days[1],
									   a->lifecycle_days[2], "rfm.lifecycle");
		values[14] = stages[stage][0];
		values[15] = stages[stage][1];
		values[16] = DateADTGetDatum(a->as_of);
		if (sink)
			rfm_tier_sink_put(sink, values, nulls);
		else
			tuplestore_putvalues(store, desc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	INSTR_TIME_SET_CURRENT(t3);
	INSTR_TIME_SUBTRACT(t3, t2);
	INSTR_TIME_SUBTRACT(t2, t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	elog(DEBUG2, "rfm._tier_rows: scores and labels %.3f s, sort %.3f s, rows %.3f s",
		 INSTR_TIME_GET_DOUBLE(t1), INSTR_TIME_GET_DOUBLE(t2), INSTR_TIME_GET_DOUBLE(t3));
}

static TierKey
key_kind(Oid base)
{
	switch (base)
	{
		case INT2OID:
			return TIER_KEY_INT2;
		case INT4OID:
			return TIER_KEY_INT4;
		case INT8OID:
			return TIER_KEY_INT8;
		case UUIDOID:
			return TIER_KEY_UUID;
		case TEXTOID:
		case VARCHAROID:
			return TIER_KEY_TEXT;
		default:
			/* rfm.create_tiers never gets here (rfm._tier_text_key); a direct call may */
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("rfm._tier_rows: a customer key of type %s cannot be read from stored customer states",
							format_type_be(base)),
					 errhint("Stored customer states need an integer, text, varchar or uuid customer column.")));
			return TIER_KEY_TEXT;	/* not reached */
	}
}

/* bins as rfm.create_tiers allows them: one digit per score in rfm_cell */
static void
check_tier_bins(int32 bins, const char *caller)
{
	if (bins < 2 || bins > TIER_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: bins must be between 2 and %d, not %d", caller, TIER_MAX_BINS, bins)));
}

/*
 * The rows, in the session's TimeZone as it is now (rfm_tier_rows sets it).
 */
static Datum
tier_rows_here(FunctionCallInfo fcinfo)
{
	/* as_of NULL: the refresh day (in its state's zone for an incremental table) */
	DateADT		day = !PG_ARGISNULL(7) ? PG_GETARG_DATEADT(7) :
		!PG_ARGISNULL(9) ? rfm_state_today(PG_GETARG_DATUM(9)) : GetSQLCurrentDate();
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt;
	TierArgs	a;
	Scored		s;
	bool		fast;
	Oid			key_type,
				key_base;
	char	   *query;

	for (int i = 0; i < 7; i++)
		if (PG_ARGISNULL(i) && i != 4)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rfm._tier_rows: source, column names, bins and scheme must not be NULL")));
	check_tier_bins(PG_GETARG_INT32(5), TIER_CALLER);
	lifecycle_arg(fcinfo, a.lifecycle_days);
	a.zh = zh_arg(fcinfo);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm._tier_rows: SPI_connect failed");
	query = tier_query(fcinfo, day, true, &fast, &key_type, &key_base);
	if (!fast)
	{
		grouped_rows(fcinfo, query);
		SPI_finish();
		return (Datum) 0;
	}

	a.source = PG_GETARG_DATUM(0);
	a.customer_column = PG_GETARG_DATUM(1);
	a.time_column = PG_GETARG_DATUM(2);
	a.amount_column = PG_GETARG_DATUM(3);
	a.state = PG_ARGISNULL(9) ? (Datum) 0 : PG_GETARG_DATUM(9);
	a.bins = PG_GETARG_INT32(5);
	a.as_of = day;
	/* everything of the fast path, freed at the end (the rows are in the tuplestore) */
	cxt = AllocSetContextCreate(caller, "rfm tier rows", ALLOCSET_DEFAULT_SIZES);
	a.scheme = MemoryContextStrdup(cxt, text_to_cstring(PG_GETARG_TEXT_PP(6)));
	if (a.state != (Datum) 0)
	{
		bool		stored;

		rfm_load_state_customers(a.state, a.bins, cxt, &s, &stored);
	}
	else if (!load_orders_or_give_up(&a, cxt, &s))
	{
		MemoryContextDelete(cxt);
		query = tier_query(fcinfo, day, false, &fast, &key_type, &key_base);
		grouped_rows(fcinfo, query);
		SPI_finish();
		return (Datum) 0;
	}
	SPI_finish();
	fast_rows(fcinfo, &a, &s, key_type, key_kind(key_base), cxt);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

/*
 * rfm._tier_rows(source, customer_column, time_column, amount_column,
 * customer_type, bins, scheme, as_of, clv, state, time_zone,
 * lifecycle_days, lang_zh): as_of NULL
 * is the day of each refresh.  time_zone (the tier table creator's,
 * rfm.tier_tables.time_zone) is the TimeZone for the call, as a function's
 * SET clause would set it: a timestamptz order's day and today are those
 * of the tier table's zone, whoever refreshes it (a pg_cron job, a
 * restore).  NULL: the session's.  search_path is pg_catalog, pg_temp for
 * the call (src/safe_path.c).
 */
Datum
rfm_tier_rows(PG_FUNCTION_ARGS)
{
	int			nest_level = rfm_enter_safe_path(PG_NARGS() < 11 || PG_ARGISNULL(10) ? NULL :
												 text_to_cstring(PG_GETARG_TEXT_PP(10)));
	Datum		result;

	/*
	 * The source's row-level security applies as it does to any refresh:
	 * a restore (pg_dump writes SET row_security = off) refreshes the tier
	 * table as its owner, and a source with a policy for the owner then
	 * failed ("query would be affected by row-level security policy")
	 * instead of giving the rows the owner's refreshes give.
	 */
	(void) set_config_option("row_security", "on", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	result = tier_rows_here(fcinfo);
	rfm_leave_safe_path(nest_level);
	return result;
}

/*
 * rfm._tier_cell_labels(bins, scheme): the labels the tier rows give every
 * score cell, as built for a tier table (tests compare them with
 * rfm.segment).
 */
PG_FUNCTION_INFO_V1(rfm_tier_cell_labels);

Datum
rfm_tier_cell_labels(PG_FUNCTION_ARGS)
{
	int32		bins = PG_GETARG_INT32(0);
	char	   *scheme = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TierCell   *cells = palloc(sizeof(TierCell) * NCELLS);
	TupleDesc	desc;
	Tuplestorestate *store;

	check_tier_bins(bins, "rfm._tier_cell_labels");
	build_cells(cells, bins, scheme, 1, CurrentMemoryContext);
	store = rfm_begin_rows(fcinfo, &desc, work_mem);
	for (int32 r = 1; r <= bins; r++)
		for (int32 f = 1; f <= bins; f++)
			for (int32 m = 1; m <= bins; m++)
			{
				TierCell   *c = &cells[CELL(r, f, m)];
				Datum		values[8] = {Int32GetDatum(r), Int32GetDatum(f), Int32GetDatum(m), c->rfm_cell,
				c->label[0], c->label[1], c->label[2], c->label[3]};
				bool		nulls[8] = {false, false, false, false, c->isnull[0], c->isnull[1], c->isnull[2],
				c->isnull[3]};

				tuplestore_putvalues(store, desc, values, nulls);
			}
	return (Datum) 0;
}
