/*
 * fast_rows.h: the scored customers of the whole-table path (fast_agg.c),
 * shared by rfm.customer_scores / rfm.customer_state_scores and the tier
 * rows (tier_rows.c), so both load, score and print customers one way.
 */
#ifndef RFM_FAST_ROWS_H
#define RFM_FAST_ROWS_H

#include "compat.h"
#include "fast_table.h"
#include "breaks.h"

#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/tuplestore.h"

/*
 * Customers with a purchase.  Their R/F/M values are read from the entries
 * as scaled integers when needed (no per-customer arrays besides one
 * work array for selection).
 */
typedef struct Scored
{
	bool		text_keys;
	int			n;
	FastEntry  *entries;		/* key length: used - 1 */
	int32		money_scale;	/* the largest display scale of monetary */
	bool		money_fast;		/* every monetary fits an int128 at money_scale */
} Scored;

/* Where each score changes, for one (customers, bins, as_of). */
typedef struct ScoreLimits
{
	int32		bins;
	DateADT		as_of;
	int128		r[RFM_MAX_BINS],
				f[RFM_MAX_BINS],
				m[RFM_MAX_BINS];
	int32	   *m_slow;			/* per customer, when monetary is not scaled integers */
} ScoreLimits;

/* A materialized result set in the caller's row shape; maxKBytes before it spills. */
extern Tuplestorestate *rfm_begin_rows(FunctionCallInfo fcinfo, TupleDesc *desc_out, int maxKBytes);

/*
 * rfm.customer_scores' customers: checks the arguments (source regclass,
 * three column names as text) as it does, then reads the orders up to as_of
 * directly or through the states aggregate.  Errors about them name
 * caller.  Allocates in cxt; s->n = 0 for no purchases.
 */
extern void rfm_load_order_customers(Datum source, Datum customer_column, Datum time_column,
									 Datum amount_column, DateADT as_of, const char *caller,
									 MemoryContext cxt, Scored *s);

/*
 * rfm.customer_state_scores' customers (state name, bins checked as it
 * does); *stored: whether the state has any stored row.
 */
/* Today in a customer state's time zone (rfm._customer_state_today), or CURRENT_DATE. */
extern DateADT rfm_state_today(Datum state_name);
extern void rfm_load_state_customers(Datum state_name, int32 bins, MemoryContext cxt, Scored *s,
									 bool *stored);

/* Limits of the three scores over s (s->n > 0; checks bins and as_of). */
extern void rfm_score_limits(Scored *s, int32 bins, DateADT as_of, ScoreLimits *limits);

/* Customer i's R, F and M scores. */
extern void rfm_customer_scores_of(const Scored *s, const ScoreLimits *limits, int i, int32 *scores);

/* Customer e's monetary, built in buf when it can be (no palloc). */
typedef union NumericBuf
{
	int32		align;
	char		data[VARHDRSZ + 4 + 16 * sizeof(int16)];
} NumericBuf;

extern Numeric rfm_entry_monetary(const FastEntry *e, NumericBuf *buf);

/* The customer key's text form, built in a reusable buffer. */
typedef struct KeyBuf
{
	char	   *data;			/* a text varlena, grown as needed */
	Size		size;
	MemoryContext cxt;			/* where it lives (not the per-row context) */
} KeyBuf;

extern Datum rfm_entry_key_text(KeyBuf *buf, bool text_keys, const FastEntry *e);

#endif							/* RFM_FAST_ROWS_H */
