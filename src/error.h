/*
 * Status codes and the error record every core function fills.
 *
 * A core function returns enum crm_status (CRM_OK is 0) and, when it fails,
 * fills the caller's struct crm_error. The core never prints and never exits:
 * the subcommand decides how to show the error and which exit code it means.
 */
#ifndef CRM_ERROR_H
#define CRM_ERROR_H

#include <stddef.h>

enum crm_status {
	CRM_OK = 0,
	CRM_EOF,            /* no more input: not a failure */
	CRM_ERR_NOMEM,
	CRM_ERR_IO,         /* a read or write of a file failed */
	CRM_ERR_INVALID,    /* a bad argument or option value */
	CRM_ERR_DB,         /* SQLite reported an error */
	CRM_ERR_BUSY,       /* the database stayed locked past the timeout */
	CRM_ERR_READONLY,   /* the database or its directory cannot be written */
	CRM_ERR_NOTFOUND,   /* the database (or another named thing) does not exist */
	CRM_ERR_SCHEMA,     /* the schema is newer than this binary, or damaged */
	CRM_ERR_CSV,        /* a malformed record: reading may go on */
	CRM_ERR_ENCODING,   /* an invalid byte sequence: reading may go on */
	CRM_ERR_TOOBIG,     /* a field exceeded the size cap */
	CRM_ERR_UNREPRESENTABLE, /* a character the output encoding lacks */
	CRM_ERR_INTERNAL,
	CRM_ERR_CONFLICT,   /* later work stands in the way: nothing was done */
};

#define CRM_ERROR_FILE_MAX 512
#define CRM_ERROR_MSG_MAX 768

struct crm_error {
	enum crm_status code;
	char file[CRM_ERROR_FILE_MAX];  /* input file, "" when none */
	unsigned long line;             /* 1-based physical line, 0 when none */
	unsigned long column;           /* 1-based CSV column (field), 0 when none */
	char message[CRM_ERROR_MSG_MAX];
};

/* A fixed, lower-case name for a status code; never NULL. */
const char *crm_strerror(enum crm_status code);

/*
 * The status of a failure that was reported only through err (a call
 * that returned NULL): err's code, or CRM_ERR_INTERNAL when err has none.
 */
static inline enum crm_status crm_error_status(const struct crm_error *err)
{
	return err && err->code ? err->code : CRM_ERR_INTERNAL;
}

/* Resets err to "no error". err may be NULL. */
void crm_error_clear(struct crm_error *err);

/*
 * Fills err (which may be NULL) with code and a printf-style message and
 * returns code, so that callers can write `return crm_error_set(err, ...)`.
 * file, line and column are left as they were.
 */
enum crm_status crm_error_set(struct crm_error *err, enum crm_status code,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* crm_error_set() for a failed allocation: CRM_ERR_NOMEM, "out of memory". */
enum crm_status crm_error_nomem(struct crm_error *err);

/* As crm_error_set(), and also records where: file (may be NULL), line, column. */
enum crm_status crm_error_at(struct crm_error *err, enum crm_status code,
			     const char *file, unsigned long line,
			     unsigned long column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * Writes "file:line: column N: message" (parts that are unknown are left
 * out) into buf of size n, always NUL-terminated. Returns buf.
 */
char *crm_error_format(const struct crm_error *err, char *buf, size_t n);

#endif
