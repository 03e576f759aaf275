/*
 * Records out to an Excel workbook (.xlsx) through libxlsxwriter, in its
 * constant-memory mode (a row is written when the next begins: memory
 * stays flat however many there are). One sheet; the header row bold and
 * frozen; text always as text (a cell that starts with = is no formula),
 * numbers as numbers, dates (YYYY-MM-DD) as dates; column widths set from
 * the header and what the columns usually hold.
 */
#ifndef CRM_XLSX_H
#define CRM_XLSX_H

#include <stddef.h>

#include "error.h"
#include "value.h"

enum crm_xlsx_kind {
	CRM_XLSX_TEXT,
	CRM_XLSX_NUMBER,
	CRM_XLSX_DATE,     /* YYYY-MM-DD text written as a date; anything else as text */
	CRM_XLSX_MONEY,    /* a decimal as text (-1500, 2.55), written as a number */
};

struct crm_xlsx;

/*
 * Starts a workbook at path (written there by the library: the caller
 * makes it a temporary file and renames it) with a sheet of n columns,
 * names[i] the header of column i, kinds[i] how its values are written,
 * widths[i] its width in characters.
 */
enum crm_status crm_xlsx_open(struct crm_xlsx **out, const char *path, const char *const *names,
			      const enum crm_xlsx_kind *kinds, const double *widths, size_t n,
			      struct crm_error *err);
/* Writes a row of the n values (NULL values leave the cell empty). */
enum crm_status crm_xlsx_row(struct crm_xlsx *x, const struct crm_value *vals,
			     struct crm_error *err);
/* Writes the workbook out and frees x. */
enum crm_status crm_xlsx_close(struct crm_xlsx *x, struct crm_error *err);
/* Frees x without writing (the file is left for the caller to remove). x may be NULL. */
void crm_xlsx_free(struct crm_xlsx *x);

#endif
