/*
 * settings.c: rfm's configuration parameters.
 *
 * Defined in _PG_init so that they show in SHOW and pg_settings with their
 * defaults and a wrong value is refused by SET itself (22023).  A value set
 * before the library is loaded in a session (ALTER DATABASE ... SET, a SET
 * before the first rfm call) waits as a placeholder and is checked when the
 * library loads: PostgreSQL then warns about a bad one and keeps the
 * default.  The prefix is reserved, so a misspelt rfm.* name is an error.
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "segment_rules.h"
#include "settings.h"

bool		rfm_direct_scan = true;
int			rfm_direct_scan_workers = -1;
int			rfm_max_memory_kb = 1024 * 1024;	/* 1GB */
bool		rfm_tier_unsorted = false;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomBoolVariable("rfm.direct_scan",
							 "Lets rfm read plain tables directly instead of through SQL.",
							 "Off: rfm.customer_scores and tier builds always take the SQL path.",
							 &rfm_direct_scan, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("rfm.direct_scan_workers",
							"Parallel workers of rfm's direct scan (-1: as PostgreSQL would choose).",
							NULL,
							&rfm_direct_scan_workers, -1, -1, RFM_MAX_SCAN_WORKERS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("rfm.max_memory",
							"Largest per-customer table rfm builds in one process.",
							"Above it the build stops with 54000 (program_limit_exceeded).",
							&rfm_max_memory_kb, 1024 * 1024, 1, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	/* Set by rfm's own SQL functions for one transaction (set_config). */
	DefineCustomBoolVariable("rfm.tier_unsorted",
							 "Internal: rfm._tier_rows returns rows in any order.",
							 NULL,
							 &rfm_tier_unsorted, false,
							 PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	rfm_segment_cache_init();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("rfm");
#else
	EmitWarningsOnPlaceholders("rfm");
#endif
}
