/*
 * fast_scan.h: rfm.customer_scores' order pass straight over a heap table.
 */
#ifndef RFM_FAST_SCAN_H
#define RFM_FAST_SCAN_H

#include "fast_table.h"
#include "utils/relcache.h"

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

/*
 * The stored states of one named state (rfm.customer_states, relid) with
 * a purchase, read directly: true with a new array of *count entries
 * (text keys) in cxt, and *rows the rows of that state; false when the SQL
 * path must run (row-level security in force, no SELECT privilege, not a
 * plain heap table).  Same checks as rfm._customer_states_pack.
 */
/*
 * Whether row-level security on rfm.customer_states goes beyond rfm's own
 * policy (customer_states_owner) for the caller: rfm's C readers and
 * writers of one state's rows then leave the work to SQL.  rfm's policy
 * alone they may skip, as the SQL function calling them has checked that
 * the caller owns the state.
 */
extern bool rfm_states_rls_beyond_owner(Relation rel);

extern bool fast_scan_states(Oid relid, text *state_name, MemoryContext cxt,
							 FastEntry **entries, int *count, uint64 *rows);

#endif							/* RFM_FAST_SCAN_H */
