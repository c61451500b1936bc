/*
 * numeric_layout.h: the stored form of a numeric, read without unpacking
 * it (numeric.c keeps NumericData private).  It is PostgreSQL's on-disk
 * format, stable for pg_upgrade since 9.1: after the varlena header a
 * uint16 header word; a "short" numeric packs sign, display scale and
 * weight into it, a "long" one is followed by an int16 weight; then
 * base-10000 digits, most significant first.  Packed (short varlena)
 * values work too: callers pass VARDATA_ANY / VARSIZE_ANY_EXHDR.
 * Used by exact_sum.c (sums), fast_scan.c (amounts) and customer_key.c
 * (canonical key text).
 */
#ifndef RFM_NUMERIC_LAYOUT_H
#define RFM_NUMERIC_LAYOUT_H

#include "c.h"

#define NUM_SIGN_MASK			0xC000
#define NUM_NEG					0x4000
#define NUM_SHORT				0x8000
#define NUM_SPECIAL				0xC000	/* NaN or an infinity */
#define NUM_SPECIAL_MASK		0xF000
#define NUM_NAN					0xC000
#define NUM_PINF				0xD000
#define NUM_SHORT_SIGN			0x2000
#define NUM_SHORT_DSCALE_MASK	0x1F80
#define NUM_SHORT_DSCALE_SHIFT	7
#define NUM_SHORT_WEIGHT_SIGN	0x0040
#define NUM_SHORT_WEIGHT_MASK	0x003F
#define NUM_LONG_DSCALE_MASK	0x3FFF

/* A numeric's parts; for NaN and the infinities only header and special. */
typedef struct NumericParts
{
	uint16		header;
	bool		special;		/* NaN or an infinity: nothing else is set */
	bool		negative;
	int			weight;			/* of the first digit, in base-10000 places */
	int			dscale;			/* display scale */
	const char *digits;			/* int16 digits, possibly unaligned */
	int			ndigits;
} NumericParts;

static inline void
rfm_numeric_parts(const char *data, Size size, NumericParts *p)
{
	Size		header_len;

	memcpy(&p->header, data, sizeof(uint16));
	p->special = (p->header & NUM_SIGN_MASK) == NUM_SPECIAL;
	if (p->special)
		return;
	if ((p->header & NUM_SIGN_MASK) == NUM_SHORT)
	{
		p->negative = (p->header & NUM_SHORT_SIGN) != 0;
		p->dscale = (p->header & NUM_SHORT_DSCALE_MASK) >> NUM_SHORT_DSCALE_SHIFT;
		p->weight = (p->header & NUM_SHORT_WEIGHT_SIGN)
			? (int) (~NUM_SHORT_WEIGHT_MASK | (p->header & NUM_SHORT_WEIGHT_MASK))
			: (int) (p->header & NUM_SHORT_WEIGHT_MASK);
		header_len = sizeof(uint16);
	}
	else
	{
		int16		w;

		p->negative = (p->header & NUM_SIGN_MASK) == NUM_NEG;
		p->dscale = p->header & NUM_LONG_DSCALE_MASK;
		memcpy(&w, data + sizeof(uint16), sizeof(int16));
		p->weight = w;
		header_len = sizeof(uint16) + sizeof(int16);
	}
	p->digits = data + header_len;
	p->ndigits = (int) ((size - header_len) / sizeof(int16));
}

/* Digit i (0: the most significant) of digits. */
static inline int
rfm_numeric_digit(const char *digits, int i)
{
	int16		d;

	memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
	return d;
}

/*
 * Whether size bytes at data are a finite numeric that numeric.c may be
 * given, in the form it writes: a whole header, whole digits, each
 * 0..9999, no leading or trailing zero digit, no digit beyond the display
 * scale, zero as +0 of weight 0.  For values that came from outside (a
 * customer state value passed in SQL): a weight far below the digits'
 * scale made rfm's fast sums read past their table of powers of ten, and
 * digits past the scale summed unlike numeric.c.
 */
static inline bool
rfm_numeric_valid_finite(const char *data, Size size)
{
	NumericParts p;
	uint16		header;

	if (size < sizeof(uint16))
		return false;
	memcpy(&header, data, sizeof(uint16));
	if ((header & NUM_SIGN_MASK) != NUM_SHORT && size < 2 * sizeof(uint16))
		return false;			/* a long header without its weight */
	rfm_numeric_parts(data, size, &p);
	if (p.special || (data + size - p.digits) % sizeof(int16) != 0)
		return false;
	for (int i = 0; i < p.ndigits; i++)
	{
		int			d = rfm_numeric_digit(p.digits, i);

		if (d < 0 || d >= 10000)
			return false;
	}
	if (p.ndigits == 0)
		return !p.negative && p.weight == 0;
	if (rfm_numeric_digit(p.digits, 0) == 0 || rfm_numeric_digit(p.digits, p.ndigits - 1) == 0)
		return false;
	{
		/* decimal places the last digit reaches, beyond the display scale */
		int			past = 4 * (p.ndigits - 1 - p.weight) - p.dscale;
		int			last = rfm_numeric_digit(p.digits, p.ndigits - 1);

		if (past > 3)
			return false;
		for (; past > 0; past--, last /= 10)
			if (last % 10 != 0)
				return false;
	}
	return true;
}

#endif							/* RFM_NUMERIC_LAYOUT_H */
