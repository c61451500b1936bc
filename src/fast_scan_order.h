/*
 * fast_scan_order.h: one order pass of the direct scan (fast_scan.c) as
 * plain data, so that parallel workers (fast_scan_parallel.c) can run the
 * same loop over their share of the table.
 */
#ifndef RFM_FAST_SCAN_ORDER_H
#define RFM_FAST_SCAN_ORDER_H

#include "fast_table.h"

#include "access/relscan.h"
#include "utils/rel.h"

typedef enum KeyKind
{
	KEY_INT2,
	KEY_INT4,
	KEY_INT8,
	KEY_UUID,					/* uuid (or a domain over it): uuid_out's text, printed here */
	KEY_BYTES,					/* binary-coercible to text: the varlena's bytes */
	KEY_OUTPUT,					/* the type's output function (CoerceViaIO) */
	KEY_NUMERIC,				/* numeric: its canonical text (customer_key.h) */
	KEY_FLOAT4,					/* real: its canonical text */
	KEY_FLOAT8					/* double precision: its canonical text */
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

/* Everything a process needs to read the orders (no pointers). */
typedef struct OrderScan
{
	Oid			relid;
	Oid			key_type;
	AttrNumber	key_att,
				time_att,
				amount_att;
	int			key_kind;		/* KeyKind */
	int			day_kind;		/* DayKind */
	int			amount_kind;	/* AmountKind */
	DateADT		as_of;
	bool		text_keys;
	uint64		estimate;		/* distinct customers, 0 unknown */
	char		caller[64];		/* for error messages */
} OrderScan;

/* Every row of scan (over rel) into table, flushed. */
extern void fast_scan_rows(const OrderScan *os, Relation rel, TableScanDesc scan, FastTable *table);

/*
 * The pass with parallel workers, when the table is big enough and they
 * are allowed (as for a parallel sequential scan): each reads blocks into
 * its own table, the leader merges them into table.  False (nothing read)
 * when no parallel pass fits; the caller then scans alone.
 */
extern bool fast_scan_parallel(const OrderScan *os, Relation rel, FastTable *table);

#endif							/* RFM_FAST_SCAN_ORDER_H */
