/*
 * clv_hyp2f1.h: the Gauss hypergeometric function 2F1 for the BG/NBD
 * conditional expectation.
 */
#ifndef RFM_CLV_HYP2F1_H
#define RFM_CLV_HYP2F1_H

extern double clv_log_hyp2f1(double a, double b, double c, double z, const char *fname);
/* log sum_n (a)_n (b)_n / ((c)_n (d)_n) z^n; d = 1: log 2F1(a, b; c; z) */
extern double clv_log_series(double a, double b, double c, double d, double z, const char *fname);

#endif							/* RFM_CLV_HYP2F1_H */
