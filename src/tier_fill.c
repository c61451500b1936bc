/*
 * tier_fill.c: rfm._tier_fill(tier regclass), the first fill of a tier
 * table that rfm.create_tiers has just made WITH NO DATA.
 *
 * CREATE MATERIALIZED VIEW ... AS writes its rows one at a time, each with
 * its own WAL record and buffer lock.  Here the stored query's rows are
 * written in batches (table_multi_insert: one WAL record per page, as COPY
 * does), then the view is marked populated, as REFRESH would.  The query
 * runs as REFRESH runs it (matview_query.c), so the rows are the ones
 * CREATE MATERIALIZED VIEW would have written.  Only a view made in this
 * transaction, still empty and without indexes, is accepted: nobody else
 * can see it, and its indexes are built afterwards over all rows at once.
 *
 * When the stored query is exactly "SELECT every column FROM
 * rfm._tier_rows(...)", as rfm.create_tiers writes it, rfm._tier_rows
 * hands its rows straight to this fill (rfm_tier_sink_claim), leaving its
 * result set empty: no copy into a tuplestore and back out.
 */
#include "compat.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "commands/matview.h"
#include "commands/tablecmds.h"
#include "nodes/primnodes.h"
#include "parser/parsetree.h"
#include "utils/rel.h"

#include "batch_insert.h"
#include "matview_query.h"
#include "tier_fill.h"

#define FN "rfm._tier_fill"

/* DestReceiver writing the rows it gets in batches. */
typedef struct FillReceiver
{
	DestReceiver pub;
	BatchInsert batch;
} FillReceiver;

static bool
fill_receive(TupleTableSlot *slot, DestReceiver *self)
{
	rfm_batch_add_slot(&((FillReceiver *) self)->batch, slot);
	return true;
}

static void
fill_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
fill_shutdown(DestReceiver *self)
{
}

static void
fill_destroy(DestReceiver *self)
{
}

/* The fill whose stored query may hand its rows over (set while it runs). */
static FillReceiver *open_sink = NULL;

TierSink *
rfm_tier_sink_claim(TupleDesc desc)
{
	FillReceiver *fr = open_sink;
	TupleDesc	target;

	if (fr == NULL)
		return NULL;
	open_sink = NULL;			/* the query has one rfm._tier_rows call: this one */
	target = RelationGetDescr(fr->batch.rel);
	if (desc->natts != target->natts)
		return NULL;
	for (int i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->atttypid != TupleDescAttr(target, i)->atttypid)
			return NULL;
	return (TierSink *) fr;
}

void
rfm_tier_sink_put(TierSink *sink, Datum *values, bool *nulls)
{
	rfm_batch_add_values(&((FillReceiver *) sink)->batch, values, nulls);
}

/*
 * The stored query is "SELECT c1, ..., cN FROM f(...) AS t(...)" with f
 * rfm._tier_rows (this library's C function) and nothing else: no
 * condition, grouping, order, limit, other relation or sublink.
 */
static bool
plain_tier_rows_query(Relation rel)
{
	RuleLock   *rules = rel->rd_rules;
	Query	   *q;
	RangeTblRef *ref;
	RangeTblEntry *rte;
	RangeTblFunction *rtf;
	FmgrInfo	finfo;
	int			attno = 0;
	ListCell   *lc;

	if (!rel->rd_rel->relhasrules || rules == NULL || rules->numLocks != 1 ||
		list_length(rules->rules[0]->actions) != 1)
		return false;			/* rfm_matview_run_query reports it */
	q = linitial_node(Query, rules->rules[0]->actions);
	if (q->commandType != CMD_SELECT || q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs ||
		q->hasSubLinks || q->hasDistinctOn || q->hasRecursive || q->hasModifyingCTE ||
		q->hasForUpdate || q->cteList != NIL || q->groupClause != NIL || q->groupingSets != NIL ||
		q->havingQual != NULL || q->windowClause != NIL || q->distinctClause != NIL ||
		q->sortClause != NIL || q->limitOffset != NULL || q->limitCount != NULL ||
		q->setOperations != NULL || q->jointree == NULL || q->jointree->quals != NULL ||
		list_length(q->jointree->fromlist) != 1 || !IsA(linitial(q->jointree->fromlist), RangeTblRef))
		return false;
	ref = linitial_node(RangeTblRef, q->jointree->fromlist);
	rte = rt_fetch(ref->rtindex, q->rtable);
	if (rte->rtekind != RTE_FUNCTION || rte->funcordinality || list_length(rte->functions) != 1)
		return false;
	rtf = linitial_node(RangeTblFunction, rte->functions);
	if (!IsA(rtf->funcexpr, FuncExpr))
		return false;
	fmgr_info(((FuncExpr *) rtf->funcexpr)->funcid, &finfo);
	if (finfo.fn_addr != rfm_tier_rows)
		return false;
	foreach(lc, q->targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);
		Var		   *var = (Var *) te->expr;

		if (te->resjunk || !IsA(var, Var) || (int) var->varno != ref->rtindex || var->varlevelsup != 0 ||
			var->varattno != ++attno)
			return false;
	}
	return attno == RelationGetDescr(rel)->natts;
}

PG_FUNCTION_INFO_V1(rfm_tier_fill);

Datum
rfm_tier_fill(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	FillReceiver fr;
	char	   *relname;
	MatviewOwnerSave owner;
	List	   *indexes;

	/* as REFRESH without CONCURRENTLY; the creator holds it already */
	rel = rfm_matview_open(relid, AccessExclusiveLock, FN, &relname);
	memset(&fr, 0, sizeof(fr));
	indexes = RelationGetIndexList(rel);
	if (RelationIsPopulated(rel) || rel->rd_createSubid == InvalidSubTransactionId ||
		indexes != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg(FN ": %s is not a materialized view created WITH NO DATA in this transaction, without indexes",
						relname),
				 errhint("Use REFRESH MATERIALIZED VIEW.")));
	list_free(indexes);
	CheckTableNotInUse(rel, FN);

	rfm_matview_as_owner(rel, &owner);
	fr.pub.receiveSlot = fill_receive;
	fr.pub.rStartup = fill_startup;
	fr.pub.rShutdown = fill_shutdown;
	fr.pub.rDestroy = fill_destroy;
	fr.pub.mydest = DestNone;
	/*
	 * A new relation: no free space to look for, as CREATE TABLE AS.  Rows
	 * frozen, as REFRESH writes them, when the view was made in this very
	 * subtransaction (so they go if it rolls back): rfm.alter_tiers
	 * replaces a tier table with this one, and a REPEATABLE READ reader
	 * whose snapshot is older than the alter saw it empty.
	 */
	rfm_batch_begin(&fr.batch, rel,
					TABLE_INSERT_SKIP_FSM |
					(rel->rd_createSubid == GetCurrentSubTransactionId() ? TABLE_INSERT_FROZEN : 0),
					false);
	if (plain_tier_rows_query(rel))
		open_sink = &fr;
	PG_TRY();
	{
		rfm_matview_run_query(rel, relname, (DestReceiver *) &fr, FN);
	}
	PG_FINALLY();
	{
		open_sink = NULL;
	}
	PG_END_TRY();
	rfm_batch_end(&fr.batch);
	rfm_matview_restore(&owner);

	SetMatViewPopulatedState(rel, true);
	CommandCounterIncrement();
	table_close(rel, NoLock);
	PG_RETURN_INT64((int64) fr.batch.count);
}
