/*
 * fast_score.h: R/F/M scores of many customers at once, bit-identical to
 * rfm.score(value, rfm.breaks(value, bins), higher_is_better).
 */
#ifndef RFM_FAST_SCORE_H
#define RFM_FAST_SCORE_H

#include "compat.h"

/*
 * Cut limits for one score: work[0..n-1] (n > 0) holds every customer's
 * value times 10^scale, exact (reordered on return).  find_dscales, when
 * not NULL, fills dscales[k] with the numeric display scale rfm.breaks
 * would see for values[k] (its interpolation depends on it); NULL means
 * scale.  Writes limits[0..bins-2].
 */
extern void fast_score_limits(int128 *work, int n, int32 scale, int32 bins,
							  void (*find_dscales) (void *arg, const int128 *values, int count,
													int32 *dscales),
							  void *arg, int128 *limits);

/* The score of value * 10^scale given the limits: 1 + the cuts below it. */
static inline int32
fast_score_bin(int128 scaled, const int128 *limits, int32 bins, bool higher_is_better)
{
	int32		bin = 1;

	for (int c = 0; c < bins - 1; c++)
		bin += (scaled > limits[c]);
	return higher_is_better ? bin : bins + 1 - bin;
}

/* The same for arbitrary numerics (slow path: sorts). */
extern void fast_score_numerics(Numeric *values, int n, int32 bins, bool higher_is_better,
								int32 *scores);

#endif							/* RFM_FAST_SCORE_H */
