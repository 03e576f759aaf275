/*
 * A customer's values in one notation on the way in (#13): the rules of
 * crm cleanse (rowclean.h), with the same field definitions, applied to
 * a new customer before it is inserted and to a customer seen before as
 * the file leaves it, so that a cleanse right after the import changes
 * nothing. The raw row keeps what the source sent: the comparison that
 * finds a re-import unchanged stays against it (import-update.c), so
 * nothing churns.
 */
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "import-private.h"
#include "rowclean.h"
#include "types.h"
#include "banned.h"

struct import_clean {
	struct crm_rowclean rc;
	struct crm_cleanse_options o;
	struct crm_cleanse_stats st;     /* rowclean's: only its violations are read */
	struct crm_cleanse_sink sink;
	struct importer *im;
	int col_of[CRM_IMPORT_MAX_FIELDS];   /* per field of the kind: its rule column, or -1 */
	size_t field[CRM_ROWCLEAN_MAX_COLS]; /* per rule column: its field */
	int *own_col;                    /* per own field of the rules: the file's column, or -1 */
	const char **own;                /* and the record's value of it */
	int own_all;                     /* the file sends every own field */
	struct crm_rowclean_row row;     /* the customer the rules were last applied to */
	/*
	 * Its values before the rules, not copied: a new customer's in the
	 * record's arena (by offset, SIZE_MAX for none: the arena grows as
	 * the rules' values are added to it); an updated one's where they
	 * are, in the arena or in the row im->get read, both kept until the
	 * changes are reported.
	 */
	int in_arena;
	size_t before_off[CRM_ROWCLEAN_MAX_COLS];
	const char *before[CRM_ROWCLEAN_MAX_COLS];
	unsigned long changed;           /* the columns the rules changed (bits) */
	/*
	 * Its violations, counted once it is stored (a record rejected after
	 * the rules ran, its key repeated, has none): by field, and in all.
	 */
	unsigned long pending_by[CRM_IMPORT_MAX_FIELDS];
	unsigned long pending;
};

/*
 * Notes a violation by field; the value is stored as it is, for crm
 * cleanse --check to list, and counted when the customer is (report()).
 */
static enum crm_status on_violation(void *ctx, const struct crm_cleanse_item *it,
				    struct crm_error *err)
{
	struct import_clean *c = ctx;
	int col;

	(void)err;
	c->pending++;
	for (col = 0; col < c->rc.ncols; col++)
		if (!strcmp(c->rc.col[col].name, it->field)) {
			c->pending_by[c->field[col]]++;
			break;
		}
	return CRM_OK;
}

static void row_release(struct import_clean *c)
{
	struct crm_rowclean_row *r = &c->row;
	int col;

	for (col = 0; col < c->rc.ncols; col++) {
		if (!(r->lent & (1ul << col)))
			free(r->val[col]);
		r->val[col] = NULL;
		c->before[col] = NULL;
		c->before_off[col] = SIZE_MAX;
	}
	r->lent = 0;
	for (col = 0; c->own && (size_t)col < c->rc.nown; col++) {
		free((char *)c->own[col]);
		c->own[col] = NULL;
	}
}

/* The file's column of each own field the rules check, and whether it sends them all. */
static enum crm_status find_own(struct import_clean *c, struct crm_error *err)
{
	const struct importer *im = c->im;
	size_t i, k;

	c->own_all = 1;
	if (!c->rc.nown)
		return CRM_OK;
	c->own_col = malloc(c->rc.nown * sizeof(*c->own_col));
	c->own = calloc(c->rc.nown, sizeof(*c->own));
	if (!c->own_col || !c->own)
		return crm_error_nomem(err);
	for (i = 0; i < c->rc.nown; i++) {
		c->own_col[i] = -1;
		for (k = 0; k < im->ncols; k++)
			if (im->cols[k].own && !strcmp(im->cols[k].own, c->rc.own[i]->name))
				c->own_col[i] = (int)k;
		c->own_all &= c->own_col[i] >= 0;
	}
	return CRM_OK;
}

/*
 * Which field each rule column is, and its column in im->get (the id,
 * then every real field in order); every field the rules cover is one
 * the INSERT gives a value, since the rules may give it one.
 */
static enum crm_status find_fields(struct import_clean *c, struct crm_error *err)
{
	struct importer *im = c->im;
	size_t f;
	int col;

	if (im->nfields > CRM_IMPORT_MAX_FIELDS)
		return crm_error_set(err, CRM_ERR_INTERNAL, "import counts at most %d customer "
				     "fields", CRM_IMPORT_MAX_FIELDS);
	for (f = 0; f < im->nfields; f++) {
		c->col_of[f] = -1;
		if (!import_is_real(&im->fields[f]))
			continue;
		for (col = 0; col < c->rc.ncols; col++)
			if (!strcmp(c->rc.col[col].name, im->fields[f].name)) {
				c->col_of[f] = col;
				c->field[col] = f;
				im->sourced[f] = 1;
			}
	}
	for (col = 0; col < c->rc.ncols; col++)
		if (c->col_of[c->field[col]] != col || !import_is_real(&im->fields[c->field[col]]))
			return crm_error_set(err, CRM_ERR_INTERNAL, "the rules of crm cleanse name "
					     "a customer field import does not store: %s",
					     c->rc.col[col].name);
	return CRM_OK;
}

enum crm_status import_clean_begin(struct importer *im, struct crm_error *err)
{
	struct import_clean *c;
	enum crm_status s;

	if (im->kind != CRM_KIND_CUSTOMERS || im->o->no_cleanse)
		return CRM_OK;
	c = calloc(1, sizeof(*c));
	if (!c)
		return crm_error_nomem(err);
	im->clean = c;
	c->im = im;
	c->o.defs = im->o->defs;
	c->sink.ctx = c;
	c->sink.item = on_violation;
	s = crm_rowclean_init(&c->rc, &c->o, &c->sink, &c->st, err);
	if (!s)
		s = find_fields(c, err);
	if (!s)
		im->clean_col = c->col_of;
	return s ? s : find_own(c, err);
}

void import_clean_end(struct importer *im)
{
	struct import_clean *c = im->clean;

	if (!c)
		return;
	row_release(c);
	crm_rowclean_release(&c->rc);
	free(c->own_col);
	free(c->own);
	free(c);
	im->clean = NULL;
	im->clean_col = NULL;
}

/*
 * Sets column col of the row to v (NULL: none), as it is before the
 * rules: lent to the rules, not copied, and kept where it is (see
 * before[]): a rule that changes it gives the row a copy of its own.
 * orig[] is cleanse's, for its log: import does not fill it.
 */
static void row_set(struct import_clean *c, int col, const char *v)
{
	struct crm_rowclean_row *r = &c->row;

	if (!v)
		return;
	if (c->in_arena)
		c->before_off[col] = (size_t)(v - c->im->arena.buf);
	else
		c->before[col] = v;
	r->val[col] = (char *)v;   /* never written through: change() replaces it */
	r->lent |= 1ul << col;
}

/* Column col's value before the rules. */
static const char *before_of(const struct import_clean *c, int col)
{
	if (!c->in_arena)
		return c->before[col];
	return c->before_off[col] == SIZE_MAX ? NULL : c->im->arena.buf + c->before_off[col];
}

/* The record's values of the own fields, trimmed; NULL in the row when the file lacks one. */
static int row_own(struct import_clean *c)
{
	const struct importer *im = c->im;
	size_t i;

	c->row.own = c->own_all ? c->own : NULL;
	for (i = 0; c->own_all && i < c->rc.nown; i++) {
		const char *v = im->rec->fields[c->own_col[i]];
		size_t len = im->rec->lens[c->own_col[i]];

		import_trim(&v, &len);
		if (len && !(c->own[i] = strndup(v, len)))
			return -1;
	}
	return 0;
}

/* The rules on the row, as crm cleanse would apply them to the stored customer. */
static enum crm_status apply(struct import_clean *c, int64_t id, struct crm_error *err)
{
	struct crm_rowclean_row *r = &c->row;
	const char *country = r->val[AT(&c->rc, F_COUNTRY)];

	r->id = id;
	r->japan = crm_record_country(country, r->val[AT(&c->rc, F_PREFECTURE)]) == CRM_COUNTRY_JP;
	r->pre = c->im->pre;
	memset(c->pending_by, 0, sizeof(c->pending_by));
	c->pending = 0;
	if (row_own(c))
		return crm_error_nomem(err);
	return crm_rowclean_apply(&c->rc, r, err);
}

/* Whether the rules changed column col. */
static int col_changed(const struct import_clean *c, int col)
{
	const char *a = before_of(c, col), *b = c->row.val[col];

	return a != b && (!a || !b || strcmp(a, b));
}

/*
 * The columns the rules changed, noted once they ran: a value lent from
 * the arena may move when the arena grows, and is not read after that.
 */
static void note_changed(struct import_clean *c)
{
	int col;

	c->changed = 0;
	for (col = 0; col < c->rc.ncols; col++)
		if (col_changed(c, col))
			c->changed |= 1ul << col;
}

enum crm_status import_clean_new(struct importer *im, struct crm_error *err)
{
	struct import_clean *c = im->clean;
	enum crm_status s;
	int col;

	if (!c)
		return CRM_OK;
	row_release(c);
	c->in_arena = 1;
	for (col = 0; col < c->rc.ncols; col++) {
		const struct fval *v = &im->vals[c->field[col]];

		/* The rules cover text fields only (types.h's date and gender are text too). */
		if (v->set && v->type == CRM_VALUE_TEXT)
			row_set(c, col, import_vtext(im, v));
	}
	s = apply(c, 0, err);
	if (!s)
		note_changed(c);
	for (col = 0; !s && col < c->rc.ncols; col++) {
		struct fval *v = &im->vals[c->field[col]];
		const char *after = c->row.val[col];   /* changed: the row's own copy */

		if (!(c->changed & (1ul << col)))
			continue;
		memset(v, 0, sizeof(*v));
		if (!after)
			continue;
		/* The arena keeps the record's values until the next record. */
		v->set = 1;
		v->type = CRM_VALUE_TEXT;
		v->off = im->arena.len;
		v->len = strlen(after);
		if (crm_strbuf_add(&im->arena, after, v->len + 1))
			s = crm_error_nomem(err);
	}
	return s;
}

/* Counts the row's changes by the rules, and tells the sink of each. */
static enum crm_status report(struct import_clean *c, int64_t id, struct crm_error *err)
{
	struct importer *im = c->im;
	enum crm_status s = CRM_OK;
	size_t f;
	int col;

	im->stats->violations += c->pending;
	for (f = 0; c->pending && f < CRM_IMPORT_MAX_FIELDS; f++)
		im->stats->violations_by[f] += c->pending_by[f];

	for (col = 0; !s && col < c->rc.ncols; col++) {
		struct crm_import_change ch;

		if (!(c->changed & (1ul << col)))
			continue;
		ch = (struct crm_import_change){
			.line = im->rec->line, .customer = id, .field = c->rc.col[col].name,
			.before = before_of(c, col), .after = c->row.val[col],
			.rule = crm_rule_names[c->row.rule[col]],
		};
		im->stats->normalized++;
		im->stats->normalized_by[c->field[col]]++;
		if (im->sink && im->sink->change)
			s = im->sink->change(im->sink->ctx, &ch, err);
	}
	return s;
}

enum crm_status import_clean_inserted(struct importer *im, int64_t id, struct crm_error *err)
{
	return im->clean ? report(im->clean, id, err) : CRM_OK;
}

enum crm_status import_clean_update(struct importer *im, int64_t id,
				    const unsigned char *changed, struct crm_error *err)
{
	struct import_clean *c = im->clean;
	enum crm_status s;
	int col;

	row_release(c);
	c->in_arena = 0;
	for (col = 0; col < c->rc.ncols; col++) {
		size_t f = c->field[col];
		const struct fval *v = &im->vals[f];

		/* What the file sends now, over what the customer has. */
		/*
		 * Stale (import-update.c): the rules see none, and take it from the
		 * new name or address again; what is stored counts as before, so
		 * that the same value found again is no change.
		 */
		if (import_stale(im, f)) {
			c->before[col] = crm_stmt_text(im->get, im->get_col[f]);
			continue;
		}
		if (import_field_changed(im, f, changed)) {
			if (v->set && v->type == CRM_VALUE_TEXT)
				row_set(c, col, import_vtext(im, v));
		} else {
			row_set(c, col, crm_stmt_text(im->get, im->get_col[f]));
		}
	}
	s = apply(c, id, err);
	if (!s)
		note_changed(c);
	return s ? s : report(c, id, err);
}

int import_clean_fn(const struct importer *im, size_t f, int *col, import_norm_fn *fn)
{
	const struct import_clean *c = im->clean;

	*col = c && f < CRM_IMPORT_MAX_FIELDS ? c->col_of[f] : -1;
	*fn = *col >= 0 ? c->rc.col[*col].fn : NULL;
	return *col >= 0 ? 0 : -1;
}

const char *import_clean_value(const struct importer *im, size_t f, int *covered)
{
	const struct import_clean *c = im->clean;
	int col = c && f < CRM_IMPORT_MAX_FIELDS ? c->col_of[f] : -1;

	*covered = col >= 0;
	return col >= 0 ? c->row.val[col] : NULL;
}
