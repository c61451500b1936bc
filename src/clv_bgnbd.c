/*
 * clv_bgnbd.c: BG/NBD formulas (Fader, Hardie & Lee 2005, "Counting your
 * customers the easy way"): the individual log-likelihood (their eq. 6, in
 * the log-sum-exp form of the lifetimes package), P(alive) (eq. 11) and the
 * conditional expectation E[Y(t) | x, t_x, T] (eq. 10), plus the SQL-callable
 * predictions.  x: repeat purchases, t_x: time of the last one, T: time since
 * the first purchase, all from the customer's first purchase, in one unit.
 */
#include "compat.h"

#include <math.h>

#include "clv_bgnbd.h"
#include "clv_common.h"
#include "clv_hyp2f1.h"

#include "fmgr.h"
#include "miscadmin.h"

PG_FUNCTION_INFO_V1(rfm_bgnbd_p_alive);
PG_FUNCTION_INFO_V1(rfm_bgnbd_expected_purchases);

static double
log_add_exp(double u, double v)
{
	double		m = fmax(u, v);

	if (m == -INFINITY)
		return -INFINITY;
	return m + log1p(exp(fmin(u, v) - m));
}

/*
 * The log-likelihood splits into terms that depend on x only (computed once
 * per distinct x while fitting, since the lgamma calls dominate) and the
 * rest.
 */
void
bgnbd_x_terms(const BgnbdParams *p, double x, BgnbdXTerms *xt)
{
	double		a1 = lgamma(p->r + x) - lgamma(p->r) + p->r * log(p->alpha);
	double		a2 = lgamma(p->a + p->b) + lgamma(p->b + x) - lgamma(p->b) - lgamma(p->a + p->b + x);

	xt->x = x;
	xt->common = a1 + a2;
	xt->log_odds = x > 0 ? log(p->a) - log(p->b + (x - 1)) : -INFINITY;
}

double
bgnbd_loglik_terms(const BgnbdParams *p, const BgnbdXTerms *xt, double t_x, double T)
{
	double		a3 = -(p->r + xt->x) * log(p->alpha + T);
	double		a4 = xt->x > 0 ? xt->log_odds - (p->r + xt->x) * log(p->alpha + t_x) : -INFINITY;

	return xt->common + log_add_exp(a3, a4);
}

/*
 * log of the odds term a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)
 * that is added to 1 in the denominators of P(alive) and E[Y(t)]; -inf for x = 0.
 */
static double
log_dropout_odds(const BgnbdParams *p, double x, double t_x, double T)
{
	if (x == 0)
		return -INFINITY;
	/* log1p, not a difference of logs: r + x may be huge */
	return log(p->a) - log(p->b + (x - 1)) +
		(p->r + x) * log1p((T - t_x) / (p->alpha + t_x));
}

/* 1 / (1 + exp(l)) without overflow. */
static double
inverse_one_plus_exp(double l)
{
	if (l > 0)
		return exp(-l) / (1 + exp(-l));
	return 1 / (1 + exp(l));
}

double
bgnbd_p_alive(const BgnbdParams *p, double x, double t_x, double T)
{
	return inverse_one_plus_exp(log_dropout_odds(p, x, t_x, T));
}

/*
 * c (1 - G) / (a - 1) of bgnbd_expected through Euler's transformation
 * 2F1(A, B; C; z) = (1 - z)^(C-A-B) 2F1(C-A, C-B; C; z), for customers
 * with many repeat purchases.  There G is a huge 2F1 times a tiny power,
 * and 1 - G, multiplied by c / (a - 1), loses every digit (a customer with
 * 10^9 repeat purchases got a negative expectation).  Transformed,
 * G = w 2F1(q, a - 1; c; z) = w (1 + (a - 1) H), w = (1 - z)^(a-1),
 * q = a + b - 1 - r, H = sum_{n>=1} (q)_n (a)_(n-1) / ((c)_n n!) z^n, so
 * c (1 - G) / (a - 1) = c ((1 - w) / (a - 1) - w H): no division by a - 1
 * left, and with c large against |q| H's terms fall fast.  false when c is
 * not that large, H does not converge here, or the two parts cancel (the
 * caller then sums the original series, all of whose terms are positive).
 */
static bool
expected_by_euler(const BgnbdParams *p, double c, double z, double *out)
{
	double		u = p->a - 1;
	double		l = -log1p(-z);	/* -log(1 - z) > 0 */
	double		w = exp(-u * l);
	double		first = (u == 0) ? l : -expm1(-u * l) / u;	/* (1 - w) / u */
	double		q = p->a + p->b - 1 - p->r;
	double		term;
	double		h;
	double		h_abs;
	double		rest;
	bool		converged = false;

	if (!(c >= 16 * (fabs(q) + 1)))
		return false;
	term = q * z / c;			/* n = 1 */
	h = term;
	h_abs = fabs(term);
	for (long n = 1; n < 100000; n++)
	{
		/*
		 * The ratio of term n+1 to term n is (q+n)(a+n-1) / ((c+n)(n+1)) z;
		 * with c >= |q| every later one is at most z max(1, (a+n-1)/(n+1))
		 * in size, which bounds the tail.
		 */
		double		bound = z * fmax(1.0, (p->a + n - 1) / (n + 1));

		if (term == 0 || (bound < 1 && fabs(term) * bound / (1 - bound) <= 1e-17 * first))
		{
			converged = true;
			break;
		}
		term *= (q + n) * (p->a + n - 1) / ((c + n) * (n + 1)) * z;
		h += term;
		h_abs += fabs(term);
	}
	rest = first - w * h;
	/* both parts' rounding is at most ~1e-16 of first + w h_abs */
	if (!converged || !(rest > 0) || first + w * h_abs > 4 * rest)
		return false;
	*out = c * rest;
	return true;
}

/*
 * c (1 - G) / (a - 1) as one series of positive terms, for c > 0.  With
 * R = r + x, B = b + x = c - (a - 1) and A = (1 - z)^R, A sum_n T_n = 1 for
 * T_n = (R)_n z^n / n!, and 2F1(R, B; c; z) = sum_n T_n P_n with
 * P_n = (B)_n / (c)_n; so 1 - G = A sum_n T_n (1 - P_n), and
 * (1 - P_n) / (a - 1) = e_n = sum_{k<n} P_k / (c + k).  Neither 1 - G nor
 * a - 1 is formed: 1 - A 2F1 lost every digit once b + x was far above
 * 1 / z (b = 1e16 gave negative expectations), and a = 1 is no special
 * case (e_n is then sum_{k<n} 1 / (B + k)).  P_k / (c + k) falls with
 * k (B <= c + 1), so e_(n+1) / e_n <= (n + 1) / n and every ratio of
 * later terms is below z (R + n) / n: that bounds the tail.  Only where
 * the plain series' rounding, magnified by c / |a - 1|, would cost more
 * than 6 digits: elsewhere the plain series is as exact and often much
 * shorter (its terms also fall with (B)_n / (c)_n; these only as
 * (R)_n z^n / n!, a million terms and 1e-12 of summed rounding for z near
 * 1, enough to make E[Y(t)] fall with t).  When A underflows (R large
 * against z: r = 1e4, z = 0.999), the weights A T_n are carried as
 * w exp(scale) until they come into range; the ones skipped are below
 * 1e-90 while the sum is at least 1 - A (c e_n >= 1 for n >= 1), and
 * the plain series, the one fallback there, lost 1 % near a = 1.  false
 * when the sum needs more terms than the limit.
 */
static bool
expected_by_differences(const BgnbdParams *p, double x, double c, double z, double *out)
{
	double		big_r = p->r + x;
	double		big_b = p->b + x;
	double		log_a = big_r * log1p(-z);
	double		weight;			/* A T_n, or exp(-scale) A T_n while scale < 0 */
	double		scale = 0.0;
	double		ratio = 1.0;	/* P_n */
	double		ce = 0.0;		/* c e_n: e_n alone is subnormal for c near 1e300 */
	double		sum = 0.0;

	if (!(c > 1e6 * fabs(p->a - 1)) || !isfinite(log_a))
		return false;
	/*
	 * the tail bound below 1 needs n + 1 > z R / (1 - z): out of reach.
	 * It also keeps each step's factor z (R + n) / (n + 1) below 5e7 + 1,
	 * so a scaled weight below 1e200 cannot overflow in one step.
	 */
	if (!(z * big_r / (1 - z) < CLV_MAX_SERIES_TERMS))
		return false;
	if (log_a > -690)
		weight = exp(log_a);
	else
	{
		weight = 1.0;
		scale = log_a;
	}
	for (long n = 0; n < (long) CLV_MAX_SERIES_TERMS; n++)
	{
		double		term;
		double		bound;

		/* from n to n + 1 */
		ce += ratio * (c / (c + n));
		ratio *= (big_b + n) / (c + n);
		weight *= (big_r + n) * z / (n + 1);
		bound = z * (big_r + n + 1) / (n + 1);
		if (scale < 0)
		{
			/* the weight is below exp(scale) 1e200 < 1e-99: left out */
			if (weight > 1e200)
			{
				scale += log(weight);
				weight = 1.0;
				if (scale > -690)
				{
					weight = exp(scale);
					scale = 0.0;
				}
			}
			/* past the weights' peak without reaching 1e-100: no sum */
			if (scale < 0 && bound < 1)
				return false;
		}
		else
		{
			term = weight * ce;
			sum += term;
			if (bound < 1 && term * bound / (1 - bound) <= 1e-17 * sum)
			{
				*out = sum;
				return true;
			}
		}
		if ((n & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return false;
}

/*
 * c (1 - G) / (a - 1) from the original series, all of whose terms are
 * positive: E[Y(t)] for a customer still alive, when Euler's form does
 * not apply.
 */
static double
expected_by_series(const BgnbdParams *p, double t, double x, double T, double c, double z,
				   bool *too_long, const char *fname)
{
	double		log_a;
	double		log_g;
	double		c_one_minus_g;

	log_a = -(p->r + x) * log1p(t / (p->alpha + T));
	if (c > 0)
	{
		log_g = log_a + clv_log_hyp2f1(p->r + x, p->b + x, c, z, too_long, fname);
		c_one_minus_g = c * -expm1(log_g);
	}
	else
	{
		/*
		 * x = 0 and a + b <= 1 (fits do give such a): c is in (-1, 0],
		 * where 2F1 has a pole (c = 0) and its series changes sign.  Only
		 * c 2F1 is needed: (c)_n = c (c+1)_(n-1) gives
		 * c 2F1(r, b; c; z) = c + r b z H, H = sum_m (r+1)_m (b+1)_m /
		 * ((c+1)_m (2)_m) z^m, every term positive; so
		 * c (1 - G) = c (1 - A) - A r b z H, both parts <= 0 (no
		 * cancellation), continuous through c = 0.
		 */
		double		log_h = clv_log_series(p->r + x + 1, p->b + x + 1,
									   p->a + p->b + x, /* c + 1, without cancellation */
									   2.0, z, too_long, fname);

		c_one_minus_g = c * -expm1(log_a) -
			exp(log_a + log(p->r + x) + log(p->b + x) + log(z) + log_h);
	}
	return c_one_minus_g / (p->a - 1);
}

/*
 * A horizon the expectation cannot be evaluated at: with too_long, *too_long
 * is set (the caller returns NULL), else 22003.
 */
static double
horizon_too_long(double t, bool *too_long, const char *fname)
{
	if (too_long)
	{
		*too_long = true;
		return 0.0;
	}
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s: horizon t = %s is too long to evaluate", fname, clv_show(t)),
			 errhint("Use a horizon of a few years in the fit's time unit.")));
	return 0.0;					/* not reached */
}

double
bgnbd_expected(const BgnbdParams *p, double t, double x, double t_x, double T, bool *too_long,
			   const char *fname)
{
	double		z;
	double		c;
	double		if_alive;		/* E[Y(t)] for a customer still alive */

	if (t == 0)
		return 0.0;
	/* The series argument t/(alpha+T+t) must stay below 1 in doubles. */
	z = t / (p->alpha + T + t);
	if (!isfinite(p->alpha + T + t) || !(z < 1))
		return horizon_too_long(t, too_long, fname);
	/*
	 * E = c (1 - G) / (a - 1) P(alive), c = a+b+x-1,
	 * G = A 2F1(r+x, b+x; c; z), A = ((alpha+T)/(alpha+T+t))^(r+x).
	 */
	c = p->a + p->b + (x - 1);
	if (!expected_by_euler(p, c, z, &if_alive) &&
		!expected_by_differences(p, x, c, z, &if_alive))
	{
		/*
		 * The series of positive terms needs more terms than the limit;
		 * the plain one would lose more than 6 digits to c / (a - 1)
		 * (a = 1: all of them).
		 */
		if (c > 1e6 * fabs(p->a - 1))
			return horizon_too_long(t, too_long, fname);
		if_alive = expected_by_series(p, t, x, T, c, z, too_long, fname);
	}
	return if_alive * bgnbd_p_alive(p, x, t_x, T);
}

/* Rules for one customer's (x, t_x, T); README, "Customer lifetime value". */
void
bgnbd_check_customer(double x, double t_x, double T, const char *fname)
{
	clv_check_nonnegative(x, fname, "x");
	clv_check_nonnegative(t_x, fname, "t_x");
	clv_check_nonnegative(T, fname, "T (tenure)");
	clv_check_whole(x, fname, "x");
	if (t_x > T)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: inconsistent customer: t_x = %s is after T = %s", fname, clv_show(t_x), clv_show(T)),
				 errhint("t_x (last minus first purchase) cannot exceed T (as_of minus first purchase); check as_of and the time unit.")));
	if (x == 0 && t_x != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: inconsistent customer: x = 0 but t_x = %s", fname, clv_show(t_x)),
				 errhint("Without repeat purchases the last purchase is the first one, so t_x must be 0.")));
	if (x > 0 && t_x == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: inconsistent customer: x = %s repeat purchases but t_x = 0", fname, clv_show(x)),
				 errhint("Merge same-day purchases: x counts repeat purchase days (repeat_days of rfm.summary).")));
}

static void
get_params(FunctionCallInfo fcinfo, BgnbdParams *p, const char *fname)
{
	p->r = clv_arg_finite(fcinfo, 0, fname, "r");
	p->alpha = clv_arg_finite(fcinfo, 1, fname, "alpha");
	p->a = clv_arg_finite(fcinfo, 2, fname, "a");
	p->b = clv_arg_finite(fcinfo, 3, fname, "b");
	clv_check_parameter(p->r, fname, "r");
	clv_check_parameter(p->alpha, fname, "alpha");
	clv_check_parameter(p->a, fname, "a");
	clv_check_parameter(p->b, fname, "b");
}

/* rfm._bgnbd_p_alive(r, alpha, a, b, x, t_x, T) */
Datum
rfm_bgnbd_p_alive(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.bgnbd_p_alive";
	BgnbdParams p;
	double		x,
				t_x,
				T;

	get_params(fcinfo, &p, fname);
	x = clv_arg_finite(fcinfo, 4, fname, "x");
	t_x = clv_arg_finite(fcinfo, 5, fname, "t_x");
	T = clv_arg_finite(fcinfo, 6, fname, "T");
	bgnbd_check_customer(x, t_x, T, fname);
	PG_RETURN_FLOAT8(clv_check_result(bgnbd_p_alive(&p, x, t_x, T), fname, "P(alive)"));
}

/*
 * rfm._bgnbd_expected_purchases(r, alpha, a, b, t, x, t_x, T, too_long_is_null):
 * a horizon too long to evaluate for this customer is an error (22003), or
 * NULL when too_long_is_null (rfm.clv_columns).
 */
Datum
rfm_bgnbd_expected_purchases(PG_FUNCTION_ARGS)
{
	const char *fname = "rfm.bgnbd_expected_purchases";
	BgnbdParams p;
	double		t,
				x,
				t_x,
				T,
				expected;
	bool		too_long = false;
	bool		too_long_is_null = !PG_ARGISNULL(8) && PG_GETARG_BOOL(8);

	get_params(fcinfo, &p, fname);
	t = clv_arg_finite(fcinfo, 4, fname, "t");
	x = clv_arg_finite(fcinfo, 5, fname, "x");
	t_x = clv_arg_finite(fcinfo, 6, fname, "t_x");
	T = clv_arg_finite(fcinfo, 7, fname, "T");
	clv_check_nonnegative(t, fname, "t (horizon)");
	bgnbd_check_customer(x, t_x, T, fname);
	expected = bgnbd_expected(&p, t, x, t_x, T, too_long_is_null ? &too_long : NULL, fname);
	if (too_long)
		PG_RETURN_NULL();
	/* never below 0: a subnormal r left -1e-323 of rounding */
	if (expected < 0)
		expected = 0;
	PG_RETURN_FLOAT8(clv_check_result(expected, fname, "the expected number of purchases"));
}
