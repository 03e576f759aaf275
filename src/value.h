/* A value as SQLite stores it, with its type, so that 7 and '007' stay apart. */
#ifndef CRM_VALUE_H
#define CRM_VALUE_H

#include <stddef.h>

enum crm_value_type {
	CRM_VALUE_NULL = 0,
	CRM_VALUE_INT,
	CRM_VALUE_REAL,
	CRM_VALUE_TEXT,
};

struct crm_value {
	enum crm_value_type type;
	long long i;
	double r;
	const char *s;   /* CRM_VALUE_TEXT: not owned, need not be NUL-terminated */
	size_t len;
};

struct crm_value crm_value_null(void);
struct crm_value crm_value_int(long long i);
/* r NaN or infinite gives a NULL value: neither CSV nor JSON has one. */
struct crm_value crm_value_real(double r);
/* s may be NULL, which gives a NULL value. */
struct crm_value crm_value_text(const char *s);
/* Whether a and b are the same value of the same type. */
int crm_value_equal(const struct crm_value *a, const struct crm_value *b);

#endif
