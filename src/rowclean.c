/*
 * The rules of crm cleanse for one customer's values (rowclean.h): moved
 * out of cleanse.c so that import can apply them on the way in (#13).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rowclean.h"
#include "strbuf.h"
#include "types.h"
#include "utf8.h"
#include "banned.h"

/* For crm_rowclean_init(): whether rule r applies to col. */
static int rule_on(const struct crm_rowclean *c, int col, enum rule r)
{
	int dflt = !c->o->rules || (c->o->rules & (1u << r));

	return crm_fielddef_rule(c->def[col], (int)r, dflt);
}

/* For crm_rowclean_init(): whether --field leaves the field in. */
static int field_on(const struct crm_rowclean *c, const char *name)
{
	size_t i;

	if (!c->o->fields)
		return 1;
	for (i = 0; i < c->o->nfields; i++)
		if (!strcmp(c->o->fields[i], name))
			return 1;
	return 0;
}

/* Per customer: rule r on for col, as crm_rowclean_init() worked it out. */
static int on(const struct crm_rowclean *c, int col, enum rule r)
{
	return (c->rules[col] >> r) & 1u;
}

static enum crm_status violation(struct crm_rowclean *c, const struct crm_rowclean_row *r,
				 const char *field, const char *value, const char *problem,
				 struct crm_error *err)
{
	struct crm_cleanse_item it = { .customer = r->id, .field = field, .before = value,
				       .problem = problem };

	c->st->violations++;
	if (c->sink && c->sink->item)
		return c->sink->item(c->sink->ctx, &it, err);
	return CRM_OK;
}

/*
 * Whether v is a string of a result borrowed from a struct crm_rowclean_pre
 * (run(), below): those live as long as the record, so the row may be
 * lent them instead of a copy.
 */
static int borrowed(const struct crm_rowclean *c, const char *v)
{
	const struct crm_norm *n = &c->norm;

	return c->borrowed && v && (v == n->value || v == n->prefecture || v == n->city ||
				     v == n->family || v == n->given);
}

/* Gives col the value v (NULL or "" for none); the caller logs and stores it. */
static enum crm_status change(struct crm_rowclean *c, struct crm_rowclean_row *r, int col,
			      const char *v, enum rule rule, struct crm_error *err)
{
	char *copy = NULL;
	int lend;

	if (v && !*v)
		v = NULL;
	/* A result worked out ahead knows whether it is its input (run()). */
	if (v && v == c->norm.value && c->borrowed && c->same && c->same == r->val[col])
		return CRM_OK;
	if ((!v && !r->val[col]) || (v && r->val[col] && !strcmp(v, r->val[col])))
		return CRM_OK;
	if (c->o->check)
		return CRM_OK;
	lend = borrowed(c, v);
	if (v && !lend && !(copy = strdup(v)))
		return crm_error_nomem(err);
	if (!(r->lent & (1ul << col)))
		free(r->val[col]);
	r->lent &= ~(1ul << col);
	if (lend)
		r->lent |= 1ul << col;
	r->val[col] = lend ? (char *)v : copy;
	r->rule[col] = (int)rule;
	return CRM_OK;
}

void crm_rowclean_pre_release(struct crm_rowclean_pre *p)
{
	free(p->why);
	free(p->check_why);
	if (p->packed)
		crm_norm_init(&p->norm);
	else
		crm_norm_release(&p->norm);
	p->in = p->why = p->check_why = NULL;
	p->checked = p->packed = p->same = 0;
}

/*
 * c->norm as a normalizer may write it: a result borrowed from a struct
 * crm_rowclean_pre (run()) is the pre's to free, and only let go here.
 */
static struct crm_norm *own_norm(struct crm_rowclean *c)
{
	if (c->borrowed)
		crm_norm_init(&c->norm);
	c->borrowed = 0;
	c->same = NULL;
	return &c->norm;
}

/*
 * Whether p, worked out ahead for col's normalizer, is its result for v:
 * 1 when p's value is v, 2 when (again) p's result is, which that
 * normalizer makes of itself again, parts and all (test-normalize holds
 * every normalizer to it: cleanse after import changes nothing); else 0.
 */
static int pre_for(const struct crm_rowclean_pre *p, const char *v, int again)
{
	if (!p || !p->in)
		return 0;
	if (!strcmp(p->in, v))
		return 1;
	return again && p->st == CRM_OK && p->norm.value && !strcmp(p->norm.value, v) ? 2 : 0;
}

/*
 * fn on col's value, or the result worked out ahead for that value; again:
 * or for the value it made, when fn is col's own normalizer.
 */
static enum crm_status run(struct crm_rowclean *c, struct crm_rowclean_row *r, int col,
			   crm_rowclean_fn fn, int again, struct crm_error *e)
{
	struct crm_rowclean_pre *p = r->pre ? &r->pre[col] : NULL;
	int found = pre_for(p, r->val[col], again);
	enum crm_status s;

	if (!found)
		return fn(r->val[col], own_norm(c), e);
	/*
	 * Borrowed, not copied: the pre outlives the row, and what another
	 * thread allocated is that thread's to free.
	 */
	crm_norm_release(own_norm(c));
	c->norm = p->norm;
	c->borrowed = 1;
	/* Found by its result, the value is that result. */
	c->same = p->same || found == 2 ? r->val[col] : NULL;
	s = p->st;
	if (s == CRM_ERR_INVALID)
		crm_error_set(e, s, "%s", p->why ? p->why : "not valid");
	return s;
}

/* Runs col's normalizer; a violation is reported and the value kept. */
static enum crm_status normalize(struct crm_rowclean *c, struct crm_rowclean_row *r, int col,
				 crm_rowclean_fn fn, enum rule rule, int *ok, struct crm_error *err)
{
	struct crm_error e;
	enum crm_status s;

	*ok = 0;
	if (!r->val[col])
		return CRM_OK;
	s = run(c, r, col, fn, 0, &e);
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
static enum crm_status address(struct crm_rowclean *c, struct crm_rowclean_row *r,
			       struct crm_error *err)
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

static enum crm_status email(struct crm_rowclean *c, struct crm_rowclean_row *r,
			     struct crm_error *err)
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

/* Only Latin letters, accented ones too: a name in Latin script. */
static int latin(const char *s)
{
	ptrdiff_t n = (ptrdiff_t)strlen(s);

	while (n > 0) {
		int32_t cp;
		int k = crm_utf8_decode(s, n, &cp);

		/*
		 * ASCII, the accented letters of Latin-1 and Latin Extended-A
		 * and -B (less × and ÷: Müller, François, Łukasz, Ştefan),
		 * combining accents, and Latin Extended Additional (Nguyễn).
		 */
		if (k <= 0 || !(cp < 0x80 || (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
				(cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1E00 && cp <= 0x1EFF)))
			return 0;
		s += k;
		n -= k;
	}
	return 1;
}

/* "山田 太郎" from the parts when both are known; the parts from a known split. */
static enum crm_status name_parts(struct crm_rowclean *c, struct crm_rowclean_row *r,
				  struct crm_error *err)
{
	int name = AT(c, F_NAME), family = AT(c, F_FAMILY), given = AT(c, F_GIVEN);
	struct crm_error e;
	enum crm_status s;

	if (r->val[family] && r->val[given]) {
		s = crm_normalize_name_parts(r->val[family], r->val[given], own_norm(c), &e);
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
	/* The name column's own normalizer: its result worked out ahead serves. */
	s = run(c, r, name, crm_normalize_name, c->col[name].fn == crm_normalize_name, &e);
	if (s != CRM_OK || !c->norm.family || !c->norm.given)
		return s == CRM_ERR_NOMEM ? crm_error_nomem(err) : CRM_OK;
	s = change(c, r, family, c->norm.family, R_NAME, err);
	return s ? s : change(c, r, given, c->norm.given, R_NAME, err);
}

/* Values import stores canonical: still so? */
static enum crm_status recheck(struct crm_rowclean *c, struct crm_rowclean_row *r,
			       struct crm_error *err)
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
	} else if (birthdate && c->on[AT(c, F_BIRTHDATE)] && strcmp(birthdate, c->today) > 0) {
		/* 2030-01-01: a slip of the year, or a date of something else. */
		s = violation(c, r, "birthdate", birthdate, "is after today: no one is born on it yet",
			      err);
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
static enum crm_status check_def(struct crm_rowclean *c, const struct crm_rowclean_row *r,
				 const char *name, const struct crm_fielddef *d, const char *v,
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
static enum crm_status check_defs(struct crm_rowclean *c, struct crm_rowclean_row *r,
				  struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	size_t i;
	int col;

	for (col = 0; !s && col < c->ncols; col++)
		if (c->def[col] && c->on[col])
			s = check_def(c, r, c->col[col].name, c->def[col], r->val[col], err);
	/* Own fields not known (an update that does not send them all) are not checked. */
	for (i = 0; !s && r->own && i < c->nown; i++)
		s = check_def(c, r, c->own[i]->name, c->own[i], r->own[i], err);
	return s;
}

enum crm_status crm_rowclean_apply(struct crm_rowclean *c, struct crm_rowclean_row *r,
				   struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	int col, ok;

	for (col = 0; !s && col < c->ncols; col++) {
		const struct crm_rowclean_col *k = &c->col[col];

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
		s = check_defs(c, r, err);
	return s;
}

/*
 * What cleanse does with field f, by its type, into *k; 0 for
 * a field it leaves alone: pseudo-fields, flags, and types that customers
 * do not have.
 */
static int column_for(const struct crm_field *f, struct crm_rowclean_col *k)
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

static enum crm_status add_column(struct crm_rowclean *c, const struct crm_field *f,
				  struct crm_error *err)
{
	if (c->ncols == CRM_ROWCLEAN_MAX_COLS)
		return crm_error_set(err, CRM_ERR_INTERNAL, "cleanse takes at most %d customer "
				     "fields", CRM_ROWCLEAN_MAX_COLS);
	c->ncols += column_for(f, &c->col[c->ncols]);
	return CRM_OK;
}

/*
 * The columns from the field catalogue, in its order but for the parts of
 * the name, which follow the name: name_parts() works on the three
 * together, and a customer's changes have always been reported so. Then
 * the columns of enum field among them.
 */
static enum crm_status columns(struct crm_rowclean *c, struct crm_error *err)
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

/* Today's date where the command runs (a birthdate is written in local days). */
static void today(char out[CRM_DATE_SIZE])
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || !strftime(out, CRM_DATE_SIZE, "%Y-%m-%d", &tm))
		snprintf(out, CRM_DATE_SIZE, "%s", "9999-12-31");   /* unknown: nothing is after it */
}

enum crm_status crm_rowclean_init(struct crm_rowclean *c, const struct crm_cleanse_options *o,
				  const struct crm_cleanse_sink *sink,
				  struct crm_cleanse_stats *st, struct crm_error *err)
{
	const struct crm_fielddefs *d = o->defs;
	enum crm_status s;
	size_t i;
	int col, r;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->sink = sink;
	c->st = st;
	today(c->today);
	crm_norm_init(&c->norm);
	s = columns(c, err);
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
	return CRM_OK;
}

void crm_rowclean_release(struct crm_rowclean *c)
{
	crm_norm_release(own_norm(c));
	free(c->own);
	c->own = NULL;
	c->nown = 0;
}
