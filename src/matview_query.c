/*
 * matview_query.c: a materialized view's stored query, run as
 * ExecRefreshMatView runs it (matview.c).
 */
#include "matview_query.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "storage/lmgr.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

Relation
rfm_matview_open(Oid relid, LOCKMODE lockmode, const char *caller, char **relname)
{
	Relation	rel;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: relation with OID %u does not exist", caller, relid)));
	if (!rfm_may_refresh(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s: must be owner of materialized view %s", caller, get_rel_name(relid)),
				 errhint("Only the owner of a tier table may refresh it, as with REFRESH MATERIALIZED VIEW.")));
	LockRelationOid(relid, lockmode);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: relation with OID %u was dropped", caller, relid)));
	rel = table_open(relid, NoLock);
	*relname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
										  RelationGetRelationName(rel));
	if (rel->rd_rel->relkind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s: %s is not a materialized view", caller, *relname)));
	return rel;
}

void
rfm_matview_as_owner(Relation rel, MatviewOwnerSave *save)
{
	GetUserIdAndSecContext(&save->userid, &save->sec_context);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save->sec_context | SECURITY_RESTRICTED_OPERATION);
	save->nestlevel = NewGUCNestLevel();
	rfm_restrict_search_path();
}

void
rfm_matview_restore(const MatviewOwnerSave *save)
{
	AtEOXact_GUC(false, save->nestlevel);
	SetUserIdAndSecContext(save->userid, save->sec_context);
}

void
rfm_matview_run_query(Relation rel, const char *relname, DestReceiver *dest, const char *caller)
{
	RuleLock   *rules = rel->rd_rules;
	RewriteRule *rule;
	Query	   *query;
	List	   *rewritten;
	PlannedStmt *plan;
	QueryDesc  *qd;

	if (!rel->rd_rel->relhasrules || rules == NULL || rules->numLocks != 1)
		elog(ERROR, "%s: materialized view %s has no single rewrite rule", caller, relname);
	rule = rules->rules[0];
	if (rule->event != CMD_SELECT || !rule->isInstead || list_length(rule->actions) != 1)
		elog(ERROR, "%s: the rule of materialized view %s is not a single SELECT INSTEAD rule",
			 caller, relname);

	/* Lock and rewrite a copy: the stored query must not be scribbled on. */
	query = copyObject(linitial_node(Query, rule->actions));
	AcquireRewriteLocks(query, true, false);
	rewritten = QueryRewrite(query);
	if (list_length(rewritten) != 1)
		elog(ERROR, "%s: unexpected rewrite result for %s", caller, relname);
	query = linitial_node(Query, rewritten);
	CHECK_FOR_INTERRUPTS();
	plan = pg_plan_query(query, caller, CURSOR_OPT_PARALLEL_OK, NULL);

	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	qd = CreateQueryDesc(plan, caller, GetActiveSnapshot(), InvalidSnapshot, dest, NULL, NULL, 0);
	ExecutorStart(qd, 0);
	if (qd->tupDesc->natts != RelationGetDescr(rel)->natts)
		elog(ERROR, "%s: the stored query of %s returns %d columns, the table has %d",
			 caller, relname, qd->tupDesc->natts, RelationGetDescr(rel)->natts);
	rfm_executor_run(qd, ForwardScanDirection, 0);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
	PopActiveSnapshot();
}
