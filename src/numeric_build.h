/*
 * numeric_build.h: a numeric straight from a scaled 128-bit integer.
 *
 * Same result, byte for byte, as numeric_in() of the decimal text, without
 * printing and parsing it: rfm.summarize's final function makes three or
 * four numerics per customer.
 */
#ifndef RFM_NUMERIC_BUILD_H
#define RFM_NUMERIC_BUILD_H

#include "compat.h"

#ifdef HAVE_INT128
/* Bytes a built numeric takes at most: an int128 is at most 12 base-10000 digits. */
#define RFM_NUMERIC_BUILD_MAX (VARHDRSZ + 2 * sizeof(uint16) + 12 * sizeof(int16))

/* scaled * 10^-scale, with display scale `scale` (0..NUMERIC_MAX_DISPLAY_SCALE), palloc'd. */
extern Numeric rfm_numeric_from_scaled(int128 scaled, int32 scale);

/* The same, written into buf (RFM_NUMERIC_BUILD_MAX bytes, int-aligned): no palloc. */
extern Numeric rfm_numeric_write_scaled(int128 scaled, int32 scale, char *buf);
#endif

#endif							/* RFM_NUMERIC_BUILD_H */
