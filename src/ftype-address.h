/*
 * The address type (src/ftype-address.c). What the normalizer returns is
 * said in ftype.h.
 */
#ifndef CRM_FTYPE_ADDRESS_H
#define CRM_FTYPE_ADDRESS_H

#include <stddef.h>

#include "error.h"
#include "ftype.h"

/*
 * 1 when s names one of the 47 prefectures, with or without its suffix
 * (東京都 or 東京, 大阪府 or 大阪; 北海道 whole), else 0. 京都 alone is
 * 京都府 here: as a prefecture column's value there is nothing else it
 * could be.
 */
int crm_is_prefecture(const char *s);

/*
 * The full name (東京都) of the prefecture that the len bytes at s name,
 * with or without the suffix, as crm_is_prefecture() decides; else NULL.
 */
const char *crm_prefecture_name(const char *s, size_t len);

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
