/*
 * segments.c: rfm.segment (score triple -> label through rfm.segment_rules)
 * and rfm._lifecycle (new / active / sleeping / churned).
 *
 * rfm.segment runs once per customer, so the rules of a scheme are read
 * with SPI once per calling query and kept in fn_extra.  The rules and
 * their matching live in segment_rules.c (the tier rows use them too).
 */
#include "segment_rules.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "utils/snapmgr.h"

/*
 * What a call site keeps: the rules, and what they were read under.
 * fn_extra outlives a statement where PL/pgSQL evaluates an expression
 * again (x := rfm.segment(...) in a loop), so the rules are read again when
 * they may have changed since: another transaction committed (the active
 * snapshot's xmin, xmax or running transactions differ), this backend
 * wrote rfm.segment_rules (a statement trigger bumps rules_generation), or
 * a (sub)transaction of this backend aborted (a callback bumps it: what it
 * wrote is no longer seen).  Not on every command of this transaction (its
 * command id): a loop that writes other tables would read the rules at
 * every iteration.  Within one query nothing changes.
 */
static uint64 rules_generation = 0;

typedef struct SegmentCallCache
{
	SegmentScheme *scheme;
	uint64		generation;
	TransactionId xmin,
				xmax;
	uint32		xcnt;
	int32		subxcnt;
	bool		suboverflowed;
	TransactionId *xip;
	TransactionId *subxip;
} SegmentCallCache;

static bool
same_visibility(const SegmentCallCache *c, Snapshot snap)
{
	return snap != NULL && c->generation == rules_generation &&
		c->xmin == snap->xmin && c->xmax == snap->xmax &&
		c->xcnt == snap->xcnt && c->subxcnt == snap->subxcnt &&
		c->suboverflowed == snap->suboverflowed &&
		(c->xcnt == 0 || memcmp(c->xip, snap->xip, sizeof(TransactionId) * c->xcnt) == 0) &&
		(c->subxcnt <= 0 || memcmp(c->subxip, snap->subxip, sizeof(TransactionId) * c->subxcnt) == 0);
}

static void
remember_visibility(SegmentCallCache *c, Snapshot snap)
{
	MemoryContext cxt = c->scheme->cxt;

	c->generation = rules_generation;
	c->xmin = snap->xmin;
	c->xmax = snap->xmax;
	c->xcnt = snap->xcnt;
	c->subxcnt = snap->subxcnt;
	c->suboverflowed = snap->suboverflowed;
	if (c->xcnt > 0)
		c->xip = memcpy(MemoryContextAlloc(cxt, sizeof(TransactionId) * c->xcnt), snap->xip,
						sizeof(TransactionId) * c->xcnt);
	if (c->subxcnt > 0)
		c->subxip = memcpy(MemoryContextAlloc(cxt, sizeof(TransactionId) * c->subxcnt), snap->subxip,
						   sizeof(TransactionId) * c->subxcnt);
}

static void
bump_on_abort(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		rules_generation++;
}

static void
bump_on_subabort(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		rules_generation++;
}

/* From _PG_init: once per backend. */
void
rfm_segment_cache_init(void)
{
	RegisterXactCallback(bump_on_abort, NULL);
	RegisterSubXactCallback(bump_on_subabort, NULL);
}

/*
 * rfm._segment_rules_changed(): the statement trigger of rfm.segment_rules
 * (any INSERT, UPDATE, DELETE, TRUNCATE or COPY in this backend).
 */
PG_FUNCTION_INFO_V1(rfm_segment_rules_changed);

Datum
rfm_segment_rules_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rfm._segment_rules_changed: not called by a trigger")));
	rules_generation++;
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(rfm_segment);
PG_FUNCTION_INFO_V1(rfm_lifecycle_stage);
PG_FUNCTION_INFO_V1(rfm_lifecycle_stage_days);

/*
 * rfm.segment(r, f, m, scheme, lang): the label of the first rule of the
 * scheme (by priority) whose ranges contain the scores; NULL when a score is
 * NULL or no rule matches.
 */
Datum
rfm_segment(PG_FUNCTION_ARGS)
{
	char	   *scheme;
	int			lang;
	SegmentScheme *cache;
	SegmentCallCache *call;
	Snapshot	snap;

	if (PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm.segment: scheme and lang must not be NULL")));
	lang = rfm_language_index(PG_GETARG_TEXT_PP(4), "rfm.segment");
	scheme = text_to_cstring(PG_GETARG_TEXT_PP(3));

	call = (SegmentCallCache *) fcinfo->flinfo->fn_extra;
	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;
	if (call == NULL || strcmp(call->scheme->scheme, scheme) != 0 || !same_visibility(call, snap))
	{
		/*
		 * A new scheme for this call site, or rows it may not have seen:
		 * drop the old rules, read them again.
		 */
		MemoryContext cxt = fcinfo->flinfo->fn_mcxt;

		if (call != NULL)
		{
			fcinfo->flinfo->fn_extra = NULL;
			MemoryContextDelete(call->scheme->cxt);
		}
		cache = rfm_segment_scheme_load(scheme, cxt);
		call = MemoryContextAllocZero(cache->cxt, sizeof(SegmentCallCache));
		call->scheme = cache;
		/*
		 * read with the active snapshot (SPI in a non-volatile caller), or
		 * a newer one; without one the zeroed fields match no snapshot, so
		 * the next call reads again
		 */
		snap = ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;
		if (snap != NULL)
			remember_visibility(call, snap);
		fcinfo->flinfo->fn_extra = call;
	}
	cache = call->scheme;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	{
		text	   *label = rfm_segment_label(cache, PG_GETARG_INT32(0), PG_GETARG_INT32(1),
											  PG_GETARG_INT32(2), lang);

		if (label)
			PG_RETURN_TEXT_P(label);
	}
	PG_RETURN_NULL();
}

/*
 * rfm._lifecycle and rfm.lifecycle_stage(first, last, as_of, new_days,
 * sleeping_days, churned_days, lang), whose errors say which was called:
 * churned when the last purchase is churned_days or more before
 * as_of, sleeping when sleeping_days or more, new when the first purchase is
 * fewer than new_days before as_of, else active.  NULL without purchases.
 */
static Datum
lifecycle_stage(FunctionCallInfo fcinfo, const char *caller)
{
	int32		new_days, sleeping_days, churned_days;
	int			lang;
	int			stage;

	for (int i = 2; i < 7; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: as_of, the day thresholds and lang must not be NULL", caller)));
	new_days = PG_GETARG_INT32(3);
	sleeping_days = PG_GETARG_INT32(4);
	churned_days = PG_GETARG_INT32(5);
	lang = rfm_language_index(PG_GETARG_TEXT_PP(6), caller);
	rfm_lifecycle_check_days(new_days, sleeping_days, churned_days, caller);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();		/* no purchase: no stage */
	stage = rfm_lifecycle_stage_of(PG_GETARG_DATEADT(0), PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2),
								   new_days, sleeping_days, churned_days, caller);
	PG_RETURN_TEXT_P(cstring_to_text(rfm_lifecycle_label(stage, lang, caller)));
}

/* rfm._lifecycle, behind rfm.lifecycle(summary, ...) */
Datum
rfm_lifecycle_stage(PG_FUNCTION_ARGS)
{
	return lifecycle_stage(fcinfo, "rfm.lifecycle");
}

/* rfm.lifecycle_stage(first_purchase, last_purchase, as_of, ...) */
Datum
rfm_lifecycle_stage_days(PG_FUNCTION_ARGS)
{
	return lifecycle_stage(fcinfo, "rfm.lifecycle_stage");
}
