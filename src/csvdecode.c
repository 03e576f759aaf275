/*
 * The CSV reader's decoding: which encoding a file is in (named, or found
 * from its first non-ASCII line), and each raw line turned into UTF-8, an
 * invalid sequence into U+FFFD with where and what it was.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "csvint.h"
#include "utf8.h"
#include "banned.h"

int crm_encoding_parse(const char *name, enum crm_encoding *enc)
{
	static const struct { const char *name; enum crm_encoding enc; } names[] = {
		{ "auto", CRM_ENC_AUTO }, { "utf8", CRM_ENC_UTF8 },
		{ "utf8bom", CRM_ENC_UTF8_BOM }, { "cp932", CRM_ENC_CP932 },
		{ "ms932", CRM_ENC_CP932 }, { "windows31j", CRM_ENC_CP932 },
		{ "shiftjis", CRM_ENC_CP932 }, { "sjis", CRM_ENC_CP932 },
	};
	char norm[32];
	size_t i, n = 0;

	for (; *name; name++) {
		if (*name == '-' || *name == '_')
			continue;
		if (n + 1 >= sizeof(norm))
			return -1;
		norm[n++] = (char)tolower((unsigned char)*name);
	}
	norm[n] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(norm, names[i].name)) {
			*enc = names[i].enc;
			return 0;
		}
	return -1;
}

const char *crm_encoding_name(enum crm_encoding enc)
{
	switch (enc) {
	case CRM_ENC_AUTO: return "auto";
	case CRM_ENC_UTF8: return "utf-8";
	case CRM_ENC_UTF8_BOM: return "utf-8-bom";
	case CRM_ENC_CP932: return "cp932";
	}
	return "unknown";
}

static int is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* Length of the valid UTF-8 prefix of s; a sequence cut at the end counts as valid if allow_cut. */
static size_t utf8_valid_prefix(const char *s, size_t n, int allow_cut)
{
	size_t i = 0;

	while (i < n) {
		int32_t cp;
		uint64_t w;
		int k;

		/* ASCII eight bytes at a time: most of a row's bytes are. */
		if (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & UINT64_C(0x8080808080808080)))) {
			i += 8;
			continue;
		}
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		/*
		 * The common case of Japanese text, a whole three-byte sequence
		 * (U+0800..U+FFFF less the surrogates), checked here without a
		 * call per character; anything else goes to the decoder.
		 */
		if (n - i >= 3 && crm_utf8_valid3((const unsigned char *)s + i)) {
			i += 3;
			continue;
		}
		k = crm_utf8_decode(s + i, (ptrdiff_t)(n - i), &cp);
		if (k < 0) {
			/* A lead byte whose sequence runs past the end may be whole later. */
			if (allow_cut && n - i < 4 && crm_utf8_lead_length((unsigned char)s[i]) > (int)(n - i))
				return n;
			return i;
		}
		i += (size_t)k;
	}
	return n;
}

/*
 * What the bytes past ASCII at the start of a file say of its encoding:
 * UTF-8 sequences that say UTF-8 (valid), those that read as CP932 as
 * well (pairs), and bytes UTF-8 has no sequence for (invalid).
 */
struct tally {
	size_t valid, pairs, invalid;
	size_t leads;                   /* invalid bytes 81-9F: CP932's kana and kanji lead bytes */
	size_t others;                  /* ... neither those nor half-width kana (A1-DF) */
};

static int ascii_letter(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/*
 * Whether the valid two-byte sequence at s[j] (of n) reads as two
 * half-width katakana of CP932 as well (ﾐｷ is D0 B7, UTF-8's з), with
 * nothing to say which. A second byte A1-A5 is CP932's punctuation
 * (｡｢｣､･), no kana, and UTF-8's £ ¥ ¢: UTF-8's. So is an accented Latin
 * letter (C2-C9: U+0080-024F) beside a Latin letter (José, Müller, Hưng),
 * as a CP932 kana name stands alone, or beside other kana (DMﾊｶﾞｷ's ﾊｶ,
 * CA B6, is no Latin letter).
 */
static int kana_pair(const unsigned char *s, size_t j, size_t n)
{
	if (j + 1 >= n || s[j] > 0xDF || s[j + 1] < 0xA6 || s[j + 1] > 0xBF)
		return 0;
	return s[j] > 0xC9 ||
	       (!(j > 0 && ascii_letter(s[j - 1])) && !(j + 2 < n && ascii_letter(s[j + 2])));
}

static void utf8_tally(const char *str, size_t n, int allow_cut, struct tally *t)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t ok = utf8_valid_prefix(str + i, n - i, allow_cut), j;

		for (j = i; j < i + ok; j++) {
			if ((s[j] & 0xC0) != 0xC0)
				continue;
			if (!kana_pair(s, j, i + ok)) {
				t->valid++;
				continue;
			}
			t->pairs++;
		}
		i += ok;
		if (i < n) {
			t->invalid++;
			t->leads += s[i] >= 0x81 && s[i] <= 0x9F;
			t->others += !(s[i] >= 0x81 && s[i] <= 0x9F) && !(s[i] >= 0xA1 && s[i] <= 0xDF);
			i++;
		}
	}
}

static int utf8_into(const char *s, size_t n, struct crm_strbuf *sb, size_t *bad, char *what,
		     size_t nwhat);
static int iconv_into(iconv_t cd, const char *charset, const char *s, size_t n,
		      struct crm_strbuf *sb, size_t *bad, char *what, size_t nwhat);

/* s[0..n) read as charset into out (of size), as decoding reads a line: "" when it cannot. */
static void reading(const char *charset, const char *s, size_t n, char *out, size_t size)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	iconv_t cd = charset ? iconv_open("UTF-8", charset) : (iconv_t)-1;
	size_t bad = SIZE_MAX;
	int rc = charset ? (cd == (iconv_t)-1 ? -1 : iconv_into(cd, charset, s, n, &sb, &bad,
								   NULL, 0))
			 : utf8_into(s, n, &sb, &bad, NULL, 0);

	/* At most 24 bytes in, 72 out: the buffers hold them. */
	snprintf(out, size, "%s", !rc && sb.buf ? sb.buf : "");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	crm_strbuf_release(&sb);
}

/*
 * The first word of r->line with a byte past ASCII, both ways, for the
 * message that the encoding cannot be told: from the ASCII space or
 * punctuation before it to the one after, at most 24 bytes.
 */
static void both_readings(struct crm_csv_reader *r)
{
	const unsigned char *s = (const unsigned char *)r->line.buf;
	size_t n = r->line.len, a = 0, b;

	while (a < n && s[a] < 0x80)
		a++;
	while (a > 0 && (s[a - 1] >= 0x80 || isalnum(s[a - 1])))
		a--;
	for (b = a; b < n && b - a < 24 && (s[b] >= 0x80 || isalnum(s[b])); b++)
		;
	reading(NULL, r->line.buf + a, b - a, r->as_utf8, sizeof(r->as_utf8));
	reading("CP932", r->line.buf + a, b - a, r->as_cp932, sizeof(r->as_cp932));
	reading("EUC-JP", r->line.buf + a, b - a, r->as_eucjp, sizeof(r->as_eucjp));
}

/* What the bytes past ASCII at the start say of EUC-JP. */
struct euc {
	size_t chars;                   /* EUC-JP characters */
	int sure;                       /* a byte E0-FE, or 8E/8F: no CP932 half-width kana */
};

/*
 * Whether the bytes past ASCII of s[0..n) are all EUC-JP's: two of
 * A1-FE, 8E and a half-width kana (A1-DF), or 8F and two of A1-FE (a
 * sequence cut by the end of s counts), counted into e. CP932 reads most
 * such text as valid half-width kana (山田 is BB B3 C5 C4: ｻｳﾅﾄ), and its
 * own common characters start with bytes EUC-JP has not (81-9F); but a
 * CP932 word of half-width kana is EUC-JP's too when its bytes pair up.
 */
static int eucjp_like(const unsigned char *s, size_t n, struct euc *e)
{
	size_t i = 0, k, len;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = s[i] == 0x8F ? 3 : 2;
		if (s[i] != 0x8E && s[i] != 0x8F && (s[i] < 0xA1 || s[i] > 0xFE))
			return 0;
		e->sure |= s[i] == 0x8E || s[i] == 0x8F || s[i] >= 0xE0;
		for (k = 1; k < len && i + k < n; k++) {
			if (s[i + k] < 0xA1 || s[i + k] > (s[i] == 0x8E ? 0xDF : 0xFE))
				return 0;
			e->sure |= s[i + k] >= 0xE0;
		}
		e->chars++;
		i += len;
	}
	return 1;
}

/*
 * Decides the encoding at the first line with a non-ASCII byte, from that
 * line and the next 64 KiB: UTF-8 when the sequences only UTF-8 reads
 * are at least twice the invalid bytes; CP932 as below. CP932 text is
 * almost never valid UTF-8 for long: its
 * kanji lead bytes (0x88-0x9F) are UTF-8 continuation bytes, so looking
 * past one line matters. A strict "any invalid byte means CP932" would
 * turn a UTF-8 file with one damaged byte into silent mojibake, since
 * UTF-8 kana decode as valid CP932.
 *
 * Else the bytes cannot tell: a CP932 list whose only Japanese is short
 * half-width kana names (ﾐｷ ﾕｶ) is a UTF-8 one of Cyrillic names (зն); a
 * UTF-8 list with one accent and one damaged byte (Zoë, Fran\xE7ois) is a
 * CP932 one with a kana pair and a kanji. A guess either way is silent
 * mojibake for someone: -1, r->undecided, and the caller asks which. So
 * too for text CP932 would read whose every byte past ASCII is EUC-JP's
 * (r->eucjp): an old web shop's export, which CP932 reads as kana.
 */
static int detect(struct crm_csv_reader *r)
{
	struct tally t = { 0 };
	struct euc e = { 0 };

	utf8_tally(r->line.buf, r->line.len, 0, &t);
	utf8_tally(r->ibuf + r->ipos, r->ilen - r->ipos, !r->eof, &t);
	if (t.valid && t.valid >= 2 * t.invalid) {
		r->enc = CRM_ENC_UTF8;
		return 0;
	}
	/*
	 * EUC-JP, which crm does not read: said so when its bytes are sure
	 * (or its characters many: a CP932 kana word of odd length breaks the
	 * pairing soon), else asked with CP932's reading beside. Not when
	 * every byte is in valid UTF-8 (ﾐｷ as з): EUC-JP text is not for long.
	 */
	if (t.invalid && eucjp_like((const unsigned char *)r->line.buf, r->line.len, &e) &&
	    eucjp_like((const unsigned char *)r->ibuf + r->ipos, r->ilen - r->ipos, &e)) {
		r->undecided = 1;
		r->eucjp = e.sure || e.chars >= 16 ? 1 : 2;
		both_readings(r);
		return -1;
	}
	/*
	 * CP932: invalid bytes, not most of them pairs that read both ways;
	 * and among them a lead byte of CP932's kana or kanji (81-9F), or no
	 * UTF-8 at all and only half-width kana. An accent and a stray
	 * Latin-1 byte (Zoë, Fran\xE7ois), or Windows-1252 alone (Fran\xE7ois,
	 * E7 a rare kanji's lead byte to CP932), have neither.
	 */
	if (t.invalid && t.pairs < 2 * t.invalid && (t.leads || (!t.valid && !t.others))) {
		r->enc = CRM_ENC_CP932;
		return 0;
	}
	r->undecided = 1;
	both_readings(r);
	return -1;
}

static int add_replacement(struct crm_strbuf *sb)
{
	return crm_strbuf_add(sb, "\xEF\xBF\xBD", 3);
}


/*
 * Appends s[0..n) to sb as UTF-8, U+FFFD for each invalid byte; the first
 * one's offset in sb goes to *bad (if still SIZE_MAX), described in what
 * (when given). -1 when out of memory.
 */
static int utf8_into(const char *s, size_t n, struct crm_strbuf *sb, size_t *bad, char *what,
		     size_t nwhat)
{
	size_t i = 0;

	while (i < n) {
		size_t ok = utf8_valid_prefix(s + i, n - i, 0);

		if (crm_strbuf_add(sb, s + i, ok))
			return -1;
		i += ok;
		if (i < n) {
			if (*bad == SIZE_MAX) {
				*bad = sb->len;
				if (what)
					snprintf(what, nwhat, "invalid UTF-8 byte 0x%02X",
						 (unsigned char)s[i]);
			}
			if (add_replacement(sb))
				return -1;
			i++;
		}
	}
	return 0;
}

/* utf8_into() for s in charset, converted by cd. */
static int iconv_into(iconv_t cd, const char *charset, const char *s, size_t n,
		      struct crm_strbuf *sb, size_t *bad, char *what, size_t nwhat)
{
	while (n > 0) {
		char *in = (char *)s, *outp;
		size_t inleft = n, outleft, before;

		if (crm_strbuf_grow(sb, n * 3 + 4))
			return -1;
		outp = sb->buf + sb->len;
		outleft = sb->alloc - sb->len - 1;
		before = outleft;
		if (iconv(cd, &in, &inleft, &outp, &outleft) == (size_t)-1 && errno != E2BIG) {
			sb->len += before - outleft;
			sb->buf[sb->len] = '\0';
			if (*bad == SIZE_MAX) {
				*bad = sb->len;
				if (what && inleft >= 2)
					snprintf(what, nwhat, "invalid %s byte sequence 0x%02X 0x%02X",
						 charset, (unsigned char)in[0], (unsigned char)in[1]);
				else if (what)
					snprintf(what, nwhat, "invalid %s byte 0x%02X", charset,
						 (unsigned char)in[0]);
			}
			if (add_replacement(sb))
				return -1;
			in++;
			inleft--;
			iconv(cd, NULL, NULL, NULL, NULL);
		} else {
			sb->len += before - outleft;
			sb->buf[sb->len] = '\0';
		}
		s = in;
		n = inleft;
	}
	return 0;
}

/*
 * Decodes r->line into r->dline. An invalid sequence becomes U+FFFD and its
 * offset in dline is returned in *bad (else SIZE_MAX), with a description.
 * Returns 0, or what csvint.h says.
 */
int crm_csv_decode_line(struct crm_csv_reader *r, size_t *bad, char *what, size_t nwhat)
{
	const char *s = r->line.buf;
	size_t n = r->line.len;

	*bad = SIZE_MAX;
	crm_strbuf_reset(&r->dline);
	if (r->enc == CRM_ENC_AUTO && !is_ascii(s, n)) {
		if (!r->window && !r->eof && r->ilen - r->ipos < CHUNK)
			return -4;
		if (detect(r))
			return -3;
	}
	if (r->enc != CRM_ENC_CP932)
		return utf8_into(s, n, &r->dline, bad, what, nwhat);
	if (r->cd == (iconv_t)-1) {
		r->cd = iconv_open("UTF-8", "CP932");
		if (r->cd == (iconv_t)-1)
			return -2;
	}
	return iconv_into(r->cd, "CP932", s, n, &r->dline, bad, what, nwhat);
}

/*
 * What the start of the input says it is, when it is no CSV at all: an
 * Excel workbook (xlsx is a zip, xls an OLE2 file), or UTF-16 without a
 * byte order mark (one byte of each ASCII pair is NUL).
 */
void crm_csv_sniff(struct crm_csv_reader *r)
{
	size_t i, n = r->ilen < 4096 ? r->ilen : 4096, nul[2] = { 0, 0 }, unit[2] = { 0, 0 };

	if (n >= 4 && !memcmp(r->ibuf, "PK\x03\x04", 4))
		r->workbook = 1;
	else if (n >= 8 && !memcmp(r->ibuf, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
		r->workbook = 2;
	if (r->workbook || r->utf16 || n < 4)
		return;
	for (i = 0; i + 1 < n; i += 2) {
		nul[0] += !r->ibuf[i];
		nul[1] += !r->ibuf[i + 1];
		/* A delimiter or line end as one UTF-16 code unit, LE or BE. */
		if (!r->ibuf[i + 1] && r->ibuf[i] && strchr(",;\t\r\n", r->ibuf[i]))
			unit[0]++;
		else if (!r->ibuf[i] && r->ibuf[i + 1] && strchr(",;\t\r\n", r->ibuf[i + 1]))
			unit[1]++;
	}
	/*
	 * Text in UTF-8 or CP932 has no NULs. UTF-16 has one in each code unit
	 * of ASCII, always on the same side, and its delimiters and line ends
	 * are such units: a file of kanji has few NULs, but still those (#11).
	 */
	if (unit[0] >= 2 && nul[0] * 8 <= nul[1])
		r->utf16 = 2;
	else if (unit[1] >= 2 && nul[1] * 8 <= nul[0])
		r->utf16 = 2;
}

/* The delimiter the first line has most of, outside quotes (',' on a tie). */
void crm_csv_detect_delimiter(struct crm_csv_reader *r)
{
	static const char cand[] = { ',', '\t', ';' };
	size_t count[3] = { 0, 0, 0 }, i, best = 0;
	int quoted = 0;

	for (i = r->ipos; i < r->ilen && (quoted || (r->ibuf[i] != '\n' && r->ibuf[i] != '\r'));
	     i++) {
		const char *c = r->ibuf[i] ? memchr(cand, r->ibuf[i], sizeof(cand)) : NULL;

		if (r->ibuf[i] == '"')
			quoted = !quoted;
		else if (!quoted && c)
			count[c - cand]++;
	}
	for (i = 1; i < 3; i++)
		if (count[i] > count[best])
			best = i;
	r->opt.delimiter = cand[best];
	csv_set_delim(&r->parser, (unsigned char)cand[best]);
}
