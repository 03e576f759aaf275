/*
 * The postal code type (src/ftype-postal.c). What the functions return is
 * said in ftype.h.
 */
#ifndef CRM_FTYPE_POSTAL_H
#define CRM_FTYPE_POSTAL_H

#include "error.h"
#include "ftype.h"

/*
 * Checks a postal code. When japanese is non-zero: an optional leading 〒,
 * then 7 digits with an optional hyphen after the third (100-0001,
 * 〒１００－０００１); spaces are ignored. Otherwise any value without
 * control characters.
 */
enum crm_status crm_check_postal(const char *s, int japanese,
				 struct crm_error *err);

/*
 * A Japanese postal code, as crm_check_postal() accepts it (〒 and full-width
 * digits allowed), as NNN-NNNN. Violations: anything but 7 digits with an
 * optional hyphen after the third.
 */
enum crm_status crm_normalize_postal(const char *s, struct crm_norm *out,
				     struct crm_error *err);

#endif
