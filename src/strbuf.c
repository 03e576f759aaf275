#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "banned.h"

char crm_strbuf_slopbuf[1];

void crm_strbuf_init(struct crm_strbuf *sb)
{
	sb->buf = crm_strbuf_slopbuf;
	sb->len = 0;
	sb->alloc = 0;
}

void crm_strbuf_release(struct crm_strbuf *sb)
{
	if (!sb)
		return;
	if (sb->alloc)
		free(sb->buf);
	crm_strbuf_init(sb);
}

void crm_strbuf_reset(struct crm_strbuf *sb)
{
	crm_strbuf_setlen(sb, 0);
}

void crm_strbuf_setlen(struct crm_strbuf *sb, size_t len)
{
	if (!sb->alloc)
		return; /* the shared "" is never written */
	sb->len = len < sb->len ? len : sb->len;
	sb->buf[sb->len] = '\0';
}

int crm_strbuf_grow(struct crm_strbuf *sb, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > SIZE_MAX - sb->len - 1)
		return -1;
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n > SIZE_MAX / 2 ? want : n * 2;
	p = realloc(sb->alloc ? sb->buf : NULL, n);
	if (!p)
		return -1;
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = n;
	return 0;
}

int crm_strbuf_add(struct crm_strbuf *sb, const void *data, size_t len)
{
	/* The common case, room enough, without a call. */
	if (sb->len + len >= sb->alloc && crm_strbuf_grow(sb, len))
		return -1;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int crm_strbuf_addstr(struct crm_strbuf *sb, const char *s)
{
	return crm_strbuf_add(sb, s, strlen(s));
}

int crm_strbuf_addch(struct crm_strbuf *sb, int c)
{
	if (sb->len + 1 >= sb->alloc && crm_strbuf_grow(sb, 1))
		return -1;
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
	return 0;
}

int crm_strbuf_addf(struct crm_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || crm_strbuf_grow(sb, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

/* The length of s as a JSON string's contents, as the loop below writes it. */
static size_t json_escaped_len(const unsigned char *s, size_t len)
{
	size_t i, n = len;

	for (i = 0; i < len; i++)
		if (s[i] == '"' || s[i] == '\\' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			n += 1;
		else if (s[i] < 0x20)
			n += 5;
	return n;
}

/* Values longer than this are measured first instead of given room for the worst case. */
#define JSON_MEASURE_FROM 4096

int crm_strbuf_add_json_string(struct crm_strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, need;
	char *w;

	/*
	 * One pass into room for the worst case (every byte a \u00XX), so the
	 * loop writes without checks: JSON strings are built for every row of
	 * every import. A long value is measured instead, so that a field of
	 * megabytes does not reserve six times its size.
	 */
	if (len > (SIZE_MAX - 2) / 6)
		return -1;
	need = len > JSON_MEASURE_FROM ? json_escaped_len(p, len) : 6 * len;
	if (crm_strbuf_grow(sb, need + 2))
		return -1;
	w = sb->buf + sb->len;
	*w++ = '"';
	for (i = 0; i < len; i++) {
		unsigned char c;
		uint64_t x;

		/*
		 * Eight bytes at a time while none is below 0x20, '"' or '\\'
		 * (the usual bit tricks; a false alarm only sends a word to
		 * the byte loop).
		 */
		while (len - i >= 8) {
			memcpy(&x, p + i, 8);
			if (((x - UINT64_C(0x2020202020202020)) & ~x & UINT64_C(0x8080808080808080)) ||
			    (((x ^ UINT64_C(0x2222222222222222)) - UINT64_C(0x0101010101010101)) &
			     ~(x ^ UINT64_C(0x2222222222222222)) & UINT64_C(0x8080808080808080)) ||
			    (((x ^ UINT64_C(0x5C5C5C5C5C5C5C5C)) - UINT64_C(0x0101010101010101)) &
			     ~(x ^ UINT64_C(0x5C5C5C5C5C5C5C5C)) & UINT64_C(0x8080808080808080)))
				break;
			memcpy(w, &x, 8);
			w += 8;
			i += 8;
		}
		if (i == len)
			break;
		c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*w++ = (char)c;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			*w++ = 'u';
			*w++ = '0';
			*w++ = '0';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		}
	}
	*w++ = '"';
	sb->len = (size_t)(w - sb->buf);
	sb->buf[sb->len] = '\0';
	return 0;
}

char *crm_strbuf_detach(struct crm_strbuf *sb, size_t *len)
{
	char *p;

	if (len)
		*len = sb->len;
	if (!sb->alloc) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
		return p;
	}
	p = sb->buf;
	crm_strbuf_init(sb);
	return p;
}
