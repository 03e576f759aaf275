#include <string.h>

#include "value.h"
#include "banned.h"

struct crm_value crm_value_null(void)
{
	struct crm_value v = { .type = CRM_VALUE_NULL };

	return v;
}

struct crm_value crm_value_int(long long i)
{
	struct crm_value v = { .type = CRM_VALUE_INT, .i = i };

	return v;
}

struct crm_value crm_value_text(const char *s)
{
	struct crm_value v = { .type = s ? CRM_VALUE_TEXT : CRM_VALUE_NULL, .s = s,
			       .len = s ? strlen(s) : 0 };

	return v;
}

struct crm_value crm_value_column(sqlite3_stmt *st, int col)
{
	struct crm_value v = crm_value_null();

	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return crm_value_int(sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		v.type = CRM_VALUE_REAL;
		v.r = sqlite3_column_double(st, col);
		return v;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		/* Text first, then its length: the order sqlite3(3) asks for. */
		v.s = (const char *)sqlite3_column_text(st, col);
		if (!v.s)
			return crm_value_null();
		v.type = CRM_VALUE_TEXT;
		v.len = (size_t)sqlite3_column_bytes(st, col);
		return v;
	default:
		return v;
	}
}

void crm_value_bind(sqlite3_stmt *st, int i, const struct crm_value *v)
{
	if (!v) {
		sqlite3_bind_null(st, i);
		return;
	}
	switch (v->type) {
	case CRM_VALUE_NULL: sqlite3_bind_null(st, i); break;
	case CRM_VALUE_INT: sqlite3_bind_int64(st, i, v->i); break;
	case CRM_VALUE_REAL: sqlite3_bind_double(st, i, v->r); break;
	case CRM_VALUE_TEXT:
		sqlite3_bind_text64(st, i, v->s, v->len, SQLITE_TRANSIENT, SQLITE_UTF8);
		break;
	}
}

int crm_value_equal(const struct crm_value *a, const struct crm_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case CRM_VALUE_NULL: return 1;
	case CRM_VALUE_INT: return a->i == b->i;
	case CRM_VALUE_REAL: return memcmp(&a->r, &b->r, sizeof(a->r)) == 0;
	case CRM_VALUE_TEXT: return a->len == b->len && !memcmp(a->s, b->s, a->len);
	}
	return 0;
}
