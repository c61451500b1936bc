/*
 * safe_path.c: search_path = pg_catalog, pg_temp (and a TimeZone) for the
 * length of a C function's call, as "SET search_path = ..." on a
 * PL/pgSQL function sets it.  The SQL these functions run (through SPI:
 * the grouped tier query, the customer states' query, the segment rules)
 * then resolves every operator in pg_catalog first, also for a caller
 * whose search_path puts another schema before pg_catalog ("x,
 * pg_catalog"), where an operator of x with the same argument types would
 * otherwise have run with the caller's rights (a superuser's scheduled
 * refresh, say).  An error ends the call with its (sub)transaction, which
 * restores the settings.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"

#include "safe_path.h"

/*
 * The zone was recorded on the server the tier table or customer state was
 * made on; a server whose time zone data lacks it (a restore elsewhere)
 * rejects it, and PostgreSQL's error alone would not say where it came from.
 */
static void
zone_error_context(void *arg)
{
	errcontext("rfm: the TimeZone recorded when this tier table or customer state was created, \"%s\" (create it again on this server)",
			   (const char *) arg);
}

int
rfm_enter_safe_path(const char *time_zone)
{
	int			nest_level = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (time_zone != NULL)
	{
		ErrorContextCallback context;

		context.callback = zone_error_context;
		context.arg = (void *) time_zone;
		context.previous = error_context_stack;
		error_context_stack = &context;
		(void) set_config_option("TimeZone", time_zone, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		error_context_stack = context.previous;
	}
	return nest_level;
}

void
rfm_leave_safe_path(int nest_level)
{
	AtEOXact_GUC(true, nest_level);
}

/* body(fcinfo) with those settings */
Datum
rfm_call_in_safe_path(PGFunction body, FunctionCallInfo fcinfo, const char *time_zone)
{
	int			nest_level = rfm_enter_safe_path(time_zone);
	Datum		result = body(fcinfo);

	rfm_leave_safe_path(nest_level);
	return result;
}

/*
 * rfm._zone_today(zone): today (the transaction's start) in a TimeZone
 * setting's zone, as CURRENT_DATE gives it there.  timezone(zone, now())
 * reads the name as an abbreviation first (timezone_abbreviations: 'EST',
 * 'CET' in summer, ...), which can be another day than the rows a tier
 * table computes with TimeZone set to it.
 */
PG_FUNCTION_INFO_V1(rfm_zone_today);

Datum
rfm_zone_today(PG_FUNCTION_ARGS)
{
	int			nest_level = rfm_enter_safe_path(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	DateADT		today = GetSQLCurrentDate();

	rfm_leave_safe_path(nest_level);
	PG_RETURN_DATEADT(today);
}
