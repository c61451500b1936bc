/*
 * breaks.c: the rfm.breaks aggregate (exact quantile cut points) and
 * rfm.score (bin of a value), both tie-consistent.  Definition in breaks.h.
 *
 * The aggregate keeps every non-NULL value (quantiles need them all), packed
 * one after another in a single buffer, which is also its serialized form.
 */
#include "compat.h"

#include "breaks.h"

#include <limits.h>

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(rfm_breaks_trans);
PG_FUNCTION_INFO_V1(rfm_breaks_combine);
PG_FUNCTION_INFO_V1(rfm_breaks_serialize);
PG_FUNCTION_INFO_V1(rfm_breaks_deserialize);
PG_FUNCTION_INFO_V1(rfm_breaks_final);
PG_FUNCTION_INFO_V1(rfm_score);

typedef struct BreaksState
{
	int32		bins;			/* 0 until the first row sets it */
	int64		count;			/* values in buf */
	StringInfoData buf;			/* the values' varlena images, each MAXALIGNed */
} BreaksState;

void
rfm_check_bins(int32 bins, const char *caller)
{
	if (bins < RFM_MIN_BINS || bins > RFM_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: bins must be between %d and %d, got %d",
						caller, RFM_MIN_BINS, RFM_MAX_BINS, bins)));
}

static int
compare_numerics(const void *a, const void *b)
{
	static uint32 calls = 0;

	/* sorting tens of millions of values takes a while: let a cancel in */
	if ((++calls & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
											 NumericGetDatum(*(const Numeric *) a),
											 NumericGetDatum(*(const Numeric *) b)));
}

void
rfm_sort_numerics(Numeric *values, int n)
{
	qsort(values, n, sizeof(Numeric), compare_numerics);
}

static Numeric
num_op(PGFunction op, Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(op, NumericGetDatum(a), NumericGetDatum(b)));
}

/*
 * x / bins, exact whenever the quotient has a finite decimal form.
 * numeric_div keeps only about 16 significant digits (or the operands'
 * scale), which rounded 12345678901234567891 / 2 to a whole number.  bins
 * is at most 100, so a terminating x / bins needs at most 6 more decimals
 * than x (1/64 = 0.015625): x's scale is raised by 7 first, and numeric_div
 * keeps at least its operands' scale.  A quotient that does not terminate
 * (a third) keeps numeric's division precision, or more.
 */
#define RFM_MAX_CUT_SCALE	1000	/* numeric.c's NUMERIC_MAX_DISPLAY_SCALE */

static Numeric
divide_by_bins(Numeric x, int32 bins)
{
	int32		scale = DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(x)));
	Numeric		wide;

	/*
	 * numeric_div keeps at most 1000 decimals (NUMERIC_MAX_DISPLAY_SCALE):
	 * past that a cut point would be rounded, even above the next value.
	 */
	if (scale + 7 > RFM_MAX_CUT_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm: cut points of values with more than %d decimal places are not supported",
						RFM_MAX_CUT_SCALE - 7),
				 errhint("Round the values first (round(value, 100), say).")));
	wide = DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(x),
														   Int32GetDatum(scale + 7)));

	return num_op(numeric_div, wide, int64_to_numeric(bins));
}

static Numeric
trimmed(Numeric x)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_trim_scale, NumericGetDatum(x)));
}

/*
 * Equal values may differ in display scale (1.0, 1.00), and which of them
 * the sort puts at a given place depends on the rows' order: the values
 * are taken without trailing zeros, so that the division's precision, and
 * the cut's display, depend on the multiset of values only.
 */
void
rfm_cut_points(Numeric *sorted, int n, int32 bins, Numeric *cuts)
{
	for (int32 j = 1; j < bins; j++)
	{
		/* h = (n-1)*j/bins = lo + rem/bins, in exact integers */
		int64		scaled = (int64) (n - 1) * j;
		int64		lo = scaled / bins;
		int64		rem = scaled % bins;
		Numeric		cut = trimmed(sorted[lo]);

		/*
		 * Equal neighbours: the cut is their value.  (Their zero difference
		 * keeps their scale, and at more than 993 decimals the division
		 * would refuse it: 54000 for values that need no rounding.)
		 */
		if (rem != 0 &&
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(sorted[lo + 1]),
											  NumericGetDatum(sorted[lo]))) != 0)
		{
			Numeric		step = num_op(numeric_sub, trimmed(sorted[lo + 1]), cut);

			step = num_op(numeric_mul, step, int64_to_numeric(rem));
			step = divide_by_bins(step, bins);
			cut = trimmed(num_op(numeric_add, cut, step));
		}
		cuts[j - 1] = cut;
	}
}

int32
rfm_bin_of(Numeric value, Numeric *cuts, int ncuts)
{
	/* binary search: number of cuts < value (cuts are non-decreasing) */
	int			lo = 0;
	int			hi = ncuts;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (compare_numerics(&cuts[mid], &value) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 1;
}

static void
check_finite(Numeric value, const char *caller)
{
	if (numeric_is_nan(value) || rfm_numeric_is_inf(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: values must be finite numbers, not NaN or infinity", caller)));
}

static BreaksState *
new_state(MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	BreaksState *state = palloc0(sizeof(BreaksState));

	initStringInfo(&state->buf);
	MemoryContextSwitchTo(old);
	return state;
}

/*
 * The values of one state, as a parallel worker sends them (one bytea,
 * rfm_breaks_serialize, in a tuple: 64 bytes spare for its header), stay
 * below 1 GB: past it PostgreSQL's own "invalid memory alloc request
 * size" or "out of memory" came, unnamed.
 */
#define BREAKS_MAX_BYTES (MaxAllocSize - 64 - VARHDRSZ - sizeof(int32) - sizeof(int64) - 1)

static void
reserve(BreaksState *state, Size more)
{
	if ((Size) state->buf.len + more > BREAKS_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm.breaks: the values need more than 1 GB (%lld values so far)",
						(long long) state->count),
				 errdetail("rfm.breaks keeps every value in memory, at most 1 GB for one group (about 16 bytes per value like 123.45, more for long values)."),
				 errhint("Round the values (numeric(12,2)), or compute cut points per group with GROUP BY, or over a sample.")));
}

static void
append_value(BreaksState *state, Numeric value)
{
	Size		len = VARSIZE(value);
	static const char zeros[MAXIMUM_ALIGNOF] = {0};

	reserve(state, MAXALIGN(len));
	appendBinaryStringInfo(&state->buf, (const char *) value, len);
	if (MAXALIGN(len) != len)
		appendBinaryStringInfo(&state->buf, zeros, MAXALIGN(len) - len);
	state->count++;
}

Datum
rfm_breaks_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MemoryContext old;
	BreaksState *state;
	int32		bins = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ? PG_GETARG_INT32(2) : 5;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "rfm_breaks_trans called in non-aggregate context");
	if (PG_NARGS() > 2 && PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm.breaks: bins must not be NULL")));
	state = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	if (state == NULL)
	{
		rfm_check_bins(bins, "rfm.breaks");
		state = new_state(cxt);
		state->bins = bins;
	}
	else if (state->bins != bins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm.breaks: bins must be the same for every row (%d, then %d)",
						state->bins, bins)));
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);	/* NULL values are skipped */

	{
		/* unpacked in the per-row context: the state keeps its own copy */
		Numeric		value = PG_GETARG_NUMERIC(1);

		check_finite(value, "rfm.breaks");
		old = MemoryContextSwitchTo(cxt);
		append_value(state, value);
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_POINTER(state);
}

Datum
rfm_breaks_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MemoryContext old;
	BreaksState *into = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	BreaksState *from = PG_ARGISNULL(1) ? NULL : (BreaksState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "rfm_breaks_combine called in non-aggregate context");
	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	if (into == NULL)
	{
		into = new_state(cxt);
		into->bins = from->bins;
	}
	else if (into->bins != from->bins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm.breaks: bins must be the same for every row (%d, then %d)",
						into->bins, from->bins)));
	reserve(into, from->buf.len);
	old = MemoryContextSwitchTo(cxt);
	appendBinaryStringInfo(&into->buf, from->buf.data, from->buf.len);
	into->count += from->count;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(into);
}

Datum
rfm_breaks_serialize(PG_FUNCTION_ARGS)
{
	BreaksState *state = (BreaksState *) PG_GETARG_POINTER(0);
	Size		size = VARHDRSZ + sizeof(int32) + sizeof(int64) + state->buf.len;
	bytea	   *out = (bytea *) palloc(size);
	char	   *p = VARDATA(out);

	SET_VARSIZE(out, size);
	memcpy(p, &state->bins, sizeof(int32));
	memcpy(p + sizeof(int32), &state->count, sizeof(int64));
	memcpy(p + sizeof(int32) + sizeof(int64), state->buf.data, state->buf.len);
	PG_RETURN_BYTEA_P(out);
}

Datum
rfm_breaks_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	bytea	   *in = PG_GETARG_BYTEA_P(0);
	const char *p = VARDATA(in);
	Size		len = VARSIZE(in) - VARHDRSZ - sizeof(int32) - sizeof(int64);
	BreaksState *state;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "rfm_breaks_deserialize called in non-aggregate context");
	state = new_state(cxt);
	memcpy(&state->bins, p, sizeof(int32));
	memcpy(&state->count, p + sizeof(int32), sizeof(int64));
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		appendBinaryStringInfo(&state->buf, p + sizeof(int32) + sizeof(int64), len);
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_POINTER(state);
}

Datum
rfm_breaks_final(PG_FUNCTION_ARGS)
{
	BreaksState *state = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	Numeric    *values;
	Numeric    *cuts;
	Datum	   *elems;
	int64		n = 0;
	int			off = 0;

	/* Empty input, or only NULL values: no distribution, NULL breaks. */
	if (state == NULL || state->count == 0)
		PG_RETURN_NULL();
	if (state->count > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm.breaks: too many values (%lld)", (long long) state->count)));

	values = palloc(sizeof(Numeric) * state->count);
	while (off < state->buf.len)
	{
		Numeric		v = (Numeric) (state->buf.data + off);

		values[n++] = v;
		off += MAXALIGN(VARSIZE(v));
	}
	Assert(n == state->count);
	rfm_sort_numerics(values, (int) n);
	cuts = palloc(sizeof(Numeric) * (state->bins - 1));
	rfm_cut_points(values, (int) n, state->bins, cuts);

	elems = palloc(sizeof(Datum) * (state->bins - 1));
	for (int i = 0; i < state->bins - 1; i++)
		elems[i] = NumericGetDatum(cuts[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, state->bins - 1, NUMERICOID, -1, false, TYPALIGN_INT));
}

/*
 * rfm.score(value, breaks, higher_is_better): the bin of value among the
 * cut points, 1..ncuts+1; reversed when lower values are better (recency).
 */
Datum
rfm_score(PG_FUNCTION_ARGS)
{
	Numeric		value;
	ArrayType  *breaks;
	bool		higher_is_better;
	Datum	   *elems;
	bool	   *nulls;
	int			ncuts;
	Numeric    *cuts;
	int32		bin;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm.score: higher_is_better must not be NULL")));
	value = PG_GETARG_NUMERIC(0);
	breaks = PG_GETARG_ARRAYTYPE_P(1);
	higher_is_better = PG_GETARG_BOOL(2);
	check_finite(value, "rfm.score");

	if (ARR_NDIM(breaks) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm.score: breaks must be a one-dimensional array")));
	deconstruct_array(breaks, NUMERICOID, -1, false, TYPALIGN_INT, &elems, &nulls, &ncuts);
	/* scores stay 1..100, the range of rfm.breaks, segment rules and rfm.tier */
	if (ncuts + 1 > RFM_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm.score: breaks may hold at most %d cut points (%d bins), got %d",
						RFM_MAX_BINS - 1, RFM_MAX_BINS, ncuts),
				 errhint("Scores run from 1 to %d, as those of rfm.breaks and the segment rules.",
						 RFM_MAX_BINS)));
	cuts = palloc(sizeof(Numeric) * Max(ncuts, 1));
	for (int i = 0; i < ncuts; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rfm.score: breaks must not contain NULL")));
		cuts[i] = DatumGetNumeric(elems[i]);	/* detoasts: may be packed */
		check_finite(cuts[i], "rfm.score");
		if (i > 0 && compare_numerics(&cuts[i - 1], &cuts[i]) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rfm.score: breaks must be in ascending order"),
					 errhint("Pass the result of rfm.breaks, or sort your thresholds.")));
	}
	bin = rfm_bin_of(value, cuts, ncuts);
	PG_RETURN_INT32(higher_is_better ? bin : ncuts + 2 - bin);
}
