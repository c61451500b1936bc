/*
 * exact_sum.c: exact numeric sums without a palloc per added value.
 *
 * The fast path reads the numeric's stored digits directly
 * (numeric_layout.h).
 */
#include "compat.h"

#include "exact_sum.h"
#include "scaled.h"
#include "numeric_build.h"
#include "numeric_layout.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#define NBASE_DIGITS		4		/* decimal digits per numeric digit */

/* Neither NaN nor an infinity; works on packed (short varlena) numerics. */
bool
rfm_numeric_is_finite(Numeric value)
{
	uint16		header;

	memcpy(&header, VARDATA_ANY(value), sizeof(uint16));
	return (header & NUM_SIGN_MASK) != NUM_SPECIAL;
}

/*
 * Works on packed (short varlena) numerics, unlike numeric_is_nan().  order,
 * when the caller knows it, says whose order it was ("customer 42, order on
 * 2024-01-05"): the message is all a scheduled refresh's log keeps.
 */
void
rfm_check_finite_amount(Numeric value, const char *caller, const char *order)
{
	uint16		header;

	if (rfm_numeric_is_finite(value))
		return;
	/* special: the header tells NaN from an infinity */
	memcpy(&header, VARDATA_ANY(value), sizeof(uint16));
	if ((header & NUM_SPECIAL_MASK) == NUM_NAN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: amount must not be NaN%s%s%s", caller,
						order ? " (" : "", order ? order : "", order ? ")" : ""),
				 errhint("Filter the row out, or replace it with a real amount.")));
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: amount must be finite%s%s%s", caller,
						order ? " (" : "", order ? order : "", order ? ")" : ""),
				 errhint("Filter the row out, or replace it with a real amount.")));
}

int
rfm_numeric_sign(Numeric value)
{
	const char *data = VARDATA_ANY(value);
	uint16		header;

	memcpy(&header, data, sizeof(uint16));
	if ((header & NUM_SIGN_MASK) == NUM_SPECIAL)
		return 0;				/* callers reject NaN and infinities first */
	/* zero has no digits: its size is just the header */
	if (VARSIZE_ANY_EXHDR(value) <= (Size) (((header & NUM_SIGN_MASK) == NUM_SHORT) ? 2 : 4))
		return 0;
	if ((header & NUM_SIGN_MASK) == NUM_SHORT)
		return (header & NUM_SHORT_SIGN) ? -1 : 1;
	return ((header & NUM_SIGN_MASK) == NUM_NEG) ? -1 : 1;
}

void
exact_sum_init(ExactSum *sum)
{
#ifdef HAVE_INT128
	sum->scaled = 0;
#endif
	sum->scale = 0;
	sum->big = NULL;
}

#ifdef HAVE_INT128


/*
 * Reads a finite numeric as value * 10^dscale.  Returns false when it does
 * not fit the fast form; the caller then uses numeric arithmetic.
 */
bool
numeric_to_scaled(Numeric value, int128 *out, int32 *dscale_out)
{
	NumericParts parts;
	int			weight;
	int			dscale;
	int			ndigits;
	int128		acc = 0;
	int			frac_digits;

	rfm_numeric_parts(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), &parts);
	if (parts.special)
		return false;
	weight = parts.weight;
	dscale = parts.dscale;
	if (dscale > RFM_MAX_FAST_SCALE)
		return false;
	ndigits = parts.ndigits;
	if (ndigits == 0)
	{
		*out = 0;
		*dscale_out = dscale;
		return true;
	}
	if (ndigits > 9)
		return false;
	for (int i = 0; i < ndigits; i++)
		acc = acc * 10000 + rfm_numeric_digit(parts.digits, i);
	/* acc holds value * 10^frac_digits */
	frac_digits = NBASE_DIGITS * (ndigits - 1 - weight);
	if (frac_digits > dscale)
	{
		/* (a weight far below the digits: no form numeric.c writes) */
		if (frac_digits - dscale > 38)
			return false;
		/* exact: those digits are 0; 64-bit division when it fits (much cheaper) */
		if (acc <= PG_INT64_MAX && frac_digits - dscale <= 18)
			acc = (int64) acc / (int64) rfm_pow10_i128(frac_digits - dscale);
		else
			acc /= rfm_pow10_i128(frac_digits - dscale);
	}
	else if (dscale - frac_digits >= 39 ||
			 __builtin_mul_overflow(acc, rfm_pow10_i128(dscale - frac_digits), &acc))
		return false;
	*out = parts.negative ? -acc : acc;
	*dscale_out = dscale;
	return true;
}

Numeric
scaled_to_numeric(int128 scaled, int32 scale)
{
	return rfm_numeric_from_scaled(scaled, scale);
}

/* Adds v * 10^-scale to the fast form; false (sum unchanged) on overflow. */
static bool
add_scaled(ExactSum *sum, int128 v, int32 scale)
{
	return rfm_scaled_add(&sum->scaled, &sum->scale, v, scale);
}
#endif							/* HAVE_INT128 */

static void
set_big(ExactSum *sum, Numeric value, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Numeric		copy = (Numeric) palloc(VARSIZE(value));

	memcpy(copy, value, VARSIZE(value));
	MemoryContextSwitchTo(old);
	if (sum->big)
		pfree(sum->big);
	sum->big = copy;
}

/*
 * The temporary numerics below are freed at once: the caller's context
 * lives as long as a whole scan or merge, and a sum in numeric form took
 * one more copy of itself there per order (a million customers of
 * 100,000-digit sums held gigabytes past rfm.max_memory).
 */

/* Moves the sum to numeric form, where every later addition goes. */
static void
go_big(ExactSum *sum, MemoryContext cxt)
{
	Numeric		value;

	if (sum->big)
		return;
#ifdef HAVE_INT128
	value = scaled_to_numeric(sum->scaled, sum->scale);
#else
	value = int64_to_numeric(0);
#endif
	set_big(sum, value, cxt);
	pfree(value);
}

static void
big_add(ExactSum *sum, Numeric value, MemoryContext cxt)
{
	Numeric		total;

	go_big(sum, cxt);
	total = DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(sum->big),
												NumericGetDatum(value)));
	set_big(sum, total, cxt);
	pfree(total);
}

void
exact_sum_add(ExactSum *sum, Numeric value, bool negate, MemoryContext cxt)
{
#ifdef HAVE_INT128
	if (!sum->big)
	{
		int128		v;
		int32		dscale;

		if (numeric_to_scaled(value, &v, &dscale) &&
			add_scaled(sum, negate ? -v : v, dscale))
			return;
	}
#endif
	{
		/* numeric.c's own functions want the unpacked form */
		Numeric		unpacked = (Numeric) PG_DETOAST_DATUM(PointerGetDatum(value));
		Numeric		addend = unpacked;

		if (negate)
			addend = DatumGetNumeric(DirectFunctionCall1(numeric_uminus, NumericGetDatum(unpacked)));
		big_add(sum, addend, cxt);
		if (addend != unpacked)
			pfree(addend);
		if (unpacked != value)
			pfree(unpacked);
	}
}

void
exact_sum_add_sum(ExactSum *sum, const ExactSum *other, MemoryContext cxt)
{
#ifdef HAVE_INT128
	if (!sum->big && !other->big && add_scaled(sum, other->scaled, other->scale))
		return;
#endif
	{
		Numeric		value = exact_sum_get(other);

		big_add(sum, value, cxt);
		if (value != other->big)
			pfree(value);
	}
}

Numeric
exact_sum_get(const ExactSum *sum)
{
	if (sum->big)
		return sum->big;
#ifdef HAVE_INT128
	return scaled_to_numeric(sum->scaled, sum->scale);
#else
	return int64_to_numeric(0);
#endif
}

void
exact_sum_copy(ExactSum *dst, const ExactSum *src, MemoryContext cxt)
{
	*dst = *src;
	dst->big = NULL;
	if (src->big)
		set_big(dst, src->big, cxt);
}

void
exact_sum_send(StringInfo buf, const ExactSum *sum)
{
	if (sum->big)
	{
		char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out,
															   NumericGetDatum(sum->big)));

		pq_sendbyte(buf, 1);
		pq_sendstring(buf, text);
		return;
	}
	pq_sendbyte(buf, 0);
#ifdef HAVE_INT128
	pq_sendint64(buf, (int64) (sum->scaled >> 64));
	pq_sendint64(buf, (int64) (uint64) sum->scaled);
#endif
	pq_sendint32(buf, sum->scale);
}

void
exact_sum_recv(StringInfo buf, ExactSum *sum, MemoryContext cxt)
{
	exact_sum_init(sum);
	if (pq_getmsgbyte(buf) == 1)
	{
		const char *text = pq_getmsgstring(buf);

		set_big(sum, DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
														 ObjectIdGetDatum(InvalidOid),
														 Int32GetDatum(-1))),
				cxt);
		return;
	}
#ifdef HAVE_INT128
	{
		int64		hi = pq_getmsgint64(buf);
		uint64		lo = (uint64) pq_getmsgint64(buf);

		sum->scaled = (int128) (((uint128) (uint64) hi << 64) | lo);
	}
#endif
	sum->scale = pq_getmsgint(buf, 4);
}
