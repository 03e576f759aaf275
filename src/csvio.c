/*
 * The CSV reader: libcsv does the field splitting and unquoting; this file
 * gives it what libcsv lacks for real-world exports.
 *
 * Input is fed to libcsv one physical line at a time, so that each record
 * and each field is known by the line it started on. libcsv runs in strict
 * mode, which catches text after a closing quote ("abc"def: the sign of a
 * stray quote); a quote inside an unquoted field (12" monitor) is taken
 * literally, as every spreadsheet does, and marked on the record for the
 * caller to judge (import rejects it unless --lenient). Spaces are never
 * trimmed.
 *
 * A stray quote opens a quoted field that swallows the lines after it. The
 * reader keeps the raw bytes of the record being read, so when the quote
 * turns out to be unbalanced (text after the closing quote, end of file,
 * or the size cap), it reports the line where the quote opened and feeds
 * the swallowed lines to the parser again: one bad line is one rejected
 * record, never a silent merge and never the rest of the file lost.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvint.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"


enum crm_encoding crm_csv_encoding(const struct crm_csv_reader *r) { return r->enc; }
int crm_csv_had_bom(const struct crm_csv_reader *r) { return r->had_bom; }
unsigned long long crm_csv_bytes_read(const struct crm_csv_reader *r) { return r->consumed; }
void crm_csv_expect_fields(struct crm_csv_reader *r, size_t n) { r->opt.expect_fields = n; }

/* Spaces are data: libcsv must not trim them. */
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int grow_array(void **p, size_t *alloc, size_t need, size_t elem)
{
	size_t n;
	void *q;

	if (need <= *alloc)
		return 0;
	n = *alloc ? *alloc * 2 : 16;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*alloc = n;
	return 0;
}

/* libcsv's field callback. */
static void on_field(void *data, size_t len, void *ctx)
{
	struct crm_csv_reader *r = ctx;
	size_t want = r->opt.expect_fields;
	size_t limit = want && want != CRM_CSV_ANY_FIELDS ? want + 1 : CRM_CSV_MAX_FIELDS;

	/*
	 * A record that already has more fields than it may is bad: count the
	 * rest without keeping them, so that a line of a million commas costs
	 * no memory.
	 */
	r->nf_total++;
	r->field_no++;
	r->field_line = r->line_no;
	if (r->nf >= limit)
		return;
	/* Called for every field of every record: grow only when short. */
	if ((r->nf >= r->af && grow_array((void **)&r->foffs, &r->af, r->nf + 1, sizeof(size_t))) ||
	    (r->nf >= r->aflens &&
	     grow_array((void **)&r->flens, &r->aflens, r->nf + 1, sizeof(size_t))) ||
	    crm_strbuf_grow(&r->fbuf, len + 1)) {
		r->nomem = 1;
		return;
	}
	r->foffs[r->nf] = r->fbuf.len;
	r->flens[r->nf] = len;
	if (data && len)
		memcpy(r->fbuf.buf + r->fbuf.len, data, len);
	r->fbuf.len += len + 1;
	r->fbuf.buf[r->fbuf.len - 1] = '\0';
	r->fbuf.buf[r->fbuf.len] = '\0'; /* a strbuf stays terminated */
	r->nf++;
}

/* libcsv's record callback. */
static void on_record(int c, void *ctx)
{
	struct crm_csv_reader *r = ctx;

	(void)c;
	r->rec_done = 1;
}

static void reset_parser(struct crm_csv_reader *r)
{
	csv_free(&r->parser);
	csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_space_func(&r->parser, no_space);
	csv_set_delim(&r->parser, (unsigned char)r->opt.delimiter);
	csv_set_blk_size(&r->parser, 4096);
}

enum crm_status crm_csv_reader_open(struct crm_csv_reader **out, FILE *fp,
				    const char *name,
				    const struct crm_csv_read_options *opts,
				    struct crm_error *err)
{
	struct crm_csv_reader *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return crm_error_nomem(err);
	if (opts)
		r->opt = *opts;
	if (!r->opt.delimiter)
		r->opt.delimiter = ',';
	if (!r->opt.max_field)
		r->opt.max_field = CRM_CSV_DEFAULT_MAX_FIELD;
	if (r->opt.encoding == CRM_ENC_UTF8_BOM)
		r->opt.encoding = CRM_ENC_UTF8;
	r->enc = r->opt.encoding;
	r->cd = (iconv_t)-1;
	r->fp = fp;
	r->name = strdup(name ? name : "-");
	r->ibuf = malloc(CHUNK);
	crm_strbuf_init(&r->pending);
	r->pending_cut = SIZE_MAX;
	crm_strbuf_init(&r->line);
	crm_strbuf_init(&r->dline);
	crm_strbuf_init(&r->rawin);
	crm_strbuf_init(&r->raw);
	crm_strbuf_init(&r->fbuf);
	if (!r->name || !r->ibuf) {
		crm_csv_reader_free(r);
		return crm_error_nomem(err);
	}
	if (csv_init(&r->parser, 0) != 0) {
		crm_csv_reader_free(r);
		return crm_error_nomem(err);
	}
	reset_parser(r);
	*out = r;
	return CRM_OK;
}

void crm_csv_reader_free(struct crm_csv_reader *r)
{
	if (!r)
		return;
	csv_free(&r->parser);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	free(r->name);
	free(r->ibuf);
	crm_strbuf_release(&r->pending);
	crm_strbuf_release(&r->line);
	crm_strbuf_release(&r->dline);
	crm_strbuf_release(&r->rawin);
	crm_strbuf_release(&r->raw);
	crm_strbuf_release(&r->fbuf);
	free(r->foffs);
	free(r->flens);
	free(r->fptrs);
	free(r);
}

static enum crm_status nomem(struct crm_csv_reader *r, struct crm_error *err)
{
	return crm_error_at(err, CRM_ERR_NOMEM, r->name, r->line_no, 0, "out of memory");
}

/* Refills ibuf up to CHUNK bytes, keeping those from ipos on. Returns -1 on a read error. */
static int refill(struct crm_csv_reader *r)
{
	size_t n;

	if (r->eof)
		return 0;
	if (r->ipos > 0) {
		memmove(r->ibuf, r->ibuf + r->ipos, r->ilen - r->ipos);
		r->ilen -= r->ipos;
		r->ipos = 0;
	}
	n = fread(r->ibuf + r->ilen, 1, CHUNK - r->ilen, r->fp);
	r->ilen += n;
	if (n == 0) {
		if (ferror(r->fp))
			return -1;
		r->eof = 1;
	}
	return 0;
}

char crm_csv_delimiter(const struct crm_csv_reader *r)
{
	return r->opt.delimiter;
}

/*
 * Strips a UTF-8 byte order mark at the very start of the input, and
 * notes one that says otherwise than the encoding named (bom_against).
 */
static int skip_bom(struct crm_csv_reader *r)
{
	while (r->ilen < 3 && !r->eof)
		if (refill(r))
			return -1;
	if (r->ilen >= 2 && (!memcmp(r->ibuf, "\xFF\xFE", 2) || !memcmp(r->ibuf, "\xFE\xFF", 2)))
		r->utf16 = 1;
	if (r->ilen >= 3 && !memcmp(r->ibuf, "\xEF\xBB\xBF", 3)) {
		r->ipos = 3;
		r->consumed = 3;
		r->had_bom = 1;
		if (r->enc == CRM_ENC_AUTO)
			r->enc = CRM_ENC_UTF8;
		r->bom_against = r->enc != CRM_ENC_UTF8;
	}
	return 0;
}

/*
 * Takes the next physical line, terminator (LF, CRLF or CR) included, into
 * r->line: from the pending lines first, then from the input. A line longer
 * than the cap is cut there (*toolong set) and the rest of it skipped.
 * Returns 1 for a line, 0 at the end of input, -1 on a read error.
 */
/* The quotes among the n bytes at p. */
static size_t count_quotes(const char *p, size_t n)
{
	size_t k = 0;
	const char *q;

	while (n && (q = memchr(p, '"', n))) {
		k++;
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return k;
}

static int next_line(struct crm_csv_reader *r, int *toolong)
{
	size_t cap = r->opt.max_field;

	*toolong = 0;
	r->cut_quotes = 0;
	crm_strbuf_reset(&r->line);
	if (r->pending_pos < r->pending.len) {
		const char *p = r->pending.buf + r->pending_pos;
		size_t left = r->pending.len - r->pending_pos, n = 0;

		if (r->pending_cut != SIZE_MAX && r->pending_cut > r->pending_pos)
			left = r->pending_cut - r->pending_pos;
		while (n < left && p[n] != '\n' && p[n] != '\r')
			n++;
		if (n < left)
			n += (p[n] == '\r' && n + 1 < left && p[n + 1] == '\n') ? 2 : 1;
		if (crm_strbuf_add(&r->line, p, n))
			return -2;
		r->pending_pos += n;
		if (r->pending_pos == r->pending_cut) {
			*toolong = 1;
			r->pending_cut = SIZE_MAX;
		}
		if (r->pending_pos == r->pending.len) {
			crm_strbuf_reset(&r->pending);
			r->pending_pos = 0;
			r->pending_cut = SIZE_MAX;
		}
		r->line_no++;
		return 1;
	}
	for (;;) {
		const char *p = r->ibuf + r->ipos;
		size_t left = r->ilen - r->ipos, n;
		const char *lf, *cr;
		int done = 0;

		/* The first CR or LF, found by memchr rather than a loop a byte. */
		lf = memchr(p, '\n', left);
		n = lf ? (size_t)(lf - p) : left;
		cr = memchr(p, '\r', n);
		if (cr)
			n = (size_t)(cr - p);
		if (n < left) {
			if (p[n] == '\n') {
				n++;
				done = 1;
			} else if (n + 1 < left) {
				n += p[n + 1] == '\n' ? 2 : 1;
				done = 1;
			} else if (r->eof) {
				n++;
				done = 1;
			}
			/* else: a CR at the end of the buffer, maybe half of CRLF */
		}
		if (!*toolong) {
			size_t take = n;

			if (r->line.len + take > cap) {
				take = cap > r->line.len ? cap - r->line.len : 0;
				*toolong = 1;
			}
			if (crm_strbuf_add(&r->line, p, take))
				return -2;
			r->cut_quotes += count_quotes(p + take, n - take);
		} else {
			r->cut_quotes += count_quotes(p, n);
		}
		r->ipos += n;
		r->consumed += n;
		if (done) {
			r->line_no++;
			return 1;
		}
		if (r->eof) {
			if (r->line.len == 0 && !*toolong)
				return 0;
			r->line_no++;
			return 1;
		}
		if (refill(r))
			return -1;
	}
}

/* Records the first problem of the current record; later ones are dropped. */
static void flag(struct crm_csv_reader *r, enum crm_status code,
		 unsigned long line, unsigned long column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void flag(struct crm_csv_reader *r, enum crm_status code,
		 unsigned long line, unsigned long column, const char *fmt, ...)
{
	va_list ap;

	if (r->rec_status)
		return;
	r->rec_status = code;
	crm_error_at(&r->rec_err, code, r->name, line, column, "%s", "");
	va_start(ap, fmt);
	vsnprintf(r->rec_err.message, sizeof(r->rec_err.message), fmt, ap);
	va_end(ap);
}

/*
 * Feeds s[0..n) to libcsv. Strict mode stops at any quote it does not
 * expect. A quote inside an unquoted field (12" monitor) is passed on as a
 * literal, by clearing the error and feeding that one byte with strict mode
 * off: libcsv has no option for "strict about closing quotes only". This
 * uses the fields of struct csv_parser that csv.h publishes. Returns 0, or
 * 1 when text follows the closing quote of a quoted field.
 */
static int feed(struct crm_csv_reader *r, const char *s, size_t n)
{
	struct csv_parser *p = &r->parser;

	while (n > 0) {
		size_t done = csv_parse(p, s, n, on_field, on_record, r);
		int e = csv_error(p);

		if (e == CSV_SUCCESS && done == n)
			return 0;
		if (e != CSV_EPARSE) {
			r->nomem = 1;
			return 0;
		}
		if (p->quoted)
			return 1;
		/* s is in r->dline: the quote's place in the line. */
		if (!r->quote.line) {
			r->quote.line = r->line_no;
			r->quote.character = crm_utf8_count(r->dline.buf,
							    (size_t)(s + done - r->dline.buf)) + 1;
			r->quote.field = r->nf_total + 1;
		}
		p->status = CSV_SUCCESS;
		csv_set_opts(p, CSV_STRICT_FINI);
		if (csv_parse(p, s + done, 1, on_field, on_record, r) != 1 ||
		    csv_error(p) != CSV_SUCCESS)
			r->nomem = 1;
		csv_set_opts(p, CSV_STRICT | CSV_STRICT_FINI);
		s += done + 1;
		n -= done + 1;
	}
	return 0;
}

/*
 * A whole line that starts a record and has no quote is split at the
 * delimiters here, giving the callbacks exactly what libcsv would give
 * (without a space function it trims nothing, and a line holds a line end
 * only at its end), without its state machine, which costs ten times more
 * a byte. Most lines of most exports are like that. Returns 1 when done,
 * 0 when the line is for libcsv.
 */
static int split_plain(struct crm_csv_reader *r)
{
	const char *s = r->dline.buf, *end = s + r->dline.len, *d;

	/* libcsv's states are not in csv.h: 0 is "no row begun". */
	if (r->parser.pstate != 0 || r->nf_total != 0 || r->rec_line != r->line_no ||
	    s == end || (end[-1] != '\n' && end[-1] != '\r') || memchr(s, '"', r->dline.len))
		return 0;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (;;) {
		d = memchr(s, r->opt.delimiter, (size_t)(end - s));
		on_field((void *)s, (size_t)((d ? d : end) - s), r);
		if (!d)
			break;
		s = d + 1;
	}
	on_record(end[0], r);
	return 1;
}

static void start_record(struct crm_csv_reader *r)
{
	r->rec_line = r->field_line = r->line_no;
	r->field_no = 1;
	r->rec_done = 0;
	r->nf = 0;
	r->nf_total = 0;
	r->nlines = 0;
	r->rec_status = CRM_OK;
	memset(&r->quote, 0, sizeof(r->quote));
	memset(&r->bom, 0, sizeof(r->bom));
	crm_error_clear(&r->rec_err);
	crm_strbuf_reset(&r->fbuf);
	crm_strbuf_reset(&r->rawin);
	crm_strbuf_reset(&r->raw);
}

/* A line of spaces, tabs and line ends only; the delimiter is data, even a tab. */
static int is_blank(const struct crm_csv_reader *r, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == r->opt.delimiter)
			return 0;
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	}
	return 1;
}

static void fill_record(struct crm_csv_reader *r, struct crm_csv_record *rec)
{
	size_t i;

	if (grow_array((void **)&r->fptrs, &r->afptrs, r->nf + 1, sizeof(char *))) {
		r->nomem = 1;
		return;
	}
	for (i = 0; i < r->nf; i++)
		r->fptrs[i] = r->fbuf.buf + r->foffs[i];
	r->fptrs[r->nf] = NULL;
	rec->nfields = r->nf;
	rec->fields = r->fptrs;
	rec->lens = r->flens;
	rec->line = r->rec_line;
	rec->end_line = r->line_no;
	rec->raw = r->raw.buf;
	rec->raw_len = r->raw.len;
	rec->quote = r->quote;
	rec->bom = r->bom;
}

/*
 * Removes every U+FEFF from the decoded line, marking the first of the
 * record: a byte order mark there is never data, only what is left of
 * a file's start after files were joined, and kept it would make
 * "\uFEFFC00004" a key of its own. The mark at the very start of the
 * input was skipped before (skip_bom()).
 */
static void drop_boms(struct crm_csv_reader *r, size_t *bad)
{
	static const char bom[] = "\xEF\xBB\xBF";
	char *b = r->dline.buf, *at = b, *to, *end = b + r->dline.len;
	size_t was_bad = *bad;

	while ((at = memchr(at, 0xEF, (size_t)(end - at))) && end - at >= 3 && memcmp(at, bom, 3))
		at++;
	if (!at || end - at < 3)
		return;
	if (!r->bom.line) {
		r->bom.line = r->line_no;
		r->bom.character = crm_utf8_count(b, (size_t)(at - b)) + 1;
	}
	/* The first bad byte (decode's offset) moves with the line. */
	for (to = at; at < end;) {
		if (end - at >= 3 && !memcmp(at, bom, 3)) {
			if (was_bad != SIZE_MAX && (size_t)(at - b) < was_bad)
				*bad -= 3;
			at += 3;
		} else {
			*to++ = *at++;
		}
	}
	r->dline.len = (size_t)(to - b);
	b[r->dline.len] = '\0';
}

/* Hands back a malformed record: no fields, its lines, the first problem. */
static enum crm_status bad_record(struct crm_csv_reader *r, struct crm_csv_record *rec,
				  struct crm_error *err)
{
	r->nf = 0;
	fill_record(r, rec);
	r->rec_line = 0;
	if (r->nomem)
		return nomem(r, err);
	if (err)
		*err = r->rec_err;
	return r->rec_status;
}

/*
 * After an unbalanced quote that opened at line ql: ends the record with
 * that line and queues the raw lines after it (before any still pending)
 * to be read again with their own line numbers. cut_last says that the
 * record's last line was cut at the size cap: read again, it must still
 * count as too long.
 */
/*
 * Where line k (0 for the first) of a record's lines in b[0..len) starts.
 * The lines end as next_line() ends them: at LF, CRLF or a lone CR (none
 * of which a CP932 trail byte or a decoded character can hold). Found by
 * scanning, not kept a line: a cell of a million short lines would cost
 * two arrays of a million offsets (#12).
 */
static size_t line_start(const char *b, size_t len, size_t k)
{
	size_t i;

	for (i = 0; k > 0 && i < len; i++)
		if (b[i] == '\n' || (b[i] == '\r' && !(i + 1 < len && b[i + 1] == '\n')))
			k--;
	return i;
}

static enum crm_status unwind(struct crm_csv_reader *r, unsigned long ql, int cut_last,
			      struct crm_csv_record *rec, struct crm_error *err)
{
	size_t keep = (size_t)(ql - r->rec_line) + 1;

	reset_parser(r);
	if (keep < r->nlines) {
		struct crm_strbuf again = CRM_STRBUF_INIT;
		size_t cut = line_start(r->rawin.buf, r->rawin.len, keep), tail = r->rawin.len - cut;

		/*
		 * The lines to read again, then what was pending. With nothing
		 * pending (most often), the record's own buffer becomes the
		 * pending one: no second copy of up to the cap (#12).
		 */
		if (r->pending_pos == r->pending.len) {
			memmove(r->rawin.buf, r->rawin.buf + cut, tail);
			crm_strbuf_setlen(&r->rawin, tail);
			again = r->rawin;
			crm_strbuf_init(&r->rawin);
		} else if (crm_strbuf_add(&again, r->rawin.buf + cut, tail) ||
			   crm_strbuf_add(&again, r->pending.buf + r->pending_pos,
					  r->pending.len - r->pending_pos)) {
			crm_strbuf_release(&again);
			return nomem(r, err);
		}
		if (cut_last)
			r->pending_cut = tail;
		else if (r->pending_cut != SIZE_MAX)
			r->pending_cut = tail + (r->pending_cut - r->pending_pos);
		crm_strbuf_release(&r->pending);
		r->pending = again;
		r->pending_pos = 0;
		r->line_no = ql;
		crm_strbuf_setlen(&r->raw, line_start(r->raw.buf, r->raw.len, keep));
	}
	return bad_record(r, rec, err);
}

/* Number of line breaks (LF, CRLF or CR) in s[0..n). */
static size_t count_breaks(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n')))
			k++;
	return k;
}

/* The line on which the first field holding a line break opened, or 0. */
static unsigned long first_multiline_field(const struct crm_csv_reader *r)
{
	unsigned long line = r->rec_line;
	size_t k;

	for (k = 0; k < r->nf; k++) {
		size_t breaks = count_breaks(r->fbuf.buf + r->foffs[k], r->flens[k]);

		if (breaks)
			return line;
		line += breaks;
	}
	return 0;
}

/*
 * Two stray quotes in the same column balance each other: the lines between
 * them become one field and the record has the right number of fields, so
 * RFC 4180 calls it valid. A line that a quoted field swallowed whole and
 * that holds a record's worth of delimiters gives it away. Returns the
 * line where such a field opened, or 0. Only for three columns or more: a
 * note in a narrow file may well hold a comma on a line of its own.
 */
static unsigned long swallowed_records(const struct crm_csv_reader *r, size_t want,
				       unsigned long *swallowed)
{
	unsigned long line = r->rec_line;
	size_t k;

	if (want < 3 || want == CRM_CSV_ANY_FIELDS)
		return 0;
	for (k = 0; k < r->nf; k++) {
		const char *f = r->fbuf.buf + r->foffs[k], *end = f + r->flens[k];
		const char *p = f;
		unsigned long at = line;

		while (p < end) {
			const char *eol = p;
			size_t delims = 0;

			while (eol < end && *eol != '\n' && *eol != '\r') {
				delims += *eol == r->opt.delimiter;
				eol++;
			}
			/* A whole line: it has a break before it and after it. */
			if (p != f && eol < end && delims + 1 >= want) {
				*swallowed = at;
				return line;
			}
			if (eol >= end)
				break;
			eol += (*eol == '\r' && eol + 1 < end && eol[1] == '\n') ? 2 : 1;
			at++;
			p = eol;
		}
		line += count_breaks(f, r->flens[k]);
	}
	return 0;
}

/*
 * Finishes a complete record: the checks that need all of it, then the
 * verdict. A record that spans lines and is ragged, or swallowed a line
 * that looks like a record, ends at the line where its first multi-line
 * field opened, and the lines after it are read again: whatever else is
 * wrong with it, those lines are not its to lose.
 */
static enum crm_status end_record(struct crm_csv_reader *r, struct crm_csv_record *rec,
				  struct crm_error *err)
{
	size_t want = r->opt.expect_fields, n = r->nf_total;
	unsigned long ql = 0, swallowed = 0;
	int multi = r->line_no > r->rec_line;

	if (want == 0 && n > CRM_CSV_MAX_FIELDS)
		flag(r, CRM_ERR_CSV, r->rec_line, 0, "%zu fields: more than the limit of %zu",
		     n, CRM_CSV_MAX_FIELDS);
	if (want != 0 && want != CRM_CSV_ANY_FIELDS && n != want) {
		if (multi && (ql = first_multiline_field(r)) != 0)
			flag(r, CRM_ERR_CSV, ql, 0,
			     "ragged row: %zu fields where %zu were expected; the quoted field "
			     "opened at line %lu runs to line %lu: is its quote unbalanced?",
			     n, want, ql, r->line_no);
		else
			flag(r, CRM_ERR_CSV, r->rec_line, 0,
			     "ragged row: %zu fields where %zu were expected", n, want);
	} else if (multi && (ql = swallowed_records(r, want, &swallowed)) != 0) {
		flag(r, CRM_ERR_CSV, ql, 0,
		     "stray quote: the quoted field opened at line %lu swallows line %lu, "
		     "which looks like a record of its own", ql, swallowed);
	}
	if (ql)
		return unwind(r, ql, 0, rec, err);
	if (!r->rec_status && want == 0)
		r->opt.expect_fields = n;
	fill_record(r, rec);
	r->rec_line = 0;
	if (r->nomem)
		return nomem(r, err);
	if (r->rec_status && err)
		*err = r->rec_err;
	return r->rec_status;
}

/* End of input inside a record: either its last line lacked a terminator, or a quote never closed. */
static enum crm_status end_of_input(struct crm_csv_reader *r, struct crm_csv_record *rec,
				    struct crm_error *err)
{
	if (csv_fini(&r->parser, on_field, on_record, r) != 0) {
		unsigned long ql = r->field_line;

		flag(r, CRM_ERR_CSV, ql, r->field_no,
		     "unterminated quoted field: the quote opened at line %lu is never closed", ql);
		return unwind(r, ql, 0, rec, err);
	}
	return end_record(r, rec, err);
}

/* Appends the current line to the record's raw buffers. */
static int keep_line(struct crm_csv_reader *r)
{
	r->nlines++;
	if (crm_strbuf_add(&r->rawin, r->line.buf, r->line.len) ||
	    crm_strbuf_add(&r->raw, r->dline.buf, r->dline.len))
		return -1;
	return 0;
}

/*
 * The size cap: a record may hold at most max_field bytes, raw or decoded
 * (CP932 half-width kana triple in UTF-8). Checked before the line is
 * kept, so that no buffer grows past the cap.
 */
static int over_cap(const struct crm_csv_reader *r)
{
	size_t cap = r->opt.max_field;

	return r->rawin.len + r->line.len > cap || r->raw.len + r->dline.len > cap;
}

/*
 * Whether the lines that a quoted field swallowed, after the one it opened
 * on, look like records of their own (each with the delimiters of a whole
 * record): a stray quote. Lines that do not are the text of one giant cell.
 */
/* How much of a line over the cap is kept as its record's text. */
#define TOO_LONG_KEPT 4096

static int swallowed_look_like_records(const struct crm_csv_reader *r)
{
	size_t want = r->opt.expect_fields, like = 0, lines = 0;

	if (want == 0 || want == CRM_CSV_ANY_FIELDS)
		want = 2;
	const char *b = r->raw.buf;
	size_t i = line_start(b, r->raw.len, 1), d = 0;

	for (; i < r->raw.len; i++) {
		if (b[i] == r->opt.delimiter)
			d++;
		if (b[i] == '\n' || (b[i] == '\r' && !(i + 1 < r->raw.len && b[i + 1] == '\n')) ||
		    i + 1 == r->raw.len) {
			like += d + 1 >= want;
			lines++;
			d = 0;
		}
	}
	return lines && like * 2 >= lines;
}

/*
 * Reads a giant cell's lines to the end of its record without keeping
 * them (memory stays flat, #12), following its quotes: "" is a quote in
 * the text, a lone one closes the field, and one after that opens another.
 * Returns 1 when the record ended with this line.
 */
static int skip_giant_line(struct crm_csv_reader *r)
{
	const char *p = r->dline.buf, *end = p + r->dline.len;

	for (; p < end; p++) {
		if (*p != '"')
			continue;
		if (r->skip_in_quote && p + 1 < end && p[1] == '"')
			p++;
		else
			r->skip_in_quote = !r->skip_in_quote;
	}
	/*
	 * The quotes of the part of an over-long line next_line() did not
	 * keep (review: a closing quote there was never seen). "" toggles
	 * twice, so their count's parity is all that matters.
	 */
	if (r->cut_quotes & 1)
		r->skip_in_quote = !r->skip_in_quote;
	return !r->skip_in_quote;
}

/* The end of a giant cell's record (or of the input inside it): one bad record. */
static enum crm_status giant_record(struct crm_csv_reader *r, int closed,
				    struct crm_csv_record *rec, struct crm_error *err)
{
	unsigned long from = r->skip_from;

	r->skipping = 0;
	reset_parser(r);
	if (closed)
		flag(r, CRM_ERR_TOOBIG, from, r->field_no,
		     "the quoted field opened at line %lu ends at line %lu, past the limit of "
		     "%zu bytes: lines %lu-%lu are one record, not read", from, r->line_no,
		     r->opt.max_field, from, r->line_no);
	else
		flag(r, CRM_ERR_CSV, from, r->field_no,
		     "unterminated quoted field: the quote opened at line %lu is never closed, "
		     "and the %zu bytes after it hold no records: lines %lu-%lu not read",
		     from, r->opt.max_field, from, r->line_no);
	r->rec_line = from;
	/* The record handed back is its first line: its text stays in the input. */
	r->nf = 0;
	fill_record(r, rec);
	rec->end_line = r->line_no;
	r->rec_line = 0;
	if (r->nomem)
		return nomem(r, err);
	if (err)
		*err = r->rec_err;
	return r->rec_status;
}

/*
 * The line in r->dline (or the quoted field it continues) went past the
 * size cap: the bad record is the line alone, or the records since the
 * quote that opened the field, or (*skip set, nothing returned yet) a
 * giant cell read on to its end.
 */
static enum crm_status too_long(struct crm_csv_reader *r, int toolong,
				struct crm_csv_record *rec, struct crm_error *err, int *skip)
{
	unsigned long ql = r->field_line;

	*skip = 0;
	if (ql == r->line_no) {
		/*
		 * The line alone is too long: it is the bad record. Its text for
		 * the rejects file is its start: a copy of all of it would double
		 * the memory a giant line takes (#12), and it is in the input.
		 */
		if (r->line.len > TOO_LONG_KEPT)
			crm_strbuf_setlen(&r->line, TOO_LONG_KEPT);
		if (r->dline.len > TOO_LONG_KEPT) {
			size_t n = TOO_LONG_KEPT;

			while (n > 0 && ((unsigned char)r->dline.buf[n] & 0xC0) == 0x80)
				n--;
			crm_strbuf_setlen(&r->dline, n);
			if (crm_strbuf_addstr(&r->dline, "…"))
				return nomem(r, err);
		}
		if (keep_line(r))
			return nomem(r, err);
		flag(r, CRM_ERR_TOOBIG, r->line_no, r->field_no,
		     "line is longer than the limit of %zu bytes", r->opt.max_field);
		reset_parser(r);
		return bad_record(r, rec, err);
	}
	/*
	 * A giant cell: reading its lines again as records gave a reject a line
	 * (8.9 million from one 17 MB cell, #12). It is read to its end, kept
	 * no more, and is one bad record.
	 */
	/* Keep the line for unwind() (marked if it was cut), or for a look at it. */
	if (keep_line(r))
		return nomem(r, err);
	if (!swallowed_look_like_records(r)) {
		size_t first = line_start(r->raw.buf, r->raw.len, 1);

		struct crm_strbuf line = CRM_STRBUF_INIT;
		int ended;

		r->skipping = 1;
		r->skip_from = ql;
		/*
		 * The record went on past a line end, so the line before this one
		 * ended inside the quoted field; this line is not fed yet. Only
		 * its quotes count from here (review: counting those of the whole
		 * record took a literal one, 12" monitor, for a closing quote).
		 */
		r->skip_in_quote = 1;
		ended = skip_giant_line(r);
		/* The record's text is its first line; the rest is let go. */
		if (crm_strbuf_add(&line, r->raw.buf, first)) {
			crm_strbuf_release(&line);
			return nomem(r, err);
		}
		crm_strbuf_release(&r->raw);
		r->raw = line;
		crm_strbuf_release(&r->rawin);
		crm_strbuf_release(&r->fbuf);
		r->nlines = r->nlines ? 1 : 0;
		reset_parser(r);
		if (ended)
			return giant_record(r, 1, rec, err);
		*skip = 1;
		return CRM_OK;
	}
	flag(r, CRM_ERR_TOOBIG, ql, r->field_no,
	     "the quoted field opened at line %lu grew past the limit of %zu "
	     "bytes: is its quote unbalanced?", ql, r->opt.max_field);
	return unwind(r, ql, toolong, rec, err);
}

/*
 * Feeds the decoded line to the parser, flagging its first bad byte
 * (bad, or SIZE_MAX for none; what says what it is) or NUL. Returns 1
 * when a quote was followed by text (a stray quote), else 0.
 */
static int feed_line(struct crm_csv_reader *r, size_t bad, char *what, size_t nwhat)
{
	const char *nul = memchr(r->dline.buf, '\0', r->dline.len);

	if (nul && (size_t)(nul - r->dline.buf) < bad) {
		bad = (size_t)(nul - r->dline.buf);
		snprintf(what, nwhat, "NUL byte");
	}
	if (bad == SIZE_MAX)
		return !split_plain(r) && feed(r, r->dline.buf, r->dline.len);
	/* Feed up to the bad byte first: the field count then gives its column. */
	if (feed(r, r->dline.buf, bad))
		return 1;
	flag(r, bad < r->dline.len && r->dline.buf[bad] == '\0' ? CRM_ERR_CSV : CRM_ERR_ENCODING,
	     r->line_no, r->field_no, "%s at character %lu", what,
	     crm_utf8_count(r->dline.buf, bad) + 1);
	return feed(r, r->dline.buf + bad, r->dline.len - bad);
}

/*
 * The bytes past ASCII at the file's start do not tell UTF-8 from CP932
 * (csvdecode.c's detect()): said once, with a word both ways, as the
 * error of the file, which is then at its end: a guess would be silent
 * mojibake.
 */
static enum crm_status undecided(struct crm_csv_reader *r, struct crm_error *err)
{
	r->refused = 1;
	if (r->eucjp == 2)
		return crm_error_at(err, CRM_ERR_INVALID, r->name, r->line_no, 0,
				    "cannot tell whether the file is CP932 or EUC-JP: \"%s\" in CP932"
				    " is \"%s\" in EUC-JP, and nothing else at its start says which:"
				    " %sif EUC-JP, convert it to UTF-8 first (iconv -f EUC-JP -t"
				    " UTF-8), which crm reads", r->as_cp932, r->as_eucjp,
				    r->opt.name_encoding ? "if CP932, give --encoding cp932; " : "");
	if (r->eucjp)
		return crm_error_at(err, CRM_ERR_INVALID, r->name, r->line_no, 0,
				    "the file looks like EUC-JP, which crm does not read: \"%s\" in"
				    " EUC-JP is \"%s\" in CP932: convert it to UTF-8 first (iconv -f"
				    " EUC-JP -t UTF-8)%s", r->as_eucjp, r->as_cp932,
				    r->opt.name_encoding ? ", or, if it is CP932, give --encoding cp932"
							 : "");
	return crm_error_at(err, CRM_ERR_INVALID, r->name, r->line_no, 0,
			    "cannot tell whether the file is UTF-8 or CP932: \"%s\" in UTF-8 is"
			    " \"%s\" in CP932, and nothing else at its start says which: %s%ssave"
			    " the file as \"CSV UTF-8\"", r->as_utf8, r->as_cp932,
			    r->opt.name_encoding ? r->opt.name_encoding : "",
			    r->opt.name_encoding ? ", or " : "");
}

/* Text after the closing quote of a quoted field: the record is bad. */
static enum crm_status stray_quote(struct crm_csv_reader *r, struct crm_csv_record *rec,
				   struct crm_error *err)
{
	if (r->field_line == r->line_no)
		flag(r, CRM_ERR_CSV, r->field_line, r->field_no,
		     "stray quote: text follows the closing quote of a quoted field");
	else
		flag(r, CRM_ERR_CSV, r->field_line, r->field_no,
		     "stray quote: the quoted field opened at line %lu has text after "
		     "its closing quote at line %lu", r->field_line, r->line_no);
	return unwind(r, r->field_line, 0, rec, err);
}

enum crm_status crm_csv_read(struct crm_csv_reader *r, struct crm_csv_record *rec,
			     struct crm_error *err)
{
	memset(rec, 0, sizeof(*rec));
	if (!r->started) {
		r->started = 1;
		if (skip_bom(r))
			return crm_error_at(err, CRM_ERR_IO, r->name, 0, 0, "read error: %s",
					    strerror(errno));
		/* The start of the input, to tell what it is: 4 KiB or all of it. */
		while (!r->eof && r->ilen < 4096)
			if (refill(r))
				return crm_error_at(err, CRM_ERR_IO, r->name, 0, 0, "read error: %s",
						    strerror(errno));
		crm_csv_sniff(r);
		if (r->opt.detect_delimiter && !r->utf16 && !r->workbook)
			crm_csv_detect_delimiter(r);
	}
	/*
	 * A workbook or UTF-16 is no CSV at all: said once, as the error of
	 * its first record, and then it has no more (a caller that reads on
	 * after an error, as the contract allows, must come to an end).
	 */
	if (r->refused)
		return CRM_EOF;
	r->refused = r->workbook || r->utf16 || r->bom_against;
	/*
	 * A file that starts with UTF-8's byte order mark is UTF-8: read as
	 * the CP932 named (a cron job's --encoding, the day the export changed
	 * to "CSV UTF-8"), every accent and kana would be garbled.
	 */
	if (r->bom_against)
		return crm_error_at(err, CRM_ERR_INVALID, r->name, 1, 0,
				    "the file starts with a UTF-8 byte order mark, so it is UTF-8,"
				    " not %s as named: %s", crm_encoding_name(r->enc),
				    r->opt.name_encoding ? "leave --encoding out, or give --encoding utf-8"
							 : "save it in the encoding named");
	if (r->workbook)
		return crm_error_at(err, CRM_ERR_ENCODING, r->name, 1, 0,
				    "the file is an Excel workbook (%s), not CSV: open it in "
				    "Excel and save it as \"CSV UTF-8\", then import that",
				    r->workbook == 1 ? "xlsx" : "xls");
	/*
	 * Excel's "Unicode text" is UTF-16 and tab-separated: read byte by
	 * byte as CP932 it would be a reject on every line. Say what it is.
	 */
	if (r->utf16)
		return crm_error_at(err, CRM_ERR_ENCODING, r->name, 1, 0,
				    "the file is UTF-16 (Excel's \"Unicode text\")%s: save it as "
				    "\"CSV UTF-8\" or \"CSV\" and import that",
				    r->utf16 == 2 ? ", without a byte order mark" : "");
	for (;;) {
		char what[96] = "";
		size_t bad;
		int toolong, rc;

		rc = next_line(r, &toolong);
		if (rc == -1)
			return crm_error_at(err, CRM_ERR_IO, r->name, r->line_no + 1, 0,
					    "read error: %s", strerror(errno));
		if (rc == -2)
			return nomem(r, err);
		if (rc == 0 && r->skipping)
			return giant_record(r, 0, rec, err);
		if (rc == 0)
			return r->rec_line ? end_of_input(r, rec, err) : CRM_EOF;
		rc = crm_csv_decode_line(r, &bad, what, sizeof(what));
		if (rc == -4) {
			/* A read error is the next read's to report. */
			while (!r->eof && r->ilen - r->ipos < CHUNK && !refill(r))
				;
			r->window = 1;
			rc = crm_csv_decode_line(r, &bad, what, sizeof(what));
		}
		if (rc == -2)
			return crm_error_at(err, CRM_ERR_INTERNAL, r->name, r->line_no, 0,
					    "cannot convert from CP932: iconv lacks it (%s)",
					    strerror(errno));
		if (rc == -3)
			return undecided(r, err);
		if (rc)
			return nomem(r, err);
		if (r->skipping) {
			if (skip_giant_line(r))
				return giant_record(r, 1, rec, err);
			continue;
		}
		if (!r->rec_line) {
			if (!toolong && is_blank(r, r->dline.buf, r->dline.len))
				continue;
			start_record(r);
		}
		drop_boms(r, &bad);
		if (toolong || over_cap(r)) {
			int skip;
			enum crm_status s = too_long(r, toolong, rec, err, &skip);

			if (!skip)
				return s;
			continue;
		}
		if (keep_line(r))
			return nomem(r, err);
		if (feed_line(r, bad, what, sizeof(what)))
			return stray_quote(r, rec, err);
		if (r->nomem)
			return nomem(r, err);
		if (r->rec_done)
			return end_record(r, rec, err);
	}
}
