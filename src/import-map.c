/*
 * Column mapping: which field of the kind each column of the file fills
 * (the field definitions' aliases, then the catalogue's; --map and --key
 * over both), which columns hold the record's key and its customer's, and
 * the mapping as reported once per file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fielddefs.h"
#include "import-private.h"
#include "banned.h"

static const struct crm_import_map *user_map(const struct crm_import_options *o,
					     const char *header)
{
	size_t i;

	for (i = 0; i < o->nmaps; i++)
		if (!strcmp(o->maps[i].column, header))
			return &o->maps[i];
	return NULL;
}

/* A header repeated in the file is kept apart in the raw row as "name (2)". */
static char *unique_header(const struct column *cols, size_t n, const char *h)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	int k = 1;
	size_t i;

	for (;;) {
		int clash = 0;

		crm_strbuf_reset(&sb);
		if ((k == 1 ? crm_strbuf_addstr(&sb, h) : crm_strbuf_addf(&sb, "%s (%d)", h, k))) {
			crm_strbuf_release(&sb);
			return NULL;
		}
		for (i = 0; i < n && !clash; i++)
			clash = !strcmp(cols[i].header, sb.buf);
		if (!clash)
			return crm_strbuf_detach(&sb, NULL);
		k++;
	}
}

/*
 * The key in extra of a column that names a field of the company's own:
 * the field's name, unless an earlier column took it (that one wins, and
 * this one keeps its header, as any column without a field does).
 */
static const char *own_key(const struct column *cols, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cols[i].own && !strcmp(cols[i].own, name))
			return NULL;
	return name;
}

/* The field column c maps to by --map, --key or the aliases. */
static enum crm_status map_column(struct importer *im, const struct crm_csv_record *hdr,
				  size_t c, struct crm_error *err)
{
	const struct crm_import_options *o = im->o;
	struct column *col = &im->cols[c];
	const struct crm_import_map *m = user_map(o, hdr->fields[c]);

	if (m) {
		col->by_user = 1;
		if (!strcmp(m->field, "-")) {
			col->ignored = 1;
			return CRM_OK;
		}
		if (!strcmp(m->field, "extra"))
			return CRM_OK;
		col->field = crm_field_find(im->kind, m->field);
		if (!col->field)
			return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, c + 1,
					    "--map '%s=%s': %s has no field '%s'", m->column,
					    m->field, crm_kind_name(im->kind), m->field);
	} else if (o->key_column && !strcmp(o->key_column, hdr->fields[c])) {
		col->by_user = 1;
		col->field = crm_field_find(im->kind, im->kind == CRM_KIND_ORDERS
						      ? "order_key" : "source_key");
	} else {
		/* The field definitions' aliases first: the company knows its headers. */
		const struct crm_fielddef *d =
			crm_fielddefs_for_header(o->defs, im->kind, hdr->fields[c]);

		if (d && !d->field && im->kind == CRM_KIND_CUSTOMERS)
			col->own = own_key(im->cols, c, d->name);   /* to extra */
		else
			col->field = d && d->field ? d->field
						   : crm_field_for_header(im->kind, hdr->fields[c]);
	}
	return CRM_OK;
}

/* Column c's unique header, and its JSON key for the hash of a keyless row. */
static enum crm_status name_column(struct importer *im, const char *header, size_t c,
				   struct crm_error *err)
{
	struct column *col = &im->cols[c];
	struct crm_strbuf k = CRM_STRBUF_INIT;

	col->header = unique_header(im->cols, c, header);
	im->ncols = c + 1;
	if (!col->header)
		return crm_error_nomem(err);
	if (crm_strbuf_addch(&k, ',') ||
	    crm_strbuf_add_json_string(&k, col->header, strlen(col->header)) ||
	    crm_strbuf_addch(&k, ':')) {
		crm_strbuf_release(&k);
		return crm_error_nomem(err);
	}
	col->json_key = crm_strbuf_detach(&k, NULL);
	return col->json_key ? CRM_OK : crm_error_nomem(err);
}

/* One column per field, except fields that join several; a user's choice wins. */
static enum crm_status one_column_per_field(struct importer *im,
					    const struct crm_csv_record *hdr,
					    struct crm_error *err)
{
	size_t c, i;

	for (c = 0; c < im->ncols; c++) {
		const struct crm_field *f = im->cols[c].field;

		if (!f || (f->flags & CRM_F_JOIN))
			continue;
		for (i = 0; i < c; i++)
			if (im->cols[i].field == f)
				break;
		if (i == c)
			continue;
		/* A user's choice wins over an alias. */
		if (im->cols[c].by_user && !im->cols[i].by_user)
			im->cols[i].field = NULL;
		else if (!im->cols[c].by_user)
			im->cols[c].field = NULL;
		else
			return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, c + 1,
					    "columns '%s' and '%s' both map to %s",
					    im->cols[i].header, im->cols[c].header, f->name);
	}
	return CRM_OK;
}

/* Every column --map and --key name is in the file. */
static enum crm_status check_named_columns(struct importer *im,
					   const struct crm_csv_record *hdr,
					   struct crm_error *err)
{
	const struct crm_import_options *o = im->o;
	size_t c, i;

	for (i = 0; i < o->nmaps; i++) {
		for (c = 0; c < hdr->nfields; c++)
			if (!strcmp(hdr->fields[c], o->maps[i].column))
				break;
		if (c == hdr->nfields)
			return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
					    "--map '%s=%s': the file has no column '%s'",
					    o->maps[i].column, o->maps[i].field, o->maps[i].column);
	}
	if (o->key_column) {
		for (c = 0; c < im->ncols; c++)
			if (!strcmp(hdr->fields[c], o->key_column))
				break;
		if (c == im->ncols)
			return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
					    "--key '%s': the file has no such column", o->key_column);
	}
	return CRM_OK;
}

/* The key column and the customer key column, which orders and interactions need. */
static enum crm_status find_key_columns(struct importer *im, const struct crm_csv_record *hdr,
					struct crm_error *err)
{
	size_t c;

	for (c = 0; c < im->ncols; c++) {
		const struct crm_field *f = im->cols[c].field;

		if (f && (f->flags & CRM_F_KEY))
			im->key_col = (int)c;
		if (f && (f->flags & CRM_F_CUSTOMER_KEY))
			im->ckey_col = (int)c;
	}
	if (im->kind == CRM_KIND_ORDERS && im->key_col < 0)
		return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
				    "no order number column (注文番号, InvoiceNo ...): name it with "
				    "--key or --map COLUMN=order_key");
	if (im->kind != CRM_KIND_CUSTOMERS && im->ckey_col < 0)
		return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
				    "no customer key column (顧客番号, CustomerID ...): name it with "
				    "--map COLUMN=customer_key");
	return CRM_OK;
}

enum crm_status import_map_columns(struct importer *im, const struct crm_csv_record *hdr,
				   struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	size_t c;

	im->cols = calloc(hdr->nfields ? hdr->nfields : 1, sizeof(*im->cols));
	if (!im->cols)
		return crm_error_nomem(err);
	im->key_col = im->ckey_col = -1;
	for (c = 0; c < hdr->nfields && !s; c++) {
		s = name_column(im, hdr->fields[c], c, err);
		if (!s)
			s = map_column(im, hdr, c, err);
	}
	if (!s)
		s = one_column_per_field(im, hdr, err);
	if (!s)
		s = check_named_columns(im, hdr, err);
	if (!s)
		s = find_key_columns(im, hdr, err);
	return s;
}

void import_report_mapping(struct importer *im, int guessed)
{
	struct crm_import_column *cc;
	struct crm_import_mapping m;
	size_t c;

	if (!im->sink || !im->sink->mapping)
		return;
	cc = calloc(im->ncols, sizeof(*cc));
	if (!cc)
		return;
	for (c = 0; c < im->ncols; c++) {
		cc[c].header = im->cols[c].header;
		/* Customers keep unmapped columns in extra; all kinds in raw. */
		cc[c].field = im->cols[c].ignored ? "-" : im->cols[c].field ? im->cols[c].field->name
			      : im->cols[c].own ? im->cols[c].own
			      : im->kind == CRM_KIND_CUSTOMERS ? "extra" : "raw";
		cc[c].by_user = im->cols[c].by_user;
	}
	m.kind = im->kind;
	m.kind_guessed = guessed;
	m.columns = cc;
	m.ncolumns = im->ncols;
	m.hashed_key = im->key_col < 0;
	im->sink->mapping(im->sink->ctx, &m);
	free(cc);
}


/* Whether a field of the kind gets its value from a column or a derivation. */
static int has_source(const struct importer *im, size_t f)
{
	size_t c;

	for (c = 0; c < im->ncols; c++)
		if (im->cols[c].field == &im->fields[f])
			return 1;
	/* A customer's country from --country, when no column gives it. */
	if (im->kind == CRM_KIND_CUSTOMERS && im->o->country && !strcmp(im->fields[f].name, "country"))
		return 1;
	/* Derived for orders when no column gives them. */
	if (im->kind == CRM_KIND_ORDERS &&
	    (!strcmp(im->fields[f].name, "status") || !strcmp(im->fields[f].name, "amount")))
		return 1;
	return 0;
}

/* Looks up, once per file, what every row needs by index. */
enum crm_status import_index_fields(struct importer *im, struct crm_error *err)
{
	size_t f, c;

	int get = 1;

	im->sourced = calloc(im->nfields ? im->nfields : 1, 1);
	im->get_col = calloc(im->nfields ? im->nfields : 1, sizeof(*im->get_col));
	if (!im->sourced || !im->get_col)
		return crm_error_nomem(err);
	for (f = 0; f < im->nfields; f++) {
		im->sourced[f] = (unsigned char)has_source(im, f);
		/* The SELECT of a row (import-store.c): the id, then every real field. */
		if (import_is_real(&im->fields[f]))
			im->get_col[f] = get++;
	}
	im->f_name = im->f_family = im->f_given = SIZE_MAX;
	im->f_address = im->f_prefecture = im->f_city = im->f_country = SIZE_MAX;
	im->f_amount = im->f_status = im->f_price = im->f_qty = im->f_currency = SIZE_MAX;
	for (f = 0; f < im->nfields; f++) {
		const char *n = im->fields[f].name;

		if (!strcmp(n, "name")) im->f_name = f;
		else if (!strcmp(n, "family_name")) im->f_family = f;
		else if (!strcmp(n, "given_name")) im->f_given = f;
		else if (!strcmp(n, "address")) im->f_address = f;
		else if (!strcmp(n, "prefecture")) im->f_prefecture = f;
		else if (!strcmp(n, "city")) im->f_city = f;
		else if (!strcmp(n, "country")) im->f_country = f;
		else if (!strcmp(n, "amount")) im->f_amount = f;
		else if (!strcmp(n, "status")) im->f_status = f;
		else if (!strcmp(n, "unit_price")) im->f_price = f;
		else if (!strcmp(n, "quantity")) im->f_qty = f;
		else if (!strcmp(n, "currency")) im->f_currency = f;
	}
	im->file_has_parts = (im->f_family != SIZE_MAX && im->sourced[im->f_family]) ||
			     (im->f_given != SIZE_MAX && im->sourced[im->f_given]);
	im->file_has_place = (im->f_prefecture != SIZE_MAX && im->sourced[im->f_prefecture]) ||
			     (im->f_city != SIZE_MAX && im->sourced[im->f_city]);
	/* What tells whether a postal code is Japanese: a field has one column at most. */
	im->country_col = im->pref_col = -1;
	for (c = 0; c < im->ncols; c++) {
		const struct crm_field *fd = im->cols[c].field;

		if (fd && fd->fieldtype->stored == CRM_T_POSTAL)
			im->has_postal = 1;
		if (fd && !strcmp(fd->name, "country"))
			im->country_col = (int)c;
		else if (fd && !strcmp(fd->name, "prefecture"))
			im->pref_col = (int)c;
	}
	return CRM_OK;
}

/* Trims ASCII white space and U+3000 IDEOGRAPHIC SPACE from both ends. */
void import_trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	for (;;) {
		if (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
			p++;
			n--;
		} else if (n >= 3 && !memcmp(p, "\xE3\x80\x80", 3)) {
			p += 3;
			n -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
			n--;
		else if (n >= 3 && !memcmp(p + n - 3, "\xE3\x80\x80", 3))
			n -= 3;
		else
			break;
	}
	*s = p;
	*len = n;
}

/* Whether field f draws on a changed column (derived order fields: any change). */
int import_field_changed(const struct importer *im, size_t f, const unsigned char *changed)
{
	size_t c;

	for (c = 0; c < im->ncols; c++)
		if (im->cols[c].field == &im->fields[f] && changed[c])
			return 1;
	if (im->kind == CRM_KIND_ORDERS &&
	    (!strcmp(im->fields[f].name, "status") || !strcmp(im->fields[f].name, "amount")))
		return import_has_source(im, f);
	return 0;
}
