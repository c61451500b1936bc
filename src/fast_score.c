/*
 * fast_score.c: scores by selection instead of sorting.
 *
 * rfm.breaks' cut point j reads only the sorted values at positions
 * lo = (n-1)*j/bins and lo+1 (breaks.h).  We find those few order
 * statistics with quickselect on exact scaled integers, hand them to the
 * shared rfm_cut_points (so the interpolation is the one rfm.breaks uses),
 * and turn each cut c into the integer floor(c * 10^scale): for an integer
 * V = value * 10^scale, value > c exactly when V > floor(c * 10^scale).
 * The score is then 1 + the number of cuts below the value, as rfm_bin_of.
 */
#include "compat.h"

#include "fast_score.h"
#include "breaks.h"
#include "exact_sum.h"
#include "scaled.h"

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

static inline void
swap128(int128 *a, int128 *b)
{
	int128		t = *a;

	*a = *b;
	*b = t;
}

/* Puts the k-th smallest of a[lo..hi] at a[k], smaller ones before it. */
static void
quickselect(int128 *a, int lo, int hi, int k)
{
	while (hi > lo)
	{
		int			mid = lo + (hi - lo) / 2;
		int128		pivot;
		int			i,
					j;

		/* median of three as pivot */
		if (a[mid] < a[lo])
			swap128(&a[mid], &a[lo]);
		if (a[hi] < a[lo])
			swap128(&a[hi], &a[lo]);
		if (a[hi] < a[mid])
			swap128(&a[hi], &a[mid]);
		pivot = a[mid];
		i = lo;
		j = hi;
		while (i <= j)
		{
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j)
			{
				swap128(&a[i], &a[j]);
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}


/* floor(c * 10^scale) for a finite numeric c whose result fits (c lies among the values). */
static int128
floor_scaled(Numeric c, int32 scale)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(c)));
	bool		negative = (*s == '-');
	int128		acc = 0;
	bool		rest_nonzero = false;
	int32		frac = 0;
	bool		in_frac = false;

	for (char *p = s + (negative ? 1 : 0); *p; p++)
	{
		if (*p == '.')
		{
			in_frac = true;
			continue;
		}
		if (in_frac && frac >= scale)
		{
			if (*p != '0')
				rest_nonzero = true;
			continue;
		}
		acc = acc * 10 + (*p - '0');
		if (in_frac)
			frac++;
	}
	acc *= rfm_pow10_i128(scale - frac);
	if (negative)
		acc = rest_nonzero ? -acc - 1 : -acc;
	pfree(s);
	return acc;
}

/*
 * Cut limits of one score: work[0..n-1] holds every customer's value times
 * 10^scale (reordered on return).  find_dscales, when not NULL, gives the
 * display scale rfm.breaks would see for each of the few values it is
 * asked about (values[] ascending; the first customer holding the value).
 * limits[0..bins-2] as in the file comment: score = fast_score_bin(...).
 */
void
fast_score_limits(int128 *work, int n, int32 scale, int32 bins,
				  void (*find_dscales) (void *arg, const int128 *values, int count, int32 *dscales),
				  void *arg, int128 *limits)
{
	Numeric    *sparse;
	Numeric    *cuts;
	int			ncuts = bins - 1;
	int			done = 0;		/* positions below this are in place */
	int			positions[2 * RFM_MAX_BINS];
	int128		needed[2 * RFM_MAX_BINS];
	int32		dscales[2 * RFM_MAX_BINS];
	int			count = 0;

	Assert(n > 0 && bins <= RFM_MAX_BINS);
	/* rfm_cut_points reads only the positions filled below: not zeroed */
	sparse = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Numeric) * n);
	cuts = palloc(sizeof(Numeric) * ncuts);

	/* the order statistics rfm_cut_points reads, in ascending positions */
	for (int32 j = 1; j < bins; j++)
	{
		int64		h = (int64) (n - 1) * j;
		int			lo = (int) (h / bins);
		int			last = (h % bins != 0) ? lo + 1 : lo;

		for (int p = lo; p <= last; p++)
		{
			if (count > 0 && positions[count - 1] >= p)
				continue;		/* already found */
			if (p >= done)
			{
				quickselect(work, done, n - 1, p);
				done = p + 1;
			}
			positions[count] = p;
			needed[count] = work[p];
			count++;
		}
	}
	if (find_dscales)
		find_dscales(arg, needed, count, dscales);
	for (int i = 0; i < count; i++)
	{
		if (find_dscales == NULL)
			sparse[positions[i]] = scaled_to_numeric(needed[i], scale);
		else
			/* the numeric as rfm.breaks sees it: that customer's own display scale */
			sparse[positions[i]] = scaled_to_numeric(needed[i] / rfm_pow10_i128(scale - dscales[i]), dscales[i]);
	}
	rfm_cut_points(sparse, n, bins, cuts);
	for (int i = 0; i < ncuts; i++)
		limits[i] = floor_scaled(cuts[i], scale);
	pfree(sparse);
	pfree(cuts);
}

void
fast_score_numerics(Numeric *values, int n, int32 bins, bool higher_is_better, int32 *scores)
{
	Numeric    *sorted;
	Numeric    *cuts;

	if (n == 0)
		return;
	sorted = palloc(sizeof(Numeric) * n);
	memcpy(sorted, values, sizeof(Numeric) * n);
	rfm_sort_numerics(sorted, n);
	cuts = palloc(sizeof(Numeric) * (bins - 1));
	rfm_cut_points(sorted, n, bins, cuts);
	for (int i = 0; i < n; i++)
	{
		int32		bin = rfm_bin_of(values[i], cuts, bins - 1);

		scores[i] = higher_is_better ? bin : bins + 1 - bin;
	}
	pfree(sorted);
	pfree(cuts);
}
