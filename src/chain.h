/*
 * The log's hash chain. Each `changes` row carries the SHA-256 of the
 * previous row's hash and of its own content, together with the actor,
 * command and start time of its run, so that editing, inserting or deleting
 * a row of history outside crm breaks the chain at that row and
 * `crm log verify` can name it.
 *
 * The serialization is fixed (crm-log(1) documents it): every part is
 * length-prefixed and typed, so that no two different rows hash the same
 * bytes. The first row chains to 32 zero bytes.
 */
#ifndef CRM_CHAIN_H
#define CRM_CHAIN_H

#include <stdint.h>

#include "db.h"
#include "error.h"
#include "value.h"

#define CRM_HASH_HEX_LEN 64

struct crm_chain_link {
	int64_t id, run_id, row_id;
	const char *tbl, *op;
	struct crm_value field, old_value, new_value;
	const char *actor, *command, *started_at;   /* of the run; NULL if it is gone */
};

#define CRM_HASH_SIZE 32      /* bytes of a digest */

/*
 * The digest of link chained to the digest prev (32 zero bytes for the
 * first row), into out, which may be prev; crm_chain_hash in binary, for
 * whoever walks the chain row after row.
 */
void crm_chain_digest(const uint8_t *prev, const struct crm_chain_link *link, uint8_t *out);

/* hex: CRM_HASH_HEX_LEN + 1 bytes. A malformed or NULL hex gives zeros. */
void crm_chain_hex(const uint8_t *digest, char *hex);
void crm_chain_unhex(const char *hex, uint8_t *digest);

/*
 * Computes the hash of link chained to prev (CRM_HASH_HEX_LEN hex digits,
 * or NULL for the first row) into out, CRM_HASH_HEX_LEN + 1 bytes.
 */
void crm_chain_hash(const char *prev, const struct crm_chain_link *link, char *out);

/*
 * The query that reads the chain in order, from id ?1 on; columns: id,
 * run_id, tbl, row_id, op, field, old_value, new_value, hash, actor,
 * command, started_at.
 */
extern const char crm_chain_select_sql[];

/* Fills link from a row of crm_chain_select_sql; valid until the next step. */
void crm_chain_link_from_row(struct crm_stmt *st, struct crm_chain_link *link);

/*
 * Computes and stores the hash of every change from id from_id on, in
 * order, chained to the row before it. Inside a write transaction. Used to
 * seal rows written before the chain existed, and after an erasure.
 */
enum crm_status crm_chain_seal(struct crm_db *db, int64_t from_id, struct crm_error *err);

/*
 * Seals the changes logged before the chain existed (schema 1), from the
 * first row without a hash on; does nothing when every row has one. Inside
 * a write transaction. The program sets it as the database's migration
 * hook (crm_db_set_migrate_hook), so that the chain covers the whole log
 * from the moment the schema moves on.
 */
enum crm_status crm_chain_seal_unsealed(struct crm_db *db, struct crm_error *err);

struct crm_chain_break {
	int64_t id;          /* the first row whose hash does not match; 0 if none */
	int64_t checked;     /* rows checked */
	char expected[CRM_HASH_HEX_LEN + 1];
	char found[CRM_HASH_HEX_LEN + 1];
};

/* Recomputes the whole chain; fills brk (brk->id is 0 when it is intact). */
enum crm_status crm_chain_verify(struct crm_db *db, struct crm_chain_break *brk,
				 struct crm_error *err);

#endif
