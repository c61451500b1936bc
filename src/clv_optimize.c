/*
 * clv_optimize.c: Nelder-Mead simplex minimisation with restarts.
 *
 * The CLV likelihoods are smooth in log-parameters and have 3-4 dimensions,
 * where Nelder-Mead is robust and needs no gradients.  A run stops when the
 * simplex has shrunk (values and points agree to tight tolerances); it is then
 * restarted around the best point, because Nelder-Mead can stall on a ridge.
 * The fit counts as converged when a restart no longer improves the
 * objective.  Non-finite objective values are treated as +infinity, so the
 * simplex walks away from regions where the likelihood is not defined.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "clv_optimize.h"

#define NM_FTOL		1e-12		/* relative spread of simplex values */
#define NM_XTOL		1e-9		/* spread of simplex points (log scale) */
#define NM_RESTARTS	20
/*
 * Iterations the best point may stay where the caller's ran_off test says
 * the fit has run off before the search ends: it then only creeps along the
 * boundary, and a fit bound to fail spent its whole budget (minutes on
 * tens of thousands of customers) before saying so.
 */
#define NM_RAN_OFF_PATIENCE	500

static double
safe_eval(ClvObjective f, void *arg, const double *x)
{
	double		v = f(x, arg);

	return isnan(v) ? INFINITY : v;
}

/*
 * One Nelder-Mead run from start; returns iterations used.  *gave_up: it
 * ended because the best point stayed where ran_off says.
 */
static int
nelder_mead(ClvObjective f, ClvRanOff ran_off, void *arg, int dim, const double *start,
			double step, int max_iterations, double *best, double *fbest, bool *gave_up)
{
	double		s[CLV_OPT_MAXDIM + 1][CLV_OPT_MAXDIM];
	double		fs[CLV_OPT_MAXDIM + 1] = {0};	/* (all set below; for the compiler) */
	double		centroid[CLV_OPT_MAXDIM], xr[CLV_OPT_MAXDIM], xe[CLV_OPT_MAXDIM], xc[CLV_OPT_MAXDIM];
	int			n = dim + 1;
	int			iter;
	int			off_for = 0;	/* iterations the best point has been off */

	for (int i = 0; i < n; i++)
	{
		for (int d = 0; d < dim; d++)
			s[i][d] = start[d] + (i == d + 1 ? step : 0.0);
		fs[i] = safe_eval(f, arg, s[i]);
	}

	for (iter = 0; iter < max_iterations; iter++)
	{
		double		fr,
					spread = 0.0;
		int			hi,
					lo;

		CHECK_FOR_INTERRUPTS();
		/* Order the simplex by value (insertion sort, n <= 5). */
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && fs[j] < fs[j - 1]; j--)
			{
				double		t = fs[j];

				fs[j] = fs[j - 1];
				fs[j - 1] = t;
				for (int d = 0; d < dim; d++)
				{
					t = s[j][d];
					s[j][d] = s[j - 1][d];
					s[j - 1][d] = t;
				}
			}
		lo = 0;
		hi = n - 1;
		for (int i = 1; i < n; i++)
			for (int d = 0; d < dim; d++)
				spread = fmax(spread, fabs(s[i][d] - s[0][d]));
		if (isfinite(fs[hi]) &&
			fs[hi] - fs[lo] <= NM_FTOL * (fabs(fs[lo]) + 1e-30) && spread <= NM_XTOL)
			break;
		if (ran_off != NULL && ran_off(s[lo], arg))
		{
			if (++off_for >= NM_RAN_OFF_PATIENCE)
			{
				*gave_up = true;
				break;
			}
		}
		else
			off_for = 0;

		for (int d = 0; d < dim; d++)
		{
			centroid[d] = 0.0;
			for (int i = 0; i < hi; i++)
				centroid[d] += s[i][d];
			centroid[d] /= dim;
		}
		for (int d = 0; d < dim; d++)
			xr[d] = centroid[d] + (centroid[d] - s[hi][d]);
		fr = safe_eval(f, arg, xr);
		if (fr < fs[lo])
		{
			double		fe;

			for (int d = 0; d < dim; d++)
				xe[d] = centroid[d] + 2.0 * (centroid[d] - s[hi][d]);
			fe = safe_eval(f, arg, xe);
			if (fe < fr)
			{
				memcpy(s[hi], xe, sizeof(double) * dim);
				fs[hi] = fe;
			}
			else
			{
				memcpy(s[hi], xr, sizeof(double) * dim);
				fs[hi] = fr;
			}
			continue;
		}
		if (fr < fs[hi - 1])
		{
			memcpy(s[hi], xr, sizeof(double) * dim);
			fs[hi] = fr;
			continue;
		}
		/* Contract: outside if the reflection helped a little, else inside. */
		{
			double		fc;
			bool		outside = fr < fs[hi];

			for (int d = 0; d < dim; d++)
				xc[d] = outside ? centroid[d] + 0.5 * (xr[d] - centroid[d])
					: centroid[d] + 0.5 * (s[hi][d] - centroid[d]);
			fc = safe_eval(f, arg, xc);
			if (fc < (outside ? fr : fs[hi]))
			{
				memcpy(s[hi], xc, sizeof(double) * dim);
				fs[hi] = fc;
				continue;
			}
		}
		/* Shrink towards the best point. */
		for (int i = 1; i < n; i++)
		{
			for (int d = 0; d < dim; d++)
				s[i][d] = s[lo][d] + 0.5 * (s[i][d] - s[lo][d]);
			fs[i] = safe_eval(f, arg, s[i]);
		}
	}
	/* s[0] is the best after the final sort (or the loop ran out). */
	{
		int			b = 0;

		for (int i = 1; i < n; i++)
			if (fs[i] < fs[b])
				b = i;
		memcpy(best, s[b], sizeof(double) * dim);
		*fbest = fs[b];
	}
	return iter;
}

void
clv_minimize(ClvObjective f, ClvRanOff ran_off, void *arg, int dim, const double *start,
			 int max_iterations, ClvOptResult *result)
{
	double		x[CLV_OPT_MAXDIM];
	double		fx;
	int			used = 0;

	Assert(dim >= 1 && dim <= CLV_OPT_MAXDIM);
	memcpy(x, start, sizeof(double) * dim);
	fx = safe_eval(f, arg, x);
	result->converged = false;

	for (int run = 0; run < NM_RESTARTS && used < max_iterations; run++)
	{
		double		nx[CLV_OPT_MAXDIM];
		double		nf;
		int			it;
		bool		gave_up = false;

		/* First run explores widely; restarts probe around the optimum. */
		it = nelder_mead(f, ran_off, arg, dim, x, run == 0 ? 0.5 : 0.05,
						 max_iterations - used, nx, &nf, &gave_up);
		used += it;
		if (gave_up)
		{
			/* run off: the best point says where (the caller reports it) */
			if (nf <= fx || !isfinite(fx))
			{
				memcpy(x, nx, sizeof(double) * dim);
				fx = nf;
			}
			break;
		}
		if (run > 0 && isfinite(fx) &&
			!(nf < fx - NM_FTOL * (fabs(fx) + 1e-30)))
		{
			/* The restart found nothing better: x is the optimum. */
			if (nf < fx)
			{
				memcpy(x, nx, sizeof(double) * dim);
				fx = nf;
			}
			result->converged = (used < max_iterations);
			break;
		}
		if (nf <= fx || !isfinite(fx))
		{
			memcpy(x, nx, sizeof(double) * dim);
			fx = nf;
		}
	}
	memcpy(result->x, x, sizeof(double) * dim);
	result->f = fx;
	result->iterations = used;
}
