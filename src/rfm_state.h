/*
 * rfm_state.h: the per-customer state behind rfm.summarize.
 *
 * Kept apart from the aggregate glue so that other paths (whole-table
 * builds, tests) can add rows, merge states and produce rfm.summary values
 * with exactly the same rules.
 *
 * One allocation per customer: a 60-byte header with the purchase days
 * after it, 128 bytes until a customer has more than 17 purchase days.
 * Hash aggregation keeps a million of these in memory at once and touches
 * one per input row, so size and place are the speed (cache misses).
 */
#ifndef RFM_STATE_H
#define RFM_STATE_H

#include "compat.h"
#include "exact_sum.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/date.h"

/* The three running sums, by index. */
#define RFM_PURCHASES	0		/* sum of amounts > 0 */
#define RFM_REFUNDS		1		/* sum of -amount over amounts < 0 */
#define RFM_FIRST_DAY	2		/* sum of amounts > 0 on first_purchase */
#define RFM_NSUMS		3

typedef struct RfmState
{
	/* sum i is small[i] * 10^-scale[i] while wide == NULL */
	int64		small[RFM_NSUMS];
	int64		frequency;		/* rows with amount > 0 */
	DateADT		first_purchase; /* valid when frequency > 0 */
	DateADT		last_purchase;
	/* the sums once one no longer fits an int64 (or without int128) */
	ExactSum   *wide;
	int32		ndays;
	int32		capdays;		/* room in days[] */
	uint8		scale[RFM_NSUMS];
	bool		days_sorted;	/* days[] ascending and unique */
	/* purchase days, duplicates allowed only while !days_sorted */
	DateADT		days[FLEXIBLE_ARRAY_MEMBER];
} RfmState;

/*
 * Functions that can grow the state return it: it may have moved (the
 * old pointer is then freed).
 */
extern RfmState *rfm_state_create(MemoryContext cxt);
extern RfmState *rfm_state_add(RfmState *state, DateADT day, Numeric amount, const char *caller,
							   MemoryContext cxt);
extern RfmState *rfm_state_merge(RfmState *into, RfmState *from, MemoryContext cxt);
extern RfmState *rfm_state_copy(RfmState *src, MemoryContext cxt);
extern bytea *rfm_state_serialize(RfmState *state);
extern RfmState *rfm_state_deserialize(bytea *bytes, MemoryContext cxt);
extern HeapTuple rfm_state_to_summary(RfmState *state, TupleDesc summary_desc);
extern DateADT rfm_check_finite_day(DateADT day, const char *caller, const char *order);
extern void rfm_check_purchase_not_after(DateADT purchase, DateADT as_of);	/* days.c */
extern void rfm_check_first_not_after_last(DateADT first, DateADT last);	/* days.c */
extern char *rfm_day_text(DateADT day);	/* days.c: for error messages */
extern char *rfm_order_text(int64 ikey, const char *skey, size_t len, DateADT day);	/* days.c */
extern char *rfm_order_day_text(DateADT day);	/* days.c: "order on 2024-01-05" */
extern DateADT rfm_check_finite_as_of(DateADT as_of, const char *caller);

#endif							/* RFM_STATE_H */
