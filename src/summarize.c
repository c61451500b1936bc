/*
 * summarize.c: the rfm.summarize(ordered_at, amount) aggregate.
 *
 * Internal state (RfmState), parallel safe through combine, serialize and
 * deserialize.  The rules live in rfm_state.c; this file is the glue.
 */
#include "compat.h"

#include "rfm_state.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(rfm_summarize_trans_date);
PG_FUNCTION_INFO_V1(rfm_summarize_trans_timestamptz);
PG_FUNCTION_INFO_V1(rfm_tier_summarize_trans_date);
PG_FUNCTION_INFO_V1(rfm_tier_summarize_trans_timestamptz);
PG_FUNCTION_INFO_V1(rfm_summarize_combine);
PG_FUNCTION_INFO_V1(rfm_summarize_serialize);
PG_FUNCTION_INFO_V1(rfm_summarize_deserialize);
PG_FUNCTION_INFO_V1(rfm_summarize_final);

static MemoryContext
aggregate_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return cxt;
}

/*
 * Shared by the transition functions once the order day is known; caller
 * names the function in the errors of a bad order.
 */
static Datum
summarize_add(FunctionCallInfo fcinfo, DateADT day, const char *caller)
{
	MemoryContext cxt = aggregate_context(fcinfo, "rfm.summarize");
	RfmState   *state = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	Numeric		amount;

	if (state == NULL)
		state = rfm_state_create(cxt);
	/* Packed form: no copy of the (usually short) amount per row. */
	amount = (Numeric) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(2));
	/* The state may move when it grows. */
	PG_RETURN_POINTER(rfm_state_add(state, rfm_check_finite_day(day, caller, NULL), amount, caller, cxt));
}

/*
 * The transition step of a (date, amount) or (timestamptz, amount) row:
 * rows with a NULL time or amount are skipped (README, "Input rules"); a
 * timestamptz counts as its calendar day in the session's TimeZone, as
 * timestamptz::date.
 */
static Datum
summarize_row(FunctionCallInfo fcinfo, bool timestamptz, const char *caller)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (timestamptz)
		return summarize_add(fcinfo, DatumGetDateADT(DirectFunctionCall1(timestamptz_date, PG_GETARG_DATUM(1))),
							 caller);
	return summarize_add(fcinfo, PG_GETARG_DATEADT(1), caller);
}

Datum
rfm_summarize_trans_date(PG_FUNCTION_ARGS)
{
	return summarize_row(fcinfo, false, "rfm.summarize");
}

Datum
rfm_summarize_trans_timestamptz(PG_FUNCTION_ARGS)
{
	return summarize_row(fcinfo, true, "rfm.summarize");
}

/*
 * rfm._tier_summarize(day, amount): rfm.summarize for a tier table's
 * grouped path, whose errors say "rfm:" as the fast path's do (the user
 * built or refreshed a tier table, and did not call rfm.summarize).
 */
Datum
rfm_tier_summarize_trans_date(PG_FUNCTION_ARGS)
{
	return summarize_row(fcinfo, false, "rfm");
}

Datum
rfm_tier_summarize_trans_timestamptz(PG_FUNCTION_ARGS)
{
	return summarize_row(fcinfo, true, "rfm");
}

Datum
rfm_summarize_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "rfm.summarize combine");
	RfmState   *into = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	RfmState   *from = PG_ARGISNULL(1) ? NULL : (RfmState *) PG_GETARG_POINTER(1);

	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	if (into == NULL)
		PG_RETURN_POINTER(rfm_state_copy(from, cxt));
	PG_RETURN_POINTER(rfm_state_merge(into, from, cxt));
}

Datum
rfm_summarize_serialize(PG_FUNCTION_ARGS)
{
	aggregate_context(fcinfo, "rfm.summarize serialize");
	PG_RETURN_BYTEA_P(rfm_state_serialize((RfmState *) PG_GETARG_POINTER(0)));
}

Datum
rfm_summarize_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "rfm.summarize deserialize");

	PG_RETURN_POINTER(rfm_state_deserialize(PG_GETARG_BYTEA_PP(0), cxt));
}

Datum
rfm_summarize_final(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;

	/* No row with both a time and an amount: the result is NULL. */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();

	/* The blessed descriptor is cached for the other groups. */
	desc = (TupleDesc) fcinfo->flinfo->fn_extra;
	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "rfm.summarize must return the composite type rfm.summary");
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		fcinfo->flinfo->fn_extra = desc;
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(rfm_state_to_summary((RfmState *) PG_GETARG_POINTER(0), desc)));
}
