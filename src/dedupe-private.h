/*
 * Private to src/dedupe*.c: the comparison keys of a customer and how two
 * keys compare (dedupe-keys.c), and the model (dedupe.c).
 */
#ifndef CRM_DEDUPE_PRIVATE_H
#define CRM_DEDUPE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "dedupe.h"
#include "strbuf.h"

/* The fields compared, in the order --explain shows them. */
enum dd_field {
	DF_FAMILY,
	DF_GIVEN,
	DF_KANA,
	DF_BIRTH,
	DF_EMAIL,
	DF_PHONE,
	DF_POSTAL,
	DF_CITY,
	DF_ADDRESS,
	DF_COMPANY,
	DF_PREF,
	DF_NFIELDS,
};
/*
 * Columns of extra (from exports, unknown to the field catalogue) that
 * look like identifiers (会員番号, a national id): compared as fields too,
 * after the catalogue's. At most this many.
 */
#define DD_MAX_EXTRA 4
#define DD_MAX_FIELDS (DF_NFIELDS + DD_MAX_EXTRA)
/*
 * Keys: one per field, a second phone (the mobile), the family and given
 * name together, to compare with a name not split into its parts (坂本亮
 * and 坂本 / 亮), and the address within its postal code, whose frequency
 * says how common one address is in one town (本町1-1-1 is in many), and
 * the email's local part, whose frequency says how common an address like
 * another is (ed@, j.c@ are many people's; taro.yamada.1985@ is one's).
 */
#define DK_MOBILE DD_MAX_FIELDS
#define DK_FULL (DD_MAX_FIELDS + 1)
#define DK_HOME (DD_MAX_FIELDS + 2)
#define DK_LOCAL (DD_MAX_FIELDS + 3)
#define DD_NKEYS (DD_MAX_FIELDS + 4)

/* Levels: 0 is missing (either side); the last of a field is "different". */
#define DD_MAX_LEVELS 6

struct dd_fieldinfo {
	const char *name;
	int nlevels;                     /* with missing */
	const char *const *level_names;  /* nlevels of them */
	int tf;                          /* exact matches weighed by term frequency */
	int personal;                    /* agreeing on it can tell one person */
};
extern const struct dd_fieldinfo dd_fields[DF_NFIELDS];
/* An extra column's: exact, close (one slip), different. */
extern const struct dd_fieldinfo dd_extra_field;

/* The values read of a customer, in this order (dedupe.c selects them). */
enum dd_column {
	DC_NAME, DC_FAMILY, DC_GIVEN, DC_KANA, DC_FAMILY_KANA, DC_GIVEN_KANA,
	DC_COMPANY, DC_EMAIL, DC_PHONE, DC_MOBILE, DC_POSTAL, DC_PREF, DC_CITY,
	DC_ADDRESS, DC_BIRTH, DC_EXTRA, DC_NCOLUMNS = DC_EXTRA + DD_MAX_EXTRA,
};

struct dd_rec {
	int64_t id;
	uint32_t key[DD_NKEYS];   /* offset + 1 of the key in the arena; 0: none */
	uint32_t tf[DD_NKEYS];    /* customers with the same key (term frequency) */
	unsigned char whole;      /* the family key is a name not split into its parts */
	unsigned char fresh;      /* to compare: all are, unless since (dedupe.h) */
	unsigned char absorbed;   /* customers were merged into it, by an earlier run */
};

/*
 * Builds r's keys (and whole) from the column values (NULL or empty:
 * none) into arena; r's id and tf are left as they are. Returns 0, or -1
 * when memory runs out.
 */
int dd_keys(struct crm_strbuf *arena, const char *const vals[DC_NCOLUMNS], struct dd_rec *r);

/* The key k of r, or NULL. */
static inline const char *dd_key(const struct crm_strbuf *arena, const struct dd_rec *r, int k)
{
	return r->key[k] ? arena->buf + r->key[k] - 1 : NULL;
}

/* The level of field f between a and b (keys in arena); f past DF_NFIELDS is extra's. */
int dd_level(const struct crm_strbuf *arena, const struct dd_rec *a, const struct dd_rec *b,
	     int f);

/*
 * Whether a's family and given names are b's written the other way round:
 * 1 each exactly the other's, 2 each the other's or close to it (whtie
 * brandon, brandon white), 0 not.
 */
int dd_swapped(const struct crm_strbuf *arena, const struct dd_rec *a, const struct dd_rec *b);

/*
 * Whether key k of a and b is one name typed twice: letters (ASCII), five
 * or more, one changed or two swapped before the last two. A name's
 * forms for a man and a woman, or a pet form, differ at the end
 * (francis, frances; marie, maria; paul, paula); a slip falls anywhere.
 */
int dd_typo(const struct crm_strbuf *arena, const struct dd_rec *a, const struct dd_rec *b, int k);

/* Whether a and b differ by one edit: a letter changed, added or dropped, or two swapped. */
int dd_one_edit(const char *a, const char *b);

/*
 * Whether a's email and b's have one local part (before the @); against a
 * Gmail key, which has lost its dots, dots aside.
 */
int dd_same_local(const struct crm_strbuf *arena, const struct dd_rec *a, const struct dd_rec *b);

/*
 * A fitted model as dedupe_models keeps it (dedupe-model.c): per field
 * compared, by name, each level's m and u; the prior odds, and what it
 * was fitted on.
 */
struct dd_model {
	int nfields;
	const char *name[DD_MAX_FIELDS];
	int nlevels[DD_MAX_FIELDS];
	double m[DD_MAX_FIELDS][DD_MAX_LEVELS], u[DD_MAX_FIELDS][DD_MAX_LEVELS];
	double prior;              /* log2 of the prior odds of any two customers */
	unsigned long customers;   /* it was fitted on */
	unsigned long pairs;       /* candidate pairs it was fitted on */
	int64_t run;               /* the run that fitted it (on load) */
};

/* Saves m in run (logged: a revert of the run removes it). */
enum crm_status dd_model_save(struct crm_run *run, const struct dd_model *m,
			      struct crm_error *err);
/*
 * Reads the latest saved model into m, whose nfields, names and nlevels
 * say the fields compared now: *found is 0 when there is none, or when it
 * is of other fields (an extra column come or gone).
 */
enum crm_status dd_model_load(struct crm_db *db, struct dd_model *m, int *found,
			      struct crm_error *err);

/* Jaro-Winkler similarity of UTF-8 a and b, on code points (0..1). */
double dd_jaro_winkler(const char *a, const char *b);
/* The same, or 0 when it is sure to be below floor (cheaper then). */
double dd_jaro_winkler_min(const char *a, const char *b, double floor);

#endif
