/*
 * The core's one UTF-8 decoder. Every module that walks text a code point
 * at a time goes through it, so that what counts as valid UTF-8, and what a
 * bad byte becomes, is decided in one place. utf8proc stays the Unicode
 * database (NFKC, categories); this is only the reading of bytes.
 */
#ifndef CRM_UTF8_H
#define CRM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* What a byte that is not UTF-8 reads as, where reading must go on. */
#define CRM_UTF8_REPLACEMENT 0xFFFD

/*
 * Decodes the sequence at p, reading at most n bytes (n < 0: as many as
 * the sequence needs, stopping at a NUL, which is no continuation byte),
 * into *cp. Returns its length in bytes, or -1 when p does not start a
 * whole, valid sequence: a stray or cut-short sequence, an overlong form,
 * a surrogate, or a code point above U+10FFFF. n must not be 0.
 */
int crm_utf8_decode(const char *p, ptrdiff_t n, int32_t *cp);

/* crm_utf8_next() past its inline cases. */
int crm_utf8_next_slow(const char *p, int32_t *cp);

/*
 * The code point at p in NUL-terminated text and its length in bytes: 0
 * (with *cp 0) at the NUL. A byte that is not UTF-8 reads as one byte of
 * CRM_UTF8_REPLACEMENT, so that a loop always moves on; text that NFKC has
 * been through has none. Inline for ASCII and for U+1000..U+CFFF (kana,
 * the common kanji, full-width forms are not among them but most Japanese
 * text is), which are read without a call: the normalizers and the space
 * folding call this once per character of every value.
 */
static inline int crm_utf8_next(const char *p, int32_t *cp)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] < 0x80) {
		*cp = u[0];
		return u[0] ? 1 : 0;
	}
	if (u[0] >= 0xE1 && u[0] <= 0xEC && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
		/* Three bytes led by E1..EC are never overlong nor a surrogate. */
		*cp = (int32_t)(((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu));
		return 3;
	}
	return crm_utf8_next_slow(p, cp);
}

/*
 * Whether p (with at least 3 bytes readable) starts a valid three-byte
 * sequence, U+0800..U+FFFF less the surrogates (RFC 3629): the whole of
 * Japanese text but for a few rare kanji, checked without a call.
 */
static inline int crm_utf8_valid3(const unsigned char *p)
{
	if (p[0] < 0xE0 || p[0] > 0xEF || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
		return 0;
	if (p[0] == 0xE0 && p[1] < 0xA0)
		return 0; /* overlong */
	if (p[0] == 0xED && p[1] >= 0xA0)
		return 0; /* a surrogate */
	return 1;
}

/*
 * The length of the sequence that byte c leads by its bit pattern: 1 for
 * ASCII, 2 for 110xxxxx, 3 for 1110xxxx, 4 for 11110xxx, and 0 for a
 * continuation byte or 11111xxx. A sequence so led may still be invalid.
 */
int crm_utf8_lead_length(unsigned char c);

/* Writes cp (a valid code point) as UTF-8 into buf; returns its length, 1 to 4. */
int crm_utf8_encode(int32_t cp, char buf[4]);

/* Whether cp is a letter: Unicode general category Lu, Ll, Lt, Lm or Lo. */
int crm_utf8_is_letter(int32_t cp);
/*
 * Whether cp is a control or format character, or one Unicode says to
 * ignore (U+200B, U+2066, U+FEFF ...): what cleaning text strips.
 */
int crm_utf8_is_invisible(int32_t cp);

/*
 * The edit distance of a and b (NUL-terminated) in code points, or limit
 * + 1 when it is more than limit or either has more than 32 code points.
 */
size_t crm_utf8_distance(const char *a, const char *b, size_t limit);

/* Number of characters in the UTF-8 text s[0..n) (bytes that are not continuations). */
unsigned long crm_utf8_count(const char *s, size_t n);

#endif
