/*
 * rfm_state.h: the per-customer state behind rfm.summarize.
 *
 * Kept apart from the aggregate glue so that other paths (whole-table
 * builds, tests) can add rows, merge states and produce rfm.summary values
 * with exactly the same rules.
 */
#ifndef RFM_STATE_H
#define RFM_STATE_H

#include "compat.h"
#include "exact_sum.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/date.h"

/* Purchase days held inside the state before a separate buffer is needed. */
#define RFM_STATE_INITIAL_DAYS	4

typedef struct RfmState
{
	int64		frequency;		/* rows with amount > 0 */
	DateADT		first_purchase; /* valid when frequency > 0 */
	DateADT		last_purchase;
	ExactSum	purchases;		/* sum of amounts > 0 */
	ExactSum	refunds;		/* sum of -amount over amounts < 0 */
	ExactSum	first_day;		/* sum of amounts > 0 on first_purchase */
	DateADT    *days;			/* purchase days, duplicates allowed until compacted */
	int32		ndays;
	int32		capdays;
	bool		days_sorted;	/* days[] ascending and unique */
	/* days points here until it outgrows it: no second allocation per customer */
	DateADT		inline_days[RFM_STATE_INITIAL_DAYS];
} RfmState;


extern RfmState *rfm_state_create(MemoryContext cxt);
extern void rfm_state_add(RfmState *state, DateADT day, Numeric amount, MemoryContext cxt);
extern void rfm_state_merge(RfmState *into, RfmState *from, MemoryContext cxt);
extern RfmState *rfm_state_copy(RfmState *src, MemoryContext cxt);
extern bytea *rfm_state_serialize(RfmState *state);
extern RfmState *rfm_state_deserialize(bytea *bytes, MemoryContext cxt);
extern HeapTuple rfm_state_to_summary(RfmState *state, TupleDesc summary_desc);
extern DateADT rfm_check_finite_day(DateADT day, const char *caller);

#endif							/* RFM_STATE_H */
