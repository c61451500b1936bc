/*
 * radix_sort.h: sorting a million (prefix, index) pairs by their 64-bit
 * prefix in a few linear passes, where qsort with a comparison callback
 * took a quarter of a second (tier rows in key order, tier_rows.c).
 */
#ifndef RFM_RADIX_SORT_H
#define RFM_RADIX_SORT_H

#include "postgres.h"

typedef struct RfmSortItem
{
	uint64		prefix;			/* orders the items; equal prefixes keep their order */
	int32		index;
} RfmSortItem;

/*
 * Sorts items[0..n) by prefix, stably, in the current memory context
 * (a second array of n items while it runs).
 */
extern void rfm_radix_sort(RfmSortItem *items, int64 n);

#endif							/* RFM_RADIX_SORT_H */
