#include <errno.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include "fielddefs.h"
#include "strbuf.h"
#include "banned.h"

const char *const crm_rule_names[CRM_NRULES + 1] = {
	"text", "name", "kana", "company", "phone", "email", "email-typo", "postal",
	"address", NULL,
};

_Static_assert(CRM_NRULES < sizeof(unsigned) * 8, "rules are bits of an unsigned");

int crm_rule_index(const char *name)
{
	int i;

	for (i = 0; crm_rule_names[i]; i++)
		if (!strcmp(crm_rule_names[i], name))
			return i;
	return -1;
}

struct parser {
	struct crm_fielddefs *d;
	struct crm_fielddef *cur;
	const char *path;
	unsigned long line;
	struct crm_error *err;
};

/* A syntax error at the parser's line: "file:line: message". */
#define syntax(p, ...) \
	crm_error_at((p)->err, CRM_ERR_INVALID, (p)->path, (p)->line, 0, __VA_ARGS__)

static enum crm_status nomem(struct parser *p)
{
	return crm_error_nomem(p->err);
}

/* Cuts leading and trailing blanks (ASCII and the ideographic space) in place. */
static char *trim(char *s)
{
	char *e;

	for (;;) {
		if (*s == ' ' || *s == '\t')
			s++;
		else if (!strncmp(s, "\xe3\x80\x80", 3))
			s += 3;
		else
			break;
	}
	e = s + strlen(s);
	for (;;) {
		if (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
		else if (e - s >= 3 && !strncmp(e - 3, "\xe3\x80\x80", 3))
			e -= 3;
		else
			break;
	}
	*e = '\0';
	return s;
}

static void free_list(char **v, size_t n)
{
	while (n--)
		free(v[n]);
	free(v);
}

/* Splits "a, b、c" into trimmed non-empty items appended to *v. */
static enum crm_status split_list(struct parser *p, char *s, char ***v, size_t *n)
{
	char *item = s;

	for (;;) {
		char *comma = strchr(item, ',');
		char *ten = strstr(item, "\xe3\x80\x81");   /* 、 */
		char *end = comma && (!ten || comma < ten) ? comma : ten;
		size_t skip = end == comma ? 1 : 3;
		char **grown;
		char *t;

		if (end)
			*end = '\0';
		t = trim(item);
		if (*t) {
			grown = realloc(*v, (*n + 1) * sizeof(**v));
			if (!grown)
				return nomem(p);
			*v = grown;
			if (!((*v)[*n] = strdup(t)))
				return nomem(p);
			++*n;
		}
		if (!end)
			return CRM_OK;
		item = end + skip;
	}
}

static enum crm_status parse_yes_no(struct parser *p, const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "必須")) {
		*out = 1;
		return CRM_OK;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "任意")) {
		*out = 0;
		return CRM_OK;
	}
	return syntax(p, "required = '%s': use yes or no", v);
}

static enum crm_status parse_rules(struct parser *p, char *v)
{
	char **names = NULL;
	size_t n = 0, i;
	enum crm_status s = split_list(p, v, &names, &n);

	for (i = 0; !s && i < n; i++) {
		int off = names[i][0] == '-';
		int r = crm_rule_index(names[i] + (off || names[i][0] == '+'));

		if (r < 0) {
			s = syntax(p, "rules: '%s' is not a rule (" CRM_RULE_LIST ")", names[i]);
			break;
		}
		if (off)
			p->cur->rules_off |= 1u << r;
		else
			p->cur->rules_on |= 1u << r;
	}
	free_list(names, n);
	return s;
}

static enum crm_status parse_type(struct parser *p, const char *v)
{
	static const enum crm_ftype types[] = {
		CRM_T_TEXT, CRM_T_KANA, CRM_T_EMAIL, CRM_T_PHONE, CRM_T_POSTAL, CRM_T_DATE,
		CRM_T_DATETIME, CRM_T_MONEY, CRM_T_INTEGER, CRM_T_ENUM, CRM_T_FLAG,
	};
	size_t i;

	if (p->cur->field)
		return syntax(p, "type: %s is a field of crm's own, its type is %s",
			      p->cur->name, crm_ftype_name(p->cur->field->fieldtype->stored));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(v, crm_ftype_name(types[i]))) {
			p->cur->type = types[i];
			return CRM_OK;
		}
	return syntax(p, "type = '%s': use text, kana, email, phone, postal, date, datetime, "
		      "money, integer, enum or flag", v);
}

static enum crm_status setting(struct parser *p, char *key, char *value)
{
	struct crm_fielddef *d = p->cur;

	if (!d)
		return syntax(p, "'%s' before any [field] section", key);
	if (!*value)
		return syntax(p, "%s has no value", key);
	if (!strcmp(key, "aliases") || !strcmp(key, "alias"))
		return split_list(p, value, &d->aliases, &d->naliases);
	if (!strcmp(key, "choices"))
		return split_list(p, value, &d->choices, &d->nchoices);
	if (!strcmp(key, "required"))
		return parse_yes_no(p, value, &d->required);
	if (!strcmp(key, "rules"))
		return parse_rules(p, value);
	if (!strcmp(key, "type"))
		return parse_type(p, value);
	return syntax(p, "'%s' is not a setting: use aliases, required, choices, rules or "
		      "type", key);
}

/* "[email]" or "[orders.product]": a new definition, or more of one. */
static enum crm_status section(struct parser *p, char *s)
{
	char *close = strchr(s, ']');
	char *name, *dot;
	enum crm_kind kind = CRM_KIND_CUSTOMERS;
	struct crm_fielddef *grown, *d;

	if (!close || *trim(close + 1))
		return syntax(p, "'%s': a section is [field] or [kind.field]", s);
	*close = '\0';
	name = trim(s + 1);
	dot = strchr(name, '.');
	if (dot) {
		*dot = '\0';
		if (crm_kind_parse(trim(name), &kind))
			return syntax(p, "[%s.…]: '%s' is not customers, orders or interactions",
				      name, name);
		name = trim(dot + 1);
	}
	if (!*name)
		return syntax(p, "an empty section name []");
	if (crm_fielddefs_find(p->d, kind, name))
		return syntax(p, "[%s] is defined twice", name);
	grown = realloc(p->d->defs, (p->d->n + 1) * sizeof(*grown));
	if (!grown)
		return nomem(p);
	p->d->defs = grown;
	d = &grown[p->d->n];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->required = -1;
	d->line = p->line;
	d->field = crm_field_find(kind, name);
	if (d->field && (d->field->flags & CRM_F_VIRTUAL))
		return syntax(p, "[%s] is not a field that can be defined", name);
	d->type = d->field ? d->field->fieldtype->stored : CRM_T_TEXT;
	if (!d->field && kind != CRM_KIND_CUSTOMERS)
		return syntax(p, "[%s]: only customers can have fields of their own "
			      "(kept in extra)", name);
	if (!(d->name = strdup(name)))
		return nomem(p);
	p->d->n++;
	p->cur = d;
	return CRM_OK;
}

/*
 * Cuts a trailing comment: '#' after a blank (a space, a tab or
 * the ideographic space of a Japanese keyboard) starts one, so that
 * "rules = -phone   # as entered" is the rule alone, while a '#' inside a
 * value (No.#5) stays.
 */
static void cut_comment(char *s)
{
	char *c;

	for (c = s; *c; c++) {
		int after_blank = c > s && (c[-1] == ' ' || c[-1] == '\t' ||
					    (c - s >= 3 && !memcmp(c - 3, "\xe3\x80\x80", 3)));

		if (*c == '#' && after_blank) {
			*c = '\0';
			return;
		}
	}
}

static enum crm_status parse_line(struct parser *p, char *raw)
{
	char *s = trim(raw), *eq;

	if (p->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))   /* a BOM from Notepad */
		s = trim(s + 3);
	cut_comment(s);
	s = trim(s);
	if (!*s || *s == '#' || *s == ';')
		return CRM_OK;
	if (*s == '[')
		return section(p, s);
	eq = strchr(s, '=');
	if (!eq)
		return syntax(p, "'%s': expected 'setting = value' or a [field] section", s);
	*eq = '\0';
	return setting(p, trim(s), trim(eq + 1));
}

/* Choices only make sense for text-like fields; enum fields take the catalogue's. */
static enum crm_status check_defs(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->d->n; i++) {
		struct crm_fielddef *d = &p->d->defs[i];

		p->line = d->line;
		if (!d->field && d->type == CRM_T_ENUM && !d->nchoices)
			return syntax(p, "[%s] is an enum without choices", d->name);
	}
	return CRM_OK;
}

/* No text: no definitions (fmemopen refuses a zero-length buffer). */
static enum crm_status read_empty(const char *name, struct crm_fielddefs **out,
						struct crm_error *err)
{
	struct crm_fielddefs *d = calloc(1, sizeof(*d));

	if (!d || !(d->path = strdup(name))) {
		free(d);
		return crm_error_nomem(err);
	}
	*out = d;
	return CRM_OK;
}

enum crm_status crm_fielddefs_read(FILE *fp, const char *path, struct crm_fielddefs **out,
				   struct crm_error *err)
{
	struct parser p = { .path = path, .err = err };
	char *line = NULL;
	size_t cap = 0;
	enum crm_status s = CRM_OK;

	*out = NULL;
	p.d = calloc(1, sizeof(*p.d));
	if (!p.d || !(p.d->path = strdup(path))) {
		free(p.d);
		return crm_error_nomem(err);
	}
	errno = 0;
	for (;;) {
		ssize_t len = getline(&line, &cap, fp);

		if (s || len < 0)
			break;
		p.line++;
		if ((size_t)len != strlen(line))
			s = syntax(&p, "a NUL byte: this is not a text file");
		else
			s = parse_line(&p, line);
	}
	if (!s && ferror(fp))
		s = crm_error_at(err, CRM_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
	if (!s)
		s = check_defs(&p);
	free(line);
	if (s) {
		crm_fielddefs_free(p.d);
		return s;
	}
	*out = p.d;
	return CRM_OK;
}

enum crm_status crm_fielddefs_load(const char *path, struct crm_fielddefs **out,
				   struct crm_error *err)
{
	FILE *fp = fopen(path, "r");
	enum crm_status s;

	*out = NULL;
	if (!fp)
		return crm_error_at(err, errno == ENOENT ? CRM_ERR_NOTFOUND : CRM_ERR_IO, path, 0, 0,
				    "cannot open the field definitions: %s", strerror(errno));
	s = crm_fielddefs_read(fp, path, out, err);
	fclose(fp);
	return s;
}

void crm_fielddefs_free(struct crm_fielddefs *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->defs[i].name);
		free_list(d->defs[i].aliases, d->defs[i].naliases);
		free_list(d->defs[i].choices, d->defs[i].nchoices);
	}
	free(d->defs);
	free(d->path);
	free(d);
}

const struct crm_fielddef *crm_fielddefs_find(const struct crm_fielddefs *defs,
					      enum crm_kind kind, const char *name)
{
	size_t i;

	for (i = 0; defs && i < defs->n; i++)
		if (defs->defs[i].kind == kind && !strcmp(defs->defs[i].name, name))
			return &defs->defs[i];
	return NULL;
}

static int key_matches(const char *key, const char *name)
{
	char *k = crm_header_key(name);
	int same = k && !strcmp(k, key);

	free(k);
	return same;
}

const struct crm_fielddef *crm_fielddefs_for_header(const struct crm_fielddefs *defs,
						    enum crm_kind kind, const char *header)
{
	const struct crm_fielddef *found = NULL;
	char *key;
	size_t i, a;

	if (!defs || !(key = crm_header_key(header)))
		return NULL;
	for (i = 0; !found && i < defs->n; i++) {
		const struct crm_fielddef *d = &defs->defs[i];

		if (d->kind != kind)
			continue;
		if (!d->field && key_matches(key, d->name))
			found = d;
		for (a = 0; !found && a < d->naliases; a++)
			if (key_matches(key, d->aliases[a]))
				found = d;
	}
	free(key);
	return found;
}

int crm_fielddef_allows(const struct crm_fielddef *def, const char *value)
{
	size_t i;

	if (!def || !def->nchoices)
		return 1;
	for (i = 0; i < def->nchoices; i++)
		if (!strcmp(def->choices[i], value))
			return 1;
	return 0;
}

int crm_fielddef_rule(const struct crm_fielddef *def, int rule, int dflt)
{
	if (!def || rule < 0)
		return dflt;
	if (def->rules_off & (1u << rule))
		return 0;
	if (def->rules_on & (1u << rule))
		return 1;
	return dflt;
}

enum crm_status crm_fielddefs_parse(const char *name, const char *text, size_t len,
				    struct crm_fielddefs **out, struct crm_error *err)
{
	FILE *fp;
	enum crm_status s;

	*out = NULL;
	if (!len)
		return read_empty(name, out, err);
	fp = fmemopen((void *)text, len, "r");
	if (!fp)
		return crm_error_nomem(err);
	s = crm_fielddefs_read(fp, name, out, err);
	fclose(fp);
	return s;
}

enum defs_stmt {
	ST_TEXT,
	ST_ROW,
	ST_PUT,
	ST_COUNT,
};

/* The definitions are one row, id 1: the database has one set at a time. */
static const char *const defs_sql[ST_COUNT] = {
	[ST_TEXT] = "SELECT text FROM field_definitions WHERE id = 1",
	[ST_ROW] = "SELECT text, source, saved_at, run_id FROM field_definitions WHERE id = 1",
	[ST_PUT] =
		"INSERT INTO field_definitions(id, text, source, saved_at, run_id)"
		" VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
		" text = excluded.text, source = excluded.source,"
		" saved_at = excluded.saved_at, run_id = excluded.run_id",
};

enum crm_status crm_fielddefs_stored(struct crm_db *db, struct crm_fielddefs **out,
				     struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;
	int found = 0;

	*out = NULL;
	if (!db)
		return CRM_OK;
	s = crm_stmt_prepare(db, defs_sql[ST_TEXT], &st, err);
	if (s)
		return s;
	s = crm_stmt_one(st, &found, "cannot read the stored field definitions", err);
	if (!s && found) {
		const char *text = crm_stmt_text(st, 0);

		s = crm_fielddefs_parse("(field definitions stored in the database)", text,
					crm_stmt_bytes(st, 0), out, err);
	}
	crm_stmt_free(st);
	return s;
}

/* The file whole, at most CRM_FIELDDEFS_MAX bytes. */
static enum crm_status slurp(const char *path, struct crm_strbuf *sb, struct crm_error *err)
{
	FILE *fp = fopen(path, "r");
	char buf[8192];
	size_t n;

	if (!fp)
		return crm_error_at(err, errno == ENOENT ? CRM_ERR_NOTFOUND : CRM_ERR_IO, path, 0, 0,
				    "cannot open the field definitions: %s", strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (sb->len + n > CRM_FIELDDEFS_MAX) {
			fclose(fp);
			return crm_error_at(err, CRM_ERR_TOOBIG, path, 0, 0,
					    "field definitions over %d bytes", CRM_FIELDDEFS_MAX);
		}
		if (crm_strbuf_add(sb, buf, n)) {
			fclose(fp);
			return crm_error_nomem(err);
		}
	}
	if (ferror(fp)) {
		fclose(fp);
		return crm_error_at(err, CRM_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
	}
	fclose(fp);
	return CRM_OK;
}

/*
 * Logs each value of the stored row (read by get, if there is one) that
 * the new one n changes; *had says whether there was one.
 */
static enum crm_status log_changes(struct crm_audit *run, struct crm_stmt *get,
				   const struct crm_value *n, int *had, struct crm_error *err)
{
	static const char *const cols[] = { "text", "source", "saved_at", "run_id" };
	enum crm_status s = crm_stmt_one(get, had, "cannot read the stored field definitions",
					 err);
	int i;

	for (i = 0; !s && *had && i < 4; i++) {
		struct crm_value o = crm_stmt_value(get, i);

		if (!crm_value_equal(&o, &n[i]))
			s = crm_audit_update(run, "field_definitions", 1, cols[i], &o, &n[i], err);
	}
	return s;
}

enum crm_status crm_fielddefs_save(struct crm_db *db, struct crm_audit *run, const char *path,
				   struct crm_error *err)
{
	struct crm_strbuf text = CRM_STRBUF_INIT;
	struct crm_stmt_table t = { 0 };
	struct crm_fielddefs *d = NULL;
	struct crm_stmt *get = NULL, *put = NULL;
	struct crm_value n[4];
	enum crm_status s = slurp(path, &text, err);
	int had = 0;

	if (!s)
		s = crm_fielddefs_parse(path, text.buf, text.len, &d, err);
	crm_fielddefs_free(d);
	if (!s)
		s = crm_stmt_table_init(&t, db, defs_sql, ST_COUNT, err);
	if (!s && (!(get = crm_stmt_table_get(&t, ST_ROW, err)) ||
		   !(put = crm_stmt_table_get(&t, ST_PUT, err))))
		s = err->code;
	if (s)
		goto out;
	n[0] = crm_value_text(text.buf);
	n[0].len = text.len;
	n[1] = crm_value_text(path);
	n[2] = crm_value_text(crm_audit_started_at(run));
	n[3] = crm_value_int(crm_audit_run_id(run));
	s = log_changes(run, get, n, &had, err);
	crm_stmt_reset(get);
	if (s)
		goto out;
	crm_stmt_bind_text_ref(put, 1, text.buf, text.len);
	crm_stmt_bind_str_ref(put, 2, path);
	crm_stmt_bind_str_ref(put, 3, crm_audit_started_at(run));
	crm_stmt_bind_int(put, 4, crm_audit_run_id(run));
	s = crm_stmt_run(put, "cannot store the field definitions", err);
	if (!s && !had)
		s = crm_audit_insert(run, "field_definitions", 1, err);
out:
	crm_stmt_table_release(&t);
	crm_strbuf_release(&text);
	return s;
}
