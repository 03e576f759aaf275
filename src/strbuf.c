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

int crm_strbuf_add_json_string(struct crm_strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	if (crm_strbuf_grow(sb, len + 2) || crm_strbuf_addch(sb, '"'))
		return -1;
	while (i < len) {
		size_t run = i;
		unsigned char c;
		char esc[7] = "\\u00";
		int r;

		/* Copy runs that need no escape in one go. */
		while (run < len && (unsigned char)s[run] >= 0x20 && s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i && crm_strbuf_add(sb, s + i, run - i))
			return -1;
		if (run == len)
			break;
		c = (unsigned char)s[run];
		switch (c) {
		case '"': r = crm_strbuf_add(sb, "\\\"", 2); break;
		case '\\': r = crm_strbuf_add(sb, "\\\\", 2); break;
		case '\n': r = crm_strbuf_add(sb, "\\n", 2); break;
		case '\r': r = crm_strbuf_add(sb, "\\r", 2); break;
		case '\t': r = crm_strbuf_add(sb, "\\t", 2); break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			r = crm_strbuf_add(sb, esc, 6);
		}
		if (r)
			return -1;
		i = run + 1;
	}
	return crm_strbuf_addch(sb, '"');
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
