/*
 * The segment expression language (crm-segment(1), EXPRESSIONS): a lexer,
 * a recursive-descent parser to a tree, a type check against the field
 * table, the compilation of the tree to a SQL condition whose every value
 * is a bound parameter, and the search for reasons it can never match.
 *
 *   expr       := and { "or" and }
 *   and        := unary { "and" unary }
 *   unary      := "not" unary | "(" expr ")" | test
 *   test       := FIELD op value | FIELD ["not"] "in" "(" value { "," value } ")"
 *               | FIELD ["not"] "contains" STRING | FIELD "is" ["not"] "empty"
 *               | FIELD                                   (a yes/no field)
 *   op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
 *   value      := STRING | NUMBER | "-" NUMBER | DATE | "true" | "false"
 *               | "yes" | "no" | ("today" | DATE) [("+" | "-") DURATION]
 *   DURATION   := digits followed by d, w, m or y (days, weeks, months, years)
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "ftype-basic.h"
#include "ftype-date.h"
#include "rfm.h"
#include "segment.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- The fields ---------------------------------------------------------- */

/* The customer's order lines before the end of the as-of day. */
#define ORDERS_OF "FROM orders o WHERE o.customer_id = c.id AND o.ordered_at < ?2"
#define LAST_ORDER "(SELECT substr(max(o.ordered_at), 1, 10) " ORDERS_OF " AND o.status = 'ok')"
#define RFM_OF(col) "(SELECT s." col " FROM rfm_scores s WHERE s.run_id = ?3 AND s.customer_id = c.id)"
/* A fraction as ten-thousandths, compared as money is: exact to its fourth decimal. */
#define RFM_OF_SHARE(col) "(SELECT CAST(round(s." col " * 10000) AS INTEGER) FROM rfm_scores s" \
	" WHERE s.run_id = ?3 AND s.customer_id = c.id)"

static const struct crm_seg_field derived[] = {
	{ "id", CRM_SEG_INT, "c.id", "the customer's id", 0, 1, INT64_MAX, 0 },
	{ "age", CRM_SEG_INT,
	  "(CASE WHEN c.birthdate <= ?1 THEN"
	  " CAST(substr(?1, 1, 4) AS INTEGER) - CAST(substr(c.birthdate, 1, 4) AS INTEGER)"
	  " - (substr(?1, 6, 5) < substr(c.birthdate, 6, 5)) END)",
	  "whole years from birthdate to the as-of date (none\nbefore the birth)", CRM_SEG_DERIVED, 0, INT64_MAX,
	  0 },
	{ "orders", CRM_SEG_INT,
	  "(SELECT count(DISTINCT o.source || ':' || o.order_key) " ORDERS_OF
	  " AND o.status = 'ok')",
	  "orders with a line not cancelled or returned", CRM_SEG_DERIVED, 0, INT64_MAX, 3 },
	{ "total_spent", CRM_SEG_MONEY, "IFNULL((SELECT sum(o.amount) " ORDERS_OF "), 0)",
	  "the amounts of all order lines, cancellations and\nreturns subtracted (0 for none)",
	  CRM_SEG_DERIVED, INT64_MIN, INT64_MAX, 3 },
	{ "first_order", CRM_SEG_DATE,
	  "(SELECT substr(min(o.ordered_at), 1, 10) " ORDERS_OF " AND o.status = 'ok')",
	  "the day of the first order line not cancelled or returned", CRM_SEG_DERIVED, 0, 0, 2 },
	{ "last_order", CRM_SEG_DATE, LAST_ORDER,
	  "the day of the last order line not cancelled or returned", CRM_SEG_DERIVED, 0, 0, 2 },
	{ "days_since_last_order", CRM_SEG_INT,
	  "CAST(julianday(?1) - julianday(" LAST_ORDER ") AS INTEGER)",
	  "days from last_order to the as-of date", CRM_SEG_DERIVED, 0, INT64_MAX, 2 },
	{ "last_interaction", CRM_SEG_DATE,
	  "(SELECT substr(max(i.at), 1, 10) FROM interactions i WHERE i.customer_id = c.id"
	  " AND i.at < ?2)", "the day of the last interaction", CRM_SEG_DERIVED, 0, 0, 2 },
	{ "created", CRM_SEG_DATE, "substr(c.created_at, 1, 10)",
	  "the day the customer was first imported (UTC)", 0, 0, 0, 0 },
	{ "r", CRM_SEG_INT, RFM_OF("r_score"), "RFM recency score", CRM_SEG_RFM, 1, CRM_RFM_MAX_BINS, 1 },
	{ "f", CRM_SEG_INT, RFM_OF("f_score"), "RFM frequency score", CRM_SEG_RFM, 1, CRM_RFM_MAX_BINS, 1 },
	{ "m", CRM_SEG_INT, RFM_OF("m_score"), "RFM monetary score", CRM_SEG_RFM, 1, CRM_RFM_MAX_BINS, 1 },
	{ "segment", CRM_SEG_TEXT, RFM_OF("segment"), "RFM segment (Champions, At Risk ...)",
	  CRM_SEG_RFM, 0, 0, 1 },
	{ "recency", CRM_SEG_INT, RFM_OF("recency_days"),
	  "RFM recency: days from the last purchase to its as-of", CRM_SEG_RFM, 0, INT64_MAX,
	  1 },
	{ "frequency", CRM_SEG_INT, RFM_OF("frequency"), "RFM frequency: orders",
	  CRM_SEG_RFM, 1, INT64_MAX, 1 },
	{ "monetary", CRM_SEG_MONEY, RFM_OF("monetary"), "RFM monetary: money spent",
	  CRM_SEG_RFM, INT64_MIN, INT64_MAX, 1 },
	{ "p_alive", CRM_SEG_SHARE, RFM_OF_SHARE("p_alive"),
	  "LTV: the probability the customer still buys (rfm --ltv)",
	  CRM_SEG_RFM | CRM_SEG_LTV, 0, 10000, 1 },
	{ "predicted_value", CRM_SEG_MONEY, RFM_OF("predicted_value"),
	  "LTV: the value predicted over the horizon", CRM_SEG_RFM | CRM_SEG_LTV, INT64_MIN,
	  INT64_MAX, 1 },
	{ "ltv", CRM_SEG_MONEY, RFM_OF("ltv"), "LTV: monetary plus predicted_value",
	  CRM_SEG_RFM | CRM_SEG_LTV, INT64_MIN, INT64_MAX, 1 },
};

#define MAX_FIELDS 64
static struct crm_seg_field field_table[MAX_FIELDS];
static char field_sql[MAX_FIELDS][40];
static char field_help[MAX_FIELDS][64];
static size_t nfields;

/* The customers table's own columns, from the field catalogue, then the derived ones. */
static void fields_init(void)
{
	const struct crm_field *cf;
	size_t i, n;

	if (nfields)
		return;
	cf = crm_fields(CRM_KIND_CUSTOMERS, &n);
	for (i = 0; i < n && nfields < MAX_FIELDS - ARRAY_LEN(derived); i++) {
		struct crm_seg_field *f = &field_table[nfields];
		enum crm_ftype t = cf[i].fieldtype->stored;

		if (cf[i].flags & CRM_F_VIRTUAL)
			continue;
		snprintf(field_sql[nfields], sizeof(field_sql[0]), "c.%s", cf[i].name);
		f->name = cf[i].name;
		f->type = t == CRM_T_DATE ? CRM_SEG_DATE : t == CRM_T_FLAG ? CRM_SEG_BOOL :
			  CRM_SEG_TEXT;
		f->sql = field_sql[nfields];
		snprintf(field_help[nfields], sizeof(field_help[0]), "the customer's %s, as stored (%s)",
			 cf[i].name, cf[i].fieldtype->name);
		f->help = field_help[nfields];
		nfields++;
	}
	for (i = 0; i < ARRAY_LEN(derived); i++)
		field_table[nfields++] = derived[i];
}

const struct crm_seg_field *crm_seg_fields(size_t *n)
{
	fields_init();
	*n = nfields;
	return field_table;
}

const char *crm_seg_type_name(enum crm_seg_type t)
{
	static const char *const names[] = { "text", "number", "money", "date", "yes/no",
					     "fraction" };

	return (size_t)t < ARRAY_LEN(names) ? names[t] : "?";
}

static const struct crm_seg_field *field_named(const char *s, size_t len)
{
	size_t i;

	fields_init();
	for (i = 0; i < nfields; i++)
		if (strlen(field_table[i].name) == len && !memcmp(field_table[i].name, s, len))
			return &field_table[i];
	return NULL;
}

/* The field whose name is nearest to s (one or two letters off), or NULL. */
int crm_seg_near(const char *s, size_t len, const char *name)
{
	size_t m = strlen(name), a, b, d[65], prev, tmp;

	if (m >= 64 || len >= 64)
		return 0;
	/* Levenshtein distance, one row; ASCII case ignored */
	for (b = 0; b <= m; b++)
		d[b] = b;
	for (a = 1; a <= len; a++) {
		prev = d[0];
		d[0] = a;
		for (b = 1; b <= m; b++) {
			tmp = d[b];
			d[b] = prev + (tolower((unsigned char)s[a - 1]) !=
				       tolower((unsigned char)name[b - 1]));
			if (d[b - 1] + 1 < d[b])
				d[b] = d[b - 1] + 1;
			if (tmp + 1 < d[b])
				d[b] = tmp + 1;
			prev = tmp;
		}
	}
	return d[m] <= 2 && d[m] < (m + 1) / 2 + 1 ? (int)d[m] + 1 : 0;
}

/* The field whose name is nearest to s (one or two letters off), or NULL. */
static const struct crm_seg_field *field_near(const char *s, size_t len)
{
	const struct crm_seg_field *best = NULL;
	int best_d = 0, d;
	size_t i;

	for (i = 0; i < nfields; i++)
		if ((d = crm_seg_near(s, len, field_table[i].name)) && (!best || d < best_d)) {
			best_d = d;
			best = &field_table[i];
		}
	return best;
}

/* ---- Dates ---------------------------------------------------------------- */

static int leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

int crm_seg_date_add(const char *date, long n, char unit, char out[11])
{
	int32_t days = crm_rfm_days(date);
	long y, m, d, k;
	char buf[48];

	if (days == CRM_RFM_NO_DATE || n < -1000000 || n > 1000000)
		return -1;
	if (unit == 'd' || unit == 'w') {
		long long t = (long long)days + (long long)n * (unit == 'w' ? 7 : 1);

		if (t < -719162 || t > 2932896)   /* 0001-01-01 .. 9999-12-31 */
			return -1;
		crm_rfm_date((int32_t)t, out);
		return 0;
	}
	if (unit != 'm' && unit != 'y')
		return -1;
	y = strtol(date, NULL, 10);
	m = strtol(date + 5, NULL, 10);
	d = strtol(date + 8, NULL, 10);
	k = y * 12 + (m - 1) + (unit == 'y' ? n * 12 : n);
	y = k / 12;
	m = k % 12 + 1;
	if (k < 12 || y > 9999)
		return -1;
	/* The 31st a month on, in a month of 30 days, is its last day; so is 29 February a year on. */
	if (d > month_days(y, (int)m))
		d = month_days(y, (int)m);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)y, (int)m, (int)d);
	memcpy(out, buf, 11);
	return 0;
}

/* 1 when the len bytes at s are a date YYYY-MM-DD that exists. */
static int is_date(const char *s, size_t len)
{
	char buf[11];
	int32_t days;

	if (len != 10)
		return 0;
	memcpy(buf, s, 10);
	buf[10] = '\0';
	if ((days = crm_rfm_days(buf)) == CRM_RFM_NO_DATE)
		return 0;
	crm_rfm_date(days, buf);
	return !memcmp(buf, s, 10);
}

/* ---- Tokens --------------------------------------------------------------- */

enum tok {
	T_END, T_WORD, T_STRING, T_NUMBER, T_DATE, T_DURATION, T_LP, T_RP, T_COMMA,
	T_OP, T_PLUS, T_MINUS,
};

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
static const char *const op_sql[] = { "=", "<>", "<", "<=", ">", ">=" };
static const char *const op_text[] = { "=", "!=", "<", "<=", ">", ">=" };

struct token {
	enum tok t;
	size_t pos, len;        /* in the text */
	enum op op;
	char *str;              /* T_STRING: the value, unquoted, owned */
};

/* A value of a test: text, or a number (money in ten-thousandths, yes/no 1/0, dates as text). */
struct lit {
	char *s;                /* text and dates, owned; NULL for a number */
	int64_t i;
	int32_t days;           /* dates */
};

enum nkind { N_AND, N_OR, N_NOT, N_CMP, N_IN, N_CONTAINS, N_EMPTY };

struct node {
	enum nkind k;
	size_t pos;
	const struct crm_seg_field *f;
	enum op op;
	int neg;                /* not in, not contains, is not empty */
	struct lit *v;
	size_t nv;
	struct node **kid;
	size_t nkid;
};

struct crm_seg_expr {
	struct crm_strbuf sql;
	struct lit *param;      /* ?4 onwards */
	size_t nparam, cap;
	const struct crm_seg_field *used[MAX_FIELDS];
	size_t nused;
	int rfm;
	struct crm_seg_env env;
	char as_of_next[11];
	struct node *root;
	char never[256];
	int never_found;
};

struct parser {
	const char *s;
	size_t len, at;
	struct token tok;
	int depth;
	const struct crm_seg_env *env;
	struct crm_seg_expr *e;
	struct crm_error *err;
	size_t *errat;
};

/* The character (from 1) at byte offset pos of the text: what a person counts. */
static size_t char_at(const char *s, size_t pos)
{
	size_t i, n = 1;

	for (i = 0; i < pos; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static enum crm_status fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum crm_status fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	char msg[CRM_ERROR_MSG_MAX - 40];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*p->errat = pos;
	return crm_error_set(p->err, CRM_ERR_INVALID, "expression, character %zu: %s",
			     char_at(p->s, pos), msg);
}

/* The token at pos as the message quotes it: at most 24 bytes, cut at a character. */
static const char *quote(struct parser *p, size_t pos, size_t len, char buf[32])
{
	size_t n = len < 24 ? len : 24;

	while (n < len && n > 0 && ((unsigned char)p->s[pos + n] & 0xc0) == 0x80)
		n--;
	snprintf(buf, 32, "%.*s%s", (int)n, p->s + pos, n < len ? "..." : "");
	return buf;
}

static int word_char(int c)
{
	return isalnum(c) || c == '_';
}

static enum crm_status lex_string(struct parser *p)
{
	char q = p->s[p->at];
	size_t start = p->at, i = p->at + 1;
	struct crm_strbuf b = CRM_STRBUF_INIT;

	for (;; i++) {
		if (i >= p->len) {
			crm_strbuf_release(&b);
			return fail(p, start, "a string is not closed: %c at its end is missing", q);
		}
		if (p->s[i] == q) {
			if (i + 1 < p->len && p->s[i + 1] == q) {   /* '' inside '...' is one ' */
				i++;
			} else {
				break;
			}
		}
		if (p->s[i] == '\0' || crm_strbuf_addch(&b, p->s[i])) {
			crm_strbuf_release(&b);
			return p->s[i] == '\0' ? fail(p, i, "a NUL byte in a string") :
			       crm_error_nomem(p->err);
		}
	}
	p->tok.t = T_STRING;
	p->tok.len = i + 1 - start;
	p->tok.str = crm_strbuf_detach(&b, NULL);
	if (!p->tok.str)
		return crm_error_nomem(p->err);
	p->at = i + 1;
	return CRM_OK;
}

static enum crm_status lex(struct parser *p)
{
	const char *s = p->s;
	size_t i;
	char buf[32];

	free(p->tok.str);
	memset(&p->tok, 0, sizeof(p->tok));
	while (p->at < p->len && strchr(" \t\r\n", s[p->at]))
		p->at++;
	/* 　 (U+3000), which a Japanese keyboard types for a space */
	while (p->at + 3 <= p->len && !memcmp(s + p->at, "\xe3\x80\x80", 3)) {
		p->at += 3;
		while (p->at < p->len && strchr(" \t\r\n", s[p->at]))
			p->at++;
	}
	p->tok.pos = i = p->at;
	if (i >= p->len) {
		p->tok.t = T_END;
		return CRM_OK;
	}
	switch (s[i]) {
	case '(': p->tok.t = T_LP; p->at++; p->tok.len = 1; return CRM_OK;
	case ')': p->tok.t = T_RP; p->at++; p->tok.len = 1; return CRM_OK;
	case ',': p->tok.t = T_COMMA; p->at++; p->tok.len = 1; return CRM_OK;
	case '+': p->tok.t = T_PLUS; p->at++; p->tok.len = 1; return CRM_OK;
	case '-': p->tok.t = T_MINUS; p->at++; p->tok.len = 1; return CRM_OK;
	case '\'': case '"': return lex_string(p);
	case '=': case '!': case '<': case '>': {
		char a = s[i], b = i + 1 < p->len ? s[i + 1] : '\0';

		p->tok.t = T_OP;
		p->tok.len = 1;
		if (a == '=') {
			if (b == '>' || b == '<')
				return fail(p, i, "'=%c' is not an operator: did you mean %c=?", b, b);
			p->tok.op = OP_EQ;
			p->tok.len = b == '=' ? 2 : 1;
		} else if (a == '!') {
			if (b != '=')
				return fail(p, i, "'!' is not an operator: != is, or not");
			p->tok.op = OP_NE;
			p->tok.len = 2;
		} else if (a == '<') {
			p->tok.op = b == '=' ? OP_LE : b == '>' ? OP_NE : OP_LT;
			p->tok.len = b == '=' || b == '>' ? 2 : 1;
		} else {
			p->tok.op = b == '=' ? OP_GE : OP_GT;
			p->tok.len = b == '=' ? 2 : 1;
		}
		p->at += p->tok.len;
		return CRM_OK;
	}
	}
	if (isdigit((unsigned char)s[i])) {
		size_t j = i;

		while (j < p->len && isdigit((unsigned char)s[j]))
			j++;
		if (j - i == 4 && j + 6 <= p->len && s[j] == '-' && isdigit((unsigned char)s[j + 1]) &&
		    isdigit((unsigned char)s[j + 2]) && s[j + 3] == '-' &&
		    isdigit((unsigned char)s[j + 4]) && isdigit((unsigned char)s[j + 5])) {
			p->tok.t = T_DATE;
			j += 6;
		} else if (j < p->len && strchr("dwmy", s[j]) &&
			   (j + 1 >= p->len || !word_char((unsigned char)s[j + 1]))) {
			p->tok.t = T_DURATION;
			j++;
		} else {
			if (j + 1 < p->len && s[j] == '.' && isdigit((unsigned char)s[j + 1]))
				for (j++; j < p->len && isdigit((unsigned char)s[j]); j++)
					;
			p->tok.t = T_NUMBER;
		}
		if (j < p->len && word_char((unsigned char)s[j])) {
			size_t k = j;

			while (k < p->len && word_char((unsigned char)s[k]))
				k++;
			if (p->tok.t == T_DURATION ||
			    (strchr("dwmy", s[j]) && j + 1 < p->len && isdigit((unsigned char)s[j + 1])))
				return fail(p, i, "'%s': one unit to a duration (today - 2w - 3d)",
					    quote(p, i, k - i, buf));
			return fail(p, i, "'%s' is not a number, a date or a duration (365d)",
				    quote(p, i, k - i, buf));
		}
		p->tok.len = j - i;
		p->at = j;
		return CRM_OK;
	}
	if (isalpha((unsigned char)s[i]) || s[i] == '_') {
		size_t j = i;

		while (j < p->len && word_char((unsigned char)s[j]))
			j++;
		p->tok.t = T_WORD;
		p->tok.len = j - i;
		p->at = j;
		return CRM_OK;
	}
	if ((unsigned char)s[i] >= 0x80) {
		size_t j = i;
		int32_t cp = 0;
		int n = crm_utf8_decode(s + i, (ptrdiff_t)(p->len - i), &cp);

		if (n <= 0)
			return fail(p, i, "a byte that is not UTF-8 (0x%02x)", (unsigned char)s[i]);
		/* ０-９, Ａ-ｚ, ＞ ...: the full-width forms of ASCII, U+FF01..FF5E */
		if (cp >= 0xff01 && cp <= 0xff5e)
			return fail(p, i, "'%s' is full-width: write it half-width ('%c'), or quote "
				    "text", quote(p, i, (size_t)n, buf), (char)(cp - 0xff01 + '!'));
		while (j < p->len && (unsigned char)s[j] >= 0x80)
			j++;
		if (!memcmp(s + i, "\xe5\x86\x86", 3) || !memcmp(s + i, "\xc2\xa5", 2) ||
		    !memcmp(s + i, "\xef\xbf\xa5", 3))
			return fail(p, i, "money is written as a number, without 円 or ¥ (50000)");
		quote(p, i, j - i, buf);
		return fail(p, i, "'%s' is not quoted: text is quoted ('%s'), and field names "
			    "are in English (crm segment fields)", buf, buf);
	}
	return fail(p, i, "'%c' is not part of an expression (operators: = != < <= > >= in "
		    "contains is empty and or not)", s[i]);
}

static int is_word(const struct parser *p, const char *w)
{
	size_t n = strlen(w), i;

	if (p->tok.t != T_WORD || p->tok.len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)p->s[p->tok.pos + i]) != w[i])
			return 0;
	return 1;
}

static const char *const keywords[] = {
	"and", "or", "not", "in", "contains", "is", "empty", "today", "true", "false",
	"yes", "no", NULL,
};

static int is_keyword(const struct parser *p)
{
	size_t i;

	for (i = 0; keywords[i]; i++)
		if (is_word(p, keywords[i]))
			return 1;
	return 0;
}

/* What the current token is, for "expected X, not Y". */
static const char *tok_desc(struct parser *p, char buf[48])
{
	char q[32];

	if (p->tok.t == T_END)
		return "the end";
	/* text comes with its own quotes */
	snprintf(buf, 48, p->tok.t == T_STRING ? "%s" : "'%s'", quote(p, p->tok.pos, p->tok.len, q));
	return buf;
}

/* ---- The tree ------------------------------------------------------------ */

static void lit_release(struct lit *v)
{
	free(v->s);
}

static void node_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkid; i++)
		node_free(n->kid[i]);
	for (i = 0; i < n->nv; i++)
		lit_release(&n->v[i]);
	free(n->kid);
	free(n->v);
	free(n);
}

static struct node *node_new(enum nkind k, size_t pos)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n) {
		n->k = k;
		n->pos = pos;
	}
	return n;
}

static int node_add(struct node *n, struct node *kid)
{
	struct node **k = realloc(n->kid, (n->nkid + 1) * sizeof(*k));

	if (!k)
		return -1;
	n->kid = k;
	n->kid[n->nkid++] = kid;
	return 0;
}

static int node_add_value(struct node *n, struct lit *v)
{
	struct lit *x = realloc(n->v, (n->nv + 1) * sizeof(*x));

	if (!x)
		return -1;
	n->v = x;
	n->v[n->nv++] = *v;
	return 0;
}

/* ---- Values ---------------------------------------------------------------- */

/* A date value: DATE or today, then ± a duration, into v. */
static enum crm_status date_value(struct parser *p, const struct crm_seg_field *f, struct lit *v)
{
	char base[11], out[11], buf[48];
	size_t pos = p->tok.pos;
	enum crm_status s;

	if (is_word(p, "today")) {
		memcpy(base, p->env->as_of, 11);
	} else if (p->tok.t == T_DATE || p->tok.t == T_STRING) {
		const char *t = p->tok.t == T_DATE ? p->s + p->tok.pos : p->tok.str;
		size_t n = p->tok.t == T_DATE ? p->tok.len : strlen(t);

		if (!is_date(t, n)) {
			struct crm_error e;

			/* 令和7年4月1日, 2025/4/1: as import reads a date */
			if (p->tok.t != T_STRING || crm_parse_date(t, base, &e))
				return fail(p, pos, "%s is a date: %s is not one (2025-04-01, "
					    "today - 30d)", f->name, tok_desc(p, buf));
		} else {
			memcpy(base, t, 10);
			base[10] = '\0';
		}
	} else {
		return fail(p, pos, "%s is a date: compare it with a date (2025-04-01, today - "
			    "30d), not %s", f->name, tok_desc(p, buf));
	}
	if ((s = lex(p)))
		return s;
	while (p->tok.t == T_PLUS || p->tok.t == T_MINUS) {
		int minus = p->tok.t == T_MINUS;
		long n;

		if ((s = lex(p)))
			return s;
		if (p->tok.t != T_DURATION)
			return fail(p, p->tok.pos, "a date %s a duration: a number of days, weeks, "
				    "months or years (30d, 2w, 6m, 1y), not %s", minus ? "minus" :
				    "plus", tok_desc(p, buf));
		n = strtol(p->s + p->tok.pos, NULL, 10);
		if (p->tok.len > 8 ||
		    crm_seg_date_add(base, minus ? -n : n, p->s[p->tok.pos + p->tok.len - 1], out))
			return fail(p, p->tok.pos, "the date falls outside the years 1 to 9999");
		memcpy(base, out, 11);
		if ((s = lex(p)))
			return s;
	}
	if (!(v->s = strdup(base)))
		return crm_error_nomem(p->err);
	v->days = crm_rfm_days(base);
	return CRM_OK;
}

/* A text value for field f: normalized as import stores the field's values. */
static enum crm_status text_value(struct parser *p, const struct crm_seg_field *f, int exact,
				  struct lit *v)
{
	const struct crm_field *cf = crm_field_find(CRM_KIND_CUSTOMERS, f->name);
	const char *t = p->tok.str, *g;
	struct crm_norm norm = CRM_NORM_INIT;
	struct crm_error e;

	if (!exact || !cf || (f->flags & (CRM_SEG_DERIVED | CRM_SEG_RFM))) {
		v->s = strdup(t);
	} else if (cf->fieldtype == &crm_fieldtype_gender && !crm_parse_gender(t, &g, &e)) {
		v->s = strdup(g);                       /* 男 is male */
	} else if (cf->fieldtype->normalize && !cf->fieldtype->normalize(t, &norm, &e) &&
		   norm.value) {
		v->s = strdup(norm.value);              /* 03-1234-5678 as phones are stored */
	} else {
		v->s = strdup(t);
	}
	crm_norm_release(&norm);
	return v->s ? CRM_OK : crm_error_nomem(p->err);
}

/* The value after an operator, of f's type, into v. exact: for = != in (normalized). */
static enum crm_status value(struct parser *p, const struct crm_seg_field *f, int exact,
			     struct lit *v)
{
	size_t pos = p->tok.pos;
	char buf[48], num[64];
	struct crm_error e;
	enum crm_status s;
	int minus = 0, flag = 0;

	memset(v, 0, sizeof(*v));
	if (p->tok.t == T_WORD && !is_keyword(p)) {
		const struct crm_seg_field *g = field_named(p->s + pos, p->tok.len);

		if (g)
			return fail(p, pos, "compare %s with a value, not with the field %s", f->name,
				    g->name);
		return fail(p, pos, "%s is not a value: text is quoted ('%s')",
			    tok_desc(p, buf), quote(p, pos, p->tok.len, num));
	}
	switch (f->type) {
	case CRM_SEG_DATE:
		return date_value(p, f, v);
	case CRM_SEG_TEXT:
		if (p->tok.t != T_STRING)
			return fail(p, pos, "%s is text: compare it with text in quotes ('...'), "
				    "not %s", f->name, tok_desc(p, buf));
		s = text_value(p, f, exact, v);
		return s ? s : lex(p);
	case CRM_SEG_BOOL:
		if (is_word(p, "true") || is_word(p, "yes"))
			v->i = 1;
		else if (is_word(p, "false") || is_word(p, "no"))
			v->i = 0;
		else if (p->tok.t == T_NUMBER && p->tok.len == 1 && strchr("01", p->s[pos]))
			v->i = p->s[pos] == '1';
		else if (p->tok.t == T_STRING && !crm_parse_flag(p->tok.str, &flag, &e))
			v->i = flag;            /* '可', '希望する': as import reads a flag */
		else
			return fail(p, pos, "%s is yes or no: compare it with yes, no, true or "
				    "false, not %s", f->name, tok_desc(p, buf));
		return lex(p);
	case CRM_SEG_INT:
	case CRM_SEG_MONEY:
	case CRM_SEG_SHARE:
		if (p->tok.t == T_MINUS) {
			minus = 1;
			if ((s = lex(p)))
				return s;
		}
		if (p->tok.t != T_NUMBER && !(p->tok.t == T_STRING && f->type == CRM_SEG_MONEY))
			return fail(p, pos, "%s is a %s: compare it with a number, not %s", f->name,
				    f->type == CRM_SEG_INT ? "number" : f->type == CRM_SEG_SHARE ?
				    "fraction from 0 to 1" : "sum of money", tok_desc(p, buf));
		if ((p->tok.t == T_STRING ?
		     snprintf(num, sizeof(num), "%s%s", minus ? "-" : "", p->tok.str) :
		     snprintf(num, sizeof(num), "%s%.*s", minus ? "-" : "", (int)p->tok.len,
			      p->s + p->tok.pos)) >= (int)sizeof(num))
			return fail(p, pos, "%s: a number of over %zu characters", f->name,
				    sizeof(num) - 2);
		/* a fraction is read as money is: ten-thousandths */
		s = f->type == CRM_SEG_INT ? crm_parse_int(num, &v->i, &e) :
		    crm_parse_money(num, &v->i, &e);
		if (s && f->type == CRM_SEG_SHARE)
			return fail(p, pos, "%s is a fraction from 0 to 1 with at most 4 decimals, "
				    "such as 0.25, not %s", f->name, num);
		if (s)
			return fail(p, pos, "%s is %s: %s", f->name, f->type == CRM_SEG_INT ?
				    "a whole number" : "money (at most 4 decimals)", e.message);
		if (f->type == CRM_SEG_SHARE && (v->i < 0 || v->i > 10000))
			return fail(p, pos, "%s is a fraction from 0 to 1, such as 0.25, not %s",
				    f->name, num);
		return lex(p);
	}
	return crm_error_set(p->err, CRM_ERR_INTERNAL, "field type %d", (int)f->type);
}

/* ---- Parsing ---------------------------------------------------------------- */

static enum crm_status parse_or(struct parser *p, struct node **out);

static enum crm_status expect(struct parser *p, enum tok t, const char *what)
{
	char buf[48];

	if (p->tok.t != t)
		return fail(p, p->tok.pos, "expected %s, not %s", what, tok_desc(p, buf));
	return lex(p);
}

static int allowed(const struct crm_seg_field *f, enum op op)
{
	return f->type != CRM_SEG_TEXT && f->type != CRM_SEG_BOOL ? 1 : op == OP_EQ || op == OP_NE;
}

static void note_used(struct crm_seg_expr *e, const struct crm_seg_field *f)
{
	size_t i;

	for (i = 0; i < e->nused; i++)
		if (e->used[i] == f)
			return;
	if (e->nused < MAX_FIELDS)
		e->used[e->nused++] = f;
}

/*
 * A prefecture column holds what the source wrote, 東京 or 東京都 (and a
 * state or a province abroad): a test of 東京 or 東京都 is a test of both.
 * = and != become in and not in with every form of each value.
 */
static int prefecture_forms(struct node *n)
{
	size_t i, k, nv = n->nv;

	for (i = 0; i < nv; i++) {
		const char *full = crm_prefecture_name(n->v[i].s, strlen(n->v[i].s));
		char form[2][32];

		if (!full || strlen(full) >= sizeof(form[0]))
			continue;
		snprintf(form[0], sizeof(form[0]), "%s", full);
		snprintf(form[1], sizeof(form[1]), "%s", full);
		/* 都, 府, 県 are three bytes each; 北海道 has no short form */
		if (strcmp(full, "北海道") && strlen(full) > 3)
			form[1][strlen(full) - 3] = '\0';
		for (k = 0; k < 2; k++) {
			struct lit v = { 0 };
			size_t j;

			for (j = 0; j < n->nv && strcmp(n->v[j].s, form[k]); j++)
				;
			if (j < n->nv)
				continue;
			if (!(v.s = strdup(form[k])) || node_add_value(n, &v)) {
				free(v.s);
				return -1;
			}
		}
	}
	if (n->k == N_CMP && n->nv > 1) {
		n->neg = n->op == OP_NE;
		n->k = N_IN;
	}
	return 0;
}

/* FIELD followed by its test. */
static enum crm_status parse_test(struct parser *p, struct node **out)
{
	const struct crm_seg_field *f;
	size_t pos = p->tok.pos;
	struct node *n = NULL;
	struct lit v = { 0 };
	enum crm_status s;
	char buf[48], q[32];
	int neg = 0;

	if (p->tok.t != T_WORD || is_keyword(p)) {
		if (p->tok.t == T_RP)
			return fail(p, pos, "')' closes no '('");
		return fail(p, pos, "expected a field (prefecture, age, last_order ...), not %s",
			    tok_desc(p, buf));
	}
	if (!(f = field_named(p->s + pos, p->tok.len))) {
		const struct crm_seg_field *near = field_near(p->s + pos, p->tok.len);

		if (near)
			return fail(p, pos, "unknown field '%s' (did you mean %s?)",
				    quote(p, pos, p->tok.len, q), near->name);
		return fail(p, pos, "unknown field '%s' (crm segment fields lists them)",
			    quote(p, pos, p->tok.len, q));
	}
	note_used(p->e, f);   /* in the order written: show's columns */
	if (f->flags & CRM_SEG_RFM) {
		p->e->rfm = 1;
		if (!p->env->rfm_run && !p->env->check_only)
			return fail(p, pos, "%s comes from the saved RFM scores, and none were "
				    "saved as of %s or before: run crm rfm --save (--as-of for "
				    "a day past)", f->name, p->env->as_of);
		if ((f->flags & CRM_SEG_LTV) && p->env->rfm_run && p->env->rfm_bins &&
		    !p->env->rfm_ltv && !p->env->check_only)
			return fail(p, pos, "%s comes from scores saved by crm rfm --ltv --save, and "
				    "the latest as of %s (run %lld) was saved without --ltv", f->name,
				    p->env->as_of, (long long)p->env->rfm_run);
	}
	if ((s = lex(p)))
		return s;
	if (is_word(p, "not")) {
		neg = 1;
		if ((s = lex(p)))
			return s;
		if (!is_word(p, "in") && !is_word(p, "contains"))
			return fail(p, p->tok.pos, "after '%s not' comes in or contains, not %s",
				    f->name, tok_desc(p, buf));
	}
	if (p->tok.t == T_OP) {
		enum op op = p->tok.op;

		if (!allowed(f, op))
			return fail(p, p->tok.pos, "%s is %s: it takes = != in%s, not %s", f->name,
				    f->type == CRM_SEG_TEXT ? "text" : "yes or no",
				    f->type == CRM_SEG_TEXT ? " contains" : "", op_text[op]);
		if ((s = lex(p)) || !(n = node_new(N_CMP, pos)))
			return s ? s : crm_error_nomem(p->err);
		n->f = f;
		n->op = op;
		s = value(p, f, op == OP_EQ || op == OP_NE, &v);
		if (s || node_add_value(n, &v)) {
			lit_release(&v);        /* the value is not the node's */
			node_free(n);
			return s ? s : crm_error_nomem(p->err);
		}
	} else if (is_word(p, "in")) {
		if ((s = lex(p)) || (s = expect(p, T_LP, "'(' and the values")))
			return s;
		if (!(n = node_new(N_IN, pos)))
			return crm_error_nomem(p->err);
		n->f = f;
		n->neg = neg;
		for (;;) {
			if ((s = value(p, f, 1, &v))) {
				lit_release(&v);
				node_free(n);
				return s;
			}
			if (node_add_value(n, &v)) {
				lit_release(&v);
				node_free(n);
				return crm_error_nomem(p->err);
			}
			if (p->tok.t != T_COMMA)
				break;
			if ((s = lex(p))) {
				node_free(n);
				return s;
			}
		}
		if ((s = expect(p, T_RP, "',' or ')' after a value of the list"))) {
			node_free(n);
			return s;
		}
	} else if (is_word(p, "contains")) {
		if (f->type != CRM_SEG_TEXT)
			return fail(p, p->tok.pos, "contains is for text: %s is %s", f->name,
				    f->type == CRM_SEG_MONEY ? "money" : f->type == CRM_SEG_DATE ?
				    "a date" : f->type == CRM_SEG_BOOL ? "yes or no" :
				    f->type == CRM_SEG_SHARE ? "a fraction" : "a number");
		if ((s = lex(p)))
			return s;
		if (p->tok.t != T_STRING)
			return fail(p, p->tok.pos, "contains takes text in quotes, not %s",
				    tok_desc(p, buf));
		if (!(n = node_new(N_CONTAINS, pos)))
			return crm_error_nomem(p->err);
		n->f = f;
		n->neg = neg;
		if ((s = text_value(p, f, 0, &v)) || node_add_value(n, &v)) {
			lit_release(&v);
			node_free(n);
			return s ? s : crm_error_nomem(p->err);
		}
		if ((s = lex(p))) {
			node_free(n);           /* which owns the value now */
			return s;
		}
		if (!*n->v[0].s) {
			node_free(n);
			return fail(p, pos, "contains '' would match every value: give some text");
		}
	} else if (is_word(p, "is")) {
		if ((s = lex(p)))
			return s;
		if (is_word(p, "not")) {
			neg = 1;
			if ((s = lex(p)))
				return s;
		}
		if (!is_word(p, "empty"))
			return fail(p, p->tok.pos, "after 'is%s' comes empty, not %s",
				    neg ? " not" : "", tok_desc(p, buf));
		if ((s = lex(p)) || !(n = node_new(N_EMPTY, pos)))
			return s ? s : crm_error_nomem(p->err);
		n->f = f;
		n->neg = neg;
	} else if (f->type == CRM_SEG_BOOL) {
		/* consent_email alone: consent_email = yes */
		if (!(n = node_new(N_CMP, pos)))
			return crm_error_nomem(p->err);
		n->f = f;
		n->op = OP_EQ;
		memset(&v, 0, sizeof(v));
		v.i = 1;
		if (node_add_value(n, &v)) {
			node_free(n);
			return crm_error_nomem(p->err);
		}
	} else {
		return fail(p, p->tok.pos, "after %s comes a test (= != < <= > >= in contains "
			    "is empty), not %s", f->name, tok_desc(p, buf));
	}
	if (!strcmp(f->name, "prefecture") &&
	    (n->k == N_IN || (n->k == N_CMP && (n->op == OP_EQ || n->op == OP_NE))) &&
	    prefecture_forms(n)) {
		node_free(n);
		return crm_error_nomem(p->err);
	}
	*out = n;
	return CRM_OK;
}

static enum crm_status parse_unary(struct parser *p, struct node **out)
{
	size_t pos = p->tok.pos;
	struct node *n = NULL, *kid = NULL;
	enum crm_status s;

	/* the expression itself is the first level: 64 parentheses or nots are 65 */
	if (++p->depth > CRM_SEG_MAX_DEPTH + 1)
		return fail(p, pos, "nested more than %d deep", CRM_SEG_MAX_DEPTH);
	if (is_word(p, "not")) {
		if ((s = lex(p)) || (s = parse_unary(p, &kid)))
			return s;
		if (!(n = node_new(N_NOT, pos)) || node_add(n, kid)) {
			node_free(n);
			node_free(kid);
			return crm_error_nomem(p->err);
		}
	} else if (p->tok.t == T_LP) {
		if ((s = lex(p)) || (s = parse_or(p, &n)))
			return s;
		if (p->tok.t == T_END) {
			node_free(n);
			return fail(p, pos, "this '(' is not closed");
		}
		if (p->tok.t != T_RP) {
			char buf[48];

			node_free(n);
			return fail(p, p->tok.pos, "expected and, or or ')', not %s",
				    tok_desc(p, buf));
		}
		if ((s = lex(p))) {
			node_free(n);
			return s;
		}
	} else if ((s = parse_test(p, &n))) {
		return s;
	}
	p->depth--;
	*out = n;
	return CRM_OK;
}

/* A chain of sub (or and, or unary) joined by word into one node of kind k. */
static enum crm_status parse_chain(struct parser *p, enum nkind k, const char *word,
				   enum crm_status (*sub)(struct parser *, struct node **),
				   struct node **out)
{
	struct node *first = NULL, *n = NULL, *kid = NULL;
	size_t pos = p->tok.pos;
	enum crm_status s;

	if ((s = sub(p, &first)))
		return s;
	while (is_word(p, word)) {
		if ((s = lex(p)) || (s = sub(p, &kid))) {
			node_free(n ? n : first);
			return s;
		}
		if (!n) {
			if (!(n = node_new(k, pos)) || node_add(n, first)) {
				node_free(n);
				node_free(first);
				node_free(kid);
				return crm_error_nomem(p->err);
			}
		}
		if (node_add(n, kid)) {
			node_free(n);
			node_free(kid);
			return crm_error_nomem(p->err);
		}
	}
	*out = n ? n : first;
	return CRM_OK;
}

static enum crm_status parse_and(struct parser *p, struct node **out)
{
	return parse_chain(p, N_AND, "and", parse_unary, out);
}

static enum crm_status parse_or(struct parser *p, struct node **out)
{
	return parse_chain(p, N_OR, "or", parse_and, out);
}

/* ---- Compiling ------------------------------------------------------------- */

static int add_param(struct crm_seg_expr *e, const struct lit *v)
{
	if (e->nparam == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		struct lit *x = realloc(e->param, cap * sizeof(*x));

		if (!x)
			return -1;
		e->param = x;
		e->cap = cap;
	}
	e->param[e->nparam] = *v;
	if (v->s && !(e->param[e->nparam].s = strdup(v->s)))
		return -1;
	e->nparam++;
	return crm_strbuf_addf(&e->sql, "?%zu", e->nparam + 3);
}


/* What evaluating n costs: the dearest field it names (0 to 3). */
static int node_cost(const struct node *n)
{
	int c = n->f ? n->f->cost : 0, k;
	size_t i;

	for (i = 0; i < n->nkid; i++)
		if ((k = node_cost(n->kid[i])) > c)
			c = k;
	return c < 0 ? 0 : c > 3 ? 3 : c;
}

static int emit(struct crm_seg_expr *e, const struct node *n);

/* The kids of n, and of its kids of the same kind k, however nested, into *out. */
static int flatten(const struct node *n, enum nkind k, const struct node ***out, size_t *len,
		   size_t *cap)
{
	size_t i;

	for (i = 0; i < n->nkid; i++) {
		if (n->kid[i]->k == k) {
			if (flatten(n->kid[i], k, out, len, cap))
				return -1;
			continue;
		}
		if (*len == *cap) {
			size_t c = *cap ? *cap * 2 : 8;
			const struct node **x = realloc(*out, c * sizeof(*x));

			if (!x)
				return -1;
			*out = x;
			*cap = c;
		}
		(*out)[(*len)++] = n->kid[i];
	}
	return 0;
}

/*
 * The n kids joined by op as a balanced tree, (a op b) op (c op d), left
 * to right: SQLite parses a op b op c ... into a tree as deep as the
 * chain is long, and refuses one deeper than 1000.
 */
static int emit_group(struct crm_seg_expr *e, const struct node **kids, size_t n,
		      const char *op)
{
	size_t half = n / 2;

	if (n == 1)
		return emit(e, kids[0]);
	return crm_strbuf_addch(&e->sql, '(') | emit_group(e, kids, half, op) |
	       crm_strbuf_addstr(&e->sql, op) | emit_group(e, kids + half, n - half, op) |
	       crm_strbuf_addch(&e->sql, ')');
}

static int emit(struct crm_seg_expr *e, const struct node *n)
{
	struct crm_strbuf *b = &e->sql;
	const char *sql = n->f ? n->f->sql : NULL;
	int oom = 0;
	size_t i;

	switch (n->k) {
	case N_AND:
	case N_OR: {
		/*
		 * Cheapest first: SQLite stops at the first false of an AND (the
		 * first true of an OR), so that an order seek is only made for
		 * the customers the columns let through. Same cost, same order.
		 */
		const struct node **flat = NULL, **kids = NULL;
		size_t nflat = 0, k = 0, cap = 0;
		int c;

		/* a or (b or c) is a or b or c: one group, as shallow as can be */
		if (flatten(n, n->k, &flat, &nflat, &cap) ||
		    !(kids = malloc(nflat * sizeof(*kids)))) {
			free(flat);
			return -1;
		}
		for (c = 0; c <= 3; c++)
			for (i = 0; i < nflat; i++)
				if (node_cost(flat[i]) == c)
					kids[k++] = flat[i];
		oom = emit_group(e, kids, k, n->k == N_AND ? " AND " : " OR ");
		free(kids);
		free(flat);
		return oom;
	}
	case N_NOT:
		/* 0 and NULL (a missing value) are not 1: two-valued, as the header says */
		return crm_strbuf_addch(b, '(') | emit(e, n->kid[0]) |
		       crm_strbuf_addstr(b, ") IS NOT 1");
	case N_CMP:
		return crm_strbuf_addf(b, "(%s) %s ", sql, op_sql[n->op]) | add_param(e, &n->v[0]);
	case N_IN:
		oom |= crm_strbuf_addf(b, "(%s) %sIN (", sql, n->neg ? "NOT " : "");
		for (i = 0; !oom && i < n->nv; i++)
			oom |= (i && crm_strbuf_addstr(b, ", ")) | add_param(e, &n->v[i]);
		return oom | crm_strbuf_addch(b, ')');
	case N_CONTAINS:
		return crm_strbuf_addf(b, "instr((%s), ", sql) | add_param(e, &n->v[0]) |
		       crm_strbuf_addstr(b, n->neg ? ") = 0" : ") > 0");
	case N_EMPTY:
		if (n->f->type == CRM_SEG_TEXT)
			return crm_strbuf_addf(b, "IFNULL(length(%s), 0) %s 0", sql,
					       n->neg ? ">" : "=");
		return crm_strbuf_addf(b, "(%s) IS %sNULL", sql, n->neg ? "NOT " : "");
	}
	return -1;
}

/* ---- Never: constraints of a conjunction ------------------------------------ */

/*
 * What a conjunction of tests says of one field: the values allowed (a
 * range for numbers and dates, a set for =/in, values excluded), and
 * whether the value must be there or missing. Text and dates compare as
 * text (YYYY-MM-DD orders as its days), numbers as numbers.
 */
struct bound {
	const struct crm_seg_field *f;
	int has_lo, has_hi;
	int64_t lo, hi;                  /* numbers and dates (days), inclusive */
	const struct lit *set;           /* =, in: the values allowed, or NULL for any */
	size_t nset;
	int set_filtered;                /* set given twice: intersect by checking both */
	const struct node *sets[8];
	size_t nsets;
	const struct node *excl[8];      /* != and not in */
	size_t nexcl;
	int present, missing;
};

static int64_t lit_num(const struct crm_seg_field *f, const struct lit *v)
{
	return f->type == CRM_SEG_DATE ? v->days : v->i;
}

static int lit_eq(const struct crm_seg_field *f, const struct lit *a, const struct lit *b)
{
	if (f->type == CRM_SEG_TEXT || f->type == CRM_SEG_DATE)
		return !strcmp(a->s, b->s);
	return a->i == b->i;
}

static int in_node(const struct node *n, const struct lit *v)
{
	size_t i;

	for (i = 0; i < n->nv; i++)
		if (lit_eq(n->f, &n->v[i], v))
			return 1;
	return 0;
}

/* 1 when v is allowed by b's range, sets and exclusions. */
static int allowed_value(const struct bound *b, const struct lit *v)
{
	size_t i;
	int64_t x;

	if (b->f->type != CRM_SEG_TEXT) {
		x = lit_num(b->f, v);
		if ((b->has_lo && x < b->lo) || (b->has_hi && x > b->hi))
			return 0;
	}
	for (i = 0; i < b->nsets; i++)
		if (!in_node(b->sets[i], v))
			return 0;
	for (i = 0; i < b->nexcl; i++)
		if (in_node(b->excl[i], v))
			return 0;
	return 1;
}

static void never_say(struct crm_seg_expr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void never_say(struct crm_seg_expr *e, const char *fmt, ...)
{
	va_list ap;

	if (e->never_found)
		return;
	va_start(ap, fmt);
	vsnprintf(e->never, sizeof(e->never), fmt, ap);
	va_end(ap);
	e->never_found = 1;
}

/* Adds test n (not negated) to the bounds bs; 1 when it alone can never hold. */
static int bound_add(struct crm_seg_expr *e, struct bound *bs, size_t *nb, const struct node *n)
{
	struct bound *b = NULL;
	size_t i;
	int64_t x;

	for (i = 0; i < *nb; i++)
		if (bs[i].f == n->f)
			b = &bs[i];
	if (!b) {
		if (*nb == MAX_FIELDS)
			return 0;
		b = &bs[(*nb)++];
		memset(b, 0, sizeof(*b));
		b->f = n->f;
		if (n->f->type == CRM_SEG_INT && n->f->lo != n->f->hi) {
			b->has_lo = b->has_hi = 1;
			b->lo = n->f->lo;
			b->hi = n->f->hi;
			/* scores run to the bins of the scores evaluated */
			if ((n->f->flags & CRM_SEG_RFM) && n->f->hi == CRM_RFM_MAX_BINS &&
			    e->env.rfm_bins >= 2)
				b->hi = e->env.rfm_bins;
		}
	}
	if (n->k == N_EMPTY) {
		if (n->neg)
			b->present = 1;
		else
			b->missing = 1;
		return 0;
	}
	b->present = 1;
	if (n->k == N_CONTAINS)
		return 0;
	if (n->k == N_IN || (n->k == N_CMP && n->op == OP_NE)) {
		if (n->neg || n->k == N_CMP) {
			if (b->nexcl < ARRAY_LEN(b->excl))
				b->excl[b->nexcl++] = n;
		} else if (b->nsets < ARRAY_LEN(b->sets)) {
			b->sets[b->nsets++] = n;
		}
		return 0;
	}
	if (n->op == OP_EQ) {
		if (b->nsets < ARRAY_LEN(b->sets))
			b->sets[b->nsets++] = n;
		return 0;
	}
	x = lit_num(n->f, &n->v[0]);
	switch (n->op) {
	case OP_LT:
		if (x == INT64_MIN) {
			never_say(e, "no value of %s is below the lowest number", n->f->name);
			return 1;
		}
		x--;
		/* fall through */
	case OP_LE:
		if (!b->has_hi || x < b->hi)
			b->hi = x;
		b->has_hi = 1;
		break;
	case OP_GT:
		if (x == INT64_MAX) {
			never_say(e, "no value of %s is above the highest number", n->f->name);
			return 1;
		}
		x++;
		/* fall through */
	case OP_GE:
		if (!b->has_lo || x > b->lo)
			b->lo = x;
		b->has_lo = 1;
		break;
	default:
		break;
	}
	return 0;
}

/* For a score of the RFM snapshot evaluated: whose bins bound it, as the reason says. */
static const char *bins_said(const struct crm_seg_expr *e, const struct crm_seg_field *f,
			     char *buf, size_t size)
{
	if (!(f->flags & CRM_SEG_RFM) || f->hi != CRM_RFM_MAX_BINS || e->env.rfm_bins < 2)
		return "";
	snprintf(buf, size, " (with the RFM scores of run %lld, of %d bins)",
		 (long long)e->env.rfm_run, e->env.rfm_bins);
	return buf;
}

/* 1 when the bounds contradict themselves. */
static int bounds_never(struct crm_seg_expr *e, const struct bound *b)
{
	char why[96];

	size_t i, j;

	if (b->present && b->missing) {
		never_say(e, "%s must be empty and not empty at once", b->f->name);
		return 1;
	}
	if (b->has_lo && b->has_hi && b->lo > b->hi) {
		never_say(e, "no value of %s is in the range asked for%s", b->f->name,
			  bins_said(e, b->f, why, sizeof(why)));
		return 1;
	}
	if (b->nsets || b->nexcl) {
		/* Some value of the first set must pass every other test. */
		if (b->nsets) {
			const struct node *s0 = b->sets[0];

			for (i = 0; i < s0->nv && !allowed_value(b, &s0->v[i]); i++)
				;
			if (i == s0->nv) {
				never_say(e, b->nsets == 1 && !b->nexcl ?
					  "no value of %s asked for is one it can have%s" :
					  "no value of %s can be all that is asked%s", b->f->name,
					  bins_said(e, b->f, why, sizeof(why)));
				return 1;
			}
		} else if (b->f->type == CRM_SEG_BOOL) {
			/* != yes and != no */
			for (i = 0; i < b->nexcl; i++)
				for (j = 0; j < b->nexcl; j++)
					if (b->excl[i]->v[0].i != b->excl[j]->v[0].i) {
						never_say(e, "%s can be neither yes nor no",
							  b->f->name);
						return 1;
					}
		}
	}
	return 0;
}

static int never(struct crm_seg_expr *e, const struct node *n);

/* A conjunction's tests, through nested ands; other kids are checked on their own. */
static int collect(struct crm_seg_expr *e, const struct node *n, struct bound *bs, size_t *nb)
{
	size_t i;

	if (n->k == N_AND) {
		for (i = 0; i < n->nkid; i++)
			if (collect(e, n->kid[i], bs, nb))
				return 1;
		return 0;
	}
	if (n->k == N_OR || n->k == N_NOT)
		return never(e, n);
	return bound_add(e, bs, nb, n);
}

/* 1 when n can never hold (e->never says why). Nots are not looked into. */
static int never(struct crm_seg_expr *e, const struct node *n)
{
	struct bound *bs;
	size_t i, nb = 0;
	int r = 0;

	if (n->k == N_NOT)
		return 0;
	if (n->k == N_OR) {
		/* a branch's reason stands only if every branch has one */
		int had = e->never_found;

		for (i = 0; i < n->nkid; i++)
			if (!never(e, n->kid[i])) {
				e->never_found = had;
				return 0;
			}
		return 1;
	}
	if (!(bs = calloc(MAX_FIELDS, sizeof(*bs))))
		return 0;
	r = collect(e, n, bs, &nb);
	for (i = 0; !r && i < nb; i++)
		r = bounds_never(e, &bs[i]);
	free(bs);
	return r;
}

/* ---- The entry points ------------------------------------------------------ */

enum crm_status crm_seg_compile(const char *text, size_t len, const struct crm_seg_env *env,
				struct crm_seg_expr **out, size_t *at, struct crm_error *err)
{
	struct parser p = { .s = text, .len = len, .env = env, .err = err, .errat = at };
	struct crm_seg_expr *e;
	enum crm_status s;
	char buf[48];
	size_t i;
	int k;

	*out = NULL;
	*at = 0;
	if (len > CRM_SEG_MAX_BYTES) {
		*at = CRM_SEG_MAX_BYTES;
		return crm_error_set(err, CRM_ERR_INVALID, "expression, character %zu: an "
				     "expression is at most %d bytes, this one is %zu",
				     char_at(text, CRM_SEG_MAX_BYTES), CRM_SEG_MAX_BYTES, len);
	}
	for (i = 0; i < len; i += (size_t)k) {
		int32_t cp;

		if (!text[i])
			return fail(&p, i, "a NUL byte");
		k = 1;
		if ((unsigned char)text[i] >= 0x80 &&
		    (k = crm_utf8_decode(text + i, (ptrdiff_t)(len - i), &cp)) <= 0)
			return fail(&p, i, "a byte that is not UTF-8 (0x%02x): the expression is "
				    "read as UTF-8", (unsigned char)text[i]);
	}
	if (!(e = calloc(1, sizeof(*e))))
		return crm_error_nomem(err);
	crm_strbuf_init(&e->sql);
	e->env = *env;
	if (crm_seg_date_add(env->as_of, 1, 'd', e->as_of_next)) {
		crm_seg_free(e);
		return crm_error_set(err, CRM_ERR_INVALID, "'%s' is not a date", env->as_of);
	}
	p.e = e;
	s = lex(&p);
	if (!s && p.tok.t == T_END)
		s = fail(&p, 0, "an empty expression: name a test, such as prefecture = '東京都'");
	if (!s)
		s = parse_or(&p, &e->root);
	if (!s && p.tok.t != T_END)
		s = p.tok.t == T_RP ? fail(&p, p.tok.pos, "')' closes no '('") :
		    fail(&p, p.tok.pos, "expected and, or or the end, not %s", tok_desc(&p, buf));
	free(p.tok.str);
	if (!s && emit(e, e->root))
		s = crm_error_nomem(err);
	if (s) {
		crm_seg_free(e);
		return s;
	}
	never(e, e->root);
	*out = e;
	return CRM_OK;
}

void crm_seg_free(struct crm_seg_expr *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nparam; i++)
		lit_release(&e->param[i]);
	free(e->param);
	node_free(e->root);
	crm_strbuf_release(&e->sql);
	free(e);
}

const char *crm_seg_sql(const struct crm_seg_expr *e)
{
	return e->sql.buf;
}

void crm_seg_bind(const struct crm_seg_expr *e, struct crm_stmt *st)
{
	int n = crm_stmt_params(st);
	size_t i;

	if (n >= 1)
		crm_stmt_bind_str(st, 1, e->env.as_of);
	if (n >= 2)
		crm_stmt_bind_str(st, 2, e->as_of_next);
	if (n >= 3)
		crm_stmt_bind_int(st, 3, e->env.rfm_run);
	for (i = 0; i < e->nparam && (int)i + 4 <= n; i++) {
		if (e->param[i].s)
			crm_stmt_bind_str(st, (int)i + 4, e->param[i].s);
		else
			crm_stmt_bind_int(st, (int)i + 4, e->param[i].i);
	}
}

const struct crm_seg_field *const *crm_seg_used(const struct crm_seg_expr *e, size_t *n)
{
	*n = e->nused;
	return e->used;
}

int crm_seg_needs_rfm(const struct crm_seg_expr *e)
{
	return e->rfm;
}

const char *crm_seg_never(const struct crm_seg_expr *e)
{
	return e->never_found ? e->never : NULL;
}

size_t crm_seg_nparams(const struct crm_seg_expr *e)
{
	return e->nparam;
}

struct crm_value crm_seg_param(const struct crm_seg_expr *e, size_t i)
{
	if (i >= e->nparam)
		return crm_value_null();
	return e->param[i].s ? crm_value_text(e->param[i].s) : crm_value_int(e->param[i].i);
}
