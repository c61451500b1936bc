/*
 * fast_score.h: R/F/M scores of many customers at once, bit-identical to
 * rfm.score(value, rfm.breaks(value, bins), higher_is_better).
 */
#ifndef RFM_FAST_SCORE_H
#define RFM_FAST_SCORE_H

#include "compat.h"

/*
 * values[i] is customer i's value times 10^scale (exact).  dscales, when
 * not NULL, gives each value's own display scale (numeric dscale), which
 * rfm.breaks' interpolation sees.  Writes scores[0..n-1].
 */
extern void fast_score_scaled(const int128 *values, const int32 *dscales, int n, int32 scale,
							  int32 bins, bool higher_is_better, int32 *scores);

/* The same for arbitrary numerics (slow path: sorts). */
extern void fast_score_numerics(Numeric *values, int n, int32 bins, bool higher_is_better,
								int32 *scores);

#endif							/* RFM_FAST_SCORE_H */
