/*
 * batch_insert.h: rows written to a table in batches, as COPY writes them
 * (table_multi_insert: one WAL record and one buffer lock per page instead
 * of per row), for a new tier table's fill (tier_fill.c), the in-place
 * refresh's new rows (tier_refresh.c) and customer states
 * (customer_states_write.c); through shared buffers up to a quarter of
 * them, then PostgreSQL's bulk-write ring.
 */
#ifndef RFM_BATCH_INSERT_H
#define RFM_BATCH_INSERT_H

#include "compat.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "utils/rel.h"

#define BATCH_ROWS	1000

typedef struct BatchInsert
{
	Relation	rel;
	int			options;		/* table_multi_insert's */
	ResultRelInfo *rri;			/* with index entries: the indexes, else NULL */
	EState	   *estate;
	BulkInsertState bistate;	/* its ring only from ring_at bytes on */
	uint64		bytes;			/* rows' bytes on their pages so far */
	uint64		ring_at;		/* a quarter of shared buffers' page space */
	MemoryContext slot_cxt;		/* the slots, until rfm_batch_end */
	TupleDesc	slot_desc;		/* the slots' row type: a copy, not pinned */
	MemoryContext batch_cxt;	/* one batch's tuples and table_multi_insert's allocations */
	CommandId	cid;
	uint64		count;			/* rows added */
	int			nslots;			/* slots made so far */
	int			n;				/* slots filled */
	TupleTableSlot *slots[BATCH_ROWS];
} BatchInsert;

/*
 * Starts writing to rel (opened and locked by the caller) in the current
 * memory context; with_indexes: each row's index entries too, after its
 * batch, as execReplication.c makes them.
 */
extern void rfm_batch_begin(BatchInsert *b, Relation rel, int options, bool with_indexes);

/* A row from its column values (copied). */
extern void rfm_batch_add_values(BatchInsert *b, Datum *values, bool *nulls);

/* A row from another slot (copied). */
extern void rfm_batch_add_slot(BatchInsert *b, TupleTableSlot *slot);

/* A row from a minimal tuple (copied). */
extern void rfm_batch_add_minimal(BatchInsert *b, MinimalTuple tuple);

/* Writes what is pending. */
extern void rfm_batch_flush(BatchInsert *b);

/* Writes what is pending and frees everything. */
extern void rfm_batch_end(BatchInsert *b);

/*
 * After table_tuple_update: whether, and which, index entries the
 * new version needs (16+: TU_None / TU_All / TU_Summarizing, only the
 * summarizing indexes of a HOT update; before: a bool), and making them as
 * execReplication.c's ExecSimpleRelationUpdate does -- but with "update"
 * false: true asks ExecGetUpdatedCols for a hint, which needs a range
 * table this executor state does not have.
 */
#if PG_VERSION_NUM >= 160000
typedef TU_UpdateIndexes rfm_tuple_update_result;
#define rfm_tuple_update_needs_index(u) ((u) != TU_None)
#define rfm_update_index_tuples(rri, slot, estate, u) \
	ExecInsertIndexTuples((rri), (slot), (estate), false, false, NULL, NIL, (u) == TU_Summarizing)
#else
typedef bool rfm_tuple_update_result;
#define rfm_tuple_update_needs_index(u) (u)
#define rfm_update_index_tuples(rri, slot, estate, u) rfm_insert_index_tuples((rri), (slot), (estate))
#endif

#endif							/* RFM_BATCH_INSERT_H */
