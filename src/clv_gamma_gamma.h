/*
 * clv_gamma_gamma.h: the Gamma-Gamma spend model (Fader & Hardie 2013).
 */
#ifndef RFM_CLV_GAMMA_GAMMA_H
#define RFM_CLV_GAMMA_GAMMA_H

typedef struct GammaGammaParams
{
	double		p,
				q,
				gamma;
} GammaGammaParams;

extern double gamma_gamma_x_term(const GammaGammaParams *g, double x);
extern double gamma_gamma_loglik_term(const GammaGammaParams *g, double x_term, double x, double m_x);
extern double gamma_gamma_expected_spend(const GammaGammaParams *g, double x, double m_x,
										 const char *fname);
extern void gamma_gamma_check_customer(double x, double m_x, const char *fname);

#endif							/* RFM_CLV_GAMMA_GAMMA_H */
