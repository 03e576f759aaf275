/*
 * The CSV writer (declared in csvio.h).
 *
 * Each record is assembled in UTF-8 in a buffer that is reused from record
 * to record, converted as a whole when the output is CP932, and handed to
 * stdio with one fwrite(). Because nothing reaches the stream before the
 * whole record has been checked and converted, a record that fails (a NUL
 * byte, invalid UTF-8, a character CP932 lacks) leaves no trace in the
 * output and the writer goes on with the next record.
 *
 * Quoting follows RFC 4180, but only where it is needed: a field is quoted
 * when it contains the delimiter, '"', CR or LF, or when it begins or ends
 * with a space (spreadsheets and many readers trim unquoted spaces). Inside
 * quotes '"' is doubled. libcsv's csv_write() is not used because it quotes
 * every field, which doubles the size of typical exports and makes numbers
 * look like text to some importers. A record of a single empty field is
 * written as "" rather than as an empty line, which readers skip as blank.
 *
 * A UTF-8-BOM file gets its byte order mark once, in front of the first
 * record; if no record was written at all, crm_csv_writer_close() writes it
 * alone, so that even an empty export is a file Excel opens as UTF-8.
 *
 * Input must be valid UTF-8 whatever the output encoding: writing invalid
 * bytes into a UTF-8 file would only move the problem to whoever reads it.
 *
 * After a write error the output holds a partial record, so the writer
 * refuses every later record and crm_csv_writer_close() reports the error
 * again: a caller that ignores one status still cannot end up with a file
 * that silently misses records in the middle.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "strbuf.h"
#include "banned.h"

static const char utf8_bom[] = "\xEF\xBB\xBF";
#define UTF8_BOM_LEN 3

struct crm_csv_writer {
	FILE *fp;                   /* not owned */
	char delim;
	int crlf;
	int formula_guard;
	int replace;                /* CP932: '?' for a character it lacks */
	unsigned long replaced;     /* characters replaced so */
	int bom_pending;            /* UTF-8-BOM output and no BOM written yet */
	iconv_t cd;                 /* UTF-8 to CP932, or (iconv_t)-1 */
	int io_errno;               /* errno of the first failed write, or -1 */
	unsigned long records_seen; /* calls to crm_csv_write_record() */
	unsigned long records_written;
	struct crm_strbuf rec;      /* the record being assembled, in UTF-8 */
	struct crm_strbuf conv;     /* the record converted to CP932 */
	size_t *starts;             /* offset in rec of each field */
	size_t starts_alloc;
};

/* What scan_field() learnt about a field. */
struct field_scan {
	size_t nquotes;             /* '"' to double */
	int quote;                  /* the field must be quoted */
	size_t bad;                 /* offset of the offending byte on failure */
};

enum scan_result {
	SCAN_OK,
	SCAN_NUL,
	SCAN_BAD_UTF8,
};

/*
 * Decodes the UTF-8 sequence at s (len > 0 bytes available) into *cp and
 * returns its length, or 0 when it is not valid UTF-8: overlong forms,
 * surrogates and code points past U+10FFFF are refused, as iconv does.
 */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;      /* overlong */
		else if (c == 0xED)
			hi = 0x9F;      /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;      /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;      /* past U+10FFFF */
	} else {
		return 0;
	}
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return n;
}

/*
 * Checks a field and decides its quoting in one pass, since this loop is
 * where an export spends its time.
 */
static enum scan_result scan_field(const char *field, size_t len, char delim,
				   struct field_scan *fs)
{
	const unsigned char *s = (const unsigned char *)field;
	size_t i = 0, n;
	uint32_t cp;

	fs->nquotes = 0;
	fs->quote = 0;
	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			n = utf8_decode(s + i, len - i, &cp);
			if (!n) {
				fs->bad = i;
				return SCAN_BAD_UTF8;
			}
			i += n;
			continue;
		}
		if (!c) {
			fs->bad = i;
			return SCAN_NUL;
		}
		if (c == '"') {
			fs->nquotes++;
			fs->quote = 1;
		} else if (c == (unsigned char)delim || c == '\r' || c == '\n') {
			fs->quote = 1;
		}
		i++;
	}
	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		fs->quote = 1;
	return SCAN_OK;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A plain number: an optional sign, digits, and optionally one '.' followed
 * by digits ("-12", "+3.5", "-0.25"; not "-1+2", "--1", "-", "-.", "-.5",
 * "1e5").
 */
static int is_plain_number(const char *s, size_t len)
{
	size_t i = 0, start;

	if (s[0] == '+' || s[0] == '-')
		i++;
	start = i;
	while (i < len && is_digit(s[i]))
		i++;
	if (i == start)
		return 0;
	if (i < len && s[i] == '.') {
		start = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == start)
			return 0;
	}
	return i == len;
}

/*
 * The formula-injection guard (OWASP, "CSV Injection"): spreadsheets run a
 * cell that begins with = + - @ as a formula, and some also after a tab or
 * CR, so a customer name like "=HYPERLINK(...)" would become a live link
 * in the hands of whoever opens the export. Such a cell gets a leading
 * apostrophe, which spreadsheets take as "this is text" and do not show.
 * Plain numbers are exempt so that negative amounts ("-1200") and signed
 * values ("+3.5") stay numbers; anything else starting with a sign, even
 * "-1+2", is a formula to Excel and gets the apostrophe.
 */
static int needs_formula_guard(const char *s, size_t len)
{
	switch (s[0]) {
	case '=':
	case '@':
	case '\t':
	case '\r':
		return 1;
	case '+':
	case '-':
		return !is_plain_number(s, len);
	default:
		return 0;
	}
}

/*
 * Appends the field, quoted and guarded as decided, to sb. Returns 0, or
 * -1 when out of memory.
 */
static int append_field(struct crm_strbuf *sb, const char *s, size_t len,
			const struct field_scan *fs, int apostrophe)
{
	size_t extra;
	const char *end = s + len, *q;
	char *p;

	/* nquotes <= len, so this only overflows for absurd lengths. */
	if (len > (SIZE_MAX - 3) / 2)
		return -1;
	extra = len + (apostrophe ? 1 : 0) + (fs->quote ? 2 + fs->nquotes : 0);
	if (crm_strbuf_grow(sb, extra))
		return -1;

	/* Room for everything was made above: write straight into the buffer. */
	p = sb->buf + sb->len;
	if (fs->quote)
		*p++ = '"';
	if (apostrophe)
		*p++ = '\'';
	while (fs->nquotes && (q = memchr(s, '"', (size_t)(end - s)))) {
		memcpy(p, s, (size_t)(q - s + 1));
		p += q - s + 1;
		*p++ = '"';
		s = q + 1;
	}
	memcpy(p, s, (size_t)(end - s));
	p += end - s;
	if (fs->quote)
		*p++ = '"';
	*p = '\0';
	sb->len = (size_t)(p - sb->buf);
	return 0;
}

static enum crm_status add_field(struct crm_csv_writer *w, const char *s,
				 size_t len, size_t fieldno, struct crm_error *err)
{
	struct field_scan fs;
	int apostrophe;

	if (!len)
		return CRM_OK;
	switch (scan_field(s, len, w->delim, &fs)) {
	case SCAN_OK:
		break;
	case SCAN_NUL:
		return crm_error_set(err, CRM_ERR_INVALID,
				     "record %lu, field %zu contains a NUL byte",
				     w->records_seen, fieldno);
	case SCAN_BAD_UTF8:
		return crm_error_set(err, CRM_ERR_ENCODING,
				     "record %lu, field %zu: byte %zu (0x%02X) is not valid UTF-8",
				     w->records_seen, fieldno, fs.bad + 1,
				     (unsigned int)(unsigned char)s[fs.bad]);
	}
	apostrophe = w->formula_guard && needs_formula_guard(s, len);
	/* The apostrophe is part of the cell, so it too can need quoting. */
	if (apostrophe && w->delim == '\'')
		fs.quote = 1;
	if (append_field(&w->rec, s, len, &fs, apostrophe))
		return crm_error_nomem(err);
	return CRM_OK;
}

static int ensure_starts(struct crm_csv_writer *w, size_t n)
{
	size_t *p;

	if (n <= w->starts_alloc)
		return 0;
	if (n > SIZE_MAX / sizeof(*p))
		return -1;
	p = realloc(w->starts, n * sizeof(*p));
	if (!p)
		return -1;
	w->starts = p;
	w->starts_alloc = n;
	return 0;
}

/* Assembles the record, terminator included, in w->rec. */
static enum crm_status build_record(struct crm_csv_writer *w,
				    const char *const *fields, const size_t *lens,
				    size_t n, struct crm_error *err)
{
	enum crm_status status;
	size_t i;

	crm_strbuf_reset(&w->rec);
	if (ensure_starts(w, n))
		return crm_error_nomem(err);
	for (i = 0; i < n; i++) {
		const char *s = fields[i];
		size_t len = !s ? 0 : lens ? lens[i] : strlen(s);

		if (i && crm_strbuf_addch(&w->rec, w->delim))
			return crm_error_nomem(err);
		w->starts[i] = w->rec.len;
		status = add_field(w, s, len, i + 1, err);
		if (status)
			return status;
	}
	/* Only an empty field leaves nothing; as a line of its own it would vanish. */
	if (n == 1 && !w->rec.len && crm_strbuf_add(&w->rec, "\"\"", 2))
		return crm_error_nomem(err);
	if (crm_strbuf_add(&w->rec, w->crlf ? "\r\n" : "\n", w->crlf ? 2 : 1))
		return crm_error_nomem(err);
	return CRM_OK;
}

/*
 * Names the character at offset off of w->rec that CP932 lacks, and its
 * field, which is the last one starting at or before off.
 */
static enum crm_status unrepresentable(struct crm_csv_writer *w, size_t off,
				       size_t n, struct crm_error *err)
{
	const unsigned char *s = (const unsigned char *)w->rec.buf + off;
	size_t field = n, clen;
	uint32_t cp = 0;

	while (field > 1 && w->starts[field - 1] > off)
		field--;
	clen = utf8_decode(s, w->rec.len - off, &cp);
	if (!clen)
		return crm_error_set(err, CRM_ERR_INTERNAL,
				     "record %lu, field %zu: iconv refused valid input",
				     w->records_seen, field);
	return crm_error_set(err, CRM_ERR_UNREPRESENTABLE,
			     "record %lu, field %zu: character U+%04lX '%.*s' cannot be written in CP932",
			     w->records_seen, field, (unsigned long)cp, (int)clen,
			     (const char *)s);
}

/* Converts w->rec to CP932 into w->conv. */
static enum crm_status convert_record(struct crm_csv_writer *w, size_t n,
				      struct crm_error *err)
{
	char *in = w->rec.buf, *out;
	size_t inleft = w->rec.len, outleft, r;
	int e;

	crm_strbuf_reset(&w->conv);
	for (;;) {
		/* CP932 never takes more bytes than UTF-8; E2BIG is only a safety net. */
		if (crm_strbuf_grow(&w->conv, inleft + 16))
			return crm_error_nomem(err);
		out = w->conv.buf + w->conv.len;
		outleft = w->conv.alloc - w->conv.len - 1;
		r = iconv(w->cd, &in, &inleft, &out, &outleft);
		e = errno;
		w->conv.len = (size_t)(out - w->conv.buf);
		w->conv.buf[w->conv.len] = '\0';
		if (r != (size_t)-1)
			return CRM_OK;
		if (e == EILSEQ && w->replace && inleft) {
			/* --replace: the character CP932 lacks becomes '?', and on */
			uint32_t cp = 0;
			size_t clen = utf8_decode((const unsigned char *)in, inleft, &cp);

			if (!clen || crm_strbuf_addch(&w->conv, '?'))
				break;
			in += clen;
			inleft -= clen;
			w->replaced++;
			continue;
		}
		if (e != E2BIG)
			break;
	}

	/* Forget any partial state so that the next record starts clean. */
	iconv(w->cd, NULL, NULL, NULL, NULL);
	if (e == EILSEQ)
		return unrepresentable(w, (size_t)(in - w->rec.buf), n, err);
	return crm_error_set(err, CRM_ERR_INTERNAL,
			     "record %lu: conversion to CP932 failed: %s",
			     w->records_seen, strerror(e));
}

static enum crm_status io_error(struct crm_csv_writer *w, struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_IO, "cannot write CSV output: %s",
			     w->io_errno > 0 ? strerror(w->io_errno) : "write error");
}

static enum crm_status write_bytes(struct crm_csv_writer *w, const void *p,
				   size_t len, struct crm_error *err)
{
	errno = 0;
	if (fwrite(p, 1, len, w->fp) == len)
		return CRM_OK;
	w->io_errno = errno;
	return io_error(w, err);
}

enum crm_status crm_csv_writer_open(struct crm_csv_writer **out, FILE *fp,
				    const struct crm_csv_write_options *opts,
				    struct crm_error *err)
{
	enum crm_encoding enc = opts ? opts->encoding : CRM_ENC_UTF8;
	char delim = opts && opts->delimiter ? opts->delimiter : ',';
	struct crm_csv_writer *w;
	iconv_t cd = (iconv_t)-1;
	int e;

	if (out)
		*out = NULL;
	if (!out || !fp)
		return crm_error_set(err, CRM_ERR_INVALID, "no output stream");
	if (enc == CRM_ENC_AUTO)
		enc = CRM_ENC_UTF8;
	if (enc != CRM_ENC_UTF8 && enc != CRM_ENC_UTF8_BOM && enc != CRM_ENC_CP932)
		return crm_error_set(err, CRM_ERR_INVALID, "unknown output encoding %d",
				     (int)enc);
	/* A delimiter must be one ASCII byte that quoting does not use. */
	if ((unsigned char)delim >= 0x80 || delim == '"' || delim == '\r' || delim == '\n')
		return crm_error_set(err, CRM_ERR_INVALID,
				     "byte 0x%02X cannot be a CSV delimiter",
				     (unsigned int)(unsigned char)delim);

	if (enc == CRM_ENC_CP932) {
		errno = 0;
		cd = iconv_open("CP932", "UTF-8");
		if (cd == (iconv_t)-1) {
			e = errno;
			if (e == ENOMEM)
				return crm_error_nomem(err);
			return crm_error_set(err, CRM_ERR_INVALID,
					     "this system cannot convert to CP932: %s",
					     strerror(e));
		}
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		if (cd != (iconv_t)-1)
			iconv_close(cd);
		return crm_error_nomem(err);
	}
	w->fp = fp;
	w->delim = delim;
	w->crlf = opts && opts->crlf;
	w->formula_guard = !(opts && opts->no_formula_guard);
	w->replace = opts && opts->replace;
	w->bom_pending = enc == CRM_ENC_UTF8_BOM;
	w->io_errno = -1;
	w->cd = cd;
	crm_strbuf_init(&w->rec);
	crm_strbuf_init(&w->conv);
	*out = w;
	return CRM_OK;
}

enum crm_status crm_csv_write_record(struct crm_csv_writer *w,
				     const char *const *fields, const size_t *lens,
				     size_t n, struct crm_error *err)
{
	const struct crm_strbuf *out = &w->rec;
	enum crm_status status;

	/* Counted before anything can fail, so messages number records as the caller does. */
	w->records_seen++;
	if (w->io_errno != -1)
		return io_error(w, err);
	if (!n || !fields)
		return crm_error_set(err, CRM_ERR_INVALID, "record %lu has no fields",
				     w->records_seen);
	status = build_record(w, fields, lens, n, err);
	if (status)
		return status;
	if (w->cd != (iconv_t)-1) {
		status = convert_record(w, n, err);
		if (status)
			return status;
		out = &w->conv;
	}
	if (w->bom_pending) {
		status = write_bytes(w, utf8_bom, UTF8_BOM_LEN, err);
		if (status)
			return status;
		w->bom_pending = 0;
	}
	status = write_bytes(w, out->buf, out->len, err);
	if (status)
		return status;
	w->records_written++;
	return CRM_OK;
}

unsigned long crm_csv_records_written(const struct crm_csv_writer *w)
{
	return w->records_written;
}

enum crm_status crm_csv_writer_close(struct crm_csv_writer *w, struct crm_error *err)
{
	enum crm_status status = CRM_OK;

	if (!w)
		return CRM_OK;
	if (w->io_errno != -1)
		status = io_error(w, err);
	else if (w->bom_pending)
		status = write_bytes(w, utf8_bom, UTF8_BOM_LEN, err);

	/* Still flush after an error: fp is the caller's and may hold other output. */
	errno = 0;
	if (fflush(w->fp)) {
		w->io_errno = errno;
		if (!status)
			status = io_error(w, err);
	} else if (ferror(w->fp) && !status) {
		w->io_errno = 0;
		status = io_error(w, err);
	}
	crm_csv_writer_free(w);
	return status;
}

void crm_csv_writer_free(struct crm_csv_writer *w)
{
	if (!w)
		return;
	if (w->cd != (iconv_t)-1)
		iconv_close(w->cd);
	crm_strbuf_release(&w->rec);
	crm_strbuf_release(&w->conv);
	free(w->starts);
	free(w);
}

unsigned long crm_csv_replaced(const struct crm_csv_writer *w)
{
	return w->replaced;
}
