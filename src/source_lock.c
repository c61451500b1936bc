/*
 * source_lock.c: rfm._tier_lock_source(source), the lock a refresh, build, alter
 * or fold takes on its source, in a statement of its own, before it reads it.
 *
 * rfm reads the source inside a statement whose snapshot is taken before
 * the source is opened: a wait there for a transaction that rewrote it
 * (TRUNCATE and reload, ALTER TABLE ... TYPE) ended with the older snapshot
 * seeing it empty.  Locked first, the statements after take their
 * snapshots after the wait.  The lock is the one reading takes
 * (ACCESS SHARE) on what reading opens: the source, a table's partitions or
 * inheritance children, and what a view reads (its relations, those of its
 * subqueries and of views under it, as LOCK TABLE on a view does).  LOCK
 * TABLE itself wants SELECT on the whole source, where the read needs it on
 * three columns: this asks for SELECT on any column.  A lock, not a query:
 * planning a query over a view could run its functions.
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(rfm_tier_lock_table);

/* Views being walked, innermost last: a view that reads itself stops here. */
typedef struct LockWalk
{
	List	   *views;
} LockWalk;

static void lock_read_relation(Oid relid, bool inh, LockWalk *walk);

/* Locks the relations of every query level of a view's query. */
static bool
lock_query_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *query = (Query *) node;
		ListCell   *lc;

		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_RELATION)
				lock_read_relation(rte->relid, rte->inh, (LockWalk *) context);
		}
		return query_tree_walker(query, lock_query_walker, context, 0);
	}
	return expression_tree_walker(node, lock_query_walker, context);
}

static void
lock_read_relation(Oid relid, bool inh, LockWalk *walk)
{
	char		relkind;

	/* a view's rule names the view itself (OLD/NEW up to PostgreSQL 15) */
	if (list_member_oid(walk->views, relid))
		return;
	check_stack_depth();
	LockRelationOid(relid, AccessShareLock);
	relkind = get_rel_relkind(relid);	/* '\0' if it was dropped meanwhile */
	if (relkind == RELKIND_VIEW)
	{
		Relation	view = relation_open(relid, NoLock);

		walk->views = lappend_oid(walk->views, relid);
		(void) lock_query_walker((Node *) get_view_query(view), walk);
		walk->views = list_delete_last(walk->views);
		relation_close(view, NoLock);
	}
	else if (inh && (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE))
		(void) find_all_inheritors(relid, AccessShareLock, NULL);
}

Datum
rfm_tier_lock_table(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char		relkind = get_rel_relkind(relid);
	LockWalk	walk = {NIL};

	/* a source dropped since it was recorded: the caller's check says so */
	if (relkind == '\0')
		PG_RETURN_VOID();
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("rfm._tier_lock_source: %u is not a table or view", relid)));
	/* the right to read some of it, as the read itself will check */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, GetUserId(), ACL_SELECT, ACLMASK_ANY) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for %s %s",
						relkind == RELKIND_VIEW ? "view" : "table", get_rel_name(relid))));
	lock_read_relation(relid, true, &walk);
	/* the source may have gone while we waited (then nothing under it was locked) */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("rfm: the source with oid %u was dropped", relid)));
	PG_RETURN_VOID();
}
