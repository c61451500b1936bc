/*
 * labels_zh_hant.c: rfm's own Chinese labels and playbook actions in
 * traditional characters (lang 'zh-Hant').
 *
 * The install scripts hold only the simplified labels: CREATE EXTENSION
 * converts them to the database's encoding, and EUC_CN (GB2312), which
 * README promises works, has almost none of the traditional characters.
 * So the traditional forms live here, in UTF-8, and are converted when a
 * query asks for them.  The pairs are OpenCC's s2tw conversion of every
 * simplified label and action rfm installs; test/shell/zh_hant_opencc.sh
 * checks them against OpenCC again.
 */
#include "labels_zh_hant.h"
#include "segment_rules.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

typedef struct ZhHantPair
{
	const char *hans;			/* UTF-8, sorted by strcmp */
	const char *hant;
} ZhHantPair;

/* Only the texts whose two forms differ (核心, 新客, 沉睡 and 流失 do not). */
static const ZhHantPair zh_hant_pairs[] = {
	{"VIP专属服务，重点维护", "VIP專屬服務，重點維護"},
	{"一对一回访召回，了解流失原因", "一對一回訪召回，瞭解流失原因"},
	{"一般价值客户", "一般價值客戶"},
	{"一般保持客户", "一般保持客戶"},
	{"一般发展客户", "一般發展客戶"},
	{"一般挽留客户", "一般挽留客戶"},
	{"不能失去的客户", "不能失去的客戶"},
	{"专属服务与新品优先体验，邀请评价和转介绍", "專屬服務與新品優先體驗，邀請評價和轉介紹"},
	{"个性化召回活动与大额优惠", "個性化召回活動與大額優惠"},
	{"仅低成本唤醒", "僅低成本喚醒"},
	{"仅低成本唤醒，不纳入高成本营销", "僅低成本喚醒，不納入高成本營銷"},
	{"休眠客户", "休眠客戶"},
	{"优惠券与推荐，提升客户价值", "優惠券與推薦，提升客戶價值"},
	{"会员邀请与个性化推荐", "會員邀請與個性化推薦"},
	{"低成本渠道维护，有兴趣时再召回", "低成本渠道維護，有興趣時再召回"},
	{"关怀信息，保持联系", "關懷信息，保持聯繫"},
	{"关怀触达与热门商品推荐", "關懷觸達與熱門商品推薦"},
	{"其他客户", "其他客戶"},
	{"冠军客户", "冠軍客戶"},
	{"即将沉睡客户", "即將沉睡客戶"},
	{"发放优惠券，提升品牌认知", "發放優惠券，提升品牌認知"},
	{"培育：发放潜力客户优惠券", "培育：發放潛力客戶優惠券"},
	{"基于历史购买的限时优惠", "基於歷史購買的限時優惠"},
	{"已流失客户", "已流失客戶"},
	{"忠诚客户", "忠誠客戶"},
	{"持续观察，纳入常规营销", "持續觀察，納入常規營銷"},
	{"推荐高价值商品，会员积分计划", "推薦高價值商品，會員積分計劃"},
	{"提升客单价：交叉销售、满减券", "提升客單價：交叉銷售、滿減券"},
	{"提升购买频次：组合购、订阅", "提升購買頻次：組合購、訂閱"},
	{"新客引导与复购优惠券", "新客引導與復購優惠券"},
	{"新客户", "新客戶"},
	{"有潜力客户", "有潛力客戶"},
	{"活跃", "活躍"},
	{"流失风险客户", "流失風險客戶"},
	{"潜力", "潛力"},
	{"潜在忠诚客户", "潛在忠誠客戶"},
	{"相关商品唤醒优惠；未响应者仅用低成本渠道触达", "相關商品喚醒優惠；未響應者僅用低成本渠道觸達"},
	{"边缘", "邊緣"},
	{"近期不活跃：主动联系促其回购", "近期不活躍：主動聯繫促其回購"},
	{"重要价值客户", "重要價值客戶"},
	{"重要保持客户", "重要保持客戶"},
	{"重要发展客户", "重要發展客戶"},
	{"重要挽留客户", "重要挽留客戶"},
	{"需要关注客户", "需要關注客戶"},
	{"高价值但流失风险高：召回优惠与专人联系", "高價值但流失風險高：召回優惠與專人聯繫"},
	{"高价值客户专属服务", "高價值客戶專屬服務"},
};

/* The traditional form (UTF-8) of one of rfm's simplified texts, else NULL. */
static const char *
zh_hant_utf8(const char *hans)
{
	int			lo = 0,
				hi = lengthof(zh_hant_pairs) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = strcmp(hans, zh_hant_pairs[mid].hans);

		if (cmp == 0)
			return zh_hant_pairs[mid].hant;
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The simplified form (UTF-8) of one of rfm's traditional texts, else NULL. */
static const char *
zh_hans_utf8(const char *hant)
{
	for (size_t i = 0; i < lengthof(zh_hant_pairs); i++)
		if (strcmp(hant, zh_hant_pairs[i].hant) == 0)
			return zh_hant_pairs[i].hans;
	return NULL;
}

/* Encodings whose text rfm's labels pass through as UTF-8 bytes. */
static bool
server_takes_utf8(void)
{
	int			enc = GetDatabaseEncoding();

	return enc == PG_UTF8 || enc == PG_SQL_ASCII;
}

char *
rfm_zh_hant(const char *label, bool *untranslatable)
{
	const char *utf8 = label;
	const char *hant;

	*untranslatable = false;
	if (!server_takes_utf8())
		utf8 = pg_server_to_any(label, strlen(label), PG_UTF8);
	hant = zh_hant_utf8(utf8);
	if (hant == NULL)
		return pstrdup(label);	/* not one of rfm's: as it is */
	if (server_takes_utf8())
		return pstrdup(hant);
	*untranslatable = true;		/* EUC_CN and the like: no traditional characters */
	return NULL;
}

void
rfm_zh_hant_encoding_error(const char *caller, const char *label)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
			 errmsg("%s: the traditional Chinese form of \"%s\" has no equivalent in encoding \"%s\"",
					caller, label, GetDatabaseEncodingName()),
			 errhint("Labels in lang 'zh-Hant' need a UTF8 database (README, \"Database encodings\").")));
}

char *
rfm_zh_hant_or_error(const char *label, const char *caller)
{
	bool		untranslatable;
	char	   *hant = rfm_zh_hant(label, &untranslatable);

	if (untranslatable)
		rfm_zh_hant_encoding_error(caller, label);
	return hant;
}

PG_FUNCTION_INFO_V1(rfm_zh_hant_label);

/*
 * rfm.zh_hant(label): one of rfm's simplified Chinese labels or actions in
 * traditional characters; any other text as it is.
 */
Datum
rfm_zh_hant_label(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(rfm_zh_hant_or_error(text_to_cstring(PG_GETARG_TEXT_PP(0)),
															"rfm.zh_hant")));
}

PG_FUNCTION_INFO_V1(rfm_zh_hant_label_or_null);

/* rfm._zh_hant_or_null(label): the same, NULL where rfm.zh_hant fails (matching) */
Datum
rfm_zh_hant_label_or_null(PG_FUNCTION_ARGS)
{
	bool		untranslatable;
	char	   *hant = rfm_zh_hant(text_to_cstring(PG_GETARG_TEXT_PP(0)), &untranslatable);

	if (untranslatable)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(hant));
}

PG_FUNCTION_INFO_V1(rfm_zh_label_in);

/*
 * rfm._zh_label_in(label, lang, caller): a simplified label as it is for
 * lang 'zh', in traditional characters for 'zh-Hant' (errors name caller).
 * Taking lang keeps a call with a constant label from being folded (and
 * failing, in EUC_CN) at plan time when lang comes from a column.
 */
Datum
rfm_zh_label_in(PG_FUNCTION_ARGS)
{
	char	   *label = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (rfm_language_index(PG_GETARG_TEXT_PP(1), text_to_cstring(PG_GETARG_TEXT_PP(2))) != 2)
		PG_RETURN_TEXT_P(cstring_to_text(label));
	PG_RETURN_TEXT_P(cstring_to_text(rfm_zh_hant_or_error(label, text_to_cstring(PG_GETARG_TEXT_PP(2)))));
}

PG_FUNCTION_INFO_V1(rfm_zh_hans_label);

/*
 * rfm._zh_hans(label): one of rfm's texts in traditional characters back in
 * simplified ones (always in the database's encoding: rfm installs them);
 * any other text as it is.
 */
Datum
rfm_zh_hans_label(PG_FUNCTION_ARGS)
{
	char	   *label = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *utf8 = server_takes_utf8() ? label : pg_server_to_any(label, strlen(label), PG_UTF8);
	const char *hans = zh_hans_utf8(utf8);

	if (hans == NULL)
		PG_RETURN_TEXT_P(cstring_to_text(label));
	PG_RETURN_TEXT_P(cstring_to_text(pg_any_to_server(hans, strlen(hans), PG_UTF8)));
}
