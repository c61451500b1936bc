/*
 * clv_hyp2f1.h: the Gauss hypergeometric function 2F1 for the BG/NBD
 * conditional expectation.
 */
#ifndef RFM_CLV_HYP2F1_H
#define RFM_CLV_HYP2F1_H

/*
 * log sum_n (a)_n (b)_n / ((c)_n (d)_n) z^n; d = 1: log 2F1(a, b; c; z).
 * too_long NULL: no convergence within the term limit is an error (22003);
 * else it sets *too_long and returns 0.
 */
extern double clv_log_hyp2f1(double a, double b, double c, double z, bool *too_long,
							 const char *fname);
extern double clv_log_series(double a, double b, double c, double d, double z, bool *too_long,
							 const char *fname);

#endif							/* RFM_CLV_HYP2F1_H */
