/*
 * exact_sum.h: an exact running sum of numeric values.
 *
 * Sums stay in a scaled 128-bit integer (value * 10^scale) while they fit,
 * which avoids a palloc per row; on overflow, or for values with absurd
 * scale, the sum moves to a numeric and stays exact.
 */
#ifndef RFM_EXACT_SUM_H
#define RFM_EXACT_SUM_H

#include "compat.h"
#include "lib/stringinfo.h"

/* Largest scale kept in the fast form; 10^38 still fits in an int128. */
#define RFM_MAX_FAST_SCALE	30

typedef struct ExactSum
{
#ifdef HAVE_INT128
	int128		scaled;			/* the sum times 10^scale, while big == NULL */
#endif
	int32		scale;			/* digits after the decimal point */
	Numeric		big;			/* the sum, once it no longer fits in scaled */
} ExactSum;

extern void exact_sum_init(ExactSum *sum);
extern void exact_sum_add(ExactSum *sum, Numeric value, bool negate, MemoryContext cxt);
extern void exact_sum_add_sum(ExactSum *sum, const ExactSum *other, MemoryContext cxt);
extern Numeric exact_sum_get(const ExactSum *sum);
extern void exact_sum_copy(ExactSum *dst, const ExactSum *src, MemoryContext cxt);
extern void exact_sum_send(StringInfo buf, const ExactSum *sum);
extern void exact_sum_recv(StringInfo buf, ExactSum *sum, MemoryContext cxt);

#ifdef HAVE_INT128
/* value * 10^dscale when it fits (false otherwise); and back (exact). */
extern bool numeric_to_scaled(Numeric value, int128 *out, int32 *dscale_out);
extern Numeric scaled_to_numeric(int128 scaled, int32 scale);
#endif

/* -1, 0 or 1 for a finite numeric, without allocating. */
extern int	rfm_numeric_sign(Numeric value);

/* Neither NaN nor an infinity (packed numerics too). */
extern bool rfm_numeric_is_finite(Numeric value);

/* Errors out on NaN and infinities, naming the calling function. */
extern void rfm_check_finite_amount(Numeric value, const char *caller, const char *order);

#endif							/* RFM_EXACT_SUM_H */
