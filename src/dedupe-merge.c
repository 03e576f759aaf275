/*
 * Merging a cluster of duplicates (dedupe.h): which customer survives,
 * which value each of its fields keeps (survivorship), and the merge of
 * the others into it through the customer catalogue (customer.h), every
 * change logged in the caller's run so that `crm log revert` undoes it.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "customer.h"
#include "dedupe.h"
#include "fields.h"
#include "strbuf.h"
#include "banned.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

const char *const crm_dedupe_survivor_names[] = { "oldest", "newest", "most-complete", NULL };

/* A value read from the database, owned. */
struct owned {
	struct crm_value v;
	char *s;
};

/* The customer columns that survivorship decides: the catalogue's real fields. */
#define MAX_COLUMNS 64

struct member {
	int64_t id;
	struct owned col[MAX_COLUMNS];
	char *extra, *created_at, *updated_at;
	int filled;          /* columns with a value */
};

struct merger {
	struct crm_db *db;
	struct crm_audit *audit;
	const char *now;
	const char *colname[MAX_COLUMNS];
	size_t ncols;
	struct crm_stmt *get, *json_patch, *json_set, *json_items, *set_extra, *touch;
	struct crm_stmt *set[MAX_COLUMNS];   /* UPDATE of each column, prepared at first use */
	struct member *m;     /* the cluster, most recently updated first */
	size_t n;
};

/*
 * Columns taken together from one customer, so that a name and its parts,
 * or a postal code and its address, never come from two people's rows.
 */
static const char *const groups[][6] = {
	{ "name", "family_name", "given_name", NULL },
	{ "name_kana", "family_kana", "given_kana", NULL },
	{ "postal_code", "prefecture", "city", "address", "country", NULL },
};

static void owned_release(struct owned *o)
{
	free(o->s);
	o->s = NULL;
	o->v = crm_value_null();
}

static int owned_take(struct owned *o, struct crm_value v)
{
	o->v = v;
	o->s = NULL;
	if (v.type == CRM_VALUE_TEXT) {
		if (!(o->s = malloc(v.len + 1)))
			return -1;
		memcpy(o->s, v.s, v.len);
		o->s[v.len] = '\0';
		o->v.s = o->s;
	}
	return 0;
}

static int empty(const struct crm_value *v)
{
	return v->type == CRM_VALUE_NULL || (v->type == CRM_VALUE_TEXT && !v->len);
}

static void member_release(struct member *m, size_t ncols)
{
	size_t c;

	for (c = 0; c < ncols; c++)
		owned_release(&m->col[c]);
	free(m->extra);
	free(m->created_at);
	free(m->updated_at);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

enum { SQL_PATCH, SQL_SET_ARRAY, SQL_ITEMS, SQL_SET_EXTRA, SQL_TOUCH, SQL_COUNT };

static const char *const merge_sql[SQL_COUNT] = {
	/* RFC 7396: the later customer's keys over the earlier's. */
	[SQL_PATCH] = "SELECT json_patch(coalesce(?1, '{}'), coalesce(?2, '{}'))",
	[SQL_SET_ARRAY] = "SELECT json_set(coalesce(?1, '{}'), ?2, json(?3))",
	[SQL_ITEMS] = "SELECT value FROM json_each(?1, ?2) WHERE type = 'text'",
	[SQL_SET_EXTRA] = "UPDATE customers SET extra = ?1 WHERE id = ?2",
	[SQL_TOUCH] = "UPDATE customers SET updated_at = ?1 WHERE id = ?2",
};

static enum crm_status prepare(struct merger *g, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	const struct crm_field *f;
	enum crm_status s;
	size_t n, i;
	int oom;

	f = crm_fields(CRM_KIND_CUSTOMERS, &n);
	oom = crm_strbuf_addstr(&sql, "SELECT ");
	for (i = 0; i < n && g->ncols < MAX_COLUMNS; i++) {
		if (f[i].flags & (CRM_F_VIRTUAL | CRM_F_KEY | CRM_F_CUSTOMER_KEY))
			continue;
		g->colname[g->ncols++] = f[i].name;
		/* Column names from the field catalogue, never from input. */
		oom |= crm_strbuf_addf(&sql, "\"%s\", ", f[i].name);
	}
	oom |= crm_strbuf_addstr(&sql, "extra, created_at, updated_at FROM customers WHERE id = ?1"
				 " AND merged_into IS NULL");
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(g->db, sql.buf, &g->get, err);
	crm_strbuf_release(&sql);
	if (!s)
		s = crm_stmt_prepare(g->db, merge_sql[SQL_PATCH], &g->json_patch, err);
	if (!s)
		s = crm_stmt_prepare(g->db, merge_sql[SQL_SET_ARRAY], &g->json_set, err);
	if (!s)
		s = crm_stmt_prepare(g->db, merge_sql[SQL_ITEMS], &g->json_items, err);
	if (!s)
		s = crm_stmt_prepare(g->db, merge_sql[SQL_SET_EXTRA], &g->set_extra, err);
	if (!s)
		s = crm_stmt_prepare(g->db, merge_sql[SQL_TOUCH], &g->touch, err);
	return s;
}

static enum crm_status read_member(struct merger *g, int64_t id, struct member *m,
				   struct crm_error *err)
{
	enum crm_status s;
	size_t c;
	int found = 0;

	memset(m, 0, sizeof(*m));
	m->id = id;
	crm_stmt_bind_int(g->get, 1, id);
	s = crm_stmt_one(g->get, &found, "cannot read a customer to merge", err);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_CONFLICT, "customer %lld is not there to merge, or "
				  "merged already", (long long)id);
	for (c = 0; !s && c < g->ncols; c++) {
		if (owned_take(&m->col[c], crm_stmt_value(g->get, (int)c)))
			s = crm_error_nomem(err);
		else if (!empty(&m->col[c].v))
			m->filled++;
	}
	if (!s) {
		const char *x = crm_stmt_text(g->get, (int)g->ncols);
		const char *ca = crm_stmt_text(g->get, (int)g->ncols + 1);
		const char *ua = crm_stmt_text(g->get, (int)g->ncols + 2);

		if ((x && !(m->extra = strdup(x))) || !(m->created_at = dup_or_null(ca ? ca : "")) ||
		    !(m->updated_at = dup_or_null(ua ? ua : "")))
			s = crm_error_nomem(err);
	}
	crm_stmt_reset(g->get);
	return s;
}

/* Most recently updated first; ties by the larger id (the later record). */
static int by_recency(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	int c = strcmp(b->updated_at, a->updated_at);

	return c ? c : (b->id > a->id) - (b->id < a->id);
}

/* The index in g->m of the survivor, as how chooses. */
static size_t choose(const struct merger *g, enum crm_dedupe_survivor how)
{
	size_t best = 0, i;

	for (i = 1; i < g->n; i++) {
		const struct member *a = &g->m[i], *b = &g->m[best];
		int c = strcmp(a->created_at, b->created_at);
		int older = c < 0 || (c == 0 && a->id < b->id);

		switch (how) {
		case CRM_DEDUPE_NEWEST:
			if (!older)
				best = i;
			break;
		case CRM_DEDUPE_MOST_COMPLETE:
			if (a->filled > b->filled || (a->filled == b->filled && older))
				best = i;
			break;
		default:
			if (older)
				best = i;
			break;
		}
	}
	return best;
}

static int column_index(const struct merger *g, const char *name)
{
	size_t c;

	for (c = 0; c < g->ncols; c++)
		if (!strcmp(g->colname[c], name))
			return (int)c;
	return -1;
}

/* The group of column c, or -1. */
static int group_of(const char *name)
{
	size_t i, j;

	for (i = 0; i < NELEMS(groups); i++)
		for (j = 0; groups[i][j]; j++)
			if (!strcmp(groups[i][j], name))
				return (int)i;
	return -1;
}

/* The member (most recent first) whose group gi has a value; -1 if none. */
static int group_source(const struct merger *g, int gi)
{
	size_t i, j;

	for (i = 0; i < g->n; i++)
		for (j = 0; groups[gi][j]; j++) {
			int c = column_index(g, groups[gi][j]);

			if (c >= 0 && !empty(&g->m[i].col[c].v))
				return (int)i;
		}
	return -1;
}

/*
 * The value the survivor keeps for column c: from its group's source, a
 * consent that any of them withdrew stays withdrawn, else the most recent
 * value that is not empty (never an empty one over a value).
 */
static const struct crm_value *kept(const struct merger *g, size_t c)
{
	const char *name = g->colname[c];
	int gi = group_of(name);
	size_t i;

	if (gi >= 0) {
		int src = group_source(g, gi);

		return src >= 0 ? &g->m[src].col[c].v : NULL;
	}
	if (!strncmp(name, "consent_", 8))
		for (i = 0; i < g->n; i++)
			if (g->m[i].col[c].v.type == CRM_VALUE_INT && g->m[i].col[c].v.i == 0)
				return &g->m[i].col[c].v;
	for (i = 0; i < g->n; i++)
		if (!empty(&g->m[i].col[c].v))
			return &g->m[i].col[c].v;
	return NULL;
}

static enum crm_status set_column(struct merger *g, int64_t id, size_t c,
				  const struct crm_value *old, const struct crm_value *v,
				  struct crm_error *err)
{
	enum crm_status s = CRM_OK;

	if (!g->set[c]) {
		struct crm_strbuf sql = CRM_STRBUF_INIT;

		/* The column's name comes from the field catalogue. */
		if (crm_strbuf_addf(&sql, "UPDATE customers SET \"%s\" = ?1 WHERE id = ?2",
				    g->colname[c]))
			return crm_error_nomem(err);
		s = crm_stmt_prepare(g->db, sql.buf, &g->set[c], err);
		crm_strbuf_release(&sql);
	}
	if (!s)
		s = crm_audit_update(g->audit, "customers", id, g->colname[c], old, v, err);
	if (s)
		return s;
	crm_stmt_bind_value(g->set[c], 1, v);
	crm_stmt_bind_int(g->set[c], 2, id);
	return crm_stmt_run(g->set[c], "cannot update the surviving customer", err);
}

/* Adds s to the JSON array being built in sb, unless seen (a list of n strings) has it. */
static int add_item(struct crm_strbuf *sb, const char *s, char **seen, size_t *n, size_t max)
{
	size_t i;

	if (!s || !*s)
		return 0;
	for (i = 0; i < *n; i++)
		if (!strcmp(seen[i], s))
			return 0;
	if (*n == max || !(seen[*n] = strdup(s)))
		return *n == max ? 0 : -1;
	(*n)++;
	return (sb->len > 1 && crm_strbuf_addch(sb, ',')) ||
	       crm_strbuf_add_json_string(sb, s, strlen(s)) ? -1 : 0;
}

#define MAX_ITEMS 64

/*
 * extra.KEY (other_emails, other_phones) as the members' values of the
 * columns cols that the survivor does not keep, with those the customers
 * kept there already.
 */
static enum crm_status others(struct merger *g, const char *const *cols, const char *path,
			      const struct crm_value *const *keep, char **extra,
			      struct crm_error *err)
{
	struct crm_strbuf arr = CRM_STRBUF_INIT;
	char *seen[MAX_ITEMS];
	size_t nseen = 0, i, k;
	enum crm_status s = CRM_OK;
	int oom = crm_strbuf_addch(&arr, '[');

	/* What the survivor keeps is no other value. */
	for (k = 0; keep[k] && nseen < MAX_ITEMS; k++)
		if (keep[k]->type == CRM_VALUE_TEXT && (seen[nseen] = strdup(keep[k]->s)))
			nseen++;
	for (i = 0; !oom && i < g->n; i++) {
		for (k = 0; cols[k] && !oom; k++) {
			int c = column_index(g, cols[k]);

			if (c >= 0 && g->m[i].col[c].v.type == CRM_VALUE_TEXT)
				oom = add_item(&arr, g->m[i].col[c].s, seen, &nseen, MAX_ITEMS);
		}
		if (!oom && g->m[i].extra) {
			enum crm_step step;

			crm_stmt_bind_str(g->json_items, 1, g->m[i].extra);
			crm_stmt_bind_str(g->json_items, 2, path);
			while (!oom && (step = crm_stmt_step(g->json_items)) == CRM_STEP_ROW)
				oom = add_item(&arr, crm_stmt_text(g->json_items, 0), seen, &nseen,
					       MAX_ITEMS);
			if (step == CRM_STEP_ERROR)
				s = crm_stmt_fail(g->json_items, err, "cannot read extra");
			crm_stmt_reset(g->json_items);
		}
	}
	oom |= crm_strbuf_addch(&arr, ']');
	if (!s && oom)
		s = crm_error_nomem(err);
	if (!s && arr.len > 2) {
		int found = 0;

		crm_stmt_bind_str(g->json_set, 1, *extra);
		crm_stmt_bind_str(g->json_set, 2, path);
		crm_stmt_bind_str(g->json_set, 3, arr.buf);
		s = crm_stmt_one(g->json_set, &found, "cannot build extra", err);
		if (!s && found) {
			char *x = dup_or_null(crm_stmt_text(g->json_set, 0));

			if (!x)
				s = crm_error_nomem(err);
			free(*extra);
			*extra = x;
		}
		crm_stmt_reset(g->json_set);
	}
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	crm_strbuf_release(&arr);
	return s;
}

/*
 * extra: every member's keys, the more recent over the older, with the
 * emails and phones the survivor does not keep in other_emails and
 * other_phones.
 */
static enum crm_status merged_extra(struct merger *g, char **out, struct crm_error *err)
{
	static const char *const emails[] = { "email", NULL };
	static const char *const phones[] = { "phone", "mobile", NULL };
	const struct crm_value *keep_email[2] = { NULL, NULL }, *keep_phone[3] = { NULL, NULL, NULL };
	enum crm_status s = CRM_OK;
	char *acc = NULL;
	size_t i;
	int c;

	for (i = g->n; !s && i-- > 0;) {
		int found = 0;

		if (!g->m[i].extra)
			continue;
		crm_stmt_bind_str(g->json_patch, 1, acc);
		crm_stmt_bind_str(g->json_patch, 2, g->m[i].extra);
		s = crm_stmt_one(g->json_patch, &found, "cannot merge extra", err);
		if (!s && found) {
			char *x = dup_or_null(crm_stmt_text(g->json_patch, 0));

			if (!x)
				s = crm_error_nomem(err);
			free(acc);
			acc = x;
		}
		crm_stmt_reset(g->json_patch);
	}
	if ((c = column_index(g, "email")) >= 0)
		keep_email[0] = kept(g, (size_t)c);
	if ((c = column_index(g, "phone")) >= 0)
		keep_phone[0] = kept(g, (size_t)c);
	if ((c = column_index(g, "mobile")) >= 0)
		keep_phone[keep_phone[0] ? 1 : 0] = kept(g, (size_t)c);
	if (!s)
		s = others(g, emails, "$.other_emails", keep_email, &acc, err);
	if (!s)
		s = others(g, phones, "$.other_phones", keep_phone, &acc, err);
	if (s) {
		free(acc);
		acc = NULL;
	}
	*out = acc;
	return s;
}

static enum crm_status update_survivor(struct merger *g, size_t sv, unsigned long *values,
				       struct crm_error *err)
{
	struct member *m = &g->m[sv];
	enum crm_status s = CRM_OK;
	char *extra = NULL;
	size_t c;
	int changed = 0;

	for (c = 0; !s && c < g->ncols; c++) {
		const struct crm_value *v = kept(g, c);
		struct crm_value null = crm_value_null();

		if (!v)
			v = &null;
		if (crm_value_equal(v, &m->col[c].v))
			continue;
		s = set_column(g, m->id, c, &m->col[c].v, v, err);
		(*values)++;
		changed = 1;
	}
	if (!s)
		s = merged_extra(g, &extra, err);
	if (!s && !(extra == m->extra || (extra && m->extra && !strcmp(extra, m->extra)))) {
		struct crm_value o = crm_value_text(m->extra), v = crm_value_text(extra);

		s = crm_audit_update(g->audit, "customers", m->id, "extra", &o, &v, err);
		if (!s) {
			crm_stmt_bind_str(g->set_extra, 1, extra);
			crm_stmt_bind_int(g->set_extra, 2, m->id);
			s = crm_stmt_run(g->set_extra, "cannot update the surviving customer", err);
		}
		(*values)++;
		changed = 1;
	}
	free(extra);
	if (!s && changed && strcmp(m->updated_at, g->now)) {
		struct crm_value o = crm_value_text(m->updated_at), v = crm_value_text(g->now);

		s = crm_audit_update(g->audit, "customers", m->id, "updated_at", &o, &v, err);
		if (!s) {
			crm_stmt_bind_str(g->touch, 1, g->now);
			crm_stmt_bind_int(g->touch, 2, m->id);
			s = crm_stmt_run(g->touch, "cannot update the surviving customer", err);
		}
	}
	return s;
}

static void merger_release(struct merger *g)
{
	size_t i;

	for (i = 0; g->m && i < g->n; i++)
		member_release(&g->m[i], g->ncols);
	free(g->m);
	crm_stmt_free(g->get);
	crm_stmt_free(g->json_patch);
	crm_stmt_free(g->json_set);
	crm_stmt_free(g->json_items);
	crm_stmt_free(g->set_extra);
	crm_stmt_free(g->touch);
	for (i = 0; i < g->ncols; i++)
		crm_stmt_free(g->set[i]);
}

enum crm_status crm_dedupe_merge(struct crm_run *run, const int64_t *ids, size_t n,
				 enum crm_dedupe_survivor how, int64_t *survivor,
				 struct crm_dedupe_merged *st, struct crm_error *err)
{
	struct merger g = { 0 };
	enum crm_status s;
	size_t i, sv;

	*survivor = 0;
	if (n < 2)
		return CRM_OK;
	g.db = crm_run_db(run);
	g.audit = crm_run_audit(run);
	g.now = crm_run_started_at(run);
	s = prepare(&g, err);
	if (!s && !(g.m = calloc(n, sizeof(*g.m))))
		s = crm_error_nomem(err);
	for (i = 0; !s && i < n; i++) {
		s = read_member(&g, ids[i], &g.m[i], err);
		g.n = i + 1;
	}
	if (!s) {
		qsort(g.m, g.n, sizeof(*g.m), by_recency);
		sv = choose(&g, how);
		*survivor = g.m[sv].id;
		s = update_survivor(&g, sv, &st->values, err);
		for (i = 0; !s && i < g.n; i++)
			if (i != sv) {
				s = crm_customer_merge(g.db, g.audit, g.m[i].id, *survivor, &st->moved,
						       err);
				st->merged++;
			}
		if (!s)
			st->clusters++;
	}
	merger_release(&g);
	return s;
}
