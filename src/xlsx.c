/*
 * Excel workbooks through libxlsxwriter (xlsx.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "xlsx.h"
#include "banned.h"

/* Excel's limits: 1,048,576 rows, 32,767 characters to a cell. */
#define XLSX_MAX_ROWS 1048576
#define XLSX_MAX_CELL 32767

struct crm_xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *date, *money, *cents;
	enum crm_xlsx_kind *kinds;
	size_t n;
	lxw_row_t row;
};

static enum crm_status lxw_fail(lxw_error e, const char *what, struct crm_error *err)
{
	return crm_error_set(err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? CRM_ERR_NOMEM : CRM_ERR_IO,
			     "%s: %s", what, lxw_strerror(e));
}

enum crm_status crm_xlsx_open(struct crm_xlsx **out, const char *path, const char *const *names,
			      const enum crm_xlsx_kind *kinds, const double *widths, size_t n,
			      struct crm_error *err)
{
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE };
	struct crm_xlsx *x;
	lxw_error e = LXW_NO_ERROR;
	size_t i;

	*out = NULL;
	if (!(x = calloc(1, sizeof(*x))) || !(x->kinds = calloc(n ? n : 1, sizeof(*x->kinds)))) {
		free(x);
		return crm_error_nomem(err);
	}
	memcpy(x->kinds, kinds, n * sizeof(*kinds));
	x->n = n;
	if (!(x->wb = workbook_new_opt(path, &opt)) ||
	    !(x->ws = workbook_add_worksheet(x->wb, NULL)) ||
	    !(x->bold = workbook_add_format(x->wb)) || !(x->date = workbook_add_format(x->wb)) ||
	    !(x->money = workbook_add_format(x->wb)) || !(x->cents = workbook_add_format(x->wb))) {
		crm_xlsx_free(x);
		return crm_error_set(err, CRM_ERR_IO, "cannot start the workbook %s", path);
	}
	format_set_bold(x->bold);
	format_set_num_format(x->date, "yyyy-mm-dd");
	format_set_num_format(x->money, "#,##0");
	format_set_num_format(x->cents, "#,##0.00##");
	for (i = 0; !e && i < n; i++)
		e = worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i, widths[i],
					 kinds[i] == CRM_XLSX_DATE ? x->date : NULL);
	for (i = 0; !e && i < n; i++)
		e = worksheet_write_string(x->ws, 0, (lxw_col_t)i, names[i], x->bold);
	if (!e)
		worksheet_freeze_panes(x->ws, 1, 0);
	if (e) {
		crm_xlsx_free(x);
		return lxw_fail(e, "cannot write the workbook's header", err);
	}
	x->row = 1;
	*out = x;
	return CRM_OK;
}

/* 1 when the 7 bytes at s are _xHHHH_. */
static int is_escape(const char *s)
{
	int i;

	if (s[0] != '_' || s[1] != 'x' || s[6] != '_')
		return 0;
	for (i = 2; i < 6; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "YYYY-MM-DD" into d; -1 when s is not one. */
static int parse_date(const struct crm_value *v, lxw_datetime *d)
{
	int y, m, day, n = 0;
	char buf[11];

	if (v->len != 10)
		return -1;
	memcpy(buf, v->s, 10);
	buf[10] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &day, &n) != 3 || n != 10 || m < 1 || m > 12 ||
	    day < 1 || day > 31 || y < 1900)
		return -1;
	memset(d, 0, sizeof(*d));
	d->year = y;
	d->month = m;
	d->day = day;
	return 0;
}

/*
 * The len bytes at s as a cell's text: Excel reads _xHHHH_ in a cell as the
 * character U+HHHH, so a literal one is written with its _ escaped
 * (_x005F_), as Excel itself saves it. A new string, or NULL.
 */
static char *escaped(const char *s, size_t len)
{
	size_t i, k = 0, extra = 0;
	char *out;

	for (i = 0; i + 7 <= len; i++)
		extra += is_escape(s + i);
	if (!(out = malloc(len + extra * 6 + 1)))
		return NULL;
	for (i = 0; i < len; i++) {
		if (i + 7 <= len && is_escape(s + i)) {
			memcpy(out + k, "_x005F", 6);
			k += 6;
		}
		out[k++] = s[i];
	}
	out[k] = '\0';
	return out;
}

enum crm_status crm_xlsx_row(struct crm_xlsx *x, const struct crm_value *vals,
			     struct crm_error *err)
{
	lxw_error e = LXW_NO_ERROR;
	lxw_datetime d;
	size_t i;
	char *text = NULL;

	if (x->row >= XLSX_MAX_ROWS)
		return crm_error_set(err, CRM_ERR_TOOBIG, "a sheet holds at most %d rows: "
				     "export in parts, or to CSV", XLSX_MAX_ROWS - 1);
	for (i = 0; !e && i < x->n; i++) {
		const struct crm_value *v = &vals[i];
		lxw_col_t col = (lxw_col_t)i;

		if (v->type == CRM_VALUE_NULL)
			continue;
		if (v->type == CRM_VALUE_INT) {
			e = worksheet_write_number(x->ws, x->row, col, (double)v->i, NULL);
			continue;
		}
		if (v->type == CRM_VALUE_REAL) {
			e = worksheet_write_number(x->ws, x->row, col, v->r, NULL);
			continue;
		}
		if (x->kinds[i] == CRM_XLSX_MONEY) {
			char buf[40], *end;
			double m;

			snprintf(buf, sizeof(buf), "%.*s", (int)(v->len < 39 ? v->len : 39), v->s);
			m = strtod(buf, &end);
			if (end != buf && !*end) {
				e = worksheet_write_number(x->ws, x->row, col, m,
							   strchr(buf, '.') ? x->cents : x->money);
				continue;
			}
		}
		if (x->kinds[i] == CRM_XLSX_DATE && !parse_date(v, &d)) {
			e = worksheet_write_datetime(x->ws, x->row, col, &d, x->date);
			continue;
		}
		if (v->len > XLSX_MAX_CELL) {
			free(text);
			return crm_error_set(err, CRM_ERR_TOOBIG, "row %lu, column %zu: a cell "
					     "holds at most %d characters", (unsigned long)x->row,
					     i + 1, XLSX_MAX_CELL);
		}
		free(text);
		if (!(text = escaped(v->s, v->len)))
			return crm_error_nomem(err);
		/* a string, never a formula: =HYPERLINK(...) stays text */
		e = worksheet_write_string(x->ws, x->row, col, text, NULL);
	}
	free(text);
	if (e)
		return lxw_fail(e, "cannot write the workbook", err);
	x->row++;
	return CRM_OK;
}

enum crm_status crm_xlsx_close(struct crm_xlsx *x, struct crm_error *err)
{
	lxw_error e = workbook_close(x->wb);

	x->wb = NULL;
	crm_xlsx_free(x);
	return e ? lxw_fail(e, "cannot write the workbook", err) : CRM_OK;
}

void crm_xlsx_free(struct crm_xlsx *x)
{
	if (!x)
		return;
	if (x->wb)
		lxw_workbook_free(x->wb);
	free(x->kinds);
	free(x);
}
