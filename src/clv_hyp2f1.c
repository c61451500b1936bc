/*
 * clv_hyp2f1.c: log of the series sum_n (a)_n (b)_n / ((c)_n (d)_n) z^n for
 * a, b, c, d > 0 and 0 <= z < 1.  With d = 1 ((1)_n = n!) it is the Gauss
 * series of 2F1(a, b; c; z); clv_bgnbd.c also needs d = 2, for the BG/NBD
 * expectation where 2F1's own c is not positive.
 *
 * With positive a, b, c, d and z every term is positive, so the series has no
 * cancellation; it is summed with a running scale so that it cannot
 * overflow even when the value is huge (z near 1 and large a + b - c), and
 * the log is returned.  The sum stops when a rigorous bound on the tail is
 * below 1e-17 of the sum: with q < 1 bounding every later ratio of
 * successive terms, the tail is at most term * q / (1 - q).  No convergence
 * within the term limit is an error or, for a caller that asks, a flag;
 * never a silently wrong value.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "clv_common.h"
#include "clv_hyp2f1.h"

#define HYP2F1_MAX_TERMS	((long) CLV_MAX_SERIES_TERMS)
#define HYP2F1_RESCALE		1e280

double
clv_log_hyp2f1(double a, double b, double c, double z, bool *too_long, const char *fname)
{
	return clv_log_series(a, b, c, 1.0, z, too_long, fname);
}

double
clv_log_series(double a, double b, double c, double d, double z, bool *too_long,
			   const char *fname)
{
	double		term = 1.0;
	double		sum = 1.0;
	double		rest = 0.0;		/* sum - 1, for log1p while unscaled */
	double		log_scale = 0.0;

	/* callers keep to the domain (clv_bgnbd.c); anything else is a bug here */
	if (!(a > 0 && b > 0 && c > 0 && d > 0 && z >= 0 && z < 1))
		elog(ERROR, "%s: series (%g, %g; %g, %g; %g) outside the supported domain", fname, a, b, c, d, z);
	if (z == 0)
		return 0.0;

	for (long n = 0; n < HYP2F1_MAX_TERMS; n++)
	{
		double		ratio = (a + n) * (b + n) / ((c + n) * (n + d)) * z;
		double		next_ratio = (a + n + 1) * (b + n + 1) / ((c + n + 1) * (n + 1 + d)) * z;

		term *= ratio;
		sum += term;
		rest += term;
		if (sum > HYP2F1_RESCALE)
		{
			sum /= HYP2F1_RESCALE;
			term /= HYP2F1_RESCALE;
			log_scale += log(HYP2F1_RESCALE);
		}
		/*
		 * The ratio is z (1 + (k n + m) / ((c + n)(d + n))) with k, m fixed,
		 * so it changes direction at most once on n >= 0 (the derivative's
		 * numerator, -k n^2 - 2 m n + k c d - m (c + d), has two positive
		 * roots only if m / k were both negative and above cd / (c + d))
		 * and tends to z.
		 * Hence once it falls, or sits below z, every later ratio is below
		 * max(next_ratio, z).
		 */
		if (next_ratio <= ratio || next_ratio <= z)
		{
			double		q = fmax(next_ratio, z);

			/*
			 * log1p of the terms after the first, each to full precision:
			 * for a tiny z the sum is 1 + epsilon, whose digits log(sum)
			 * loses, and a tail below 1e-17 of the sum is not below 1e-17
			 * of epsilon (the BG/NBD expectation for a horizon far below
			 * alpha + T came out negative, or 1e-10 off).
			 */
			if (q < 1 && term * q / (1 - q) <= 1e-17 * (log_scale == 0.0 ? rest : sum))
				return log_scale == 0.0 ? log1p(rest) : log(sum) + log_scale;
		}
		if ((n & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (too_long)
	{
		*too_long = true;
		return 0.0;
	}
	/* the sum is 2F1(a, b; c; z) for d = 1, else 3F2(a, b, 1; c, d; z) */
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 d == 1.0
			 ? errmsg("%s: hypergeometric series 2F1(%g, %g; %g; %.17g) did not converge in %ld terms",
					  fname, a, b, c, z, HYP2F1_MAX_TERMS)
			 : errmsg("%s: hypergeometric series 3F2(%g, %g, 1; %g, %g; %.17g) did not converge in %ld terms",
					  fname, a, b, c, d, z, HYP2F1_MAX_TERMS),
			 errhint("The prediction horizon is very long compared with the customer's age; use a shorter horizon.")));
	return 0.0;					/* keep the compiler quiet */
}
