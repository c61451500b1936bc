/*
 * safe_path.h: rfm's C entry points that run SQL of their own set
 * search_path (and, for a tier table, TimeZone) for the call, as a
 * function's SET clause does (src/safe_path.c).
 */
#ifndef RFM_SAFE_PATH_H
#define RFM_SAFE_PATH_H

#include "postgres.h"

#include "fmgr.h"

extern int	rfm_enter_safe_path(const char *time_zone);
extern void rfm_leave_safe_path(int nest_level);
extern Datum rfm_call_in_safe_path(PGFunction body, FunctionCallInfo fcinfo, const char *time_zone);

#endif							/* RFM_SAFE_PATH_H */
