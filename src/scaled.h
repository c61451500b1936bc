/*
 * scaled.h: exact decimals as scaled integers (value * 10^scale), the fast
 * form of every sum in rfm: one table of powers of ten and one addition,
 * shared by exact_sum.c, fast_table.c, rfm_state.c, fast_scan.c and
 * fast_score.c.
 */
#ifndef RFM_SCALED_H
#define RFM_SCALED_H

#include "compat.h"

/* 10^e for 0 <= e <= 18 */
static const int64 rfm_pow10_i64[19] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000), INT64CONST(10000),
	INT64CONST(100000), INT64CONST(1000000), INT64CONST(10000000), INT64CONST(100000000),
	INT64CONST(1000000000), INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000), INT64CONST(100000000000000),
	INT64CONST(1000000000000000), INT64CONST(10000000000000000),
	INT64CONST(100000000000000000), INT64CONST(1000000000000000000)
};

#ifdef HAVE_INT128

/* 10^e for 0 <= e <= 38 (10^38 < 2^127) */
static inline int128
rfm_pow10_i128(int e)
{
	Assert(e >= 0 && e <= 38);
	if (e <= 18)
		return rfm_pow10_i64[e];
	if (e <= 36)
		return (int128) rfm_pow10_i64[18] * rfm_pow10_i64[e - 18];
	return (int128) rfm_pow10_i64[18] * rfm_pow10_i64[18] * rfm_pow10_i64[e - 36];
}

/*
 * *sum (at *scale) += v * 10^-vscale, exactly, at the larger of the two
 * scales (as numeric_add gives its display scale); false, with *sum and
 * *scale unchanged, when the result does not fit 128 bits.
 */
static inline bool
rfm_scaled_add(int128 *sum, int32 *scale, int128 v, int32 vscale)
{
	int128		cur = *sum;
	int128		result;

	if (vscale > *scale)
	{
		if (vscale - *scale > 38 ||
			__builtin_mul_overflow(cur, rfm_pow10_i128(vscale - *scale), &cur))
			return false;
	}
	else if (vscale < *scale &&
			 (*scale - vscale > 38 ||
			  __builtin_mul_overflow(v, rfm_pow10_i128(*scale - vscale), &v)))
		return false;
	if (__builtin_add_overflow(cur, v, &result))
		return false;
	*sum = result;
	if (vscale > *scale)
		*scale = vscale;
	return true;
}

#endif							/* HAVE_INT128 */

#endif							/* RFM_SCALED_H */
