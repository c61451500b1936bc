/*
 * source_lock.c: rfm._tier_lock_table(source), the lock a refresh, build,
 * alter or fold takes on a table source before it reads it.
 *
 * rfm reads the source inside a statement whose snapshot is taken before
 * the source is opened: a wait there for a transaction that rewrote it
 * (TRUNCATE and reload, ALTER TABLE ... TYPE) ended with the older snapshot
 * seeing it empty.  Locked in a statement of its own, the statements after
 * take their snapshots after the wait.  LOCK TABLE would do, but it needs
 * SELECT on the whole table, where reading the three columns needs SELECT
 * on those alone: this takes the same lock (on the partitions and
 * inheritance children too, as LOCK TABLE does) for a role that may read
 * any column of it.  Views are locked by LOCK TABLE (src/sql).
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(rfm_tier_lock_table);

Datum
rfm_tier_lock_table(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char		relkind = get_rel_relkind(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("rfm._tier_lock_table: %u is not a table", relid)));
	/* the right to read some of it, as the read itself will check */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, GetUserId(), ACL_SELECT, ACLMASK_ANY) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(relid))));
	LockRelationOid(relid, AccessShareLock);
	/* the table may have gone while we waited */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("rfm: the source table with oid %u was dropped", relid)));
	(void) find_all_inheritors(relid, AccessShareLock, NULL);
	PG_RETURN_VOID();
}
