/*
 * Customer lifetime value (LTV) by the models of Fader, Hardie and Lee:
 * BG/NBD for the purchase process ("Counting Your Customers" the Easy
 * Way, 2005) and Gamma-Gamma for the value of a purchase (Fader and
 * Hardie, 2013), fitted by maximum likelihood, as the Python package
 * lifetimes does, in C. Time is in days.
 *
 * A customer is summarised, as the papers do, by x (repeat purchases:
 * purchases after the first), t_x (the time of the last purchase after
 * the first) and T (the time from the first purchase to the end of the
 * observation), and for Gamma-Gamma by m_x, the average value of the
 * repeat purchases. Customers with the same (x, t_x, T) are grouped, so
 * that a likelihood costs per distinct triple, not per customer.
 */
#ifndef CRM_LTV_H
#define CRM_LTV_H

#include <stddef.h>

#include "error.h"

struct crm_bgnbd {
	double r, alpha, a, b;
};

struct crm_gamma_gamma {
	double p, q, v;
};

/* One customer's summary, or many customers' of the same values (n of them). */
struct crm_ltv_obs {
	double x, t_x, T;
	double n;
};

/* The log-likelihood of one customer (x, t_x, T) under BG/NBD parameters m. */
double crm_bgnbd_ll(const struct crm_bgnbd *m, double x, double t_x, double T);
/* The probability that customer (x, t_x, T) is alive at T: 1 for x = 0. */
double crm_bgnbd_p_alive(const struct crm_bgnbd *m, double x, double t_x, double T);
/* The purchases customer (x, t_x, T) is expected to make in (T, T + t]; NaN if it cannot be told. */
double crm_bgnbd_expected(const struct crm_bgnbd *m, double x, double t_x, double T, double t);
/* The purchases a new customer is expected to make in (0, t]. */
double crm_bgnbd_expected_new(const struct crm_bgnbd *m, double t);

/* The log-likelihood of one customer of x >= 1 repeat purchases averaging m_x. */
double crm_gg_ll(const struct crm_gamma_gamma *g, double x, double m_x);
/* The expected value of a purchase of a customer of x purchases averaging m_x. */
double crm_gg_expected(const struct crm_gamma_gamma *g, double x, double m_x);

/* How a fit went. */
struct crm_ltv_fit {
	double ll;          /* the log-likelihood at the optimum, summed over customers */
	int iterations;
	int converged;
	int at_bound;       /* a parameter ended at e^±29 or beyond: the data cannot place it */
};

/*
 * Fits BG/NBD to the n observations (grouped: each with its count) by
 * maximum likelihood: Nelder-Mead over the logarithms of the parameters,
 * started from *m, until the simplex's values agree to tol (relative).
 * CRM_ERR_INVALID when the data cannot support a fit (no repeat buyer,
 * or it does not converge within max_iter), with err saying which.
 */
enum crm_status crm_bgnbd_fit(const struct crm_ltv_obs *obs, size_t n, struct crm_bgnbd *m,
			      struct crm_ltv_fit *fit, struct crm_error *err);

/*
 * The same for Gamma-Gamma over (x, m_x) pairs: obs[i].x and obs[i].t_x
 * hold x and m_x, each of x >= 1 and m_x > 0 (CRM_ERR_INVALID if not),
 * best grouped (crm_ltv_group()), sorted by x.
 */
enum crm_status crm_gg_fit(const struct crm_ltv_obs *obs, size_t n, struct crm_gamma_gamma *g,
			   struct crm_ltv_fit *fit, struct crm_error *err);

/*
 * Simulates n customers of BG/NBD m and Gamma-Gamma g, seeded: each joins
 * with a purchase, observed for T uniform in [t_lo, t_hi]; obs[i] gets
 * (x, t_x, T, 1) and m_x[i] the average value of its repeat purchases (0
 * for none). For the tests and bench/ltv (parameter recovery).
 */
void crm_ltv_simulate(const struct crm_bgnbd *m, const struct crm_gamma_gamma *g, size_t n,
		      unsigned long long seed, double t_lo, double t_hi, struct crm_ltv_obs *obs,
		      double *m_x);

/*
 * Sorts obs and merges the equal (x, t_x, T) into one of their summed
 * count; returns how many distinct there are, at the front of obs.
 */
size_t crm_ltv_group(struct crm_ltv_obs *obs, size_t n);

/*
 * Gauss's hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1, by its
 * series; and its logarithm. NaN where the series cancels too far to be
 * known (and the logarithm of a negative value).
 */
double crm_hyp2f1(double a, double b, double c, double z);
double crm_log_hyp2f1(double a, double b, double c, double z);

#endif
