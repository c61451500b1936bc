/*
 * customer_states_write.c: a customer state's rows written into
 * rfm.customer_states past the executor, as COPY and logical replication
 * write rows.
 *
 *   rfm._customer_states_insert(name, states): a new or rebuilt state, every
 *       customer new.  The SQL INSERT ... SELECT FROM
 *       rfm._customer_states_rows(states) ORDER BY customer took about half
 *       of creating a state (a million customers: ~3.5 of ~7 s): the rows
 *       went through a result set and a sort, and every row fired the
 *       foreign key's trigger (there was one then), one query per row for
 *       the state_name all rows share.  Here they are sorted in memory and written in batches
 *       (table_multi_insert), in primary key order.
 *   rfm._customer_states_merge(name, states): a refresh's new orders folded
 *       into the stored states, what INSERT ... ON CONFLICT DO UPDATE did
 *       (~4.7 µs per customer): customers in key order, each looked up in the
 *       primary key and updated in place (HOT: the table's fillfactor leaves
 *       room), new customers written in batches.
 *
 * Both check once that the state's row of rfm.customer_state_sources exists
 * and lock it as a foreign key's trigger would (SELECT ... FOR KEY SHARE,
 * so it cannot go away before commit; rfm's refreshes hold it FOR UPDATE
 * already).  Anything that would make the executor do more -- row-level
 * security for the caller, triggers of anyone's, check constraints, another
 * column layout, privileges granted only on columns -- and they return
 * NULL: the caller then runs the SQL statement.
 */
#include "compat.h"

#include "fast_scan.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "common/int.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "batch_insert.h"
#include "fast_rows.h"
#include "fast_table.h"


/* One customer's row: its key's text form and its state. */
typedef struct StateRow
{
	text	   *customer;
	DateADT		first_purchase;
	DateADT		last_purchase;
	int64		frequency;
	Numeric		monetary;
} StateRow;

/* customer COLLATE "C": the key's bytes, a shorter prefix first */
static int
compare_customers(const void *a, const void *b)
{
	const text *x = ((const StateRow *) a)->customer;
	const text *y = ((const StateRow *) b)->customer;
	int			lx = VARSIZE(x) - VARHDRSZ;
	int			ly = VARSIZE(y) - VARHDRSZ;
	int			c = memcmp(VARDATA(x), VARDATA(y), Min(lx, ly));

	return c != 0 ? c : (lx > ly) - (lx < ly);
}

/*
 * rfm's own statement trigger that checks each written row's state exists
 * (rfm._customer_states_check_sources, what a foreign key's trigger did):
 * the writers here check and lock the state's source row themselves.
 */
static bool
rfm_own_source_check(const Trigger *trigger)
{
	char	   *fn = get_func_name(trigger->tgfoid);
	char	   *nsp = get_namespace_name(get_func_namespace(trigger->tgfoid));

	return fn != NULL && nsp != NULL && strcmp(nsp, "rfm") == 0 &&
		strcmp(fn, "_customer_states_check_sources") == 0;
}

/* The table as rfm's install script made it, and nothing INSERT would do besides writing rows. */
static bool
plain_states_table(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	static const Oid types[] = {TEXTOID, TEXTOID, DATEOID, DATEOID, INT8OID, NUMERICOID};

	if (rel->rd_rel->relkind != RELKIND_RELATION || desc->natts != lengthof(types) ||
		rfm_states_rls_beyond_owner(rel))
		return false;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->atttypid != types[i] || att->attgenerated)
			return false;
	}
	if (desc->constr && desc->constr->num_check > 0)
		return false;
	if (rel->trigdesc)
		for (int i = 0; i < rel->trigdesc->numtriggers; i++)
			if (!rel->trigdesc->triggers[i].tgisinternal &&
				!rfm_own_source_check(&rel->trigdesc->triggers[i]))
				return false;
	return true;
}

/* What a foreign key's trigger would check for each row, once for all of them. */
static void
lock_state_source(text *name, const char *fn)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(name)};

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "%s: SPI_connect failed", fn);
	if (SPI_execute_with_args("SELECT 1 FROM ONLY rfm.customer_state_sources s "
							  "WHERE s.state_name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF s",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "%s: locking the state's source row failed", fn);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("%s: no customer state named %s in rfm.customer_state_sources",
						fn, quote_literal_cstr(text_to_cstring(name)))));
	SPI_finish();
}

/*
 * rfm.customer_states, locked for writing, when these rows may be written
 * past the executor by the caller holding the table-wide privileges in
 * modes; NULL otherwise (the caller runs SQL, which decides).
 */
static Relation
open_states_table(AclMode modes)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("rfm", "customer_states", -1), RowExclusiveLock, false);
	Relation	rel = table_open(relid, NoLock);

	if (pg_class_aclmask(relid, GetUserId(), modes, ACLMASK_ALL) != modes || !plain_states_table(rel))
	{
		table_close(rel, NoLock);
		return NULL;
	}
	return rel;
}

/* The states, decoded and sorted by customer, in the current context. */
static StateRow *
sorted_rows(bytea *states, uint64 *count)
{
	FastReader	reader;
	FastEntry	e;
	uint32		keylen;
	KeyBuf		keybuf = {NULL, 0, CurrentMemoryContext};
	NumericBuf	numbuf;
	StateRow   *rows;
	uint64		n = 0;

	fast_reader_init(&reader, states, true);
	rows = MemoryContextAllocHuge(CurrentMemoryContext, Max(reader.count, 1) * sizeof(StateRow));
	while (fast_reader_next(&reader, &e, &keylen))
	{
		StateRow   *row = &rows[n++];

		CHECK_FOR_INTERRUPTS();
		row->customer = DatumGetTextPCopy(rfm_entry_key_text(&keybuf, reader.text_keys, &e));
		row->first_purchase = e.first_purchase;
		row->last_purchase = e.last_purchase;
		row->frequency = e.frequency;
		row->monetary = DatumGetNumericCopy(NumericGetDatum(rfm_entry_monetary(&e, &numbuf)));
	}
	qsort(rows, n, sizeof(StateRow), compare_customers);
	/* two rows of one customer: no fold writes that (the merge's second
	 * update of the row failed with XX000) */
	for (uint64 i = 1; i < n; i++)
		if (compare_customers(&rows[i - 1], &rows[i]) == 0)
			fast_state_corrupt();
	*count = n;
	return rows;
}

/* A stored row's values (no purchase day: NULL days, as INSERT stores them). */
static void
row_values(text *name, const StateRow *row, Datum *values, bool *nulls)
{
	values[0] = PointerGetDatum(name);
	values[1] = PointerGetDatum(row->customer);
	values[2] = DateADTGetDatum(row->first_purchase);
	values[3] = DateADTGetDatum(row->last_purchase);
	nulls[0] = nulls[1] = nulls[4] = nulls[5] = false;
	nulls[2] = nulls[3] = (row->frequency == 0);
	values[4] = Int64GetDatum(row->frequency);
	values[5] = NumericGetDatum(row->monetary);
}

PG_FUNCTION_INFO_V1(rfm_customer_states_insert);

Datum
rfm_customer_states_insert(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	bytea	   *states = PG_GETARG_BYTEA_PP(1);
	Relation	rel = open_states_table(ACL_INSERT);
	StateRow   *rows;
	uint64		n;
	BatchInsert batch;
	MemoryContext cxt;
	MemoryContext old;

	if (rel == NULL)
		PG_RETURN_NULL();
	lock_state_source(name, "rfm._customer_states_insert");

	cxt = AllocSetContextCreate(CurrentMemoryContext, "rfm state rows", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	rows = sorted_rows(states, &n);
	rfm_batch_begin(&batch, rel, 0, true);
	for (uint64 i = 0; i < n; i++)
	{
		Datum		values[6];
		bool		nulls[6];

		CHECK_FOR_INTERRUPTS();
		row_values(name, &rows[i], values, nulls);
		rfm_batch_add_values(&batch, values, nulls);
	}
	rfm_batch_end(&batch);
	CommandCounterIncrement();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	table_close(rel, NoLock);
	PG_RETURN_INT64((int64) n);
}

/* The primary key (state_name, customer), opened; InvalidOid-free or an error. */
static Relation
open_primary_key(Relation rel)
{
	Oid			pk = rfm_primary_key_index(rel);
	Relation	index;

	if (!OidIsValid(pk))
		elog(ERROR, "rfm._customer_states_merge: rfm.customer_states has no primary key");
	index = index_open(pk, RowExclusiveLock);
	if (index->rd_index->indnkeyatts != 2 || index->rd_index->indkey.values[0] != 1 ||
		index->rd_index->indkey.values[1] != 2 || index->rd_rel->relam != BTREE_AM_OID ||
		index->rd_indcollation[1] != C_COLLATION_OID)
		elog(ERROR, "rfm._customer_states_merge: rfm.customer_states' primary key is not (state_name, customer COLLATE \"C\")");
	return index;
}

/*
 * A stored purchase day merged with the new orders' (LEAST for the first,
 * GREATEST for the last): a NULL day (no purchase yet) gives way.
 */
static Datum
merged_day(TupleTableSlot *old, int att, const StateRow *row, DateADT day, bool earliest, bool *isnull)
{
	bool		new_null = (row->frequency == 0);	/* no purchase among the new orders */
	DateADT		stored;

	*isnull = old->tts_isnull[att] && new_null;
	if (old->tts_isnull[att])
		return DateADTGetDatum(day);
	if (new_null)
		return old->tts_values[att];
	stored = DatumGetDateADT(old->tts_values[att]);
	return DateADTGetDatum(earliest ? Min(stored, day) : Max(stored, day));
}

/* An old row and a state of new orders: what ON CONFLICT DO UPDATE made of them. */
static void
merge_values(TupleTableSlot *old, const StateRow *row, Datum *values, bool *nulls)
{
	int64		frequency;

	slot_getallattrs(old);
	values[0] = old->tts_values[0];
	values[1] = old->tts_values[1];
	nulls[0] = nulls[1] = nulls[4] = nulls[5] = false;
	values[2] = merged_day(old, 2, row, row->first_purchase, true, &nulls[2]);
	values[3] = merged_day(old, 3, row, row->last_purchase, false, &nulls[3]);
	if (pg_add_s64_overflow(DatumGetInt64(old->tts_values[4]), row->frequency, &frequency))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint out of range")));
	values[4] = Int64GetDatum(frequency);
	values[5] = DirectFunctionCall2(numeric_add, old->tts_values[5], NumericGetDatum(row->monetary));
}

/*
 * The primary key read for the customers in key order, one of two ways.
 * Looking each customer up descends from the root: ~3 µs, half of it
 * comparisons and cache misses on the way down.  When the customers are
 * dense (1% new orders touch about one stored customer in ten), the scan
 * walks the leaf entries instead, ~50 ns per entry passed; a customer more
 * than STATE_WALK_LIMIT entries on is found by starting the scan again at
 * it (which then reads the rest of its leaf page).  Measured on a million
 * stored customers, the walk wins from about one customer in
 * STATE_WALK_GAP: 94,000 customers 0.30 -> 0.21 s, 48,000 0.17 -> 0.15 s,
 * 29,000 0.11 -> 0.12 s, 10,000 0.045 -> 0.08 s.
 */
#define STATE_WALK_LIMIT 64
#define STATE_WALK_GAP 25

typedef struct KeyCursor
{
	IndexScanDesc scan;
	ScanKeyData keys[2];		/* state_name =, customer = or >= */
	bool		walk;			/* walking the entries (customer >=) */
	bool		on_entry;		/* walking: false past the state's last entry */
} KeyCursor;

/* The current index entry's customer against one (COLLATE "C"). */
static int
compare_entry(KeyCursor *cursor, const text *customer)
{
	bool		isnull;
	Datum		datum = index_getattr(cursor->scan->xs_itup, 2, cursor->scan->xs_itupdesc, &isnull);
	text	   *key = DatumGetTextPP(datum);
	int			lk = VARSIZE_ANY_EXHDR(key);
	int			lc = VARSIZE(customer) - VARHDRSZ;
	int			c = memcmp(VARDATA_ANY(key), VARDATA(customer), Min(lk, lc));

	if ((Pointer) key != DatumGetPointer(datum))
		pfree(key);				/* a compressed key, detoasted */
	return c != 0 ? c : (lk > lc) - (lk < lc);
}

static void
cursor_next(KeyCursor *cursor)
{
	cursor->on_entry = index_getnext_tid(cursor->scan, ForwardScanDirection) != NULL;
}

/* The scan (re)started at customer: its entry, or when walking the first one after it. */
static void
cursor_start(KeyCursor *cursor, text *customer)
{
	cursor->keys[1].sk_argument = PointerGetDatum(customer);
	index_rescan(cursor->scan, cursor->keys, 2, NULL, 0);
	if (cursor->walk)
		cursor_next(cursor);
}

/*
 * A cursor over the primary key for n customers of state name: walking
 * when they are at least one in STATE_WALK_GAP of the table's rows (or its
 * size is not known yet), else one lookup per customer.
 */
static void
cursor_begin(KeyCursor *cursor, Relation rel, Relation index, Snapshot snapshot,
			 text *name, uint64 n, text *first)
{
	float4		stored = rel->rd_rel->reltuples;

	cursor->walk = stored <= 0 || (double) n * STATE_WALK_GAP >= stored;
	cursor->on_entry = false;
	cursor->scan = rfm_index_beginscan(rel, index, snapshot, 2, 0);
	cursor->scan->xs_want_itup = cursor->walk;	/* the entries' keys, to walk by */
	ScanKeyEntryInitialize(&cursor->keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[0], F_TEXTEQ, PointerGetDatum(name));
	if (cursor->walk)
		ScanKeyEntryInitialize(&cursor->keys[1], 0, 2, BTGreaterEqualStrategyNumber, InvalidOid,
							   index->rd_indcollation[1], F_TEXT_GE, (Datum) 0);
	else
		ScanKeyEntryInitialize(&cursor->keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
							   index->rd_indcollation[1], F_TEXTEQ, (Datum) 0);
	if (cursor->walk && n > 0)
		cursor_start(cursor, first);
}

/*
 * The stored row of customer, visible to the scan's snapshot, into slot;
 * false if there is none.  Customers come in ascending order.  Entries of
 * one key may be several (versions of a non-HOT update): the first visible
 * one is the row.
 */
static bool
cursor_find(KeyCursor *cursor, text *customer, TupleTableSlot *slot)
{
	int			steps = 0;
	int			c = 1;

	if (!cursor->walk)
	{
		cursor_start(cursor, customer);
		return index_getnext_slot(cursor->scan, ForwardScanDirection, slot);
	}
	for (;;)
	{
		while (cursor->on_entry && (c = compare_entry(cursor, customer)) < 0)
		{
			if (steps++ == STATE_WALK_LIMIT)
				cursor_start(cursor, customer); /* entries >= customer from here */
			else
				cursor_next(cursor);
		}
		if (!cursor->on_entry || c > 0)
			return false;
		if (index_fetch_heap(cursor->scan, slot))
			return true;
		cursor_next(cursor);	/* a version this snapshot does not see */
	}
}

/* Whether two text values have the same bytes (the key's deterministic equality). */
static bool
same_text(Datum a, Datum b)
{
	text	   *x = DatumGetTextPP(a);
	text	   *y = DatumGetTextPP(b);

	return VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) &&
		memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0;
}

/*
 * Updates the stored row in old_slot (the version the snapshot sees) to
 * the merge of it and row.  A row another transaction changed after the
 * snapshot (an owner's hand edit: rfm's own refreshes of a state wait for
 * each other) is merged again from its latest version, as INSERT ... ON
 * CONFLICT DO UPDATE does under READ COMMITTED, instead of the
 * "tuple concurrently updated" internal error of simple_table_tuple_update;
 * at REPEATABLE READ or above, or when it was deleted or given another key
 * (state_name, customer), 40001.
 */
static void
merge_update(Relation rel, TupleTableSlot *old_slot, TupleTableSlot *new_slot, const StateRow *row,
			 Snapshot snapshot, rfm_tuple_update_result *update_indexes)
{
	CommandId	cid = GetCurrentCommandId(true);

	for (int attempt = 0;; attempt++)
	{
		Datum		values[6];
		bool		nulls[6];
		TM_FailureData tmfd;
		LockTupleMode lockmode;
		TM_Result	result;

		merge_values(old_slot, row, values, nulls);
		ExecClearTuple(new_slot);
		memcpy(new_slot->tts_values, values, sizeof(values));
		memcpy(new_slot->tts_isnull, nulls, sizeof(nulls));
		ExecStoreVirtualTuple(new_slot);
		result = table_tuple_update(rel, &old_slot->tts_tid, new_slot, cid, snapshot, InvalidSnapshot,
									true, &tmfd, &lockmode, update_indexes);
		if (result == TM_Ok)
			return;
		if (result == TM_Updated && attempt == 0 && !IsolationUsesXactSnapshot())
		{
			/* the latest version, locked: the update above cannot fail on it */
			ItemPointerData tid = old_slot->tts_tid;
			/* the key the row was found under (merge_values read the slot whole) */
			Datum		state_name = PointerGetDatum(DatumGetTextPCopy(old_slot->tts_values[0]));
			Datum		customer = PointerGetDatum(DatumGetTextPCopy(old_slot->tts_values[1]));

			result = table_tuple_lock(rel, &tid, snapshot, old_slot, cid,
									  LockTupleNoKeyExclusive, LockWaitBlock,
									  TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
			if (result == TM_Ok)
			{
				/* the edit may have given the row another key: not this customer's then */
				slot_getallattrs(old_slot);
				if (same_text(state_name, old_slot->tts_values[0]) &&
					same_text(customer, old_slot->tts_values[1]))
					continue;
				result = TM_Deleted;
			}
		}
		if (result == TM_Updated || result == TM_Deleted)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("rfm: a customer's row of rfm.customer_states was %s by another transaction during this fold",
							result == TM_Deleted ? "deleted" : "changed"),
					 errhint("Refresh again.")));
		elog(ERROR, "rfm: updating a row of rfm.customer_states failed (%d)", (int) result);
	}
}

PG_FUNCTION_INFO_V1(rfm_customer_states_merge);

Datum
rfm_customer_states_merge(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	bytea	   *states = PG_GETARG_BYTEA_PP(1);
	Relation	rel = open_states_table(ACL_SELECT | ACL_INSERT | ACL_UPDATE);
	Relation	index;
	Snapshot	snapshot = GetActiveSnapshot();
	KeyCursor	cursor;
	TupleTableSlot *old_slot;
	TupleTableSlot *new_slot;
	StateRow   *rows;
	uint64		n;
	BatchInsert batch;
	MemoryContext cxt;
	MemoryContext rowcxt;
	MemoryContext old;

	if (rel == NULL)
		PG_RETURN_NULL();
	lock_state_source(name, "rfm._customer_states_merge");
	index = open_primary_key(rel);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "rfm state rows", ALLOCSET_DEFAULT_SIZES);
	rowcxt = AllocSetContextCreate(cxt, "rfm state row", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	rows = sorted_rows(states, &n);
	/* new customers in batches; the batch's executor state makes the updates' index entries too */
	rfm_batch_begin(&batch, rel, 0, true);
	old_slot = table_slot_create(rel, NULL);
	new_slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsVirtual);
	cursor_begin(&cursor, rel, index, snapshot, name, n, n > 0 ? rows[0].customer : NULL);
	for (uint64 i = 0; i < n; i++)
	{
		Datum		values[6];
		bool		nulls[6];

		CHECK_FOR_INTERRUPTS();
		/* the scan's own allocations (btree's killed items) live in cxt, as the scan does */
		if (cursor_find(&cursor, rows[i].customer, old_slot))
		{
			rfm_tuple_update_result update_indexes;

			MemoryContextSwitchTo(rowcxt);
			merge_update(rel, old_slot, new_slot, &rows[i], snapshot, &update_indexes);
			if (rfm_tuple_update_needs_index(update_indexes) && batch.rri->ri_NumIndices > 0)
			{
				list_free(rfm_update_index_tuples(batch.rri, new_slot, batch.estate, update_indexes));
				ResetPerTupleExprContext(batch.estate);
			}
			MemoryContextSwitchTo(cxt);
			ExecClearTuple(old_slot);
			MemoryContextReset(rowcxt);
		}
		else
		{
			row_values(name, &rows[i], values, nulls);
			rfm_batch_add_values(&batch, values, nulls);
		}
	}
	index_endscan(cursor.scan);
	ExecDropSingleTupleTableSlot(old_slot);
	ExecDropSingleTupleTableSlot(new_slot);
	rfm_batch_end(&batch);
	CommandCounterIncrement();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	index_close(index, NoLock);
	table_close(rel, NoLock);
	PG_RETURN_INT64((int64) n);
}
