/*
 * RFM scores (rfm.h): the orders read once, aggregated per surviving
 * customer in arrays indexed by customer id; distinct orders counted from
 * a list of where each order's lines start (runs), grouped by customer
 * afterwards; then the scores.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dbstmt.h"
#include "ftype-date.h"
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
	0,
};

static const char *const cpm_names[] = {
	"初回現役", "よちよち現役", "コツコツ現役", "流行現役", "優良現役",
	"初回離脱", "よちよち離脱", "コツコツ離脱", "流行離脱", "優良離脱", NULL,
};

const struct crm_rfm_scheme crm_rfm_cpm_scheme = { "cpm", cpm_names, { { 0 } }, 1 };

const struct crm_rfm_scheme *crm_rfm_scheme(const char *name)
{
	if (name && !strcmp(name, crm_rfm_rfm11.name))
		return &crm_rfm_rfm11;
	return name && !strcmp(name, crm_rfm_cpm_scheme.name) ? &crm_rfm_cpm_scheme : NULL;
}

/* The scheme being read: its names, owned, and which cells are named. */
struct scheme_file {
	struct crm_rfm_scheme *s;
	char *names[CRM_RFM_MAX_SEGMENTS + 1];
	int n;
	int named[5][5];                    /* line that named it, or 0 */
	uint32_t *cover;                    /* crm_rfm_scheme_cover: [5][5] of segment bits */
};

static enum crm_status scheme_line(struct scheme_file *f, const char *path, unsigned long line,
				   char *text, struct crm_error *err)
{
	char *colon = strchr(text, ':'), *end, *tok, *save = NULL;
	int cells = 0;

	end = text + strlen(text);
	while (end > text && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	while (*text == ' ' || *text == '\t')
		text++;
	if (!*text || *text == '#')
		return CRM_OK;
	if (!colon || colon == text)
		return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: a line is NAME: CELLS, such as "
				     "'Champions: 55 54 45'", path, line);
	*colon = '\0';
	for (end = colon; end > text && (end[-1] == ' ' || end[-1] == '\t'); end--)
		end[-1] = '\0';
	if (f->n == CRM_RFM_MAX_SEGMENTS)
		return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: more than %d segments", path,
				     line, CRM_RFM_MAX_SEGMENTS);
	if (!(f->names[f->n] = strdup(text)))
		return crm_error_nomem(err);
	for (tok = strtok_r(colon + 1, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		int r = tok[0] - '0', fm = tok[1] - '0';

		if (strlen(tok) != 2 || r < 1 || r > 5 || fm < 1 || fm > 5)
			return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: '%s' is not a cell: two "
					     "digits R and FM, each 1 to 5", path, line, tok);
		if (f->cover)
			f->cover[(r - 1) * 5 + fm - 1] |= (uint32_t)1 << f->n;
		else if (f->named[r - 1][fm - 1])
			return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: cell %s is named on "
					     "line %d already", path, line, tok,
					     f->named[r - 1][fm - 1]);
		f->named[r - 1][fm - 1] = (int)line;
		f->s->cell[r - 1][fm - 1] = (unsigned char)f->n;
		cells++;
	}
	if (!cells)
		return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: segment '%s' names no cell",
				     path, line, f->names[f->n]);
	f->n++;
	return CRM_OK;
}

/* Reads the lines of the scheme file at path into f. */
static enum crm_status scheme_read(const char *path, struct scheme_file *f, struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	unsigned long line = 0;
	char buf[1024];
	FILE *fp;

	if (!(fp = fopen(path, "r")))
		return crm_error_set(err, CRM_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	if (!(f->s = calloc(1, sizeof(*f->s) + sizeof(f->names))))
		s = crm_error_nomem(err);
	while (!s && fgets(buf, sizeof(buf), fp)) {
		line++;
		if (!strchr(buf, '\n') && !feof(fp))
			s = crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: a line of over %zu bytes",
					  path, line, sizeof(buf) - 2);
		else
			s = scheme_line(f, path, line, buf, err);
	}
	if (!s && ferror(fp))
		s = crm_error_set(err, CRM_ERR_IO, "cannot read %s", path);
	fclose(fp);
	return s;
}

static void scheme_file_release(struct scheme_file *f)
{
	int i;

	/* names[n] too: a line that failed after its name was taken */
	for (i = 0; i <= f->n && i < CRM_RFM_MAX_SEGMENTS; i++)
		free(f->names[i]);
	free(f->s);
}

enum crm_status crm_rfm_scheme_load(const char *path, struct crm_rfm_scheme **out,
				    struct crm_error *err)
{
	struct scheme_file f = { 0 };
	enum crm_status s;
	char missing[80] = "";
	const char *base = strrchr(path, '/');
	int r, fm;

	*out = NULL;
	s = scheme_read(path, &f, err);
	for (r = 5; !s && r >= 1; r--)
		for (fm = 1; fm <= 5; fm++)
			if (!f.named[r - 1][fm - 1] && strlen(missing) + 4 < sizeof(missing))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
					 "%s%d%d", *missing ? " " : "", r, fm);
	if (!s && *missing)
		s = crm_error_set(err, CRM_ERR_INVALID, "%s: no segment names cell%s %s (every "
				  "R FM from 11 to 55 needs one)", path, strchr(missing, ' ') ?
				  "s" : "", missing);
	if (s) {
		scheme_file_release(&f);
		return s;
	}
	/* The names live after the scheme, in the same allocation. */
	memcpy(f.s + 1, f.names, sizeof(f.names));
	f.s->segments = (const char *const *)(f.s + 1);
	f.s->name = base ? base + 1 : path;
	*out = f.s;
	return CRM_OK;
}

enum crm_status crm_rfm_scheme_cover(const char *path, struct crm_rfm_cover *c,
				     struct crm_error *err)
{
	struct scheme_file f = { 0 };
	enum crm_status s;

	memset(c, 0, sizeof(*c));
	f.cover = &c->cell[0][0];
	s = scheme_read(path, &f, err);
	if (!s) {
		memcpy(c->names, f.names, sizeof(c->names));
		c->n = f.n;
		free(f.s);
		return CRM_OK;
	}
	scheme_file_release(&f);
	memset(c, 0, sizeof(*c));
	return s;
}

void crm_rfm_cover_release(struct crm_rfm_cover *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	memset(c, 0, sizeof(*c));
}

void crm_rfm_scheme_free(struct crm_rfm_scheme *s)
{
	char **names;
	int i;

	if (!s)
		return;
	names = (char **)(s + 1);
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(s);
}

int crm_rfm_cpm_segment(const struct crm_rfm_cpm *t, int64_t frequency, int64_t monetary,
			int32_t first, int32_t last, int32_t as_of)
{
	int32_t tenure = last - first;
	int k;

	if (frequency <= 1)
		k = 0;                                  /* 初回 */
	else if (tenure < t->tenure1)
		k = 1;                                  /* よちよち */
	else if (monetary < t->amount)
		k = 2;                                  /* コツコツ */
	else if (tenure < t->tenure2)
		k = 3;                                  /* 流行 */
	else
		k = 4;                                  /* 優良 */
	return as_of - last < t->lapse ? k : k + 5;
}

int crm_rfm_segment(const struct crm_rfm_scheme *s, int r, int f, int m)
{
	int fm = (f + m + 1) / 2;

	if (r < 1 || r > 5 || fm < 1 || fm > 5)
		return -1;
	return s->cell[r - 1][fm - 1];
}

/* --- Large arrays ----------------------------------------------------------- */

#define HUGE_PAGE ((uintptr_t)2 << 20)

/*
 * malloc (calloc when zero) for the arrays of a large database, tens of
 * megabytes each: where the kernel gives transparent huge pages on
 * request (the "madvise" setting, Debian's), asks for them before the
 * first touch. A page fault each 4 KiB cost a fifth of crm rfm's time on
 * 10,000,000 order lines; the advice changes nothing but speed, and
 * touches nothing, so untouched pages still cost no memory.
 */
static void *big_alloc(size_t size, int zero)
{
	void *p = zero ? calloc(1, size) : malloc(size);
	uintptr_t from, to;

	if (p && size >= 2 * HUGE_PAGE) {
		from = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
		to = ((uintptr_t)p + size) & ~(HUGE_PAGE - 1);
		if (to > from)
			(void)madvise((void *)from, to - from, MADV_HUGEPAGE);   /* advice only */
	}
	return p;
}

/* --- Dates and money ------------------------------------------------------ */

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
	return crm_days_from_civil(y, m, d);
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

void crm_rfm_value(int d, int64_t v, char buf[32])
{
	if (d == CRM_RFM_M)
		crm_rfm_money(v, buf);
	else
		snprintf(buf, 32, "%lld", (long long)v);
}

double crm_rfm_break(const struct crm_rfm *r, int d, int k)
{
	return (double)r->breaks[d][k] / r->o.bins / (d == CRM_RFM_M ? 10000 : 1);
}

size_t crm_rfm_grid(const struct crm_rfm *r, size_t cell[CRM_RFM_MAX_BINS][CRM_RFM_MAX_BINS])
{
	size_t i, most = 0;

	memset(cell, 0, sizeof(size_t) * CRM_RFM_MAX_BINS * CRM_RFM_MAX_BINS);
	for (i = 0; i < r->n; i++) {
		size_t *c = &cell[r->c[i].r - 1][(r->c[i].f + r->c[i].m + 1) / 2 - 1];

		if (++*c > most)
			most = *c;
	}
	return most;
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
 * Sorts x by value, stably: x in ascending id order comes out as
 * by_value() orders it. LSD radix on the value (its sign bit flipped), 16
 * bits a pass, a pass skipped when every value has the same digit there.
 * -1 when out of memory.
 */
static int radix_by_value(struct item *x, size_t n)
{
	struct item *tmp = big_alloc(n * sizeof(*tmp), 0), *from = x, *to = tmp, *t;
	size_t *count = malloc(65536 * sizeof(*count)), i, sum;
	int shift;

	if (!tmp || !count) {
		free(tmp);
		free(count);
		return -1;
	}
	for (shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(((uint64_t)from[i].v ^ (1ULL << 63)) >> shift) & 0xffff]++;
		if (count[(((uint64_t)from[0].v ^ (1ULL << 63)) >> shift) & 0xffff] == n)
			continue;
		for (i = 0, sum = 0; i < 65536; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[(((uint64_t)from[i].v ^ (1ULL << 63)) >> shift) & 0xffff]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != x)
		memcpy(x, from, n * sizeof(*x));
	free(tmp);
	free(count);
	return 0;
}

/* Whether ids (NULL: 0, 1, ...) ascend. */
static int ascending(const int64_t *ids, size_t n)
{
	size_t i;

	for (i = 1; ids && i < n; i++)
		if (ids[i] <= ids[i - 1])
			return 0;
	return 1;
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
	if (!(x = big_alloc(n * sizeof(*x), 0)))
		return crm_error_nomem(err);
	for (p = 0; p < n; p++) {
		x[p].v = v[p];
		x[p].id = ids ? ids[p] : (int64_t)p;
		x[p].i = p;
	}
	/* Radix when the ids ascend (the customers do, by id): stable, it keeps them so. */
	if (!ascending(ids, n))
		qsort(x, n, sizeof(*x), by_value);
	else if (radix_by_value(x, n)) {
		free(x);
		return crm_error_nomem(err);
	}
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

int crm_rfm_frozen_score(const struct crm_rfm_bin *b, int bins, int d, int64_t v)
{
	int k, best = 1;

	for (k = 0; k < bins; k++)
		if (b[k].count && (d == CRM_RFM_R ? v <= b[k].hi : v >= b[k].lo))
			best = k + 1;
	return best;
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
	/* In parentheses: clang takes two literals in a row in a table for a lost comma. */
	[SQL_ORDERS] = ("SELECT customer_id, source, order_key, ordered_at, amount, status,"
			" currency FROM orders"),
};

enum { A_OK = 1, A_OTHER = 2 };

/* Per customer id: what its lines (and those of every customer merged into it) add up to. */
struct agg {
	int64_t money;
	int32_t first, last;
	uint32_t orders;        /* runs while reading, then distinct orders */
	unsigned char flags;
};

/*
 * The runs of purchase lines: a line starts one when its customer or
 * order differs from the line before, so the lines of an order stored
 * together are one run, and an order whose lines lie apart is two: the
 * hashes of each customer's runs are compared once all are read
 * (distinct()). An order is (source, order key): a 64-bit hash of both
 * tells them apart.
 */
struct runs {
	uint64_t *h;
	uint32_t *cust;
	size_t n, cap;
	uint64_t prev_h;        /* the line before's, when it was a purchase */
	int64_t prev_cust;
};

/* Appends a run; -1 when out of memory. */
static int runs_add(struct runs *r, uint64_t h, int64_t cust)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 65536;
		uint64_t *nh = realloc(r->h, cap * sizeof(*nh));
		uint32_t *nc;

		if (!nh)
			return -1;
		r->h = nh;
		if (!(nc = realloc(r->cust, cap * sizeof(*nc))))
			return -1;
		r->cust = nc;
		r->cap = cap;
	}
	r->h[r->n] = h;
	r->cust[r->n++] = (uint32_t)cust;
	return 0;
}

/*
 * Room for as many runs as there are lines, n: address space only, until
 * written (a concurrent import adding lines makes runs_add() grow it).
 */
static int runs_reserve(struct runs *r, size_t n)
{
	if (n < 65536 || n > ((size_t)1 << 30))
		return 0;
	if (!(r->h = big_alloc(n * sizeof(*r->h), 0)) ||
	    !(r->cust = big_alloc(n * sizeof(*r->cust), 0)))
		return -1;
	r->cap = n;
	return 0;
}

static int by_hash(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return (a > b) - (a < b);
}

/* Sorts the n hashes of h: insertion for the few most customers have. */
static void sort_hashes(uint64_t *h, size_t n)
{
	size_t i, j;

	if (n > 16) {
		qsort(h, n, sizeof(*h), by_hash);
		return;
	}
	for (i = 1; i < n; i++) {
		uint64_t x = h[i];

		for (j = i; j > 0 && h[j - 1] > x; j--)
			h[j] = h[j - 1];
		h[j] = x;
	}
}

/*
 * --ltv: the runs of purchase days, as the runs of orders: a line starts
 * one when its customer or day differs from the line before; its amount
 * is the run's, summed. purchase_days() groups them by customer.
 */
struct dayruns {
	uint32_t *cust;
	int32_t *day;
	float *amount;          /* in units of the currency: the model's, not money's */
	size_t n, cap;
};

static int dayruns_grow(struct dayruns *r, size_t cap)
{
	uint32_t *c = realloc(r->cust, cap * sizeof(*c));
	int32_t *d;
	float *a;

	if (!c)
		return -1;
	r->cust = c;
	if (!(d = realloc(r->day, cap * sizeof(*d))))
		return -1;
	r->day = d;
	if (!(a = realloc(r->amount, cap * sizeof(*a))))
		return -1;
	r->amount = a;
	r->cap = cap;
	return 0;
}

/* Room for n runs, as runs_reserve(). */
static int dayruns_reserve(struct dayruns *r, size_t n)
{
	if (n < 65536 || n > ((size_t)1 << 30))
		return 0;
	if (!(r->cust = big_alloc(n * sizeof(*r->cust), 0)) ||
	    !(r->day = big_alloc(n * sizeof(*r->day), 0)) ||
	    !(r->amount = big_alloc(n * sizeof(*r->amount), 0)))
		return -1;
	r->cap = n;
	return 0;
}

/* A purchase line of customer cust on day d of amount (ten-thousandths); -1 when out of memory. */
static int dayruns_add(struct dayruns *r, int64_t cust, int32_t d, int64_t amount)
{
	float v = (float)((double)amount / 10000.0);

	if (r->n && r->cust[r->n - 1] == (uint32_t)cust && r->day[r->n - 1] == d) {
		r->amount[r->n - 1] += v;
		return 0;
	}
	if (r->n == r->cap && dayruns_grow(r, r->cap ? r->cap * 2 : 65536))
		return -1;
	r->cust[r->n] = (uint32_t)cust;
	r->day[r->n] = d;
	r->amount[r->n++] = v;
	return 0;
}

static void dayruns_release(struct dayruns *r)
{
	free(r->cust);
	free(r->day);
	free(r->amount);
	memset(r, 0, sizeof(*r));
}

struct load {
	struct crm_rfm *r;
	struct crm_stmt_table t;
	int64_t max_id;
	int64_t *into;          /* per id: the survivor, when merged; NULL when none is */
	struct agg *agg;        /* per id */
	struct runs runs;
	struct dayruns dayruns; /* --ltv */
	struct crm_rfm_days *days;   /* --ltv: per id */
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
		if (!l->into && !(l->into = big_alloc(((size_t)l->max_id + 1) * sizeof(*l->into), 1))) {
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

/* An order line as the aggregates take it. */
struct line {
	int64_t id;             /* the survivor */
	int64_t amount;
	uint64_t h;             /* of (source, order key): purchases only */
	int32_t d;
	int ok;                 /* a purchase */
};

/*
 * Reads the statement's row into *ln; 0 when it is left out (counted:
 * no customer, no date, on or after as_of).
 */
static int read_line(struct load *l, struct crm_stmt *st, struct line *ln)
{
	struct crm_rfm *r = l->r;
	int64_t id = crm_stmt_int(st, 0);
	const char *status, *source, *key;

	r->lines++;
	if (id >= 1 && id <= l->max_id && l->into && l->into[id])
		id = l->into[id];
	if (id < 1 || id > l->max_id) {
		r->orphans++;
		return 0;
	}
	ln->d = crm_rfm_days(crm_stmt_text(st, 3));
	if (ln->d == CRM_RFM_NO_DATE) {
		r->undated++;
		return 0;
	}
	if (r->o.as_of != CRM_RFM_NO_DATE && ln->d >= r->o.as_of) {
		r->after++;
		return 0;
	}
	ln->id = id;
	ln->amount = crm_stmt_int(st, 4);
	status = crm_stmt_text(st, 5);
	ln->ok = status && !strcmp(status, "ok");
	note_currency(r, crm_stmt_text(st, 6));
	if (ln->ok) {
		source = crm_stmt_text(st, 1);
		key = crm_stmt_text(st, 2);
		ln->h = crm_fnv_str(crm_fnv_byte(crm_fnv_str(CRM_FNV_BASIS, source ? source : ""),
						 0x1f), key ? key : "");
	}
	return 1;
}

/*
 * One order line into the aggregates: 0, -1 when out of memory, 1 when
 * the customer's monetary would leave 64 bits (ten-thousandths: over
 * 922 trillion of the currency), which is then not summed.
 */
static int add_line(struct load *l, const struct line *ln)
{
	struct agg *a = &l->agg[ln->id];
	int64_t amount = ln->amount;

	if (ln->d > l->latest)
		l->latest = ln->d;
	if (!ln->ok) {
		/* A cancellation or a return: never a purchase. */
		a->flags |= A_OTHER;
		if (l->r->o.returns == CRM_RFM_GROSS)
			return 0;
		if (amount == INT64_MIN)
			return 1;
		return __builtin_sub_overflow(a->money, amount < 0 ? -amount : amount, &a->money);
	}
	if (!(a->flags & A_OK) || ln->d > a->last)
		a->last = ln->d;
	if (!(a->flags & A_OK) || ln->d < a->first)
		a->first = ln->d;
	a->flags |= A_OK;
	if (__builtin_add_overflow(a->money, amount, &a->money))
		return 1;
	if (l->r->o.ltv && dayruns_add(&l->dayruns, ln->id, ln->d, amount))
		return -1;
	if (ln->h == l->runs.prev_h && ln->id == l->runs.prev_cust)
		return 0;
	l->runs.prev_h = ln->h;
	l->runs.prev_cust = ln->id;
	a->orders++;
	return runs_add(&l->runs, ln->h, ln->id);
}

/*
 * Each customer's distinct orders, from its runs: grouped by customer
 * (counting sort, by the runs each has), each group sorted, equal hashes
 * counted once. The runs are freed as soon as they are grouped.
 */
static enum crm_status distinct(struct load *l, struct crm_error *err)
{
	size_t *start = big_alloc(((size_t)l->max_id + 2) * sizeof(*start), 1), i;
	uint64_t *group = big_alloc(l->runs.n * sizeof(*group) + 1, 0);
	int64_t id;

	if (!start || !group) {
		free(start);
		free(group);
		return crm_error_nomem(err);
	}
	for (id = 1; id <= l->max_id; id++)
		start[id + 1] = start[id] + l->agg[id].orders;
	for (i = 0; i < l->runs.n; i++)
		group[start[l->runs.cust[i]]++] = l->runs.h[i];
	free(l->runs.h);
	free(l->runs.cust);
	l->runs.h = NULL;
	l->runs.cust = NULL;
	/* start[id] is now where id + 1's group starts: id's ends there. */
	for (id = 1; id <= l->max_id; id++) {
		size_t n = l->agg[id].orders, from = start[id] - n, k, d = 0;

		sort_hashes(group + from, n);
		for (k = 0; k < n; k++)
			d += !k || group[from + k] != group[from + k - 1];
		l->agg[id].orders = (uint32_t)d;
	}
	free(start);
	free(group);
	return CRM_OK;
}

struct pday {
	int32_t day;
	float amount;
};

static int by_day(const void *pa, const void *pb)
{
	const struct pday *a = pa, *b = pb;

	return (a->day > b->day) - (a->day < b->day);
}

/* Sorts a customer's n purchase-day runs by day: insertion for the few most have. */
static void sort_days(struct pday *p, size_t n)
{
	size_t i, j;

	if (n > 16) {
		qsort(p, n, sizeof(*p), by_day);
		return;
	}
	for (i = 1; i < n; i++) {
		struct pday x = p[i];

		for (j = i; j > 0 && p[j - 1].day > x.day; j--)
			p[j] = p[j - 1];
		p[j] = x;
	}
}

/* One customer's purchase days, sorted, into *out (struct crm_rfm_days). */
static void summarise_days(const struct pday *p, size_t n, int32_t cal_end,
			   struct crm_rfm_days *out)
{
	double repeat = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		if (!k || p[k].day != p[k - 1].day) {
			out->days++;
			if (p[k].day < cal_end) {
				out->cal_days++;
				out->cal_last = p[k].day;
			}
		}
		if (p[k].day != p[0].day)
			repeat += p[k].amount;
	}
	out->value = out->days > 1 ? (float)(repeat / (out->days - 1)) : 0;
}

/*
 * --ltv: each customer's purchase days from the day runs, grouped by
 * customer as distinct() groups the orders; the runs are freed once
 * grouped. Needs r->as_of (for the holdout's first day).
 */
static enum crm_status purchase_days(struct load *l, struct crm_error *err)
{
	struct dayruns *dr = &l->dayruns;
	size_t *start = big_alloc(((size_t)l->max_id + 2) * sizeof(*start), 1), i;
	struct pday *group = big_alloc(dr->n * sizeof(*group) + 1, 0);
	/* purchase_days() runs only with a day to count to: as_of is a date */
	int32_t cal_end = l->r->o.holdout ? (int32_t)((int64_t)l->r->as_of - l->r->o.holdout)
			  : INT32_MAX;
	int64_t id;

	if (!start || !group ||
	    !(l->days = big_alloc(((size_t)l->max_id + 1) * sizeof(*l->days), 1))) {
		free(start);
		free(group);
		return crm_error_nomem(err);
	}
	for (i = 0; i < dr->n; i++)
		start[(size_t)dr->cust[i] + 1]++;
	for (id = 1; id <= l->max_id; id++)
		start[id + 1] += start[id];
	for (i = 0; i < dr->n; i++)
		group[start[dr->cust[i]]++] = (struct pday){ dr->day[i], dr->amount[i] };
	dayruns_release(dr);
	/* start[id] is now where id's group ends, start[id - 1] where it began */
	for (id = 1; id <= l->max_id; id++) {
		size_t from = start[id - 1], n = start[id] - from;

		if (!n)
			continue;
		sort_days(group + from, n);
		summarise_days(group + from, n, cal_end, &l->days[id]);
	}
	free(start);
	free(group);
	return CRM_OK;
}

/*
 * The lines in batches: each line's customer is fetched into the cache
 * (the customers' aggregates are tens of megabytes, visited at random)
 * while the next lines are read, then the batch is added in order.
 */
#define BATCH 128

static enum crm_status scan(struct load *l, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&l->t, SQL_ORDERS, err);
	struct line batch[BATCH];
	int64_t total = 0;
	enum crm_status s = CRM_OK;
	enum crm_step step = CRM_STEP_DONE;
	size_t n = 0, i;

	if (!st)
		return err->code;
	if ((s = max_of(l, SQL_MAX_ORDER, &total, err)))
		return s;
	if (runs_reserve(&l->runs, (size_t)total) ||
	    (l->r->o.ltv && dayruns_reserve(&l->dayruns, (size_t)total)))
		return crm_error_nomem(err);
	for (;;) {
		step = crm_stmt_step(st);
		if (step == CRM_STEP_ROW && read_line(l, st, &batch[n]))
			__builtin_prefetch(&l->agg[batch[n++].id], 1);
		if (n == BATCH || (n && step != CRM_STEP_ROW)) {
			for (i = 0; i < n; i++) {
				int bad = add_line(l, &batch[i]);

				if (!bad)
					continue;
				crm_stmt_reset(st);
				if (bad < 0)
					return crm_error_nomem(err);
				return crm_error_set(err, CRM_ERR_INVALID, "customer %lld: the "
						     "amounts of the orders add up to more than "
						     "64 bits hold (±922,337,203,685,477 of the "
						     "currency): not summed", (long long)batch[i].id);
			}
			n = 0;
		}
		if (step != CRM_STEP_ROW)
			break;
		if (l->r->o.progress && !(l->r->lines & 0xffff))
			l->r->o.progress(l->r->o.ctx, l->r->lines, (unsigned long long)total);
	}
	if (step == CRM_STEP_ERROR)
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
	if (n && !(r->c = big_alloc(n * sizeof(*r->c), 1)))
		return crm_error_nomem(err);
	if (n && l->days && !(r->days = big_alloc(n * sizeof(*r->days), 0)))
		return crm_error_nomem(err);
	for (id = 1; id <= l->max_id; id++) {
		const struct agg *a = &l->agg[id];
		struct crm_rfm_customer *c;

		if (!(a->flags & A_OK))
			continue;
		if (r->days)
			r->days[r->n] = l->days[id];
		c = &r->c[r->n++];
		c->id = id;
		c->monetary = a->money;
		c->frequency = a->orders;
		c->first = a->first;
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
		if (d == CRM_RFM_R && r->o.method != CRM_RFM_QUANTILE && !r->o.frozen)
			for (i = 0; i < r->n; i++)
				v[i] = -v[i];
		if (r->o.frozen)
			for (i = 0; i < r->n; i++)
				sc[i] = (unsigned char)crm_rfm_frozen_score(r->o.frozen->bin[d],
									   r->o.bins, d, v[i]);
		else
			s = crm_rfm_score(v, ids, r->n, r->o.bins, r->o.method, unit[d], sc,
					  r->breaks[d], err);
		for (i = 0; !s && i < r->n; i++) {
			int x = d == CRM_RFM_R && r->o.method == CRM_RFM_QUANTILE && !r->o.frozen
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
	for (i = 0; !s && r->o.scheme && r->o.scheme->cpm && i < r->n; i++)
		r->c[i].segment = (signed char)crm_rfm_cpm_segment(&r->o.cpm, r->c[i].frequency,
								   r->c[i].monetary, r->c[i].first,
								   r->c[i].last, r->as_of);
	for (i = 0; !s && r->o.scheme && !r->o.scheme->cpm && i < r->n; i++)
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
	if (o->scheme && !o->scheme->cpm && o->bins != 5)
		return crm_error_set(err, CRM_ERR_INVALID, "scheme %s names the cells of 5 bins",
				     o->scheme->name);
	if (!(r = calloc(1, sizeof(*r))))
		return crm_error_nomem(err);
	r->o = *o;
	l.r = r;
	s = crm_stmt_table_init(&l.t, db, rfm_sql, SQL_COUNT, err);
	if (!s)
		s = max_of(&l, SQL_MAX_CUSTOMER, &l.max_id, err);
	if (!s && l.max_id > (int64_t)UINT32_MAX)
		s = crm_error_set(err, CRM_ERR_INVALID, "customer ids above %lu: more than rfm "
				  "counts", (unsigned long)UINT32_MAX);
	if (!s && !(l.agg = big_alloc(((size_t)l.max_id + 1) * sizeof(*l.agg), 1)))
		s = crm_error_nomem(err);
	if (!s)
		s = survivors(&l, err);
	if (!s)
		s = scan(&l, err);
	if (!s)
		s = distinct(&l, err);
	if (!s) {
		r->as_of = o->as_of != CRM_RFM_NO_DATE ? o->as_of
			   : l.latest != CRM_RFM_NO_DATE ? l.latest + 1 : CRM_RFM_NO_DATE;
		if (o->ltv && r->as_of != CRM_RFM_NO_DATE)
			s = purchase_days(&l, err);
	}
	if (!s)
		s = collect(&l, err);
	if (!s)
		s = score_all(r, err);
	crm_stmt_table_release(&l.t);
	free(l.into);
	free(l.agg);
	free(l.runs.h);
	free(l.runs.cust);
	dayruns_release(&l.dayruns);
	free(l.days);
	if (s) {
		crm_rfm_free(r);
		return s;
	}
	*out = r;
	return CRM_OK;
}

void crm_rfm_ltv_free(struct crm_rfm_ltv *l)
{
	if (!l)
		return;
	free(l->c);
	free(l->holdout);
	free(l);
}

void crm_rfm_free(struct crm_rfm *r)
{
	if (!r)
		return;
	free(r->c);
	free(r->days);
	crm_rfm_ltv_free(r->ltv);
	free(r);
}
