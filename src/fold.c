/*
 * The folding every field type starts with: NFKC, white space collapsed
 * and trimmed, and the quoting of a value in a message. The NFKC of the
 * values most Japanese files hold (ASCII, full-width ASCII, kana, common
 * kanji) is made here without utf8proc, which is not cheap; a unit test
 * checks it against utf8proc code point by code point.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "fold.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

/* --- Unicode ------------------------------------------------------------ */

/*
 * Whether the three-byte UTF-8 sequence at p is a character that NFKC
 * leaves as it is and that composes with nothing around it: CJK unified
 * ideographs U+4E00..U+9FFF, hiragana U+3041..U+3096, katakana
 * U+30A1..U+30FC and the marks U+3001, U+3002 (the voicing marks
 * U+3099..U+309C, which do compose, are not among them), and the
 * geometric shapes U+25A0..U+25FF (the ○ and × of yes/no columns).
 * tests/unit/test-types.c checks each against utf8proc.
 */
static int nfkc_stable3(const unsigned char *p)
{
	unsigned cp;

	if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
		return 0;
	cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
	if (p[0] < 0xE0 || p[0] > 0xEF)
		return 0;
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3041 && cp <= 0x3096) ||
	       (cp >= 0x30A1 && cp <= 0x30FC) || (cp >= 0x3001 && cp <= 0x301C) ||
	       (cp >= 0x25A0 && cp <= 0x25FF) || cp == 0x2010 || cp == 0x2015 ||
	       (cp >= 0x2190 && cp <= 0x2193) || cp == 0x203B || cp == 0x2605 || cp == 0x2606;
}

/*
 * Half-width katakana (U+FF61..U+FF9D) and their NFKC, the full-width
 * forms; the voicing marks ﾞ ﾟ (U+FF9E, U+FF9F), 0 here, compose with
 * the kana before them (voiced()).
 */
static const unsigned short halfwidth_kana[] = {
	0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7,
	0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8,
	0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB,
	0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD,
	0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1,
	0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF,
	0x30F3, 0, 0,
};

/*
 * The katakana k with the voicing mark ﾞ (voiced: ガ) or ﾟ (semi-voiced:
 * パ) composed, as NFKC composes it; 0 where there is none (then the
 * pair is utf8proc's to decide).
 */
static unsigned voiced(unsigned k, int semi)
{
	int hagyo = k == 0x30CF || k == 0x30D2 || k == 0x30D5 || k == 0x30D8 || k == 0x30DB;

	if (semi)
		return hagyo ? k + 2 : 0;
	if (hagyo || (k >= 0x30AB && k <= 0x30C1 && k % 2) || k == 0x30C4 || k == 0x30C6 ||
	    k == 0x30C8)
		return k + 1;
	return k == 0x30A6 ? 0x30F4 : k == 0x30EF ? 0x30F7 : k == 0x30F2 ? 0x30FA : 0;
}

/* Writes the three bytes of code point cp (U+0800..U+FFFF) at o. */
static char *put3(char *o, unsigned cp)
{
	*o++ = (char)(0xE0 | (cp >> 12));
	*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
	*o++ = (char)(0x80 | (cp & 0x3F));
	return o;
}

/*
 * The NFKC of a value made only of ASCII, full-width ASCII (U+FF01 to
 * U+FF5E, whose NFKC is the ASCII character 0xFEE0 below), the
 * ideographic space U+3000 (NFKC: a space), the characters of
 * nfkc_stable3() and × U+00D7 and ÷ U+00F7 (NFKC: themselves), without
 * utf8proc: that is most email addresses, phone numbers, dates, genders
 * and flags, in either width, and utf8proc_map is not cheap. Returns 0
 * when s has anything else (then utf8proc decides), or a control
 * character when no_controls, else 1 with *out set (NULL when out of
 * memory): to buf when s fits its size bytes, else to memory the caller
 * frees.
 */
static int nfkc_fast(const char *s, char *buf, size_t size, char **out, int no_controls)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	char *o, *start;

	/*
	 * One pass: no character here grows (ASCII and the stable ones stay,
	 * full-width ASCII and U+3000 shrink to one byte), so the input's
	 * length is room enough; what turns out not to be here is let go.
	 */
	*out = start = o = len < size ? buf : malloc(len + 1);
	if (!o)
		return 1;
	while (p[i]) {
		if (p[i] < 0x80 && (!no_controls || (p[i] >= 0x20 && p[i] != 0x7F))) {
			*o++ = (char)p[i++];
		} else if (p[i] == 0xEF && ((p[i + 1] == 0xBC && p[i + 2] >= 0x81 && p[i + 2] <= 0xBF) ||
					    (p[i + 1] == 0xBD && p[i + 2] >= 0x80 && p[i + 2] <= 0x9E))) {
			/* U+FF01..U+FF5E is EF BC 81..EF BD 9E: code point - 0xFEE0. */
			unsigned cp = 0xFF00u + (p[i + 1] == 0xBC ? 0u : 0x40u) + (p[i + 2] & 0x3Fu);

			*o++ = (char)(cp - 0xFEE0u);
			i += 3;
		} else if (p[i] == 0xE3 && p[i + 1] == 0x80 && p[i + 2] == 0x80) {
			*o++ = ' ';
			i += 3;
		} else if (p[i] == 0xEF && ((p[i + 1] == 0xBD && p[i + 2] >= 0xA1 && p[i + 2] <= 0xBF) ||
					    (p[i + 1] == 0xBE && p[i + 2] >= 0x80 && p[i + 2] <= 0x9D))) {
			/* ｶ is EF BD B6, U+FF76; ﾞ or ﾟ after it makes one character, ガ. */
			unsigned k = halfwidth_kana[(p[i + 1] == 0xBD ? p[i + 2] - 0xA1u
								      : p[i + 2] - 0x80u + 0x1Fu)];

			if (p[i + 3] == 0xEF && p[i + 4] == 0xBE && (p[i + 5] == 0x9E || p[i + 5] == 0x9F)) {
				/* ｱﾞ: a mark left alone, for utf8proc. */
				if (!(k = voiced(k, p[i + 5] == 0x9F)))
					break;
				i += 3;
			}
			o = put3(o, k);
			i += 3;
		} else if (p[i] == 0xC3 && (p[i + 1] == 0x97 || p[i + 1] == 0xB7)) {
			*o++ = (char)p[i++];
			*o++ = (char)p[i++];
		} else if (p[i] >= 0xE0 && p[i + 1] && p[i + 2] && nfkc_stable3(p + i)) {
			*o++ = (char)p[i++];
			*o++ = (char)p[i++];
			*o++ = (char)p[i++];
		} else {
			break;   /* past these, or a control character asked about */
		}
	}
	if (p[i]) {
		if (start != buf)
			free(start);
		*out = NULL;
		return 0;
	}
	*o = '\0';
	return 1;
}

/*
 * Characters NFKC would flatten that mean something in a name or a
 * company's name, kept as they are: circled, parenthesized and full-stop
 * numbers and letters (①, ⑴, ⒈, Ⓐ, U+2460 to U+24FF) and the circled
 * numbers 21 to 50 (㉑ to ㊿). ㈱ and its kind are not among them: their
 * NFKC, (株), is what the company rule reads.
 */
static int nfkc_kept(int32_t cp)
{
	return (cp >= 0x2460 && cp <= 0x24FF) || (cp >= 0x3251 && cp <= 0x325F) ||
	       (cp >= 0x32B1 && cp <= 0x32BF);
}

/* The first kept character of s, or NULL. */
static const char *find_kept(const char *s)
{
	int32_t cp;
	int k;

	for (; *s; s += k) {
		k = crm_utf8_next(s, &cp);   /* 0 only at the NUL, which ends the loop */
		if (nfkc_kept(cp))
			return s;
	}
	return NULL;
}

/* utf8proc_map of s with flags into memory the caller frees. */
static enum crm_status map(const char *s, size_t n, int flags, char **out)
{
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst,
					  (utf8proc_option_t)flags);

	*out = NULL;
	if (r < 0)
		return r == UTF8PROC_ERROR_NOMEM ? CRM_ERR_NOMEM : CRM_ERR_INVALID;
	*out = (char *)dst;
	return CRM_OK;
}

/*
 * utf8proc_map of s with flags around its kept characters: each stretch
 * between them mapped, each kept character as it is, into memory the
 * caller frees.
 */
static enum crm_status map_keeping(const char *s, int flags, char **out)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	enum crm_status st = CRM_OK;

	*out = NULL;
	while (!st && *s) {
		const char *k = find_kept(s);
		size_t n = k ? (size_t)(k - s) : strlen(s);
		char *part = NULL;
		int32_t cp;

		if (n)
			st = map(s, n, flags & ~UTF8PROC_NULLTERM, &part);
		if (!st && part && crm_strbuf_addstr(&sb, part))
			st = CRM_ERR_NOMEM;
		free(part);
		s += n;
		if (!st && k) {
			int len = crm_utf8_next(k, &cp);

			if (crm_strbuf_add(&sb, k, (size_t)len))
				st = CRM_ERR_NOMEM;
			s += len;
		}
	}
	if (!st && crm_strbuf_addstr(&sb, ""))
		st = CRM_ERR_NOMEM;
	if (st) {
		crm_strbuf_release(&sb);
		return st;
	}
	*out = crm_strbuf_detach(&sb, NULL);
	return *out ? CRM_OK : CRM_ERR_NOMEM;
}

enum crm_status crm_nfkc_map(const char *s, int extra_flags, char **out)
{
	int flags = UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
		    extra_flags;

	return find_kept(s) ? map_keeping(s, flags, out) : map(s, 0, flags, out);
}

/*
 * NFKC into buf when it fits its size bytes (buf may be NULL, size 0),
 * else into memory the caller frees; CRM_ERR_INVALID for bad UTF-8. The
 * characters nfkc_kept() names stay as they are.
 */
static enum crm_status nfkc(const char *s, char *buf, size_t size, char **out)
{
	*out = NULL;
	if (nfkc_fast(s, buf, size, out, 0))
		return *out ? CRM_OK : CRM_ERR_NOMEM;
	return crm_nfkc_map(s, 0, out);
}

/* Whether byte c may start a white-space character (most bytes do not: letters, digits, a character's middle). */
#define MAY_START_SPACE(c) ((unsigned char)(c) <= ' ' || (unsigned char)(c) >= 0xC2)

static size_t space_at(const unsigned char *p)
{
	/* Each test reads a byte only after the ones before it matched: never past the NUL. */
	switch (p[0]) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
		return 1;
	case 0xC2:   /* U+0085 NEL, U+00A0 */
		return p[1] == 0x85 || p[1] == 0xA0 ? 2 : 0;
	case 0xE1:   /* U+1680 */
		return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
	case 0xE2:   /* U+2000..U+200A, U+2028, U+2029, U+202F; U+205F */
		if (p[1] == 0x80)
			return (p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 ||
			       p[2] == 0xAF ? 3 : 0;
		return p[1] == 0x81 && p[2] == 0x9F ? 3 : 0;
	case 0xE3:   /* U+3000 */
		return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
	default:
		return 0;
	}
}

size_t crm_space_len(const char *s)
{
	return space_at((const unsigned char *)s);
}

/*
 * Turns each run of white space into one ASCII space and trims, in place:
 * every white-space character is at least one byte, so s never grows. By
 * bytes, without decoding: a white-space character starts with a byte
 * that no other character has in its middle (crm_space_len()), so a byte
 * that starts none is copied as it is, a character's continuation bytes
 * among them.
 */
void crm_collapse_spaces(char *s)
{
	char *r = s, *w;
	size_t n;
	int pending;

	/* Most values have no white space at all: then there is nothing to do. */
	while (*r && (!MAY_START_SPACE(*r) || !space_at((const unsigned char *)r)))
		r++;
	if (!*r)
		return;
	w = r;
	pending = 0;
	while (*r) {
		if (MAY_START_SPACE(*r) && (n = space_at((const unsigned char *)r))) {
			pending = w > s;
			r += n;
			continue;
		}
		if (pending)
			*w++ = ' ';
		pending = 0;
		*w++ = *r++;   /* w never passes r */
	}
	*w = '\0';
}

enum crm_status crm_fold_trim_buf(const char *s, char *buf, size_t size, char **out)
{
	enum crm_status st = nfkc(s, buf, size, out);

	if (st == CRM_OK)
		crm_collapse_spaces(*out);
	return st;
}

char *crm_nfkc(const char *s)
{
	char *out;

	if (!s || nfkc(s, NULL, 0, &out) != CRM_OK)
		return NULL;
	return out;
}

enum crm_status crm_nfkc_common(const char *s, char **out)
{
	*out = NULL;
	/* A control character: not common (cleaning strips it, with utf8proc). */
	if (!nfkc_fast(s, NULL, 0, out, 1))
		return CRM_EOF;
	return *out ? CRM_OK : CRM_ERR_NOMEM;
}

char *crm_fold_trim(const char *s)
{
	char *out;

	if (!s || crm_fold_trim_buf(s, NULL, 0, &out) != CRM_OK)
		return NULL;
	return out;
}

/* --- Messages ----------------------------------------------------------- */

#define QUOTE_MAX 120   /* bytes of the value shown in a message */
_Static_assert(QUOTE_MAX + 16 == CRM_QUOTE_SIZE, "CRM_QUOTE_SIZE is QUOTE_MAX + 16");

/*
 * Copies s for a message: bytes that are not UTF-8 and ASCII controls
 * become \xNN, and other controls and invisible format characters (U+200B,
 * U+FEFF) \uNNNN, so that the reader sees why a value that looks right is
 * not; a long value is cut at a character boundary with "...".
 */
void crm_quote(const char *s, char *buf, size_t size)
{
	utf8proc_category_t cat;
	size_t used = 0;
	int32_t cp;
	int n;

	while (*s && used + 12 < size) {
		if (used >= QUOTE_MAX) {
			used += (size_t)snprintf(buf + used, size - used, "...");
			break;
		}
		n = crm_utf8_decode(s, -1, &cp);
		if (n < 0 || cp < 0x20 || cp == 0x7f) {
			used += (size_t)snprintf(buf + used, size - used, "\\x%02x",
						 (unsigned char)*s);
			s++;
			continue;
		}
		cat = utf8proc_category(cp);
		if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF) {
			used += (size_t)snprintf(buf + used, size - used,
						 cp > 0xffff ? "\\U%08x" : "\\u%04x",
						 (unsigned)cp);
			s += n;
			continue;
		}
		memcpy(buf + used, s, (size_t)n);
		used += (size_t)n;
		s += (size_t)n;
	}
	buf[used] = '\0';
}

