/*
 * A person's decisions about the pairs crm dedupe proposed (dedupe.h,
 * crm_dedupe_decide): the review file they filled in is read whole and
 * checked first, so that a file with one bad line changes nothing; then
 * its 'same' pairs are merged and every decision is recorded, in the
 * caller's run.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "csvio.h"
#include "customer.h"
#include "dedupe.h"
#include "banned.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

enum verdict { V_NONE, V_SAME, V_DIFFERENT };

static const char *const verdict_names[] = { NULL, "same", "different" };

/* One line of the file: a decided pair, a < b. */
struct line {
	int64_t a, b;
	int64_t sa, sb;         /* the customers they stand for now */
	enum verdict v;
	unsigned long no;       /* the file's line */
};

struct decided {
	struct line *l;
	size_t n, cap;
	const char *path;
};

/* --- Reading ----------------------------------------------------------- */

/* What a person may write: same/different, in English or Japanese; "" is undecided. */
static int verdict_of(const char *s, enum verdict *v)
{
	static const struct {
		const char *word;
		enum verdict v;
	} words[] = {
		{ "same", V_SAME }, { "s", V_SAME }, { "同一", V_SAME }, { "同じ", V_SAME },
		{ "同一人物", V_SAME },
		{ "different", V_DIFFERENT }, { "d", V_DIFFERENT }, { "別", V_DIFFERENT },
		{ "別人", V_DIFFERENT }, { "違う", V_DIFFERENT },
	};
	char low[32];
	size_t i, n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (!n) {
		*v = V_NONE;
		return 0;
	}
	if (n >= sizeof(low))
		return -1;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[n] = '\0';
	for (i = 0; i < NELEMS(words); i++)
		if (!strcmp(low, words[i].word)) {
			*v = words[i].v;
			return 0;
		}
	return -1;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

/* The columns a, b and decision of the header; err names the one missing. */
static enum crm_status header(const struct decided *d, const struct crm_csv_record *rec,
			      size_t col[3], struct crm_error *err)
{
	static const char *const names[3] = { "a", "b", "decision" };
	size_t i, k;

	for (k = 0; k < 3; k++) {
		col[k] = SIZE_MAX;
		for (i = 0; i < rec->nfields; i++)
			if (!strcmp(rec->fields[i], names[k]))
				col[k] = i;
		if (col[k] == SIZE_MAX)
			return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: no column '%s': a "
					     "decisions file is a review file (crm dedupe "
					     "--review-file) with its decision column filled in",
					     d->path, rec->line, names[k]);
	}
	return CRM_OK;
}

static enum crm_status add(struct decided *d, const struct crm_csv_record *rec,
			   const size_t col[3], struct crm_dedupe_decided *st,
			   struct crm_error *err)
{
	struct line l = { 0 };
	int64_t t;

	st->lines++;
	for (size_t k = 0; k < 3; k++)
		if (col[k] >= rec->nfields)
			return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: the line has %zu "
					     "fields; the header names %zu", d->path, rec->line,
					     rec->nfields, col[k] + 1);
	if (verdict_of(rec->fields[col[2]], &l.v))
		return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: decision '%s': write same "
				     "or different (同一 or 別人), or leave it empty to decide "
				     "later", d->path, rec->line, rec->fields[col[2]]);
	if (l.v == V_NONE) {
		st->undecided++;
		return CRM_OK;
	}
	if (parse_id(rec->fields[col[0]], &l.a) || parse_id(rec->fields[col[1]], &l.b))
		return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: a and b must be customer "
				     "numbers, not '%s' and '%s'", d->path, rec->line,
				     rec->fields[col[0]], rec->fields[col[1]]);
	if (l.a == l.b)
		return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: a and b are one customer "
				     "(%lld)", d->path, rec->line, (long long)l.a);
	if (l.a > l.b) {
		t = l.a;
		l.a = l.b;
		l.b = t;
	}
	l.no = rec->line;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		struct line *p = realloc(d->l, ncap * sizeof(*p));

		if (!p)
			return crm_error_nomem(err);
		d->l = p;
		d->cap = ncap;
	}
	d->l[d->n++] = l;
	if (l.v == V_SAME)
		st->same++;
	else
		st->different++;
	return CRM_OK;
}

static enum crm_status read_file(struct decided *d, struct crm_dedupe_decided *st,
				 struct crm_error *err)
{
	struct crm_csv_read_options o = { .detect_delimiter = 1,
					  .expect_fields = CRM_CSV_ANY_FIELDS };
	struct crm_csv_reader *r = NULL;
	struct crm_csv_record rec;
	enum crm_status s;
	size_t col[3];
	int first = 1;
	FILE *fp = fopen(d->path, "rb");

	if (!fp)
		return crm_error_set(err, CRM_ERR_IO, "cannot open %s: %s", d->path,
				     strerror(errno));
	s = crm_csv_reader_open(&r, fp, d->path, &o, err);
	while (!s && !(s = crm_csv_read(r, &rec, err))) {
		if (first)
			s = header(d, &rec, col, err);
		else
			s = add(d, &rec, col, st, err);
		first = 0;
	}
	if (s == CRM_EOF && first)
		s = crm_error_set(err, CRM_ERR_INVALID, "%s: empty: a decisions file starts with "
				  "the review file's header", d->path);
	else if (s == CRM_EOF)
		s = CRM_OK;
	crm_csv_reader_free(r);
	if (fclose(fp) && !s)
		s = crm_error_set(err, CRM_ERR_IO, "cannot read %s: %s", d->path, strerror(errno));
	return s;
}

static int by_pair(const void *x, const void *y)
{
	const struct line *a = x, *b = y;

	if (a->a != b->a)
		return (a->a > b->a) - (a->a < b->a);
	if (a->b != b->b)
		return (a->b > b->b) - (a->b < b->b);
	return (a->no > b->no) - (a->no < b->no);
}

/* One decision per pair: a pair decided twice alike counts once; two ways is an error. */
static enum crm_status one_per_pair(struct decided *d, struct crm_error *err)
{
	size_t i, k = 0;

	if (d->n)
		qsort(d->l, d->n, sizeof(*d->l), by_pair);
	for (i = 0; i < d->n; i++) {
		if (k && d->l[k - 1].a == d->l[i].a && d->l[k - 1].b == d->l[i].b) {
			if (d->l[k - 1].v != d->l[i].v)
				return crm_error_set(err, CRM_ERR_INVALID, "%s:%lu: customers %lld "
						     "and %lld are '%s' here, '%s' on line %lu",
						     d->path, d->l[i].no, (long long)d->l[i].a,
						     (long long)d->l[i].b, verdict_names[d->l[i].v],
						     verdict_names[d->l[k - 1].v], d->l[k - 1].no);
			continue;
		}
		d->l[k++] = d->l[i];
	}
	d->n = k;
	return CRM_OK;
}

/* --- Checking against the database ---------------------------------------- */

/*
 * Each pair's customers as they are now (merges followed); a customer
 * that is gone (erased since the file was written) drops its line.
 */
static enum crm_status resolve(struct crm_db *db, struct decided *d,
			       struct crm_dedupe_decided *st, struct crm_error *err)
{
	size_t i, k = 0;

	for (i = 0; i < d->n; i++) {
		struct line *l = &d->l[i];
		enum crm_status s = crm_customer_resolve(db, l->a, &l->sa, err);

		if (!s)
			s = crm_customer_resolve(db, l->b, &l->sb, err);
		if (s == CRM_ERR_NOTFOUND) {
			st->gone++;
			continue;
		}
		if (s)
			return s;
		d->l[k++] = *l;
	}
	d->n = k;
	return CRM_OK;
}

/* The customers of the 'same' pairs, joined: a union-find over their ids. */
struct groups {
	int64_t *id;          /* sorted, distinct */
	size_t *parent;
	size_t n;
};

static int by_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static size_t index_of(const struct groups *g, int64_t id)
{
	const int64_t *p = bsearch(&id, g->id, g->n, sizeof(*g->id), by_id);

	return p ? (size_t)(p - g->id) : SIZE_MAX;
}

/* The group of x: its smallest member (the roots are joined so), the path halved. */
static size_t root(const struct groups *g, size_t x)
{
	while (g->parent[x] != x) {
		g->parent[x] = g->parent[g->parent[x]];
		x = g->parent[x];
	}
	return x;
}

static enum crm_status group(const struct decided *d, struct groups *g, struct crm_error *err)
{
	size_t i, k = 0;

	g->id = malloc((2 * d->n + 1) * sizeof(*g->id));
	g->parent = malloc((2 * d->n + 1) * sizeof(*g->parent));
	if (!g->id || !g->parent)
		return crm_error_nomem(err);
	for (i = 0; i < d->n; i++) {
		g->id[k++] = d->l[i].sa;
		g->id[k++] = d->l[i].sb;
	}
	qsort(g->id, k, sizeof(*g->id), by_id);
	for (i = 0, g->n = 0; i < k; i++)
		if (!g->n || g->id[g->n - 1] != g->id[i])
			g->id[g->n++] = g->id[i];
	for (i = 0; i < g->n; i++)
		g->parent[i] = i;
	for (i = 0; i < d->n; i++) {
		size_t x, y;

		if (d->l[i].v != V_SAME || d->l[i].sa == d->l[i].sb)
			continue;
		x = root(g, index_of(g, d->l[i].sa));
		y = root(g, index_of(g, d->l[i].sb));
		/* The smaller index is the root: the groups come out in id order. */
		if (x < y)
			g->parent[y] = x;
		else if (y < x)
			g->parent[x] = y;
	}
	return CRM_OK;
}

/* A 'different' pair that is one customer, or that the 'same' pairs join, is refused. */
static enum crm_status contradictions(const struct decided *d, const struct groups *g,
				      struct crm_error *err)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct line *l = &d->l[i];

		if (l->v != V_DIFFERENT)
			continue;
		if (l->sa == l->sb)
			return crm_error_set(err, CRM_ERR_CONFLICT, "%s:%lu: customers %lld and %lld "
					     "are 'different', but they were merged into one "
					     "(customer %lld): revert that merge first (crm log "
					     "customer %lld shows it)", d->path, l->no,
					     (long long)l->a, (long long)l->b, (long long)l->sa,
					     (long long)l->sa);
		if (root(g, index_of(g, l->sa)) == root(g, index_of(g, l->sb)))
			return crm_error_set(err, CRM_ERR_CONFLICT, "%s:%lu: customers %lld and %lld "
					     "are 'different', but the file's 'same' pairs join "
					     "them", d->path, l->no, (long long)l->a, (long long)l->b);
	}
	return CRM_OK;
}

/* --- Writing ------------------------------------------------------------- */

enum decide_sql { SQL_FIND, SQL_DELETE, SQL_INSERT, SQL_COUNT };

static const char *const decide_sql[SQL_COUNT] = {
	[SQL_FIND] = "SELECT id, decision FROM dedupe_decisions"
		     " WHERE customer_id = ?1 AND other_id = ?2",
	[SQL_DELETE] = "DELETE FROM dedupe_decisions WHERE id = ?1",
	[SQL_INSERT] = "INSERT INTO dedupe_decisions(id, customer_id, other_id, decision, run_id)"
		       " VALUES (?1, ?2, ?3, ?4, ?5)",
};

/*
 * The row of customer x about y: made to say v (the old one, saying
 * otherwise, deleted first); *changed when it did not already.
 */
static enum crm_status record_one(struct crm_run *run, struct crm_stmt_table *t, int64_t *next,
				  int64_t x, int64_t y, enum verdict v, int *changed,
				  struct crm_error *err)
{
	struct crm_audit *a = crm_run_audit(run);
	struct crm_stmt *st = crm_stmt_table_get(t, SQL_FIND, err);
	enum crm_status s;
	int found = 0;
	int64_t old = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, x);
	crm_stmt_bind_int(st, 2, y);
	s = crm_stmt_one(st, &found, "cannot read the decisions", err);
	if (!s && found) {
		const char *was = crm_stmt_text(st, 1);

		old = crm_stmt_int(st, 0);
		if (was && !strcmp(was, verdict_names[v])) {
			crm_stmt_reset(st);
			return CRM_OK;
		}
	}
	crm_stmt_reset(st);
	if (!s && found && !(s = crm_audit_delete(a, "dedupe_decisions", old, err))) {
		if (!(st = crm_stmt_table_get(t, SQL_DELETE, err)))
			return err->code;
		crm_stmt_bind_int(st, 1, old);
		s = crm_stmt_run(st, "cannot replace a decision", err);
	}
	if (s)
		return s;
	if (!(st = crm_stmt_table_get(t, SQL_INSERT, err)))
		return err->code;
	crm_stmt_bind_int(st, 1, *next);
	crm_stmt_bind_int(st, 2, x);
	crm_stmt_bind_int(st, 3, y);
	crm_stmt_bind_str(st, 4, verdict_names[v]);
	crm_stmt_bind_int(st, 5, crm_run_id(run));
	s = crm_stmt_run(st, "cannot record a decision", err);
	if (!s)
		s = crm_audit_insert(a, "dedupe_decisions", (*next)++, err);
	*changed = 1;
	return s;
}

/* Every decision, on the records the file names, from both sides. */
static enum crm_status record(struct crm_run *run, const struct decided *d,
			      struct crm_dedupe_decided *st, struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_stmt_table t;
	enum crm_status s;
	int64_t next = 0;
	size_t i;

	if ((s = crm_stmt_table_init(&t, db, decide_sql, SQL_COUNT, err)))
		return s;
	s = crm_id_next(db, "dedupe_decisions", &next, err);
	for (i = 0; !s && i < d->n; i++) {
		int changed = 0;

		s = record_one(run, &t, &next, d->l[i].a, d->l[i].b, d->l[i].v, &changed, err);
		if (!s)
			s = record_one(run, &t, &next, d->l[i].b, d->l[i].a, d->l[i].v, &changed,
				       err);
		st->recorded += changed;
	}
	crm_stmt_table_release(&t);
	return s;
}

/*
 * Merges each group of two or more customers joined by 'same' pairs: the
 * members counted by group, then laid out group by group in id order
 * (g->id is sorted, and a group's root is its smallest member).
 */
static enum crm_status merge_groups(struct crm_run *run, const struct groups *g,
				    enum crm_dedupe_survivor how, struct crm_dedupe_merged *m,
				    struct crm_error *err)
{
	size_t *start = calloc(g->n + 1, sizeof(*start)), *at = malloc((g->n + 1) * sizeof(*at));
	int64_t *ids = malloc((g->n + 1) * sizeof(*ids));
	enum crm_status s = CRM_OK;
	size_t i, r;

	if (!start || !at || !ids) {
		s = crm_error_nomem(err);
		goto out;
	}
	for (i = 0; i < g->n; i++)
		start[root(g, i) + 1]++;
	for (i = 0; i < g->n; i++)
		start[i + 1] += start[i];
	memcpy(at, start, g->n * sizeof(*at));
	for (i = 0; i < g->n; i++)
		ids[at[root(g, i)]++] = g->id[i];
	for (r = 0; !s && r < g->n; r++) {
		int64_t survivor;

		if (start[r + 1] - start[r] > 1)
			s = crm_dedupe_merge(run, ids + start[r], start[r + 1] - start[r], how,
					     &survivor, m, err);
	}
out:
	free(start);
	free(at);
	free(ids);
	return s;
}

enum crm_status crm_dedupe_decide(struct crm_run *run, const char *path,
				  enum crm_dedupe_survivor how, struct crm_dedupe_decided *st,
				  struct crm_dedupe_merged *m, struct crm_error *err)
{
	struct decided d = { .path = path };
	struct groups g = { 0 };
	enum crm_status s;
	size_t i;

	memset(st, 0, sizeof(*st));
	s = read_file(&d, st, err);
	if (!s)
		s = one_per_pair(&d, err);
	if (!s)
		s = resolve(crm_run_db(run), &d, st, err);
	if (!s)
		s = group(&d, &g, err);
	if (!s)
		s = contradictions(&d, &g, err);
	for (i = 0; !s && i < d.n; i++)
		st->already += d.l[i].v == V_SAME && d.l[i].sa == d.l[i].sb;
	if (!s)
		s = merge_groups(run, &g, how, m, err);
	if (!s)
		s = record(run, &d, st, err);
	free(g.id);
	free(g.parent);
	free(d.l);
	return s;
}
