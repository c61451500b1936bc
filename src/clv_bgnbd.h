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

extern double bgnbd_loglik(const BgnbdParams *p, double x, double t_x, double T);
extern double bgnbd_p_alive(const BgnbdParams *p, double x, double t_x, double T);
extern double bgnbd_expected(const BgnbdParams *p, double t, double x, double t_x, double T,
							 const char *fname);
extern void bgnbd_check_customer(double x, double t_x, double T, const char *fname);

#endif							/* RFM_CLV_BGNBD_H */
