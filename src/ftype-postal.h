/*
 * The postal code type (src/ftype-postal.c). What the functions return is
 * said in ftype.h.
 */
#ifndef CRM_FTYPE_POSTAL_H
#define CRM_FTYPE_POSTAL_H

#include "error.h"
#include "ftype.h"

/*
 * Checks a postal code of a record in country (country.h). Japan's: an
 * optional leading 〒, then 7 digits with an optional hyphen after the
 * third (100-0001, 〒１００－０００１); spaces are ignored. A country whose
 * codes' shape the table knows: that shape (Australia's 4 digits, the
 * United Kingdom's SW1A 1AA ...), folded, in any case. Otherwise any value
 * without control characters.
 */
enum crm_status crm_check_postal(const char *s, int country,
				 struct crm_error *err);

/*
 * A Japanese postal code, as crm_check_postal() accepts it (〒 and full-width
 * digits allowed), as NNN-NNNN. Violations: anything but 7 digits with an
 * optional hyphen after the third.
 */
enum crm_status crm_normalize_postal(const char *s, struct crm_norm *out,
				     struct crm_error *err);

#endif
