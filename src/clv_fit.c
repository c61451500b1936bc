/*
 * clv_fit.c: the aggregates rfm.fit_bgnbd(x, t_x, T) and
 * rfm.fit_gamma_gamma(x, m_x): maximum likelihood in C.
 *
 * State: a ClvPoints set of distinct customer tuples with counts (parallel
 * safe: combine, serialize, deserialize).  Final: Nelder-Mead on the log of
 * the parameters, minimising the mean negative log-likelihood over customers.
 * Bad input is an error with an errcode; a fit whose parameters run off to
 * 0 or infinity is an error too, so no NaN or meaningless fit comes back.
 */
#include "compat.h"

#include <math.h>

#include "clv_bgnbd.h"
#include "clv_common.h"
#include "clv_gamma_gamma.h"
#include "clv_optimize.h"
#include "clv_points.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(rfm_fit_bgnbd_trans);
PG_FUNCTION_INFO_V1(rfm_fit_bgnbd_final);
PG_FUNCTION_INFO_V1(rfm_fit_gamma_gamma_trans);
PG_FUNCTION_INFO_V1(rfm_fit_gamma_gamma_final);
PG_FUNCTION_INFO_V1(rfm_clv_fit_combine);
PG_FUNCTION_INFO_V1(rfm_clv_fit_serialize);
PG_FUNCTION_INFO_V1(rfm_clv_fit_deserialize);

#define MIN_CUSTOMERS	10		/* fewer cannot pin down 3-4 parameters */
#define MAX_ITERATIONS	20000
/*
 * |log parameter| beyond this (a factor of about 1.6e5 either way) means the
 * likelihood kept rising towards a boundary: no interior maximum (e.g. no
 * variation between customers, or no dropout at all).  Shape parameters are
 * dimensionless; scale parameters (alpha, gamma) are taken relative to the
 * data's own scale, the mean (T, spend) or the median: a parameter runs off
 * only when it is that far from both (one customer's absurd spend moves the
 * mean by orders of magnitude, not the median, and a valid fit near the
 * median scale was refused).  The search is fenced a little further out so
 * that it stops there instead of creeping along a ridge.
 */
#define LOG_PARAM_LIMIT	12.0
#define LOG_PARAM_FENCE	(LOG_PARAM_LIMIT + 1.0)

typedef struct FitProblem
{
	ClvPoints  *set;
	int			dim;
	double		log_scale[4];	/* from the mean */
	double		log_median[4];	/* from the median (log_scale if none) */
} FitProblem;

/* parameter i further than bound (log scale) from both of the data's scales */
static bool
off_scale(const double *theta, const FitProblem *fp, int i, double bound)
{
	return fabs(theta[i] - fp->log_scale[i]) > bound &&
		fabs(theta[i] - fp->log_median[i]) > bound;
}

/* some parameter off the data's scales by more than bound */
static bool
beyond(const double *theta, const FitProblem *fp, double bound)
{
	for (int i = 0; i < fp->dim; i++)
		if (off_scale(theta, fp, i, bound))
			return true;
	return false;
}

/* a scale parameter's scales: log(mean), and log(median) when it is positive */
static void
set_scales(FitProblem *fp, int i, double mean, double median)
{
	fp->log_scale[i] = log(mean);
	fp->log_median[i] = (median > 0 && isfinite(median)) ? log(median) : fp->log_scale[i];
}

/* past LOG_PARAM_LIMIT: check_fit would refuse this point (clv_minimize) */
static bool
past_limit(const double *theta, void *arg)
{
	return beyond(theta, (const FitProblem *) arg, LOG_PARAM_LIMIT);
}

/* ---- shared aggregate glue ---- */

static ClvPoints *
state_for(FunctionCallInfo fcinfo, int dim, const char *fname)
{
	MemoryContext cxt = clv_aggregate_context(fcinfo, fname);

	if (!PG_ARGISNULL(0))
		return (ClvPoints *) PG_GETARG_POINTER(0);
	return clv_points_create(dim, cxt);
}

static bool
any_arg_null(FunctionCallInfo fcinfo, int first, int last)
{
	for (int i = first; i <= last; i++)
		if (PG_ARGISNULL(i))
			return true;
	return false;
}

Datum
rfm_clv_fit_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = clv_aggregate_context(fcinfo, "rfm CLV fit combine");
	ClvPoints  *into = PG_ARGISNULL(0) ? NULL : (ClvPoints *) PG_GETARG_POINTER(0);
	ClvPoints  *from = PG_ARGISNULL(1) ? NULL : (ClvPoints *) PG_GETARG_POINTER(1);

	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	if (into == NULL)
		PG_RETURN_POINTER(clv_points_copy(from, cxt));
	clv_points_merge(into, from);
	PG_RETURN_POINTER(into);
}

Datum
rfm_clv_fit_serialize(PG_FUNCTION_ARGS)
{
	clv_aggregate_context(fcinfo, "rfm CLV fit serialize");
	PG_RETURN_BYTEA_P(clv_points_serialize((ClvPoints *) PG_GETARG_POINTER(0)));
}

Datum
rfm_clv_fit_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = clv_aggregate_context(fcinfo, "rfm CLV fit deserialize");

	PG_RETURN_POINTER(clv_points_deserialize(PG_GETARG_BYTEA_PP(0), cxt));
}

static void
check_enough(ClvPoints *set, const char *fname, const char *who)
{
	int64		n = set ? set->ncustomers : 0;

	if (n < MIN_CUSTOMERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: too few %s to fit the model: %lld, need at least %d",
						fname, who, (long long) n, MIN_CUSTOMERS),
				 errhint("Fit on a whole customer base, not a handful of customers.")));
}

static void
check_fit(const ClvOptResult *res, const FitProblem *fp,
		  const char *const *names, const char *fname)
{
	for (int i = 0; i < fp->dim; i++)
		if (!isfinite(res->x[i]) || off_scale(res->x, fp, i, LOG_PARAM_LIMIT))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s: no maximum-likelihood fit: parameter %s runs off to %s",
							fname, names[i],
							res->x[i] > Min(fp->log_scale[i], fp->log_median[i]) ? "infinity" : "zero"),
					 errdetail("The search stopped after %d iterations, with %s = %g.",
							   res->iterations, names[i], exp(res->x[i])),
					 errhint("The data do not identify the model (for example no variation between customers); check the inputs and the time unit.")));
	if (!isfinite(res->f))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: the log-likelihood is not finite at the fit", fname)));
}

/* ---- BG/NBD ---- */

/* rfm._fit_bgnbd_trans(internal, x, t_x, T); rows with a NULL are skipped */
Datum
rfm_fit_bgnbd_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.fit_bgnbd";
	ClvPoints  *set;
	double		v[3];

	if (any_arg_null(fcinfo, 1, 3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	set = state_for(fcinfo, 3, fname);
	v[0] = clv_arg_finite(fcinfo, 1, fname, "x");
	v[1] = clv_arg_finite(fcinfo, 2, fname, "t_x");
	v[2] = clv_arg_finite(fcinfo, 3, fname, "T");
	bgnbd_check_customer(v[0], v[1], v[2], fname);
	clv_points_add(set, v, 1);
	PG_RETURN_POINTER(set);
}

static void
bgnbd_from_log(const double *theta, BgnbdParams *p)
{
	p->r = exp(theta[0]);
	p->alpha = exp(theta[1]);
	p->a = exp(theta[2]);
	p->b = exp(theta[3]);
}

static double
bgnbd_objective(const double *theta, void *arg)
{
	FitProblem *fp = (FitProblem *) arg;
	ClvPoints  *set = fp->set;
	BgnbdParams p;
	BgnbdXTerms xt;
	double		ll = 0.0;

	if (beyond(theta, fp, LOG_PARAM_FENCE))
		return INFINITY;
	bgnbd_from_log(theta, &p);
	/* The set is compact, so sorted by x: x-only terms change rarely. */
	xt.x = -1;
	for (int32 i = 0; i < set->n; i++)
	{
		const ClvPoint *pt = &set->p[i];

		if (pt->v[0] != xt.x)
			bgnbd_x_terms(&p, pt->v[0], &xt);
		ll += pt->weight * bgnbd_loglik_terms(&p, &xt, pt->v[1], pt->v[2]);
	}
	return -ll / set->ncustomers;
}

Datum
rfm_fit_bgnbd_final(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.fit_bgnbd";
	static const char *const names[] = {"r", "alpha", "a", "b"};
	ClvPoints  *set = PG_ARGISNULL(0) ? NULL : (ClvPoints *) PG_GETARG_POINTER(0);
	double		sum_x = 0.0,
				sum_T = 0.0;
	double		start[4];
	FitProblem	fp;
	ClvOptResult res;
	BgnbdParams p;
	Datum		values[8];

	check_enough(set, fname, "customers");
	clv_points_compact(set);
	for (int32 i = 0; i < set->n; i++)
	{
		sum_x += set->p[i].weight * set->p[i].v[0];
		sum_T += set->p[i].weight * set->p[i].v[2];
	}
	if (sum_x == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: no customer has a repeat purchase (every x is 0)", fname),
				 errhint("BG/NBD learns purchase rates from repeat purchases; use a longer calibration period.")));

	/* Start: r = a = b = 1 and alpha matching the mean purchase rate r/alpha. */
	start[0] = 0.0;
	start[1] = log(sum_T / sum_x);
	start[2] = 0.0;
	start[3] = 0.0;
	fp.set = set;
	for (int i = 0; i < 4; i++)
		fp.log_scale[i] = fp.log_median[i] = 0.0;
	set_scales(&fp, 1, sum_T / set->ncustomers, clv_points_median(set, 2));
	fp.dim = 4;
	clv_minimize(bgnbd_objective, past_limit, &fp, fp.dim, start, MAX_ITERATIONS, &res);
	check_fit(&res, &fp, names, fname);
	bgnbd_from_log(res.x, &p);

	values[0] = Float8GetDatum(p.r);
	values[1] = Float8GetDatum(p.alpha);
	values[2] = Float8GetDatum(p.a);
	values[3] = Float8GetDatum(p.b);
	values[4] = Float8GetDatum(-res.f * set->ncustomers);
	values[5] = Int64GetDatum(set->ncustomers);
	values[6] = Int32GetDatum(res.iterations);
	values[7] = BoolGetDatum(res.converged);
	PG_RETURN_DATUM(clv_form_result(fcinfo, values, 8, fname));
}

/* ---- Gamma-Gamma ---- */

/*
 * rfm._fit_gamma_gamma_trans(internal, x, m_x): customers with x = 0 (no
 * repeat purchase) carry no spend information and are skipped, like rows
 * with a NULL.
 */
Datum
rfm_fit_gamma_gamma_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.fit_gamma_gamma";
	ClvPoints  *set;
	double		v[2];

	if (any_arg_null(fcinfo, 1, 2) || PG_GETARG_FLOAT8(1) == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	set = state_for(fcinfo, 2, fname);
	v[0] = clv_arg_finite(fcinfo, 1, fname, "x");
	v[1] = clv_arg_finite(fcinfo, 2, fname, "m_x");
	gamma_gamma_check_customer(v[0], v[1], fname);
	clv_points_add(set, v, 1);
	PG_RETURN_POINTER(set);
}

static void
gamma_gamma_from_log(const double *theta, GammaGammaParams *g)
{
	g->p = exp(theta[0]);
	g->q = exp(theta[1]);
	g->gamma = exp(theta[2]);
}

static double
gamma_gamma_objective(const double *theta, void *arg)
{
	FitProblem *fp = (FitProblem *) arg;
	ClvPoints  *set = fp->set;
	GammaGammaParams g;
	double		ll = 0.0,
				last_x = 0.0,
				x_term = 0.0;

	if (beyond(theta, fp, LOG_PARAM_FENCE))
		return INFINITY;
	gamma_gamma_from_log(theta, &g);
	/* Compact set: sorted by x, so the x-only term changes rarely. */
	for (int32 i = 0; i < set->n; i++)
	{
		const ClvPoint *pt = &set->p[i];

		if (i == 0 || pt->v[0] != last_x)
		{
			last_x = pt->v[0];
			x_term = gamma_gamma_x_term(&g, last_x);
		}
		ll += pt->weight * gamma_gamma_loglik_term(&g, x_term, pt->v[0], pt->v[1]);
	}
	return -ll / set->ncustomers;
}

Datum
rfm_fit_gamma_gamma_final(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.fit_gamma_gamma";
	static const char *const names[] = {"p", "q", "gamma"};
	ClvPoints  *set = PG_ARGISNULL(0) ? NULL : (ClvPoints *) PG_GETARG_POINTER(0);
	double		sum_m = 0.0;
	double		start[3];
	FitProblem	fp;
	ClvOptResult res;
	GammaGammaParams g;
	Datum		values[7];

	check_enough(set, fname, "repeat buyers (x > 0)");
	clv_points_compact(set);
	for (int32 i = 0; i < set->n; i++)
		sum_m += set->p[i].weight * set->p[i].v[1];

	/* Start: p = 1, q = 2 and gamma at the mean spend (= p gamma / (q - 1)). */
	start[0] = 0.0;
	start[1] = log(2.0);
	start[2] = log(sum_m / set->ncustomers);
	fp.set = set;
	for (int i = 0; i < 3; i++)
		fp.log_scale[i] = fp.log_median[i] = 0.0;
	set_scales(&fp, 2, sum_m / set->ncustomers, clv_points_median(set, 1));
	fp.dim = 3;
	clv_minimize(gamma_gamma_objective, past_limit, &fp, fp.dim, start, MAX_ITERATIONS, &res);
	check_fit(&res, &fp, names, fname);
	gamma_gamma_from_log(res.x, &g);

	values[0] = Float8GetDatum(g.p);
	values[1] = Float8GetDatum(g.q);
	values[2] = Float8GetDatum(g.gamma);
	values[3] = Float8GetDatum(-res.f * set->ncustomers);
	values[4] = Int64GetDatum(set->ncustomers);
	values[5] = Int32GetDatum(res.iterations);
	values[6] = BoolGetDatum(res.converged);
	PG_RETURN_DATUM(clv_form_result(fcinfo, values, 7, fname));
}
