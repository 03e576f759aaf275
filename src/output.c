#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "csvio.h"
#include "output.h"
#include "utf8.h"
#include "strbuf.h"
#include "banned.h"

#define TABLE_HOLD 20000      /* cells a table reads before it sizes its columns */
#define TABLE_MAX_WIDTH 40    /* display columns a table cell may take */

struct crm_out {
	FILE *fp;
	enum crm_format format;
	size_t n;
	char **names;
	struct crm_csv_writer *csv;
	struct crm_strbuf line;
	struct crm_strbuf *cells;   /* one row's cells as text */
	/* table */
	size_t *width;
	char **held;                /* held rows, n cells each, as one block */
	size_t nheld;
	int sized;
	int cut;                    /* table: long cells cut to TABLE_MAX_WIDTH */
	uint64_t json_cols;         /* columns whose text is JSON, written as is in json */
	unsigned long rows;
};

int crm_format_parse(const char *name, enum crm_format *f)
{
	static const char *const names[] = { "csv", "tsv", "json", "table" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*f = (enum crm_format)i;
			return 0;
		}
	return -1;
}

size_t crm_display_width(const char *s, size_t len)
{
	size_t w = 0, i = 0;

	while (i < len) {
		int32_t c;
		int k = crm_utf8_decode(s + i, (ptrdiff_t)(len - i), &c);
		int cw;

		if (k <= 0) {   /* not UTF-8: a byte is a column */
			w++;
			i++;
			continue;
		}
		cw = utf8proc_charwidth(c);
		w += cw > 0 ? (size_t)cw : 0;
		i += (size_t)k;
	}
	return w;
}

static enum crm_status write_failed(struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_IO, "cannot write the output: %s", strerror(errno));
}

/* Decimal digits of i, without printf's cost (a log can be millions of ids). */
static int add_int(struct crm_strbuf *sb, long long i)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (i < 0)
		*--p = '-';
	return crm_strbuf_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * The shortest decimal that reads back as r (2.57, not 2.5699999999999998):
 * what a person and a spreadsheet expect, and exact for a program.
 */
static int add_real(struct crm_strbuf *sb, double r, const char *none)
{
	char buf[32];
	int p;

	if (!isfinite(r))
		return crm_strbuf_addstr(sb, none);
	for (p = 15; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, r);
		if (strtod(buf, NULL) == r)
			break;
	}
	if (p == 17)
		snprintf(buf, sizeof(buf), "%.17g", r);
	return crm_strbuf_addstr(sb, buf);
}

/* A value as text; NULL is empty. */
static int value_text(struct crm_strbuf *sb, const struct crm_value *v)
{
	crm_strbuf_reset(sb);
	switch (v->type) {
	case CRM_VALUE_NULL: return crm_strbuf_addstr(sb, "");
	case CRM_VALUE_INT: return add_int(sb, v->i);
	case CRM_VALUE_REAL: return add_real(sb, v->r, "");
	case CRM_VALUE_TEXT: return crm_strbuf_add(sb, v->s, v->len);
	}
	return -1;
}

enum crm_status crm_out_open(struct crm_out **out, FILE *fp, enum crm_format format,
			     const char *const *names, size_t n, struct crm_error *err)
{
	struct crm_out *o = calloc(1, sizeof(*o));
	enum crm_status s = CRM_OK;
	size_t i;

	*out = NULL;
	if (n == 0 || n > 64) {
		free(o);
		return crm_error_set(err, CRM_ERR_INTERNAL, "an output needs 1 to 64 columns");
	}
	if (!o)
		return crm_error_nomem(err);
	o->fp = fp;
	o->format = format;
	o->n = n;
	o->cut = 1;
	crm_strbuf_init(&o->line);
	o->names = calloc(n, sizeof(*o->names));
	o->cells = calloc(n, sizeof(*o->cells));
	o->width = calloc(n, sizeof(*o->width));
	if (!o->names || !o->cells || !o->width) {
		crm_out_free(o);
		return crm_error_nomem(err);
	}
	for (i = 0; i < n; i++) {
		crm_strbuf_init(&o->cells[i]);
		o->names[i] = strdup(names[i]);
		if (!o->names[i]) {
			crm_out_free(o);
			return crm_error_nomem(err);
		}
		o->width[i] = crm_display_width(names[i], strlen(names[i]));
	}
	switch (format) {
	case CRM_FORMAT_CSV: {
		struct crm_csv_write_options opt = { 0 };

		s = crm_csv_writer_open(&o->csv, fp, &opt, err);
		if (!s)
			s = crm_csv_write_record(o->csv, (const char *const *)o->names, NULL, n, err);
		break;
	}
	case CRM_FORMAT_TSV:
		for (i = 0; i < n; i++)
			if (fprintf(fp, "%s%s", i ? "\t" : "", names[i]) < 0)
				s = write_failed(err);
		if (fputc('\n', fp) == EOF)
			s = write_failed(err);
		break;
	case CRM_FORMAT_TABLE:
		o->held = calloc(TABLE_HOLD, sizeof(*o->held));
		if (!o->held)
			s = crm_error_nomem(err);
		break;
	case CRM_FORMAT_JSON:
		break;
	}
	if (s) {
		crm_out_free(o);
		return s;
	}
	*out = o;
	return CRM_OK;
}

static int add_tsv(struct crm_strbuf *sb, const char *s, size_t len)
{
	int oom = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\t': oom |= crm_strbuf_addstr(sb, "\\t"); break;
		case '\n': oom |= crm_strbuf_addstr(sb, "\\n"); break;
		case '\r': oom |= crm_strbuf_addstr(sb, "\\r"); break;
		case '\\': oom |= crm_strbuf_addstr(sb, "\\\\"); break;
		default: oom |= crm_strbuf_addch(sb, s[i]); break;
		}
	}
	return oom;
}

static int add_json_value(struct crm_strbuf *sb, const struct crm_value *v)
{
	switch (v->type) {
	case CRM_VALUE_NULL: return crm_strbuf_addstr(sb, "null");
	case CRM_VALUE_INT: return add_int(sb, v->i);
	case CRM_VALUE_REAL: return add_real(sb, v->r, "null");
	case CRM_VALUE_TEXT: return crm_strbuf_add_json_string(sb, v->s, v->len);
	}
	return -1;
}

void crm_out_set_cut(struct crm_out *o, int cut)
{
	o->cut = cut;
}

void crm_out_json_column(struct crm_out *o, size_t col)
{
	if (col < o->n && col < 64)
		o->json_cols |= (uint64_t)1 << col;
}

/* One table cell, padded to width (or, when cut, cut with an ellipsis), to sb. */
static int add_cell(struct crm_strbuf *sb, const char *s, size_t len, size_t width, int cut,
		    int last)
{
	size_t w = crm_display_width(s, len), i = 0, used = 0;
	int oom = 0;

	if (w <= width || !cut) {
		for (i = 0; i < len; i++)
			oom |= crm_strbuf_addch(sb, s[i] == '\n' || s[i] == '\r' || s[i] == '\t'
						    ? ' ' : s[i]);
		used = w;
	} else {
		while (i < len) {
			int32_t c;
			int k = crm_utf8_decode(s + i, (ptrdiff_t)(len - i), &c);
			size_t cw;

			if (k <= 0) {
				k = 1;
				cw = 1;
			} else {
				int x = utf8proc_charwidth(c);

				cw = x > 0 ? (size_t)x : 0;
			}
			if (used + cw > width - 1)
				break;
			if (k == 1 && (s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
				oom |= crm_strbuf_addch(sb, ' ');
			else
				oom |= crm_strbuf_add(sb, s + i, (size_t)k);
			used += cw;
			i += (size_t)k;
		}
		oom |= crm_strbuf_addstr(sb, "\xe2\x80\xa6");   /* … */
		used++;
	}
	while (!last && used++ < width)
		oom |= crm_strbuf_addch(sb, ' ');
	if (!last)
		oom |= crm_strbuf_addstr(sb, "  ");
	return oom;
}

static enum crm_status print_table_row(struct crm_out *o, char *const *cells,
				       struct crm_error *err)
{
	size_t i;
	int oom = 0;

	crm_strbuf_reset(&o->line);
	for (i = 0; i < o->n; i++)
		oom |= add_cell(&o->line, cells[i], strlen(cells[i]), o->width[i], o->cut,
				i + 1 == o->n);
	/* Trailing blanks of empty last cells are trimmed. */
	while (o->line.len && o->line.buf[o->line.len - 1] == ' ')
		crm_strbuf_setlen(&o->line, o->line.len - 1);
	oom |= crm_strbuf_addch(&o->line, '\n');
	if (oom)
		return crm_error_nomem(err);
	if (fwrite(o->line.buf, 1, o->line.len, o->fp) != o->line.len)
		return write_failed(err);
	return CRM_OK;
}

/* Sizes the columns from the held rows and prints the header and them. */
static enum crm_status flush_table(struct crm_out *o, struct crm_error *err)
{
	enum crm_status s;
	size_t r, i;

	if (o->sized)
		return CRM_OK;
	o->sized = 1;
	for (i = 0; o->cut && i < o->n; i++)
		if (o->width[i] > TABLE_MAX_WIDTH)
			o->width[i] = TABLE_MAX_WIDTH;
	s = print_table_row(o, o->names, err);
	for (r = 0; !s && r < o->nheld; r++)
		s = print_table_row(o, o->held + r * o->n, err);
	for (r = 0; r < o->nheld * o->n; r++)
		free(o->held[r]);
	o->nheld = 0;
	return s;
}

static enum crm_status table_row(struct crm_out *o, const struct crm_value *vals,
				 struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	char **cells;
	size_t i;

	if (o->sized) {
		char *row[64];

		for (i = 0; i < o->n; i++) {
			if (value_text(&o->cells[i], &vals[i])) {
				s = crm_error_nomem(err);
				break;
			}
			row[i] = o->cells[i].buf ? o->cells[i].buf : (char *)"";
		}
		return s ? s : print_table_row(o, row, err);
	}
	if (o->nheld * o->n + o->n > TABLE_HOLD) {
		s = flush_table(o, err);
		return s ? s : table_row(o, vals, err);
	}
	cells = o->held + o->nheld * o->n;
	for (i = 0; i < o->n; i++) {
		size_t w;

		if (value_text(&o->cells[i], &vals[i]))
			return crm_error_nomem(err);
		cells[i] = strdup(o->cells[i].buf ? o->cells[i].buf : "");
		if (!cells[i]) {
			while (i--)
				free(cells[i]);
			return crm_error_nomem(err);
		}
		w = crm_display_width(cells[i], strlen(cells[i]));
		if (w > o->width[i])
			o->width[i] = w;
	}
	o->nheld++;
	return CRM_OK;
}

enum crm_status crm_out_row(struct crm_out *o, const struct crm_value *vals,
			    struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	int oom = 0;
	size_t i;

	switch (o->format) {
	case CRM_FORMAT_CSV: {
		const char *f[64];
		size_t l[64];

		for (i = 0; i < o->n; i++) {
			if (value_text(&o->cells[i], &vals[i]))
				return crm_error_nomem(err);
			f[i] = o->cells[i].buf ? o->cells[i].buf : "";
			l[i] = o->cells[i].len;
		}
		s = crm_csv_write_record(o->csv, f, l, o->n, err);
		break;
	}
	case CRM_FORMAT_TSV:
	case CRM_FORMAT_JSON:
		crm_strbuf_reset(&o->line);
		if (o->format == CRM_FORMAT_JSON)
			oom |= crm_strbuf_addch(&o->line, '{');
		for (i = 0; i < o->n; i++) {
			if (o->format == CRM_FORMAT_JSON) {
				if (i)
					oom |= crm_strbuf_addch(&o->line, ',');
				oom |= crm_strbuf_add_json_string(&o->line, o->names[i],
								  strlen(o->names[i]));
				oom |= crm_strbuf_addch(&o->line, ':');
				/* A JSON column's text goes in as JSON, not as a string holding it. */
				if ((o->json_cols >> i & 1) && vals[i].type == CRM_VALUE_TEXT)
					oom |= crm_strbuf_add(&o->line, vals[i].s, vals[i].len);
				else
					oom |= add_json_value(&o->line, &vals[i]);
				continue;
			}
			if (i)
				oom |= crm_strbuf_addch(&o->line, '\t');
			oom |= value_text(&o->cells[i], &vals[i]);
			oom |= add_tsv(&o->line, o->cells[i].buf ? o->cells[i].buf : "",
				       o->cells[i].len);
		}
		if (o->format == CRM_FORMAT_JSON)
			oom |= crm_strbuf_addch(&o->line, '}');
		oom |= crm_strbuf_addch(&o->line, '\n');
		if (oom)
			return crm_error_nomem(err);
		if (fwrite(o->line.buf, 1, o->line.len, o->fp) != o->line.len)
			s = write_failed(err);
		break;
	case CRM_FORMAT_TABLE:
		s = table_row(o, vals, err);
		break;
	}
	if (!s)
		o->rows++;
	return s;
}

unsigned long crm_out_rows(const struct crm_out *o)
{
	return o->rows;
}

enum crm_status crm_out_close(struct crm_out *o, struct crm_error *err)
{
	enum crm_status s = CRM_OK;

	if (o->format == CRM_FORMAT_TABLE)
		s = flush_table(o, err);
	if (o->csv) {
		enum crm_status c = crm_csv_writer_close(o->csv, err);

		o->csv = NULL;
		if (!s)
			s = c;
	} else if (!s && fflush(o->fp) != 0) {
		s = write_failed(err);
	}
	crm_out_free(o);
	return s;
}

void crm_out_free(struct crm_out *o)
{
	size_t i;

	if (!o)
		return;
	crm_csv_writer_free(o->csv);
	for (i = 0; o->held && i < o->nheld * o->n; i++)
		free(o->held[i]);
	free(o->held);
	for (i = 0; i < o->n; i++) {
		if (o->names)
			free(o->names[i]);
		if (o->cells)
			crm_strbuf_release(&o->cells[i]);
	}
	free(o->names);
	free(o->cells);
	free(o->width);
	crm_strbuf_release(&o->line);
	free(o);
}
