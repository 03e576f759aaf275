#include <math.h>
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

struct crm_value crm_value_real(double r)
{
	struct crm_value v = { .type = isfinite(r) ? CRM_VALUE_REAL : CRM_VALUE_NULL, .r = r };

	return v;
}

struct crm_value crm_value_text(const char *s)
{
	struct crm_value v = { .type = s ? CRM_VALUE_TEXT : CRM_VALUE_NULL, .s = s,
			       .len = s ? strlen(s) : 0 };

	return v;
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
