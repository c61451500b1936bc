/*
 * segment_rules.c: reading and matching rfm.segment_rules, and the
 * lifecycle rule (see segment_rules.h).  Rules are read at each use (per
 * query in rfm.segment, per build in the tier rows), never compiled in, so
 * schemes added to rfm.segment_rules later count.
 */
#include "segment_rules.h"
#include "labels_zh_hant.h"
#include "rfm_state.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* ASCII letters only, compared without case (tags are case-insensitive). */
static bool
subtag_is(const char *s, int len, const char *want)
{
	return len == (int) strlen(want) && pg_strncasecmp(s, want, len) == 0;
}

static bool
subtag_all(const char *s, int len, int want_len, bool digits)
{
	if (len != want_len)
		return false;
	for (int i = 0; i < len; i++)
		if (digits ? !(s[i] >= '0' && s[i] <= '9')
			: !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

int
rfm_language_of_tag(const char *tag, int len)
{
	const char *sub[3];
	int			sublen[3] = {0, 0, 0};
	int			n = 0;
	int			start = 0;
	int			i = 0;
	bool		zh;
	int			script = -1;	/* 1 Hans, 2 Hant, 0 Latn */

	/* a POSIX locale's codeset or modifier says nothing of the script: zh_TW.UTF-8, de_DE@euro */
	for (int pos = 0; pos < len; pos++)
		if (tag[pos] == '.' || tag[pos] == '@')
		{
			if (pos == 0)
				return -1;
			len = pos;
			break;
		}
	/*
	 * Split at '-' or '_' into at most three non-empty subtags; a BCP 47
	 * extension or private use (a one-character subtag: zh-TW-u-ca-chinese,
	 * en-US-x-mine) and what follows it are left out.
	 */
	for (int pos = 0; pos <= len; pos++)
	{
		if (pos < len && tag[pos] != '-' && tag[pos] != '_')
			continue;
		if (pos == start)
			return -1;
		if (pos - start == 1 && n > 0)
			break;
		if (n == 3)
			return -1;
		sub[n] = tag + start;
		sublen[n++] = pos - start;
		start = pos + 1;
	}
	if (n == 0)
		return -1;
	if (subtag_is(sub[0], sublen[0], "en"))
		zh = false;
	else if (subtag_is(sub[0], sublen[0], "zh"))
		zh = true;
	else
		return -1;
	i = 1;
	if (i < n && subtag_all(sub[i], sublen[i], 4, false))
	{
		if (zh && subtag_is(sub[i], sublen[i], "hans"))
			script = 1;
		else if (zh && subtag_is(sub[i], sublen[i], "hant"))
			script = 2;
		else if (!zh && subtag_is(sub[i], sublen[i], "latn"))
			script = 0;
		else
			return -1;
		i++;
	}
	/* a region: two letters or three digits (UN M.49) */
	if (i < n)
	{
		if (!subtag_all(sub[i], sublen[i], 2, false) && !subtag_all(sub[i], sublen[i], 3, true))
			return -1;
		/* Chinese without a script: traditional where the region writes it */
		if (zh && script < 0 &&
			(subtag_is(sub[i], sublen[i], "tw") || subtag_is(sub[i], sublen[i], "hk") ||
			 subtag_is(sub[i], sublen[i], "mo")))
			script = 2;
		i++;
	}
	if (i < n)
		return -1;
	if (!zh)
		return 0;
	return script == 2 ? 2 : 1;
}

int
rfm_language_index(text *lang, const char *caller)
{
	int			index = rfm_language_of_tag(VARDATA_ANY(lang), VARSIZE_ANY_EXHDR(lang));

	if (index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: unknown language \"%s\"", caller, text_to_cstring(lang)),
				 errhint("%s", RFM_LANGUAGE_HINT)));
	return index;
}

/* The canonical tag of each language index. */
static const char *const language_tags[3] = {"en", "zh", "zh-Hant"};

PG_FUNCTION_INFO_V1(rfm_language_tag);

/*
 * rfm._lang_tag(lang): 'en', 'zh' or 'zh-Hant' for a tag rfm labels in
 * ('ZH-hant', 'zh_TW', 'en-US' ...), NULL for any other, so that the SQL
 * functions raise their own error naming themselves.
 */
Datum
rfm_language_tag(PG_FUNCTION_ARGS)
{
	text	   *lang = PG_GETARG_TEXT_PP(0);
	int			index = rfm_language_of_tag(VARDATA_ANY(lang), VARSIZE_ANY_EXHDR(lang));

	if (index < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(language_tags[index]));
}

/* An integer bound, or if_null (wide enough for the 64-bit total bounds). */
static int64
get_int(HeapTuple tup, TupleDesc desc, int col, int64 if_null)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? if_null : (int64) DatumGetInt32(d);
}

SegmentScheme *
rfm_segment_scheme_load(const char *scheme, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "rfm.segment rules",
											  ALLOCSET_SMALL_SIZES);
	SegmentScheme *cache = MemoryContextAllocZero(cxt, sizeof(SegmentScheme));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];

	args[0] = CStringGetTextDatum(scheme);
	/* the operator named: the query runs under the caller's search_path */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rfm.segment: SPI_connect failed");
	if (SPI_execute_with_args(
							  "SELECT r_min, r_max, f_min, f_max, m_min, m_max, total_min, total_max,"
							  "       label_en, label_zh, label_zh_hant"
							  "  FROM rfm.segment_rules WHERE scheme OPERATOR(pg_catalog.=) $1 ORDER BY priority",
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
		/* NULL is no bound, also for a total beyond int32 */
		rule->total_min = get_int(tup, desc, 7, PG_INT64_MIN);
		rule->total_max = get_int(tup, desc, 8, PG_INT64_MAX);
		old = MemoryContextSwitchTo(cxt);
		rule->label[0] = cstring_to_text(SPI_getvalue(tup, desc, 9));
		rule->label[1] = cstring_to_text(SPI_getvalue(tup, desc, 10));
		/* the rule's own traditional label, else rfm's for label_zh */
		if (SPI_getvalue(tup, desc, 11) != NULL)
			rule->label[2] = cstring_to_text(SPI_getvalue(tup, desc, 11));
		else
		{
			bool		untranslatable;
			char	   *hant = rfm_zh_hant(SPI_getvalue(tup, desc, 10), &untranslatable);

			/* NULL: an error if a query asks for it (rfm_segment_label) */
			rule->label[2] = untranslatable ? NULL : cstring_to_text(hant);
		}
		MemoryContextSwitchTo(old);
	}
	if (cache->nrules == 0)
	{
		/* rfm._unknown_scheme_error's words, its hint listing the schemes there are */
		char	   *hint = NULL;

		if (SPI_execute("SELECT rfm._unknown_scheme_hint(false)", true, 1) == SPI_OK_SELECT &&
			SPI_processed == 1)
			hint = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm.segment: unknown scheme \"%s\"", scheme),
				 hint ? errhint("%s", hint) : 0));
	}
	SPI_finish();
	return cache;
}

#define IN_RANGE(v, lo, hi) ((v) >= (lo) && (v) <= (hi))

text *
rfm_segment_label(const SegmentScheme *scheme, int32 r, int32 f, int32 m, int lang)
{
	/* in 64 bits: user rules may take scores near the int32 limits */
	int64		total = (int64) r + f + m;

	for (int i = 0; i < scheme->nrules; i++)
	{
		SegmentRule *rule = &scheme->rules[i];

		if (IN_RANGE(r, rule->r_min, rule->r_max) &&
			IN_RANGE(f, rule->f_min, rule->f_max) &&
			IN_RANGE(m, rule->m_min, rule->m_max) &&
			IN_RANGE(total, rule->total_min, rule->total_max))
		{
			if (rule->label[lang] == NULL)
				rfm_zh_hant_encoding_error("rfm.segment", text_to_cstring(rule->label[1]));
			return rule->label[lang];
		}
	}
	return NULL;
}

void
rfm_lifecycle_check_days(int32 new_days, int32 sleeping_days, int32 churned_days, const char *caller)
{
	if (!(new_days > 0 && new_days <= sleeping_days && sleeping_days < churned_days))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: need 0 < new_days <= sleeping_days < churned_days, got %d, %d, %d",
						caller, new_days, sleeping_days, churned_days)));
}

/*
 * Churned when the last purchase is churned_days or more before as_of,
 * sleeping when sleeping_days or more, new when the first purchase is fewer
 * than new_days before as_of, else active.
 */
int
rfm_lifecycle_stage_of(DateADT first, DateADT last, DateADT as_of,
					   int32 new_days, int32 sleeping_days, int32 churned_days, const char *caller)
{
	if (DATE_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: as_of must be finite", caller)));
	/* a summary built by hand: day counts from infinity would overflow */
	if (DATE_NOT_FINITE(first) || DATE_NOT_FINITE(last))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: purchase dates must be finite, got first %s and last %s",
						caller, rfm_day_text(first),
						rfm_day_text(last))));
	rfm_check_purchase_not_after(last, as_of);
	rfm_check_first_not_after_last(first, last);
	if (as_of - last >= churned_days)
		return RFM_STAGE_CHURNED;
	if (as_of - last >= sleeping_days)
		return RFM_STAGE_SLEEPING;
	if (as_of - first < new_days)
		return RFM_STAGE_NEW;
	return RFM_STAGE_ACTIVE;
}

/*
 * The Chinese labels are written here in UTF-8, the install scripts'
 * encoding: they go out in the database's (EUC_CN stores them in two bytes
 * a character, as CREATE EXTENSION converted the rules' labels).
 */
const char *
rfm_lifecycle_label(int stage, int lang, const char *caller)
{
	static const char *const labels[4][2] = {
		{"new", "新客"}, {"active", "活跃"}, {"sleeping", "沉睡"}, {"churned", "流失"}
	};
	const char *label = labels[stage][Min(lang, 1)];
	const char *server = pg_any_to_server(label, strlen(label), PG_UTF8);

	return lang == 2 ? rfm_zh_hant_or_error(server, caller) : server;
}
