/*
 * RFM scores (rfm.h): the orders read once, aggregated per surviving
 * customer in arrays indexed by customer id, distinct orders told apart
 * in a hash set; then the scores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbstmt.h"
#include "hash.h"
#include "rfm.h"
#include "banned.h"

const char *const crm_rfm_method_names[] = { "rank", "ntile", "quantile", NULL };

static const char *const rfm11_names[] = {
	"Champions", "Loyal Customers", "Potential Loyalist", "New Customers", "Promising",
	"Need Attention", "About To Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost",
	NULL,
};

enum { CHAMP, LOYAL, POTENTIAL, NEW, PROMISING, ATTENTION, SLEEP, RISK, CANT_LOSE, HIBERNATING,
       LOST };

/* crm-rfm(1): cells (R, FM), R from 1 (rows) and FM from 1 (columns). */
const struct crm_rfm_scheme crm_rfm_rfm11 = {
	"rfm11", rfm11_names,
	{
		/* R 1 */ { LOST, HIBERNATING, RISK, CANT_LOSE, CANT_LOSE },
		/* R 2 */ { SLEEP, ATTENTION, ATTENTION, RISK, RISK },
		/* R 3 */ { PROMISING, ATTENTION, POTENTIAL, LOYAL, LOYAL },
		/* R 4 */ { PROMISING, POTENTIAL, POTENTIAL, LOYAL, CHAMP },
		/* R 5 */ { NEW, POTENTIAL, LOYAL, CHAMP, CHAMP },
	},
};

const struct crm_rfm_scheme *crm_rfm_scheme(const char *name)
{
	return name && !strcmp(name, crm_rfm_rfm11.name) ? &crm_rfm_rfm11 : NULL;
}

int crm_rfm_segment(const struct crm_rfm_scheme *s, int r, int f, int m)
{
	int fm = (f + m + 1) / 2;

	if (r < 1 || r > 5 || fm < 1 || fm > 5)
		return -1;
	return s->cell[r - 1][fm - 1];
}

/* --- Dates and money ------------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int32_t days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int32_t crm_rfm_days(const char *s)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-' || (s[10] && s[10] != 'T' &&
								     s[10] != ' '))
		return CRM_RFM_NO_DATE;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return CRM_RFM_NO_DATE;
	return days_from_civil(y, m, d);
}

void crm_rfm_date(int32_t days, char buf[11])
{
	int64_t z = (int64_t)days + 719468, era, doe, yoe, y, doy, mp, d, m;
	char tmp[48];

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", (int)(y % 10000), (int)m, (int)d);
	memcpy(buf, tmp, 10);
	buf[10] = '\0';
}

void crm_rfm_money(int64_t v, char buf[32])
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	unsigned frac = (unsigned)(a % 10000);
	int places = 4;

	if (!frac) {
		snprintf(buf, 32, "%s%llu", v < 0 ? "-" : "", (unsigned long long)(a / 10000));
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		places--;
	}
	snprintf(buf, 32, "%s%llu.%0*u", v < 0 ? "-" : "", (unsigned long long)(a / 10000),
		 places, frac);
}

/* --- Scores ----------------------------------------------------------------- */

struct item {
	int64_t v, id;
	size_t i;
};

/* Ascending value, then ascending id. */
static int by_value(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * Type-7 quantile k/bins of the sorted x[0..n-1], plus unit, times bins:
 * x[j] + (rem/bins)(x[j+1] - x[j]) with j, rem of (n-1)k/bins, so that
 * v reaches the break exactly when bins * v >= it. -1 on overflow.
 */
static int quantile_break(const struct item *x, size_t n, int bins, int k, int64_t unit,
			  int64_t *out)
{
	unsigned long long h = (unsigned long long)(n - 1) * (unsigned long long)k;
	size_t j = (size_t)(h / (unsigned)bins);
	int64_t rem = (int64_t)(h % (unsigned)bins), a, b, step = 0;

	if (__builtin_mul_overflow(x[j].v, (int64_t)bins, &a) ||
	    __builtin_mul_overflow(unit, (int64_t)bins, &b) || __builtin_add_overflow(a, b, &a))
		return -1;
	if (rem && (__builtin_sub_overflow(x[j + 1].v, x[j].v, &step) ||
		    __builtin_mul_overflow(step, rem, &step)))
		return -1;
	return __builtin_add_overflow(a, step, out) ? -1 : 0;
}

enum crm_status crm_rfm_score(const int64_t *v, const int64_t *ids, size_t n, int bins,
			      enum crm_rfm_method method, int64_t unit, unsigned char *score,
			      int64_t *breaks, struct crm_error *err)
{
	struct item *x;
	size_t p, run = 0;
	int k;

	if (!n)
		return CRM_OK;
	if (!(x = malloc(n * sizeof(*x))))
		return crm_error_nomem(err);
	for (p = 0; p < n; p++) {
		x[p].v = v[p];
		x[p].id = ids ? ids[p] : (int64_t)p;
		x[p].i = p;
	}
	qsort(x, n, sizeof(*x), by_value);
	if (method == CRM_RFM_QUANTILE) {
		for (k = 1; k < bins; k++)
			if (quantile_break(x, n, bins, k, unit, &breaks[k - 1])) {
				free(x);
				return crm_error_set(err, CRM_ERR_INVALID, "values too large for "
						     "exact quantiles");
			}
	}
	for (p = 0; p < n; p++) {
		size_t q = n / (size_t)bins, rem = n % (size_t)bins, g;
		int64_t scaled = 0;
		int c = 0;

		switch (method) {
		case CRM_RFM_RANK:
			/* r - 1, r the minimum rank of the value: the position its run starts at */
			if (p && x[p].v != x[p - 1].v)
				run = p;
			score[x[p].i] = (unsigned char)(1 + (unsigned long long)bins * run / n);
			break;
		case CRM_RFM_NTILE:
			if (p < rem * (q + 1))
				g = p / (q + 1);
			else
				g = rem + (p - rem * (q + 1)) / q;
			score[x[p].i] = (unsigned char)(g + 1);
			break;
		case CRM_RFM_QUANTILE:
			/* the values fit: each break did */
			(void)__builtin_mul_overflow(x[p].v, (int64_t)bins, &scaled);
			for (k = 0; k < bins - 1; k++)
				c += scaled >= breaks[k];
			score[x[p].i] = (unsigned char)(1 + c);
			break;
		}
	}
	free(x);
	return CRM_OK;
}

/* --- Reading the orders ----------------------------------------------------- */

enum {
	SQL_MAX_CUSTOMER,
	SQL_MERGED,
	SQL_MAX_ORDER,
	SQL_ORDERS,
	SQL_COUNT
};

static const char *const rfm_sql[SQL_COUNT] = {
	[SQL_MAX_CUSTOMER] = "SELECT coalesce(max(id), 0) FROM customers",
	[SQL_MERGED] = "SELECT id, merged_into FROM customers WHERE merged_into IS NOT NULL",
	[SQL_MAX_ORDER] = "SELECT coalesce(max(id), 0) FROM orders",
	[SQL_ORDERS] = "SELECT customer_id, source, order_key, ordered_at, amount, status,"
		       " currency FROM orders",
};

enum { A_OK = 1, A_OTHER = 2 };

/* Per customer id: what its lines (and those of every customer merged into it) add up to. */
struct agg {
	int64_t money;
	int64_t orders;
	int32_t last;
	unsigned char flags;
};

/* The distinct orders seen: hashes of (customer, source, order key), 0 for an empty slot. */
struct set {
	uint64_t *h;
	size_t cap, n;
};

/* 1 when h was not in s and is now, 0 when it was, -1 when out of memory. */
static int set_add(struct set *s, uint64_t h)
{
	size_t i;

	h += !h;
	if ((s->n + 1) * 2 > s->cap) {
		struct set g = { NULL, s->cap ? s->cap * 2 : 1024, 0 };

		if (!(g.h = calloc(g.cap, sizeof(*g.h))))
			return -1;
		for (i = 0; i < s->cap; i++)
			if (s->h[i])
				(void)set_add(&g, s->h[i]);
		free(s->h);
		*s = g;
	}
	for (i = h & (s->cap - 1); s->h[i]; i = (i + 1) & (s->cap - 1))
		if (s->h[i] == h)
			return 0;
	s->h[i] = h;
	s->n++;
	return 1;
}

struct load {
	struct crm_rfm *r;
	struct crm_stmt_table t;
	int64_t max_id;
	int64_t *into;          /* per id: the survivor, when merged; NULL when none is */
	struct agg *agg;        /* per id */
	struct set orders;
	int32_t latest;
};

static enum crm_status max_of(struct load *l, int sql, int64_t *out, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&l->t, (size_t)sql, err);
	int found;
	enum crm_status s;

	if (!st)
		return err->code;
	s = crm_stmt_one(st, &found, "cannot count the customers and orders", err);
	*out = !s && found ? crm_stmt_int(st, 0) : 0;
	crm_stmt_reset(st);
	return s;
}

/* into[]: each merged customer's survivor, at the end of its merged_into chain. */
static enum crm_status survivors(struct load *l, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&l->t, SQL_MERGED, err);
	enum crm_step step;
	int64_t id, k;

	if (!st)
		return err->code;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		id = crm_stmt_int(st, 0);
		if (id < 1 || id > l->max_id)
			continue;
		if (!l->into && !(l->into = calloc((size_t)l->max_id + 1, sizeof(*l->into)))) {
			crm_stmt_reset(st);
			return crm_error_nomem(err);
		}
		l->into[id] = crm_stmt_int(st, 1);
	}
	if (step == CRM_STEP_ERROR)
		return crm_stmt_fail(st, err, "cannot read the merged customers");
	crm_stmt_reset(st);
	for (id = 1; l->into && id <= l->max_id; id++) {
		int64_t to = l->into[id];

		/* Longer than there are customers: it loops (crm_customer_resolve() says so too). */
		for (k = 0; to > 0 && to <= l->max_id && l->into[to] && k <= l->max_id; k++)
			to = l->into[to];
		if (k > l->max_id)
			return crm_error_set(err, CRM_ERR_SCHEMA, "customer %lld: its merged_into "
					     "chain loops", (long long)id);
		l->into[id] = to;
	}
	return CRM_OK;
}

/* The currencies seen, the first two kept to name them. */
static void note_currency(struct crm_rfm *r, const char *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < r->currencies && i < 2; i++)
		if (!strcmp(r->currency[i], c))
			return;
	if (r->currencies >= 2)
		return;   /* a third: counted once, as "more than two" */
	snprintf(r->currency[r->currencies], sizeof(r->currency[0]), "%s", c);
	r->currencies++;
}

/* One order line into the aggregates. */
static enum crm_status add_line(struct load *l, struct crm_stmt *st, struct crm_error *err)
{
	struct crm_rfm *r = l->r;
	int64_t id = crm_stmt_int(st, 0), amount = crm_stmt_int(st, 4);
	const char *status = crm_stmt_text(st, 5);
	int32_t d = crm_rfm_days(crm_stmt_text(st, 3));
	struct agg *a;
	uint64_t h;

	r->lines++;
	if (id < 1 || id > l->max_id) {
		r->orphans++;
		return CRM_OK;
	}
	if (l->into && l->into[id])
		id = l->into[id];
	if (id < 1 || id > l->max_id) {
		r->orphans++;
		return CRM_OK;
	}
	if (d == CRM_RFM_NO_DATE) {
		r->undated++;
		return CRM_OK;
	}
	if (r->o.as_of != CRM_RFM_NO_DATE && d >= r->o.as_of) {
		r->after++;
		return CRM_OK;
	}
	if (d > l->latest)
		l->latest = d;
	note_currency(r, crm_stmt_text(st, 6));
	a = &l->agg[id];
	if (!status || strcmp(status, "ok")) {
		/* A cancellation or a return: never a purchase. */
		a->flags |= A_OTHER;
		if (r->o.returns == CRM_RFM_NET)
			a->money -= amount < 0 ? -amount : amount;
		return CRM_OK;
	}
	if (!(a->flags & A_OK) || d > a->last)
		a->last = d;
	a->flags |= A_OK;
	a->money += amount;
	h = crm_fnv_str(CRM_FNV_BASIS, crm_stmt_text(st, 1) ? crm_stmt_text(st, 1) : "");
	h = crm_fnv_byte(h, 0x1f);
	h = crm_fnv_str(h, crm_stmt_text(st, 2) ? crm_stmt_text(st, 2) : "");
	switch (set_add(&l->orders, crm_hash_mix(h ^ crm_hash_mix((uint64_t)id)))) {
	case 1: a->orders++; break;
	case 0: break;
	default: return crm_error_nomem(err);
	}
	return CRM_OK;
}

static enum crm_status scan(struct load *l, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&l->t, SQL_ORDERS, err);
	int64_t total = 0;
	enum crm_status s = CRM_OK;
	enum crm_step step;

	if (!st)
		return err->code;
	if (l->r->o.progress && (s = max_of(l, SQL_MAX_ORDER, &total, err)))
		return s;
	while (!s && (step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		s = add_line(l, st, err);
		if (l->r->o.progress && !(l->r->lines & 0xffff))
			l->r->o.progress(l->r->o.ctx, l->r->lines, (unsigned long long)total);
	}
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the orders");
	crm_stmt_reset(st);
	return s;
}

/* The customers with a purchase, in id order, into r->c. */
static enum crm_status collect(struct load *l, struct crm_error *err)
{
	struct crm_rfm *r = l->r;
	int64_t id;
	size_t n = 0;

	for (id = 1; id <= l->max_id; id++) {
		n += (l->agg[id].flags & A_OK) != 0;
		r->unscored += l->agg[id].flags == A_OTHER;
	}
	if (n && !(r->c = calloc(n, sizeof(*r->c))))
		return crm_error_nomem(err);
	for (id = 1; id <= l->max_id; id++) {
		const struct agg *a = &l->agg[id];
		struct crm_rfm_customer *c;

		if (!(a->flags & A_OK))
			continue;
		c = &r->c[r->n++];
		c->id = id;
		c->monetary = a->money;
		c->frequency = a->orders;
		c->last = a->last;
		c->recency = r->as_of - a->last;
		c->segment = -1;
	}
	return CRM_OK;
}

/* --- Scoring the customers --------------------------------------------------- */

static enum crm_status score_all(struct crm_rfm *r, struct crm_error *err)
{
	static const int64_t unit[CRM_RFM_DIMS] = { 1, 1, 10000 };
	int64_t *v = malloc(r->n * sizeof(*v) + 1), *ids = malloc(r->n * sizeof(*ids) + 1);
	unsigned char *sc = malloc(r->n + 1);
	enum crm_status s = CRM_OK;
	size_t i;
	int d;

	if (!v || !ids || !sc)
		s = crm_error_nomem(err);
	for (i = 0; !s && i < r->n; i++)
		ids[i] = r->c[i].id;
	for (d = 0; !s && d < CRM_RFM_DIMS; d++) {
		for (i = 0; i < r->n; i++)
			v[i] = d == CRM_RFM_R ? r->c[i].recency : d == CRM_RFM_F ? r->c[i].frequency
			       : r->c[i].monetary;
		/*
		 * Recency: fewer days is better. Rank and ntile order by days
		 * negated; quantile takes R's breaks of the days and reverses
		 * the score, as R's rfm package does.
		 */
		if (d == CRM_RFM_R && r->o.method != CRM_RFM_QUANTILE)
			for (i = 0; i < r->n; i++)
				v[i] = -v[i];
		s = crm_rfm_score(v, ids, r->n, r->o.bins, r->o.method, unit[d], sc,
				  r->breaks[d], err);
		for (i = 0; !s && i < r->n; i++) {
			int x = d == CRM_RFM_R && r->o.method == CRM_RFM_QUANTILE
				? r->o.bins + 1 - sc[i] : sc[i];
			struct crm_rfm_customer *c = &r->c[i];
			int64_t val = d == CRM_RFM_R ? c->recency : d == CRM_RFM_F ? c->frequency
				      : c->monetary;
			struct crm_rfm_bin *b = &r->bin[d][x - 1];

			if (d == CRM_RFM_R)
				c->r = (unsigned char)x;
			else if (d == CRM_RFM_F)
				c->f = (unsigned char)x;
			else
				c->m = (unsigned char)x;
			if (!b->count || val < b->lo)
				b->lo = val;
			if (!b->count || val > b->hi)
				b->hi = val;
			b->count++;
		}
	}
	for (i = 0; !s && r->o.scheme && i < r->n; i++)
		r->c[i].segment = (signed char)crm_rfm_segment(r->o.scheme, r->c[i].r, r->c[i].f,
							       r->c[i].m);
	free(v);
	free(ids);
	free(sc);
	return s;
}

enum crm_status crm_rfm_compute(struct crm_db *db, const struct crm_rfm_options *o,
				struct crm_rfm **out, struct crm_error *err)
{
	struct load l = { .latest = CRM_RFM_NO_DATE };
	struct crm_rfm *r;
	enum crm_status s;

	*out = NULL;
	if (o->bins < 2 || o->bins > CRM_RFM_MAX_BINS)
		return crm_error_set(err, CRM_ERR_INVALID, "bins must be from 2 to %d",
				     CRM_RFM_MAX_BINS);
	if (o->scheme && o->bins != 5)
		return crm_error_set(err, CRM_ERR_INVALID, "scheme %s names the cells of 5 bins",
				     o->scheme->name);
	if (!(r = calloc(1, sizeof(*r))))
		return crm_error_nomem(err);
	r->o = *o;
	l.r = r;
	s = crm_stmt_table_init(&l.t, db, rfm_sql, SQL_COUNT, err);
	if (!s)
		s = max_of(&l, SQL_MAX_CUSTOMER, &l.max_id, err);
	if (!s && !(l.agg = calloc((size_t)l.max_id + 1, sizeof(*l.agg))))
		s = crm_error_nomem(err);
	if (!s)
		s = survivors(&l, err);
	if (!s)
		s = scan(&l, err);
	if (!s) {
		r->as_of = o->as_of != CRM_RFM_NO_DATE ? o->as_of
			   : l.latest != CRM_RFM_NO_DATE ? l.latest + 1 : CRM_RFM_NO_DATE;
		s = collect(&l, err);
	}
	if (!s)
		s = score_all(r, err);
	crm_stmt_table_release(&l.t);
	free(l.into);
	free(l.agg);
	free(l.orders.h);
	if (s) {
		crm_rfm_free(r);
		return s;
	}
	*out = r;
	return CRM_OK;
}

void crm_rfm_free(struct crm_rfm *r)
{
	if (!r)
		return;
	free(r->c);
	free(r);
}
