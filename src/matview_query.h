/*
 * matview_query.h: run a materialized view's stored query the way
 * REFRESH MATERIALIZED VIEW does (matview.c), for the tier table's own
 * fill (tier_fill.c) and in-place refresh (tier_refresh.c).
 */
#ifndef RFM_MATVIEW_QUERY_H
#define RFM_MATVIEW_QUERY_H

#include "compat.h"

#include "storage/lockdefs.h"
#include "tcop/dest.h"
#include "utils/rel.h"

/*
 * Opens materialized view relid for a refresh-like change as REFRESH does:
 * the caller's right to refresh it checked before waiting for the lock
 * (42501: a role that may not refresh it never queues behind a refresh),
 * then lockmode, then 42P01 if it is gone and 42809 if it is no
 * materialized view.  *relname: its schema-qualified name, for messages.
 */
extern Relation rfm_matview_open(Oid relid, LOCKMODE lockmode, const char *caller, char **relname);

/* What rfm_matview_as_owner changed, for rfm_matview_restore. */
typedef struct MatviewOwnerSave
{
	Oid			userid;
	int			sec_context;
	int			nestlevel;
} MatviewOwnerSave;

/*
 * The view owner's rights under SECURITY_RESTRICTED_OPERATION, GUC changes
 * kept local, search_path restricted from PostgreSQL 17 on.
 */
extern void rfm_matview_as_owner(Relation rel, MatviewOwnerSave *save);
extern void rfm_matview_restore(const MatviewOwnerSave *save);

/*
 * Rewrites, plans (parallel allowed) and runs the stored query of rel into
 * dest, with a copy of the active snapshot; relname and caller for errors.
 */
extern void rfm_matview_run_query(Relation rel, const char *relname, DestReceiver *dest,
								  const char *caller);

#endif							/* RFM_MATVIEW_QUERY_H */
