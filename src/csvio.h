/*
 * The CSV layer: a streaming reader and a writer on top of libcsv.
 *
 * The reader gives each record with its physical line numbers, detects the
 * encoding (UTF-8 with or without BOM, else CP932) and converts to UTF-8,
 * and reports every malformed record with line and column instead of
 * guessing: ragged rows, stray and unterminated quotes, NUL bytes, invalid
 * byte sequences, fields past the size cap. After such a record it goes on
 * with the next one, so one bad line never takes the rest of the file with
 * it. Memory is bounded by the longest record, never by the file.
 */
#ifndef CRM_CSVIO_H
#define CRM_CSVIO_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

#define CRM_CSV_DEFAULT_MAX_FIELD ((size_t)16 << 20)
/* expect_fields value: do not check the number of fields. */
#define CRM_CSV_ANY_FIELDS ((size_t)-1)
/* No record may have more fields than this (Excel stops at 16,384 columns). */
#define CRM_CSV_MAX_FIELDS ((size_t)65536)

enum crm_encoding {
	CRM_ENC_AUTO = 0,    /* reader only: BOM, else UTF-8 if valid, else CP932 */
	CRM_ENC_UTF8,
	CRM_ENC_UTF8_BOM,    /* writer only: UTF-8 with a byte order mark */
	CRM_ENC_CP932,
};

/*
 * Parses an encoding name: "auto", "utf-8"/"utf8", "utf-8-bom",
 * "cp932" and its aliases (ms932, windows-31j, shift_jis, sjis: Excel's
 * "Shift_JIS" is CP932 in practice). Case and '-'/'_' are ignored.
 * Returns 0, or -1 for an unknown name.
 */
int crm_encoding_parse(const char *name, enum crm_encoding *enc);
/* The canonical name: "auto", "utf-8", "utf-8-bom", "cp932". */
const char *crm_encoding_name(enum crm_encoding enc);

struct crm_csv_read_options {
	enum crm_encoding encoding;  /* CRM_ENC_AUTO to detect */
	char delimiter;              /* 0 means ',' */
	/*
	 * 1: the delimiter is whichever of ',', tab and ';' the first line has
	 * most of outside quotes (',' on a tie): TSV and European CSV read
	 * as what they are, not as one column.
	 */
	int detect_delimiter;
	size_t max_field;            /* a record (so each field) at most; 0 = 16 MiB */
	/*
	 * How many fields every record must have: 0 takes the first record's
	 * count (the header), CRM_CSV_ANY_FIELDS checks nothing.
	 */
	size_t expect_fields;
	/*
	 * How the caller's user names the encoding ("--encoding utf-8 or
	 * cp932"), told when the bytes cannot tell; NULL when they cannot.
	 */
	const char *name_encoding;
};

/* Where in the input something was found: 0s for nowhere. */
struct crm_csv_mark {
	unsigned long line;        /* physical line, 1-based */
	unsigned long character;   /* character in that line, 1-based */
	size_t field;              /* field of the record, 1-based; 0 when not known */
};

/* One record. Owned by the reader: valid until the next crm_csv_read(). */
struct crm_csv_record {
	size_t nfields;
	char **fields;             /* UTF-8, NUL-terminated */
	size_t *lens;              /* byte length of each field */
	unsigned long line;        /* first physical line, 1-based */
	unsigned long end_line;    /* last physical line */
	const char *raw;           /* the record's lines as read, in UTF-8 */
	size_t raw_len;
	/*
	 * Marks of a record that is well-formed but may not be what its writer
	 * meant; the caller decides whether it stands:
	 *   quote  the first quote inside an unquoted field (高橋 "次郎, 12"
	 *          monitor), kept as a literal; RFC 4180 allows none there;
	 *   bom    the first byte order mark (U+FEFF) after the start of the
	 *          input (files joined with cat), removed from the fields.
	 */
	struct crm_csv_mark quote, bom;
};

struct crm_csv_reader;

/*
 * Starts reading fp, whose name (for messages) is name. The reader does not
 * own fp. opts may be NULL for the defaults. On success *out is the reader,
 * to be freed with crm_csv_reader_free().
 */
enum crm_status crm_csv_reader_open(struct crm_csv_reader **out, FILE *fp,
				    const char *name,
				    const struct crm_csv_read_options *opts,
				    struct crm_error *err);

/*
 * Reads the next record into *rec. Returns:
 *   CRM_OK       a good record;
 *   CRM_EOF      no more records;
 *   CRM_ERR_CSV, CRM_ERR_ENCODING, CRM_ERR_TOOBIG
 *                a malformed record, described in err (file, line, column);
 *                rec holds its line span and raw text (its fields are not
 *                to be trusted) and the next call goes on after it (input
 *                that is no CSV at all, a workbook or UTF-16, is one such
 *                error at line 1, and then CRM_EOF);
 *   anything else a failure after which the reader is unusable (read error,
 *                out of memory).
 */
enum crm_status crm_csv_read(struct crm_csv_reader *r, struct crm_csv_record *rec,
			     struct crm_error *err);

/* The delimiter in use (after the first read, the one detected). */
char crm_csv_delimiter(const struct crm_csv_reader *r);

/* The encoding in use: CRM_ENC_AUTO until the first non-ASCII byte decides. */
enum crm_encoding crm_csv_encoding(const struct crm_csv_reader *r);
/* 1 when the input started with a UTF-8 byte order mark. */
int crm_csv_had_bom(const struct crm_csv_reader *r);
/* Bytes consumed from the input so far (for progress). */
unsigned long long crm_csv_bytes_read(const struct crm_csv_reader *r);
/* Sets the field count every later record must have (see expect_fields). */
void crm_csv_expect_fields(struct crm_csv_reader *r, size_t n);

/* Frees the reader. r may be NULL. */
void crm_csv_reader_free(struct crm_csv_reader *r);

struct crm_csv_write_options {
	enum crm_encoding encoding;  /* CRM_ENC_UTF8 (default), _UTF8_BOM or _CP932 */
	char delimiter;              /* 0 means ',' */
	int crlf;                    /* end records with CRLF instead of LF */
	int no_formula_guard;        /* 1 turns the formula-injection guard off */
	int replace;                 /* CP932: write '?' for a character it lacks */
};

struct crm_csv_writer;

/*
 * Starts writing CSV to fp, which the writer does not own. Every field is
 * quoted when RFC 4180 needs it. With the formula guard (the default), a
 * cell that begins with = + - @, tab or CR, and is not a plain number, is
 * written with a leading apostrophe so that spreadsheets show it as text
 * (OWASP's advice against CSV injection).
 */
enum crm_status crm_csv_writer_open(struct crm_csv_writer **out, FILE *fp,
				    const struct crm_csv_write_options *opts,
				    struct crm_error *err);

/*
 * Writes one record of n fields (UTF-8; lens[i] bytes each, or NUL-terminated
 * when lens is NULL; a NULL field is written empty). With CP932 output a
 * character that CP932 lacks fails with CRM_ERR_UNREPRESENTABLE naming the
 * record, field and character, and nothing of that record is written.
 */
enum crm_status crm_csv_write_record(struct crm_csv_writer *w,
				     const char *const *fields, const size_t *lens,
				     size_t n, struct crm_error *err);

/* Records written so far. */
unsigned long crm_csv_records_written(const struct crm_csv_writer *w);
/* With the replace option: the characters written as '?' so far. */
unsigned long crm_csv_replaced(const struct crm_csv_writer *w);

/* Flushes fp and frees w; reports a write error (disk full, closed pipe). */
enum crm_status crm_csv_writer_close(struct crm_csv_writer *w, struct crm_error *err);

/* Frees w without flushing (after an error). w may be NULL. */
void crm_csv_writer_free(struct crm_csv_writer *w);

#endif
