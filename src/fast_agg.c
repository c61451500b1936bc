/*
 * fast_agg.c: SQL glue of the whole-table path.
 *
 *   rfm._customer_states(customer bigint|text, day date, amount numeric)
 *       -> bytea: every customer's state in one value; a plain (ungrouped)
 *       aggregate, so the planner runs it in parallel workers whose
 *       tables are merged in the combine step.
 *   rfm._customer_states_pack(customer text, first, last, frequency, monetary)
 *       -> bytea: the same from stored state rows (incremental refresh).
 *   rfm._customer_states_rows(bytea): the states as rows.
 *   rfm._customer_states_direct(source, columns, watermark column): a new
 *       customer state's orders read directly, and the largest watermark.
 *   rfm._customer_states_score(bytea, bins, as_of): scored rows.
 */
#include "compat.h"

#include "fast_rows.h"
#include "numeric_build.h"
#include "fast_score.h"
#include "fast_scan.h"
#include "breaks.h"
#include "rfm_state.h"
#include "safe_path.h"
#include "settings.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "catalog/namespace.h"
#include "portability/instr_time.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(rfm_customer_states_trans_bigint);
PG_FUNCTION_INFO_V1(rfm_customer_states_trans_text);
PG_FUNCTION_INFO_V1(rfm_customer_states_pack_trans);
PG_FUNCTION_INFO_V1(rfm_customer_states_combine);
PG_FUNCTION_INFO_V1(rfm_customer_states_serialize);
PG_FUNCTION_INFO_V1(rfm_customer_states_deserialize);
PG_FUNCTION_INFO_V1(rfm_customer_states_final);
PG_FUNCTION_INFO_V1(rfm_customer_states_rows);
PG_FUNCTION_INFO_V1(rfm_customer_states_score);
PG_FUNCTION_INFO_V1(rfm_customer_scores);
PG_FUNCTION_INFO_V1(rfm_customer_state_scores);

#define CALLER "rfm.customer_scores"

/*
 * rfm.direct_scan (settings.c, default on): off makes rfm.customer_scores
 * always take the SQL path (tests compare both).
 */
static bool
direct_scan_enabled(void)
{
	return rfm_direct_scan;
}

static MemoryContext
agg_context(FunctionCallInfo fcinfo)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "rfm._customer_states called in non-aggregate context");
	return cxt;
}

static FastTable *
state_or_new(FunctionCallInfo fcinfo, bool text_keys)
{
	if (!PG_ARGISNULL(0))
		return (FastTable *) PG_GETARG_POINTER(0);
	return fast_table_create(agg_context(fcinfo), text_keys);
}

/* Rows with a NULL customer, time or amount are skipped, as in the tier query. */
static bool
skip_row(FunctionCallInfo fcinfo)
{
	return PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3);
}

/*
 * A bad order's error names the aggregate's caller argument (rfm's own
 * callers pass their name) and the customer; both are read only then, not
 * per row.
 */
static void
add_order(FastTable *table, int64 ikey, const char *skey, uint32 len, FunctionCallInfo fcinfo)
{
	Numeric		amount = (Numeric) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(3));
	DateADT		day = PG_GETARG_DATEADT(2);

	if (unlikely(DATE_NOT_FINITE(day) || !rfm_numeric_is_finite(amount)))
	{
		const char *caller = PG_ARGISNULL(4) ? CALLER : text_to_cstring(PG_GETARG_TEXT_PP(4));
		char	   *order = rfm_order_text(ikey, skey, len, day);

		rfm_check_finite_day(day, caller, order);
		rfm_check_finite_amount(amount, caller, order);
	}
	fast_table_add_order(table, ikey, skey, len, day, amount);
}

Datum
rfm_customer_states_trans_bigint(PG_FUNCTION_ARGS)
{
	FastTable  *table;

	if (skip_row(fcinfo))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	table = state_or_new(fcinfo, false);
	add_order(table, PG_GETARG_INT64(1), NULL, 0, fcinfo);
	PG_RETURN_POINTER(table);
}

Datum
rfm_customer_states_trans_text(PG_FUNCTION_ARGS)
{
	FastTable  *table;
	text	   *key;

	if (skip_row(fcinfo))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	table = state_or_new(fcinfo, true);
	key = PG_GETARG_TEXT_PP(1);
	add_order(table, 0, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), fcinfo);
	PG_RETURN_POINTER(table);
}

/* (internal, customer text, first date, last date, frequency bigint, monetary numeric) */
Datum
rfm_customer_states_pack_trans(PG_FUNCTION_ARGS)
{
	FastTable  *table;
	text	   *key;
	FastEntry	row;
	Numeric		monetary;
	bool		fields_null = PG_ARGISNULL(1) || PG_ARGISNULL(4) || PG_ARGISNULL(5);
	bool		days_null = false;

	key = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	memset(&row, 0, sizeof(row));
	if (!fields_null)
	{
		row.frequency = PG_GETARG_INT64(4);
		if (row.frequency > 0)
		{
			days_null = PG_ARGISNULL(2) || PG_ARGISNULL(3);
			if (!days_null)
			{
				row.first_purchase = PG_GETARG_DATEADT(2);
				row.last_purchase = PG_GETARG_DATEADT(3);
			}
		}
	}
	monetary = PG_ARGISNULL(5) ? NULL : (Numeric) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(5));
	fast_check_stored_state(key ? VARDATA_ANY(key) : NULL, key ? VARSIZE_ANY_EXHDR(key) : 0,
							fields_null, row.frequency, days_null, row.first_purchase,
							row.last_purchase, monetary, "rfm.customer_state_scores");
	table = state_or_new(fcinfo, true);
	exact_sum_init(&row.net);
	exact_sum_add(&row.net, monetary, false, table->cxt);
	fast_table_merge_entry(table, fast_table_lookup(table, 0, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)), &row);
	if (row.net.big)
		pfree(row.net.big);		/* the slot has its own copy */
	PG_RETURN_POINTER(table);
}

Datum
rfm_customer_states_combine(PG_FUNCTION_ARGS)
{
	FastTable  *into = PG_ARGISNULL(0) ? NULL : (FastTable *) PG_GETARG_POINTER(0);
	FastTable  *from = PG_ARGISNULL(1) ? NULL : (FastTable *) PG_GETARG_POINTER(1);

	agg_context(fcinfo);
	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	if (into == NULL)
		PG_RETURN_POINTER(from);	/* deserialized in the aggregate's context */
	/* merge the smaller table into the larger one */
	if (from->count > into->count)
	{
		FastTable  *t = into;

		into = from;
		from = t;
	}
	fast_table_merge(into, from);
	fast_table_free_slots(from);
	PG_RETURN_POINTER(into);
}

Datum
rfm_customer_states_serialize(PG_FUNCTION_ARGS)
{
	agg_context(fcinfo);
	PG_RETURN_BYTEA_P(fast_table_serialize((FastTable *) PG_GETARG_POINTER(0)));
}

Datum
rfm_customer_states_deserialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(fast_table_deserialize(PG_GETARG_BYTEA_PP(0), agg_context(fcinfo)));
}

Datum
rfm_customer_states_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(fast_table_serialize((FastTable *) PG_GETARG_POINTER(0)));
}

/* Materialized set-returning function setup (portable PG 13..17). */
Tuplestorestate *
rfm_begin_rows(FunctionCallInfo fcinfo, TupleDesc *desc_out, int maxKBytes)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;
	MemoryContext old;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("rfm: set-valued function called in a context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rfm: return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	desc = CreateTupleDescCopy(desc);
	store = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
								  false, maxKBytes);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	MemoryContextSwitchTo(old);
	*desc_out = desc;
	return store;
}

/*
 * Output buffers: a row's customer text and monetary numeric are built in
 * place (no palloc, no numeric_in) and copied by tuplestore_putvalues.
 */
Datum
rfm_entry_key_text(KeyBuf *buf, bool text_keys, const FastEntry *e)
{
	uint32		len;

	if (buf->data == NULL || buf->size < VARHDRSZ + MAXINT8LEN + 1 ||
		(text_keys && buf->size < VARHDRSZ + e->used))
	{
		Size		size = Max((Size) 256, VARHDRSZ + (Size) e->used + 1);

		if (buf->data)
			pfree(buf->data);
		buf->data = MemoryContextAlloc(buf->cxt, size);
		buf->size = size;
	}
	if (text_keys)
	{
		len = e->used - 1;
		memcpy(buf->data + VARHDRSZ, e->key.skey, len);
	}
	else
	{
		pg_lltoa(e->key.ikey, buf->data + VARHDRSZ);
		len = strlen(buf->data + VARHDRSZ);
	}
	SET_VARSIZE(buf->data, VARHDRSZ + len);
	return PointerGetDatum(buf->data);
}

static Numeric
net_numeric(const FastEntry *e)
{
	return e->net.big ? e->net.big : scaled_to_numeric(e->net.scaled, e->net.scale);
}

/* The same value, built in buf when it can be (no palloc). */
Numeric
rfm_entry_monetary(const FastEntry *e, NumericBuf *buf)
{
	StaticAssertStmt(sizeof(NumericBuf) >= RFM_NUMERIC_BUILD_MAX, "NumericBuf holds any scaled numeric");
	if (e->net.big)
		return e->net.big;
	return rfm_numeric_write_scaled(e->net.scaled, e->net.scale, buf->data);
}

Datum
rfm_customer_states_rows(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store = rfm_begin_rows(fcinfo, &desc, work_mem);
	FastReader	reader;
	FastEntry	e;
	uint32		keylen;
	MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext, "rfm rows",
												 ALLOCSET_DEFAULT_SIZES);
	KeyBuf		keybuf = {NULL, 0, CurrentMemoryContext};
	NumericBuf	numbuf;
	bytea	   *states = PG_GETARG_BYTEA_PP(0);

	fast_check_unique_keys(states);
	fast_reader_init(&reader, states, true);
	for (;;)
	{
		Datum		values[5];
		bool		nulls[5] = {false};
		MemoryContext old = MemoryContextSwitchTo(rowcxt);

		if (!fast_reader_next(&reader, &e, &keylen))
		{
			MemoryContextSwitchTo(old);
			break;
		}
		values[0] = rfm_entry_key_text(&keybuf, reader.text_keys, &e);
		values[1] = DateADTGetDatum(e.first_purchase);
		values[2] = DateADTGetDatum(e.last_purchase);
		nulls[1] = nulls[2] = (e.frequency == 0);
		values[3] = Int64GetDatum(e.frequency);
		values[4] = NumericGetDatum(rfm_entry_monetary(&e, &numbuf));
		tuplestore_putvalues(store, desc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	if (keybuf.data)
		pfree(keybuf.data);
	return (Datum) 0;
}

static inline int128
monetary_scaled(const Scored *s, const FastEntry *e)
{
	int128		v = e->net.scaled;

	for (int32 k = e->net.scale; k < s->money_scale; k++)
		v *= 10;
	return v;
}

/* The display scale of the first customer holding each value (values ascending). */
static void
find_money_dscales(void *arg, const int128 *values, int count, int32 *dscales)
{
	const Scored *s = (const Scored *) arg;
	bool		found[2 * RFM_MAX_BINS] = {false};
	int			left = count;

	for (int i = 0; i < s->n && left > 0; i++)
	{
		int128		v = monetary_scaled(s, &s->entries[i]);
		int			lo = 0,
					hi = count;

		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (values[mid] < v)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* equal values (repeated order statistics) share the first holder's scale */
		if (lo < count && values[lo] == v && !found[lo])
			for (int k = lo; k < count && values[k] == v; k++)
			{
				found[k] = true;
				dscales[k] = s->entries[i].net.scale;
				left--;
			}
	}
	if (left > 0)
		elog(ERROR, "rfm: selected monetary value not found");
}

static void
check_count(uint64 count)
{
	if (count > (uint64) (MaxAllocHugeSize / sizeof(FastEntry)) || count > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm: too many customers to score at once (%llu)", (unsigned long long) count)));
}

/* From a serialized state value. */
static void
load_states(Scored *s, bytea *states)
{
	FastReader	reader;
	FastEntry	e;
	uint32		keylen;
	uint64		cap;

	fast_reader_init(&reader, states, true);
	cap = Max(reader.count, 1);
	check_count(cap);
	s->text_keys = reader.text_keys;
	s->entries = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(FastEntry) * cap);
	s->n = 0;
	while (fast_reader_next(&reader, &e, &keylen))
	{
		if (e.frequency == 0)
			continue;			/* no purchase: not scored (as the tier query) */
		s->entries[s->n++] = e; /* the reader holds it to its count */
	}
}

/* From a table (its slots are compacted in place: it is no longer a hash table). */
static void
load_table(Scored *s, FastTable *table)
{
	FastEntry  *slots = table->slots;
	uint64		n = 0;

	fast_table_flush(table);
	check_count(table->count);
	for (uint64 i = 0; i < table->capacity; i++)
	{
		if (!slots[i].used || slots[i].frequency == 0)
			continue;			/* no purchase: not scored (as the tier query) */
		if (n != i)
			slots[n] = slots[i];
		n++;
	}
	s->text_keys = table->text_keys;
	s->entries = slots;
	s->n = (int) n;
}

/* money_scale, and whether monetary can be scored as scaled integers. */
static void
prepare_money(Scored *s)
{
	s->money_scale = 0;
	s->money_fast = true;
	for (int i = 0; i < s->n; i++)
	{
		if (s->entries[i].net.big)
		{
			s->money_fast = false;
			return;
		}
		s->money_scale = Max(s->money_scale, s->entries[i].net.scale);
	}
	for (int i = 0; i < s->n && s->money_fast; i++)
	{
		int128		v = s->entries[i].net.scaled;

		for (int32 k = s->entries[i].net.scale; k < s->money_scale; k++)
			if (__builtin_mul_overflow(v, 10, &v))
			{
				s->money_fast = false;
				break;
			}
	}
}

void
rfm_score_limits(Scored *s, int32 bins, DateADT as_of, ScoreLimits *l)
{
	int128	   *work;

	rfm_check_bins(bins, CALLER);
	rfm_check_finite_as_of(as_of, CALLER);
	l->bins = bins;
	l->as_of = as_of;
	l->m_slow = NULL;
	prepare_money(s);
	work = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int128) * s->n);
	/*
	 * recency as rfm.recency_days: as_of - last_purchase (date_mi), an error
	 * for a purchase after as_of (stored states keep every order folded in;
	 * the order scans leave such orders out)
	 */
	for (int i = 0; i < s->n; i++)
	{
		if (s->entries[i].last_purchase > as_of)
			rfm_check_purchase_not_after(s->entries[i].last_purchase, as_of);
		work[i] = (int32) (as_of - s->entries[i].last_purchase);
	}
	fast_score_limits(work, s->n, 0, bins, NULL, NULL, l->r);
	for (int i = 0; i < s->n; i++)
		work[i] = s->entries[i].frequency;
	fast_score_limits(work, s->n, 0, bins, NULL, NULL, l->f);
	if (s->money_fast)
	{
		for (int i = 0; i < s->n; i++)
			work[i] = monetary_scaled(s, &s->entries[i]);
		fast_score_limits(work, s->n, s->money_scale, bins, find_money_dscales, s, l->m);
	}
	pfree(work);
	if (!s->money_fast)
	{
		Numeric    *values = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Numeric) * s->n);

		l->m_slow = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * s->n);
		for (int i = 0; i < s->n; i++)
			values[i] = net_numeric(&s->entries[i]);
		fast_score_numerics(values, s->n, bins, true, l->m_slow);
		pfree(values);
	}
}

void
rfm_customer_scores_of(const Scored *s, const ScoreLimits *l, int i, int32 *scores)
{
	const FastEntry *e = &s->entries[i];

	scores[0] = fast_score_bin((int32) (l->as_of - e->last_purchase), l->r, l->bins, false);
	scores[1] = fast_score_bin(e->frequency, l->f, l->bins, true);
	scores[2] = l->m_slow ? l->m_slow[i] : fast_score_bin(monetary_scaled(s, e), l->m, l->bins, true);
}

/*
 * Scores the loaded customers (s NULL: none) into the function's result
 * set; caller names the SQL function in errors.
 */
static void
score_rows(FunctionCallInfo fcinfo, Scored *s, int32 bins, DateADT as_of, const char *caller)
{
	TupleDesc	desc;
	Tuplestorestate *store;
	ScoreLimits limits;
	MemoryContext rowcxt;
	KeyBuf		keybuf = {NULL, 0, CurrentMemoryContext};
	NumericBuf	numbuf;

	rfm_check_bins(bins, caller);
	rfm_check_finite_as_of(as_of, caller);
	store = rfm_begin_rows(fcinfo, &desc, work_mem);
	if (s == NULL || s->n == 0)
		return;					/* no purchases at all */
	rfm_score_limits(s, bins, as_of, &limits);

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "rfm scored rows", ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < s->n; i++)
	{
		Datum		values[9];
		bool		nulls[9] = {false};
		FastEntry  *e = &s->entries[i];
		int32		scores[3];
		MemoryContext old = MemoryContextSwitchTo(rowcxt);

		CHECK_FOR_INTERRUPTS();
		rfm_customer_scores_of(s, &limits, i, scores);
		values[0] = rfm_entry_key_text(&keybuf, s->text_keys, e);
		values[1] = DateADTGetDatum(e->first_purchase);
		values[2] = DateADTGetDatum(e->last_purchase);
		values[3] = Int32GetDatum((int32) (as_of - e->last_purchase));
		values[4] = Int64GetDatum(e->frequency);
		values[5] = NumericGetDatum(rfm_entry_monetary(e, &numbuf));
		values[6] = Int32GetDatum(scores[0]);
		values[7] = Int32GetDatum(scores[1]);
		values[8] = Int32GetDatum(scores[2]);
		tuplestore_putvalues(store, desc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	if (keybuf.data)
		pfree(keybuf.data);
}

Datum
rfm_customer_states_score(PG_FUNCTION_ARGS)
{
	Scored		s;
	bytea	   *states = PG_GETARG_BYTEA_PP(0);

	/* a value from outside (rfm's own aggregates keep each customer once) */
	fast_check_unique_keys(states);
	load_states(&s, states);
	score_rows(fcinfo, &s, PG_GETARG_INT32(1), PG_GETARG_DATEADT(2), "rfm._customer_states_score");
	return (Datum) 0;
}

/*
 * The one bytea the last SPI query returned (the states aggregate), copied
 * into the caller's context before SPI_finish frees it; NULL for no orders.
 */
static bytea *
spi_states_copy(MemoryContext caller)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	MemoryContext old;
	bytea	   *states;

	if (isnull)
		return NULL;
	old = MemoryContextSwitchTo(caller);
	states = DatumGetByteaPCopy(value);
	MemoryContextSwitchTo(old);
	return states;
}

/* From the states aggregate's value (NULL: no orders), in cxt. */
static void
load_states_in(Scored *s, bytea *states, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	s->n = 0;
	s->text_keys = false;
	s->entries = NULL;
	if (states != NULL)
		load_states(s, states);
	MemoryContextSwitchTo(old);
}

/*
 * Runs the aggregate query that rfm._customer_states_query builds
 * (identifiers quoted there; nothing here executes caller text), or reads
 * the table directly.
 */
void
rfm_load_order_customers(Datum source, Datum customer_column, Datum time_column,
						 Datum amount_column, DateADT as_of, const char *caller,
						 MemoryContext cxt, Scored *s)
{
	Oid			argtypes[6] = {REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, DATEOID, TEXTOID};
	Datum		args[6] = {source, customer_column, time_column, amount_column, DateADTGetDatum(as_of),
		CStringGetTextDatum(caller)};
	char		argnulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	FastTable  *table;
	instr_time	t0,
				t1;
	char	   *query;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm.customer_scores: SPI_connect failed");
	/* builds the SQL path's query: also checks the columns and their types */
	if (SPI_execute_with_args("SELECT rfm._customer_states_query($1, $2, $3, $4, $5, NULL, NULL, $6)",
							  6, argtypes, args, argnulls, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "rfm.customer_scores: could not build the query");
	INSTR_TIME_SET_CURRENT(t0);
	if (direct_scan_enabled() &&
		fast_scan_orders(DatumGetObjectId(source), TextDatumGetCString(customer_column),
						 TextDatumGetCString(time_column), TextDatumGetCString(amount_column),
						 as_of, caller, cxt, &table))
	{
		MemoryContext old;

		SPI_finish();
		INSTR_TIME_SET_CURRENT(t1);
		INSTR_TIME_SUBTRACT(t1, t0);
		elog(DEBUG1, "rfm.customer_scores: direct scan of table %s", get_rel_name(DatumGetObjectId(source)));
		elog(DEBUG2, "rfm.customer_scores: order pass %.3f s", INSTR_TIME_GET_DOUBLE(t1));
		old = MemoryContextSwitchTo(cxt);
		load_table(s, table);
		MemoryContextSwitchTo(old);
		return;
	}
	elog(DEBUG1, "rfm.customer_scores: SQL path");
	query = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	/* read only, so the planner may run it in parallel workers */
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "rfm.customer_scores: the state query returned no row");
	{
		bytea	   *states = spi_states_copy(cxt);

		SPI_finish();
		load_states_in(s, states, cxt);
	}
}

/*
 * rfm.customer_scores(source, customer_column, time_column, amount_column,
 * bins, as_of): scores straight into the result set (no second copy of the
 * rows).
 */
static Datum
rfm_customer_scores_here(FunctionCallInfo fcinfo)
{
	int32		bins;
	DateADT		as_of;
	Scored		s;
	instr_time	t1,
				t2;

	for (int i = 0; i < 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rfm.customer_scores: source and column names must not be NULL")));
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm.customer_scores: bins must not be NULL")));
	bins = PG_GETARG_INT32(4);
	rfm_check_bins(bins, CALLER);
	as_of = PG_ARGISNULL(5) ? GetSQLCurrentDate() : PG_GETARG_DATEADT(5);
	rfm_check_finite_as_of(as_of, CALLER);	/* before any row is read */

	rfm_load_order_customers(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), PG_GETARG_DATUM(2),
							 PG_GETARG_DATUM(3), as_of, CALLER, CurrentMemoryContext, &s);
	INSTR_TIME_SET_CURRENT(t1);
	score_rows(fcinfo, &s, bins, as_of, CALLER);
	INSTR_TIME_SET_CURRENT(t2);
	INSTR_TIME_SUBTRACT(t2, t1);
	elog(DEBUG2, "rfm.customer_scores: scoring and rows %.3f s", INSTR_TIME_GET_DOUBLE(t2));
	return (Datum) 0;
}

/* rfm.customer_scores: with search_path = pg_catalog, pg_temp for its SQL (src/safe_path.c) */
Datum
rfm_customer_scores(PG_FUNCTION_ARGS)
{
	return rfm_call_in_safe_path(rfm_customer_scores_here, fcinfo, NULL);
}

/*
 * rfm._customer_state_scores_check raises the argument errors; rows are
 * read directly (fast_scan_states) or, where that is not allowed, through
 * rfm._customer_states_pack.  s->n = 0: no rows.
 *
 * The state tables' row-level security is read with row_security on: a
 * restore (pg_dump writes SET row_security = off) refreshes an incremental
 * tier table as its owner, and with it off a non-superuser owner's read of
 * rfm's own catalog failed ("query would be affected by row-level security
 * policy") and the tier table stayed empty.  On, the policy shows the owner
 * its own states, as at any other refresh.
 */
static void load_state_customers(Datum state_name, int32 bins, MemoryContext cxt, Scored *s, bool *stored);

/*
 * The default as_of of a state's scores and an incremental tier table's
 * refresh day: its orders fall on their days in the state's zone, so
 * "today" is that zone's too (CURRENT_DATE in a session behind it came
 * before the day of orders just placed).
 */
DateADT
rfm_state_today(Datum state_name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {state_name};
	DateADT		day;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm: SPI_connect failed");
	/* the SQL function falls back to CURRENT_DATE itself: one rule */
	if (SPI_execute_with_args("SELECT rfm._customer_state_today($1)", 1, argtypes, args, NULL, true, 1)
		!= SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "rfm: could not read the state's day");
	day = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		elog(ERROR, "rfm: could not read the state's day");
	SPI_finish();
	return day;
}

void
rfm_load_state_customers(Datum state_name, int32 bins, MemoryContext cxt, Scored *s, bool *stored)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("row_security", "on", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	load_state_customers(state_name, bins, cxt, s, stored);
	AtEOXact_GUC(true, nestlevel);
}

static void
load_state_customers(Datum state_name, int32 bins, MemoryContext cxt, Scored *s, bool *stored)
{
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2] = {state_name, Int32GetDatum(bins)};
	Oid			relid;
	uint64		rows;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm.customer_state_scores: SPI_connect failed");
	/* unknown state, bad bins: the errors the SQL version raised */
	if (SPI_execute_with_args("SELECT rfm._customer_state_scores_check($1, $2)",
							  2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "rfm.customer_state_scores: could not check the arguments");
	relid = get_relname_relid("customer_states", get_namespace_oid("rfm", false));
	if (!OidIsValid(relid))
		elog(ERROR, "rfm.customer_state_scores: rfm.customer_states is missing");

	if (direct_scan_enabled() &&
		fast_scan_states(relid, DatumGetTextPP(state_name), cxt, &s->entries, &s->n, &rows))
	{
		SPI_finish();
		elog(DEBUG1, "rfm.customer_state_scores: direct scan of table customer_states");
		s->text_keys = true;
		*stored = rows > 0;
		return;
	}
	elog(DEBUG1, "rfm.customer_state_scores: SQL path");
	if (SPI_execute_with_args("SELECT rfm._customer_states_pack(c.customer, c.first_purchase, "
							  "c.last_purchase, c.frequency, c.monetary) "
							  "FROM rfm.customer_states c WHERE c.state_name = $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "rfm.customer_state_scores: the state query returned no row");
	{
		bytea	   *states = spi_states_copy(cxt);

		SPI_finish();
		*stored = states != NULL;
		load_states_in(s, states, cxt);
	}
}

/*
 * rfm.customer_state_scores(name, bins, as_of): the stored states of one
 * state, scored straight into the result set.
 */
static Datum
rfm_customer_state_scores_here(FunctionCallInfo fcinfo)
{
	Scored		s;
	DateADT		as_of;
	bool		stored;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		/* the check function raises the NULL errors */
		Oid			argtypes[2] = {TEXTOID, INT4OID};
		Datum		args[2] = {PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0),
		PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1)};
		char		argnulls[2] = {PG_ARGISNULL(0) ? 'n' : ' ', PG_ARGISNULL(1) ? 'n' : ' '};

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "rfm.customer_state_scores: SPI_connect failed");
		SPI_execute_with_args("SELECT rfm._customer_state_scores_check($1, $2)",
							  2, argtypes, args, argnulls, true, 1);
		elog(ERROR, "rfm.customer_state_scores: name and bins must not be NULL");
	}
	as_of = PG_ARGISNULL(2) ? rfm_state_today(PG_GETARG_DATUM(0)) : PG_GETARG_DATEADT(2);
	rfm_load_state_customers(PG_GETARG_DATUM(0), PG_GETARG_INT32(1), CurrentMemoryContext, &s, &stored);
	if (!stored)
	{
		/* no stored rows: no rows, no checks (as before) */
		TupleDesc	desc;

		rfm_begin_rows(fcinfo, &desc, work_mem);
		return (Datum) 0;
	}
	score_rows(fcinfo, &s, PG_GETARG_INT32(1), as_of, "rfm.customer_state_scores");
	return (Datum) 0;
}

/* rfm.customer_state_scores: with search_path = pg_catalog, pg_temp for its SQL (src/safe_path.c) */
Datum
rfm_customer_state_scores(PG_FUNCTION_ARGS)
{
	return rfm_call_in_safe_path(rfm_customer_state_scores_here, fcinfo, NULL);
}

/* A live column declared NOT NULL (PostgreSQL's own get_attnotnull is 17+). */
static bool
column_not_null(Oid relid, AttrNumber attnum)
{
	HeapTuple	tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	bool		result = false;

	if (HeapTupleIsValid(tuple))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tuple);

		result = att->attnotnull && !att->attisdropped;
		ReleaseSysCache(tuple);
	}
	return result;
}

/*
 * rfm._customer_states_direct(source, customer_column, time_column,
 * amount_column, watermark_column) -> (states bytea, watermark text): every
 * order of a new or rebuilt customer state read straight from the table
 * (rfm.customer_scores' direct scan, no as_of cut-off), and max(watermark)
 * under the same snapshot, so the two agree as the SQL path's one query
 * makes them agree.  NULL when the SQL path must run: the direct scan
 * cannot read the table (rfm.direct_scan off, a view, RLS, ...), or the
 * watermark column may hold NULLs (those rows are never folded in, and
 * the direct scan does not read that column).
 */
PG_FUNCTION_INFO_V1(rfm_customer_states_direct);

Datum
rfm_customer_states_direct(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *watermark_column = TextDatumGetCString(PG_GETARG_DATUM(4));
	AttrNumber	watermark_att = get_attnum(relid, watermark_column);
	TupleDesc	desc;
	FastTable  *table;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	char	   *query;
	SPIPlanPtr	plan;
	bool		isnull;
	Datum		watermark;
	MemoryContext caller = CurrentMemoryContext;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rfm._customer_states_direct: return type must be a row type");
	if (!direct_scan_enabled() || watermark_att <= 0 || !column_not_null(relid, watermark_att) ||
		!fast_scan_orders(relid, TextDatumGetCString(PG_GETARG_DATUM(1)),
						  TextDatumGetCString(PG_GETARG_DATUM(2)), TextDatumGetCString(PG_GETARG_DATUM(3)),
						  DATEVAL_NOEND, TextDatumGetCString(PG_GETARG_DATUM(5)), CurrentMemoryContext, &table))
		PG_RETURN_NULL();
	elog(DEBUG1, "rfm._customer_states_direct: direct scan of table %s", get_rel_name(relid));

	/* the table has no inheritance children here (else no direct scan) */
	query = psprintf("SELECT pg_catalog.max(src.%s)::pg_catalog.text FROM ONLY %s src",
					 quote_identifier(watermark_column),
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm._customer_states_direct: SPI_connect failed");
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL ||
		SPI_execute_snapshot(plan, NULL, NULL, GetActiveSnapshot(), InvalidSnapshot, true, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "rfm._customer_states_direct: could not read the largest watermark");
	watermark = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	nulls[1] = isnull;
	if (!isnull)
	{
		MemoryContext spi = MemoryContextSwitchTo(caller);

		values[1] = PointerGetDatum(DatumGetTextPCopy(watermark));	/* outlives SPI_finish */
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	values[0] = PointerGetDatum(fast_table_serialize(table));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
