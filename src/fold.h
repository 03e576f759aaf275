/*
 * The folding every field type starts with, before it checks or normalizes
 * a value: NFKC (full-width digits, letters, ＠ and － become ASCII;
 * U+3000 becomes a space; ㍻ becomes 平成), each run of Unicode white space
 * made one ASCII space and both ends trimmed. And the quoting of a value
 * in a message. No state; safe to call from any thread.
 */
#ifndef CRM_FOLD_H
#define CRM_FOLD_H

#include <stddef.h>

#include "error.h"

/*
 * Returns the NFKC form of s in memory the caller frees, or NULL when s is
 * NULL or not valid UTF-8, or when memory runs out.
 */
char *crm_nfkc(const char *s);

/*
 * The NFKC of s without utf8proc when s is made only of characters whose
 * NFKC is known without it: ASCII, full-width ASCII, the ideographic space,
 * CJK ideographs, kana and a few marks (most Japanese values). Returns
 * CRM_OK with *out set (the caller frees it), CRM_EOF when s has any other
 * character (ASCII controls included), or CRM_ERR_NOMEM.
 */
enum crm_status crm_nfkc_common(const char *s, char **out);

/*
 * As crm_nfkc(), and also turns each run of white space (any Unicode White_Space
 * character, after NFKC) into one ASCII space and trims both ends. The caller
 * frees the result.
 */
char *crm_fold_trim(const char *s);

/*
 * As crm_fold_trim() for s that is not NULL, into buf when the result fits
 * its size bytes (buf may be NULL, size 0), else into memory the caller
 * frees (*out != buf). Returns CRM_OK, CRM_ERR_INVALID for invalid UTF-8,
 * or CRM_ERR_NOMEM; *out is NULL on an error.
 */
enum crm_status crm_fold_trim_buf(const char *s, char *buf, size_t size, char **out);

/*
 * NFKC of s (utf8proc, with extra_flags such as UTF8PROC_IGNORE) into
 * memory the caller frees, keeping as they are the characters that mean
 * something in a name: circled, parenthesized and full-stop numbers and
 * letters (U+2460 to U+24FF: ①, ⑴, ⒈, Ⓐ) and the circled numbers 21 to
 * 50 (㉑ to ㊿). CRM_ERR_INVALID for bad UTF-8.
 */
enum crm_status crm_nfkc_map(const char *s, int extra_flags, char **out);

/*
 * Turns each run of white space (any Unicode White_Space character) in s
 * into one ASCII space and trims both ends, in place: s never grows. s must
 * be valid UTF-8, as crm_nfkc() returns it.
 */
void crm_collapse_spaces(char *s);

/*
 * The length in bytes of the white-space character (Unicode White_Space)
 * that s starts with, or 0 when s does not start with one.
 */
size_t crm_space_len(const char *s);

/* The size of a buffer that holds any crm_quote() result. */
#define CRM_QUOTE_SIZE 136

/*
 * Copies s into buf (of size at least CRM_QUOTE_SIZE) for a message: bytes
 * that are not UTF-8 and controls are shown as \xNN or \uNNNN, so that a
 * reader sees why a value that looks right is not; a long value is cut at a
 * character boundary with "...".
 */
void crm_quote(const char *s, char *buf, size_t size);

#endif
