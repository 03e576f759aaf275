/*
 * A record seen before: compared, column by column, with the raw row the
 * source sent last time, so that only fields whose source value changed
 * are written (each logged with its old and new value), and a value
 * cleansed since is not undone by a re-import of the same export.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "ftype-address.h"
#include "import-private.h"
#include "banned.h"

static struct crm_value to_value(const struct importer *im, const struct fval *v)
{
	struct crm_value out = crm_value_null();

	if (!v->set)
		return out;
	if (v->type == CRM_VALUE_INT)
		return crm_value_int(v->i);
	out.type = CRM_VALUE_TEXT;
	out.s = import_vtext(im, v);
	out.len = v->len;
	return out;
}

/* The mapping the source's header list old_headers had (im->old_map), read once for a run of rows. */
static enum crm_status old_mapping(struct importer *im, int64_t old_headers,
				   struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_OLD_MAPPING];
	enum crm_status s;
	int found;

	if (im->old_map_headers == old_headers)
		return CRM_OK;
	free(im->old_map);
	im->old_map = NULL;
	im->old_map_headers = 0;
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	crm_stmt_bind_str_ref(st, 2, crm_kind_name(im->kind));
	crm_stmt_bind_int(st, 3, old_headers);
	s = crm_stmt_one(st, &found, "cannot read how the source's last header was mapped", err);
	if (!s && found && crm_stmt_text(st, 0) && !(im->old_map = strdup(crm_stmt_text(st, 0))))
		s = crm_error_nomem(err);
	crm_stmt_reset(st);
	if (!s)
		im->old_map_headers = old_headers;
	return s;
}

/*
 * The field an old header fed: as its header list was mapped (entries
 * "header=field", "header=-" or "header=extra:key" apart by 0x1f), or,
 * for a list mapped before mappings were kept, as its name says now.
 */
static const struct crm_field *old_field(const struct importer *im, const char *header)
{
	size_t n = strlen(header);
	const char *e;

	if (!im->old_map)
		return crm_field_for_header(im->kind, header);
	for (e = im->old_map; e; e = strchr(e, '\x1f'), e = e ? e + 1 : NULL) {
		const char *to = e + n + 1, *end;
		char name[64];

		if (strncmp(e, header, n) || e[n] != '=')
			continue;
		end = strchr(to, '\x1f');
		if (!end)
			end = to + strlen(to);
		if ((size_t)(end - to) >= sizeof(name))
			return NULL;
		memcpy(name, to, (size_t)(end - to));
		name[end - to] = '\0';
		return crm_field_find(im->kind, name);
	}
	return NULL;
}

/*
 * A header list other than last time (the source renamed a column:
 * メールアドレス, then Eメール): a column new by its name that feeds the
 * field an old column, gone from the file, fed, is compared with that
 * column's old value, so that a value emptied under the new name empties
 * the field. By name alone, an empty column new to the source changed
 * nothing, and the old address stayed.
 */
/* Whether the file has a column of this header. */
static int has_header(const struct importer *im, const char *header)
{
	size_t c;

	for (c = 0; c < im->ncols; c++)
		if (!strcmp(im->cols[c].header, header))
			return 1;
	return 0;
}

static enum crm_status renamed_columns(struct importer *im, const char *old_raw,
				       int64_t old_headers, const unsigned char *named,
				       unsigned char *changed, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_OLD_RAW];
	enum crm_status s = old_mapping(im, old_headers, err);
	enum crm_step rc = CRM_STEP_DONE;
	size_t c;

	if (s)
		return s;
	crm_stmt_bind_str(st, 1, old_raw);
	crm_stmt_bind_int(st, 2, old_headers);
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *k = crm_stmt_text(st, 0), *v = crm_stmt_text(st, 1);
		size_t vlen = v ? crm_stmt_bytes(st, 1) : 0;
		const struct crm_field *f;

		if (!k || has_header(im, k) || !(f = old_field(im, k)))
			continue;
		for (c = 0; c < im->ncols; c++)
			if (!named[c] && im->cols[c].field == f && !im->cols[c].ignored)
				changed[c] = vlen != im->rec->lens[c] ||
					     (vlen && memcmp(v, im->rec->fields[c], vlen) != 0);
	}
	if (rc == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the record's last raw row");
	crm_stmt_reset(st);
	return s;
}

/*
 * Which columns changed since the source last sent this record: compares
 * the new row with the raw row kept from last time, column by column.
 */
static enum crm_status changed_columns(struct importer *im, const char *old_raw,
				       int64_t old_headers, unsigned char *changed,
				       struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_OLD_RAW];
	unsigned char *named = NULL;   /* per column: its header was in the old list */
	enum crm_status s = CRM_OK;
	enum crm_step rc;
	size_t c;

	if (old_headers != im->headers_id && !(named = calloc(im->ncols ? im->ncols : 1, 1)))
		return crm_error_nomem(err);
	for (c = 0; c < im->ncols; c++)
		changed[c] = im->rec->lens[c] != 0; /* a column new to the source */
	crm_stmt_bind_str(st, 1, old_raw);
	crm_stmt_bind_int(st, 2, old_headers);
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *k = crm_stmt_text(st, 0);
		const char *v = crm_stmt_text(st, 1);
		size_t vlen = crm_stmt_bytes(st, 1);

		for (c = 0; c < im->ncols; c++)
			if (k && !strcmp(k, im->cols[c].header)) {
				changed[c] = !v ? im->rec->lens[c] != 0
						: vlen != im->rec->lens[c] ||
						  memcmp(v, im->rec->fields[c], vlen) != 0;
				if (named)
					named[c] = 1;
				break;
			}
	}
	if (rc == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the record's last raw row");
	crm_stmt_reset(st);
	if (!s && named)
		s = renamed_columns(im, old_raw, old_headers, named, changed, err);
	free(named);
	return s;
}

/* s folded (NFKC) with every space taken out, appended to sb. */
static int add_spaceless(struct crm_strbuf *sb, const char *s)
{
	char *f = crm_fold_trim(s), *p;
	int oom = !f;

	for (p = f; p && *p; p++)
		if (*p != ' ')
			oom |= crm_strbuf_addch(sb, *p);
	free(f);
	return oom ? -1 : 0;
}

/*
 * Whether the stored family and given name are not those of the name the
 * file sends now (山田 太郎 became 山田 一郎), when the file sends the name
 * and not its parts: then they are emptied, and crm cleanse (or import's
 * rules) split the new name again. Kept, they would tell cleanse to build
 * the old name back from them.
 */
static enum crm_status parts_stale(struct importer *im, const unsigned char *changed,
				   struct crm_error *err)
{
	struct crm_strbuf name = CRM_STRBUF_INIT, a = CRM_STRBUF_INIT, b = CRM_STRBUF_INIT;
	const struct fval *v = import_val(im, im->f_name);
	const char *family, *given;
	int oom;

	im->parts_stale = 0;
	if (im->kind != CRM_KIND_CUSTOMERS || im->file_has_parts || im->f_family == SIZE_MAX ||
	    im->f_given == SIZE_MAX || !v || !import_field_changed(im, im->f_name, changed))
		return CRM_OK;
	family = crm_stmt_text(im->get, im->get_col[im->f_family]);
	given = crm_stmt_text(im->get, im->get_col[im->f_given]);
	if (!family && !given)
		return CRM_OK;
	/* The parts of the name in either order (a Latin name is given name first). */
	oom = add_spaceless(&name, import_vtext(im, v));
	oom |= add_spaceless(&a, family ? family : "") | add_spaceless(&a, given ? given : "");
	oom |= add_spaceless(&b, given ? given : "") | add_spaceless(&b, family ? family : "");
	oom |= crm_strbuf_addstr(&name, "") | crm_strbuf_addstr(&a, "") | crm_strbuf_addstr(&b, "");
	if (!oom)
		im->parts_stale = strcmp(name.buf, a.buf) && strcmp(name.buf, b.buf);
	crm_strbuf_release(&name);
	crm_strbuf_release(&a);
	crm_strbuf_release(&b);
	return oom ? crm_error_nomem(err) : CRM_OK;
}

/*
 * Whether the stored prefecture and city are not those of the address the
 * file sends now, when it sends the address and not them: the customer
 * moved (東京都千代田区 to 神奈川県横浜市西区...). A part the new address
 * names otherwise is emptied, for the rules (or crm cleanse) to take it
 * from the address again; one it does not name is left, as nothing says
 * it changed. Kept, they would contradict the address for ever.
 */
static enum crm_status place_stale(struct importer *im, const unsigned char *changed,
				   struct crm_error *err)
{
	const struct fval *v = import_val(im, im->f_address);
	const char *pref, *city;
	struct crm_norm n = CRM_NORM_INIT;
	struct crm_error e;
	enum crm_status s;

	im->prefecture_stale = im->city_stale = 0;
	if (im->kind != CRM_KIND_CUSTOMERS || im->file_has_place || im->f_prefecture == SIZE_MAX ||
	    im->f_city == SIZE_MAX || !v || !import_field_changed(im, im->f_address, changed))
		return CRM_OK;
	pref = crm_stmt_text(im->get, im->get_col[im->f_prefecture]);
	city = crm_stmt_text(im->get, im->get_col[im->f_city]);
	if (!pref && !city)
		return CRM_OK;
	s = crm_normalize_address(import_vtext(im, v), &n, &e);
	if (s == CRM_ERR_NOMEM)
		return crm_error_nomem(err);
	if (s == CRM_OK) {
		im->prefecture_stale = n.prefecture && pref && strcmp(n.prefecture, pref);
		/* In another prefecture, the city is another too, named or not. */
		im->city_stale = city && ((n.city && strcmp(n.city, city)) || im->prefecture_stale);
	}
	crm_norm_release(&n);
	return CRM_OK;
}

static enum crm_status update_fields(struct importer *im, int64_t id, const unsigned char *changed,
				     struct crm_error *err)
{
	struct crm_stmt *get = im->get;
	enum crm_status s;
	size_t f;

	im->changed_any = 0;
	crm_stmt_bind_int(get, 1, id);
	s = import_one_row(get, "cannot read the record to update", err);
	if (!s)
		s = parts_stale(im, changed, err);
	if (!s)
		s = place_stale(im, changed, err);
	/* The rules of crm cleanse on the customer as the file leaves it. */
	if (!s && im->clean)
		s = import_clean_update(im, id, changed, err);
	for (f = 0; f < im->nfields && !s; f++) {
		struct crm_value oldv, newv;
		struct crm_stmt *up;
		const char *clean = NULL;
		int covered = 0;

		if (!import_is_real(&im->fields[f]))
			continue;
		/* A field the rules cover is written when they make it another value. */
		if (im->clean)
			clean = import_clean_value(im, f, &covered);
		if (!covered && !import_field_changed(im, f, changed) && !import_stale(im, f))
			continue;
		/* A bad value under --lenient is no value: the field is emptied. */
		oldv = crm_stmt_value(get, im->get_col[f]);
		newv = covered ? crm_value_text(clean)
		     : import_stale(im, f) ? crm_value_null() : to_value(im, &im->vals[f]);
		if (crm_value_equal(&oldv, &newv))
			continue;
		up = import_update_stmt(im, f, err);
		if (!up) {
			s = crm_error_status(err);
			break;
		}
		s = import_log_update(im, im->table, id, im->fields[f].name, &oldv, &newv, err);
		if (s)
			break;
		if (covered)
			crm_stmt_bind_str_ref(up, 1, clean);
		else if (import_stale(im, f))
			crm_stmt_bind_null(up, 1);
		else
			import_bind_fval(im, up, 1, &im->vals[f]);
		crm_stmt_bind_int(up, 2, id);
		s = crm_stmt_run(up, "cannot update the record", err);
		im->changed_any = 1;
	}
	crm_stmt_reset(get);
	return s;
}

/*
 * Sets updated_at to the run's start, logged like any field (but not
 * counted as a change of the record), so that a revert puts it back.
 */
static enum crm_status touch_customer(struct importer *im, int64_t id, struct crm_error *err)
{
	struct crm_stmt *g = im->st[S_GET_UPDATED_AT], *st = im->st[S_UPDATED_AT];
	struct crm_value o, nv = crm_value_text(im->now);
	enum crm_status s;

	crm_stmt_bind_int(g, 1, id);
	s = import_one_row(g, "cannot read the customer", err);
	if (s)
		return s;
	o = crm_stmt_value(g, 0);
	s = crm_value_equal(&o, &nv) ? CRM_OK
		: crm_audit_update(im->audit, "customers", id, "updated_at", &o, &nv, err);
	crm_stmt_reset(g);
	if (s)
		return s;
	crm_stmt_bind_str_ref(st, 1, im->now);
	crm_stmt_bind_int(st, 2, id);
	return crm_stmt_run(st, "cannot update the customer", err);
}

/* A customer's extra as it is, for the log: NULL when it has none. */
static enum crm_status old_extra(struct importer *im, int64_t id, char **before,
				 struct crm_error *err)
{
	struct crm_stmt *g = im->st[S_GET_EXTRA];
	enum crm_status s;
	int found;

	*before = NULL;
	crm_stmt_bind_int(g, 1, id);
	/* Not "no extra" on a failure: the log would lose the old value. */
	s = crm_stmt_one(g, &found, "cannot read the customer's extra", err);
	if (!s && found && crm_stmt_text(g, 0) && !(*before = strdup(crm_stmt_text(g, 0))))
		s = crm_error_nomem(err);
	crm_stmt_reset(g);
	return s;
}

/* customers.extra and updated_at, after the fields of an updated customer. */
static enum crm_status update_customer_extras(struct importer *im, int64_t id,
					      const unsigned char *changed, struct crm_error *err)
{
	struct crm_strbuf patch = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;
	char *before = NULL;
	int n;

	n = import_extra_json(im, &patch, changed);
	if (n < 0)
		return crm_error_nomem(err);
	if (n > 0)
		s = old_extra(im, id, &before, err);
	if (n > 0 && !s) {
		struct crm_stmt *st = im->st[S_EXTRA];

		crm_stmt_bind_text_ref(st, 1, patch.buf, patch.len);
		crm_stmt_bind_int(st, 2, id);
		s = import_one_row(st, "cannot update extra", err);
		if (!s) {
			const char *after = crm_stmt_text(st, 0);

			/* Changed: not both NULL, and not the same text. */
			if ((before || after) && (!before || !after || strcmp(before, after))) {
				struct crm_value o = crm_value_text(before), nv = crm_value_text(after);

				s = import_log_update(im, "customers", id, "extra", &o, &nv, err);
				im->changed_any = 1;
			}
			crm_stmt_reset(st);
		}
	}
	crm_strbuf_release(&patch);
	free(before);
	if (!s && im->changed_any)
		s = touch_customer(im, id, err);
	return s;
}

/* Replaces the kept raw row, logged, so that the next import compares with it. */
/* Its header list too, when the file's differs. */
static enum crm_status update_raw(struct importer *im, struct crm_stmt *st, const char *tbl,
				  int64_t id, const char *old_raw, int64_t old_headers,
				  struct crm_error *err)
{
	struct crm_value o = crm_value_text(old_raw), nv = crm_value_text(im->raw.buf);
	enum crm_status s = CRM_OK;

	if (!old_raw || strcmp(old_raw, im->raw.buf))
		s = import_log_update(im, tbl, id, "raw", &o, &nv, err);
	if (!s && old_headers != im->headers_id) {
		o = old_headers ? crm_value_int(old_headers) : crm_value_null();
		nv = crm_value_int(im->headers_id);
		s = import_log_update(im, tbl, id, "raw_headers", &o, &nv, err);
	}
	if (s)
		return s;
	crm_stmt_bind_text_ref(st, 1, im->raw.buf, im->raw.len);
	crm_stmt_bind_int(st, 2, id);
	crm_stmt_bind_int(st, 3, im->headers_id);
	return crm_stmt_run(st, "cannot keep the raw row", err);
}

/* The customer of an order or interaction changes with its key or source. */
static enum crm_status update_customer_id(struct importer *im, int64_t row, int64_t customer,
					  struct crm_error *err)
{
	struct crm_stmt *g = import_kind_stmt(im, S_GET_ORDER_CUSTOMER);
	struct crm_stmt *u = import_kind_stmt(im, S_SET_ORDER_CUSTOMER);
	enum crm_status s;
	int64_t was;

	crm_stmt_bind_int(g, 1, row);
	s = import_one_row(g, "cannot read the record's customer", err);
	if (s)
		return s;
	was = crm_stmt_int(g, 0);
	crm_stmt_reset(g);
	if (was != customer) {
		struct crm_value o = crm_value_int(was), nv = crm_value_int(customer);

		s = import_log_update(im, im->table, row, "customer_id", &o, &nv, err);
		if (!s) {
			crm_stmt_bind_int(u, 1, customer);
			crm_stmt_bind_int(u, 2, row);
			s = crm_stmt_run(u, "cannot update the customer", err);
		}
		im->changed_any = 1;
	}
	return s;
}

/* Counts a record seen before as updated or unchanged, once s says it was stored. */
static enum crm_status count_result(struct importer *im, enum crm_status s)
{
	if (!s && im->changed_any)
		im->stats->updated++;
	else if (!s)
		im->stats->unchanged++;
	return s;
}

/* Updates a record seen before; old_raw is what the source sent last time. */
enum crm_status import_update_row(struct importer *im, int64_t row, int64_t source_row,
				  const char *old_raw, int64_t old_headers, int64_t customer,
				  struct crm_error *err)
{
	unsigned char *changed;
	enum crm_status s;

	if (!im->remap && old_raw && old_headers == im->headers_id &&
	    strlen(old_raw) == im->raw.len && !memcmp(old_raw, im->raw.buf, im->raw.len)) {
		/* Same row; its customer may still be another (--customer-source). */
		im->changed_any = 0;
		s = im->kind == CRM_KIND_CUSTOMERS ? CRM_OK : update_customer_id(im, row, customer, err);
		return count_result(im, s);
	}
	/* A merged customer's record updates the survivor (import_survivor). */
	if (im->kind == CRM_KIND_CUSTOMERS && (s = import_survivor(im, &row, err)))
		return s;
	changed = calloc(im->ncols ? im->ncols : 1, 1);
	if (!changed)
		return crm_error_nomem(err);
	s = changed_columns(im, old_raw ? old_raw : "[]", old_headers, changed, err);
	/* Mapped otherwise than last time: every field may take another value. */
	if (!s && im->remap)
		memset(changed, 1, im->ncols ? im->ncols : 1);
	if (!s)
		s = update_fields(im, row, changed, err);
	if (!s && im->kind == CRM_KIND_CUSTOMERS)
		s = update_customer_extras(im, row, changed, err);
	if (!s && im->kind != CRM_KIND_CUSTOMERS)
		s = update_customer_id(im, row, customer, err);
	if (!s)
		s = im->kind == CRM_KIND_CUSTOMERS
		    ? update_raw(im, im->st[S_UPDATE_SOURCE_RAW], "source_records", source_row,
				 old_raw, old_headers, err)
		    : update_raw(im, import_kind_stmt(im, S_UPDATE_ORDER_RAW), im->table, row, old_raw,
				 old_headers, err);
	free(changed);
	return count_result(im, s);
}
