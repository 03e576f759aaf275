/*
 * The company type. Import stores a company name as written (any text is
 * a name); cleanse writes its legal form (株式会社, 有限会社, Co., Ltd. ...)
 * one way, where the name has it (crm_normalize_company).
 */
#include <string.h>

#include "ftype-company.h"
#include "ftypeint.h"
#include "strbuf.h"
#include "banned.h"

enum { AT_START = 1, AT_END = 2, AT_EITHER = 3 };

/*
 * Legal forms as written after NFKC (㈱ and （株） are (株) by then, ㍿ is
 * 株式会社). full NULL: the form is written out already. why set: the
 * abbreviation is ambiguous and a human must decide.
 */
static const struct legal_form {
	const char *written;
	const char *full;
	int where;
	const char *why;
} legal_forms[] = {
	{ "(株)", "株式会社", AT_EITHER, NULL },
	{ "(有)", "有限会社", AT_EITHER, NULL },
	{ "(同)", "合同会社", AT_EITHER, NULL },
	{ "(名)", "合名会社", AT_EITHER, NULL },
	{ "(資)", "合資会社", AT_EITHER, NULL },
	{ "(医)", "医療法人", AT_EITHER, NULL },
	{ "(一社)", "一般社団法人", AT_EITHER, NULL },
	{ "(一財)", "一般財団法人", AT_EITHER, NULL },
	{ "(公社)", "公益社団法人", AT_EITHER, NULL },
	{ "(公財)", "公益財団法人", AT_EITHER, NULL },
	{ "(特非)", "特定非営利活動法人", AT_EITHER, NULL },
	{ "NPO法人", "特定非営利活動法人", AT_EITHER, NULL },
	{ "(学)", "学校法人", AT_EITHER, NULL },
	{ "(福)", "社会福祉法人", AT_EITHER, NULL },
	{ "(宗)", "宗教法人", AT_EITHER, NULL },
	{ "(独)", "独立行政法人", AT_EITHER, NULL },
	/* Bank (全銀) kana: カ) before the name, (カ after it. */
	{ "カ)", "株式会社", AT_START, NULL },
	{ "(カ", "株式会社", AT_END, NULL },
	{ "ユ)", "有限会社", AT_START, NULL },
	{ "(ユ", "有限会社", AT_END, NULL },
	{ "(合)", NULL, AT_EITHER, "合同会社 or 合資会社" },
	{ "(財)", NULL, AT_EITHER, "一般財団法人 or 公益財団法人" },
	{ "(社)", NULL, AT_EITHER, "一般社団法人 or 公益社団法人" },
	{ "株式会社", NULL, AT_EITHER, NULL },
	{ "有限会社", NULL, AT_EITHER, NULL },
	{ "合同会社", NULL, AT_EITHER, NULL },
	{ "合資会社", NULL, AT_EITHER, NULL },
	{ "合名会社", NULL, AT_EITHER, NULL },
	{ "相互会社", NULL, AT_EITHER, NULL },
	{ "一般社団法人", NULL, AT_EITHER, NULL },
	{ "公益社団法人", NULL, AT_EITHER, NULL },
	{ "一般財団法人", NULL, AT_EITHER, NULL },
	{ "公益財団法人", NULL, AT_EITHER, NULL },
	{ "特定非営利活動法人", NULL, AT_EITHER, NULL },
	{ "医療法人社団", NULL, AT_EITHER, NULL },
	{ "医療法人財団", NULL, AT_EITHER, NULL },
	{ "医療法人", NULL, AT_EITHER, NULL },
	{ "社会福祉法人", NULL, AT_EITHER, NULL },
	{ "学校法人", NULL, AT_EITHER, NULL },
	{ "宗教法人", NULL, AT_EITHER, NULL },
	{ "独立行政法人", NULL, AT_EITHER, NULL },
	{ "国立大学法人", NULL, AT_EITHER, NULL },
	{ "弁護士法人", NULL, AT_EITHER, NULL },
	{ "税理士法人", NULL, AT_EITHER, NULL },
	{ "司法書士法人", NULL, AT_EITHER, NULL },
	{ "行政書士法人", NULL, AT_EITHER, NULL },
	{ "社会保険労務士法人", NULL, AT_EITHER, NULL },
	{ "協同組合", NULL, AT_EITHER, NULL },
	{ "有限責任事業組合", NULL, AT_EITHER, NULL },
};

/* The longest legal form at the start (AT_START) or end (AT_END) of t. */
static const struct legal_form *legal_form_at(const char *t, int where)
{
	const struct legal_form *best = NULL;
	size_t i, len = strlen(t), w;

	for (i = 0; i < NELEMS(legal_forms); i++) {
		const struct legal_form *f = &legal_forms[i];

		w = strlen(f->written);
		if (!(f->where & where) || w > len || (best && w <= strlen(best->written)))
			continue;
		if (!memcmp(where == AT_START ? t : t + len - w, f->written, w))
			best = f;
	}
	return best;
}

const char *crm_legal_form_in(const char *t)
{
	const struct legal_form *f;

	/*
	 * Asked of every name import and cleanse see: each form above has a
	 * parenthesis, 会社, 法人 or 組合 in it, and most names none of those.
	 */
	if (!strpbrk(t, "()") && !strstr(t, "会社") && !strstr(t, "法人") && !strstr(t, "組合"))
		return NULL;
	f = legal_form_at(t, AT_START);

	if (!f)
		f = legal_form_at(t, AT_END);
	return f ? f->written : NULL;
}

/* English forms at the end: their letters in lower case, and their one spelling. */
static const struct {
	const char *letters;
	const char *spelling;
} english_forms[] = {
	{ "coltd", "Co., Ltd." }, { "ltd", "Ltd." }, { "inc", "Inc." },
	{ "kk", "K.K." }, { "gk", "G.K." }, { "llc", "LLC" },
};

/*
 * Where the English form spelled with letters starts in t[0..len), ignoring
 * dots, commas and spaces among them; it must be a word of its own. -1
 * when t does not end with it.
 */
static long english_form_start(const char *t, size_t len, const char *letters)
{
	size_t n = strlen(letters), i = len;

	while (n && i) {
		char ch = t[i - 1];

		if (ch == '.' || ch == ',' || ch == ' ') {
			i--;
			continue;
		}
		if (lower(ch) != letters[n - 1])
			return -1;
		n--;
		i--;
	}
	if (n || !i || (t[i - 1] != ' ' && t[i - 1] != ','))
		return -1;
	return (long)i;
}

/* Respells an English form at the end of the name in sb. */
static enum crm_status english_form(const char *orig, struct crm_strbuf *sb,
				    struct crm_error *err)
{
	size_t i, name;
	long at;

	for (i = 0; i < NELEMS(english_forms); i++) {
		at = english_form_start(sb->buf, sb->len, english_forms[i].letters);
		if (at < 0)
			continue;
		for (name = (size_t)at; name && sb->buf[name - 1] == ' '; name--)
			;
		if (!name || (name == 1 && sb->buf[0] == ','))
			return crm_ft_violation(err, orig, "is a legal form and no name");
		crm_strbuf_setlen(sb, name);
		if (crm_strbuf_addch(sb, ' ') || crm_strbuf_addstr(sb, english_forms[i].spelling))
			return crm_ft_nomem(err);
		return CRM_OK;
	}
	return CRM_OK;
}

static enum crm_status check_forms(const char *orig, const struct legal_form *head,
				   const struct legal_form *tail, size_t len,
				   struct crm_error *err)
{
	const struct legal_form *f = head && head->why ? head : tail;

	if (f && f->why)
		return crm_ft_violation(err, orig, "has the legal form '%s', which may be %s",
					f->written, f->why);
	if ((head && strlen(head->written) >= len) || (tail && strlen(tail->written) >= len))
		return crm_ft_violation(err, orig, "is a legal form and no name");
	if (head && tail)
		return crm_ft_violation(err, orig, "has a legal form at both ends: '%s' and '%s'",
					head->written, tail->written);
	return CRM_OK;
}

static enum crm_status company_rules(const char *orig, char *t, struct crm_norm *out,
				     struct crm_error *err)
{
	const struct legal_form *head = legal_form_at(t, AT_START);
	const struct legal_form *tail = legal_form_at(t, AT_END);
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	size_t len = strlen(t), from = 0, to = len;
	enum crm_status st;
	int failed = 0;

	/*
	 * Forms at both ends that share text are one form read two ways:
	 * 株式会社会福祉法人 is 株式会 and 社会福祉法人, as (福) after 株式会 is
	 * written. The longer is the one (a fuzz target found the other
	 * reading, which made cleanse reject its own output).
	 */
	if (head && tail && strlen(head->written) + strlen(tail->written) > len) {
		if (strlen(tail->written) > strlen(head->written))
			head = NULL;
		else
			tail = NULL;
	}
	if ((st = check_forms(orig, head, tail, len, err)))
		return st;
	if (head)
		from = strlen(head->written) + (t[strlen(head->written)] == ' ');
	if (tail)
		to = len - strlen(tail->written) - (t[len - strlen(tail->written) - 1] == ' ');
	if (head)
		failed |= crm_strbuf_addstr(&sb, head->full ? head->full : head->written);
	failed |= crm_strbuf_add(&sb, t + from, to - from);
	if (tail)
		failed |= crm_strbuf_addstr(&sb, tail->full ? tail->full : tail->written);
	st = failed ? crm_ft_nomem(err) : tail ? CRM_OK : english_form(orig, &sb, err);
	if (st) {
		crm_strbuf_release(&sb);
		return st;
	}
	crm_ft_set_value(out, crm_strbuf_detach(&sb, NULL), orig);
	return out->value ? CRM_OK : crm_ft_nomem(err);
}

enum crm_status crm_normalize_company(const char *s, struct crm_norm *out,
				      struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, company_rules);
}

/* --- The type ----------------------------------------------------------- */

const struct crm_fieldtype crm_fieldtype_company = {
	"company", CRM_T_TEXT, NULL, crm_normalize_company, 0,
};
