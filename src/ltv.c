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

/*
 * ln B(a, b + x) / B(a, b) = ln prod_{j<x} (b + j) / (a + b + j), the
 * chance of surviving x repeat purchases: for whole x as a sum of
 * log1p(-a / (a + b + j)), from `from` (whose sum is `sum`) on, since the
 * difference of lgammas loses a small a beside a large b.
 */
static double survive(double a, double b, double x, double from, double sum)
{
	double j;

	if (x != floor(x) || x > 1e6 || x < from)
		return lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
	for (j = from; j < x; j++)
		sum += log1p(-a / (a + b + j));
	return sum;
}

double crm_bgnbd_ll(const struct crm_bgnbd *m, double x, double t_x, double T)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b;
	double a1 = lgamma(r + x) - lgamma(r) + r * log(al);
	double a2 = survive(a, b, x, 0, 0);
	double a3 = -(r + x) * log(al + T);

	if (x > 0) {
		double a4 = log(a) - log(b + x - 1) - (r + x) * log(al + t_x);

		return a1 + a2 + log_add(a3, a4);
	}
	return a1 + a2 + a3;
}

/*
 * ln((alpha + T) / (alpha + t_x)), as ln(1 + (T - t_x) / (alpha + t_x)):
 * with alpha in the billions the quotient is 1 plus a sliver, which a
 * division would round away, and r + x multiplies what is left.
 */
static double log_ratio(double alpha, double T, double t_x)
{
	return log1p((T - t_x) / (alpha + t_x));
}

double crm_bgnbd_p_alive(const struct crm_bgnbd *m, double x, double t_x, double T)
{
	if (x <= 0)
		return 1.0;
	/* 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), the power in logs */
	return 1.0 / (1.0 + exp(log(m->a) - log(m->b + x - 1) +
				(m->r + x) * log_ratio(m->alpha, T, t_x)));
}

/* 2^-930 and its logarithm: the rescaling of a series whose sum grows past 2^930. */
#define SCALE 0x1p-930L
#define LOG_SCALE (930 * 0.69314718055994530942)

/*
 * ln |2F1(a, b; c; z)| into *log_abs and its sign into *sign, by its
 * series at 0 <= z < 1, summed in long double; -1 when the terms cancel
 * too far for the sum to be known to a millionth (c below 0 and large a z,
 * say), or a million terms do not reach it.
 */
static int series(double a, double b, double c, double z, double *log_abs, int *sign)
{
	long double sum = 1, term = 1, most = 1;
	double shift = 0;
	int k;

	if (z == 0) {
		*log_abs = 0;
		*sign = 1;
		return 0;
	}
	for (k = 0; k < 1000000; k++) {
		term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * (long double)z;
		sum += term;
		if (fabsl(term) > most)
			most = fabsl(term);
		if (fabsl(sum) > 1 / SCALE || most > 1 / SCALE) {
			sum *= SCALE;
			term *= SCALE;
			most *= SCALE;
			shift += LOG_SCALE;
		}
		if (fabsl(term) <= 1e-19L * fabsl(sum))
			break;
	}
	*sign = sum < 0 ? -1 : 1;
	*log_abs = shift + (double)logl(fabsl(sum));
	return k == 1000000 || sum == 0 || most * LDBL_EPSILON > 1e-6L * fabsl(sum) ? -1 : 0;
}

/*
 * The same for 2F1(a, b; c; z) whose c - a, c - b and e = c - a - b are
 * given exactly
 * (computed from a's and b's parts, not as differences of large numbers,
 * which lose a small a beside a large b). Near 1 the series crawls (and
 * its terms can overflow first): Euler's transformation, 2F1(a,b;c;z) =
 * (1-z)^(c-a-b) 2F1(c-a,c-b;c;z), makes the parameters of BG/NBD's
 * expectation small.
 */
static int log_hyp2f1_exact(double a, double b, double c, double c_a, double c_b, double e,
			    double z, double *log_abs, int *sign)
{
	int s;

	if (z > 0.5 && e < 0) {
		s = series(c_a, c_b, c, z, log_abs, sign);
		*log_abs += e * log1p(-z);
		return s;
	}
	return series(a, b, c, z, log_abs, sign);
}

static int log_hyp2f1(double a, double b, double c, double z, double *log_abs, int *sign)
{
	return log_hyp2f1_exact(a, b, c, c - a, c - b, c - a - b, z, log_abs, sign);
}

double crm_log_hyp2f1(double a, double b, double c, double z)
{
	double v;
	int sign;

	if (log_hyp2f1(a, b, c, z, &v, &sign) || sign < 0)
		return NAN;
	return v;
}

double crm_hyp2f1(double a, double b, double c, double z)
{
	double v;
	int sign;

	if (log_hyp2f1(a, b, c, z, &v, &sign))
		return NAN;
	return sign * exp(v);
}

/*
 * 1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t)),
 * the bracket of the expectation: the two factors are each near 1 when
 * the parameters are large, so it is taken as -expm1 of the sum of their
 * logarithms, not as a difference of near-equal numbers.
 */
static double bracket(const struct crm_bgnbd *m, double x, double T, double t)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b, log_f;
	double power = -(r + x) * log1p(t / (al + T));
	int sign;

	/* c - a = a + b - 1 - r, c - b = a - 1 and c - a - b exactly: b may dwarf a */
	if (log_hyp2f1_exact(r + x, b + x, a + b + x - 1, (a - 1 - r) + b, a - 1, a - 1 - r - x,
			     t / (al + T + t), &log_f, &sign))
		return NAN;
	/* a 2F1 below 0 (c < 0 can make it so): nothing cancels */
	return sign > 0 ? -expm1(power + log_f) : 1 + exp(power + log_f);
}

double crm_bgnbd_expected(const struct crm_bgnbd *m, double x, double t_x, double T, double t)
{
	double a = m->a, b = m->b;
	double head = (a + b + x - 1) / (a - 1);
	double denom = 1.0;

	if (x > 0)
		denom += exp(log(a) - log(b + x - 1) + (m->r + x) * log_ratio(m->alpha, T, t_x));
	return head * bracket(m, x, T, t) / denom;
}

double crm_bgnbd_expected_new(const struct crm_bgnbd *m, double t)
{
	double a = m->a, b = m->b, r = m->r, al = m->alpha, log_f;
	double power = -r * log1p(t / al);
	int sign;

	if (log_hyp2f1_exact(r, b, a + b - 1, (a - 1 - r) + b, a - 1, a - 1 - r, t / (al + t),
			     &log_f, &sign))
		return NAN;
	return (a + b - 1) / (a - 1) * (sign > 0 ? -expm1(power + log_f) : 1 + exp(power + log_f));
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
#define STALL 200   /* iterations between the checks that the best still improves */

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
	double fr, fe, fc, checkpoint = DBL_MAX;
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
		/*
		 * Converged when the values agree: where the likelihood rises
		 * without end along a ridge (no dropout: a to 0, b to infinity)
		 * the points never meet. The callers restart from the best
		 * point, for a simplex that collapsed early.
		 */
		if (fabs(v[hi] - v[lo]) <= tol * (fabs(v[lo]) + 1e-10))
			break;
		/*
		 * Or when the best has stalled: a ridge that still rises, ever
		 * more slowly, toward a bound (a likelihood whose maximum is at
		 * infinity, as without heterogeneity r and alpha grow together).
		 */
		if (it && !(it % STALL)) {
			if (checkpoint - v[lo] <= 100 * tol * (fabs(v[lo]) + 1e-10))
				break;
			checkpoint = v[lo];
		} else if (!it) {
			checkpoint = v[lo];
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

/*
 * The box the parameters are kept in: e^-30 to e^30 each. The likelihood
 * can rise toward a bound (a to 0 and b without end: no one drops out);
 * the fit stops at the wall, where the predictions have long stopped
 * changing.
 */
#define LOG_BOUND 30.0

static int in_bounds(const double *theta, int dim, double bound)
{
	int i;

	for (i = 0; i < dim; i++)
		if (!(fabs(theta[i]) <= bound))
			return 0;
	return 1;
}

struct fit_ctx {
	const struct crm_ltv_obs *obs;
	size_t n;
	double *log_m;          /* Gamma-Gamma: log m_x of each */
	double *table;          /* BG/NBD: ln(alpha + t) per whole day t to max_day, or NULL */
	size_t max_day;
};

/* ln(1 + e^d), to an absolute error of a few ulp of 1: what a sum of many needs. */
static double softplus(double d)
{
	return d > 0 ? d + log(1 + exp(-d)) : log(1 + exp(d));
}

/* ln(alpha + t) by the table when t is one of its whole days. */
static double log_at(const struct fit_ctx *c, double t, double alpha)
{
	return c->table && t <= c->max_day ? c->table[(size_t)t] : log(alpha + t);
}

/*
 * The negative log-likelihood at log parameters theta; huge where it is
 * not finite or outside the bounds. The terms of x alone are computed
 * once per x (grouped observations come sorted by x, and there are few
 * distinct x), and ln(alpha + t) once per whole day t when the times are
 * whole days, as crm's are.
 */
static double bgnbd_nll(const double *theta, void *vctx)
{
	const struct fit_ctx *c = vctx;
	double r, al, a, b, sum = 0, px = -1, head = 0, tail = 0, beta = 0;
	double lg_r, log_al, log_a;
	size_t i;

	if (!in_bounds(theta, 4, LOG_BOUND))
		return DBL_MAX;
	r = exp(theta[0]);
	al = exp(theta[1]);
	a = exp(theta[2]);
	b = exp(theta[3]);
	lg_r = lgamma(r);
	log_al = log(al);
	log_a = log(a);
	for (i = 0; c->table && i <= c->max_day; i++)
		c->table[i] = log(al + (double)i);
	for (i = 0; i < c->n; i++) {
		const struct crm_ltv_obs *o = &c->obs[i];
		double rx = r + o->x, lt = log_at(c, o->T, al), ll;

		if (o->x != px) {
			/* the observations come by x: the sum carries on from the last x */
			beta = survive(a, b, o->x, px >= 0 && px == floor(px) ? px : 0,
				       px >= 0 && px == floor(px) ? beta : 0);
			px = o->x;
			head = lgamma(rx) - lg_r + r * log_al + beta;
			tail = px > 0 ? log_a - log(b + px - 1) : 0;
		}
		ll = -rx * lt;
		if (o->x > 0)
			ll += softplus(tail + rx * (lt - log_at(c, o->t_x, al)));
		sum += o->n * (head + ll);
	}
	return isfinite(sum) ? -sum : DBL_MAX;
}

/* As bgnbd_nll(), for Gamma-Gamma: the terms of x once per x, log m_x once per fit (c->log_m). */
static double gg_nll(const double *theta, void *vctx)
{
	const struct fit_ctx *c = vctx;
	double p, q, v, head = 0, px = -1, sum = 0, qlv;
	size_t i;

	if (!in_bounds(theta, 3, LOG_BOUND))
		return DBL_MAX;
	p = exp(theta[0]);
	q = exp(theta[1]);
	v = exp(theta[2]);
	qlv = q * log(v) - lgamma(q);
	for (i = 0; i < c->n; i++) {
		const struct crm_ltv_obs *o = &c->obs[i];
		double x = o->x, m = o->t_x, pxq;

		if (x != px) {
			px = x;
			head = lgamma(p * x + q) - lgamma(p * x) + qlv + p * x * log(x);
		}
		pxq = p * x + q;
		sum += o->n * (head + (p * x - 1) * c->log_m[i] - pxq * log(x * m + v));
	}
	return isfinite(sum) ? -sum : DBL_MAX;
}

#define FIT_TOL 1e-11
#define FIT_MAX_ITER 20000

/* The longest table of days worth keeping: a day is one log per evaluation. */
#define TABLE_MAX 100000

/*
 * A table of ln(alpha + t) for c's times when they are all whole days, as
 * many as there are observations at most: -1 when out of memory.
 */
static int day_table(struct fit_ctx *c)
{
	double most = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct crm_ltv_obs *o = &c->obs[i];

		if (o->T != floor(o->T) || o->t_x != floor(o->t_x) || o->t_x < 0 || o->T < 0)
			return 0;
		most = fmax(most, fmax(o->T, o->t_x));
	}
	if (most > TABLE_MAX || most > (double)c->n)
		return 0;
	c->max_day = (size_t)most;
	return (c->table = malloc((c->max_day + 1) * sizeof(*c->table))) ? 0 : -1;
}

/*
 * Nelder-Mead from theta until it converges, restarted from where it
 * stopped (a simplex can collapse early) until a restart gains nothing:
 * the iterations, negative when one run did not converge.
 */
static int minimise(nm_fn f, struct fit_ctx *c, int dim, double *theta, double step,
		    double *best)
{
	double prev = DBL_MAX;
	int i, it, total = 0;

	for (i = 0; i < 4; i++) {
		it = nelder_mead(f, c, dim, theta, step, FIT_TOL, FIT_MAX_ITER, best);
		total += it < 0 ? -it : it;
		if (it < 0)
			return -total;
		if (prev - *best <= FIT_TOL * fabs(*best))
			break;
		prev = *best;
		step = 0.02;
	}
	return total;
}

/*
 * Many observations: a first fit on an even sample of about SAMPLE of
 * them (each standing for those skipped) starts the fit of all near its
 * optimum, where it needs far fewer evaluations of the whole.
 */
#define SAMPLE 20000

static enum crm_status warm_start(nm_fn f, const struct fit_ctx *c, int dim, double *theta,
				  int *iterations, struct crm_error *err)
{
	size_t stride = c->n / SAMPLE, i, k = 0;
	struct crm_ltv_obs *sub = malloc((c->n / stride + 1) * sizeof(*sub));
	struct fit_ctx s = { sub, 0, NULL, NULL, 0 };
	double best;
	int it;

	if (!sub)
		return crm_error_nomem(err);
	for (i = 0; i < c->n; i += stride) {
		size_t j, end = i + stride < c->n ? i + stride : c->n;

		sub[k] = c->obs[i];
		for (j = i + 1; j < end; j++)
			sub[k].n += c->obs[j].n;
		k++;
	}
	s.n = k;
	if (c->log_m && (s.log_m = malloc(k * sizeof(*s.log_m))))
		for (i = 0; i < k; i++)
			s.log_m[i] = log(sub[i].t_x);
	if (c->log_m && !s.log_m) {
		free(sub);
		return crm_error_nomem(err);
	}
	if (!c->log_m && day_table(&s)) {
		free(sub);
		return crm_error_nomem(err);
	}
	it = minimise(f, &s, dim, theta, 0.5, &best);
	*iterations += it < 0 ? -it : it;
	free(sub);
	free(s.log_m);
	free(s.table);
	return CRM_OK;
}

enum crm_status crm_bgnbd_fit(const struct crm_ltv_obs *obs, size_t n, struct crm_bgnbd *m,
			      struct crm_ltv_fit *fit, struct crm_error *err)
{
	struct fit_ctx c = { obs, n, NULL, NULL, 0 };
	double theta[4], best, step = 0.5;
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
	fit->iterations = 0;
	if (n >= 2 * SAMPLE) {
		if (warm_start(bgnbd_nll, &c, 4, theta, &fit->iterations, err))
			return err->code;
		step = 0.05;
	}
	if (day_table(&c))
		return crm_error_nomem(err);
	it = minimise(bgnbd_nll, &c, 4, theta, step, &best);
	free(c.table);
	fit->iterations += it < 0 ? -it : it;
	if (it < 0)
		return crm_error_set(err, CRM_ERR_INVALID, "the BG/NBD fit did not converge in %d "
				     "iterations", FIT_MAX_ITER);
	m->r = exp(theta[0]);
	m->alpha = exp(theta[1]);
	m->a = exp(theta[2]);
	m->b = exp(theta[3]);
	fit->ll = -best;
	fit->converged = 1;
	fit->at_bound = !in_bounds(theta, 4, LOG_BOUND - 1);
	return CRM_OK;
}

enum crm_status crm_gg_fit(const struct crm_ltv_obs *obs, size_t n, struct crm_gamma_gamma *g,
			   struct crm_ltv_fit *fit, struct crm_error *err)
{
	struct fit_ctx c = { obs, n, NULL, NULL, 0 };
	double theta[3], best, step = 0.5;
	size_t i, k = 0;
	int it;

	for (i = 0; i < n; i++) {
		if (!(obs[i].x > 0 && obs[i].t_x > 0 && obs[i].n > 0))
			return crm_error_set(err, CRM_ERR_INVALID, "Gamma-Gamma takes customers of "
					     "repeat purchases of a positive value only");
		k++;
	}
	if (k < 2)
		return crm_error_set(err, CRM_ERR_INVALID, "too few repeat buyers with a value to "
				     "fit Gamma-Gamma");
	if (!(c.log_m = malloc(n * sizeof(*c.log_m))))
		return crm_error_nomem(err);
	for (i = 0; i < n; i++)
		c.log_m[i] = log(obs[i].t_x);
	theta[0] = log(g->p);
	theta[1] = log(g->q);
	theta[2] = log(g->v);
	fit->iterations = 0;
	if (n >= 2 * SAMPLE) {
		if (warm_start(gg_nll, &c, 3, theta, &fit->iterations, err)) {
			free(c.log_m);
			return err->code;
		}
		step = 0.05;
	}
	it = minimise(gg_nll, &c, 3, theta, step, &best);
	fit->iterations += it < 0 ? -it : it;
	free(c.log_m);
	if (it < 0)
		return crm_error_set(err, CRM_ERR_INVALID, "the Gamma-Gamma fit did not converge "
				     "in %d iterations", FIT_MAX_ITER);
	g->p = exp(theta[0]);
	g->q = exp(theta[1]);
	g->v = exp(theta[2]);
	fit->ll = -best;
	fit->converged = 1;
	fit->at_bound = !in_bounds(theta, 3, LOG_BOUND - 1);
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
