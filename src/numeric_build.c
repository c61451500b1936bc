/*
 * numeric_build.c: writes numeric's stored format (see exact_sum.c for the
 * layout, stable since 9.1) the way numeric.c's make_result() does: no
 * leading or trailing zero base-10000 digits, zero as positive with weight
 * 0, the 2-byte "short" header whenever display scale and weight allow it.
 */
#include "compat.h"

#include "numeric_build.h"

#ifdef HAVE_INT128

#define NBASE				10000
#define NBASE_DIGITS		4
#define HDR_NEG				0x4000
#define HDR_SHORT			0x8000
#define SHORT_SIGN_MASK		0x2000
#define SHORT_DSCALE_SHIFT	7
#define SHORT_DSCALE_MAX	63
#define SHORT_WEIGHT_SIGN	0x0040
#define SHORT_WEIGHT_MASK	0x003F
#define SHORT_WEIGHT_MIN	(-64)
#define SHORT_WEIGHT_MAX	63
#define LONG_DSCALE_MASK	0x3FFF

/* An int128 has at most 39 decimal digits: 10 base-10000 digits, +1 for the shift. */
#define MAX_DIGITS			12

/* Base-10000 digits of mag, least significant first; returns how many. */
static int
to_base10000(uint128 mag, int16 *digits)
{
	int			n = 0;
	uint64		small;

	/* Only the top of a huge value needs 128-bit division. */
	while (mag > (uint128) PG_UINT64_MAX)
	{
		uint128		q = mag / NBASE;

		digits[n++] = (int16) (mag - q * NBASE);
		mag = q;
	}
	small = (uint64) mag;
	while (small > 0)
	{
		digits[n++] = (int16) (small % NBASE);
		small /= NBASE;
	}
	return n;
}

Numeric
rfm_numeric_from_scaled(int128 scaled, int32 scale)
{
	union
	{
		int32		align;
		char		data[RFM_NUMERIC_BUILD_MAX];
	}			tmp;
	Numeric		built = rfm_numeric_write_scaled(scaled, scale, tmp.data);
	Numeric		result = (Numeric) palloc(VARSIZE(built));

	memcpy(result, built, VARSIZE(built));
	return result;
}

Numeric
rfm_numeric_write_scaled(int128 scaled, int32 scale, char *buf)
{
	static const int pow10[NBASE_DIGITS] = {1, 10, 100, 1000};
	int16		digits[MAX_DIGITS];	/* least significant first */
	bool		negative = scaled < 0;
	uint128		mag = negative ? -(uint128) scaled : (uint128) scaled;
	int			pad = (NBASE_DIGITS - scale % NBASE_DIGITS) % NBASE_DIGITS;
	int			n;
	int			low = 0;
	int			weight;
	Size		len;
	Numeric		result;
	int16	   *out;

	Assert(scale >= 0 && scale <= LONG_DSCALE_MASK);
	n = to_base10000(mag, digits);
	/* Multiply by 10^pad so that the decimal point falls between digits. */
	if (pad > 0 && n > 0)
	{
		int32		carry = 0;

		for (int i = 0; i < n; i++)
		{
			int32		t = (int32) digits[i] * pow10[pad] + carry;

			digits[i] = (int16) (t % NBASE);
			carry = t / NBASE;
		}
		if (carry > 0)
			digits[n++] = (int16) carry;
	}
	/* The value is digits / NBASE^((scale + pad) / 4). */
	weight = n - 1 - (scale + pad) / NBASE_DIGITS;
	/* Trailing zeros (the low end here) are not stored. */
	while (low < n && digits[low] == 0)
		low++;
	if (low == n)
	{
		n = low = 0;
		weight = 0;
		negative = false;
	}

	if (scale <= SHORT_DSCALE_MAX && weight >= SHORT_WEIGHT_MIN && weight <= SHORT_WEIGHT_MAX)
	{
		uint16		header = HDR_SHORT | (negative ? SHORT_SIGN_MASK : 0) |
			(uint16) (scale << SHORT_DSCALE_SHIFT) |
			(weight < 0 ? SHORT_WEIGHT_SIGN : 0) | (uint16) (weight & SHORT_WEIGHT_MASK);

		len = VARHDRSZ + sizeof(uint16) + (n - low) * sizeof(int16);
		result = (Numeric) buf;
		memcpy(VARDATA(result), &header, sizeof(uint16));
		out = (int16 *) (VARDATA(result) + sizeof(uint16));
	}
	else
	{
		uint16		header = (negative ? HDR_NEG : 0) | (uint16) (scale & LONG_DSCALE_MASK);
		int16		w = (int16) weight;

		len = VARHDRSZ + 2 * sizeof(uint16) + (n - low) * sizeof(int16);
		result = (Numeric) buf;
		memcpy(VARDATA(result), &header, sizeof(uint16));
		memcpy(VARDATA(result) + sizeof(uint16), &w, sizeof(int16));
		out = (int16 *) (VARDATA(result) + 2 * sizeof(uint16));
	}
	SET_VARSIZE(result, len);
	/* Stored most significant first. */
	for (int i = n - 1; i >= low; i--)
		*out++ = digits[i];
	return result;
}

#endif							/* HAVE_INT128 */
