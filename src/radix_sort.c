/*
 * radix_sort.c: see radix_sort.h.  Least significant byte first, one
 * counting pass per byte; a byte that is the same in every item (the high
 * bytes of integer keys, say) is skipped, so a million integer customers
 * below 2^24 take three passes.
 */
#include "radix_sort.h"

#include "utils/memutils.h"

void
rfm_radix_sort(RfmSortItem *items, int64 n)
{
	uint64		(*counts)[256];
	RfmSortItem *spare;
	RfmSortItem *from = items;
	RfmSortItem *to;

	if (n < 2)
		return;
	counts = palloc0(sizeof(uint64) * 8 * 256);
	for (int64 i = 0; i < n; i++)
	{
		uint64		p = items[i].prefix;

		for (int b = 0; b < 8; b++)
			counts[b][(p >> (8 * b)) & 0xFF]++;
	}
	spare = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(RfmSortItem) * n);
	to = spare;
	for (int b = 0; b < 8; b++)
	{
		uint64	   *count = counts[b];
		uint64		sum = 0;

		if (count[(from[0].prefix >> (8 * b)) & 0xFF] == (uint64) n)
			continue;			/* every item has this byte: already in order */
		for (int k = 0; k < 256; k++)
		{
			uint64		c = count[k];

			count[k] = sum;		/* now: where this byte's items start */
			sum += c;
		}
		for (int64 i = 0; i < n; i++)
			to[count[(from[i].prefix >> (8 * b)) & 0xFF]++] = from[i];
		from = to;
		to = (from == items) ? spare : items;
	}
	if (from != items)
		memcpy(items, from, sizeof(RfmSortItem) * n);
	pfree(spare);
	pfree(counts);
}
