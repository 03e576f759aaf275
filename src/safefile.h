/*
 * A file that is replaced whole or not at all: written to a temporary file
 * beside it (0600: what crm writes holds customer data) and renamed into
 * place only when the caller says so, as git writes its index. A crash or
 * kill -9 before that leaves the file as it was; what was written stays in
 * the temporary file, named PATH.tmp-XXXXXX.
 *
 *	crm_safefile_open     makes the temporary file, optionally holding a
 *	                      copy of PATH to write on after
 *	crm_safefile_fp       where to write
 *	crm_safefile_sync     flushes it to disk (before a database commit
 *	                      that counts on it)
 *	crm_safefile_commit   syncs, closes, renames over PATH; frees
 *	crm_safefile_abort    closes and removes the temporary file; frees
 *
 * Errors name PATH, not the temporary file.
 */
#ifndef CRM_SAFEFILE_H
#define CRM_SAFEFILE_H

#include <stdio.h>

#include "error.h"

struct crm_safefile;

/*
 * Starts replacing path. With keep, the temporary file starts as a copy of
 * path (which must exist), for writing on at its end. On failure errno is
 * kept and err says why.
 */
enum crm_status crm_safefile_open(struct crm_safefile **out, const char *path, int keep,
				  struct crm_error *err);
FILE *crm_safefile_fp(struct crm_safefile *f);
const char *crm_safefile_path(const struct crm_safefile *f);
/*
 * The temporary file's own name, for a library that writes a file by
 * name (libxlsxwriter): it must write in place (open the name, truncate)
 * for crm_safefile_commit to sync and rename what it wrote.
 */
const char *crm_safefile_tmp_path(const struct crm_safefile *f);
enum crm_status crm_safefile_sync(struct crm_safefile *f, struct crm_error *err);
/*
 * f is freed. When writing fails the temporary file is removed; when only
 * the rename fails it stays, whole, and err names it.
 */
enum crm_status crm_safefile_commit(struct crm_safefile *f, struct crm_error *err);
/* f may be NULL. */
void crm_safefile_abort(struct crm_safefile *f);

#endif
