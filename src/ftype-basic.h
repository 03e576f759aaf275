/*
 * The small types: text, money, whole numbers, flags, genders, and country
 * names (src/ftype-basic.c). What the functions return is said in ftype.h.
 */
#ifndef CRM_FTYPE_BASIC_H
#define CRM_FTYPE_BASIC_H

#include <stdint.h>

#include "error.h"
#include "ftype.h"

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
 * Parses an amount of money into *scaled4, in ten-thousandths of the
 * currency unit (¥1,500 is 15000000, 2.55 is 25500). Accepts commas
 * grouping the integer part's digits by three, a currency sign ¥ ￥ \ $ £ €, a
 * trailing 円, a sign + - − or △ ▲, and accounting parentheses (1,200).
 * More than 4 decimal places are rejected unless the extra ones are zeros:
 * nothing is ever rounded. No floating point is used.
 */
enum crm_status crm_parse_money(const char *s, int64_t *scaled4,
				struct crm_error *err);

/*
 * crm_parse_money(), and the currency its sign names: "JPY" for ¥ ￥ \ or a
 * trailing 円, "USD" for $, "GBP" for £, "EUR" for €; NULL without one.
 */
enum crm_status crm_parse_money_sign(const char *s, int64_t *scaled4, const char **currency,
				     struct crm_error *err);

/*
 * Parses a whole number: digits, commas between digits and a sign.
 * A fraction of zeros (17850.0, 6.00, as pandas and Excel write ids and
 * counts) is accepted; any other fraction is rejected.
 */
enum crm_status crm_parse_int(const char *s, int64_t *out,
			      struct crm_error *err);

/*
 * Parses a yes/no value (可/不可, 許可/拒否, 希望する/希望しない, ○/×,
 * yes/no, true/false, 1/0, ...; ASCII case is ignored) into *out as 1 or 0.
 */
enum crm_status crm_parse_flag(const char *s, int *out, struct crm_error *err);

/*
 * Parses a gender (男/女, 男性/女性, M/F, JIS X 0303 codes 0/1/2/9, ...) into
 * *out, one of the static strings "male", "female", "other", "unknown",
 * "not_applicable".
 */
enum crm_status crm_parse_gender(const char *s, const char **out,
				 struct crm_error *err);

/* The values crm_parse_gender() gives, in that order, and a NULL. */
extern const char *const crm_gender_values[];

#endif
