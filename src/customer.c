#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer.h"
#include "banned.h"

const struct crm_customer_table crm_customer_tables[] = {
	{ "customers", "id", CRM_CT_SELF },
	{ "source_records", "customer_id", CRM_CT_MOVES | CRM_CT_SOURCE },
	{ "orders", "customer_id", CRM_CT_MOVES | CRM_CT_SOURCE },
	{ "interactions", "customer_id", CRM_CT_MOVES | CRM_CT_SOURCE },
	{ "rfm_scores", "customer_id", CRM_CT_HISTORY | CRM_CT_SOURCE },
	{ "export_customers", "customer_id", CRM_CT_HISTORY },
	/* A person's decision about two records: it names those records, not who they became. */
	{ "dedupe_decisions", "customer_id", CRM_CT_HISTORY | CRM_CT_SOURCE },
	/* Who was in a segment when a snapshot was taken: as they were then. */
	{ "segment_members", "customer_id", CRM_CT_HISTORY },
	{ NULL, NULL, 0 },
};

const char *const crm_logged_tables[] = {
	"customers", "source_records", "orders", "interactions", "rfm_scores",
	"export_customers", "segments", "exports", "field_definitions", "dedupe_decisions",
	"dedupe_models", "rfm_snapshots", "segment_snapshots", "segment_members", NULL,
};

const struct crm_customer_table *crm_customer_table(const char *tbl)
{
	const struct crm_customer_table *t;

	for (t = crm_customer_tables; tbl && t->tbl; t++)
		if (!strcmp(t->tbl, tbl))
			return t;
	return NULL;
}

int crm_table_logged(const char *tbl)
{
	size_t i;

	for (i = 0; tbl && crm_logged_tables[i]; i++)
		if (!strcmp(crm_logged_tables[i], tbl))
			return 1;
	return 0;
}

enum customer_sql {
	SQL_RESOLVE,
	SQL_BY_SOURCE,
	SQL_LABEL,
	SQL_CARD,
	SQL_KEYS,
	SQL_COUNT,
};

/*
 * The chain is walked in SQL, one row per step, its length bounded: a
 * loop (which dedupe never writes) shows as a last row still merged.
 */
#define MAX_CHAIN 64
#define STR(x) STR_(x)
#define STR_(x) #x
static const char *const customer_sql[SQL_COUNT] = {
	[SQL_RESOLVE] =
		"WITH RECURSIVE chain(id, next, depth) AS ("
		"  SELECT id, merged_into, 0 FROM customers WHERE id = ?1"
		"  UNION ALL"
		"  SELECT c.id, c.merged_into, chain.depth + 1 FROM chain"
		"   JOIN customers c ON c.id = chain.next WHERE chain.depth < " STR(MAX_CHAIN) ")"
		" SELECT id, next FROM chain ORDER BY depth DESC LIMIT 1",
	[SQL_BY_SOURCE] =
		"SELECT customer_id FROM source_records WHERE source = ?1 AND source_key = ?2",
	[SQL_LABEL] =
		"SELECT (SELECT source || ':' || source_key FROM source_records"
		"  WHERE customer_id = c.id ORDER BY id LIMIT 1), c.name"
		" FROM customers c WHERE c.id = ?1",
	/* In the order of crm_customer_card_fields. */
	/* Every source record, oldest first: the first of each customer is its label. */
	[SQL_KEYS] = "SELECT customer_id, source || ':' || source_key FROM source_records ORDER BY id",
	[SQL_CARD] =
		"SELECT (SELECT source || ':' || source_key FROM source_records"
		"  WHERE customer_id = c.id ORDER BY id LIMIT 1), name, name_kana, birthdate,"
		" email, phone, mobile, postal_code, prefecture, city, address, company"
		" FROM customers c WHERE c.id = ?1",
};

const char *const crm_customer_card_fields[CRM_CUSTOMER_CARD] = {
	"key", "name", "name_kana", "birthdate", "email", "phone", "mobile", "postal_code",
	"prefecture", "city", "address", "company",
};

/* Resolves id with the prepared SQL_RESOLVE statement st, which is left reset. */
static enum crm_status resolve_with(struct crm_stmt *st, int64_t id, int64_t *survivor,
				    struct crm_error *err)
{
	enum crm_status s;
	int found = 0;

	crm_stmt_bind_int(st, 1, id);
	s = crm_stmt_one(st, &found, "cannot look the customer up", err);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "no customer %lld", (long long)id);
	else if (!s && !crm_stmt_is_null(st, 1))
		s = crm_error_set(err, CRM_ERR_SCHEMA,
				  "customer %lld: its merged_into chain loops or is longer "
				  "than %d", (long long)id, MAX_CHAIN);
	else if (!s)
		*survivor = crm_stmt_int(st, 0);
	crm_stmt_reset(st);
	return s;
}

enum crm_status crm_customer_resolve(struct crm_db *db, int64_t id, int64_t *survivor,
				     struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = crm_stmt_prepare(db, customer_sql[SQL_RESOLVE], &st, err);

	if (s)
		return s;
	s = resolve_with(st, id, survivor, err);
	crm_stmt_free(st);
	return s;
}

enum crm_status crm_id_next(struct crm_db *db, const char *tbl, int64_t *next,
			    struct crm_error *err)
{
	char sql[384];
	struct crm_stmt *st;
	enum crm_status s;
	int found = 0;

	if (!crm_table_logged(tbl))
		return crm_error_set(err, CRM_ERR_INTERNAL, "'%s' is not a logged table",
				     tbl ? tbl : "(null)");
	/*
	 * tbl is one of the catalogue's own names: nothing of a user's is
	 * pasted. The log's ids come through its indexes on (tbl, row_id): the
	 * largest row named, and the last id of each insert range of tbl (a
	 * handful per run).
	 */
	if (snprintf(sql, sizeof(sql), "SELECT max(coalesce((SELECT max(id) FROM \"%s\"), 0),"
		 " coalesce((SELECT max(row_id) FROM changes WHERE tbl = ?1), 0),"
		 " coalesce((SELECT max(CAST(new_value AS INTEGER)) FROM changes"
		 "  WHERE tbl = ?1 AND op = 'insert'), 0)) + 1", tbl) >= (int)sizeof(sql))
		return crm_error_set(err, CRM_ERR_INTERNAL, "the next id's query is too long");
	s = crm_stmt_prepare(db, sql, &st, err);
	if (s)
		return s;
	crm_stmt_bind_str(st, 1, tbl);
	s = crm_stmt_one(st, &found, "cannot find the next id", err);
	if (!s)
		*next = found ? crm_stmt_int(st, 0) : 1;
	crm_stmt_free(st);
	return s;
}

enum crm_customer_spec crm_customer_spec(const char *spec, int64_t *id, size_t *source_len,
					 const char **key)
{
	const char *colon = strchr(spec, ':');
	size_t digits = strspn(spec, "0123456789");

	if (*spec && !spec[digits] && digits < 19) {
		*id = strtoll(spec, NULL, 10);
		return CRM_SPEC_ID;
	}
	if (!colon || colon == spec || !colon[1])
		return CRM_SPEC_NONE;
	*source_len = (size_t)(colon - spec);
	*key = colon + 1;
	return CRM_SPEC_KEY;
}

struct crm_customer_lookup {
	struct crm_stmt *resolve, *by_source;
};

enum crm_status crm_customer_lookup_open(struct crm_db *db, struct crm_customer_lookup **out,
					 struct crm_error *err)
{
	struct crm_customer_lookup *l = calloc(1, sizeof(*l));
	enum crm_status s;

	*out = NULL;
	if (!l)
		return crm_error_nomem(err);
	if ((s = crm_stmt_prepare(db, customer_sql[SQL_RESOLVE], &l->resolve, err)) ||
	    (s = crm_stmt_prepare(db, customer_sql[SQL_BY_SOURCE], &l->by_source, err))) {
		crm_customer_lookup_free(l);
		return s;
	}
	*out = l;
	return CRM_OK;
}

enum crm_status crm_customer_lookup_find(struct crm_customer_lookup *l, const char *spec,
					 int64_t *id, struct crm_error *err)
{
	enum crm_status s;
	const char *key;
	size_t n;
	int found = 0;

	switch (crm_customer_spec(spec, id, &n, &key)) {
	case CRM_SPEC_ID:
		s = resolve_with(l->resolve, *id, id, err);
		if (s == CRM_ERR_NOTFOUND)
			crm_error_set(err, s, "no customer %s", spec);
		return s;
	case CRM_SPEC_NONE:
		return crm_error_set(err, CRM_ERR_INVALID,
				     "'%s' names no customer: give an id (42) or SOURCE:KEY", spec);
	case CRM_SPEC_KEY:
		break;
	}
	crm_stmt_bind_text(l->by_source, 1, spec, n);
	crm_stmt_bind_str(l->by_source, 2, key);
	s = crm_stmt_one(l->by_source, &found, "cannot find the customer", err);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "no customer %s", spec);
	else if (!s)
		s = resolve_with(l->resolve, crm_stmt_int(l->by_source, 0), id, err);
	crm_stmt_reset(l->by_source);
	return s;
}

enum crm_status crm_customer_lookup_resolve(struct crm_customer_lookup *l, int64_t id,
					    int64_t *survivor, struct crm_error *err)
{
	return resolve_with(l->resolve, id, survivor, err);
}

void crm_customer_lookup_free(struct crm_customer_lookup *l)
{
	if (!l)
		return;
	crm_stmt_free(l->resolve);
	crm_stmt_free(l->by_source);
	free(l);
}

enum crm_status crm_customer_find(struct crm_db *db, const char *spec, int64_t *id,
				  struct crm_error *err)
{
	struct crm_customer_lookup *l = NULL;
	enum crm_status s = crm_customer_lookup_open(db, &l, err);

	if (!s)
		s = crm_customer_lookup_find(l, spec, id, err);
	crm_customer_lookup_free(l);
	return s;
}

struct crm_customer_labels {
	struct crm_stmt *st, *card;
	char *key, *name;
	char *vals[CRM_CUSTOMER_CARD];
};

enum crm_status crm_customer_labels_open(struct crm_db *db, struct crm_customer_labels **out,
					 struct crm_error *err)
{
	struct crm_customer_labels *l = calloc(1, sizeof(*l));
	enum crm_status s;

	*out = NULL;
	if (!l)
		return crm_error_nomem(err);
	s = crm_stmt_prepare(db, customer_sql[SQL_LABEL], &l->st, err);
	if (s) {
		free(l);
		return s;
	}
	*out = l;
	return CRM_OK;
}

/* Keeps a copy of col's text in *to (NULL for none); -1 when out of memory. */
static int keep_text(struct crm_stmt *st, int col, char **to)
{
	const char *t = crm_stmt_text(st, col);

	free(*to);
	*to = t ? strdup(t) : NULL;
	return t && !*to ? -1 : 0;
}

enum crm_status crm_customer_label(struct crm_customer_labels *l, int64_t id,
				   const char **key, const char **name, struct crm_error *err)
{
	enum crm_status s;
	int found = 0;

	free(l->key);
	free(l->name);
	l->key = l->name = NULL;
	crm_stmt_bind_int(l->st, 1, id);
	s = crm_stmt_one(l->st, &found, "cannot read the customer", err);
	if (!s && found && (keep_text(l->st, 0, &l->key) || keep_text(l->st, 1, &l->name)))
		s = crm_error_nomem(err);
	crm_stmt_reset(l->st);
	*key = l->key;
	*name = l->name;
	return s;
}

enum crm_status crm_customer_card(struct crm_customer_labels *l, int64_t id,
				  const char *vals[CRM_CUSTOMER_CARD], struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	int found = 0, i;

	for (i = 0; i < CRM_CUSTOMER_CARD; i++) {
		free(l->vals[i]);
		l->vals[i] = NULL;
	}
	if (!l->card)
		s = crm_stmt_prepare(crm_stmt_db(l->st), customer_sql[SQL_CARD], &l->card, err);
	if (!s) {
		crm_stmt_bind_int(l->card, 1, id);
		s = crm_stmt_one(l->card, &found, "cannot read the customer", err);
	}
	for (i = 0; !s && found && i < CRM_CUSTOMER_CARD; i++)
		if (keep_text(l->card, i, &l->vals[i]))
			s = crm_error_nomem(err);
	if (l->card)
		crm_stmt_reset(l->card);
	for (i = 0; i < CRM_CUSTOMER_CARD; i++)
		vals[i] = l->vals[i];
	return s;
}

void crm_customer_labels_free(struct crm_customer_labels *l)
{
	int i;

	if (!l)
		return;
	crm_stmt_free(l->card);
	for (i = 0; i < CRM_CUSTOMER_CARD; i++)
		free(l->vals[i]);
	crm_stmt_free(l->st);
	free(l->key);
	free(l->name);
	free(l);
}

/* The index of id in the ascending ids[0..n-1], or SIZE_MAX. */
static size_t find_id(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

enum crm_status crm_customer_keys(struct crm_db *db, const int64_t *ids, size_t n, char **keys,
				  struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_step step;
	enum crm_status s;
	size_t i;

	for (i = 0; i < n; i++)
		keys[i] = NULL;
	if (!n)
		return CRM_OK;
	if ((s = crm_stmt_prepare(db, customer_sql[SQL_KEYS], &st, err)))
		return s;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *k = crm_stmt_text(st, 1);

		i = find_id(ids, n, crm_stmt_int(st, 0));
		if (i == SIZE_MAX || keys[i] || !k)
			continue;
		if (!(keys[i] = strdup(k))) {
			s = crm_error_nomem(err);
			break;
		}
	}
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the source records");
	crm_stmt_free(st);
	if (s)
		crm_customer_keys_free(keys, n);
	return s;
}

void crm_customer_keys_free(char **keys, size_t n)
{
	size_t i;

	for (i = 0; keys && i < n; i++) {
		free(keys[i]);
		keys[i] = NULL;
	}
}

int crm_ids_add(struct crm_ids *s, int64_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void crm_ids_sort(struct crm_ids *s)
{
	size_t i, k = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_id);
	for (i = 0; i < s->n; i++)
		if (!k || s->v[k - 1] != s->v[i])
			s->v[k++] = s->v[i];
	s->n = k;
}

int crm_ids_has(const struct crm_ids *s, int64_t id)
{
	return s->n && bsearch(&id, s->v, s->n, sizeof(*s->v), cmp_id) != NULL;
}

void crm_ids_release(struct crm_ids *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
