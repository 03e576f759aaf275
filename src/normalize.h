/*
 * Normalizers: the pure functions `crm cleanse` applies to one field value
 * to remove notation drift (表記揺れ) before duplicates are looked for. What
 * they return, and what they promise, is said in ftype.h.
 */
#ifndef CRM_NORMALIZE_H
#define CRM_NORMALIZE_H

#include "error.h"
#include "ftype.h"
#include "ftype-address.h"
#include "ftype-company.h"
#include "ftype-name.h"
#include "ftype-postal.h"
#include "ftype-email.h"
#include "ftype-phone.h"

/*
 * The cleaning every normalizer starts with: NFKC; zero-width and other
 * default-ignorable characters (U+200B, U+FEFF, soft hyphen), variation
 * selectors and control characters removed; each run of Unicode white
 * space made one ASCII space, and both ends trimmed. A dash (- ‐ ― − ー and
 * the other Unicode dashes, but not the wave dashes 〜 ～) between two digits
 * becomes '-'; a dash after kana that is not followed by a digit becomes
 * the prolonged sound mark 'ー' (ｺ-ﾋ- gives コーヒー). Only invalid UTF-8
 * is a violation.
 */
enum crm_status crm_normalize_text(const char *s, struct crm_norm *out,
				   struct crm_error *err);

#endif
