/*
 * clv_optimize.h: unconstrained minimisation (Nelder-Mead simplex) for the
 * small maximum-likelihood fits of the CLV models.
 */
#ifndef RFM_CLV_OPTIMIZE_H
#define RFM_CLV_OPTIMIZE_H

#define CLV_OPT_MAXDIM 4

typedef double (*ClvObjective) (const double *x, void *arg);

/* true where a fit has run off (no interior optimum there); may be NULL */
typedef bool (*ClvRanOff) (const double *x, void *arg);

typedef struct ClvOptResult
{
	double		x[CLV_OPT_MAXDIM];	/* best point found */
	double		f;				/* objective there */
	int			iterations;		/* simplex iterations over all restarts */
	bool		converged;		/* a restart at the optimum found nothing better */
} ClvOptResult;

extern void clv_minimize(ClvObjective f, ClvRanOff ran_off, void *arg, int dim,
						 const double *start, int max_iterations, ClvOptResult *result);

#endif							/* RFM_CLV_OPTIMIZE_H */
