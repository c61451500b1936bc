/*
 * settings.h: rfm's configuration parameters (rfm.*), defined when the
 * library loads (settings.c) so that SHOW, pg_settings and SET know them.
 */
#ifndef RFM_SETTINGS_H
#define RFM_SETTINGS_H

#include "postgres.h"

#define RFM_MAX_SCAN_WORKERS 1024	/* max_parallel_workers can be no higher */

extern bool rfm_direct_scan;		/* rfm.direct_scan */
extern int	rfm_direct_scan_workers;	/* rfm.direct_scan_workers, -1: automatic */
extern int	rfm_max_memory_kb;		/* rfm.max_memory */
extern bool rfm_tier_unsorted;		/* rfm.tier_unsorted (internal) */

#endif							/* RFM_SETTINGS_H */
