/*
 * clv_value.c: predicted customer lifetime value from a BG/NBD fit and a
 * Gamma-Gamma fit, discounted per period (the lifetimes package's
 * customer_lifetime_value, with the period length in the fit's time unit):
 *
 *   CLV = E[M] * sum_{k=1..n} (E[Y(k L)] - E[Y((k-1) L)]) / (1 + d)^k
 *
 * E[Y(t)]: expected repeat purchases in (T, T + t]; E[M]: expected spend per
 * purchase; L: period length; d: discount rate per period.
 */
#include "compat.h"

#include <math.h>

#include "clv_bgnbd.h"
#include "clv_common.h"
#include "clv_gamma_gamma.h"

#include "fmgr.h"

PG_FUNCTION_INFO_V1(rfm_clv_predicted);

#define MAX_PERIODS 100000

/*
 * rfm._clv(r, alpha, a, b, p, q, gamma, x, t_x, T, m_x, periods,
 *          period_length, discount_rate, too_long_is_null): periods too long
 * to evaluate for this customer are an error (22003), or NULL when
 * too_long_is_null (rfm.clv_columns: one such customer must not fail a
 * tier build).
 */
Datum
rfm_clv_predicted(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.clv";
	BgnbdParams bp;
	GammaGammaParams gp;
	double		x,
				t_x,
				T,
				m_x,
				length,
				rate;
	int32		periods;
	double		spend,
				prev = 0.0,
				total = 0.0;
	bool		too_long_is_null = !PG_ARGISNULL(14) && PG_GETARG_BOOL(14);
	bool		too_long = false;

	bp.r = clv_arg_finite(fcinfo, 0, fname, "r");
	bp.alpha = clv_arg_finite(fcinfo, 1, fname, "alpha");
	bp.a = clv_arg_finite(fcinfo, 2, fname, "a");
	bp.b = clv_arg_finite(fcinfo, 3, fname, "b");
	gp.p = clv_arg_finite(fcinfo, 4, fname, "p");
	gp.q = clv_arg_finite(fcinfo, 5, fname, "q");
	gp.gamma = clv_arg_finite(fcinfo, 6, fname, "gamma");
	clv_check_parameter(bp.r, fname, "r");
	clv_check_parameter(bp.alpha, fname, "alpha");
	clv_check_parameter(bp.a, fname, "a");
	clv_check_parameter(bp.b, fname, "b");
	clv_check_parameter(gp.p, fname, "p");
	clv_check_parameter(gp.q, fname, "q");
	clv_check_parameter(gp.gamma, fname, "gamma");
	x = clv_arg_finite(fcinfo, 7, fname, "x");
	t_x = clv_arg_finite(fcinfo, 8, fname, "t_x");
	T = clv_arg_finite(fcinfo, 9, fname, "T");
	m_x = PG_ARGISNULL(10) && x == 0 ? 0 : clv_arg_finite(fcinfo, 10, fname, "m_x");
	if (PG_ARGISNULL(11))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: periods must not be NULL", fname)));
	periods = PG_GETARG_INT32(11);
	length = clv_arg_finite(fcinfo, 12, fname, "period_length");
	rate = clv_arg_finite(fcinfo, 13, fname, "discount_rate");

	bgnbd_check_customer(x, t_x, T, fname);
	gamma_gamma_check_customer(x, m_x, fname);
	if (periods < 0 || periods > MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: periods must be between 0 and %d, got %d", fname, MAX_PERIODS, periods)));
	if (length <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: period_length must be positive, got %s", fname, clv_show(length)),
				 errhint("period_length is in the time unit of the BG/NBD fit, e.g. 52/12.0 weeks for a month.")));
	if (rate <= -1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: discount_rate must be greater than -1, got %s", fname, clv_show(rate)),
				 errhint("discount_rate is per period: 0.01 is 1%% per period.")));

	/*
	 * Each period sums a 2F1 series afresh, of about 40 (alpha+T+t)/(alpha+T)
	 * terms when the horizon t dwarfs the customer's age: over many long
	 * periods that grows with periods^2 (100,000 periods of a young
	 * customer: hours).  Refuse what would pass the one-series term limit
	 * in all, as a single too-long horizon is refused.
	 */
	{
		double		age = bp.alpha + T;
		double		work = 40.0 * (periods + length / age * ((double) periods * (periods + 1) / 2.0));

		if (work > CLV_MAX_SERIES_TERMS && too_long_is_null)
			PG_RETURN_NULL();
		if (work > CLV_MAX_SERIES_TERMS)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s: %d periods of %s are too long to evaluate for a customer of age %s (alpha + T)",
							fname, periods, clv_show(length), clv_show(age)),
					 errhint("Use fewer or shorter periods: a few years in the fit's time unit.")));
	}
	spend = gamma_gamma_expected_spend(&gp, x, m_x, fname);
	for (int32 k = 1; k <= periods; k++)
	{
		double		cum = bgnbd_expected(&bp, k * length, x, t_x, T,
										 too_long_is_null ? &too_long : NULL, fname);

		if (too_long)
			PG_RETURN_NULL();
		total += (cum - prev) / pow(1 + rate, k);
		prev = cum;
	}
	PG_RETURN_FLOAT8(clv_check_result(spend * total, fname, "the customer lifetime value"));
}
