/*
 * The name and kana types (src/ftype-name.c). What the functions return is
 * said in ftype.h.
 */
#ifndef CRM_FTYPE_NAME_H
#define CRM_FTYPE_NAME_H

#include "error.h"
#include "ftype.h"

/*
 * A person's name in one field. An honorific at the end (様, 殿, さん, 御中;
 * 氏 and 先生 only after a space) is removed. Spaces are kept where they
 * are, one ASCII space each: when the name is two parts of Japanese script
 * around one space (山田　太郎), out->family and out->given are set. No space
 * is invented (山田太郎 stays as written: where it splits is not known), and
 * kanji are kept as written (佐々木, 髙橋, 﨑 are not folded). Violations: a
 * digit, an '@', or nothing but an honorific.
 */
enum crm_status crm_normalize_name(const char *s, struct crm_norm *out,
				   struct crm_error *err);

/*
 * A person's name given as its family and given parts (either may be NULL
 * or blank, not both): each part is cleaned as by crm_normalize_name() and
 * out->value is "family given" with one space (only the part there is when
 * the other is missing); out->family and out->given are set to the parts
 * there are. out->changed compares value with the parts joined by one space.
 */
enum crm_status crm_normalize_name_parts(const char *family, const char *given,
					 struct crm_norm *out,
					 struct crm_error *err);

/*
 * A reading (フリガナ) in full-width katakana: half-width katakana composed
 * with its ﾞ and ﾟ (ｶﾞ gives ガ, ｳﾞ gives ヴ), hiragana made katakana, ー kept
 * (コーヒー stays コーヒー); spaces and the family/given split as for names.
 * Violations: any character other than katakana, ー, ・, ヽ, ヾ and space.
 */
enum crm_status crm_normalize_kana(const char *s, struct crm_norm *out,
				   struct crm_error *err);

#endif
