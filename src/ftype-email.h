/*
 * The email type (src/ftype-email.c). What the functions return is said in
 * ftype.h.
 */
#ifndef CRM_FTYPE_EMAIL_H
#define CRM_FTYPE_EMAIL_H

#include "error.h"
#include "ftype.h"

/*
 * Checks an email address; the caller stores the value as written. After
 * NFKC: exactly one '@', a non-empty local part, a domain with a dot and no
 * empty labels, no spaces. Old docomo/au local parts with ".." or a final
 * "." are accepted. A leading "mailto:" and surrounding "<>" are tolerated.
 */
enum crm_status crm_check_email(const char *s, struct crm_error *err);

/*
 * An email address, as crm_check_email() accepts it: "mailto:" and "<>"
 * removed, the domain in lower case, the local part as written (old
 * docomo/au addresses with ".." or ".@" are kept). A known misspelling of
 * a common domain (gmial.com, yahoo.co.jpp, docomo.ne.jpp ...) sets
 * out->suggestion to the address with the domain spelled right; the value
 * itself is not changed. Violations: everything crm_check_email() rejects.
 */
enum crm_status crm_normalize_email(const char *s, struct crm_norm *out,
				    struct crm_error *err);

#endif
