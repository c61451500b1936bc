/*
 * rfm_state.c: adding orders to a customer's state, merging partial states
 * from parallel workers, and turning a state into an rfm.summary row.
 *
 * Rules (README, "Input rules"): amount > 0 is a purchase, amount < 0 a
 * refund, amount = 0 neither; only purchases move dates, frequency and
 * purchase days.
 */
#include "compat.h"

#include "rfm_state.h"

#include "access/htup_details.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

RfmState *
rfm_state_create(MemoryContext cxt)
{
	RfmState   *state = (RfmState *) MemoryContextAllocZero(cxt, sizeof(RfmState));

	exact_sum_init(&state->purchases);
	exact_sum_init(&state->refunds);
	exact_sum_init(&state->first_day);
	state->capdays = RFM_STATE_INITIAL_DAYS;
	state->days = state->inline_days;
	state->days_sorted = true;
	return state;
}

/* Makes room for capdays days, moving out of the inline buffer if needed. */
static void
resize_days(RfmState *state, int32 capdays, MemoryContext cxt)
{
	if (state->days == state->inline_days)
	{
		DateADT    *days = (DateADT *) MemoryContextAllocHuge(cxt, sizeof(DateADT) * capdays);

		memcpy(days, state->inline_days, sizeof(DateADT) * state->ndays);
		state->days = days;
	}
	else
		/* repalloc keeps the chunk in its own (aggregate) context */
		state->days = (DateADT *) repalloc_huge(state->days, sizeof(DateADT) * capdays);
	state->capdays = capdays;
}

DateADT
rfm_check_finite_day(DateADT day, const char *caller)
{
	if (DATE_NOT_FINITE(day))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: order time must be finite, not infinity", caller),
				 errhint("Filter out rows with infinite dates or timestamps.")));
	return day;
}

static int
compare_days(const void *a, const void *b)
{
	DateADT		x = *(const DateADT *) a;
	DateADT		y = *(const DateADT *) b;

	return (x > y) - (x < y);
}

/* Sorts and deduplicates days[] in place. */
static void
compact_days(RfmState *state)
{
	int32		n = 0;

	if (state->days_sorted)
		return;
	qsort(state->days, state->ndays, sizeof(DateADT), compare_days);
	for (int32 i = 0; i < state->ndays; i++)
		if (n == 0 || state->days[n - 1] != state->days[i])
			state->days[n++] = state->days[i];
	state->ndays = n;
	state->days_sorted = true;
}

static void
push_day(RfmState *state, DateADT day, MemoryContext cxt)
{
	if (state->ndays == state->capdays)
	{
		compact_days(state);
		/* Grow only when deduplication did not free enough room. */
		if (state->ndays * 2 > state->capdays)
			resize_days(state, state->capdays * 2, cxt);
	}
	/* Orders usually come in time order: then the list stays sorted for free. */
	if (state->ndays > 0 && state->days_sorted)
	{
		DateADT		last = state->days[state->ndays - 1];

		if (day == last)
			return;
		if (day < last)
			state->days_sorted = false;
	}
	state->days[state->ndays++] = day;
}

void
rfm_state_add(RfmState *state, DateADT day, Numeric amount, MemoryContext cxt)
{
	int			sign;

	rfm_check_finite_amount(amount, "rfm.summarize");
	sign = rfm_numeric_sign(amount);
	if (sign < 0)
	{
		exact_sum_add(&state->refunds, amount, true, cxt);
		return;
	}
	if (sign == 0)
		return;

	exact_sum_add(&state->purchases, amount, false, cxt);
	if (state->frequency == 0 || day < state->first_purchase)
	{
		state->first_purchase = day;
		if (state->first_day.big)
			pfree(state->first_day.big);
		exact_sum_init(&state->first_day);
		exact_sum_add(&state->first_day, amount, false, cxt);
	}
	else if (day == state->first_purchase)
		exact_sum_add(&state->first_day, amount, false, cxt);
	if (state->frequency == 0 || day > state->last_purchase)
		state->last_purchase = day;
	state->frequency++;
	push_day(state, day, cxt);
}

void
rfm_state_merge(RfmState *into, RfmState *from, MemoryContext cxt)
{
	exact_sum_add_sum(&into->purchases, &from->purchases, cxt);
	exact_sum_add_sum(&into->refunds, &from->refunds, cxt);
	if (from->frequency == 0)
		return;

	if (into->frequency == 0 || from->first_purchase < into->first_purchase)
	{
		if (into->first_day.big)
			pfree(into->first_day.big);
		exact_sum_copy(&into->first_day, &from->first_day, cxt);
		into->first_purchase = from->first_purchase;
	}
	else if (from->first_purchase == into->first_purchase)
		exact_sum_add_sum(&into->first_day, &from->first_day, cxt);
	if (into->frequency == 0 || from->last_purchase > into->last_purchase)
		into->last_purchase = from->last_purchase;
	into->frequency += from->frequency;

	/* Append the other list; it stays sorted only if it lies wholly after ours. */
	if (into->ndays + from->ndays > into->capdays)
	{
		int32		capdays = into->capdays;

		while (into->ndays + from->ndays > capdays)
			capdays *= 2;
		resize_days(into, capdays, cxt);
	}
	if (!(into->days_sorted && from->days_sorted &&
		  (into->ndays == 0 || from->ndays == 0 ||
		   from->days[0] > into->days[into->ndays - 1])))
		into->days_sorted = false;
	memcpy(into->days + into->ndays, from->days, sizeof(DateADT) * from->ndays);
	into->ndays += from->ndays;
}

RfmState *
rfm_state_copy(RfmState *src, MemoryContext cxt)
{
	RfmState   *copy = (RfmState *) MemoryContextAlloc(cxt, sizeof(RfmState));

	*copy = *src;
	exact_sum_copy(&copy->purchases, &src->purchases, cxt);
	exact_sum_copy(&copy->refunds, &src->refunds, cxt);
	exact_sum_copy(&copy->first_day, &src->first_day, cxt);
	if (src->days == src->inline_days)
		copy->days = copy->inline_days;	/* copied with *copy = *src */
	else
	{
		copy->days = (DateADT *) MemoryContextAllocHuge(cxt, sizeof(DateADT) * src->capdays);
		memcpy(copy->days, src->days, sizeof(DateADT) * src->ndays);
	}
	return copy;
}

bytea *
rfm_state_serialize(RfmState *state)
{
	StringInfoData buf;

	compact_days(state);
	pq_begintypsend(&buf);
	pq_sendint64(&buf, state->frequency);
	pq_sendint32(&buf, state->first_purchase);
	pq_sendint32(&buf, state->last_purchase);
	exact_sum_send(&buf, &state->purchases);
	exact_sum_send(&buf, &state->refunds);
	exact_sum_send(&buf, &state->first_day);
	pq_sendint32(&buf, state->ndays);
	for (int32 i = 0; i < state->ndays; i++)
		pq_sendint32(&buf, state->days[i]);
	return pq_endtypsend(&buf);
}

RfmState *
rfm_state_deserialize(bytea *bytes, MemoryContext cxt)
{
	StringInfoData buf;
	RfmState   *state = (RfmState *) MemoryContextAllocZero(cxt, sizeof(RfmState));

	/* Read in place: the bytea is not modified. */
	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;

	state->frequency = pq_getmsgint64(&buf);
	state->first_purchase = pq_getmsgint(&buf, 4);
	state->last_purchase = pq_getmsgint(&buf, 4);
	exact_sum_recv(&buf, &state->purchases, cxt);
	exact_sum_recv(&buf, &state->refunds, cxt);
	exact_sum_recv(&buf, &state->first_day, cxt);
	state->ndays = pq_getmsgint(&buf, 4);
	state->capdays = Max(state->ndays, RFM_STATE_INITIAL_DAYS);
	state->days = state->capdays == RFM_STATE_INITIAL_DAYS ? state->inline_days
		: (DateADT *) MemoryContextAllocHuge(cxt, sizeof(DateADT) * state->capdays);
	for (int32 i = 0; i < state->ndays; i++)
		state->days[i] = pq_getmsgint(&buf, 4);
	state->days_sorted = true;
	pq_getmsgend(&buf);
	return state;
}

static Numeric
numeric_op(PGFunction op, Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(op, NumericGetDatum(a), NumericGetDatum(b)));
}

/* Columns of rfm.summary, in order. */
enum
{
	COL_FIRST_PURCHASE,
	COL_LAST_PURCHASE,
	COL_FREQUENCY,
	COL_PURCHASE_DAYS,
	COL_MONETARY,
	COL_REFUNDS,
	COL_REPEAT_DAYS,
	COL_REPEAT_MONETARY,
	SUMMARY_NATTS
};

HeapTuple
rfm_state_to_summary(RfmState *state, TupleDesc summary_desc)
{
	Datum		values[SUMMARY_NATTS];
	bool		nulls[SUMMARY_NATTS] = {false};
	Numeric		purchases = exact_sum_get(&state->purchases);
	Numeric		refunds = exact_sum_get(&state->refunds);
	int32		repeat_days;
	Numeric		repeat_monetary;

	if (summary_desc->natts != SUMMARY_NATTS)
		elog(ERROR, "rfm.summary has %d columns, expected %d", summary_desc->natts, SUMMARY_NATTS);

	compact_days(state);
	repeat_days = Max(state->ndays - 1, 0);
	if (repeat_days > 0)
	{
		Numeric		repeat_spend = numeric_op(numeric_sub, purchases,
											  exact_sum_get(&state->first_day));

		repeat_monetary = numeric_op(numeric_div, repeat_spend,
									 int64_to_numeric(repeat_days));
		repeat_monetary = DatumGetNumeric(DirectFunctionCall1(numeric_trim_scale,
															  NumericGetDatum(repeat_monetary)));
	}
	else
		repeat_monetary = int64_to_numeric(0);

	nulls[COL_FIRST_PURCHASE] = nulls[COL_LAST_PURCHASE] = (state->frequency == 0);
	values[COL_FIRST_PURCHASE] = DateADTGetDatum(state->first_purchase);
	values[COL_LAST_PURCHASE] = DateADTGetDatum(state->last_purchase);
	values[COL_FREQUENCY] = Int64GetDatum(state->frequency);
	values[COL_PURCHASE_DAYS] = Int32GetDatum(state->ndays);
	values[COL_MONETARY] = NumericGetDatum(numeric_op(numeric_sub, purchases, refunds));
	values[COL_REFUNDS] = NumericGetDatum(refunds);
	values[COL_REPEAT_DAYS] = Int32GetDatum(repeat_days);
	values[COL_REPEAT_MONETARY] = NumericGetDatum(repeat_monetary);
	return heap_form_tuple(summary_desc, values, nulls);
}
