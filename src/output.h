/*
 * Records out: the one way commands print rows, as CSV (RFC 4180, the
 * default for pipes), TSV, JSON (one object per line) or an aligned table
 * for a person at a terminal.
 */
#ifndef CRM_OUTPUT_H
#define CRM_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "value.h"

enum crm_format {
	CRM_FORMAT_CSV,
	CRM_FORMAT_TSV,
	CRM_FORMAT_JSON,
	CRM_FORMAT_TABLE,
};

/* Parses "csv", "tsv", "json" or "table"; -1 when name is none of them. */
int crm_format_parse(const char *name, enum crm_format *f);

struct crm_out;

/*
 * Starts writing records of n columns named names (copied) to fp, which
 * the writer does not own. CSV and TSV begin with a header row. A table
 * holds back its first rows to size its columns, and cuts longer cells
 * with an ellipsis.
 */
enum crm_status crm_out_open(struct crm_out **out, FILE *fp, enum crm_format format,
			     const char *const *names, size_t n, struct crm_error *err);

/*
 * A table cuts cells longer than 40 columns with an ellipsis when cut is 1
 * (the default: for a person at a terminal); with 0 every cell is whole,
 * for a table that goes to a pipe or a file.
 */
void crm_out_set_cut(struct crm_out *o, int cut);
/*
 * Column col holds JSON text (a runs row's counts): the json format writes
 * it as JSON, an object in the record, not a string. The caller makes sure
 * it is valid JSON.
 */
void crm_out_json_column(struct crm_out *o, size_t col);

/* Writes one record of the n values. */
enum crm_status crm_out_row(struct crm_out *o, const struct crm_value *vals,
			    struct crm_error *err);

/* Writes what is held back, flushes fp and frees o; reports write errors. */
enum crm_status crm_out_close(struct crm_out *o, struct crm_error *err);

/* Frees o without writing what is held back. o may be NULL. */
void crm_out_free(struct crm_out *o);

/* Records written so far. */
unsigned long crm_out_rows(const struct crm_out *o);

/* The display width of UTF-8 text s (wide East Asian characters count 2). */
size_t crm_display_width(const char *s, size_t len);

#endif
