/*
 * tier_refresh.c: rfm._tier_refresh_in_place(tier regclass), what
 * REFRESH MATERIALIZED VIEW CONCURRENTLY does for a tier table, at a
 * fraction of the cost.
 *
 * CONCURRENTLY writes the new rows to a temporary table, analyzes it,
 * checks it for duplicates with a whole-row self join, full-joins it with
 * the old rows into a second temporary table and applies DELETE + INSERT
 * from it: about 7 s of a 10 s refresh for a million customers.  A tier
 * table has a unique key (customer_id), so here the new rows go into an
 * in-memory hash table keyed by the key's binary image (duplicates found
 * on the way), one heap scan matches the old rows against it, and only
 * rows that differ are written, with every index maintained as logical
 * replication does (execReplication.c): updated in place where the old
 * row's page has room for the new version (a HOT update: no new index
 * entry, no dead row left behind for VACUUM beyond what pruning frees),
 * else deleted and inserted in key order.
 * Readers keep reading (ExclusiveLock, as CONCURRENTLY) and see the old
 * rows until commit; rows that did not change keep their place (ctid).
 *
 * The stored query runs as in ExecRefreshMatView (matview.c): rewritten,
 * planned and executed as the view's owner under
 * SECURITY_RESTRICTED_OPERATION, with a restricted search_path from
 * PostgreSQL 17 on.  All new rows are held until the old ones are matched,
 * capped by rfm.max_memory: above it, error 54000 before any row changes,
 * or with fall_back => true the query stops and all four counts are NULL,
 * nothing changed (rfm.refresh_tiers then refreshes CONCURRENTLY: it asks,
 * rather than catching 54000, which the stored query could raise too).
 */
#include "compat.h"

#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/genam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "common/hashfn.h"
#include "catalog/pg_type.h"
#include "commands/tablecmds.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/sortsupport.h"

#include "fast_table.h"
#include "batch_insert.h"
#include "matview_query.h"

#define FN "rfm._tier_refresh_in_place"

/* A new row, keyed by the binary image of its first column (customer_id). */
typedef struct TierRow
{
	Datum		key;
	MinimalTuple tuple;
	uint32		hash;
	char		status;			/* simplehash's */
	char		seen;			/* ROW_NOT_SEEN, ROW_CHANGED, ROW_SAME, ROW_IN_PLACE */
} TierRow;

#define ROW_NOT_SEEN	0		/* no old row has this key: a new customer */
#define ROW_CHANGED		1		/* the old row differs: updated, or deleted and this inserted */
#define ROW_SAME		2		/* the old row is identical: left alone */
#define ROW_IN_PLACE	3		/* the old row differs and is updated where it is */

/* A changed row whose old version's page has room for it. */
typedef struct InPlaceUpdate
{
	ItemPointerData old_tid;
	MinimalTuple tuple;
} InPlaceUpdate;

/* How the key column's values are stored (datum_image_eq's arguments). */
typedef struct KeyType
{
	bool		byval;
	int16		len;
} KeyType;

/*
 * Hash of a datum's image, consistent with datum_image_eq: by-value datums
 * by their bits, varlenas by their detoasted payload (so a short and a
 * 4-byte header, or an inline-compressed copy, hash alike).  Written here
 * because datum_image_hash only exists from PostgreSQL 14 on.
 */
static uint32
key_image_hash(const KeyType *kt, Datum value)
{
	if (kt->byval)
		return rfm_hash_int64((int64) value);
	if (kt->len > 0)
		return hash_bytes((const unsigned char *) DatumGetPointer(value), kt->len);
	if (kt->len == -1)
	{
		struct varlena *v = PG_DETOAST_DATUM_PACKED(value);
		uint32		h = hash_bytes((const unsigned char *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));

		if ((Pointer) v != DatumGetPointer(value))
			pfree(v);
		return h;
	}
	return hash_bytes((const unsigned char *) DatumGetCString(value),
					  strlen(DatumGetCString(value)));
}

#define SH_PREFIX			tierrows
#define SH_ELEMENT_TYPE		TierRow
#define SH_KEY_TYPE			Datum
#define SH_KEY				key
#define SH_HASH_KEY(tb, k)	key_image_hash((KeyType *) (tb)->private_data, (k))
#define SH_EQUAL(tb, a, b)	datum_image_eq((a), (b), ((KeyType *) (tb)->private_data)->byval, \
										   ((KeyType *) (tb)->private_data)->len)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* DestReceiver that keeps the stored query's rows in the hash table. */
typedef struct RowCollector
{
	DestReceiver pub;
	Relation	rel;
	char	   *relname;		/* schema-qualified, for messages */
	MemoryContext cxt;			/* rows, keys, hash table, TIDs */
	Size		max_bytes;		/* rfm.max_memory */
	bool		fall_back;		/* over it: stop and say so, not 54000 */
	bool		over_memory;	/* stopped: the rows need more */
	KeyType		key_type;
	tierrows_hash *rows;
	List	   *null_key_rows;	/* rows whose key is NULL: never matched */
	uint64		count;
	char	   *arena;			/* current block for rows */
	Size		arena_left;
	Size		arena_bytes;	/* all row blocks */
} RowCollector;

/*
 * Rows are copied into blocks of up to 1 MB (rfm_arena_block), never freed
 * one by one: palloc would round each ~150-byte row up to 256 bytes plus a
 * chunk header.
 */
static MinimalTuple
keep_row(RowCollector *rc, MinimalTuple tuple)
{
	Size		len = MAXALIGN(tuple->t_len);
	char	   *copy;

	if (len > 128 * 1024)
		copy = MemoryContextAllocHuge(rc->cxt, len);
	else
	{
		if (len > rc->arena_left)
		{
			Size		block = rfm_arena_block(rc->arena_bytes, len);

			rc->arena = MemoryContextAlloc(rc->cxt, block);
			rc->arena_left = block;
			rc->arena_bytes += block;
		}
		copy = rc->arena;
		rc->arena += len;
		rc->arena_left -= len;
	}
	memcpy(copy, tuple, tuple->t_len);
	return (MinimalTuple) copy;
}

/* false when over rfm.max_memory and the caller falls back; else true or 54000 */
static bool
check_memory(RowCollector *rc)
{
	Size		used = MemoryContextMemAllocated(rc->cxt, true);

	if (used <= rc->max_bytes)
		return true;
	if (rc->fall_back)
	{
		rc->over_memory = true;
		return false;
	}
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg(FN ": the new rows of %s need more than rfm.max_memory (%zu MB)",
					rc->relname, rc->max_bytes / (1024 * 1024)),
			 errdetail("%llu rows held so far in %zu MB; no row of the tier table was changed.",
					   (unsigned long long) rc->count, used / (1024 * 1024)),
			 errhint("Raise rfm.max_memory if the machine has the memory; rfm.refresh_tiers "
					 "falls back to REFRESH MATERIALIZED VIEW CONCURRENTLY.")));
}

static void
collector_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static bool
collector_receive(TupleTableSlot *slot, DestReceiver *self)
{
	RowCollector *rc = (RowCollector *) self;
	MemoryContext old;
	MinimalTuple fetched;
	MinimalTuple tuple;
	bool		should_free;
	HeapTupleData htup;
	Datum		key;
	bool		isnull;

	fetched = ExecFetchSlotMinimalTuple(slot, &should_free);
	old = MemoryContextSwitchTo(rc->cxt);
	tuple = keep_row(rc, fetched);
	if (should_free)
		pfree(fetched);
	/* the key points into the kept row */
	htup.t_len = tuple->t_len + MINIMAL_TUPLE_OFFSET;
	htup.t_data = (HeapTupleHeader) ((char *) tuple - MINIMAL_TUPLE_OFFSET);
	key = heap_getattr(&htup, 1, RelationGetDescr(rc->rel), &isnull);
	if (isnull)
		rc->null_key_rows = lappend(rc->null_key_rows, tuple);
	else
	{
		bool		found;
		TierRow    *row;

		row = tierrows_insert(rc->rows, key, &found);
		if (found)
		{
			Oid			typoutput;
			bool		typvarlena;

			getTypeOutputInfo(TupleDescAttr(slot->tts_tupleDescriptor, 0)->atttypid,
							  &typoutput, &typvarlena);
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg(FN ": the new rows of %s have customer_id %s more than once",
							rc->relname, OidOutputFunctionCall(typoutput, key)),
					 errdetail("No row of the tier table was changed.")));
		}
		row->tuple = tuple;
		row->seen = ROW_NOT_SEEN;
	}
	MemoryContextSwitchTo(old);
	rc->count++;
	return check_memory(rc);	/* false stops the query */
}

static void
collector_shutdown(DestReceiver *self)
{
}

static void
collector_destroy(DestReceiver *self)
{
}

/* Every column equal by binary image, NULLs equal (record_image_eq). */
static bool
rows_identical(TupleTableSlot *a, TupleTableSlot *b)
{
	TupleDesc	desc = a->tts_tupleDescriptor;

	slot_getallattrs(a);
	slot_getallattrs(b);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (a->tts_isnull[i] != b->tts_isnull[i])
			return false;
		if (!a->tts_isnull[i] &&
			!datum_image_eq(a->tts_values[i], b->tts_values[i], att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/*
 * A usable key: a valid, immediate, non-partial unique btree index on
 * column 1 alone; its OID, or InvalidOid.
 */
static Oid
unique_key_index(Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			found = InvalidOid;

	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ix = index->rd_index;

		if (ix->indisunique && ix->indisvalid && ix->indimmediate &&
			ix->indnkeyatts == 1 && ix->indkey.values[0] == 1 &&
			index->rd_rel->relam == BTREE_AM_OID &&
			/* from the catalog: RelationGetIndexPredicate would fold its
			 * constant parts, running the owner's functions as the caller */
			heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
			found = RelationGetRelid(index);
		index_close(index, AccessShareLock);
		if (OidIsValid(found))
			break;
	}
	list_free(indexes);
	return found;
}

/*
 * The rows to write, in the key index's order: each index entry then goes
 * next to the previous one (pages already in cache), where hash order sends
 * every insert down a different path of a tree that no longer fits in the
 * CPU's caches (two to three times as slow for a million rows).
 */
static int
compare_rows_by_key(const void *a, const void *b, void *arg)
{
	return ApplySortComparator((*(TierRow *const *) a)->key, false,
							   (*(TierRow *const *) b)->key, false, (SortSupport) arg);
}

static void
sort_rows_by_key(Oid key_index, TierRow **rows, uint64 n)
{
	Relation	index = index_open(key_index, AccessShareLock);
	SortSupportData ssup;

	memset(&ssup, 0, sizeof(ssup));
	ssup.ssup_cxt = CurrentMemoryContext;
	ssup.ssup_collation = index->rd_indcollation[0];
	ssup.ssup_nulls_first = false;
	ssup.ssup_attno = 1;
	rfm_sort_support_from_index(index, &ssup);
	qsort_arg(rows, n, sizeof(TierRow *), compare_rows_by_key, &ssup);
	index_close(index, AccessShareLock);
}

/*
 * Whether the new version of the old row in slot fits on the old row's page,
 * counting what earlier rows of that page already claimed (*room, reset
 * when the scan reaches a new page): heap_update then keeps it there, and
 * leaves the indexes alone when no indexed column changed (HOT), where a
 * delete and an insert make a new entry in every index.  The scan has
 * already pruned the page (heap_page_prune_opt), so the room includes the
 * rows the last refresh replaced, once no snapshot can see them.  Only for
 * heap tables; a wrong guess costs speed, never correctness.
 */
static bool
fits_on_old_page(TupleTableSlot *slot, MinimalTuple tuple, BlockNumber *page, Size *room)
{
	BufferHeapTupleTableSlot *bslot = (BufferHeapTupleTableSlot *) slot;
	Size		need;

	if (!TTS_IS_BUFFERTUPLE(slot) || !BufferIsValid(bslot->buffer))
		return false;
	if (ItemPointerGetBlockNumber(&slot->tts_tid) != *page)
	{
		*page = ItemPointerGetBlockNumber(&slot->tts_tid);
		LockBuffer(bslot->buffer, BUFFER_LOCK_SHARE);
		*room = PageGetHeapFreeSpace(BufferGetPage(bslot->buffer));
		LockBuffer(bslot->buffer, BUFFER_LOCK_UNLOCK);
	}
	/* the heap tuple and its line pointer (PageGetHeapFreeSpace counts one) */
	need = MAXALIGN(tuple->t_len + MINIMAL_TUPLE_OFFSET) + sizeof(ItemIdData);
	if (need > *room)
		return false;
	*room -= need;
	return true;
}

static double
elapsed_ms(instr_time from, instr_time to)
{
	INSTR_TIME_SUBTRACT(to, from);
	return INSTR_TIME_GET_MILLISEC(to);
}

/*
 * A row changed by a transaction the refresh's snapshot cannot see: only
 * at REPEATABLE READ or above, whose snapshot predates the lock (a REFRESH
 * ... CONCURRENTLY that committed while this one waited for it).  40001,
 * as PostgreSQL's own UPDATE and DELETE give there, not the internal
 * "tuple concurrently deleted" of simple_table_tuple_delete.
 */
static void
check_row_change(TM_Result result, const char *relname)
{
	if (result == TM_Ok)
		return;
	if (result == TM_Updated || result == TM_Deleted)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg(FN ": a row of %s was changed by another transaction since this transaction's snapshot",
						relname),
				 errhint("Refresh again in a new transaction.")));
	elog(ERROR, FN ": changing a row of %s failed (%d)", relname, (int) result);
}

PG_FUNCTION_INFO_V1(rfm_tier_refresh_in_place);

Datum
rfm_tier_refresh_in_place(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	bool		fall_back = PG_GETARG_BOOL(1);
	Relation	rel;
	RowCollector rc;
	MatviewOwnerSave owner;
	TupleDesc	desc;
	TupleTableSlot *old_slot;
	TupleTableSlot *new_slot;
	TableScanDesc scan;
	ItemPointerData *doomed;
	uint64		ndoomed = 0;
	uint64		doomed_cap;
	InPlaceUpdate *in_place;
	uint64		nin_place = 0;
	uint64		in_place_cap;
	uint64		hot = 0;
	BlockNumber page = InvalidBlockNumber;
	Size		room = 0;
	TupleTableSlot *update_slot;
	uint64		unchanged = 0;
	uint64		updated = 0;
	uint64		inserted = 0;
	uint64		deleted = 0;
	BatchInsert batch;
	Oid			key_index;
	TierRow   **pending;
	uint64		npending = 0;
	char	   *relname;
	tierrows_iterator it;
	TierRow    *row;
	ListCell   *lc;
	TupleDesc	result_desc;
	Datum		result[4];
	bool		result_null[4] = {false, false, false, false};
	instr_time	t0,
				t1,
				t2,
				t3,
				t4;

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, FN ": return type must be a row type");

	rel = rfm_matview_open(relid, ExclusiveLock, FN, &relname);
	memset(&rc, 0, sizeof(rc));
	rc.rel = rel;
	rc.relname = relname;
	if (!RelationIsPopulated(rel))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg(FN ": materialized view %s is not populated", rc.relname),
				 errhint("Fill it once with REFRESH MATERIALIZED VIEW %s.", rc.relname)));
	desc = RelationGetDescr(rel);
	key_index = InvalidOid;
	if (desc->natts >= 1 && strcmp(NameStr(TupleDescAttr(desc, 0)->attname), "customer_id") == 0)
		key_index = unique_key_index(rel);
	if (!OidIsValid(key_index))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg(FN ": materialized view %s has no unique index on its first column customer_id",
						rc.relname),
				 errhint("CREATE UNIQUE INDEX ON %s (customer_id); rfm.create_tiers makes one.",
						 rc.relname)));
	CheckTableNotInUse(rel, FN);

	/* As ExecRefreshMatView: the owner's rights, locked down. */
	rfm_matview_as_owner(rel, &owner);

	/*
	 * A snapshot taken after the lock: the caller's may predate a refresh
	 * that committed while we waited, whose rows we must see to replace.
	 */
	PushActiveSnapshot(GetTransactionSnapshot());

	rc.pub.receiveSlot = collector_receive;
	rc.pub.rStartup = collector_startup;
	rc.pub.rShutdown = collector_shutdown;
	rc.pub.rDestroy = collector_destroy;
	rc.pub.mydest = DestNone;
	rc.cxt = AllocSetContextCreate(CurrentMemoryContext, "rfm tier refresh rows",
								   ALLOCSET_DEFAULT_SIZES);
	rc.max_bytes = max_memory_bytes();
	rc.fall_back = fall_back;
	rc.key_type.byval = TupleDescAttr(desc, 0)->attbyval;
	rc.key_type.len = TupleDescAttr(desc, 0)->attlen;
	/*
	 * Sized from the old row count, but never beyond what rfm.max_memory
	 * allows (simplehash rounds up to a power of two and grows by doubling,
	 * so half the cap in slots at most): a stale reltuples must not
	 * allocate past the cap before the first check.
	 */
	rc.rows = tierrows_create(rc.cxt,
							  (uint32) Min(Min(Max(rel->rd_rel->reltuples, 1024.0), 64.0 * 1024 * 1024),
										   Max((double) rc.max_bytes / (4 * sizeof(TierRow)), 1024.0)),
							  &rc.key_type);
	INSTR_TIME_SET_CURRENT(t0);
	rfm_matview_run_query(rel, rc.relname, (DestReceiver *) &rc, FN);
	INSTR_TIME_SET_CURRENT(t1);
	if (rc.over_memory)
		goto finish;

	/*
	 * Match the old rows: identical ones stay, the others are remembered,
	 * in the table's order: to update in place, or to delete.
	 */
	doomed_cap = 1024;
	doomed = MemoryContextAllocHuge(rc.cxt, doomed_cap * sizeof(ItemPointerData));
	in_place_cap = 1024;
	in_place = MemoryContextAllocHuge(rc.cxt, in_place_cap * sizeof(InPlaceUpdate));
	old_slot = table_slot_create(rel, NULL);
	new_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, old_slot))
	{
		bool		isnull;
		Datum		key = slot_getattr(old_slot, 1, &isnull);

		CHECK_FOR_INTERRUPTS();
		row = isnull ? NULL : tierrows_lookup(rc.rows, key);
		if (row != NULL && row->seen == ROW_NOT_SEEN)
		{
			ExecStoreMinimalTuple(row->tuple, new_slot, false);
			row->seen = rows_identical(old_slot, new_slot) ? ROW_SAME : ROW_CHANGED;
			ExecClearTuple(new_slot);
			if (row->seen == ROW_SAME)
			{
				unchanged++;
				continue;
			}
			updated++;
			if (fits_on_old_page(old_slot, row->tuple, &page, &room))
			{
				if (nin_place == in_place_cap)
				{
					in_place_cap *= 2;
					in_place = repalloc_huge(in_place, in_place_cap * sizeof(InPlaceUpdate));
				}
				in_place[nin_place].old_tid = old_slot->tts_tid;
				in_place[nin_place].tuple = row->tuple;
				nin_place++;
				row->seen = ROW_IN_PLACE;
				continue;
			}
		}
		else
			deleted++;
		if (ndoomed == doomed_cap)
		{
			doomed_cap *= 2;
			doomed = repalloc_huge(doomed, doomed_cap * sizeof(ItemPointerData));
		}
		doomed[ndoomed++] = old_slot->tts_tid;
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(old_slot);
	ExecDropSingleTupleTableSlot(new_slot);

	/* the rows to insert, in key order */
	pending = MemoryContextAllocHuge(rc.cxt, Max(rc.rows->members, 1) * sizeof(TierRow *));
	tierrows_start_iterate(rc.rows, &it);
	while ((row = tierrows_iterate(rc.rows, &it)) != NULL)
	{
		if (row->seen == ROW_SAME || row->seen == ROW_IN_PLACE)
			continue;
		pending[npending++] = row;
		if (row->seen == ROW_NOT_SEEN)
			inserted++;
	}
	sort_rows_by_key(key_index, pending, npending);
	if (!check_memory(&rc))
		goto finish;

	INSTR_TIME_SET_CURRENT(t2);

	/* From here on rows change.  Deletes first, so new keys never collide. */
	for (uint64 i = 0; i < ndoomed; i++)
	{
		TM_FailureData tmfd;

		CHECK_FOR_INTERRUPTS();
		check_row_change(table_tuple_delete(rel, &doomed[i], GetCurrentCommandId(true), GetActiveSnapshot(),
											InvalidSnapshot, true, &tmfd, false),
						 rc.relname);
	}
	CommandCounterIncrement();
	INSTR_TIME_SET_CURRENT(t3);

	/*
	 * Updates in the table's order (each page visited once), then the new
	 * rows in batches; every index entry made as execReplication.c does
	 * (the batch's executor state serves the updates too).
	 */
	rfm_batch_begin(&batch, rel, 0, true);
	update_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	for (uint64 i = 0; i < nin_place; i++)
	{
		rfm_tuple_update_result update_indexes;
		TM_FailureData tmfd;
		LockTupleMode lockmode;

		CHECK_FOR_INTERRUPTS();
		ExecStoreMinimalTuple(in_place[i].tuple, update_slot, false);
		check_row_change(table_tuple_update(rel, &in_place[i].old_tid, update_slot, GetCurrentCommandId(true),
											GetActiveSnapshot(), InvalidSnapshot, true, &tmfd, &lockmode,
											&update_indexes),
						 rc.relname);
		if (rfm_tuple_update_needs_index(update_indexes))
		{
			if (batch.rri->ri_NumIndices > 0)
				list_free(rfm_update_index_tuples(batch.rri, update_slot, batch.estate, update_indexes));
			ResetPerTupleExprContext(batch.estate);
		}
		else
			hot++;
		ExecClearTuple(update_slot);
	}
	ExecDropSingleTupleTableSlot(update_slot);
	for (uint64 i = 0; i < npending; i++)
	{
		CHECK_FOR_INTERRUPTS();
		rfm_batch_add_minimal(&batch, pending[i]->tuple);
	}
	foreach(lc, rc.null_key_rows)
	{
		rfm_batch_add_minimal(&batch, (MinimalTuple) lfirst(lc));
		inserted++;
	}
	rfm_batch_end(&batch);
	CommandCounterIncrement();

	INSTR_TIME_SET_CURRENT(t4);
	ereport(DEBUG1,
			(errmsg(FN ": %s: %llu rows unchanged, %llu updated (%llu in place, %llu of them HOT), "
					"%llu inserted, %llu deleted",
					rc.relname, (unsigned long long) unchanged, (unsigned long long) updated,
					(unsigned long long) nin_place, (unsigned long long) hot,
					(unsigned long long) inserted, (unsigned long long) deleted),
			 errdetail("New rows held in %zu kB; stored query %.0f ms, matching the old rows %.0f ms, "
					   "deletes %.0f ms, updates, inserts and index entries %.0f ms.",
					   MemoryContextMemAllocated(rc.cxt, true) / 1024,
					   elapsed_ms(t0, t1), elapsed_ms(t1, t2), elapsed_ms(t2, t3), elapsed_ms(t3, t4))));

finish:							/* with fall_back over rfm.max_memory (either check): nothing changed */
	if (rc.over_memory)
		ereport(DEBUG1,
				(errmsg(FN ": %s: the new rows need more than rfm.max_memory; nothing changed",
						rc.relname)));
	PopActiveSnapshot();
	rfm_matview_restore(&owner);
	MemoryContextDelete(rc.cxt);
	table_close(rel, NoLock);

	result[0] = Int64GetDatum((int64) unchanged);
	result[1] = Int64GetDatum((int64) updated);
	result[2] = Int64GetDatum((int64) inserted);
	result[3] = Int64GetDatum((int64) deleted);
	for (int i = 0; i < 4; i++)
		result_null[i] = rc.over_memory;	/* all counts NULL */
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(result_desc), result, result_null)));
}
