/*
 * A growable byte buffer, always NUL-terminated (after crm_strbuf_init the
 * buffer is "" without allocating), in the manner of git's strbuf.
 */
#ifndef CRM_STRBUF_H
#define CRM_STRBUF_H

#include <stddef.h>

struct crm_strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char crm_strbuf_slopbuf[];
#define CRM_STRBUF_INIT { crm_strbuf_slopbuf, 0, 0 }

void crm_strbuf_init(struct crm_strbuf *sb);
/* Frees the memory and leaves sb as after crm_strbuf_init. sb may be NULL. */
void crm_strbuf_release(struct crm_strbuf *sb);
/* Empties sb, keeping its memory. */
void crm_strbuf_reset(struct crm_strbuf *sb);
/* Makes room for extra more bytes; returns 0, or -1 when out of memory. */
int crm_strbuf_grow(struct crm_strbuf *sb, size_t extra);
/* Each returns 0, or -1 when out of memory (sb is then unchanged). */
int crm_strbuf_add(struct crm_strbuf *sb, const void *data, size_t len);
int crm_strbuf_addstr(struct crm_strbuf *sb, const char *s);
int crm_strbuf_addch(struct crm_strbuf *sb, int c);
int crm_strbuf_addf(struct crm_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
int crm_strbuf_add_json_string(struct crm_strbuf *sb, const char *s, size_t len);
/* Hands the buffer to the caller (who frees it) and resets sb. */
char *crm_strbuf_detach(struct crm_strbuf *sb, size_t *len);
/* Keeps only the first len bytes. */
void crm_strbuf_setlen(struct crm_strbuf *sb, size_t len);

#endif
