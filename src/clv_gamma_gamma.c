/*
 * clv_gamma_gamma.c: Gamma-Gamma spend model (Fader & Hardie 2013, "The
 * Gamma-Gamma model of monetary value"; likelihood as in the lifetimes
 * package).  A customer's x repeat transactions have mean value m_x; spend
 * per transaction is gamma(p, nu) with nu ~ gamma(q, gamma) across customers.
 */
#include "compat.h"

#include <math.h>

#include "clv_common.h"
#include "clv_gamma_gamma.h"

#include "fmgr.h"

PG_FUNCTION_INFO_V1(rfm_gamma_gamma_expected_spend);

/*
 * log density of m_x given x repeat transactions (x > 0, m_x > 0), split into
 * the part that depends on x alone (its lgamma calls dominate a fit) and the
 * rest.
 */
double
gamma_gamma_x_term(const GammaGammaParams *g, double x)
{
	double		px = g->p * x;

	return lgamma(px + g->q) - lgamma(px) - lgamma(g->q) + g->q * log(g->gamma) + px * log(x);
}

double
gamma_gamma_loglik_term(const GammaGammaParams *g, double x_term, double x, double m_x)
{
	double		px = g->p * x;

	return x_term + (px - 1) * log(m_x) - (px + g->q) * log(g->gamma + x * m_x);
}

/*
 * E[M | p, q, gamma, x, m_x] = p (gamma + x m_x) / (p x + q - 1); with x = 0
 * this is the population mean p gamma / (q - 1).  Needs q > 1.
 */
double
gamma_gamma_expected_spend(const GammaGammaParams *g, double x, double m_x, const char *fname)
{
	if (g->q <= 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: expected spend is infinite for q = %s <= 1", fname, clv_show(g->q)),
				 errhint("The fitted spend distribution has no finite mean; check the m_x values for outliers.")));
	if (x == 0)
		m_x = 0;
	return g->p * (g->gamma + x * m_x) / (g->p * x + g->q - 1);
}

void
gamma_gamma_check_customer(double x, double m_x, const char *fname)
{
	clv_check_nonnegative(x, fname, "x");
	clv_check_whole(x, fname, "x");
	if (x > 0 && m_x <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: a repeat buyer (x > 0) needs a positive m_x, got %s", fname, clv_show(m_x)),
				 errhint("m_x is the mean spend per repeat purchase day: m_x of rfm.clv_inputs, repeat_monetary of rfm.summary.")));
	/* unused without repeat purchases, but a negative one is a mistake */
	if (m_x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: m_x must not be negative, got %s", fname, clv_show(m_x)),
				 errhint("Without repeat purchases m_x is 0 (m_x of rfm.clv_inputs, repeat_monetary of rfm.summary).")));
}

/* rfm._gamma_gamma_expected_spend(p, q, gamma, x, m_x) */
Datum
rfm_gamma_gamma_expected_spend(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.gamma_gamma_expected_spend";
	GammaGammaParams g;
	double		x,
				m_x;

	g.p = clv_arg_finite(fcinfo, 0, fname, "p");
	g.q = clv_arg_finite(fcinfo, 1, fname, "q");
	g.gamma = clv_arg_finite(fcinfo, 2, fname, "gamma");
	clv_check_parameter(g.p, fname, "p");
	clv_check_parameter(g.q, fname, "q");
	clv_check_parameter(g.gamma, fname, "gamma");
	x = clv_arg_finite(fcinfo, 3, fname, "x");
	m_x = PG_ARGISNULL(4) && x == 0 ? 0 : clv_arg_finite(fcinfo, 4, fname, "m_x");
	gamma_gamma_check_customer(x, m_x, fname);
	PG_RETURN_FLOAT8(clv_check_result(gamma_gamma_expected_spend(&g, x, m_x, fname), fname,
									  "the expected spend"));
}
