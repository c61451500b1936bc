/*
 * clv_bgnbd.h: the BG/NBD model (Fader, Hardie & Lee 2005).
 */
#ifndef RFM_CLV_BGNBD_H
#define RFM_CLV_BGNBD_H

typedef struct BgnbdParams
{
	double		r,
				alpha,
				a,
				b;
} BgnbdParams;

/* Parts of the log-likelihood that depend on x alone. */
typedef struct BgnbdXTerms
{
	double		x;
	double		common;			/* log Gamma and log Beta terms */
	double		log_odds;		/* log(a / (b + x - 1)), -inf for x = 0 */
} BgnbdXTerms;

extern void bgnbd_x_terms(const BgnbdParams *p, double x, BgnbdXTerms *xt);
extern double bgnbd_loglik_terms(const BgnbdParams *p, const BgnbdXTerms *xt, double t_x, double T);
extern double bgnbd_p_alive(const BgnbdParams *p, double x, double t_x, double T);
extern double bgnbd_expected(const BgnbdParams *p, double t, double x, double t_x, double T,
							 bool *too_long, const char *fname);
extern void bgnbd_check_customer(double x, double t_x, double T, const char *fname);

#endif							/* RFM_CLV_BGNBD_H */
