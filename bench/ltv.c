/*
 * The parameter recovery of #18: simulates customers of known BG/NBD and
 * Gamma-Gamma parameters (the published CDNOW fits: r 0.24, alpha 4.4,
 * a 0.79, b 2.4; p 6.25, q 3.74, v 15.4), joining over 39 weeks, their
 * times in whole days as crm's data has them, seeded; fits both models
 * and prints each parameter against the truth, the time, and whether
 * r, alpha, p, q, v are within 10% and a, b within 15%.
 *
 * usage: bench-ltv [CUSTOMERS] [SEED]   (defaults: 100000 1)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ltv.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int report(const char *name, double got, double want, double tol)
{
	double rel = fabs(got - want) / want;

	printf("  %-5s %10.4f  (truth %7.4f, %5.1f%% off, target %2.0f%%)%s\n", name, got, want,
	       100 * rel, 100 * tol, rel <= tol ? "" : "  MISSED");
	return rel <= tol;
}

int main(int argc, char **argv)
{
	/* per week, as published; the simulation runs in weeks, then in days */
	const struct crm_bgnbd truth = { 0.24, 4.4, 0.79, 2.4 };
	const struct crm_gamma_gamma gg_truth = { 6.25, 3.74, 15.4 };
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, i, k, distinct;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	struct crm_ltv_obs *obs = calloc(n, sizeof(*obs)), *gg = calloc(n, sizeof(*gg));
	double *mx = calloc(n, sizeof(*mx)), t0, t1, t2;
	struct crm_bgnbd m = { 1, 1, 1, 1 };
	struct crm_gamma_gamma g = { 1, 1, 1 };
	struct crm_ltv_fit fit, gfit;
	struct crm_error err;
	int ok = 1;

	if (!n || !obs || !gg || !mx) {
		fprintf(stderr, "bench-ltv: out of memory\n");
		return 1;
	}
	crm_ltv_simulate(&truth, &gg_truth, n, seed, 0, 39, obs, mx);
	for (i = k = 0; i < n; i++) {
		/* whole days, as orders are dated */
		obs[i].t_x = floor(obs[i].t_x * 7);
		obs[i].T = floor(obs[i].T * 7);
		if (obs[i].x > 0)
			gg[k++] = (struct crm_ltv_obs){ obs[i].x, mx[i], 0, 1 };
	}
	t0 = now();
	distinct = crm_ltv_group(obs, n);
	crm_error_clear(&err);
	if (crm_bgnbd_fit(obs, distinct, &m, &fit, &err)) {
		fprintf(stderr, "bench-ltv: %s\n", err.message);
		return 1;
	}
	t1 = now();
	if (crm_gg_fit(gg, k, &g, &gfit, &err)) {
		fprintf(stderr, "bench-ltv: %s\n", err.message);
		return 1;
	}
	t2 = now();
	printf("%zu customers (%zu distinct x, t_x, T in days; %zu repeat buyers), seed %llu\n",
	       n, distinct, k, seed);
	printf("BG/NBD: log-likelihood %.4f, %d iterations, %.3f s (alpha per day: %.4f, "
	       "per week below)\n", fit.ll, fit.iterations, t1 - t0, m.alpha);
	ok &= report("r", m.r, truth.r, 0.10);
	ok &= report("alpha", m.alpha / 7, truth.alpha, 0.10);
	ok &= report("a", m.a, truth.a, 0.15);
	ok &= report("b", m.b, truth.b, 0.15);
	printf("Gamma-Gamma: log-likelihood %.4f, %d iterations, %.3f s\n", gfit.ll,
	       gfit.iterations, t2 - t1);
	ok &= report("p", g.p, gg_truth.p, 0.10);
	ok &= report("q", g.q, gg_truth.q, 0.10);
	ok &= report("v", g.v, gg_truth.v, 0.10);
	printf("%s\n", ok ? "all within their targets" : "SOME MISSED their targets");
	free(obs);
	free(gg);
	free(mx);
	return 0;
}
