/*
 * The phone type (src/ftype-phone.c). What the functions return is said in
 * ftype.h.
 */
#ifndef CRM_FTYPE_PHONE_H
#define CRM_FTYPE_PHONE_H

#include "error.h"
#include "ftype.h"

/*
 * Checks a phone number: digits, dashes between digits (- ‐ ‑ ‒ – — ― − ー ｰ
 * －), parentheses, spaces, a leading '+', and an extension introduced by
 * 内線, ext, ext., x or # and followed by digits. At least 6 and at most 15
 * digits before the extension.
 */
enum crm_status crm_check_phone(const char *s, struct crm_error *err);

/*
 * A phone number, as crm_check_phone() accepts it, in display form:
 * hyphens where the grouping is known (070 080 090 020 050 as 3-4-4,
 * 0120 0570 as 4-3-3, 0800 as 4-3-4, a fixed line by its 2- to 5-digit
 * area code in the MIC table: 03-1234-5678, 0422-51-5131, 04992-2-1441),
 * +81 (and +81 (0)) becomes 0; a number with another country code is kept
 * as '+' and its digits. An extension (内線 12, ext. 12, x12, #12) is
 * written " 内線 12" after the number (03-1234-5678 内線 12), and its digits
 * go to out->extension too; out->digits has the number's digits to match
 * on (no '+', no extension). Violations: everything crm_check_phone()
 * rejects (letters outside the extension, for one), a national number
 * that does not start with 0, a number in no range of the plan (so with
 * no grouping to know: 030, 0990, 011-1...), and a length that does not
 * fit the number's prefix.
 */
enum crm_status crm_normalize_phone(const char *s, struct crm_norm *out,
				    struct crm_error *err);

/*
 * The digits of a phone number for matching, as crm_normalize_phone() sets
 * out->digits, into *digits, which the caller frees. Same statuses.
 */
enum crm_status crm_phone_digits(const char *s, char **digits,
				 struct crm_error *err);

#endif
