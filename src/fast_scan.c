/*
 * fast_scan.c: the order pass of rfm.customer_scores straight over a heap
 * table, without the executor.
 *
 * The SQL path (rfm._customer_states_query through SPI) costs ~170 ns per
 * order, mostly executor per-row work: the WHERE qual, three casts and an
 * fmgr call of the transition function per row.  For a plain table we
 * read the three columns from the scan slot and apply the same rules in C:
 *
 *   - rows with a NULL customer, time or amount are skipped;
 *   - the day is the ::date cast (timestamptz: the calendar day in the
 *     session TimeZone, via the same timestamptz_date) and orders after
 *     as_of are left out before any check, as the WHERE clause does;
 *   - infinite days are 22008, NaN or infinite amounts 22023;
 *   - int2/int4/int8 customers are integer keys, every other type the
 *     bytes of its ::text cast (binary-coercible types as stored, others
 *     through their output function, as CoerceViaIO does);
 *   - amounts are numeric (decoded to a scaled integer without copying)
 *     or integers (scale 0, as ::numeric gives).
 *
 * Only where the SQL path would read exactly the table's own rows: a plain
 * table (relkind 'r') without inheritance children, row-level security not
 * in force for the caller.  Everything else (views, partitioned or foreign
 * tables, RLS, other key types) returns false and the caller runs the SQL
 * path.  Privileges are checked as the executor does (SELECT on the table,
 * or on the three columns).
 */
#include "compat.h"

#include "fast_table.h"
#include "fast_scan.h"
#include "exact_sum.h"
#include "rfm_state.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

typedef enum KeyKind
{
	KEY_INT2,
	KEY_INT4,
	KEY_INT8,
	KEY_BYTES,					/* binary-coercible to text: the varlena's bytes */
	KEY_OUTPUT					/* the type's output function (CoerceViaIO) */
} KeyKind;

typedef enum DayKind
{
	DAY_DATE,
	DAY_TIMESTAMPTZ,
	DAY_TIMESTAMP
} DayKind;

typedef enum AmountKind
{
	AMOUNT_NUMERIC,
	AMOUNT_INT2,
	AMOUNT_INT4,
	AMOUNT_INT8
} AmountKind;

/* A user column's number, or 0 (dropped, missing, system column). */
static AttrNumber
user_column(Oid relid, const char *name, Oid *type)
{
	AttrNumber	attnum = get_attnum(relid, name);

	if (attnum <= 0)
		return 0;
	*type = get_atttype(relid, attnum);
	return attnum;
}

static bool
key_kind(Oid type, KeyKind *kind, FmgrInfo *out, MemoryContext cxt)
{
	Oid			func;
	Oid			outfunc;
	bool		varlena;

	switch (type)
	{
		case INT2OID:
			*kind = KEY_INT2;
			return true;
		case INT4OID:
			*kind = KEY_INT4;
			return true;
		case INT8OID:
			*kind = KEY_INT8;
			return true;
	}
	/* what src.col::pg_catalog.text does in the SQL path */
	switch (find_coercion_pathway(TEXTOID, type, COERCION_EXPLICIT, &func))
	{
		case COERCION_PATH_RELABELTYPE:
			if (get_typlen(getBaseType(type)) != -1)
				return false;
			*kind = KEY_BYTES;
			return true;
		case COERCION_PATH_COERCEVIAIO:
			getTypeOutputInfo(type, &outfunc, &varlena);
			fmgr_info_cxt(outfunc, out, cxt);
			*kind = KEY_OUTPUT;
			return true;
		default:
			return false;		/* a cast function (bpchar, name, ...): SQL path */
	}
}

/* Estimated distinct customers (planner statistics), 0 when unknown. */
static uint64
estimated_customers(Relation rel, AttrNumber attnum)
{
	HeapTuple	tuple = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(RelationGetRelid(rel)),
										Int16GetDatum(attnum), BoolGetDatum(false));
	double		distinct = 0;

	if (!HeapTupleIsValid(tuple))
		return 0;
	distinct = ((Form_pg_statistic) GETSTRUCT(tuple))->stadistinct;
	ReleaseSysCache(tuple);
	if (distinct < 0)
		distinct = -distinct * Max(rel->rd_rel->reltuples, 0);
	if (distinct <= 0 || distinct > 1e10)
		return 0;
	return (uint64) distinct;
}

bool
fast_scan_orders(Oid relid, const char *customer_column, const char *time_column,
				 const char *amount_column, DateADT as_of, const char *caller,
				 MemoryContext cxt, FastTable **result)
{
	Oid			key_type = InvalidOid,
				time_type = InvalidOid,
				amount_type = InvalidOid;
	AttrNumber	key_att,
				time_att,
				amount_att,
				natts;
	KeyKind		kkind;
	DayKind		dkind;
	AmountKind	akind;
	FmgrInfo	key_out;
	Oid			user = GetUserId();
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	FastTable  *table;
	MemoryContext scratch;
	MemoryContext old;
	uint64		estimate;

	if (get_rel_relkind(relid) != RELKIND_RELATION || !ActiveSnapshotSet())
		return false;
	key_att = user_column(relid, customer_column, &key_type);
	time_att = user_column(relid, time_column, &time_type);
	amount_att = user_column(relid, amount_column, &amount_type);
	if (key_att == 0 || time_att == 0 || amount_att == 0)
		return false;			/* the SQL path reports it */
	if (time_type == DATEOID)
		dkind = DAY_DATE;
	else if (time_type == TIMESTAMPTZOID)
		dkind = DAY_TIMESTAMPTZ;
	else if (time_type == TIMESTAMPOID)
		dkind = DAY_TIMESTAMP;
	else
		return false;
	if (amount_type == NUMERICOID)
		akind = AMOUNT_NUMERIC;
	else if (amount_type == INT2OID)
		akind = AMOUNT_INT2;
	else if (amount_type == INT4OID)
		akind = AMOUNT_INT4;
	else if (amount_type == INT8OID)
		akind = AMOUNT_INT8;
	else
		return false;
	if (!key_kind(key_type, &kkind, &key_out, cxt))
		return false;

	rel = table_open(relid, AccessShareLock);
	/* inheritance children would be read by FROM source; RLS filters rows */
	if (rel->rd_rel->relhassubclass ||
		check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
	{
		table_close(rel, AccessShareLock);
		return false;
	}
	/* as the executor: SELECT on the table, or on each column read */
	if (pg_class_aclcheck(relid, user, ACL_SELECT) != ACLCHECK_OK &&
		(pg_attribute_aclcheck(relid, key_att, user, ACL_SELECT) != ACLCHECK_OK ||
		 pg_attribute_aclcheck(relid, time_att, user, ACL_SELECT) != ACLCHECK_OK ||
		 pg_attribute_aclcheck(relid, amount_att, user, ACL_SELECT) != ACLCHECK_OK))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s: permission denied for table %s", caller, RelationGetRelationName(rel)),
				 errhint("The caller needs SELECT on the table, or on its customer, time and amount columns.")));

	table = fast_table_create(cxt, kkind == KEY_BYTES || kkind == KEY_OUTPUT);
	estimate = estimated_customers(rel, key_att);
	if (estimate > 0)
		fast_table_reserve(table, estimate);
	natts = Max(key_att, Max(time_att, amount_att));
	scratch = AllocSetContextCreate(CurrentMemoryContext, "rfm scan rows", ALLOCSET_DEFAULT_SIZES);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	slot = table_slot_create(rel, NULL);
	old = MemoryContextSwitchTo(scratch);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		Datum	   *values;
		bool	   *isnull;
		DateADT		day;
		int64		ikey = 0;
		const char *skey = NULL;
		uint32		keylen = 0;
		int128		amount;
		int32		scale = 0;

		CHECK_FOR_INTERRUPTS();
		slot_getsomeattrs(slot, natts);
		values = slot->tts_values;
		isnull = slot->tts_isnull;
		if (isnull[key_att - 1] || isnull[time_att - 1] || isnull[amount_att - 1])
			continue;

		/* the day first: orders after as_of are left out before any check */
		switch (dkind)
		{
			case DAY_DATE:
				day = DatumGetDateADT(values[time_att - 1]);
				break;
			case DAY_TIMESTAMPTZ:
				day = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, values[time_att - 1]));
				break;
			default:
				day = DatumGetDateADT(DirectFunctionCall1(timestamp_date, values[time_att - 1]));
				break;
		}
		if (day > as_of)
			continue;
		rfm_check_finite_day(day, caller);

		switch (akind)
		{
			case AMOUNT_NUMERIC:
				{
					Numeric		n = (Numeric) PG_DETOAST_DATUM_PACKED(values[amount_att - 1]);

					rfm_check_finite_amount(n, caller);
					if (!numeric_to_scaled(n, &amount, &scale))
						scale = -1;		/* beyond the fast form: numeric arithmetic below (rare) */
					break;
				}
			case AMOUNT_INT2:
				amount = DatumGetInt16(values[amount_att - 1]);
				break;
			case AMOUNT_INT4:
				amount = DatumGetInt32(values[amount_att - 1]);
				break;
			default:
				amount = DatumGetInt64(values[amount_att - 1]);
				break;
		}

		switch (kkind)
		{
			case KEY_INT2:
				ikey = DatumGetInt16(values[key_att - 1]);
				break;
			case KEY_INT4:
				ikey = DatumGetInt32(values[key_att - 1]);
				break;
			case KEY_INT8:
				ikey = DatumGetInt64(values[key_att - 1]);
				break;
			case KEY_BYTES:
				{
					struct varlena *v = PG_DETOAST_DATUM_PACKED(values[key_att - 1]);

					skey = VARDATA_ANY(v);
					keylen = VARSIZE_ANY_EXHDR(v);
					break;
				}
			case KEY_OUTPUT:
				skey = OutputFunctionCall(&key_out, values[key_att - 1]);
				keylen = strlen(skey);
				break;
		}
		if (scale >= 0)
			fast_table_add_scaled(table, ikey, skey, keylen, day, amount, scale);
		else
			fast_table_add_order(table, ikey, skey, keylen, day,
								 (Numeric) PG_DETOAST_DATUM_PACKED(values[amount_att - 1]));
		MemoryContextReset(scratch);	/* nothing to do unless a value was copied */
	}
	MemoryContextSwitchTo(old);
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	MemoryContextDelete(scratch);
	fast_table_flush(table);
	*result = table;
	return true;
}
