/*
 * BG/NBD and Gamma-Gamma (ltv.h): likelihoods in log space with lgamma,
 * Gauss's hypergeometric function by its series (after Euler's
 * transformation near z = 1), and Nelder-Mead over log parameters.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ltv.h"
#include "banned.h"

/* ln(e^a + e^b), without overflow. */
static double log_add(double a, double b)
{
	double hi = a > b ? a : b, lo = a > b ? b : a;

	return hi + log1p(exp(lo - hi));
}

double crm_bgnbd_ll(const struct crm_bgnbd *m, double x, double t_x, double T)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b;
	double a1 = lgamma(r + x) - lgamma(r) + r * log(al);
	double a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
	double a3 = -(r + x) * log(al + T);

	if (x > 0) {
		double a4 = log(a) - log(b + x - 1) - (r + x) * log(al + t_x);

		return a1 + a2 + log_add(a3, a4);
	}
	return a1 + a2 + a3;
}

double crm_bgnbd_p_alive(const struct crm_bgnbd *m, double x, double t_x, double T)
{
	if (x <= 0)
		return 1.0;
	/* 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), the power in logs */
	return 1.0 / (1.0 + exp(log(m->a) - log(m->b + x - 1) +
				(m->r + x) * (log(m->alpha + T) - log(m->alpha + t_x))));
}

double crm_hyp2f1(double a, double b, double c, double z)
{
	double sum = 1.0, term = 1.0;
	int k;

	if (z == 0)
		return 1.0;
	/*
	 * Near 1 the series crawls (and its terms can overflow first): Euler's
	 * transformation, 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a,c-b;c;z), makes
	 * the parameters of BG/NBD's expectation small.
	 */
	if (z > 0.5 && c - a - b < 0)
		return pow(1 - z, c - a - b) * crm_hyp2f1(c - a, c - b, c, z);
	for (k = 0; k < 1000000; k++) {
		term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
		sum += term;
		if (fabs(term) <= 1e-16 * fabs(sum))
			break;
	}
	return sum;
}

double crm_bgnbd_expected(const struct crm_bgnbd *m, double x, double t_x, double T, double t)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b;
	double z = t / (al + T + t);
	double head = (a + b + x - 1) / (a - 1);
	double f = crm_hyp2f1(r + x, b + x, a + b + x - 1, z);
	double tail = 1.0 - exp((r + x) * log((al + T) / (al + T + t))) * f;
	double denom = 1.0;

	if (x > 0)
		denom += exp(log(a) - log(b + x - 1) + (r + x) * (log(al + T) - log(al + t_x)));
	return head * tail / denom;
}

double crm_bgnbd_expected_new(const struct crm_bgnbd *m, double t)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b;

	return (a + b - 1) / (a - 1) *
	       (1.0 - pow(al / (al + t), r) * crm_hyp2f1(r, b, a + b - 1, t / (al + t)));
}

double crm_gg_ll(const struct crm_gamma_gamma *g, double x, double m_x)
{
	double p = g->p, q = g->q, v = g->v;

	return lgamma(p * x + q) - lgamma(p * x) - lgamma(q) + q * log(v) +
	       (p * x - 1) * log(m_x) + p * x * log(x) - (p * x + q) * log(x * m_x + v);
}

double crm_gg_expected(const struct crm_gamma_gamma *g, double x, double m_x)
{
	return g->p * (g->v + x * m_x) / (g->p * x + g->q - 1);
}

/* ---- Nelder-Mead ----------------------------------------------------------- */

#define NM_MAX 4

typedef double (*nm_fn)(const double *theta, void *ctx);

/*
 * Minimises f over dim (<= NM_MAX) unknowns from x0, until the simplex's
 * values agree to tol relative; x0 receives the best point. Returns the
 * iterations, negative when max_iter passed first.
 */
static int nelder_mead(nm_fn f, void *ctx, int dim, double *x0, double step, double tol,
		       int max_iter, double *best)
{
	double p[NM_MAX + 1][NM_MAX], v[NM_MAX + 1], c[NM_MAX], xr[NM_MAX], xe[NM_MAX];
	double fr, fe, fc;
	int i, j, it, lo, hi, nh;

	for (i = 0; i <= dim; i++) {
		memcpy(p[i], x0, (size_t)dim * sizeof(double));
		if (i)
			p[i][i - 1] += step;
		v[i] = f(p[i], ctx);
	}
	for (it = 0; it < max_iter; it++) {
		lo = hi = 0;
		for (i = 1; i <= dim; i++) {
			if (v[i] < v[lo])
				lo = i;
			if (v[i] > v[hi])
				hi = i;
		}
		nh = lo;
		for (i = 0; i <= dim; i++)
			if (i != hi && v[i] > v[nh])
				nh = i;
		if (fabs(v[hi] - v[lo]) <= tol * (fabs(v[lo]) + 1e-10)) {
			double size = 0;

			for (i = 0; i <= dim; i++)
				for (j = 0; j < dim; j++)
					size = fmax(size, fabs(p[i][j] - p[lo][j]));
			if (size < 1e-6)
				break;
		}
		/* the centroid of all but the worst */
		for (j = 0; j < dim; j++) {
			c[j] = 0;
			for (i = 0; i <= dim; i++)
				if (i != hi)
					c[j] += p[i][j] / dim;
		}
		for (j = 0; j < dim; j++)
			xr[j] = c[j] + (c[j] - p[hi][j]);
		fr = f(xr, ctx);
		if (fr < v[lo]) {
			for (j = 0; j < dim; j++)
				xe[j] = c[j] + 2 * (c[j] - p[hi][j]);
			fe = f(xe, ctx);
			if (fe < fr) {
				memcpy(p[hi], xe, sizeof(xe));
				v[hi] = fe;
			} else {
				memcpy(p[hi], xr, sizeof(xr));
				v[hi] = fr;
			}
			continue;
		}
		if (fr < v[nh]) {
			memcpy(p[hi], xr, sizeof(xr));
			v[hi] = fr;
			continue;
		}
		/* contract toward the better of the worst and its reflection */
		for (j = 0; j < dim; j++)
			xe[j] = fr < v[hi] ? c[j] + 0.5 * (xr[j] - c[j]) : c[j] + 0.5 * (p[hi][j] - c[j]);
		fc = f(xe, ctx);
		if (fc < fmin(fr, v[hi])) {
			memcpy(p[hi], xe, sizeof(xe));
			v[hi] = fc;
			continue;
		}
		/* shrink toward the best */
		for (i = 0; i <= dim; i++) {
			if (i == lo)
				continue;
			for (j = 0; j < dim; j++)
				p[i][j] = p[lo][j] + 0.5 * (p[i][j] - p[lo][j]);
			v[i] = f(p[i], ctx);
		}
	}
	lo = 0;
	for (i = 1; i <= dim; i++)
		if (v[i] < v[lo])
			lo = i;
	memcpy(x0, p[lo], (size_t)dim * sizeof(double));
	*best = v[lo];
	return it < max_iter ? it : -it;
}

struct fit_ctx {
	const struct crm_ltv_obs *obs;
	size_t n;
};

/* The negative log-likelihood at log parameters theta; huge where it is not finite. */
static double bgnbd_nll(const double *theta, void *vctx)
{
	const struct fit_ctx *c = vctx;
	struct crm_bgnbd m = { exp(theta[0]), exp(theta[1]), exp(theta[2]), exp(theta[3]) };
	double sum = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		sum += c->obs[i].n * crm_bgnbd_ll(&m, c->obs[i].x, c->obs[i].t_x, c->obs[i].T);
	return isfinite(sum) ? -sum : DBL_MAX;
}

static double gg_nll(const double *theta, void *vctx)
{
	const struct fit_ctx *c = vctx;
	struct crm_gamma_gamma g = { exp(theta[0]), exp(theta[1]), exp(theta[2]) };
	double sum = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		sum += c->obs[i].n * crm_gg_ll(&g, c->obs[i].x, c->obs[i].t_x);
	return isfinite(sum) ? -sum : DBL_MAX;
}

#define FIT_TOL 1e-12
#define FIT_MAX_ITER 20000

enum crm_status crm_bgnbd_fit(const struct crm_ltv_obs *obs, size_t n, struct crm_bgnbd *m,
			      struct crm_ltv_fit *fit, struct crm_error *err)
{
	struct fit_ctx c = { obs, n };
	double theta[4], best;
	size_t i;
	int it, repeat = 0;

	for (i = 0; i < n; i++)
		repeat |= obs[i].x > 0 && obs[i].n > 0;
	if (!repeat)
		return crm_error_set(err, CRM_ERR_INVALID, "no customer bought more than once: "
				     "BG/NBD cannot be fitted");
	theta[0] = log(m->r);
	theta[1] = log(m->alpha);
	theta[2] = log(m->a);
	theta[3] = log(m->b);
	/* restarts from where it stopped, as a simplex can collapse early */
	for (fit->iterations = 0, i = 0; i < 3; i++) {
		it = nelder_mead(bgnbd_nll, &c, 4, theta, 0.5, FIT_TOL, FIT_MAX_ITER, &best);
		fit->iterations += it < 0 ? -it : it;
		if (it < 0)
			return crm_error_set(err, CRM_ERR_INVALID, "the BG/NBD fit did not converge "
					     "in %d iterations", FIT_MAX_ITER);
	}
	m->r = exp(theta[0]);
	m->alpha = exp(theta[1]);
	m->a = exp(theta[2]);
	m->b = exp(theta[3]);
	fit->ll = -best;
	fit->converged = 1;
	return CRM_OK;
}

enum crm_status crm_gg_fit(const struct crm_ltv_obs *obs, size_t n, struct crm_gamma_gamma *g,
			   struct crm_ltv_fit *fit, struct crm_error *err)
{
	struct fit_ctx c = { obs, n };
	double theta[3], best;
	size_t i, k = 0;
	int it;

	for (i = 0; i < n; i++)
		k += obs[i].x > 0 && obs[i].t_x > 0 && obs[i].n > 0;
	if (k < 2)
		return crm_error_set(err, CRM_ERR_INVALID, "too few repeat buyers with a value to "
				     "fit Gamma-Gamma");
	theta[0] = log(g->p);
	theta[1] = log(g->q);
	theta[2] = log(g->v);
	for (fit->iterations = 0, i = 0; i < 3; i++) {
		it = nelder_mead(gg_nll, &c, 3, theta, 0.5, FIT_TOL, FIT_MAX_ITER, &best);
		fit->iterations += it < 0 ? -it : it;
		if (it < 0)
			return crm_error_set(err, CRM_ERR_INVALID, "the Gamma-Gamma fit did not "
					     "converge in %d iterations", FIT_MAX_ITER);
	}
	g->p = exp(theta[0]);
	g->q = exp(theta[1]);
	g->v = exp(theta[2]);
	fit->ll = -best;
	fit->converged = 1;
	return CRM_OK;
}

/* ---- Simulation --------------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static double uniform(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (double)((r->s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0) +
	       1e-300;
}

static double normal(struct rng *r)
{
	return sqrt(-2 * log(uniform(r))) * cos(2 * 3.14159265358979323846 * uniform(r));
}

/* Gamma(shape, 1), Marsaglia and Tsang (2000). */
static double gamma_draw(struct rng *r, double shape)
{
	double d, c, x, v, u;

	if (shape < 1)
		return gamma_draw(r, shape + 1) * pow(uniform(r), 1 / shape);
	d = shape - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		do {
			x = normal(r);
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		u = uniform(r);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

void crm_ltv_simulate(const struct crm_bgnbd *m, const struct crm_gamma_gamma *g, size_t n,
		      unsigned long long seed, double t_lo, double t_hi, struct crm_ltv_obs *obs,
		      double *m_x)
{
	struct rng r = { seed ? seed : 1 };
	size_t i;

	for (i = 0; i < n; i++) {
		/* lambda ~ Gamma(r, alpha), p ~ Beta(a, b), nu ~ Gamma(q, v): rates */
		double lambda = gamma_draw(&r, m->r) / m->alpha;
		double ga = gamma_draw(&r, m->a), p = ga / (ga + gamma_draw(&r, m->b));
		double nu = g ? gamma_draw(&r, g->q) / g->v : 1, sum = 0;
		double T = t_lo + (t_hi - t_lo) * uniform(&r), t = 0;

		obs[i].x = obs[i].t_x = 0;
		obs[i].T = T;
		obs[i].n = 1;
		/* a customer may drop out after each repeat purchase, not the first */
		for (;;) {
			t += -log(uniform(&r)) / lambda;
			if (t > T)
				break;
			obs[i].x++;
			obs[i].t_x = t;
			if (g)
				sum += gamma_draw(&r, g->p) / nu;
			if (uniform(&r) < p)
				break;
		}
		if (m_x)
			m_x[i] = obs[i].x > 0 ? sum / obs[i].x : 0;
	}
}

static int cmp_obs(const void *pa, const void *pb)
{
	const struct crm_ltv_obs *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x ? -1 : 1;
	return (a->T > b->T) - (a->T < b->T);
}

size_t crm_ltv_group(struct crm_ltv_obs *obs, size_t n)
{
	size_t i, k = 0;

	if (!n)
		return 0;
	qsort(obs, n, sizeof(*obs), cmp_obs);
	for (i = 1; i < n; i++) {
		if (!cmp_obs(&obs[k], &obs[i]))
			obs[k].n += obs[i].n;
		else
			obs[++k] = obs[i];
	}
	return k + 1;
}
