/*
 * Erased keys: the source keys of the people `crm log forget` erased, kept
 * as keyed hashes so that an import does not bring a person back unasked,
 * while the keys themselves (often e-mail addresses) are kept nowhere.
 *
 * The hash is HMAC-SHA256 (nettle) of the source, a NUL byte and the key,
 * under a random 32-byte key of the database (table erasure_key). It cannot
 * be turned back into the key; whoever holds the database can still test a
 * guess, as with any hash of a name or an address, so the database stays as
 * private as the data it holds.
 */
#ifndef CRM_ERASURE_H
#define CRM_ERASURE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

struct crm_erased;

/*
 * Opens the database's erased keys. For an erasure (create 1) the key is
 * made if there is none yet, inside the caller's write transaction. For a
 * check (create 0), *out is NULL when nobody was ever erased: nothing to
 * check. Free *out with crm_erased_free().
 */
enum crm_status crm_erased_open(struct crm_db *db, int create, struct crm_erased **out,
				struct crm_error *err);
/* Records source:key (source of source_len bytes) as erased by tombstone. */
enum crm_status crm_erased_add(struct crm_erased *e, int64_t tombstone, const char *source,
			       size_t source_len, const char *key, struct crm_error *err);
/*
 * Whether source:key was erased: *found, and when (at, the tombstone's
 * timestamp, "2026-12-02T05:00:00.000Z", at least 32 bytes).
 */
enum crm_status crm_erased_find(struct crm_erased *e, const char *source, const char *key,
				int *found, char *at, size_t at_size, struct crm_error *err);
/* e may be NULL. */
void crm_erased_free(struct crm_erased *e);

#endif
