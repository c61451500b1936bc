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
 *   rfm._customer_states_score(bytea, bins, as_of): scored rows.
 */
#include "compat.h"

#include "fast_table.h"
#include "fast_score.h"
#include "breaks.h"
#include "rfm_state.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
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

#define CALLER "rfm.customer_scores"

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

static void
add_order(FastTable *table, int64 ikey, const char *skey, uint32 len, FunctionCallInfo fcinfo)
{
	Numeric		amount = (Numeric) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(3));
	DateADT		day = rfm_check_finite_day(PG_GETARG_DATEADT(2), CALLER);

	rfm_check_finite_amount(amount, CALLER);
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

	if (PG_ARGISNULL(1) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm: a stored customer state has a NULL customer, frequency or monetary"),
				 errhint("Rebuild the state with rfm.customer_state_rebuild.")));
	table = state_or_new(fcinfo, true);
	key = PG_GETARG_TEXT_PP(1);
	memset(&row, 0, sizeof(row));
	row.frequency = PG_GETARG_INT64(4);
	if (row.frequency > 0)
	{
		if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rfm: a stored customer state with purchases has no purchase dates"),
					 errhint("Rebuild the state with rfm.customer_state_rebuild.")));
		row.first_purchase = PG_GETARG_DATEADT(2);
		row.last_purchase = PG_GETARG_DATEADT(3);
	}
	monetary = (Numeric) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(5));
	rfm_check_finite_amount(monetary, "rfm.customer_state_scores");
	exact_sum_init(&row.net);
	exact_sum_add(&row.net, monetary, false, table->cxt);
	fast_entry_merge(fast_table_lookup(table, 0, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)),
					 &row, table->cxt);
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
static Tuplestorestate *
begin_rows(FunctionCallInfo fcinfo, TupleDesc *desc_out)
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
								  false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	MemoryContextSwitchTo(old);
	*desc_out = desc;
	return store;
}

static Datum
customer_text(const FastReader *reader, const FastEntry *e, uint32 keylen)
{
	char		buf[MAXINT8LEN + 1];

	if (reader->text_keys)
		return PointerGetDatum(cstring_to_text_with_len(e->key.skey, keylen));
	pg_lltoa(e->key.ikey, buf);
	return PointerGetDatum(cstring_to_text(buf));
}

static Numeric
net_numeric(const FastEntry *e)
{
	return e->net.big ? e->net.big : scaled_to_numeric(e->net.scaled, e->net.scale);
}

Datum
rfm_customer_states_rows(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store = begin_rows(fcinfo, &desc);
	FastReader	reader;
	FastEntry	e;
	uint32		keylen;
	MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext, "rfm rows",
												 ALLOCSET_DEFAULT_SIZES);

	fast_reader_init(&reader, PG_GETARG_BYTEA_PP(0));
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
		values[0] = customer_text(&reader, &e, keylen);
		values[1] = DateADTGetDatum(e.first_purchase);
		values[2] = DateADTGetDatum(e.last_purchase);
		nulls[1] = nulls[2] = (e.frequency == 0);
		values[3] = Int64GetDatum(e.frequency);
		values[4] = NumericGetDatum(net_numeric(&e));
		tuplestore_putvalues(store, desc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	return (Datum) 0;
}

/* Customers with a purchase, and their R/F/M values as scaled integers. */
typedef struct Scored
{
	FastReader	reader;
	int			n;
	FastEntry  *entries;
	uint32	   *keylens;
	int128	   *recency;
	int128	   *frequency;
	int128	   *monetary;		/* at scale money_scale, when money_fast */
	int32	   *money_dscale;
	int32		money_scale;
	bool		money_fast;
} Scored;

static void
load_customers(Scored *s, bytea *states, DateADT as_of)
{
	FastEntry	e;
	uint32		keylen;
	uint64		cap;

	fast_reader_init(&s->reader, states);
	cap = Max(s->reader.count, 1);
	if (cap > (uint64) (MaxAllocHugeSize / sizeof(FastEntry)) || cap > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm: too many customers to score at once (%llu)", (unsigned long long) cap)));
	s->entries = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(FastEntry) * cap);
	s->keylens = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint32) * cap);
	s->n = 0;
	s->money_scale = 0;
	s->money_fast = true;
	while (fast_reader_next(&s->reader, &e, &keylen))
	{
		if (e.frequency == 0)
			continue;			/* no purchase: not scored (as the tier query) */
		if ((uint64) s->n >= cap)
			elog(ERROR, "rfm: customer state count mismatch");
		s->entries[s->n] = e;
		s->keylens[s->n] = keylen;
		if (e.net.big)
			s->money_fast = false;
		else
			s->money_scale = Max(s->money_scale, e.net.scale);
		s->n++;
	}
	s->recency = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int128) * Max(s->n, 1));
	s->frequency = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int128) * Max(s->n, 1));
	s->monetary = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int128) * Max(s->n, 1));
	s->money_dscale = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(s->n, 1));
	for (int i = 0; i < s->n; i++)
	{
		FastEntry  *x = &s->entries[i];

		/* as rfm.recency_days: as_of - last_purchase (date_mi) */
		s->recency[i] = (int32) (as_of - x->last_purchase);
		s->frequency[i] = x->frequency;
		if (s->money_fast)
		{
			int128		scaled = x->net.scaled;
			int128		factor = 1;

			for (int32 k = x->net.scale; k < s->money_scale; k++)
				factor *= 10;
			if (__builtin_mul_overflow(scaled, factor, &s->monetary[i]))
				s->money_fast = false;
			s->money_dscale[i] = x->net.scale;
		}
	}
}

/* Scores the customers of states into the function's result set. */
static void
score_rows(FunctionCallInfo fcinfo, bytea *states, int32 bins, DateADT as_of)
{
	TupleDesc	desc;
	Tuplestorestate *store;
	Scored		s;
	int32	   *r,
			   *f,
			   *m;
	MemoryContext rowcxt;

	rfm_check_bins(bins, CALLER);
	rfm_check_finite_day(as_of, CALLER);
	store = begin_rows(fcinfo, &desc);
	if (states == NULL)
		return;					/* no orders at all */
	load_customers(&s, states, as_of);
	r = palloc(sizeof(int32) * Max(s.n, 1));
	f = palloc(sizeof(int32) * Max(s.n, 1));
	m = palloc(sizeof(int32) * Max(s.n, 1));
	fast_score_scaled(s.recency, NULL, s.n, 0, bins, false, r);
	fast_score_scaled(s.frequency, NULL, s.n, 0, bins, true, f);
	if (s.money_fast)
		fast_score_scaled(s.monetary, s.money_dscale, s.n, s.money_scale, bins, true, m);
	else
	{
		Numeric    *values = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Numeric) * Max(s.n, 1));

		for (int i = 0; i < s.n; i++)
			values[i] = net_numeric(&s.entries[i]);
		fast_score_numerics(values, s.n, bins, true, m);
	}

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "rfm scored rows", ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < s.n; i++)
	{
		Datum		values[9];
		bool		nulls[9] = {false};
		FastEntry  *e = &s.entries[i];
		MemoryContext old = MemoryContextSwitchTo(rowcxt);

		CHECK_FOR_INTERRUPTS();
		values[0] = customer_text(&s.reader, e, s.keylens[i]);
		values[1] = DateADTGetDatum(e->first_purchase);
		values[2] = DateADTGetDatum(e->last_purchase);
		values[3] = Int32GetDatum((int32) s.recency[i]);
		values[4] = Int64GetDatum(e->frequency);
		values[5] = NumericGetDatum(net_numeric(e));
		values[6] = Int32GetDatum(r[i]);
		values[7] = Int32GetDatum(f[i]);
		values[8] = Int32GetDatum(m[i]);
		tuplestore_putvalues(store, desc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
}

Datum
rfm_customer_states_score(PG_FUNCTION_ARGS)
{
	score_rows(fcinfo, PG_GETARG_BYTEA_PP(0), PG_GETARG_INT32(1), PG_GETARG_DATEADT(2));
	return (Datum) 0;
}

/*
 * rfm.customer_scores(source, customer_column, time_column, amount_column,
 * bins, as_of): runs the aggregate query that rfm._customer_states_query
 * builds (identifiers quoted there; nothing here executes caller text),
 * then scores straight into the result set (no second copy of the rows).
 */
Datum
rfm_customer_scores(PG_FUNCTION_ARGS)
{
	Oid			argtypes[5] = {REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, DATEOID};
	Datum		args[5];
	char		argnulls[5] = {' ', ' ', ' ', ' ', ' '};
	int32		bins;
	DateADT		as_of;
	MemoryContext caller = CurrentMemoryContext;
	bytea	   *states = NULL;
	char	   *query;
	bool		isnull;

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
	rfm_check_finite_day(as_of, CALLER);

	for (int i = 0; i < 4; i++)
		args[i] = PG_GETARG_DATUM(i);
	args[4] = DateADTGetDatum(as_of);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm.customer_scores: SPI_connect failed");
	if (SPI_execute_with_args("SELECT rfm._customer_states_query($1, $2, $3, $4, $5, NULL, NULL, "
							  "'rfm.customer_scores')",
							  5, argtypes, args, argnulls, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "rfm.customer_scores: could not build the query");
	query = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	/* read only, so the planner may run it in parallel workers */
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "rfm.customer_scores: the state query returned no row");
	{
		Datum		value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(caller);

			states = DatumGetByteaPCopy(value);
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();
	score_rows(fcinfo, states, bins, as_of);
	return (Datum) 0;
}
