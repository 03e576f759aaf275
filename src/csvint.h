/*
 * Private to the CSV reader's files (csvio.c, csvdecode.c): the reader's
 * state, and the decoding the reader calls.
 */
#ifndef CRM_CSVINT_H
#define CRM_CSVINT_H

#include <csv.h>
#include <iconv.h>
#include <stddef.h>

#include "csvio.h"
#include "strbuf.h"

#define CHUNK 65536

struct crm_csv_reader {
	FILE *fp;
	char *name;
	struct crm_csv_read_options opt;
	enum crm_encoding enc;
	int had_bom;
	iconv_t cd;                     /* CP932 -> UTF-8, or (iconv_t)-1 */
	struct csv_parser parser;

	/* Raw input, undecoded. */
	char *ibuf;
	size_t ipos, ilen;
	int eof;
	unsigned long long consumed;
	/* Raw lines to read again after an unbalanced quote (see unwind()). */
	struct crm_strbuf pending;
	size_t pending_pos;
	/*
	 * Where, in pending, a line ends that was cut at the size cap (it has
	 * no terminator there), or SIZE_MAX: read again, it is still too long.
	 */
	size_t pending_cut;

	unsigned long line_no;          /* physical lines taken so far */
	struct crm_strbuf line;         /* the current raw line */
	struct crm_strbuf dline;        /* the current line decoded to UTF-8 */

	/* The record being read. */
	unsigned long rec_line;         /* 0 while no record is open */
	unsigned long field_line;       /* the line the current field began on */
	size_t field_no;                /* 1-based number of the current field */
	int rec_done;
	struct crm_strbuf rawin;        /* its raw lines, for unwind() */
	size_t nlines;                  /* its lines (line_start() finds where each starts) */
	struct crm_strbuf raw;          /* its lines decoded, for the caller */
	struct crm_strbuf fbuf;         /* its fields, NUL-separated */
	size_t *foffs, *flens;
	size_t nf, af, aflens;
	size_t nf_total;                /* fields seen, stored or not */
	char **fptrs;
	size_t afptrs;
	int nomem;
	int started;
	int utf16;                      /* UTF-16: 1 by its byte order mark, 2 by its NULs */
	int workbook;                   /* 1 an xlsx (a zip), 2 an xls (OLE2) */
	int refused;                    /* the workbook, UTF-16 or undecided error was returned */
	/*
	 * Auto: the bytes past ASCII at the start do not tell UTF-8 from
	 * CP932 (detect()); as_utf8 and as_cp932 are the first such word of
	 * the line read both ways, for the message.
	 */
	int undecided;
	int eucjp;                      /* ... but looks like EUC-JP: 1 surely, 2 or CP932 */
	char as_utf8[80], as_cp932[120], as_eucjp[120];
	int window;                     /* the buffer was filled for detect() */
	int bom_against;                /* a UTF-8 byte order mark, another encoding named */

	struct crm_csv_mark quote, bom; /* the record's marks (see csvio.h) */
	/*
	 * A quoted field that grew past the cap and holds no records (a giant
	 * cell, not a stray quote): its lines are read to its end without
	 * being kept, and it is one bad record (see skip_giant()).
	 */
	int skipping;
	int skip_in_quote;              /* inside the quoted field as read so far */
	unsigned long skip_from;        /* the line the field opened on */
	size_t cut_quotes;              /* quotes in the part of the line next_line() cut */

	/* The first problem found in the record, if any. */
	enum crm_status rec_status;
	struct crm_error rec_err;
};

/*
 * Decodes r->line into r->dline. An invalid sequence becomes U+FFFD and its
 * offset in dline is returned in *bad (else SIZE_MAX), with a description.
 * Returns 0, -1 when out of memory, -2 when iconv has no CP932, -3 when
 * the encoding cannot be told (r->undecided), -4 when telling it needs
 * the 64 KiB after the line and fewer are buffered: the caller fills the
 * buffer as far as it can, sets r->window, and calls again.
 */
int crm_csv_decode_line(struct crm_csv_reader *r, size_t *bad, char *what, size_t nwhat);
/*
 * What the start of the input (the first 4 KiB in r's buffer) says it is,
 * when it is no CSV at all: an Excel workbook (r->workbook) or UTF-16
 * without a byte order mark (r->utf16 = 2).
 */
void crm_csv_sniff(struct crm_csv_reader *r);
/* Sets the delimiter the first line has most of, outside quotes (',' on a tie). */
void crm_csv_detect_delimiter(struct crm_csv_reader *r);

#endif
