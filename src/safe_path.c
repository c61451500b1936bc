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

#include "utils/guc.h"

#include "safe_path.h"

int
rfm_enter_safe_path(const char *time_zone)
{
	int			nest_level = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (time_zone != NULL)
		(void) set_config_option("TimeZone", time_zone, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return nest_level;
}

void
rfm_leave_safe_path(int nest_level)
{
	AtEOXact_GUC(true, nest_level);
}
