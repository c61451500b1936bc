/*
 * days.c: day arithmetic helpers with the checks rfm's rules need.
 */
#include "compat.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/datetime.h"
#include "utils/builtins.h"
#include "utils/date.h"

#include "rfm_state.h"

PG_FUNCTION_INFO_V1(rfm_days_until);
PG_FUNCTION_INFO_V1(rfm_tenure_days);

/* A date as the session prints it, for error messages. */
char *
rfm_day_text(DateADT day)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(day)));
}

/*
 * Whose order a bad amount or day was, for the message of
 * rfm_check_finite_amount / _day: "customer 42, order on 2024-01-05".  The
 * customer as rfm keys it (skey, len: its text form; else the integer ikey),
 * cut at 60 bytes on a character boundary; in SQL_ASCII, whose bytes say
 * nothing of characters, not inside a UTF-8 sequence either (a UTF-8 client
 * would refuse the message).  The day in ISO form whatever DateStyle says
 * (the message is kept in rfm.refresh_log), and left out when it is the
 * infinite one the message names.
 */
char *
rfm_order_text(int64 ikey, const char *skey, size_t len, DateADT day)
{
	char		number[MAXINT8LEN + 1];
	int			clip;

	if (skey == NULL)
	{
		snprintf(number, sizeof(number), INT64_FORMAT, ikey);
		skey = number;
		len = strlen(number);
	}
	clip = pg_mbcliplen(skey, (int) Min(len, 64), 60);
	if (GetDatabaseEncoding() == PG_SQL_ASCII && (size_t) clip < len)
		while (clip > 0 && (((unsigned char) skey[clip]) & 0xC0) == 0x80)
			clip--;
	if (DATE_NOT_FINITE(day))
		return psprintf("customer %.*s%s", clip, skey, (size_t) clip < len ? "..." : "");
	return psprintf("customer %.*s%s, %s", clip, skey, (size_t) clip < len ? "..." : "",
					rfm_order_day_text(day));
}

/*
 * "order on 2024-01-05" (ISO whatever DateStyle says), for an order whose
 * customer the caller does not know (rfm.summarize's transition).
 */
char *
rfm_order_day_text(DateADT day)
{
	int			year,
				month,
				mday;

	j2date(day + POSTGRES_EPOCH_JDATE, &year, &month, &mday);
	return psprintf("order on %04d-%02d-%02d%s", year > 0 ? year : -(year - 1), month, mday,
					year > 0 ? "" : " BC");
}

/*
 * rfm._days_until(event date, as_of date) -> int: days from event to as_of.
 * An event after as_of is an error: recency and tenure must not go negative
 * silently (README, "Input rules").
 */
Datum
rfm_days_until(PG_FUNCTION_ARGS)
{
	DateADT		event = PG_GETARG_DATEADT(0);
	DateADT		as_of = PG_GETARG_DATEADT(1);

	if (DATE_NOT_FINITE(event) || DATE_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("rfm: dates must be finite, got %s and as_of %s",
						rfm_day_text(event),
						rfm_day_text(as_of))));
	rfm_check_purchase_not_after(event, as_of);
	PG_RETURN_INT32(as_of - event);
}

/*
 * rfm._tenure_days(first date, last date, as_of date) -> int: days from the
 * first purchase to as_of, under the rule of rfm._days_until for every
 * purchase: a customer whose last purchase is after as_of was summarized
 * with orders from after it (0.1.0 checked the first purchase only).
 */
Datum
rfm_tenure_days(PG_FUNCTION_ARGS)
{
	DateADT		first = PG_GETARG_DATEADT(0);

	/* the last purchase under the same rule (finite, not after as_of) */
	(void) DirectFunctionCall2(rfm_days_until, PG_GETARG_DATUM(1), PG_GETARG_DATUM(2));
	/* an infinite first purchase is 22008 in rfm._days_until, as elsewhere */
	if (!DATE_NOT_FINITE(first))
		rfm_check_first_not_after_last(first, PG_GETARG_DATEADT(1));
	return DirectFunctionCall2(rfm_days_until, PG_GETARG_DATUM(0), PG_GETARG_DATUM(2));
}

/*
 * A summary built by hand may put its first purchase after its last; no
 * order gives that, and tenure, t_x and the lifecycle would go wrong.
 */
void
rfm_check_first_not_after_last(DateADT first, DateADT last)
{
	if (first > last)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm: first purchase %s is after last purchase %s",
						rfm_day_text(first),
						rfm_day_text(last)),
				 errhint("A summary's first purchase is on or before its last; use rfm.summarize.")));
}

/*
 * The rule of rfm.recency_days for every path that computes recency or a
 * lifecycle stage: a purchase after as_of is an error, not a negative day
 * count.
 */
void
rfm_check_purchase_not_after(DateADT purchase, DateADT as_of)
{
	if (purchase > as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm: purchase on %s is after as_of date %s",
						rfm_day_text(purchase),
						rfm_day_text(as_of)),
				 errhint("Use an as_of on or after the last purchase, or filter out future-dated orders.")));
}
