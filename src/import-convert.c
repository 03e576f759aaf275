/*
 * Conversion: a record of the file into typed field values (dates, money,
 * flags, checked emails, phones and postal codes ...), its key, and for a
 * record that cannot be stored, the reasons given to the sink: the column,
 * the value and why.
 */
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "import-private.h"
#include "rowclean.h"
#include "types.h"
#include "banned.h"

/* An order's status as exported: ok, cancelled or returned, in either language. */
static enum crm_status parse_order_status(const char *s, const char **out,
					      struct crm_error *err)
{
	static const struct { const char *word, *status; } words[] = {
		{ "ok", "ok" }, { "正常", "ok" }, { "完了", "ok" }, { "出荷済", "ok" },
		{ "出荷済み", "ok" }, { "発送済", "ok" }, { "発送済み", "ok" }, { "有効", "ok" },
		{ "completed", "ok" }, { "complete", "ok" }, { "shipped", "ok" },
		{ "paid", "ok" }, { "cancelled", "cancelled" }, { "canceled", "cancelled" },
		{ "cancel", "cancelled" }, { "キャンセル", "cancelled" }, { "取消", "cancelled" },
		{ "取消し", "cancelled" }, { "取り消し", "cancelled" }, { "無効", "cancelled" },
		{ "returned", "returned" }, { "return", "returned" }, { "refunded", "returned" },
		{ "返品", "returned" }, { "返品済", "returned" }, { "返品済み", "returned" },
		{ "返金", "returned" },
	};
	char *k = crm_header_key(s);
	size_t i;

	if (!k)
		return crm_error_set(err, CRM_ERR_INVALID, "'%s' is not valid UTF-8", s);
	if (!*k) {
		free(k);
		return CRM_EOF;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(k, words[i].word)) {
			free(k);
			*out = words[i].status;
			return CRM_OK;
		}
	free(k);
	return crm_error_set(err, CRM_ERR_INVALID,
			     "'%s' is not an order status (ok, cancelled, returned)", s);
}

static size_t field_index(const struct importer *im, const struct crm_field *f)
{
	return (size_t)(f - im->fields);
}

static int set_text(struct importer *im, struct fval *v, const char *s, size_t len)
{
	v->set = 1;
	v->type = CRM_VALUE_TEXT;
	v->off = im->arena.len;
	v->len = len;
	if (crm_strbuf_add(&im->arena, s, len) || crm_strbuf_addch(&im->arena, '\0'))
		return -1;
	return 0;
}

static void set_int(struct fval *v, long long i)
{
	v->set = 1;
	v->type = CRM_VALUE_INT;
	v->i = i;
}

/* Records why a field of the record is bad; the record is rejected unless lenient. */
static int field_problem(struct importer *im, const struct column *col, const char *value,
			 const char *reason, struct crm_error *err, enum crm_status *fail)
{
	if (im->o->lenient) {
		struct crm_import_problem p = {
			.line = im->rec->line, .column = col->header, .value = value,
			.reason = reason, .raw = im->rec->raw, .raw_len = im->rec->raw_len,
			.stored = "stored with this field empty",
		};

		im->stats->field_errors++;
		if (im->sink && im->sink->problem && (*fail = im->sink->problem(im->sink->ctx, &p, err)))
			return -1;
		return 0;
	}
	if (!im->bad_column) {
		im->bad_column = col->header;
		free(im->bad_value);
		im->bad_value = strdup(value);
	}
	if (im->why.len)
		crm_strbuf_addstr(&im->why, "; ");
	crm_strbuf_addf(&im->why, "column %s: %s", col->header, reason);
	return 0;
}

static enum crm_status text_value(struct importer *im, struct fval *v, const char *s, size_t len)
{
	return set_text(im, v, s, len) ? CRM_ERR_NOMEM : CRM_OK;
}

/* The record's result worked out ahead (import-ahead.c) for field f, or NULL. */
static const struct crm_rowclean_pre *pre_of(const struct importer *im, size_t f)
{
	int col = im->pre && im->clean_col ? im->clean_col[f] : -1;

	return col >= 0 ? &im->pre[col] : NULL;
}

/* fd's check of tmp, or its result worked out ahead for the same value. */
static enum crm_status check_value(struct importer *im, const struct crm_field *fd,
				   const char *tmp, int country, struct crm_error *e)
{
	const struct crm_rowclean_pre *p = pre_of(im, field_index(im, fd));

	if (!p || !p->checked || p->country != country || !p->in || strcmp(p->in, tmp))
		return fd->fieldtype->check(tmp, country, e);
	if (p->check_st == CRM_ERR_INVALID)
		crm_error_set(e, CRM_ERR_INVALID, "%s", p->check_why);
	return p->check_st;
}

/*
 * Parses or checks the value s of len bytes (tmp: the same as a C string)
 * as a value of field fd into v: CRM_OK, CRM_EOF (a value that stands for
 * none), CRM_ERR_INVALID (e says why) or CRM_ERR_NOMEM.
 */
static enum crm_status parse_value(struct importer *im, const struct column *col,
				   struct fval *v, const char *s, size_t len, const char *tmp,
				   int country, struct crm_error *e)
{
	const struct crm_field *fd = col->field;
	const char *sign;
	enum crm_ftype type = fd->fieldtype->stored;
	enum crm_status rc = CRM_OK;
	const char *word = NULL;
	char buf[24];
	int64_t n;
	int b;

	switch (type) {
	case CRM_T_TEXT:
	case CRM_T_KANA:
	case CRM_T_KEY:
		break;
	case CRM_T_EMAIL:
	case CRM_T_PHONE:
	case CRM_T_POSTAL:
		/* Checked as the type says, and kept as given. */
		rc = check_value(im, fd, tmp, country, e);
		break;
	case CRM_T_DATE:
	case CRM_T_DATETIME:
		rc = type == CRM_T_DATE ? crm_parse_date(tmp, buf, e)
					    : crm_parse_datetime(tmp, buf, e);
		return rc ? rc : text_value(im, v, buf, strlen(buf));
	case CRM_T_MONEY:
		rc = crm_parse_money_sign(tmp, &n, &sign, e);
		if (!rc)
			set_int(v, n);
		if (!rc && sign && !im->money_sign) {
			im->money_sign = sign;
			im->money_col = col;
		} else if (!rc && sign && strcmp(sign, im->money_sign)) {
			crm_error_set(e, CRM_ERR_INVALID, "'%s' is in %s, another amount of the row "
				      "in %s", tmp, sign, im->money_sign);
			return CRM_ERR_INVALID;
		}
		return rc;
	case CRM_T_INTEGER:
		rc = crm_parse_int(tmp, &n, e);
		if (!rc)
			set_int(v, n);
		return rc;
	case CRM_T_FLAG:
		rc = crm_parse_flag(tmp, &b, e);
		if (!rc)
			set_int(v, b);
		return rc;
	case CRM_T_ENUM:
		rc = !strcmp(fd->name, "gender") ? crm_parse_gender(tmp, &word, e)
						 : parse_order_status(tmp, &word, e);
		return rc ? rc : text_value(im, v, word, strlen(word));
	}
	/* Validated or plain text: stored as given, trimmed. */
	return rc ? rc : text_value(im, v, s, len);
}

/* Converts the value s of len bytes of column col into v, or notes why it is bad. */
static enum crm_status convert(struct importer *im, const struct column *col, struct fval *v,
			       const char *s, size_t len, int country, struct crm_error *err)
{
	struct crm_error e;
	enum crm_status rc, fail = CRM_OK;
	const char *tmp;

	/* The checks take a C string: most values already end where they end. */
	if (s[len] == '\0') {
		tmp = s;
	} else {
		crm_strbuf_reset(&im->tmp);
		if (crm_strbuf_add(&im->tmp, s, len))
			return crm_error_nomem(err);
		tmp = im->tmp.buf;
	}
	crm_error_clear(&e);
	rc = parse_value(im, col, v, s, len, tmp, country, &e);
	if (rc == CRM_ERR_INVALID) {
		v->set = 0;
		v->bad = 1;
		if (field_problem(im, col, tmp, e.message, err, &fail))
			return fail;
		rc = CRM_OK;
	} else if (rc == CRM_EOF) {
		rc = CRM_OK;
	} else if (rc == CRM_ERR_NOMEM) {
		rc = crm_error_nomem(err);
	}
	return rc;
}

/* "17850.0" (a number written by a spreadsheet) is the key "17850"; width is folded. */
static char *normalize_key(const char *s)
{
	char *k = crm_fold_trim(s);
	char *dot;
	size_t i;

	if (!k)
		return NULL;
	dot = strchr(k, '.');
	if (dot && dot > k) {
		for (i = 0; k + i < dot && k[i] >= '0' && k[i] <= '9'; i++)
			;
		if (k + i == dot && dot[1] && strspn(dot + 1, "0") == strlen(dot + 1))
			*dot = '\0';
	}
	return k;
}

/* The key of a record without a key column: a hash of the whole row. */
static char *hash_key(const struct importer *im)
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	char *k = malloc(7 + 32 + 1);
	int i;

	if (!k)
		return NULL;
	sha256_init(&ctx);
	sha256_update(&ctx, im->hashed.len, (const uint8_t *)im->hashed.buf);
	sha256_digest(&ctx, sizeof(d), d);
	memcpy(k, "sha256:", 7);
	for (i = 0; i < 16; i++) {
		k[7 + 2 * i] = hex[d[i] >> 4];
		k[8 + 2 * i] = hex[d[i] & 15];
	}
	k[39] = '\0';
	return k;
}

/*
 * The header -> value object of the row that the key of a keyless row
 * hashes: what raw held before schema 4, so that keys stay the same.
 */
static int build_hashed(struct importer *im)
{
	const struct crm_csv_record *r = im->rec;
	size_t c;
	int oom = 0;

	crm_strbuf_reset(&im->hashed);
	oom |= crm_strbuf_addch(&im->hashed, '{');
	for (c = 0; c < im->ncols; c++) {
		/* json_key is ",\"header\":" (no comma before the first). */
		oom |= crm_strbuf_addstr(&im->hashed, im->cols[c].json_key + !c);
		oom |= crm_strbuf_add_json_string(&im->hashed, r->fields[c], r->lens[c]);
	}
	oom |= crm_strbuf_addch(&im->hashed, '}');
	return oom ? -1 : 0;
}

/*
 * The record's key (from its key column, else a hash of the row) and its
 * customer's key; *rejected when one it needs is empty.
 */
enum crm_status import_record_keys(struct importer *im, int *rejected, struct crm_error *err)
{
	*rejected = 0;
	if (im->key_col >= 0) {
		im->key = normalize_key(im->rec->fields[im->key_col]);
		if (!im->key)
			return crm_error_nomem(err);
		if (!*im->key) {
			*rejected = 1;
			return import_reject(im, im->cols[im->key_col].header, "",
					     "the key is empty: a record needs it to be found again",
					     err);
		}
	} else {
		im->key = build_hashed(im) ? NULL : hash_key(im);
		if (!im->key)
			return crm_error_nomem(err);
	}
	if (im->ckey_col >= 0) {
		im->ckey = normalize_key(im->rec->fields[im->ckey_col]);
		if (!im->ckey)
			return crm_error_nomem(err);
		if (!*im->ckey) {
			*rejected = 1;
			return import_reject(im, im->cols[im->ckey_col].header, "",
					     im->kind == CRM_KIND_ORDERS
					     ? "the customer key is empty: an order needs its customer"
					     : "the customer key is empty: an interaction needs its "
					       "customer", err);
		}
	}
	return CRM_OK;
}

int import_country(const struct importer *im, const struct crm_csv_record *rec)
{
	const char *country = im->o->country, *pref = NULL;

	/* The columns are found once per file (import_index_fields). */
	if (im->country_col >= 0 && rec->lens[im->country_col])
		country = rec->fields[im->country_col];
	if (im->pref_col >= 0 && rec->lens[im->pref_col])
		pref = rec->fields[im->pref_col];
	return crm_record_country(country, pref);
}

/* Converts the record's columns into field values; bad ones are noted in im->why. */
static enum crm_status convert_values(struct importer *im, struct crm_error *err)
{
	const struct crm_csv_record *r = im->rec;
	int country = import_country(im, im->rec);
	struct crm_strbuf join = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;
	size_t c, f;

	for (f = 0; f < im->nfields; f++)
		memset(&im->vals[f], 0, sizeof(im->vals[f]));
	im->money_sign = NULL;
	im->money_col = NULL;
	/* Joined fields first: several columns, one value. */
	for (f = 0; f < im->nfields && !s; f++) {
		const struct column *first = NULL;

		if (!(im->fields[f].flags & CRM_F_JOIN))
			continue;
		crm_strbuf_reset(&join);
		for (c = 0; c < im->ncols; c++) {
			const char *v = r->fields[c];
			size_t len = r->lens[c];

			if (im->cols[c].field != &im->fields[f])
				continue;
			import_trim(&v, &len);
			if (!len)
				continue;
			if (!first)
				first = &im->cols[c];
			if ((join.len && crm_strbuf_addch(&join, ' ')) || crm_strbuf_add(&join, v, len))
				s = crm_error_nomem(err);
		}
		if (!s && first && join.len)
			s = convert(im, first, &im->vals[f], join.buf, join.len, country, err);
	}
	crm_strbuf_release(&join);
	for (c = 0; c < im->ncols && !s; c++) {
		const struct crm_field *fd = im->cols[c].field;
		const char *v = r->fields[c];
		size_t len = r->lens[c];

		if (!fd || (fd->flags & (CRM_F_JOIN | CRM_F_VIRTUAL)))
			continue;
		import_trim(&v, &len);
		if (len)
			s = convert(im, &im->cols[c], &im->vals[field_index(im, fd)], v, len,
				    country, err);
	}
	/* --country: the country of a record that gives none. */
	if (!s && im->o->country && im->f_country != SIZE_MAX && !im->vals[im->f_country].set &&
	    !im->vals[im->f_country].bad &&
	    set_text(im, &im->vals[im->f_country], im->o->country, strlen(im->o->country)))
		s = crm_error_nomem(err);
	return s;
}

/*
 * The fields that tell who a customer is: under --lenient a record needs
 * one of them (a given name alone, an email alone, a birthdate with the
 * rest of the row in extra), not a full name. A record linkage set (FEBRL)
 * leaves names out on purpose: dedupe can still find such a person.
 */
static const char *const identifying[] = {
	"name", "family_name", "given_name", "name_kana", "family_kana", "given_kana",
	"company", "email", "phone", "mobile", "birthdate", "address", "postal_code",
};

static int identified(struct importer *im)
{
	size_t f, i;

	for (f = 0; f < im->nfields; f++) {
		if (!im->vals[f].set)
			continue;
		for (i = 0; i < sizeof(identifying) / sizeof(identifying[0]); i++)
			if (!strcmp(im->fields[f].name, identifying[i]))
				return 1;
	}
	return 0;
}

/*
 * Orders: the amount when no column gives it (unit price times quantity,
 * exact), and the status: a return has a negative quantity or amount, a
 * cancellation an order number of C and digits (C536379).
 */
/*
 * An amount's currency sign against the row's currency: $10 in a row that
 * says JPY, or that names no currency (stored, it would count as the
 * shop's yen), is a wrong amount waiting to be summed. ¥ needs no column.
 */
static enum crm_status check_sign(struct importer *im, struct crm_error *err)
{
	const struct fval *cur = import_val(im, im->f_currency);
	const char *code = cur ? crm_currency_code(import_vtext(im, cur)) : NULL;
	const struct column *col = im->money_col;
	enum crm_status fail = CRM_OK;
	char why[400], value[CRM_QUOTE_SIZE], said[CRM_QUOTE_SIZE];
	size_t f;

	if (!im->money_sign || !col || (code && !strcmp(code, im->money_sign)) ||
	    (!cur && !strcmp(im->money_sign, "JPY")) || (cur && !code))
		return CRM_OK;
	/* Quoted whole characters (a full-width amount is not cut in one). */
	crm_quote(im->rec->fields[col - im->cols], value, sizeof(value));
	if (cur) {
		crm_quote(import_vtext(im, cur), said, sizeof(said));
		snprintf(why, sizeof(why), "'%s' is in %s by its sign, but the row's currency "
			 "is %s", value, im->money_sign, said);
	} else {
		snprintf(why, sizeof(why), "'%s' is in %s by its sign, and the row names no "
			 "currency (a currency column, 通貨): stored, it would count as yen",
			 value, im->money_sign);
	}
	/* No amount of the row is stored in a currency it is not in (--lenient). */
	for (f = 0; f < im->nfields; f++)
		if (im->fields[f].fieldtype && im->fields[f].fieldtype->stored == CRM_T_MONEY &&
		    im->vals[f].set) {
			im->vals[f].set = 0;
			im->vals[f].bad = 1;
		}
	if (field_problem(im, col, im->rec->fields[col - im->cols], why, err, &fail))
		return fail;
	return CRM_OK;
}

static enum crm_status derive_order(struct importer *im, struct crm_error *err)
{
	struct fval *amount = &im->vals[im->f_amount];
	struct fval *status = &im->vals[im->f_status];
	struct fval *price = import_val(im, im->f_price), *qty = import_val(im, im->f_qty);
	const char *st = "ok";
	const char *k = im->key;
	long long product;
	enum crm_status s = check_sign(im, err);

	if (s)
		return s;

	if (!amount->set && !amount->bad && price && qty) {
		if (__builtin_mul_overflow(price->i, qty->i, &product)) {
			const struct column *col = NULL;
			enum crm_status fail = CRM_OK;
			size_t c;

			for (c = 0; c < im->ncols && !col; c++)
				if (im->cols[c].field == &im->fields[im->f_qty])
					col = &im->cols[c];
			amount->bad = 1;
			if (col && field_problem(im, col, im->rec->fields[col - im->cols],
						 "unit price times quantity is too large an amount",
						 err, &fail))
				return fail;
		} else {
			set_int(amount, product);
		}
	}
	/* A status given (and good) stands; a bad one under --lenient is derived. */
	if (status->set)
		return CRM_OK;
	/*
	 * A line taken back: a return, or a cancellation when its order
	 * number is C and digits, as the UCI Online Retail export marks them
	 * (C536379, its quantities negative). A line of C000123 that is not
	 * negative is a shop's own numbering (a new user's probe: every order
	 * of such a shop was cancelled).
	 */
	if ((qty && qty->i < 0) || (amount->set && amount->i < 0)) {
		st = "returned";
		if (k[0] == 'C' || k[0] == 'c') {
			size_t i = k[1] == '-' ? 2 : 1;

			if (k[i] && strspn(k + i, "0123456789") == strlen(k + i))
				st = "cancelled";
		}
	}
	status->bad = 0;
	return set_text(im, status, st, strlen(st)) ? crm_error_nomem(err) : CRM_OK;
}

/*
 * Converts the record into field values; *rejected (and the reasons given
 * to the sink) when a value is bad, unless lenient, or a customer has no
 * name.
 */
enum crm_status import_convert_record(struct importer *im, int *rejected,
				      struct crm_error *err)
{
	const char *missing = NULL;
	enum crm_status s = convert_values(im, err);

	*rejected = 0;
	if (s)
		return s;
	if (im->kind == CRM_KIND_CUSTOMERS && !import_val(im, im->f_name) &&
	    !import_val(im, im->f_family)) {
		if (!im->o->lenient)
			missing = "no name: a customer needs a full name (氏名) or at least a family "
				  "name (姓); --lenient takes less";
		else if (!identified(im))
			missing = "nothing tells who the customer is: it needs a name, a kana "
				  "reading, a company, an email, a phone, a birthdate or an address";
	}
	if (!im->why.len && !missing)
		return CRM_OK;
	*rejected = 1;
	if (!im->why.len)
		return import_reject(im, NULL, NULL, missing, err);
	if (missing)
		crm_strbuf_addf(&im->why, "; %s", missing);
	return import_reject(im, im->bad_column, im->bad_value, im->why.buf, err);
}

/* An order's amount and status, derived; *rejected when the amount overflows. */
enum crm_status import_derive_order(struct importer *im, int *rejected, struct crm_error *err)
{
	enum crm_status s = derive_order(im, err);

	*rejected = !s && im->why.len;
	if (*rejected)
		return import_reject(im, im->bad_column, im->bad_value, im->why.buf, err);
	return s;
}

enum crm_status import_reject(struct importer *im, const char *column, const char *value,
			      const char *reason, struct crm_error *err)
{
	struct crm_import_problem p = {
		.line = im->rec->line, .column = column, .value = value, .reason = reason,
		.raw = im->rec->raw, .raw_len = im->rec->raw_len,
	};

	im->stats->rejected++;
	if (im->sink && im->sink->problem)
		return im->sink->problem(im->sink->ctx, &p, err);
	return CRM_OK;
}

/*
 * A record whose key came before in the same file: the file says two
 * things of one record, and which is right is for a human to decide.
 */
enum crm_status import_reject_repeated_key(struct importer *im, unsigned long first,
					   struct crm_error *err)
{
	char why[160];

	if (first)
		snprintf(why, sizeof(why), "the key '%.60s' came before, at line %lu: a record "
			 "may appear once in a file", im->key, first);
	else
		snprintf(why, sizeof(why), "the key '%.60s' came before in this file: a record "
			 "may appear once in a file", im->key);
	return import_reject(im, im->key_col >= 0 ? im->cols[im->key_col].header : NULL, im->key,
			     why, err);
}

int import_all_empty(const struct crm_csv_record *r)
{
	size_t c;

	for (c = 0; c < r->nfields; c++) {
		const char *v = r->fields[c];
		size_t len = r->lens[c];

		import_trim(&v, &len);
		if (len)
			return 0;
	}
	return 1;
}
