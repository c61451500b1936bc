/*
 * clv_points.h: a compact weighted set of small numeric tuples, the state of
 * the model-fitting aggregates (rfm.fit_bgnbd, rfm.fit_gamma_gamma).
 *
 * Customers repeat the same (x, t_x, T) triples a lot (every one-time buyer
 * of a cohort shares one), so the set keeps distinct tuples with a count and
 * the likelihood is evaluated once per distinct tuple.
 */
#ifndef RFM_CLV_POINTS_H
#define RFM_CLV_POINTS_H

#include "compat.h"

#define CLV_POINT_MAXDIM 3

typedef struct ClvPoint
{
	double		v[CLV_POINT_MAXDIM];
	int64		weight;			/* how many customers have exactly v */
} ClvPoint;

typedef struct ClvPoints
{
	int			dim;			/* values used in v[] */
	int64		ncustomers;		/* sum of weights */
	int32		n;				/* tuples in use */
	int32		cap;
	bool		compact;		/* sorted and unique */
	ClvPoint   *p;
} ClvPoints;

extern ClvPoints *clv_points_create(int dim, MemoryContext cxt);
extern void clv_points_add(ClvPoints *set, const double *v, int64 weight);
extern void clv_points_compact(ClvPoints *set);
extern double clv_points_median(const ClvPoints *set, int k);
extern void clv_points_merge(ClvPoints *into, ClvPoints *from);
extern ClvPoints *clv_points_copy(ClvPoints *src, MemoryContext cxt);
extern bytea *clv_points_serialize(ClvPoints *set);
extern ClvPoints *clv_points_deserialize(bytea *bytes, MemoryContext cxt);

#endif							/* RFM_CLV_POINTS_H */
