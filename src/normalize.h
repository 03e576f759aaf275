/*
 * Normalizers: the pure functions `crm cleanse` applies to one field value
 * to remove notation drift (表記揺れ) before duplicates are looked for. What
 * they return, and what they promise, is said in ftype.h.
 */
#ifndef CRM_NORMALIZE_H
#define CRM_NORMALIZE_H

#include "error.h"
#include "ftype.h"
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

/*
 * A Japanese address. A prefecture at the start goes to out->prefecture
 * (also when written without 都/府/県, but then only when a city follows:
 * 大阪堺市 gives 大阪府; 京都市 and the other cities named after their
 * prefecture give both, 京都府 and 京都市). The city that follows goes to
 * out->city: one of Tokyo's 23 wards (in 東京都 or with no prefecture), a
 * …市 with its ward (横浜市中区), or a …郡…町 or …郡…村. out->value is
 * what remains, with block numbers written 1-2-3: 一丁目２番３号 gives 1-2-3,
 * 三丁目 gives 3丁目, 十二番地 gives 12番地 (kanji numerals only where a
 * 丁目, 番地, 番 or 号 follows; 一番町, 604号室 are left alone).
 * Violations: a postal code mark 〒 in the address.
 */
enum crm_status crm_normalize_address(const char *s, struct crm_norm *out,
				      struct crm_error *err);

#endif
