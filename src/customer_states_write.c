/*
 * customer_states_write.c: rfm._customer_states_insert(name text, states
 * bytea), the rows of a new or rebuilt customer state written into
 * rfm.customer_states as COPY writes rows.
 *
 * The SQL INSERT ... SELECT FROM rfm._customer_states_rows(states) ORDER BY
 * customer took about half of creating a state (a million customers: ~3.5
 * of ~7 s): the rows went through a result set and a sort, and every row
 * fired the foreign key's trigger, one query per row for the state_name
 * that all rows share.  Here the states are decoded and sorted by key in
 * memory, the foreign key is checked once (the same SELECT ... FOR KEY
 * SHARE the trigger runs, so the source row cannot go away before commit),
 * and the rows are written in batches (table_multi_insert) in primary key
 * order, every index entry made.
 *
 * Anything that would make the executor's INSERT do more than that --
 * row-level security, triggers other than the foreign key's, check
 * constraints, a changed column layout -- and this returns NULL: the caller
 * then runs the SQL INSERT.  Privileges are checked as INSERT checks them.
 */
#include "compat.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "batch_insert.h"
#include "fast_rows.h"
#include "fast_table.h"

#define FN "rfm._customer_states_insert"

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

/* The table as rfm's install script made it, and nothing INSERT would do besides writing rows. */
static bool
plain_states_table(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	static const Oid types[] = {TEXTOID, TEXTOID, DATEOID, DATEOID, INT8OID, NUMERICOID};

	if (rel->rd_rel->relkind != RELKIND_RELATION || desc->natts != lengthof(types) ||
		check_enable_rls(RelationGetRelid(rel), InvalidOid, false) == RLS_ENABLED)
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
			if (!rel->trigdesc->triggers[i].tgisinternal)
				return false;
	return true;
}

/* What the foreign key's trigger checks for each row, once for all of them. */
static void
lock_state_source(text *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(name)};

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, FN ": SPI_connect failed");
	if (SPI_execute_with_args("SELECT 1 FROM ONLY rfm.customer_state_sources s "
							  "WHERE s.state_name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF s",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, FN ": locking the state's source row failed");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg(FN ": no customer state named %s in rfm.customer_state_sources",
						quote_literal_cstr(text_to_cstring(name)))));
	SPI_finish();
}

PG_FUNCTION_INFO_V1(rfm_customer_states_insert);

Datum
rfm_customer_states_insert(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	bytea	   *states = PG_GETARG_BYTEA_PP(1);
	Oid			relid;
	Relation	rel;
	AclResult	acl;
	FastReader	reader;
	FastEntry	e;
	uint32		keylen;
	StateRow   *rows;
	uint64		n = 0;
	KeyBuf		keybuf = {NULL, 0, CurrentMemoryContext};
	NumericBuf	numbuf;
	BatchInsert batch;
	MemoryContext cxt;
	MemoryContext old;

	relid = RangeVarGetRelid(makeRangeVar("rfm", "customer_states", -1), RowExclusiveLock, false);
	rel = table_open(relid, NoLock);
	acl = pg_class_aclcheck(relid, GetUserId(), ACL_INSERT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, RelationGetRelationName(rel));
	if (!plain_states_table(rel))
	{
		table_close(rel, NoLock);
		PG_RETURN_NULL();
	}
	lock_state_source(name);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "rfm state rows", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	fast_reader_init(&reader, states);
	rows = MemoryContextAllocHuge(cxt, Max(reader.count, 1) * sizeof(StateRow));
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

	rfm_batch_begin(&batch, rel, 0, true);
	for (uint64 i = 0; i < n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false};

		CHECK_FOR_INTERRUPTS();
		values[0] = PointerGetDatum(name);
		values[1] = PointerGetDatum(rows[i].customer);
		values[2] = DateADTGetDatum(rows[i].first_purchase);
		values[3] = DateADTGetDatum(rows[i].last_purchase);
		nulls[2] = nulls[3] = (rows[i].frequency == 0);
		values[4] = Int64GetDatum(rows[i].frequency);
		values[5] = NumericGetDatum(rows[i].monetary);
		rfm_batch_add_values(&batch, values, nulls);
	}
	rfm_batch_end(&batch);
	CommandCounterIncrement();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	table_close(rel, NoLock);
	PG_RETURN_INT64((int64) n);
}
