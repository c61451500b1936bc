/*
 * fast_scan.c: the order pass of rfm.customer_scores straight over a heap
 * table, without the executor.
 *
 * The SQL path (rfm._customer_states_query through SPI) costs ~170 ns per
 * order, mostly executor per-row work: the WHERE qual, three casts and an
 * fmgr call of the transition function per row.  For a plain table we
 * read the three columns of each heap tuple and apply the same rules in C
 * (~58 ns per order with 1M customers, most of it the random slot access):
 *
 *   - rows with a NULL customer, time or amount are skipped;
 *   - the day is the ::date cast (timestamptz: the calendar day in the
 *     session TimeZone, via the same timestamptz_date) and orders after
 *     as_of are left out before any check, as the WHERE clause does;
 *   - infinite days are 22008, NaN or infinite amounts 22023;
 *   - int2/int4/int8 customers are integer keys; numeric and float keys
 *     their canonical text (customer_key.h: 1.0 = 1.00 = 1, -0 = 0), as
 *     the SQL path's rfm._customer_key; text, varchar and uuid with a
 *     deterministic collation, and domains over integers, the bytes of
 *     their ::text cast (binary-coercible types as stored, others through
 *     their output function, as CoerceViaIO does).  Keys whose text does
 *     not decide their equality (rfm_customer_key_kind) take the SQL path,
 *     which groups them by the type's own equality;
 *   - amounts are numeric (decoded to a scaled integer without copying)
 *     or integers (scale 0, as ::numeric gives).
 *
 * Only where the SQL path would read exactly the table's own rows: a plain
 * heap table (relkind 'r', heap access method, read with heap_getnext and
 * heap_getattr) without inheritance children, row-level security not in
 * force for the caller.  Everything else (views, partitioned or foreign
 * tables, RLS, other key types) returns false and the caller runs the SQL
 * path.  Privileges are checked as the executor does (SELECT on the table,
 * or on the three columns).  On a big enough table parallel workers share
 * the pass (fast_scan_parallel.c), each running fast_scan_rows over its
 * blocks.  fast_scan_states does the same for the stored
 * rows of one customer state (rfm.customer_state_scores).
 */
#include "compat.h"

#include "customer_key.h"
#include "fast_table.h"
#include "fast_scan.h"
#include "fast_scan_order.h"
#include "exact_sum.h"
#include "rfm_state.h"
#include "scaled.h"
#include "numeric_layout.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "rewrite/rowsecurity.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

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

/* attnum of the open rel is still a live column of this type. */
static bool
same_column(Relation rel, AttrNumber attnum, Oid type)
{
	Form_pg_attribute att;

	if (attnum > RelationGetNumberOfAttributes(rel))
		return false;
	att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	return !att->attisdropped && att->atttypid == type;
}

/* uuid_out's text (8-4-4-4-12 lower-case hex digits) into buf[37]. */
static void
uuid_text(const pg_uuid_t *uuid, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	char	   *p = buf;

	for (int i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[uuid->data[i] >> 4];
		*p++ = hex[uuid->data[i] & 0x0F];
	}
	*p = '\0';
}

/*
 * How a customer key of this type and collation is read (the output
 * function: fast_scan_rows); false for the SQL path (rfm_customer_key_kind:
 * keys grouped by the type's equality, char(n)'s cast function, ...).
 */
static bool
key_kind(Oid type, Oid collation, KeyKind *kind)
{
	Oid			func;

	switch (rfm_customer_key_kind(type, collation))
	{
		case CKEY_INTEGER:
			*kind = type == INT2OID ? KEY_INT2 : type == INT4OID ? KEY_INT4 : KEY_INT8;
			return true;
		case CKEY_NUMERIC:
			*kind = KEY_NUMERIC;
			return true;
		case CKEY_FLOAT4:
			*kind = KEY_FLOAT4;
			return true;
		case CKEY_FLOAT8:
			*kind = KEY_FLOAT8;
			return true;
		case CKEY_TEXT:
			break;
		default:
			return false;
	}
	/* the text uuid_out prints, without its per-row palloc and fmgr call */
	if (getBaseType(type) == UUIDOID)
	{
		*kind = KEY_UUID;
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
			*kind = KEY_OUTPUT;
			return true;
		default:
			return false;		/* a cast function (bpchar, ...): SQL path */
	}
}


/*
 * A numeric amount as value * 10^dscale: the common case (short header,
 * at most 4 base-10000 digits) here in 64-bit arithmetic, everything else
 * through exact_sum.c (NaN/infinity checks, long header, big values).
 * Same result as numeric_to_scaled; false when the amount has no fast form
 * or is not finite (the caller tells them apart: bad_order).
 */
static inline bool
decode_amount(Numeric n, int128 *out, int32 *dscale_out)
{
	const char *data = VARDATA_ANY(n);
	Size		len = VARSIZE_ANY_EXHDR(n);
	uint16		header;
	int			ndigits;
	int			weight;
	int			dscale;
	int			frac_digits;
	int64		acc = 0;

	memcpy(&header, data, sizeof(uint16));
	ndigits = (int) ((len - sizeof(uint16)) / sizeof(int16));
	if ((header & NUM_SIGN_MASK) != NUM_SHORT || ndigits > 4)
		return rfm_numeric_is_finite(n) && numeric_to_scaled(n, out, dscale_out);
	/* a short numeric is never NaN or infinite */
	dscale = (header & NUM_SHORT_DSCALE_MASK) >> NUM_SHORT_DSCALE_SHIFT;
	weight = (header & NUM_SHORT_WEIGHT_SIGN) ? (int) (~NUM_SHORT_WEIGHT_MASK | (header & NUM_SHORT_WEIGHT_MASK))
		: (int) (header & NUM_SHORT_WEIGHT_MASK);
	if (dscale > RFM_MAX_FAST_SCALE)
		return false;
	if (ndigits == 0)
	{
		*out = 0;
		*dscale_out = dscale;
		return true;
	}
	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;

		memcpy(&digit, data + sizeof(uint16) + i * sizeof(int16), sizeof(int16));
		acc = acc * 10000 + digit;
	}
	frac_digits = 4 * (ndigits - 1 - weight);
	if (frac_digits > dscale)
	{
		if (frac_digits - dscale > 18)
			return numeric_to_scaled(n, out, dscale_out);
		acc /= rfm_pow10_i64[frac_digits - dscale];	/* exact: those digits are 0 */
	}
	else if (dscale - frac_digits > 18 ||
			 __builtin_mul_overflow(acc, rfm_pow10_i64[dscale - frac_digits], &acc))
		return numeric_to_scaled(n, out, dscale_out);
	*out = (header & NUM_SHORT_SIGN) ? -(int128) acc : (int128) acc;
	*dscale_out = dscale;
	return true;
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

/*
 * An order with an infinite day or a NaN or infinite amount: the error of
 * rfm_check_finite_day / _amount, naming the customer as rfm keys it.
 */
static void
bad_order(const OrderScan *os, int64 ikey, const char *skey, uint32 keylen, DateADT day, Numeric amount)
{
	char	   *order = rfm_order_text(ikey, skey, keylen, day);

	rfm_check_finite_day(day, os->caller, order);
	if (amount)
		rfm_check_finite_amount(amount, os->caller, order);
}

/*
 * The order pass proper: every row the scan returns into table.  Used by
 * the leader and by each parallel worker (fast_scan_parallel.c) with its
 * own scan and table.
 */
void
fast_scan_rows(const OrderScan *os, Relation rel, TableScanDesc scan, FastTable *table)
{
	TupleDesc	desc = RelationGetDescr(rel);
	KeyKind		kkind = (KeyKind) os->key_kind;
	DayKind		dkind = (DayKind) os->day_kind;
	AmountKind	akind = (AmountKind) os->amount_kind;
	FmgrInfo	key_out;
	HeapTuple	tuple;
	MemoryContext scratch;
	MemoryContext old;

	scratch = AllocSetContextCreate(CurrentMemoryContext, "rfm scan rows", ALLOCSET_DEFAULT_SIZES);
	if (kkind == KEY_OUTPUT)
	{
		Oid			outfunc;
		bool		varlena;

		getTypeOutputInfo(os->key_type, &outfunc, &varlena);
		fmgr_info_cxt(outfunc, &key_out, scratch);
	}
	old = MemoryContextSwitchTo(scratch);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Datum		key_value,
					time_value,
					amount_value;
		bool		key_null,
					time_null,
					amount_null;
		DateADT		day;
		int64		ikey = 0;
		const char *skey = NULL;
		uint32		keylen = 0;
		int128		amount;
		int32		scale = 0;
		Numeric		numeric = NULL;
		char		key_buf[128];	/* uuid, float and most numeric key texts */

		CHECK_FOR_INTERRUPTS();
		key_value = heap_getattr(tuple, os->key_att, desc, &key_null);
		time_value = heap_getattr(tuple, os->time_att, desc, &time_null);
		amount_value = heap_getattr(tuple, os->amount_att, desc, &amount_null);
		if (key_null || time_null || amount_null)
			continue;

		/* the day first: orders after as_of are left out before any check */
		switch (dkind)
		{
			case DAY_DATE:
				day = DatumGetDateADT(time_value);
				break;
			case DAY_TIMESTAMPTZ:
				day = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, time_value));
				break;
			default:
				day = DatumGetDateADT(DirectFunctionCall1(timestamp_date, time_value));
				break;
		}
		if (day > os->as_of)
			continue;

		switch (kkind)
		{
			case KEY_INT2:
				ikey = DatumGetInt16(key_value);
				break;
			case KEY_INT4:
				ikey = DatumGetInt32(key_value);
				break;
			case KEY_INT8:
				ikey = DatumGetInt64(key_value);
				break;
			case KEY_BYTES:
				{
					struct varlena *v = PG_DETOAST_DATUM_PACKED(key_value);

					skey = VARDATA_ANY(v);
					keylen = VARSIZE_ANY_EXHDR(v);
					break;
				}
			case KEY_UUID:
				uuid_text(DatumGetUUIDP(key_value), key_buf);
				skey = key_buf;
				keylen = 36;
				break;
			case KEY_OUTPUT:
				skey = OutputFunctionCall(&key_out, key_value);
				keylen = strlen(skey);
				break;
			case KEY_NUMERIC:
				skey = rfm_numeric_key_text((Numeric) PG_DETOAST_DATUM_PACKED(key_value),
											key_buf, sizeof(key_buf), &keylen);
				break;
			case KEY_FLOAT4:
				keylen = rfm_float4_key_text(DatumGetFloat4(key_value), key_buf);
				skey = key_buf;
				break;
			case KEY_FLOAT8:
				keylen = rfm_float8_key_text(DatumGetFloat8(key_value), key_buf);
				skey = key_buf;
				break;
		}
		/* the key first: an error names the customer as rfm keys it */
		if (unlikely(DATE_NOT_FINITE(day)))
			bad_order(os, ikey, skey, keylen, day, NULL);

		switch (akind)
		{
			case AMOUNT_NUMERIC:
				numeric = (Numeric) PG_DETOAST_DATUM_PACKED(amount_value);
				if (!decode_amount(numeric, &amount, &scale))
				{
					if (unlikely(!rfm_numeric_is_finite(numeric)))
						bad_order(os, ikey, skey, keylen, day, numeric);
					scale = -1; /* no fast form: numeric arithmetic below (rare) */
				}
				break;
			case AMOUNT_INT2:
				amount = DatumGetInt16(amount_value);
				break;
			case AMOUNT_INT4:
				amount = DatumGetInt32(amount_value);
				break;
			default:
				amount = DatumGetInt64(amount_value);
				break;
		}

		if (scale >= 0)
			fast_table_add_scaled(table, ikey, skey, keylen, day, amount, scale);
		else
			fast_table_add_order(table, ikey, skey, keylen, day, numeric);
		/* free detoasted or printed values (nothing to do for most rows) */
		MemoryContextReset(scratch);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(scratch);
	fast_table_flush(table);
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
				amount_att;
	KeyKind		kkind;
	DayKind		dkind;
	AmountKind	akind;
	Oid			user = GetUserId();
	Relation	rel;
	OrderScan	os;
	FastTable  *table;

	if (get_rel_relkind(relid) != RELKIND_RELATION || !ActiveSnapshotSet())
		return false;
	key_att = user_column(relid, customer_column, &key_type);
	time_att = user_column(relid, time_column, &time_type);
	amount_att = user_column(relid, amount_column, &amount_type);
	if (key_att == 0 || time_att == 0 || amount_att == 0)
		return false;			/* the SQL path reports it */
	/* a domain's values are stored as its base type's */
	switch (getBaseType(time_type))
	{
		case DATEOID:
			dkind = DAY_DATE;
			break;
		case TIMESTAMPTZOID:
			dkind = DAY_TIMESTAMPTZ;
			break;
		case TIMESTAMPOID:
			dkind = DAY_TIMESTAMP;
			break;
		default:
			return false;
	}
	switch (getBaseType(amount_type))
	{
		case NUMERICOID:
			akind = AMOUNT_NUMERIC;
			break;
		case INT2OID:
			akind = AMOUNT_INT2;
			break;
		case INT4OID:
			akind = AMOUNT_INT4;
			break;
		case INT8OID:
			akind = AMOUNT_INT8;
			break;
		default:
			return false;
	}

	/*
	 * Locked as a query locks what it reads: until the transaction ends
	 * (table_close with NoLock below), so that no TRUNCATE or ALTER gets in
	 * between two reads of a REPEATABLE READ transaction.
	 */
	rel = table_open(relid, AccessShareLock);
	/*
	 * Inheritance children would be read by FROM source; RLS filters rows.
	 * The columns are checked again under the lock (an ALTER TABLE may have
	 * changed them since they were looked up), the key's kind with the
	 * column's collation as it is now.
	 */
	if (rel->rd_rel->relhassubclass || rel->rd_rel->relam != HEAP_TABLE_AM_OID ||
		!same_column(rel, key_att, key_type) || !same_column(rel, time_att, time_type) ||
		!same_column(rel, amount_att, amount_type) ||
		!key_kind(key_type, TupleDescAttr(RelationGetDescr(rel), key_att - 1)->attcollation, &kkind) ||
		check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
	{
		table_close(rel, NoLock);
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

	memset(&os, 0, sizeof(os));
	os.relid = relid;
	os.key_type = key_type;
	os.key_att = key_att;
	os.time_att = time_att;
	os.amount_att = amount_att;
	os.key_kind = kkind;
	os.day_kind = dkind;
	os.amount_kind = akind;
	os.as_of = as_of;
	os.text_keys = kkind != KEY_INT2 && kkind != KEY_INT4 && kkind != KEY_INT8;
	os.estimate = estimated_customers(rel, key_att);
	strlcpy(os.caller, caller, sizeof(os.caller));

	table = fast_table_create(cxt, os.text_keys);
	if (os.estimate > 0)
		fast_table_reserve(table, os.estimate + os.estimate / 2);	/* n_distinct is often low */
	if (!fast_scan_parallel(&os, rel, table))
	{
		TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);

		fast_scan_rows(&os, rel, scan, table);
		table_endscan(scan);
	}
	table_close(rel, NoLock);
	*result = table;
	return true;
}

/* see fast_scan.h: rfm's own policy on rfm.customer_states is checked by the callers */
bool
rfm_states_rls_beyond_owner(Relation rel)
{
	ListCell   *lc;
	bool		ours = false;

	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, false) != RLS_ENABLED)
		return false;
	if (rel->rd_rsdesc == NULL)
		return true;
	foreach(lc, rel->rd_rsdesc->policies)
	{
		RowSecurityPolicy *policy = (RowSecurityPolicy *) lfirst(lc);

		if (strcmp(policy->policy_name, "customer_states_owner") != 0)
			return true;
		ours = true;
	}
	return !ours;				/* no policy at all denies every row */
}

/* Column attnum of rel with exactly this type, or 0. */
static AttrNumber
typed_column(Relation rel, const char *name, Oid type)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), name);

	if (attnum <= 0 || !same_column(rel, attnum, type))
		return 0;
	return attnum;
}

#define STATE_CALLER "rfm.customer_state_scores"

bool
fast_scan_states(Oid relid, text *state_name, MemoryContext cxt,
				 FastEntry **entries_out, int *count_out, uint64 *rows_out)
{
	Relation	rel;
	TupleDesc	desc;
	TableScanDesc scan;
	HeapTuple	tuple;
	AttrNumber	name_att,
				key_att,
				first_att,
				last_att,
				freq_att,
				money_att;
	const char *name = VARDATA_ANY(state_name);
	Size		namelen = VARSIZE_ANY_EXHDR(state_name);
	FastEntry  *entries;
	uint64		cap = 1024;
	uint64		n = 0;
	uint64		rows = 0;
	char	   *arena = NULL;
	Size		arena_left = 0;
	Size		arena_bytes = 0;	/* all key blocks */
	Size		max_bytes;
	Size		other_bytes = 0;	/* key blocks and numeric-form sums */
	MemoryContext scratch;
	MemoryContext old;

	if (get_rel_relkind(relid) != RELKIND_RELATION || !ActiveSnapshotSet())
		return false;
	rel = table_open(relid, AccessShareLock);
	name_att = typed_column(rel, "state_name", TEXTOID);
	key_att = typed_column(rel, "customer", TEXTOID);
	first_att = typed_column(rel, "first_purchase", DATEOID);
	last_att = typed_column(rel, "last_purchase", DATEOID);
	freq_att = typed_column(rel, "frequency", INT8OID);
	money_att = typed_column(rel, "monetary", NUMERICOID);
	if (rel->rd_rel->relhassubclass || rel->rd_rel->relam != HEAP_TABLE_AM_OID ||
		!name_att || !key_att || !first_att || !last_att || !freq_att || !money_att ||
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		rfm_states_rls_beyond_owner(rel))
	{
		table_close(rel, NoLock);
		return false;			/* the SQL path reads it, or reports why not */
	}

	desc = RelationGetDescr(rel);
	/* bounded by rfm.max_memory, as the SQL path (rfm._customer_states_pack) is */
	max_bytes = max_memory_bytes();
	entries = MemoryContextAllocHuge(cxt, sizeof(FastEntry) * cap);
	scratch = AllocSetContextCreate(CurrentMemoryContext, "rfm state rows", ALLOCSET_DEFAULT_SIZES);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	old = MemoryContextSwitchTo(scratch);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull,
					key_null,
					freq_null,
					money_null;
		Datum		d = heap_getattr(tuple, name_att, desc, &isnull);
		struct varlena *v;
		Datum		key_value,
					money_value;
		FastEntry  *e;
		Numeric		money;
		int64		frequency;
		bool		days_null;
		DateADT		first,
					last;
		Size		keylen;

		CHECK_FOR_INTERRUPTS();
		if (isnull)
			continue;
		/* c.state_name = name (a deterministic collation: the same bytes) */
		v = PG_DETOAST_DATUM_PACKED(d);
		if (VARSIZE_ANY_EXHDR(v) != namelen || memcmp(VARDATA_ANY(v), name, namelen) != 0)
		{
			MemoryContextReset(scratch);
			continue;
		}
		rows++;
		key_value = heap_getattr(tuple, key_att, desc, &key_null);
		frequency = DatumGetInt64(heap_getattr(tuple, freq_att, desc, &freq_null));
		money_value = heap_getattr(tuple, money_att, desc, &money_null);
		first = last = 0;
		days_null = false;
		if (frequency > 0 && !freq_null)
		{
			bool		first_null,
						last_null;

			first = DatumGetDateADT(heap_getattr(tuple, first_att, desc, &first_null));
			last = DatumGetDateADT(heap_getattr(tuple, last_att, desc, &last_null));
			days_null = first_null || last_null;
		}
		v = key_null ? NULL : PG_DETOAST_DATUM_PACKED(key_value);
		money = money_null ? NULL : (Numeric) PG_DETOAST_DATUM_PACKED(money_value);
		fast_check_stored_state(v ? VARDATA_ANY(v) : NULL, v ? VARSIZE_ANY_EXHDR(v) : 0,
								key_null || freq_null || money_null, frequency, days_null,
								first, last, money, STATE_CALLER);
		if (n == 0)				/* (an empty state is no error, as through SQL) */
			rfm_check_max_memory(sizeof(FastEntry) * cap, max_bytes, 0);
		if (n == cap)
		{
			cap *= 2;
			rfm_check_max_memory(sizeof(FastEntry) * cap + other_bytes, max_bytes, n);
			entries = repalloc_huge(entries, sizeof(FastEntry) * cap);
		}
		e = &entries[n];
		memset(e, 0, sizeof(FastEntry));
		e->frequency = frequency;
		e->first_purchase = first;
		e->last_purchase = last;
		if (frequency == 0)
		{
			MemoryContextReset(scratch);
			continue;			/* no purchase: not scored (as load_states) */
		}
		exact_sum_init(&e->net);
		exact_sum_add(&e->net, money, false, cxt);
		if (e->net.big)
		{
			other_bytes += VARSIZE(e->net.big);
			rfm_check_max_memory(sizeof(FastEntry) * cap + other_bytes, max_bytes, n);
		}
		/* the key, into an arena in cxt */
		keylen = VARSIZE_ANY_EXHDR(v);
		if (keylen > arena_left)
		{
			arena_left = rfm_arena_block(arena_bytes, keylen);
			arena_bytes += arena_left;
			other_bytes += arena_left;
			rfm_check_max_memory(sizeof(FastEntry) * cap + other_bytes, max_bytes, n);
			arena = MemoryContextAlloc(cxt, arena_left);
		}
		memcpy(arena, VARDATA_ANY(v), keylen);
		e->key.skey = arena;
		e->used = (uint32) keylen + 1;
		arena += keylen;
		arena_left -= keylen;
		n++;
		MemoryContextReset(scratch);
	}
	MemoryContextSwitchTo(old);
	table_endscan(scan);
	table_close(rel, NoLock);
	MemoryContextDelete(scratch);
	if (n > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm: too many customers to score at once (%llu)", (unsigned long long) n)));
	*entries_out = entries;
	*count_out = (int) n;
	*rows_out = rows;
	return true;
}
