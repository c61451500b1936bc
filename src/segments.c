/*
 * segments.c: rfm.segment (score triple -> label through rfm.segment_rules)
 * and rfm._lifecycle (new / active / sleeping / churned).
 *
 * rfm.segment runs once per customer, so the rules of a scheme are read
 * with SPI once per calling query and kept in fn_extra.
 */
#include "compat.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(rfm_segment);
PG_FUNCTION_INFO_V1(rfm_lifecycle_stage);

typedef struct SegmentRule
{
	int32		r_min, r_max, f_min, f_max, m_min, m_max;
	int32		total_min, total_max;	/* INT32_MIN / INT32_MAX when NULL */
	text	   *label[2];		/* en, zh */
} SegmentRule;

typedef struct SchemeCache
{
	MemoryContext cxt;			/* holds this cache; deleted on reload */
	char	   *scheme;
	int			nrules;
	SegmentRule *rules;
} SchemeCache;

/* 0 for English, 1 for Chinese; anything else is an error. */
static int
language_index(text *lang, const char *caller)
{
	char	   *l = text_to_cstring(lang);

	if (strcmp(l, "en") == 0)
		return 0;
	if (strcmp(l, "zh") == 0)
		return 1;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: unknown language \"%s\"", caller, l),
			 errhint("Use 'en' (English) or 'zh' (Chinese).")));
	return 0;					/* not reached */
}

static int32
get_int(HeapTuple tup, TupleDesc desc, int col, int32 if_null)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? if_null : DatumGetInt32(d);
}

static SchemeCache *
load_scheme(const char *scheme, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "rfm.segment rules",
											  ALLOCSET_SMALL_SIZES);
	SchemeCache *cache = MemoryContextAllocZero(cxt, sizeof(SchemeCache));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];

	args[0] = CStringGetTextDatum(scheme);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm.segment: SPI_connect failed");
	if (SPI_execute_with_args(
							  "SELECT r_min, r_max, f_min, f_max, m_min, m_max, total_min, total_max,"
							  "       label_en, label_zh"
							  "  FROM rfm.segment_rules WHERE scheme = $1 ORDER BY priority",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "rfm.segment: reading rfm.segment_rules failed");

	cache->cxt = cxt;
	cache->scheme = MemoryContextStrdup(cxt, scheme);
	cache->nrules = (int) SPI_processed;
	cache->rules = MemoryContextAllocZero(cxt, sizeof(SegmentRule) * Max(cache->nrules, 1));
	for (int i = 0; i < cache->nrules; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		SegmentRule *rule = &cache->rules[i];
		MemoryContext old;

		rule->r_min = get_int(tup, desc, 1, PG_INT32_MIN);
		rule->r_max = get_int(tup, desc, 2, PG_INT32_MAX);
		rule->f_min = get_int(tup, desc, 3, PG_INT32_MIN);
		rule->f_max = get_int(tup, desc, 4, PG_INT32_MAX);
		rule->m_min = get_int(tup, desc, 5, PG_INT32_MIN);
		rule->m_max = get_int(tup, desc, 6, PG_INT32_MAX);
		rule->total_min = get_int(tup, desc, 7, PG_INT32_MIN);
		rule->total_max = get_int(tup, desc, 8, PG_INT32_MAX);
		old = MemoryContextSwitchTo(cxt);
		rule->label[0] = cstring_to_text(SPI_getvalue(tup, desc, 9));
		rule->label[1] = cstring_to_text(SPI_getvalue(tup, desc, 10));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	if (cache->nrules == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm.segment: unknown scheme \"%s\"", scheme),
				 errhint("Built-in schemes are standard, value8 and tier3; add your own rows to rfm.segment_rules.")));
	return cache;
}

#define IN_RANGE(v, lo, hi) ((v) >= (lo) && (v) <= (hi))

/*
 * rfm.segment(r, f, m, scheme, lang): the label of the first rule of the
 * scheme (by priority) whose ranges contain the scores; NULL when a score is
 * NULL or no rule matches.
 */
Datum
rfm_segment(PG_FUNCTION_ARGS)
{
	int32		r, f, m, total;
	char	   *scheme;
	int			lang;
	SchemeCache *cache;

	if (PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm.segment: scheme and lang must not be NULL")));
	lang = language_index(PG_GETARG_TEXT_PP(4), "rfm.segment");
	scheme = text_to_cstring(PG_GETARG_TEXT_PP(3));

	cache = (SchemeCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL || strcmp(cache->scheme, scheme) != 0)
	{
		/* A new scheme for this call site: drop the old rules, read the new. */
		MemoryContext cxt = fcinfo->flinfo->fn_mcxt;

		if (cache != NULL)
		{
			fcinfo->flinfo->fn_extra = NULL;
			MemoryContextDelete(cache->cxt);
		}
		cache = load_scheme(scheme, cxt);
		fcinfo->flinfo->fn_extra = cache;
	}

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	r = PG_GETARG_INT32(0);
	f = PG_GETARG_INT32(1);
	m = PG_GETARG_INT32(2);
	total = r + f + m;
	for (int i = 0; i < cache->nrules; i++)
	{
		SegmentRule *rule = &cache->rules[i];

		if (IN_RANGE(r, rule->r_min, rule->r_max) &&
			IN_RANGE(f, rule->f_min, rule->f_max) &&
			IN_RANGE(m, rule->m_min, rule->m_max) &&
			IN_RANGE(total, rule->total_min, rule->total_max))
			PG_RETURN_TEXT_P(rule->label[lang]);
	}
	PG_RETURN_NULL();
}

/*
 * rfm._lifecycle(first, last, as_of, new_days, sleeping_days, churned_days,
 * lang): churned when the last purchase is churned_days or more before
 * as_of, sleeping when sleeping_days or more, new when the first purchase is
 * fewer than new_days before as_of, else active.  NULL without purchases.
 */
Datum
rfm_lifecycle_stage(PG_FUNCTION_ARGS)
{
	static const char *const labels[4][2] = {
		{"new", "新客"}, {"active", "活跃"}, {"sleeping", "沉睡"}, {"churned", "流失"}
	};
	DateADT		first, last, as_of;
	int32		new_days, sleeping_days, churned_days;
	int			lang;
	int			stage;

	for (int i = 2; i < 7; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rfm.lifecycle: as_of, the day thresholds and lang must not be NULL")));
	new_days = PG_GETARG_INT32(3);
	sleeping_days = PG_GETARG_INT32(4);
	churned_days = PG_GETARG_INT32(5);
	lang = language_index(PG_GETARG_TEXT_PP(6), "rfm.lifecycle");
	if (!(new_days > 0 && new_days <= sleeping_days && sleeping_days < churned_days))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm.lifecycle: need 0 < new_days <= sleeping_days < churned_days, got %d, %d, %d",
						new_days, sleeping_days, churned_days)));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();		/* no purchase: no stage */
	first = PG_GETARG_DATEADT(0);
	last = PG_GETARG_DATEADT(1);
	as_of = PG_GETARG_DATEADT(2);
	if (DATE_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("rfm.lifecycle: as_of must be finite")));
	if (last > as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm: purchase on %s is after as_of date %s",
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(last))),
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(as_of)))),
				 errhint("Use an as_of on or after the last purchase, or filter out future-dated orders.")));

	if (as_of - last >= churned_days)
		stage = 3;
	else if (as_of - last >= sleeping_days)
		stage = 2;
	else if (as_of - first < new_days)
		stage = 0;
	else
		stage = 1;
	PG_RETURN_TEXT_P(cstring_to_text(labels[stage][lang]));
}
