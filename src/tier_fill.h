/*
 * tier_fill.h: rfm._tier_fill's row sink, through which rfm._tier_rows
 * (tier_rows.c) writes a new tier table's rows straight into it, without
 * its result set and the executor in between.
 */
#ifndef RFM_TIER_FILL_H
#define RFM_TIER_FILL_H

#include "compat.h"

#include "access/tupdesc.h"
#include "fmgr.h"

typedef struct TierSink TierSink;

/*
 * The sink of the tier table being filled, once: only when rfm._tier_fill
 * runs a stored query that is exactly "SELECT every column FROM
 * rfm._tier_rows(...)" and desc has the table's column types; NULL
 * otherwise (the rows then go the usual way).
 */
extern TierSink *rfm_tier_sink_claim(TupleDesc desc);
extern void rfm_tier_sink_put(TierSink *sink, Datum *values, bool *nulls);

/* rfm._tier_rows (tier_rows.c), by which the fill recognises its query */
extern PGDLLEXPORT Datum rfm_tier_rows(PG_FUNCTION_ARGS);

#endif							/* RFM_TIER_FILL_H */
