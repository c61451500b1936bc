/*
 * fast_scan.h: rfm.customer_scores' order pass straight over a heap table.
 */
#ifndef RFM_FAST_SCAN_H
#define RFM_FAST_SCAN_H

#include "fast_table.h"

/*
 * Reads every order of relid up to as_of into a new table in cxt and
 * returns true; false (nothing read) when the source needs the SQL path:
 * not a plain table, inheritance children, row-level security in force,
 * or column types the direct reader does not handle.  Raises 42501 when
 * the caller may not read the columns.
 */
extern bool fast_scan_orders(Oid relid, const char *customer_column, const char *time_column,
							 const char *amount_column, DateADT as_of, const char *caller,
							 MemoryContext cxt, FastTable **result);

#endif							/* RFM_FAST_SCAN_H */
