/*
 * crm rfm --ltv: BG/NBD and Gamma-Gamma (ltv.h) fitted to the customers'
 * purchase days that crm_rfm_compute() gathered, the predictions over the
 * horizon per customer, and the calibration/holdout check.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfm.h"
#include "banned.h"

#define YEAR 365.25
#define MONTH (YEAR / 12)

void crm_rfm_ltv_obs(const struct crm_rfm *r, size_t i, struct crm_ltv_obs *o)
{
	const struct crm_rfm_customer *c = &r->c[i];
	uint32_t days = r->days ? r->days[i].days : 1;

	o->x = days ? days - 1 : 0;
	o->t_x = c->last - c->first;
	/* the last day observed is the day before as_of */
	o->T = (double)(r->as_of - 1 - c->first);
	o->n = 1;
}

void crm_rfm_horizon_text(double days, char *buf, size_t size)
{
	double months = days * 12 / YEAR;

	if (fabs(months - round(months)) < 1e-9 && months >= 1)
		snprintf(buf, size, "%.0f month%s", months, months == 1 ? "" : "s");
	else
		snprintf(buf, size, "%.0f day%s", days, days == 1 ? "" : "s");
}

int64_t crm_rfm_money_of(double units)
{
	double t = round(units * 10000.0);

	if (isnan(t))
		return 0;
	return t >= 9.2e18 ? INT64_MAX : t <= -9.2e18 ? -INT64_MAX : (int64_t)t;
}

int64_t crm_rfm_ltv_total(const struct crm_rfm *r, size_t i)
{
	int64_t value = crm_rfm_money_of(r->ltv->c[i].value), total;

	if (__builtin_add_overflow(r->c[i].monetary, value, &total))
		total = value < 0 ? -INT64_MAX : INT64_MAX;
	return total;
}

/* The observations of every customer, grouped: *n distinct. */
static enum crm_status observations(const struct crm_rfm *r, struct crm_ltv_obs **out, size_t *n,
				    struct crm_error *err)
{
	struct crm_ltv_obs *o = malloc(r->n * sizeof(*o) + 1);
	size_t i;

	if (!o)
		return crm_error_nomem(err);
	for (i = 0; i < r->n; i++)
		crm_rfm_ltv_obs(r, i, &o[i]);
	*n = crm_ltv_group(o, r->n);
	*out = o;
	return CRM_OK;
}

/* Fits BG/NBD to n grouped observations into *m, the error saying what was fitted. */
static enum crm_status fit_bgnbd(const struct crm_ltv_obs *o, size_t n, const char *what,
				 struct crm_bgnbd *m, struct crm_ltv_fit *fit, struct crm_error *err)
{
	struct crm_error why;
	enum crm_status s;

	*m = (struct crm_bgnbd){ 1, 1, 1, 1 };
	crm_error_clear(&why);
	s = crm_bgnbd_fit(o, n, m, fit, &why);
	return s ? crm_error_set(err, s, "--ltv: %s: %s", what, why.message) : CRM_OK;
}

/*
 * Gamma-Gamma over the repeat buyers of a positive value. On failure the
 * expected value of a purchase is each customer's own average (gg_failed,
 * with why): a warning, not an error, as the purchase model stands alone.
 */
static enum crm_status fit_gamma_gamma(struct crm_rfm *r, struct crm_error *err)
{
	struct crm_rfm_ltv *l = r->ltv;
	struct crm_ltv_obs *o = malloc(r->n * sizeof(*o) + 1);
	struct crm_error why;
	double sx = 0, sm = 0, sxx = 0, smm = 0, sxm = 0, k;
	size_t i, n = 0;

	if (!o)
		return crm_error_nomem(err);
	for (i = 0; i < r->n; i++) {
		double x = r->days[i].days - 1.0, v = r->days[i].value;

		if (x < 1 || !(v > 0))
			continue;
		o[n++] = (struct crm_ltv_obs){ x, v, 0, 1 };
		sx += x;
		sm += v;
		sxx += x * x;
		smm += v * v;
		sxm += x * v;
	}
	l->valued = n;
	k = (double)n;
	l->correlation = NAN;
	if (n > 1 && (k * sxx - sx * sx) > 0 && (k * smm - sm * sm) > 0)
		l->correlation = (k * sxm - sx * sm) / sqrt((k * sxx - sx * sx) * (k * smm - sm * sm));
	n = crm_ltv_group(o, n);
	l->g = (struct crm_gamma_gamma){ 1, 1, 1 };
	crm_error_clear(&why);
	if (crm_gg_fit(o, n, &l->g, &l->gg, &why)) {
		l->gg_failed = 1;
		snprintf(l->gg_why, sizeof(l->gg_why), "%s", why.message);
	} else if (l->g.q <= 1) {
		/* the mean of the value's distribution is infinite: no expectation to take */
		l->gg_failed = 1;
		snprintf(l->gg_why, sizeof(l->gg_why), "the fit's q = %.4g is not above 1: the "
			 "values spread too far for an expected value", l->g.q);
	}
	free(o);
	return CRM_OK;
}

/* The average purchase day's value of customer i: its own, for when Gamma-Gamma is not there. */
static double own_average(const struct crm_rfm *r, size_t i)
{
	const struct crm_rfm_customer *c = &r->c[i];
	uint32_t days = r->days[i].days;

	/* net of returns, it can be below 0: a purchase is worth nothing less than 0 */
	return days && c->monetary > 0 ? (double)c->monetary / 10000.0 / days : 0;
}

/*
 * The purchases of customer (x, t_x, T) over the horizon, discounted by
 * month at a year's rate d (each month's purchases at the value of its
 * end; a horizon of over ten years in 120 equal steps), per unit of
 * value; *undiscounted the purchases.
 */
#define MAX_STEPS 120

static double discounted(const struct crm_bgnbd *m, const struct crm_ltv_obs *o, double horizon,
			 double d, double *undiscounted)
{
	double step = fmax(MONTH, horizon / MAX_STEPS), sum = 0, before = 0, t = 0;

	if (!(d > 0)) {
		*undiscounted = crm_bgnbd_expected(m, o->x, o->t_x, o->T, horizon);
		return *undiscounted;
	}
	while (t < horizon) {
		double e;

		t = fmin(t + step, horizon);
		e = crm_bgnbd_expected(m, o->x, o->t_x, o->T, t);
		sum += (e - before) / pow(1 + d, t / YEAR);
		before = e;
	}
	*undiscounted = before;
	return sum;
}

/*
 * The predictions, each checked: a number, not negative, P(alive) a
 * probability. A model that yields anything else is refused, not saved.
 */
static enum crm_status predict(struct crm_rfm *r, struct crm_error *err)
{
	struct crm_rfm_ltv *l = r->ltv;
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct crm_rfm_ltv_customer *c = &l->c[i];
		struct crm_ltv_obs o;
		double per_unit;
		int valued;

		crm_rfm_ltv_obs(r, i, &o);
		per_unit = discounted(&l->m, &o, r->o.horizon, r->o.discount, &c->expected);
		c->p_alive = crm_bgnbd_p_alive(&l->m, o.x, o.t_x, o.T);
		/* one purchase day, or repeat days of no value: the population's mean */
		valued = o.x > 0 && r->days[i].value > 0;
		c->aov = l->gg_failed ? own_average(r, i)
			 : crm_gg_expected(&l->g, valued ? o.x : 0, valued ? r->days[i].value : 0);
		/* rounding can leave a whisker below 0 where the truth is 0 */
		if (c->expected < 0 && c->expected > -1e-9)
			c->expected = 0;
		if (per_unit < 0 && per_unit > -1e-9)
			per_unit = 0;
		c->value = per_unit * c->aov;
		c->if_alive = c->p_alive > 0 ? c->value / c->p_alive : 0;
		if (!isfinite(c->expected) || c->expected < 0 || !isfinite(c->value) ||
		    !(c->p_alive >= 0 && c->p_alive <= 1) || !isfinite(c->if_alive))
			return crm_error_set(err, CRM_ERR_INVALID, "--ltv: the fitted model (r=%g, "
					     "alpha=%g, a=%g, b=%g) predicts no sensible number for "
					     "customer %lld (x=%g, t_x=%g, T=%g): the data cannot "
					     "support it", l->m.r, l->m.alpha, l->m.a, l->m.b,
					     (long long)r->c[i].id, o.x, o.t_x, o.T);
	}
	return CRM_OK;
}

/* --holdout: fitted on the purchases before the days held out, checked against them. */
static enum crm_status holdout(struct crm_rfm *r, struct crm_error *err)
{
	struct crm_rfm_holdout *h = calloc(1, sizeof(*h));
	struct crm_ltv_obs *o = malloc(r->n * sizeof(*o) + 1);
	enum crm_status s = CRM_OK;
	size_t i, n = 0, repeat = 0;
	char day[11];

	if (!h || !o) {
		free(h);
		free(o);
		return crm_error_nomem(err);
	}
	r->ltv->holdout = h;
	h->days = r->o.holdout;
	h->cal_end = (int32_t)((int64_t)r->as_of - r->o.holdout);
	for (i = 0; i < r->n; i++) {
		const struct crm_rfm_days *d = &r->days[i];

		if (!d->cal_days)
			continue;
		o[n++] = (struct crm_ltv_obs){ d->cal_days - 1.0, d->cal_last - r->c[i].first,
					       h->cal_end - 1.0 - r->c[i].first, 1 };
		repeat += d->cal_days > 1;
	}
	crm_rfm_date(h->cal_end, day);
	if (!n) {
		int32_t first = r->n ? r->c[0].first : h->cal_end;
		char from[11];

		for (i = 1; i < r->n; i++)
			first = r->c[i].first < first ? r->c[i].first : first;
		crm_rfm_date(first, from);
		s = crm_error_set(err, CRM_ERR_INVALID, "--holdout %d: no one had bought before %s "
				  "(the first purchase is on %s): hold out fewer days", (int)h->days,
				  day, from);
	} else if (repeat < CRM_RFM_LTV_MIN_REPEAT)
		s = crm_error_set(err, CRM_ERR_INVALID, "--holdout %d: before %s, %zu customer%s "
				  "bought on two days or more: the fit needs %d", (int)h->days, day,
				  repeat, repeat == 1 ? "" : "s", CRM_RFM_LTV_MIN_REPEAT);
	if (!s) {
		size_t distinct = crm_ltv_group(o, n);

		s = fit_bgnbd(o, distinct, "the fit before the days held out", &h->m, &h->fit, err);
	}
	for (i = 0; !s && i < r->n; i++) {
		const struct crm_rfm_days *d = &r->days[i];
		double x, predicted;
		int row;

		if (!d->cal_days)
			continue;
		x = d->cal_days - 1.0;
		predicted = crm_bgnbd_expected(&h->m, x, d->cal_last - r->c[i].first,
					       h->cal_end - 1.0 - r->c[i].first, h->days);
		if (!isfinite(predicted) || predicted < -1e-9) {
			s = crm_error_set(err, CRM_ERR_INVALID, "--holdout: the model fitted before "
					  "%s (r=%g, alpha=%g, a=%g, b=%g) predicts no sensible "
					  "number for customer %lld: the data cannot support it", day,
					  h->m.r, h->m.alpha, h->m.a, h->m.b, (long long)r->c[i].id);
			break;
		}
		predicted = fmax(predicted, 0);
		row = x < CRM_RFM_HOLDOUT_ROWS - 1 ? (int)x : CRM_RFM_HOLDOUT_ROWS - 1;
		h->row[row].customers++;
		h->row[row].actual += d->days - d->cal_days;
		h->row[row].predicted += predicted;
		h->customers++;
		h->actual += d->days - d->cal_days;
		h->predicted += predicted;
	}
	free(o);
	return s;
}

static enum crm_status fit_and_predict(struct crm_rfm *r, struct crm_error *err);

enum crm_status crm_rfm_ltv(struct crm_rfm *r, struct crm_error *err)
{
	struct crm_rfm_ltv *l;
	enum crm_status s;

	if (r->ltv)
		return CRM_OK;
	if (!(l = calloc(1, sizeof(*l))))
		return crm_error_nomem(err);
	r->ltv = l;
	s = fit_and_predict(r, err);
	if (s) {
		/* nothing half-made left behind: r->ltv is a fit or nothing */
		crm_rfm_ltv_free(r->ltv);
		r->ltv = NULL;
	}
	return s;
}

static enum crm_status fit_and_predict(struct crm_rfm *r, struct crm_error *err)
{
	struct crm_rfm_ltv *l = r->ltv;
	struct crm_ltv_obs *o = NULL;
	enum crm_status s;
	size_t i;

	for (i = 0; r->days && i < r->n; i++)
		l->repeat += r->days[i].days > 1;
	if (l->repeat < CRM_RFM_LTV_MIN_REPEAT)
		return crm_error_set(err, CRM_ERR_INVALID, "--ltv: %zu of the %zu customers scored "
				     "bought on two days or more: fitting the model needs at least "
				     "%d such repeat buyers", l->repeat, r->n, CRM_RFM_LTV_MIN_REPEAT);
	if (!(l->c = calloc(r->n, sizeof(*l->c))))
		return crm_error_nomem(err);
	s = observations(r, &o, &l->triples, err);
	if (!s)
		s = fit_bgnbd(o, l->triples, "the purchase model (BG/NBD)", &l->m, &l->bg, err);
	free(o);
	if (!s)
		s = fit_gamma_gamma(r, err);
	if (!s)
		s = predict(r, err);
	if (!s && r->o.holdout)
		s = holdout(r, err);
	return s;
}
