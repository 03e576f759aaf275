#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "banned.h"

const char *crm_strerror(enum crm_status code)
{
	switch (code) {
	case CRM_OK: return "success";
	case CRM_EOF: return "end of input";
	case CRM_ERR_NOMEM: return "out of memory";
	case CRM_ERR_IO: return "input/output error";
	case CRM_ERR_INVALID: return "invalid argument";
	case CRM_ERR_DB: return "database error";
	case CRM_ERR_BUSY: return "database is busy";
	case CRM_ERR_READONLY: return "database is read-only";
	case CRM_ERR_NOTFOUND: return "not found";
	case CRM_ERR_SCHEMA: return "unsupported database schema";
	case CRM_ERR_CSV: return "malformed CSV";
	case CRM_ERR_ENCODING: return "invalid byte sequence";
	case CRM_ERR_TOOBIG: return "field too large";
	case CRM_ERR_UNREPRESENTABLE: return "character not representable";
	case CRM_ERR_INTERNAL: return "internal error";
	case CRM_ERR_CONFLICT: return "conflict with later changes";
	}
	return "unknown error";
}

void crm_error_clear(struct crm_error *err)
{
	if (!err)
		return;
	err->code = CRM_OK;
	err->file[0] = '\0';
	err->line = 0;
	err->column = 0;
	err->message[0] = '\0';
}

__attribute__((format(printf, 2, 0)))
static void set_message(struct crm_error *err, const char *fmt, va_list ap)
{
	if (vsnprintf(err->message, sizeof(err->message), fmt, ap) < 0)
		err->message[0] = '\0';
}

enum crm_status crm_error_set(struct crm_error *err, enum crm_status code,
			      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	set_message(err, fmt, ap);
	va_end(ap);
	return code;
}

enum crm_status crm_error_nomem(struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
}

enum crm_status crm_error_at(struct crm_error *err, enum crm_status code,
			     const char *file, unsigned long line,
			     unsigned long column, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	set_message(err, fmt, ap);
	va_end(ap);
	return code;
}

char *crm_error_format(const struct crm_error *err, char *buf, size_t n)
{
	size_t used = 0;
	int w;

	if (!n)
		return buf;
	buf[0] = '\0';
	if (err->file[0]) {
		w = err->line ? snprintf(buf, n, "%s:%lu: ", err->file, err->line)
			      : snprintf(buf, n, "%s: ", err->file);
		used = w > 0 ? (size_t)w : 0;
	}
	if (used < n && err->column) {
		w = snprintf(buf + used, n - used, "column %lu: ", err->column);
		used += w > 0 ? (size_t)w : 0;
	}
	if (used < n)
		snprintf(buf + used, n - used, "%s",
			 err->message[0] ? err->message : crm_strerror(err->code));
	return buf;
}
