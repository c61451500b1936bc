/*
 * clv_points.c: the weighted tuple set behind the CLV fitting aggregates.
 * Tuples go into a buffer; when it fills, it is sorted and duplicates are
 * merged, and the buffer only grows if that did not free half of it.
 */
#include "compat.h"

#include <math.h>

#include "clv_points.h"

#include "libpq/pqformat.h"
#include "utils/memutils.h"

#define CLV_POINTS_INITIAL 64

ClvPoints *
clv_points_create(int dim, MemoryContext cxt)
{
	ClvPoints  *set = (ClvPoints *) MemoryContextAllocZero(cxt, sizeof(ClvPoints));

	Assert(dim >= 1 && dim <= CLV_POINT_MAXDIM);
	set->dim = dim;
	set->cap = CLV_POINTS_INITIAL;
	set->compact = true;
	set->p = (ClvPoint *) MemoryContextAllocZero(cxt, sizeof(ClvPoint) * set->cap);
	return set;
}

static int
compare_points(const void *a, const void *b)
{
	const ClvPoint *x = (const ClvPoint *) a;
	const ClvPoint *y = (const ClvPoint *) b;

	/* Unused coordinates are zero, so comparing all of them is safe. */
	for (int i = 0; i < CLV_POINT_MAXDIM; i++)
	{
		if (x->v[i] < y->v[i])
			return -1;
		if (x->v[i] > y->v[i])
			return 1;
	}
	return 0;
}

void
clv_points_compact(ClvPoints *set)
{
	int32		n = 0;

	if (set->compact)
		return;
	qsort(set->p, set->n, sizeof(ClvPoint), compare_points);
	for (int32 i = 0; i < set->n; i++)
	{
		if (n > 0 && compare_points(&set->p[n - 1], &set->p[i]) == 0)
			set->p[n - 1].weight += set->p[i].weight;
		else
			set->p[n++] = set->p[i];
	}
	set->n = n;
	set->compact = true;
}

static void
make_room(ClvPoints *set, int32 extra)
{
	int32		cap = set->cap;

	if (set->n + extra <= set->cap)
		return;
	clv_points_compact(set);
	/* Grow unless merging duplicates left at least half the buffer free. */
	while ((int64) (set->n + extra) * 2 > cap)
		cap *= 2;
	if (cap != set->cap)
	{
		/* repalloc keeps the chunk in the aggregate's own memory context */
		set->p = (ClvPoint *) repalloc_huge(set->p, sizeof(ClvPoint) * cap);
		set->cap = cap;
	}
}

void
clv_points_add(ClvPoints *set, const double *v, int64 weight)
{
	ClvPoint   *pt;

	make_room(set, 1);
	pt = &set->p[set->n];
	memset(pt, 0, sizeof(ClvPoint));
	for (int i = 0; i < set->dim; i++)
		pt->v[i] = v[i] + 0.0;	/* + 0.0 turns -0 into +0 for exact merging */
	pt->weight = weight;
	/* A repeat of the last tuple (sorted input) merges at once. */
	if (set->compact && set->n > 0)
	{
		int			c = compare_points(&set->p[set->n - 1], pt);

		if (c == 0)
		{
			set->p[set->n - 1].weight += weight;
			set->ncustomers += weight;
			return;
		}
		if (c > 0)
			set->compact = false;
	}
	set->n++;
	set->ncustomers += weight;
}

void
clv_points_merge(ClvPoints *into, ClvPoints *from)
{
	make_room(into, from->n);
	memcpy(into->p + into->n, from->p, sizeof(ClvPoint) * from->n);
	into->n += from->n;
	into->ncustomers += from->ncustomers;
	if (from->n > 0)
		into->compact = false;
}

ClvPoints *
clv_points_copy(ClvPoints *src, MemoryContext cxt)
{
	ClvPoints  *copy = (ClvPoints *) MemoryContextAlloc(cxt, sizeof(ClvPoints));

	*copy = *src;
	copy->p = (ClvPoint *) MemoryContextAllocHuge(cxt, sizeof(ClvPoint) * src->cap);
	memcpy(copy->p, src->p, sizeof(ClvPoint) * src->n);
	return copy;
}

bytea *
clv_points_serialize(ClvPoints *set)
{
	StringInfoData buf;

	clv_points_compact(set);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, set->dim);
	pq_sendint64(&buf, set->ncustomers);
	pq_sendint32(&buf, set->n);
	for (int32 i = 0; i < set->n; i++)
	{
		for (int d = 0; d < set->dim; d++)
			pq_sendfloat8(&buf, set->p[i].v[d]);
		pq_sendint64(&buf, set->p[i].weight);
	}
	return pq_endtypsend(&buf);
}

ClvPoints *
clv_points_deserialize(bytea *bytes, MemoryContext cxt)
{
	StringInfoData buf;
	ClvPoints  *set;
	int			dim;
	int32		n;

	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;

	dim = pq_getmsgint(&buf, 4);
	if (dim < 1 || dim > CLV_POINT_MAXDIM)
		elog(ERROR, "rfm: corrupt CLV fit state (dimension %d)", dim);
	set = clv_points_create(dim, cxt);
	set->ncustomers = pq_getmsgint64(&buf);
	n = pq_getmsgint(&buf, 4);
	make_room(set, n);
	for (int32 i = 0; i < n; i++)
	{
		ClvPoint   *pt = &set->p[i];

		memset(pt, 0, sizeof(ClvPoint));
		for (int d = 0; d < dim; d++)
			pt->v[d] = pq_getmsgfloat8(&buf);
		pt->weight = pq_getmsgint64(&buf);
	}
	set->n = n;
	set->compact = true;
	pq_getmsgend(&buf);
	return set;
}

typedef struct WeightedValue
{
	double		value;
	int64		weight;
} WeightedValue;

static int
compare_weighted(const void *a, const void *b)
{
	double		x = ((const WeightedValue *) a)->value;
	double		y = ((const WeightedValue *) b)->value;

	return (x > y) - (x < y);
}

/*
 * The customers' median of v[k] (the lower one of an even count), each
 * point counted weight times; NaN for an empty set.
 */
double
clv_points_median(const ClvPoints *set, int k)
{
	WeightedValue *w;
	int64		half = (set->ncustomers + 1) / 2;
	int64		seen = 0;
	double		median = NAN;

	if (set->n == 0)
		return median;
	w = palloc(sizeof(WeightedValue) * set->n);
	for (int32 i = 0; i < set->n; i++)
	{
		w[i].value = set->p[i].v[k];
		w[i].weight = set->p[i].weight;
	}
	qsort(w, set->n, sizeof(WeightedValue), compare_weighted);
	for (int32 i = 0; i < set->n; i++)
	{
		seen += w[i].weight;
		if (seen >= half)
		{
			median = w[i].value;
			break;
		}
	}
	pfree(w);
	return median;
}
