/*
 * batch_insert.c: see batch_insert.h.
 */
#include "batch_insert.h"

#include "access/hio.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"

void
rfm_batch_begin(BatchInsert *b, Relation rel, int options, bool with_indexes)
{
	memset(b, 0, sizeof(BatchInsert));
	b->rel = rel;
	b->options = options;
	if (with_indexes)
	{
		b->estate = CreateExecutorState();
		b->rri = makeNode(ResultRelInfo);
		InitResultRelInfo(b->rri, rel, 1, NULL, 0);
		ExecOpenIndices(b->rri, false);
	}
	b->bistate = GetBulkInsertState();
	/*
	 * No bulk-write ring until the rows fill about a quarter of shared
	 * buffers (as a scan keeps a table that size in them): the ring writes
	 * each page out and evicts it, and what rfm writes is read next --
	 * a new tier table by its index build, new customer states by the
	 * next refresh (which read them back from the kernel: 0.59 s instead
	 * of 0.38 s for a million customers' first refresh).
	 */
	FreeAccessStrategy(b->bistate->strategy);
	b->bistate->strategy = NULL;
	b->ring_at = (uint64) (NBuffers / 4) * RelationGetTargetPageUsage(rel, HEAP_DEFAULT_FILLFACTOR);
	b->slot_cxt = CurrentMemoryContext;
	/*
	 * The slots share one unpinned copy of the row type: a slot made with
	 * the relation's own (reference-counted) descriptor pins it in the
	 * resource owner, and a thousand pins make every later pin and unpin
	 * slower (the unique check's slot for each index entry, for one).
	 */
	b->slot_desc = CreateTupleDescCopy(RelationGetDescr(rel));
	b->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "rfm insert batch",
										 ALLOCSET_DEFAULT_SIZES);
	b->cid = GetCurrentCommandId(true);
}

void
rfm_batch_flush(BatchInsert *b)
{
	MemoryContext old;

	if (b->n == 0)
		return;
	if (b->bistate->strategy == NULL)
	{
		for (int i = 0; i < b->n; i++)
			b->bytes += MAXALIGN(ExecFetchSlotHeapTuple(b->slots[i], false, NULL)->t_len) +
				sizeof(ItemIdData);
		if (b->bytes >= b->ring_at)
		{
			/*
			 * In the batch's own long-lived context: a flush may run in a
			 * per-row context that is reset before the next one (the tier
			 * build's), and rfm_batch_end frees the strategy.
			 */
			old = MemoryContextSwitchTo(b->slot_cxt);
			b->bistate->strategy = GetAccessStrategy(BAS_BULKWRITE);
			MemoryContextSwitchTo(old);
			elog(DEBUG1, "rfm: writing %s through the bulk-write ring from here on (%llu bytes of rows written, a quarter of shared buffers)",
				 RelationGetRelationName(b->rel), (unsigned long long) b->bytes);
		}
	}
	old = MemoryContextSwitchTo(b->batch_cxt);
	table_multi_insert(b->rel, b->slots, b->n, b->cid, b->options, b->bistate);
	MemoryContextSwitchTo(old);
	for (int i = 0; i < b->n; i++)
	{
		if (b->rri && b->rri->ri_NumIndices > 0)
		{
			list_free(rfm_insert_index_tuples(b->rri, b->slots[i], b->estate));
			ResetPerTupleExprContext(b->estate);
		}
		ExecClearTuple(b->slots[i]);
	}
	MemoryContextReset(b->batch_cxt);
	b->n = 0;
}

/* The next free slot (heap tuples: what table_multi_insert takes as they are). */
static TupleTableSlot *
next_slot(BatchInsert *b)
{
	if (b->n == b->nslots)
	{
		MemoryContext old = MemoryContextSwitchTo(b->slot_cxt);

		b->slots[b->nslots++] = MakeSingleTupleTableSlot(b->slot_desc, &TTSOpsHeapTuple);
		MemoryContextSwitchTo(old);
	}
	return b->slots[b->n];
}

/* The slot just filled joins the batch. */
static void
added(BatchInsert *b)
{
	b->n++;
	b->count++;
	if (b->n == BATCH_ROWS)
		rfm_batch_flush(b);
}

void
rfm_batch_add_values(BatchInsert *b, Datum *values, bool *nulls)
{
	TupleTableSlot *slot = next_slot(b);
	MemoryContext old = MemoryContextSwitchTo(b->batch_cxt);

	/* freed with the batch, once written */
	ExecStoreHeapTuple(heap_form_tuple(RelationGetDescr(b->rel), values, nulls), slot, false);
	MemoryContextSwitchTo(old);
	added(b);
}

void
rfm_batch_add_slot(BatchInsert *b, TupleTableSlot *slot)
{
	ExecCopySlot(next_slot(b), slot);
	added(b);
}

void
rfm_batch_add_minimal(BatchInsert *b, MinimalTuple tuple)
{
	TupleTableSlot *slot = next_slot(b);
	MemoryContext old = MemoryContextSwitchTo(b->batch_cxt);

	ExecStoreHeapTuple(heap_tuple_from_minimal_tuple(tuple), slot, false);
	MemoryContextSwitchTo(old);
	added(b);
}

void
rfm_batch_end(BatchInsert *b)
{
	rfm_batch_flush(b);
	FreeBulkInsertState(b->bistate);
	MemoryContextDelete(b->batch_cxt);
	for (int i = 0; i < b->nslots; i++)
		ExecDropSingleTupleTableSlot(b->slots[i]);
	FreeTupleDesc(b->slot_desc);
	if (b->rri)
	{
		ExecCloseIndices(b->rri);
		FreeExecutorState(b->estate);
	}
}
