/*
 * breaks.h: the cut points behind rfm.breaks and rfm.score, shared by every
 * path that scores customers so that all of them agree bit for bit.
 *
 * Definition (README, "Scores"): for n sorted values v[0..n-1] and k bins,
 * cut point j (1..k-1) is the type-7 quantile at p = j/k (R's and numpy's
 * default): with h = (n-1)*j/k, lo = floor(h),
 *     c_j = v[lo] + (h - lo) * (v[lo+1] - v[lo]),
 * computed in numeric.  A value's bin is 1 + the number of cut points it is
 * strictly greater than, so equal values always share a bin.
 */
#ifndef RFM_BREAKS_H
#define RFM_BREAKS_H

#include "compat.h"

#define RFM_MIN_BINS 2
#define RFM_MAX_BINS 100

/* Errors out (22023) unless RFM_MIN_BINS <= bins <= RFM_MAX_BINS. */
extern void rfm_check_bins(int32 bins, const char *caller);

/* Sorts values[0..n-1] ascending (numeric order). */
extern void rfm_sort_numerics(Numeric *values, int n);

/* Fills cuts[0..bins-2] from sorted values; n must be > 0. */
extern void rfm_cut_points(Numeric *sorted, int n, int32 bins, Numeric *cuts);

/* 1 + number of cut points strictly below value. */
extern int32 rfm_bin_of(Numeric value, Numeric *cuts, int ncuts);

#endif							/* RFM_BREAKS_H */
