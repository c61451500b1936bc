/*
 * rfm_state.c: adding orders to a customer's state, merging partial states
 * from parallel workers, and turning a state into an rfm.summary row.
 *
 * Rules (README, "Input rules"): amount > 0 is a purchase, amount < 0 a
 * refund, amount = 0 neither; only purchases move dates, frequency and
 * purchase days.
 *
 * Representation (rfm_state.h): one palloc chunk per customer, sized to a
 * power of two (what the allocator hands out anyway).  Sums are scaled
 * int64s until one overflows or needs a scale over 30 or 18 digits more than
 * the other operand; then all three move to ExactSum (int128, then numeric),
 * so every result is exact and has the same display scale as numeric
 * addition would give.  Small day lists are kept sorted by
 * insertion; long ones are appended and sorted when full.
 */
#include "compat.h"

#include "rfm_state.h"
#include "numeric_build.h"
#include "scaled.h"

#include "access/htup_details.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#define STATE_HEADER		offsetof(RfmState, days)
#define STATE_SIZE(capdays)	(STATE_HEADER + (Size) (capdays) * sizeof(DateADT))
/*
 * First chunk: 128 bytes, room for 17 days.  Hash aggregation allocates a
 * group's key tuple and per-group data from this same context just before
 * the first transition call, so a state that never moves sits next to them:
 * fewer cache and TLB misses per row than a 64-byte start that moves away
 * at the second purchase day (measured: about 15% less CPU time on the
 * 10M-order bench, where most customers have 2..17 purchase days).
 */
#define STATE_MIN_BYTES		128
/* Up to here a new day is inserted in order; beyond, appended and sorted later. */
#define SORTED_INSERT_MAX	64
/* Serialized forms: the state as bytes, or portable with ExactSums. */
#define SER_NATIVE			0
#define SER_WIDE			1

/* Days that fit in the smallest power-of-two chunk holding `need` days. */
static int32
capacity_for(int32 need)
{
	Size		bytes = STATE_MIN_BYTES;

	while (STATE_SIZE(need) > bytes)
		bytes *= 2;
	return (int32) ((bytes - STATE_HEADER) / sizeof(DateADT));
}

/* Moves all three sums to ExactSum form, keeping value and scale. */
static void
go_wide(RfmState *state, MemoryContext cxt)
{
	ExactSum   *wide = (ExactSum *) MemoryContextAlloc(cxt, sizeof(ExactSum) * RFM_NSUMS);

	for (int i = 0; i < RFM_NSUMS; i++)
	{
		exact_sum_init(&wide[i]);
#ifdef HAVE_INT128
		wide[i].scaled = state->small[i];
		wide[i].scale = state->scale[i];
#endif
	}
	state->wide = wide;
}

static RfmState *
state_alloc(int32 capdays, MemoryContext cxt)
{
	RfmState   *state = (RfmState *) MemoryContextAllocHuge(cxt, STATE_SIZE(capdays));

	memset(state, 0, STATE_HEADER);
	state->capdays = capdays;
	state->days_sorted = true;
	return state;
}

RfmState *
rfm_state_create(MemoryContext cxt)
{
	RfmState   *state;

	StaticAssertStmt(STATE_HEADER + 16 * sizeof(DateADT) <= STATE_MIN_BYTES,
					 "RfmState header must leave room for 16 days in the first chunk");
	state = state_alloc(capacity_for(1), cxt);
#ifndef HAVE_INT128
	go_wide(state, cxt);		/* no int64 fast form without int128 to read into */
#endif
	return state;
}

/* Room for at least `need` days; the state may move. */
static RfmState *
grow(RfmState *state, int32 need)
{
	int32		capdays = capacity_for(need);

	/* repalloc keeps the chunk in its own (aggregate) context */
	state = (RfmState *) repalloc_huge(state, STATE_SIZE(capdays));
	state->capdays = capdays;
	return state;
}

#ifdef HAVE_INT128

/* Sum i += v * 10^-vscale in int64 form; false (sum unchanged) if it does not fit. */
static bool
small_add(RfmState *state, int i, int128 v, int32 vscale)
{
	int128		sum = state->small[i];
	int32		scale = state->scale[i];

	if (!rfm_scaled_add(&sum, &scale, v, vscale) || sum < PG_INT64_MIN || sum > PG_INT64_MAX ||
		scale > PG_UINT8_MAX)
		return false;
	state->small[i] = (int64) sum;
	state->scale[i] = (uint8) scale;
	return true;
}
#endif

static void
sum_add(RfmState *state, int i, Numeric value, bool negate, MemoryContext cxt)
{
#ifdef HAVE_INT128
	if (state->wide == NULL)
	{
		int128		v;
		int32		dscale;

		if (numeric_to_scaled(value, &v, &dscale) &&
			small_add(state, i, negate ? -v : v, dscale))
			return;
		go_wide(state, cxt);
	}
#endif
	exact_sum_add(&state->wide[i], value, negate, cxt);
}

/* Sum i as an ExactSum: the wide one, or *tmp filled from the int64 form. */
static const ExactSum *
sum_get(const RfmState *state, int i, ExactSum *tmp)
{
	if (state->wide)
		return &state->wide[i];
	exact_sum_init(tmp);
#ifdef HAVE_INT128
	tmp->scaled = state->small[i];
	tmp->scale = state->scale[i];
#endif
	return tmp;
}

/* into's sum i += from's sum i */
static void
sum_add_sum(RfmState *into, const RfmState *from, int i, MemoryContext cxt)
{
	ExactSum	tmp;

#ifdef HAVE_INT128
	if (into->wide == NULL && from->wide == NULL &&
		small_add(into, i, from->small[i], from->scale[i]))
		return;
#endif
	if (into->wide == NULL)
		go_wide(into, cxt);
	exact_sum_add_sum(&into->wide[i], sum_get(from, i, &tmp), cxt);
}

/* Sum i back to 0 with scale 0, as a fresh sum. */
static void
sum_reset(RfmState *state, int i)
{
	state->small[i] = 0;
	state->scale[i] = 0;
	if (state->wide)
	{
		if (state->wide[i].big)
			pfree(state->wide[i].big);
		exact_sum_init(&state->wide[i]);
	}
}

/* into's sum i = from's sum i */
static void
sum_set(RfmState *into, const RfmState *from, int i, MemoryContext cxt)
{
	ExactSum	tmp;

	if (into->wide == NULL && from->wide == NULL)
	{
		into->small[i] = from->small[i];
		into->scale[i] = from->scale[i];
		return;
	}
	if (into->wide == NULL)
		go_wide(into, cxt);
	if (into->wide[i].big)
		pfree(into->wide[i].big);
	exact_sum_copy(&into->wide[i], sum_get(from, i, &tmp), cxt);
}

/* order: whose order, when known (as in rfm_check_finite_amount) */
DateADT
rfm_check_finite_day(DateADT day, const char *caller, const char *order)
{
	if (DATE_NOT_FINITE(day))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: order time must be finite, not %s%s%s%s", caller,
						DATE_IS_NOBEGIN(day) ? "-infinity" : "infinity",
						order ? " (" : "", order ? order : "", order ? ")" : ""),
				 errhint("Filter out rows with infinite dates or timestamps.")));
	return day;
}

/*
 * An as_of given to a function (not an order time): infinite is an error
 * naming as_of, with the message rfm.create_tiers gives.
 */
DateADT
rfm_check_finite_as_of(DateADT as_of, const char *caller)
{
	if (DATE_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: as_of must be a finite date, got %s", caller,
						DATE_IS_NOBEGIN(as_of) ? "-infinity" : "infinity"),
				 errhint("Pass a day, or NULL for today.")));
	return as_of;
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

static RfmState *
push_day(RfmState *state, DateADT day)
{
	if (state->days_sorted && state->ndays < SORTED_INSERT_MAX)
	{
		/* Short sorted list: find the place from the end (orders are often in time order). */
		int32		i = state->ndays;

		while (i > 0 && state->days[i - 1] > day)
			i--;
		if (i > 0 && state->days[i - 1] == day)
			return state;
		if (state->ndays == state->capdays)
			state = grow(state, state->ndays + 1);
		memmove(&state->days[i + 1], &state->days[i], sizeof(DateADT) * (state->ndays - i));
		state->days[i] = day;
		state->ndays++;
		return state;
	}
	if (state->ndays == state->capdays)
	{
		compact_days(state);
		/* Grow only when deduplication did not free enough room. */
		if (state->ndays * 2 > state->capdays)
			state = grow(state, state->capdays * 2);
	}
	/* Long list: appended, still sorted for free while orders come in time order. */
	if (state->ndays > 0 && state->days_sorted)
	{
		DateADT		last = state->days[state->ndays - 1];

		if (day == last)
			return state;
		if (day < last)
			state->days_sorted = false;
	}
	state->days[state->ndays++] = day;
	return state;
}

RfmState *
rfm_state_add(RfmState *state, DateADT day, Numeric amount, const char *caller, MemoryContext cxt)
{
	int			sign;

	/* the day is finite here (summarize.c): the message can name it */
	if (!rfm_numeric_is_finite(amount))
		rfm_check_finite_amount(amount, caller, rfm_order_day_text(day));
	sign = rfm_numeric_sign(amount);
	if (sign < 0)
	{
		sum_add(state, RFM_REFUNDS, amount, true, cxt);
		return state;
	}
	if (sign == 0)
		return state;

	sum_add(state, RFM_PURCHASES, amount, false, cxt);
	if (state->frequency == 0 || day < state->first_purchase)
	{
		state->first_purchase = day;
		sum_reset(state, RFM_FIRST_DAY);
		sum_add(state, RFM_FIRST_DAY, amount, false, cxt);
	}
	else if (day == state->first_purchase)
		sum_add(state, RFM_FIRST_DAY, amount, false, cxt);
	if (state->frequency == 0 || day > state->last_purchase)
		state->last_purchase = day;
	state->frequency++;
	return push_day(state, day);
}

/* Adds from's days to into's; two sorted lists are merged in one pass. */
static RfmState *
merge_days(RfmState *into, const RfmState *from)
{
	int32		total = into->ndays + from->ndays;

	if (total > into->capdays)
		into = grow(into, total);
	if (into->days_sorted && from->days_sorted)
	{
		DateADT    *days = into->days;
		int32		i = into->ndays - 1;
		int32		j = from->ndays - 1;
		int32		k = total - 1;
		int32		n = 0;

		/* from the back, so into's days move at most once */
		while (j >= 0)
		{
			if (i >= 0 && days[i] > from->days[j])
				days[k--] = days[i--];
			else
				days[k--] = from->days[j--];
		}
		for (k = 0; k < total; k++)
			if (n == 0 || days[n - 1] != days[k])
				days[n++] = days[k];
		into->ndays = n;
		return into;
	}
	memcpy(into->days + into->ndays, from->days, sizeof(DateADT) * from->ndays);
	into->ndays = total;
	into->days_sorted = false;
	return into;
}

RfmState *
rfm_state_merge(RfmState *into, RfmState *from, MemoryContext cxt)
{
	sum_add_sum(into, from, RFM_PURCHASES, cxt);
	sum_add_sum(into, from, RFM_REFUNDS, cxt);
	if (from->frequency == 0)
		return into;

	if (into->frequency == 0 || from->first_purchase < into->first_purchase)
	{
		sum_set(into, from, RFM_FIRST_DAY, cxt);
		into->first_purchase = from->first_purchase;
	}
	else if (from->first_purchase == into->first_purchase)
		sum_add_sum(into, from, RFM_FIRST_DAY, cxt);
	if (into->frequency == 0 || from->last_purchase > into->last_purchase)
		into->last_purchase = from->last_purchase;
	into->frequency += from->frequency;
	return merge_days(into, from);
}

RfmState *
rfm_state_copy(RfmState *src, MemoryContext cxt)
{
	RfmState   *copy = state_alloc(src->capdays, cxt);

	memcpy(copy, src, STATE_SIZE(src->ndays));
	if (src->wide)
	{
		copy->wide = (ExactSum *) MemoryContextAlloc(cxt, sizeof(ExactSum) * RFM_NSUMS);
		for (int i = 0; i < RFM_NSUMS; i++)
			exact_sum_copy(&copy->wide[i], &src->wide[i], cxt);
	}
	return copy;
}

/*
 * Serialized states only go from a parallel worker to its leader (same
 * build, same machine), so the common case is the header and days as
 * they are in memory; states with wide sums use the portable form.
 */
bytea *
rfm_state_serialize(RfmState *state)
{
	StringInfoData buf;
	ExactSum	tmp;

	compact_days(state);
	if (state->wide == NULL)
	{
		Size		len = VARHDRSZ + 1 + STATE_SIZE(state->ndays);
		bytea	   *out = (bytea *) palloc(len);

		SET_VARSIZE(out, len);
		*VARDATA(out) = SER_NATIVE;
		memcpy(VARDATA(out) + 1, state, STATE_SIZE(state->ndays));
		return out;
	}
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SER_WIDE);
	pq_sendint64(&buf, state->frequency);
	pq_sendint32(&buf, state->first_purchase);
	pq_sendint32(&buf, state->last_purchase);
	for (int i = 0; i < RFM_NSUMS; i++)
		exact_sum_send(&buf, sum_get(state, i, &tmp));
	pq_sendint32(&buf, state->ndays);
	for (int32 i = 0; i < state->ndays; i++)
		pq_sendint32(&buf, state->days[i]);
	return pq_endtypsend(&buf);
}

RfmState *
rfm_state_deserialize(bytea *bytes, MemoryContext cxt)
{
	const char *data = VARDATA_ANY(bytes);
	Size		len = VARSIZE_ANY_EXHDR(bytes);
	StringInfoData buf;
	RfmState	header;
	RfmState   *state;
	int32		ndays;

	if (len > STATE_HEADER && data[0] == SER_NATIVE)
	{
		memcpy(&header, data + 1, STATE_HEADER);
		if (header.ndays < 0 || header.wide != NULL ||
			len != 1 + STATE_SIZE(header.ndays))
			elog(ERROR, "rfm.summarize: invalid serialized state");
		state = state_alloc(capacity_for(header.ndays), cxt);
		memcpy(state, data + 1, STATE_SIZE(header.ndays));
		state->capdays = capacity_for(header.ndays);
		return state;
	}

	/* Read in place: the bytea is not modified. */
	buf.data = (char *) data;
	buf.len = (int) len;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (pq_getmsgbyte(&buf) != SER_WIDE)
		elog(ERROR, "rfm.summarize: invalid serialized state");
	memset(&header, 0, STATE_HEADER);
	header.frequency = pq_getmsgint64(&buf);
	header.first_purchase = pq_getmsgint(&buf, 4);
	header.last_purchase = pq_getmsgint(&buf, 4);
	header.wide = (ExactSum *) MemoryContextAlloc(cxt, sizeof(ExactSum) * RFM_NSUMS);
	for (int i = 0; i < RFM_NSUMS; i++)
		exact_sum_recv(&buf, &header.wide[i], cxt);
	ndays = pq_getmsgint(&buf, 4);
	if (ndays < 0 || (Size) ndays > (len - buf.cursor) / sizeof(int32))
		elog(ERROR, "rfm.summarize: invalid serialized state");
	state = state_alloc(capacity_for(ndays), cxt);
	header.capdays = state->capdays;
	header.ndays = ndays;
	header.days_sorted = true;
	memcpy(state, &header, STATE_HEADER);
	for (int32 i = 0; i < ndays; i++)
		state->days[i] = pq_getmsgint(&buf, 4);
	pq_getmsgend(&buf);
	return state;
}

static Numeric
numeric_op(PGFunction op, Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(op, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
sum_numeric(const RfmState *state, int i)
{
#ifdef HAVE_INT128
	if (state->wide == NULL)
		return rfm_numeric_from_scaled(state->small[i], state->scale[i]);
#endif
	return exact_sum_get(&state->wide[i]);
}

/* Sum a - sum b, as numeric_sub would give it (a_num: sum a as a numeric; b_num too, or NULL). */
static Numeric
sum_difference(const RfmState *state, int a, int b, Numeric a_num, Numeric b_num)
{
#ifdef HAVE_INT128
	if (state->wide == NULL)
	{
		/* numeric_sub's display scale is the larger of the two */
		int32		scale = Max(state->scale[a], state->scale[b]);

		if (scale - state->scale[a] <= 18 && scale - state->scale[b] <= 18)
			return rfm_numeric_from_scaled((int128) state->small[a] * rfm_pow10_i64[scale - state->scale[a]] -
										   (int128) state->small[b] * rfm_pow10_i64[scale - state->scale[b]],
										   scale);
	}
#endif
	return numeric_op(numeric_sub, a_num, b_num ? b_num : sum_numeric(state, b));
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
	Numeric		purchases = sum_numeric(state, RFM_PURCHASES);
	Numeric		refunds = sum_numeric(state, RFM_REFUNDS);
	int32		repeat_days;
	Numeric		repeat_monetary;

	if (summary_desc->natts != SUMMARY_NATTS)
		elog(ERROR, "rfm.summary has %d columns, expected %d", summary_desc->natts, SUMMARY_NATTS);

	compact_days(state);
	repeat_days = Max(state->ndays - 1, 0);
	if (repeat_days > 0)
	{
		Numeric		repeat_spend = sum_difference(state, RFM_PURCHASES, RFM_FIRST_DAY, purchases, NULL);

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
	values[COL_MONETARY] = NumericGetDatum(sum_difference(state, RFM_PURCHASES, RFM_REFUNDS,
														  purchases, refunds));
	values[COL_REFUNDS] = NumericGetDatum(refunds);
	values[COL_REPEAT_DAYS] = Int32GetDatum(repeat_days);
	values[COL_REPEAT_MONETARY] = NumericGetDatum(repeat_monetary);
	return heap_form_tuple(summary_desc, values, nulls);
}
