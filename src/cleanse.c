#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanse.h"
#include "fields.h"
#include "history.h"
#include "normalize.h"
#include "strbuf.h"
#include "types.h"
#include "banned.h"

enum cleanse_stmt {
	ST_MAX_ID,
	ST_COUNT,
};

static const char *const cleanse_sql[ST_COUNT] = {
	/* The largest id, for the progress bar. */
	[ST_MAX_ID] = "SELECT max(id) FROM customers",
};

/*
 * Two statements are built at run time, from the column names of the
 * table below and of the field definitions' own fields (never from
 * input): the SELECT of the customers to cleanse, SELECT_HEAD, each
 * column, updated_at, a SELECT_OWN per own field (SQLite's json_extract,
 * from extra), SELECT_TAIL; and an UPDATE for each set of changed columns,
 * UPDATE_HEAD, "column" = ?n for each, UPDATE_TAIL.
 */
#define SELECT_HEAD "SELECT id"
#define SELECT_OWN ", json_extract(extra, ?%zu)"
#define SELECT_TAIL \
	" FROM customers WHERE merged_into IS NULL AND (?1 IS NULL OR updated_at >="\
	" (SELECT started_at FROM runs WHERE id = ?1)) AND id > ?2 ORDER BY id"
#define UPDATE_HEAD "UPDATE customers SET "
#define UPDATE_TAIL "updated_at = ?%d WHERE id = ?%d"

typedef enum crm_status (*normalizer)(const char *s, struct crm_norm *out,
				      struct crm_error *err);

enum rule { R_TEXT, R_NAME, R_KANA, R_COMPANY, R_PHONE, R_EMAIL, R_EMAIL_TYPO, R_POSTAL,
	    R_ADDRESS };
/* In the order of crm_rule_names, whose names the summary prints by these. */
_Static_assert(R_ADDRESS + 1 == CRM_NRULES, "enum rule and crm_rule_names must agree");

/*
 * How a column is cleansed: not at all, checked only, normalized, or by a
 * function of its own for the three with more to them.
 */
enum how { H_NONE, H_CHECK, H_PLAIN, H_EMAIL, H_ADDRESS };

/* A customer field of the catalogue that cleanse reads, and what it does with it. */
struct column {
	const char *name;    /* the catalogue's */
	enum rule rule;      /* the rule that normalizes it */
	normalizer fn;       /* NULL (H_CHECK): checked only */
	enum how how;
	int japan_only;      /* skipped for a record whose country is not Japan */
};

/*
 * The columns come from the field catalogue, in its order; a field's type
 * there says how it is cleansed (column_for): its normalizer, and for
 * email, phone and address what more is done with what it gives.
 */
/*
 * The fields cleanse treats by what they mean: the name and its parts,
 * the address and its parts, the country (is the record Japanese?), and
 * the values import stores canonical. Their columns are found at setup.
 */
enum field { F_NAME, F_FAMILY, F_GIVEN, F_EMAIL, F_PREFECTURE, F_CITY, F_ADDRESS, F_COUNTRY,
	     F_BIRTHDATE, F_GENDER, F_COUNT };
static const char *const field_names[F_COUNT] = {
	[F_NAME] = "name", [F_FAMILY] = "family_name", [F_GIVEN] = "given_name",
	[F_EMAIL] = "email", [F_PREFECTURE] = "prefecture", [F_CITY] = "city",
	[F_ADDRESS] = "address", [F_COUNTRY] = "country", [F_BIRTHDATE] = "birthdate",
	[F_GENDER] = "gender",
};

/* At most as many columns as the bits of a set of them (an UPDATE's). */
#define MAX_COLS ((int)(sizeof(unsigned long) * 8))

/* One customer as read, and the values this run gives it. */
struct row {
	int64_t id;
	char *val[MAX_COLS];     /* current values (owned), NULL for none */
	char *orig[MAX_COLS];    /* as read, for the log (owned) */
	int rule[MAX_COLS];      /* the rule that last changed the column */
	char *updated_at;        /* as read */
	int japan;
};

struct cleanser {
	struct crm_db *db;
	struct crm_audit *run;
	const struct crm_cleanse_options *o;
	const struct crm_cleanse_sink *sink;
	struct crm_cleanse_stats *st;
	int64_t from;                /* customers after this id only (a part: see cleanse.h) */
	/* The columns, from the catalogue, and where the fields of enum field are. */
	struct column col[MAX_COLS];
	int ncols;
	int at[F_COUNT];
	const struct crm_fielddef *def[MAX_COLS];
	/* Worked out once from the options and definitions, read per customer. */
	int on[MAX_COLS];            /* the column is cleansed (--field) */
	unsigned rules[MAX_COLS];    /* the rules on for it, bits by enum rule */
	/* UPDATE statements by the set of columns they write */
	struct { unsigned long mask; struct crm_stmt *st; } set[256];
	size_t nset;
	/* the company's own fields (defined, not in the catalogue), those --field
	 * leaves in: values from extra */
	const struct crm_fielddef **own;
	size_t nown;
	struct crm_norm norm;
	const struct crm_field *gender;   /* the catalogue's, for its choices */
};

/* The column of field f (of enum field). */
#define AT(c, f) ((c)->at[f])

/* For setup(): whether rule r applies to col. */
static int rule_on(const struct cleanser *c, int col, enum rule r)
{
	int dflt = !c->o->rules || (c->o->rules & (1u << r));

	return crm_fielddef_rule(c->def[col], (int)r, dflt);
}

/* For setup(): whether --field leaves the field in. */
static int field_on(const struct cleanser *c, const char *name)
{
	size_t i;

	if (!c->o->fields)
		return 1;
	for (i = 0; i < c->o->nfields; i++)
		if (!strcmp(c->o->fields[i], name))
			return 1;
	return 0;
}

/* Per customer: rule r on for col, as setup() worked it out. */
static int on(const struct cleanser *c, int col, enum rule r)
{
	return (c->rules[col] >> r) & 1u;
}

static enum crm_status violation(struct cleanser *c, const struct row *r, const char *field,
				 const char *value, const char *problem, struct crm_error *err)
{
	struct crm_cleanse_item it = { .customer = r->id, .field = field, .before = value,
				       .problem = problem };

	c->st->violations++;
	if (c->sink && c->sink->item)
		return c->sink->item(c->sink->ctx, &it, err);
	return CRM_OK;
}

/* Gives col the value v (NULL or "" for none); write_row() logs and stores it. */
static enum crm_status change(struct cleanser *c, struct row *r, int col, const char *v,
			      enum rule rule, struct crm_error *err)
{
	char *copy = NULL;

	if (v && !*v)
		v = NULL;
	if ((!v && !r->val[col]) || (v && r->val[col] && !strcmp(v, r->val[col])))
		return CRM_OK;
	if (c->o->check)
		return CRM_OK;
	if (v && !(copy = strdup(v)))
		return crm_error_nomem(err);
	free(r->val[col]);
	r->val[col] = copy;
	r->rule[col] = (int)rule;
	return CRM_OK;
}

/* Runs col's normalizer; a violation is reported and the value kept. */
static enum crm_status normalize(struct cleanser *c, struct row *r, int col,
				 normalizer fn, enum rule rule, int *ok, struct crm_error *err)
{
	struct crm_error e;
	enum crm_status s;

	*ok = 0;
	if (!r->val[col])
		return CRM_OK;
	s = fn(r->val[col], &c->norm, &e);
	if (s == CRM_EOF)   /* blank: no value, if the rule may change it */
		return on(c, col, rule) ? change(c, r, col, NULL, rule, err) : CRM_OK;
	if (s == CRM_ERR_INVALID)
		return violation(c, r, c->col[col].name, r->val[col], e.message, err);
	if (s)
		return crm_error_set(err, s, "%s", e.message);
	*ok = 1;
	return CRM_OK;
}

/*
 * An address's prefecture and city go to their own fields when those are
 * empty; when they say otherwise, the address is left whole and reported.
 */
static enum crm_status address(struct cleanser *c, struct row *r, struct crm_error *err)
{
	const char *parts[2];
	int cols[2] = { AT(c, F_PREFECTURE), AT(c, F_CITY) }, address = AT(c, F_ADDRESS);
	enum crm_status s;
	int ok, i;

	s = normalize(c, r, address, crm_normalize_address, R_ADDRESS, &ok, err);
	if (s || !ok)
		return s;
	parts[0] = c->norm.prefecture;
	parts[1] = c->norm.city;
	for (i = 0; i < 2; i++)
		if (parts[i] && r->val[cols[i]] && strcmp(parts[i], r->val[cols[i]])) {
			char why[512];

			snprintf(why, sizeof(why), "the address says %s, the %s field %s", parts[i],
				 c->col[cols[i]].name, r->val[cols[i]]);
			return violation(c, r, "address", r->val[address], why, err);
		}
	/* A part whose own field is left out (--field) stays in the address. */
	for (i = 0; i < 2; i++)
		if (parts[i] && !r->val[cols[i]] && !c->on[cols[i]])
			return CRM_OK;
	/* change() copies what it keeps: the parts may stay in c->norm. */
	for (i = 0; !s && i < 2; i++)
		if (parts[i] && !r->val[cols[i]])
			s = change(c, r, cols[i], parts[i], R_ADDRESS, err);
	return s ? s : change(c, r, address, c->norm.value, R_ADDRESS, err);
}

static enum crm_status email(struct cleanser *c, struct row *r, struct crm_error *err)
{
	int col = AT(c, F_EMAIL), fix = on(c, col, R_EMAIL);
	enum crm_status s;
	int ok;

	if (!fix && !on(c, col, R_EMAIL_TYPO))
		return CRM_OK;
	/* Under the email rule: the typo rule alone reports, never changes. */
	s = normalize(c, r, col, crm_normalize_email, R_EMAIL, &ok, err);
	if (s || !ok)
		return s;
	if (c->norm.suggestion && on(c, col, R_EMAIL_TYPO)) {
		char why[512];

		snprintf(why, sizeof(why), "a misspelt domain? perhaps %s", c->norm.suggestion);
		s = violation(c, r, "email", r->val[col], why, err);
	}
	if (!s && fix)
		s = change(c, r, col, c->norm.value, R_EMAIL, err);
	return s;
}

/* Only ASCII: a name in Latin letters. */
static int latin(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* "山田 太郎" from the parts when both are known; the parts from a known split. */
static enum crm_status name_parts(struct cleanser *c, struct row *r, struct crm_error *err)
{
	int name = AT(c, F_NAME), family = AT(c, F_FAMILY), given = AT(c, F_GIVEN);
	struct crm_error e;
	enum crm_status s;

	if (r->val[family] && r->val[given]) {
		s = crm_normalize_name_parts(r->val[family], r->val[given], &c->norm, &e);
		if (s == CRM_OK && c->norm.family && c->norm.given && latin(c->norm.family) &&
		    latin(c->norm.given)) {
			/* A name in Latin letters is written given name first. */
			struct crm_strbuf sb = CRM_STRBUF_INIT;

			if (crm_strbuf_addf(&sb, "%s %s", c->norm.given, c->norm.family))
				s = crm_error_nomem(err);
			else
				s = change(c, r, name, sb.buf, R_NAME, err);
			crm_strbuf_release(&sb);
			return s;
		}
		if (s == CRM_OK)
			return change(c, r, name, c->norm.value, R_NAME, err);
		return s == CRM_ERR_INVALID || s == CRM_EOF ? CRM_OK
			: crm_error_set(err, s, "%s", e.message);
	}
	if (!r->val[name] || r->val[family] || r->val[given])
		return CRM_OK;
	s = crm_normalize_name(r->val[name], &c->norm, &e);
	if (s != CRM_OK || !c->norm.family || !c->norm.given)
		return s == CRM_ERR_NOMEM ? crm_error_nomem(err) : CRM_OK;
	s = change(c, r, family, c->norm.family, R_NAME, err);
	return s ? s : change(c, r, given, c->norm.given, R_NAME, err);
}

/* Values import stores canonical: still so? */
static enum crm_status recheck(struct cleanser *c, struct row *r, struct crm_error *err)
{
	const struct crm_field *g = c->gender;
	const char *birthdate = r->val[AT(c, F_BIRTHDATE)], *gender = r->val[AT(c, F_GENDER)];
	char date[CRM_DATE_SIZE];
	struct crm_error e;
	enum crm_status s = CRM_OK;
	size_t i;
	int known = 0;

	if (birthdate && c->on[AT(c, F_BIRTHDATE)] &&
	    (crm_parse_date(birthdate, date, &e) || strcmp(date, birthdate))) {
		s = violation(c, r, "birthdate", birthdate,
			      "not a date in the form YYYY-MM-DD that exists", err);
	}
	if (!s && gender && g && g->choices && c->on[AT(c, F_GENDER)]) {
		for (i = 0; g->choices[i]; i++)
			known |= !strcmp(g->choices[i], gender);
		if (!known) {
			s = violation(c, r, "gender", gender, "not one of the genders crm "
				      "stores (see crm-import(1))", err);
		}
	}
	if (!s && !r->val[AT(c, F_NAME)] && !r->val[AT(c, F_FAMILY)] && c->on[AT(c, F_NAME)])
		s = violation(c, r, "name", NULL, "a customer needs a name (or a family name)",
			      err);
	return s;
}

/* Value v ("" as none) of field name against its definition d. */
static enum crm_status check_def(struct cleanser *c, const struct row *r, const char *name,
				 const struct crm_fielddef *d, const char *v,
				 struct crm_error *err)
{
	if (v && !*v)
		v = NULL;
	if (d->required == 1 && !v)
		return violation(c, r, name, NULL, "required, but empty", err);
	if (v && !crm_fielddef_allows(d, v))
		return violation(c, r, name, v,
				 "not one of the choices the field definitions allow", err);
	return CRM_OK;
}

/* The field definitions: required fields and choices. */
static enum crm_status check_defs(struct cleanser *c, struct row *r, struct crm_stmt *sel,
				  struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	size_t i;
	int col;

	for (col = 0; !s && col < c->ncols; col++)
		if (c->def[col] && c->on[col])
			s = check_def(c, r, c->col[col].name, c->def[col], r->val[col], err);
	for (i = 0; !s && i < c->nown; i++)
		s = check_def(c, r, c->own[i]->name, c->own[i],
			      crm_stmt_text(sel, 2 + c->ncols + (int)i), err);
	return s;
}

static enum crm_status cleanse_row(struct cleanser *c, struct row *r, struct crm_stmt *sel,
				   struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	int col, ok;

	for (col = 0; !s && col < c->ncols; col++) {
		const struct column *k = &c->col[col];

		if (k->how == H_CHECK || !c->on[col] || (k->japan_only && !r->japan))
			continue;
		if (k->how == H_EMAIL) {
			s = email(c, r, err);
			continue;
		}
		if (!on(c, col, k->rule))
			continue;
		if (k->how == H_ADDRESS)
			s = address(c, r, err);
		else if (!(s = normalize(c, r, col, k->fn, k->rule, &ok, err)) && ok)
			s = change(c, r, col, c->norm.value, k->rule, err);
	}
	if (!s && c->on[AT(c, F_NAME)] && on(c, AT(c, F_NAME), R_NAME))
		s = name_parts(c, r, err);
	if (!s)
		s = recheck(c, r, err);
	if (!s)
		s = check_defs(c, r, sel, err);
	return s;
}

/* "UPDATE customers SET a = ?1, b = ?2, updated_at = ?3 WHERE id = ?4" for mask. */
static enum crm_status update_stmt(struct cleanser *c, unsigned long mask, struct crm_stmt **st,
				   int *owned, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s;
	size_t i;
	int col, n = 0, oom;

	*owned = 0;
	for (i = 0; i < c->nset; i++)
		if (c->set[i].mask == mask) {
			*st = c->set[i].st;
			return CRM_OK;
		}
	oom = crm_strbuf_addstr(&sql, UPDATE_HEAD);
	/* The names come from the field catalogue, never from input. */
	for (col = 0; col < c->ncols; col++)
		if (mask & (1ul << col))
			oom |= crm_strbuf_addf(&sql, "\"%s\" = ?%d, ", c->col[col].name, ++n);
	oom |= crm_strbuf_addf(&sql, UPDATE_TAIL, n + 1, n + 2);
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(c->db, sql.buf, st, err);
	crm_strbuf_release(&sql);
	if (s)
		return s;
	if (c->nset < sizeof(c->set) / sizeof(c->set[0])) {
		c->set[c->nset].mask = mask;
		c->set[c->nset++].st = *st;
	} else {
		*owned = 1;
	}
	return CRM_OK;
}

/*
 * Logs the row's changed values and its updated_at, in column order (the
 * order the changes are reported in), then writes them in one UPDATE.
 */
static enum crm_status write_row(struct cleanser *c, struct row *r, struct crm_error *err)
{
	const char *now = crm_audit_started_at(c->run);
	struct crm_value vals[MAX_COLS];
	enum crm_status s = CRM_OK;
	unsigned long mask = 0;
	struct crm_stmt *st = NULL;
	int col, n = 0, owned = 0;

	for (col = 0; !s && col < c->ncols; col++) {
		struct crm_value o = crm_value_text(r->orig[col]), v = crm_value_text(r->val[col]);
		struct crm_cleanse_item it = { .customer = r->id, .field = c->col[col].name,
					       .before = r->orig[col], .after = r->val[col],
					       .rule = crm_rule_names[r->rule[col]] };

		if (crm_value_equal(&o, &v))
			continue;
		c->st->changes++;
		c->st->per_rule[r->rule[col]]++;
		mask |= 1ul << col;
		vals[n++] = v;
		if (c->sink && c->sink->item)
			s = c->sink->item(c->sink->ctx, &it, err);
		if (!s)
			s = crm_audit_update(c->run, "customers", r->id, c->col[col].name, &o, &v, err);
	}
	if (!s && (!r->updated_at || strcmp(r->updated_at, now))) {
		struct crm_value o = crm_value_text(r->updated_at), v = crm_value_text(now);

		s = crm_audit_update(c->run, "customers", r->id, "updated_at", &o, &v, err);
	}
	if (!s)
		s = update_stmt(c, mask, &st, &owned, err);
	if (s)
		return s;
	/* The values stay in r until the statement has run. */
	for (col = 0; col < n; col++)
		crm_stmt_bind_text_ref(st, col + 1, vals[col].s, vals[col].len);
	crm_stmt_bind_str_ref(st, n + 1, now);
	crm_stmt_bind_int(st, n + 2, r->id);
	s = crm_stmt_run(st, "cannot write the customer", err);
	if (owned)
		crm_stmt_free(st);
	return s;
}

static int row_changed(const struct cleanser *c, const struct row *r)
{
	int col;

	for (col = 0; col < c->ncols; col++) {
		struct crm_value o = crm_value_text(r->orig[col]), n = crm_value_text(r->val[col]);

		if (!crm_value_equal(&o, &n))
			return 1;
	}
	return 0;
}

static void row_release(const struct cleanser *c, struct row *r)
{
	int col;

	for (col = 0; col < c->ncols; col++) {
		free(r->val[col]);
		free(r->orig[col]);
		r->val[col] = r->orig[col] = NULL;
	}
	free(r->updated_at);
	r->updated_at = NULL;
}

static enum crm_status row_read(const struct cleanser *c, struct row *r, struct crm_stmt *sel,
			       struct crm_error *err)
{
	const char *updated_at, *country;
	int col;

	r->id = crm_stmt_int(sel, 0);
	for (col = 0; col < c->ncols; col++) {
		const char *v = crm_stmt_text(sel, 1 + col);

		if (!v)
			continue;
		r->val[col] = strdup(v);
		r->orig[col] = strdup(v);
		if (!r->val[col] || !r->orig[col])
			return crm_error_nomem(err);
	}
	updated_at = crm_stmt_text(sel, 1 + c->ncols);
	if (updated_at && !(r->updated_at = strdup(updated_at)))
		return crm_error_nomem(err);
	country = r->val[AT(c, F_COUNTRY)];
	r->japan = !country || crm_country_is_japan(country);
	return CRM_OK;
}

/* SELECT id, the columns, and each own field from extra. */
static enum crm_status prepare_select(struct cleanser *c, struct crm_stmt **sel,
				      struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s;
	size_t i;
	int col, oom = crm_strbuf_addstr(&sql, SELECT_HEAD);

	for (col = 0; col < c->ncols; col++)
		oom |= crm_strbuf_addf(&sql, ", \"%s\"", c->col[col].name);
	oom |= crm_strbuf_addstr(&sql, ", updated_at");
	for (i = 0; i < c->nown; i++)
		oom |= crm_strbuf_addf(&sql, SELECT_OWN, i + 3);
	oom |= crm_strbuf_addstr(&sql, SELECT_TAIL);
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(c->db, sql.buf, sel, err);
	crm_strbuf_release(&sql);
	if (s)
		return s;
	if (c->o->since)
		crm_stmt_bind_int(*sel, 1, c->o->since);
	crm_stmt_bind_int(*sel, 2, c->from);
	for (i = 0; i < c->nown; i++) {
		struct crm_strbuf path = CRM_STRBUF_INIT;

		if (crm_strbuf_addstr(&path, "$.") ||
		    crm_strbuf_add_json_string(&path, c->own[i]->name, strlen(c->own[i]->name)))
			s = crm_error_nomem(err);
		else
			crm_stmt_bind_text(*sel, (int)i + 3, path.buf, path.len);
		crm_strbuf_release(&path);
	}
	return s;
}

/*
 * What cleanse does with field f, by its type, into *k; 0 for
 * a field it leaves alone: pseudo-fields, flags, and types that customers
 * do not have.
 */
static int column_for(const struct crm_field *f, struct column *k)
{
	const struct crm_fieldtype *t = f->fieldtype;
	int rule;

	if ((f->flags & CRM_F_VIRTUAL) || !t)
		return 0;
	k->name = f->name;
	k->japan_only = (t->flags & CRM_FT_JAPAN) != 0;
	if (!t->normalize) {
		/* Stored canonical by import: recheck() checks them. */
		k->rule = R_TEXT;
		k->fn = NULL;
		k->how = H_CHECK;
		return t->stored == CRM_T_DATE || t->stored == CRM_T_ENUM;
	}
	/* A type's normalizer runs under the rule of its name (test-ftype holds them together). */
	rule = crm_rule_index(t->name);
	if (rule < 0)
		return 0;
	k->rule = (enum rule)rule;
	k->fn = t->normalize;
	k->how = t == &crm_fieldtype_email ? H_EMAIL
		: t == &crm_fieldtype_address ? H_ADDRESS : H_PLAIN;
	return 1;
}

static enum crm_status add_column(struct cleanser *c, const struct crm_field *f,
				  struct crm_error *err)
{
	if (c->ncols == MAX_COLS)
		return crm_error_set(err, CRM_ERR_INTERNAL, "cleanse takes at most %d customer "
				     "fields", MAX_COLS);
	c->ncols += column_for(f, &c->col[c->ncols]);
	return CRM_OK;
}

/*
 * The columns from the field catalogue, in its order but for the parts of
 * the name, which follow the name: name_parts() works on the three
 * together, and a customer's changes have always been reported so. Then
 * the columns of enum field among them.
 */
static enum crm_status columns(struct cleanser *c, struct crm_error *err)
{
	const struct crm_field *fields, *part;
	enum crm_status s = CRM_OK;
	size_t n, i;
	int f;

	fields = crm_fields(CRM_KIND_CUSTOMERS, &n);
	for (i = 0; !s && i < n; i++) {
		const char *name = fields[i].name;

		if (!strcmp(name, field_names[F_FAMILY]) || !strcmp(name, field_names[F_GIVEN]))
			continue;
		s = add_column(c, &fields[i], err);
		for (f = F_FAMILY; !s && f <= F_GIVEN && !strcmp(name, field_names[F_NAME]); f++)
			if ((part = crm_field_find(CRM_KIND_CUSTOMERS, field_names[f])))
				s = add_column(c, part, err);
	}
	if (s)
		return s;
	for (f = 0; f < F_COUNT; f++) {
		for (c->at[f] = 0; c->at[f] < c->ncols; c->at[f]++)
			if (!strcmp(c->col[c->at[f]].name, field_names[f]))
				break;
		if (c->at[f] == c->ncols)
			return crm_error_set(err, CRM_ERR_INTERNAL, "the field catalogue has no "
					     "customer field %s", field_names[f]);
	}
	c->gender = crm_field_find(CRM_KIND_CUSTOMERS, field_names[F_GENDER]);
	return CRM_OK;
}

static enum crm_status setup(struct cleanser *c, struct crm_error *err)
{
	const struct crm_fielddefs *d = c->o->defs;
	enum crm_status s = columns(c, err);
	size_t i;
	int col, r;

	if (s)
		return s;
	for (col = 0; col < c->ncols; col++) {
		c->def[col] = crm_fielddefs_find(d, CRM_KIND_CUSTOMERS, c->col[col].name);
		c->on[col] = field_on(c, c->col[col].name);
		for (r = 0; r < CRM_NRULES; r++)
			c->rules[col] |= (unsigned)rule_on(c, col, (enum rule)r) << r;
	}
	if (d && d->n && !(c->own = calloc(d->n, sizeof(*c->own))))
		return crm_error_nomem(err);
	for (i = 0; d && i < d->n; i++)
		if (d->defs[i].kind == CRM_KIND_CUSTOMERS && !d->defs[i].field &&
		    field_on(c, d->defs[i].name))
			c->own[c->nown++] = &d->defs[i];
	if (!c->o->check && !c->run)
		return crm_error_set(err, CRM_ERR_INTERNAL, "cleanse needs a run to log to");
	/* Else a run that is not there would quietly select no one. */
	return c->o->since ? crm_log_run_exists(c->db, c->o->since, err) : CRM_OK;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

enum crm_status crm_cleanse(struct crm_db *db, struct crm_audit *run,
			    const struct crm_cleanse_options *opts,
			    const struct crm_cleanse_sink *sink,
			    struct crm_cleanse_stats *stats, struct crm_error *err)
{
	int64_t from = 0;
	int done;

	memset(stats, 0, sizeof(*stats));
	return crm_cleanse_part(db, run, opts, sink, stats, &from, 0, &done, err);
}

enum crm_status crm_cleanse_part(struct crm_db *db, struct crm_audit *run,
				 const struct crm_cleanse_options *opts,
				 const struct crm_cleanse_sink *sink,
				 struct crm_cleanse_stats *stats, int64_t *from, long budget_ms,
				 int *done, struct crm_error *err)
{
	struct cleanser c = { .db = db, .run = run, .o = opts, .sink = sink, .st = stats,
			      .from = *from };
	struct row r = { 0 };
	struct crm_stmt *sel = NULL;
	int64_t total = 0;   /* the largest id, for the progress bar */
	enum crm_status s;
	enum crm_step step = CRM_STEP_DONE;
	struct timespec start;

	*done = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	crm_norm_init(&c.norm);
	s = setup(&c, err);
	if (!s && run)
		s = crm_audit_batch(run, err);
	if (!s)
		s = crm_db_query_int64(db, cleanse_sql[ST_MAX_ID], NULL, &total, err);
	if (!s)
		s = prepare_select(&c, &sel, err);
	while (!s && (step = crm_stmt_step(sel)) == CRM_STEP_ROW) {
		*from = crm_stmt_int(sel, 0);
		s = row_read(&c, &r, sel, err);
		if (!s)
			s = cleanse_row(&c, &r, sel, err);
		if (!s && row_changed(&c, &r)) {
			stats->rows_changed++;
			s = write_row(&c, &r, err);
		}
		row_release(&c, &r);
		stats->scanned++;
		if (sink && sink->progress && stats->scanned % 1024 == 0)
			sink->progress(sink->ctx, (unsigned long)crm_stmt_int(sel, 0),
				       (unsigned long)total, stats->scanned);
		/* The part's time is up: the rest in the next one. */
		if (budget_ms > 0 && stats->scanned % 256 == 0 && elapsed_ms(&start) >= budget_ms)
			break;
	}
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(sel, err, "cannot read the customers");
	if (!s && step == CRM_STEP_DONE)
		*done = 1;
	row_release(&c, &r);
	crm_stmt_free(sel);
	while (c.nset--)
		crm_stmt_free(c.set[c.nset].st);
	crm_norm_release(&c.norm);
	free(c.own);
	return s;
}
