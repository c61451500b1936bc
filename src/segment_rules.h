/*
 * segment_rules.h: the rules behind rfm.segment and rfm._lifecycle, shared
 * by those functions (segments.c) and the tier rows (tier_rows.c), so both
 * label a score triple or a purchase history the same way.
 */
#ifndef RFM_SEGMENT_RULES_H
#define RFM_SEGMENT_RULES_H

#include "compat.h"

#include "utils/date.h"

typedef struct SegmentRule
{
	int32		r_min, r_max, f_min, f_max, m_min, m_max;
	int64		total_min, total_max;	/* INT64_MIN / INT64_MAX when NULL (no bound) */
	text	   *label[3];		/* en, zh, zh-Hant (NULL: not in this database's encoding) */
} SegmentRule;

/* The rules of one scheme, in priority order, read from rfm.segment_rules. */
typedef struct SegmentScheme
{
	MemoryContext cxt;			/* holds this scheme; delete it to free */
	char	   *scheme;
	int			nrules;
	SegmentRule *rules;
} SegmentScheme;

/* The languages rfm labels in, for the hint of an unknown one. */
#define RFM_LANGUAGE_HINT "Use 'en' (English), 'zh' (Chinese, simplified characters) or 'zh-Hant' (Chinese, traditional characters); tags such as 'en-US', 'zh-CN', 'zh-Hans' or 'zh-TW' name them too."

/*
 * 0 for English, 1 for Chinese in simplified characters, 2 in traditional
 * ones, from a language tag without regard to case, '-' or '_' between
 * subtags: en[-Latn][-region]; zh[-Hans|-Hant][-region], where zh with
 * region TW, HK or MO and no script is traditional.  -1 for any other.
 */
extern int	rfm_language_of_tag(const char *tag, int len);

/* The same from a text; anything else is an error naming caller. */
extern int	rfm_language_index(text *lang, const char *caller);

/* Reads a scheme's rules (SPI) into a new child context of parent; unknown scheme: error. */
extern SegmentScheme *rfm_segment_scheme_load(const char *scheme, MemoryContext parent);

/* The label of the first rule containing (r, f, m), or NULL when none does. */
extern text *rfm_segment_label(const SegmentScheme *scheme, int32 r, int32 f, int32 m, int lang);

/* Lifecycle stages, in the order of rfm_lifecycle_label. */
#define RFM_STAGE_NEW		0
#define RFM_STAGE_ACTIVE	1
#define RFM_STAGE_SLEEPING	2
#define RFM_STAGE_CHURNED	3

/* Errors for thresholds rfm.lifecycle refuses; caller names the function. */
extern void rfm_lifecycle_check_days(int32 new_days, int32 sleeping_days, int32 churned_days,
									 const char *caller);

/* The stage of a customer with purchases (as_of finite, last <= as_of: else errors). */
extern int	rfm_lifecycle_stage_of(DateADT first, DateADT last, DateADT as_of,
								   int32 new_days, int32 sleeping_days, int32 churned_days,
								   const char *caller);

/* A stage's label in a language (rfm_language_index); caller names the function for errors. */
extern const char *rfm_lifecycle_label(int stage, int lang, const char *caller);

/* Registers the callbacks that keep rfm.segment's rule caches current (segments.c). */
extern void rfm_segment_cache_init(void);

#endif							/* RFM_SEGMENT_RULES_H */
