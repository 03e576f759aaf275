/*
 * The phone type: import checks a phone number and stores it as written;
 * cleanse writes it in display form with hyphens (crm_normalize_phone).
 * For a record in Japan, import's check is that normalizer, so the two
 * agree; elsewhere it is crm_check_phone, the well-formedness that the
 * normalizer checks first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "ftype-phone.h"
#include "ftypeint.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

/* --- Check ------------------------------------------------------------- */

#define PHONE_MIN_DIGITS 6
#define PHONE_MAX_DIGITS 15     /* E.164 */

/*
 * Characters, not bytes: the cleaning may write a character in more bytes
 * (a dash after kana becomes ー), and a note must stay one (fuzz).
 */
#define NOTE_MAX_CHARS 24        /* (代表番号) and the like many times over */

/*
 * The bytes of "(0)" at p (spaces allowed inside), else 0. After a country
 * code it is the trunk prefix dialled at home, no digit of the number:
 * +44 (0)20 7946 0958 is +442079460958. The check counts digits as the
 * normalizer keeps them (fuzz: +8-675 (0)7 passed with six digits and
 * became +86757, five).
 */
static int trunk_at(const char *p)
{
	const char *q = p + 1;

	if (*p != '(')
		return 0;
	skip_sp(&q);
	if (*q++ != '0')
		return 0;
	skip_sp(&q);
	return *q == ')' ? (int)(q + 1 - p) : 0;
}

/*
 * A note at p that ends the number: '(' then text without digits or
 * parentheses, ')' and nothing after it but spaces, as exports write
 * which line it is: 03-1234-5678(代), 090-1234-5678（本人）. Returns the
 * note's length in bytes (its text, without the parentheses), 0 when p
 * holds none.
 */
static size_t note_at(const char *p)
{
	const char *q;
	size_t chars = 0;

	if (*p != '(')
		return 0;
	/*
	 * No control character, C0, DEL or C1 (U+0080..U+009F, C2 80..C2 9F):
	 * the cleaning strips those, and the note would change with them
	 * (fuzz: 03...(\u0088xv) was a note to the check, an extension x to
	 * the normalizer).
	 */
	for (q = p + 1; (unsigned char)*q >= 0x20 && *q != 0x7f && *q != ')' && *q != '(' &&
	     !is_digit(*q); q++) {
		if ((unsigned char)q[0] == 0xc2 && (unsigned char)q[1] >= 0x80 &&
		    (unsigned char)q[1] <= 0x9f)
			return 0;
		chars += ((unsigned char)*q & 0xc0) != 0x80;
	}
	if (*q != ')' || q == p + 1 || chars > NOTE_MAX_CHARS)
		return 0;
	for (const char *e = q + 1; *e; e++)
		if (*e != ' ')
			return 0;
	return (size_t)(q - p - 1);
}

/* The note that ends t (note_at), or NULL; *len its length. */
static const char *find_note(const char *t, size_t *len)
{
	const char *open = strrchr(t, '(');

	*len = open ? note_at(open) : 0;
	return *len ? open + 1 : NULL;
}

/* An extension marker at p: what follows it, or NULL. */
static const char *ext_marker(const char *p)
{
	/* Longest first: 内線 before 内. */
	static const char *const markers[] = { "内線", "内", "ext.", "ext", "x", "#" };
	size_t i;

	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (match(&p, markers[i]))
			return p;
	return NULL;
}

/*
 * The extension number after its marker (closed by ')' when it opened with
 * one: 03-1234-5678（内線12）), and the count of main digits.
 */
static enum crm_status phone_check_end(const struct crm_ftctx *c, const char *ext,
				       int paren, int digits)
{
	int n, v;

	if (ext) {
		skip_sp(&ext);
		if (match(&ext, ":"))
			skip_sp(&ext);
		n = take_digits(&ext, &v);
		skip_sp(&ext);
		if (!n)
			return crm_ft_bad(c, "has an extension marker without a number after it");
		if (paren && !match(&ext, ")"))
			return crm_ft_bad(c, "has unbalanced parentheses");
		skip_sp(&ext);
		if (*ext && !note_at(ext))
			return crm_ft_bad(c, "has text after the extension number");
	}
	if (digits < PHONE_MIN_DIGITS)
		return crm_ft_bad(c, "has %d digits: a phone number has at least %d",
				  digits, PHONE_MIN_DIGITS);
	if (digits > PHONE_MAX_DIGITS)
		return crm_ft_bad(c, "has %d digits: a phone number has at most %d",
				  digits, PHONE_MAX_DIGITS);
	return CRM_OK;
}

enum ptok { P_START, P_DIGIT, P_DASH, P_OPEN, P_CLOSE };

/* One character that is neither a digit nor a space. */
static enum crm_status phone_char(const struct crm_ftctx *c, const char *p, int len,
				  int32_t cp, enum ptok *prev, int *depth)
{
	if (is_number_dash(cp)) {
		if (*prev != P_DIGIT && *prev != P_CLOSE)
			return crm_ft_bad(c, "has a dash that is not between digits");
		*prev = P_DASH;
	} else if (cp == '(' && !*depth && *prev != P_DASH) {
		*depth = 1;
		*prev = P_OPEN;
	} else if (cp == ')' && *depth && *prev == P_DIGIT) {
		*depth = 0;
		*prev = P_CLOSE;
	} else if (cp == '(' && *prev == P_DASH && !*depth) {
		return crm_ft_bad(c, "has a '(' after a dash");
	} else if (cp == '(' || cp == ')') {
		return crm_ft_bad(c, "has unbalanced parentheses");
	} else if (cp == '+') {
		return crm_ft_bad(c, "has a '+' that is not at the start");
	} else if (crm_utf8_is_letter(cp)) {
		return crm_ft_bad(c, "has a letter: %.*s", len, p);
	} else {
		char q[16];

		crm_ft_quote_char(p, len, q, sizeof(q));
		return crm_ft_bad(c, "has a character a phone number cannot contain: '%s'", q);
	}
	return CRM_OK;
}

static enum crm_status phone_from(const struct crm_ftctx *c, char *p)
{
	enum ptok prev = P_START;
	const char *ext = NULL;
	int digits = 0, depth = 0, len, paren = 0, plus = *p == '+';
	int32_t cp;

	if (plus) {
		const char *q = p + 1;

		skip_sp(&q);
		/* The code in parentheses too (a fuzz target: +(0-8-1...)). */
		if (*q == '(') {
			q++;
			skip_sp(&q);
		}
		/* E.164: no country code starts with 0 (a new-user trial: +0 12345678). */
		if (*q == '0')
			return crm_ft_bad(c, "has a '+' before 0: no country code starts with 0");
		p++;
	}
	for (; *p; p += len) {
		len = 1;
		if (*p == ' ')
			continue;
		if (is_digit(*p)) {
			digits++;
			prev = P_DIGIT;
			continue;
		}
		if ((prev == P_DIGIT || prev == P_CLOSE) && !depth) {
			const char *q = p;

			paren = *q == '(';
			if (paren) {
				q++;
				skip_sp(&q);
			}
			if ((ext = ext_marker(q)))
				break;
			paren = 0;
			/* A note (代) ends the number; its text is no part of it. */
			if (note_at(p))
				break;
		}
		/*
		 * Its 0 is counted next, and is no digit of the number. It may
		 * follow a dash: +81-(0)3-1234-5678.
		 */
		if (plus && trunk_at(p)) {
			digits--;
			if (prev == P_DASH)
				prev = P_START;
		}
		len = crm_utf8_next(p, &cp);
		if (phone_char(c, p, len, cp, &prev, &depth))
			return CRM_ERR_INVALID;
	}
	if (prev == P_DASH)
		return crm_ft_bad(c, "has a dash that is not between digits");
	if (depth)
		return crm_ft_bad(c, "has unbalanced parentheses");
	return phone_check_end(c, ext, paren, digits);
}

enum crm_status crm_check_phone(const char *s, struct crm_error *err)
{
	return crm_ft_check_folded(s, NULL, err, phone_from);
}

/* --- Normalizer -------------------------------------------------------- */

/*
 * How a Japanese number is written, by the longest prefix of its national
 * digits that has a row: how many digits it has (10, or 11 for mobile, IP
 * and 0800) and the sizes of the groups between hyphens.
 *
 * The rows for mobile (070 080 090 020), IP (050), toll-free (0120 0800)
 * and Navi Dial (0570) are kept as they were. The rest are derived
 * from the JP territory of Google libphonenumber's
 * resources/PhoneNumberMetadata.xml (Apache-2.0), read at commit
 * 2c7646f7d540099944e775e79446c14904df1cb6: for every prefix in its
 * fixedLine ranges, the format whose last leadingDigits pattern matches,
 * written as the fewest prefixes (up to 7 digits) that give the same
 * answers. That data follows the MIC (総務省) table, in which area code,
 * local exchange and a 4-digit subscriber number make 10 digits and the
 * area code alone is 2 to 5 of them: 0422-51-5131 is Musashino, 042-212-3456
 * is not, and no rule of thumb tells them apart. PLAIN marks what is not a
 * fixed-line range there (030, 0110, 0990): a number with no grouping to
 * know, there or with no row at all (00...), is a violation, not stripped
 * to its digits.
 *
 * Sorted in strcmp order for phone_plan()'s binary search. Regenerate it
 * whole from newer metadata rather than edit rows by hand, and keep
 * PLAN_PREFIX_MAX the length of its longest prefix.
 */
static const struct phone_plan {
	const char *prefix;
	int digits;
	int group[3];
} phone_plans[] = {
#define PLAN(p, n, a, b, c) { p, n, { a, b, c } }
#define AREA2(p) PLAN(p, 10, 2, 4, 4)
#define AREA3(p) PLAN(p, 10, 3, 3, 4)
#define AREA4(p) PLAN(p, 10, 4, 2, 4)
#define AREA5(p) PLAN(p, 10, 5, 1, 4)
#define PLAIN(p) PLAN(p, 10, 0, 0, 0)
	AREA4("01"), PLAIN("010"), AREA3("011"), PLAIN("0110"), PLAIN("0111"),
	PLAIN("0114"), PLAIN("0119"), PLAIN("012"), PLAN("0120", 10, 4, 3, 3),
	AREA4("0123"), AREA4("0124"), AREA4("0125"), AREA4("0126"),
	AREA5("01267"), PLAIN("0130"), PLAIN("0131"), PLAIN("0132"),
	AREA5("01372"), AREA5("01374"), AREA5("01377"), AREA5("01392"),
	AREA5("01397"), AREA5("01398"), PLAIN("0140"), PLAIN("0141"),
	AREA5("01456"), AREA5("01457"), AREA5("01466"), PLAIN("0147"),
	PLAIN("0148"), PLAIN("0149"), PLAIN("0150"), PLAIN("0151"),
	AREA3("01540"), AREA3("01541"), AREA5("01547"), AREA3("01548"),
	AREA3("01550"), AREA3("01551"), AREA3("01557"), AREA5("01558"),
	AREA5("01564"), AREA5("01586"), AREA5("01587"), PLAIN("0159"),
	PLAIN("0160"), PLAIN("0161"), AREA5("01632"), AREA5("01634"),
	AREA5("01635"), AREA5("01648"), AREA5("01654"), AREA5("01655"),
	AREA5("01656"), AREA5("01658"), PLAIN("0168"), PLAIN("0169"),
	PLAIN("0170"), PLAIN("0171"), AREA3("0177"), PLAIN("0180"),
	PLAIN("0181"), AREA3("0188"), PLAIN("0189"), PLAIN("0190"),
	AREA3("0196"), AREA3("0199"), AREA4("02"), PLAN("020", 11, 3, 4, 4),
	PLAIN("021"), AREA3("0221"), AREA3("0222"), AREA3("0223"),
	AREA4("02232"), AREA4("02233"), AREA3("0227"), AREA3("0230"),
	AREA3("0231"), AREA3("0232"), AREA3("0236"), AREA3("0239"),
	AREA3("0245"), AREA3("0249"), AREA3("02500"), AREA3("02501"),
	AREA3("0251"), AREA3("0252"), AREA3("0253"), AREA3("02540"),
	AREA3("02541"), AREA3("0255"), AREA4("02557"), AREA4("02558"),
	AREA3("02560"), AREA3("02561"), AREA3("0257"), AREA4("02572"),
	AREA4("02573"), AREA4("02574"), AREA3("02580"), AREA3("02581"),
	AREA3("025917"), AREA3("025999"), AREA3("0262"), AREA3("0264"),
	AREA4("02642"), AREA4("02643"), AREA4("02644"), AREA4("02645"),
	AREA3("0271"), AREA3("0272"), AREA3("0273"), AREA3("0275"),
	AREA3("02780"), AREA3("02781"), AREA3("02788"), AREA3("02789"),
	AREA3("0281"), AREA3("02830"), AREA3("02831"), AREA3("02833"),
	AREA3("02834"), AREA3("0286"), AREA3("0289"), AREA4("02896"),
	AREA4("02897"), AREA4("02898"), AREA4("02899"), AREA3("0290"),
	AREA3("02917"), AREA3("0292"), AREA3("0293"), AREA4("02932"),
	AREA4("02933"), AREA4("02934"), AREA3("0298"), AREA2("03"),
	PLAIN("030"), AREA3("04"), PLAIN("040"), PLAIN("041"), AREA2("0420"),
	AREA4("0422"), AREA3("04220"), AREA3("04221"), AREA4("04282"),
	AREA4("04283"), AREA4("04287"), AREA4("04288"), AREA4("04289"),
	AREA2("0429"), AREA3("04291"), AREA3("04297"), AREA3("04298"),
	AREA4("0436"), AREA4("0438"), AREA4("0439"), AREA4("046"),
	PLAIN("0461"), AREA3("0462"), AREA3("0464"), AREA3("0468"),
	PLAIN("0469"), AREA4("047"), AREA2("04700"), AREA2("04701"),
	AREA2("04709"), AREA2("0471"), AREA3("0472"), AREA3("0473"),
	AREA3("0474"), AREA3("04750"), AREA3("04751"), AREA3("04759"),
	AREA3("0477"), AREA3("04790"), AREA3("04791"), AREA3("04799"),
	AREA4("0480"), PLAIN("049"), AREA3("0492"), AREA4("0493"),
	AREA4("0494"), AREA4("0495"), AREA3("0499"), AREA5("04992"),
	AREA5("04994"), AREA5("04996"), AREA5("04998"), AREA4("05"),
	PLAN("050", 11, 3, 4, 4), PLAIN("051"), AREA3("052"), AREA3("0530"),
	AREA3("0534"), AREA3("0535"), AREA3("054"), AREA4("0544"),
	AREA4("0545"), AREA4("0547"), AREA4("0548"), AREA3("0552"),
	AREA3("0559"), PLAIN("0560"), PLAN("0570", 10, 4, 3, 3), PLAIN("0571"),
	AREA5("05769"), PLAIN("0579"), AREA3("0580"), AREA3("0582"),
	AREA3("0583"), AREA3("0588"), AREA3("0589"), AREA3("0590"),
	AREA3("0591"), AREA3("0592"), AREA3("0593"), AREA5("05979"),
	AREA4("059790"), AREA4("059791"), AREA4("059797"), AREA4("059798"),
	AREA3("05980"), AREA3("05981"), AREA3("05989"), AREA3("05990"),
	AREA3("05991"), AREA3("05999"), AREA2("06"), PLAIN("060"), AREA4("07"),
	PLAN("070", 11, 3, 4, 4), PLAIN("071"), AREA3("072"), AREA4("0721"),
	AREA4("0725"), PLAIN("0730"), PLAIN("0731"), PLAIN("0732"),
	PLAIN("0733"), AREA3("0734"), PLAIN("0741"), AREA5("07468"),
	AREA3("075"), AREA3("0760"), AREA3("0762"), AREA3("0764"),
	AREA3("0769"), AREA3("0775"), AREA3("0777"), AREA3("078"),
	AREA3("0792"), AREA3("0793"), AREA3("0794"), AREA4("07946"),
	AREA4("07947"), AREA4("07948"), AREA3("07950"), AREA3("07951"),
	AREA3("07955"), AREA3("07956"), AREA3("07959"), AREA3("07960"),
	AREA3("07961"), AREA3("07966"), AREA3("07967"), AREA4("08"),
	PLAN("080", 11, 3, 4, 4), PLAN("0800", 11, 4, 3, 4), PLAIN("081"),
	AREA3("082"), AREA4("0820"), AREA4("0823"), AREA4("08244"),
	AREA4("08245"), AREA4("08246"), AREA4("08247"), AREA4("08248"),
	AREA4("0826"), AREA4("0827"), AREA4("082920"), AREA4("08293"),
	AREA4("08294"), AREA3("082941"), AREA3("082942"), AREA3("082943"),
	AREA4("08295"), AREA4("0829652"), AREA4("0829655"), AREA4("0829660"),
	AREA4("08297"), AREA4("08298"), PLAIN("0830"), PLAIN("0831"),
	AREA3("0832"), AREA3("08370"), AREA3("08371"), AREA3("083766"),
	AREA3("083767"), AREA3("083768"), AREA3("08377"), AREA3("08378"),
	AREA3("08379"), AREA3("08380"), AREA3("08381"), AREA5("08387"),
	AREA5("08388"), AREA5("08389"), AREA3("0839"), AREA5("08396"),
	AREA3("083960"), AREA3("083961"), AREA3("083963"), AREA3("083966"),
	PLAIN("084"), AREA4("0845"), AREA4("0846"), AREA4("0847"),
	AREA5("08477"), AREA4("0848"), AREA3("0849"), PLAIN("0850"),
	AREA5("0851"), AREA3("08510"), AREA3("08511"), AREA3("0860"),
	AREA3("0861"), AREA3("0862"), AREA5("08636"), AREA4("086360"),
	AREA4("086361"), AREA3("086362"), AREA3("086363"), AREA4("086366"),
	AREA3("0864"), AREA3("0865"), AREA4("08654"), AREA4("08655"),
	AREA3("086552"), AREA3("086553"), AREA4("08656"), AREA4("08657"),
	AREA3("08660"), AREA3("08661"), AREA3("086691"), AREA3("086697"),
	AREA3("086698"), AREA3("08672"), AREA3("08680"), AREA3("08681"),
	AREA3("08689"), AREA3("08690"), AREA3("08691"), AREA3("08694"),
	AREA3("08695"), AREA3("08699"), AREA4("086992"), AREA4("086993"),
	AREA3("087"), AREA4("0875"), AREA4("0877"), AREA4("0879"),
	PLAIN("0881"), PLAIN("0882"), AREA3("0886"), AREA3("0888"),
	AREA3("0890"), AREA3("0891"), AREA3("0899"), AREA4("09"),
	PLAN("090", 11, 3, 4, 4), PLAIN("091"), AREA3("092"), AREA4("0920"),
	AREA3("093"), AREA4("0930"), AREA3("0941"), AREA3("0945"),
	AREA5("09496"), AREA3("0951"), AREA3("0953"), AREA3("0958"),
	PLAIN("0960"), AREA3("0961"), AREA3("0962"), AREA3("0963"),
	PLAIN("0970"), AREA3("0971"), AREA3("0975"), AREA3("0976"),
	AREA5("09802"), AREA3("0981"), AREA3("0988"), AREA3("0989"),
	PLAIN("0990"), AREA3("0991"), AREA5("09912"), AREA5("09913"),
	AREA3("0992"), AREA3("099331"), AREA3("099343"), AREA3("099345"),
	AREA3("099347"), AREA3("09940"), AREA3("09941"), AREA3("09947"),
	AREA3("09948"), AREA5("09969"), AREA3("0998"), AREA3("0999"),
#undef PLAIN
#undef AREA5
#undef AREA4
#undef AREA3
#undef AREA2
#undef PLAN
};

/* The lengths of the longest prefix in phone_plans and of the shortest. */
#define PLAN_PREFIX_MAX 7
#define PLAN_PREFIX_MIN 2
#define FIXED_DIGITS 10

struct plan_key {
	const char *digits;
	size_t len;
};

/*
 * Orders the first key->len digits against a row as strcmp orders strings,
 * so that a row that merely starts with them sorts after them.
 */
static int plan_cmp(const void *k, const void *row)
{
	const struct plan_key *key = k;
	const char *prefix = ((const struct phone_plan *)row)->prefix;
	int c = strncmp(key->digits, prefix, key->len);

	return c ? c : prefix[key->len] ? -1 : 0;
}

/* Whether row prefix p is a prefix of the digits d. */
static int is_prefix_of(const char *p, const char *d)
{
	while (*p && *p == *d) {
		p++;
		d++;
	}
	return !*p;
}

/* strncmp(a, b, 3), inline: the search below makes a dozen a number. */
static int cmp3(const char *a, const char *b)
{
	int i;

	for (i = 0; i < 3; i++)
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	return 0;
}

/*
 * The row of the longest prefix of d. The rows of prefixes of three digits
 * and more that start as d does are side by side (strcmp order): one
 * binary search finds where they start, a short walk the longest that
 * fits; failing that, the row of d's first two digits. Import checks every
 * phone with this, so it must be cheap: six binary searches a number (one
 * a prefix length) were half of the check's time.
 */
static const struct phone_plan *phone_plan(const char *d)
{
	size_t lo = 0, hi = NELEMS(phone_plans), n = strnlen(d, PLAN_PREFIX_MAX);
	const struct phone_plan *best = NULL;
	struct plan_key key = { d, 3 };

	if (n < PLAN_PREFIX_MIN)
		return NULL;
	if (n >= 3) {
		/* The first row not below d's first three digits. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp3(phone_plans[mid].prefix, d) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < NELEMS(phone_plans) && !cmp3(phone_plans[lo].prefix, d); lo++)
			if (is_prefix_of(phone_plans[lo].prefix, d) &&
			    (!best || strlen(phone_plans[lo].prefix) > strlen(best->prefix)))
				best = &phone_plans[lo];
		if (best)
			return best;
	}
	key.len = PLAN_PREFIX_MIN;
	return bsearch(&key, phone_plans, NELEMS(phone_plans), sizeof(phone_plans[0]), plan_cmp);
}

/*
 * Splits checked phone text into the digits of the number and of its
 * extension, which starts at the first letter or '#' (phone_from() has
 * made sure that only an extension marker can be there).
 */
static int phone_split(const char *t, struct crm_strbuf *main, struct crm_strbuf *ext)
{
	struct crm_strbuf *to = main;
	int plus = *t == '+';
	int32_t cp;
	int n;

	for (; *t; t += n) {
		if (plus && to == main && (n = trunk_at(t)))
			continue;
		n = crm_utf8_next(t, &cp);
		if (is_digit_cp(cp) && crm_strbuf_addch(to, (char)cp))
			return -1;
		/* ー is a letter to Unicode, and a dash between digits here. */
		if (cp == '#' || (crm_utf8_is_letter(cp) && !is_number_dash(cp)))
			to = ext;
	}
	return 0;
}

/*
 * +81 and +81 (0) to the national 0, in the n digits at d (NUL-terminated,
 * room for one more); 0 for another country's number, left as it is.
 */
static int to_national(char *d, size_t n, int plus)
{
	if (!plus)
		return 1;
	if (n < 2 || memcmp(d, "81", 2))
		return 0;
	/* Moves the NUL too. +81 (0)3 has its 0 already. */
	if (n > 2 && d[2] == '0') {
		memmove(d, d + 2, n - 1);
	} else {
		memmove(d + 1, d + 2, n - 1);
		d[0] = '0';
	}
	return 1;
}

static void phone_national(struct crm_strbuf *d, int plus, int *national)
{
	*national = to_national(d->buf, d->len, plus);
	d->len = strlen(d->buf);
}

/*
 * Whether national digits d are a number of the plan, grouped as *plan
 * says; else the violation. The one verdict of the normalizer and of
 * import's check.
 */
static enum crm_status phone_verdict(const char *orig, const char *d,
				     const struct phone_plan **out, struct crm_error *err)
{
	const struct phone_plan *plan = phone_plan(d);
	int grouped = plan && plan->group[0];
	size_t len = strlen(d);
	size_t want = plan ? (size_t)plan->digits : FIXED_DIGITS;

	*out = plan;
	if (d[0] != '0')
		return crm_ft_violation(err, orig, "does not start with 0 or +: "
					"a Japanese number starts with its area code");
	/* The area code where it is known says what the length depends on. */
	/*
	 * A number outside every range of the plan cannot be written in its
	 * grouping, and is more likely mistyped than new: 011-123-4567 is not
	 * Sapporo's, none of whose numbers starts 011-1 (nor 011-4).
	 */
	if (!grouped)
		return crm_ft_violation(err, orig, "is not in Japan's numbering plan: "
					"no number starts %s", plan ? plan->prefix : "00");
	if (len != want)
		return crm_ft_violation(err, orig, "has %zu digits: a Japanese number "
					"starting %.*s has %zu", len, plan->group[0], d, want);
	return CRM_OK;
}

/* Writes the display form of national digits d into sb: grouped by its plan. */
static enum crm_status phone_display(const char *orig, const char *d,
				     struct crm_strbuf *sb, struct crm_error *err)
{
	const struct phone_plan *plan;
	enum crm_status st = phone_verdict(orig, d, &plan, err);
	int i, at = 0, failed = 0;

	if (st)
		return st;
	for (i = 0; i < 3; i++) {
		if (i)
			failed |= crm_strbuf_addch(sb, '-');
		failed |= crm_strbuf_add(sb, d + at, (size_t)plan->group[i]);
		at += plan->group[i];
	}
	return failed ? crm_ft_nomem(err) : CRM_OK;
}

static enum crm_status phone_finish(const char *orig, struct crm_strbuf *digits,
				    struct crm_strbuf *ext, const char *note, size_t note_len,
				    int plus, struct crm_norm *out, struct crm_error *err)
{
	struct crm_strbuf shown = CRM_STRBUF_INIT;
	enum crm_status st = CRM_OK;
	int national;

	phone_national(digits, plus, &national);
	if (national)
		st = phone_display(orig, digits->buf, &shown, err);
	else if (crm_strbuf_addch(&shown, '+') || crm_strbuf_addstr(&shown, digits->buf))
		st = crm_ft_nomem(err);
	/* The extension is part of what is stored, in one notation; so is a note. */
	if (!st && ext->len && crm_strbuf_addf(&shown, " 内線 %s", ext->buf))
		st = crm_ft_nomem(err);
	if (!st && note && crm_strbuf_addf(&shown, " (%.*s)", (int)note_len, note))
		st = crm_ft_nomem(err);
	if (st) {
		crm_strbuf_release(&shown);
		return st;
	}
	crm_ft_set_value(out, crm_strbuf_detach(&shown, NULL), orig);
	out->digits = crm_strbuf_detach(digits, NULL);
	if (ext->len)
		out->extension = crm_strbuf_detach(ext, NULL);
	return out->value && out->digits && (!ext->len || out->extension) ?
	       CRM_OK : crm_ft_nomem(err);
}

static enum crm_status phone_rules(const char *orig, char *t, struct crm_norm *out,
				   struct crm_error *err)
{
	struct crm_strbuf digits = CRM_STRBUF_INIT, ext = CRM_STRBUF_INIT;
	enum crm_status st;
	const char *note;
	size_t note_len;

	st = crm_ft_check_folded(t, orig, err, phone_from);
	if (!st && phone_split(t, &digits, &ext))
		st = crm_ft_nomem(err);
	note = find_note(t, &note_len);
	if (!st)
		st = phone_finish(orig, &digits, &ext, note, note_len, t[0] == '+', out, err);
	crm_strbuf_release(&digits);
	crm_strbuf_release(&ext);
	return st;
}

enum crm_status crm_normalize_phone(const char *s, struct crm_norm *out,
				    struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, phone_rules);
}

enum crm_status crm_phone_digits(const char *s, char **digits, struct crm_error *err)
{
	struct crm_norm n = CRM_NORM_INIT;
	enum crm_status st = crm_normalize_phone(s, &n, err);

	if (!st) {
		*digits = n.digits;
		n.digits = NULL;
	}
	crm_norm_release(&n);
	return st;
}

/* --- The type ----------------------------------------------------------- */

/*
 * For a record in Japan: well-formed (phone_from), and then, as the
 * normalizer decides it (phone_verdict), a number of the plan. The digits
 * are taken as phone_split() takes them, without building what the
 * normalizer writes: running the whole normalizer as the check cost a
 * quarter of an import's time.
 */
static enum crm_status phone_from_japan(const struct crm_ftctx *c, char *t)
{
	char d[PHONE_MAX_DIGITS + 2];
	const struct phone_plan *plan;
	enum crm_status st = phone_from(c, t);
	size_t n = 0;
	int32_t cp;
	int len;

	if (st)
		return st;
	for (const char *p = t; *p; p += len) {
		if (t[0] == '+' && (len = trunk_at(p)))
			continue;
		len = crm_utf8_next(p, &cp);
		if (cp == '#' || (crm_utf8_is_letter(cp) && !is_number_dash(cp)))
			break;
		/* phone_from() allowed at most PHONE_MAX_DIGITS. */
		if (is_digit_cp(cp) && n < PHONE_MAX_DIGITS)
			d[n++] = (char)cp;
	}
	d[n] = '\0';
	/* Another country's number is any well-formed one. */
	if (!to_national(d, n, t[0] == '+'))
		return CRM_OK;
	return phone_verdict(c->orig, d, &plan, c->err);
}

/*
 * A number of a record in Japan is accepted when cleanse's normalizer
 * would accept it, so that whatever import stores, cleanse can write in
 * its grouping; elsewhere any well-formed number is.
 */
static enum crm_status type_check_phone(const char *s, int country,
					struct crm_error *err)
{
	return country == CRM_COUNTRY_JP ? crm_ft_check_folded(s, NULL, err, phone_from_japan)
			: crm_check_phone(s, err);
}

const struct crm_fieldtype crm_fieldtype_phone = {
	"phone", CRM_T_PHONE, type_check_phone, crm_normalize_phone, CRM_FT_JAPAN,
};
