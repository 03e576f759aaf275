/*
 * The company type (src/ftype-company.c). What the function returns is
 * said in ftype.h.
 */
#ifndef CRM_FTYPE_COMPANY_H
#define CRM_FTYPE_COMPANY_H

#include "error.h"
#include "ftype.h"

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
 * The Japanese legal form that t (folded: NFKC, spaces collapsed) starts
 * or ends with, as written there ("株式会社", "(株)"), or NULL.
 */
const char *crm_legal_form_in(const char *t);

#endif
