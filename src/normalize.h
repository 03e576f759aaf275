/*
 * Normalizers: the pure functions `crm cleanse` applies to one field value
 * to remove notation drift (表記揺れ) before duplicates are looked for. What
 * they return, and what they promise, is said in ftype.h.
 */
#ifndef CRM_NORMALIZE_H
#define CRM_NORMALIZE_H

#include "error.h"
#include "ftype.h"
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
 * A company name. A legal form at the start (前株) or the end (後株) of the
 * name is written out in full and kept where it is, without a space between
 * it and the name: (株) ㈱ ㍿ （株） カ) (カ give 株式会社, (有) ㈲ ユ) (ユ
 * give 有限会社, (同) 合同会社, (名) 合名会社, (資) 合資会社, (医) 医療法人,
 * (一社) (一財) (公社) (公財) the 一般/公益 社団/財団法人, (特非) and NPO法人
 * 特定非営利活動法人, (学) 学校法人, (福) 社会福祉法人, (宗) 宗教法人,
 * (独) 独立行政法人. An English form at the end is spelled one way:
 * Co., Ltd. / Ltd. / Inc. / K.K. / G.K. / LLC. A form in the middle of the name
 * is left alone. Violations: the ambiguous (合) (合同 or 合資), (財) and (社)
 * (一般 or 公益); a Japanese legal form at both ends; a legal form and no name.
 */
enum crm_status crm_normalize_company(const char *s, struct crm_norm *out,
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
