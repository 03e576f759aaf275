/*
 * Field types. Each type of field crm knows has one file with its header,
 * src/ftype-<type>.c: phone, email, postal, date (and datetime), name (and
 * kana), address, company, and basic for the small ones (text, money,
 * integer, flag, gender, enum, key). The file holds both things done with
 * a value of its type:
 *
 *   the check or parser that `crm import` uses to accept a value as
 *   written in a spreadsheet, or to reject it with a reason, and
 *
 *   the normalizer that `crm cleanse` applies to remove notation drift
 *   (表記揺れ) before duplicates are looked for,
 *
 * so that what import accepts, cleanse normalizes, and the result is
 * accepted again. The catalogue below (struct crm_fieldtype) puts a type's
 * check and normalizer side by side; the field catalogue (fields.h) says
 * which type each field has. The frame the type files share is private to
 * them (ftypeint.h).
 *
 * Checks and parsers first fold the value (fold.h: NFKC, white space
 * collapsed and trimmed). Then:
 *
 *   CRM_OK           the value is good; the output is set.
 *   CRM_EOF          the value is NULL, empty or blank: "no value", which the
 *                    caller may treat differently from a bad value.
 *   CRM_ERR_INVALID  the value is bad (this includes invalid UTF-8);
 *                    err->message gives a lower-case reason that quotes the
 *                    value as the caller passed it, before any folding, e.g.
 *                    '2023/02/30' is not a date that exists
 *   CRM_ERR_NOMEM    an allocation failed.
 *
 * Outputs are written only on CRM_OK, and err (which may be NULL) only on an
 * error; file, line and column in err are left for the caller to fill.
 *
 * Every normalizer first cleans the text as crm_normalize_text() does, then
 * applies its own rules, and is idempotent: normalizing its own output
 * gives that output again, with the same split-out parts. Each returns
 *
 *   CRM_OK           out->value holds the normalized value (possibly "" when
 *                    everything was split out into other parts) and
 *                    out->changed says whether it differs from the input;
 *                    the parts that apply are set, the others are NULL.
 *   CRM_EOF          the value is NULL, empty or blank after cleaning: "no
 *                    value". out is left empty.
 *   CRM_ERR_INVALID  a violation: the value breaks a rule and must not be
 *                    stored as normalized. err->message gives a lower-case
 *                    reason that quotes the value as the caller passed it,
 *                    e.g. '03-1234-abcd' has a letter: a
 *                    The caller keeps the value as it was; nothing is
 *                    dropped. out is left empty.
 *   CRM_ERR_NOMEM    an allocation failed. out is left empty.
 *
 * err (which may be NULL) is written only on an error. out must have been
 * initialized (CRM_NORM_INIT or crm_norm_init()); whatever it held is
 * released first, so one struct crm_norm can serve a loop of calls. Its
 * strings belong to it: crm_norm_release() frees them.
 *
 * All these functions keep no state and are safe to call from any thread.
 */
#ifndef CRM_FTYPE_H
#define CRM_FTYPE_H

#include <stddef.h>

#include "error.h"

/*
 * How import stores a value: checked and kept as written (text, kana,
 * email, phone, postal), or parsed into one form (date, datetime, money,
 * integer, enum, flag), or used as a record's key. The names
 * (crm_ftype_name) are what a field definition's `type =` takes.
 */
enum crm_ftype {
	CRM_T_TEXT,
	CRM_T_KANA,
	CRM_T_EMAIL,
	CRM_T_PHONE,
	CRM_T_POSTAL,
	CRM_T_DATE,
	CRM_T_DATETIME,
	CRM_T_MONEY,
	CRM_T_INTEGER,
	CRM_T_ENUM,
	CRM_T_FLAG,
	CRM_T_KEY,
};

/* "text", "kana", ... "key"; "unknown" for a bad type. */
const char *crm_ftype_name(enum crm_ftype type);

/* What a normalizer gives: the value written the one way, and the parts it split off. */
struct crm_norm {
	char *value;        /* the normalized value */
	int changed;        /* 1 when value differs byte for byte from the input */
	char *prefecture;   /* address: the prefecture split off the front */
	char *city;         /* address: the city, ward or 郡+town split off next */
	char *extension;    /* phone: the extension's digits (内線 12 gives "12") */
	char *digits;       /* phone: the digits to match on (+81 3 ... gives 03...) */
	char *family;       /* name, kana: the family part, when the split is known */
	char *given;        /* name, kana: the given part, when the split is known */
	char *suggestion;   /* email: the address probably meant; value is not changed */
	/*
	 * 1 when cleaning had nothing to strip (no control or invisible
	 * character: the common characters alone, crm_nfkc_common): on such
	 * text a type's check for a record in Japan gives the normalizer's
	 * verdict (the fuzz targets hold the two to it).
	 */
	int plain;
};

#define CRM_NORM_INIT { 0 }

void crm_norm_init(struct crm_norm *n);
/* Frees every string of n and leaves it as after crm_norm_init. n may be NULL. */
void crm_norm_release(struct crm_norm *n);

/* --- The catalogue ------------------------------------------------------ */

enum crm_fieldtype_flags {
	/*
	 * The normalizer knows Japanese values only (numbering plan, postal
	 * codes, addresses): cleanse applies it to records in Japan.
	 */
	CRM_FT_JAPAN = 1 << 0,
};

/*
 * A field type: how import stores its values, what import accepts and
 * what cleanse makes of them, side by side. Each field of the field
 * catalogue (fields.h) names its type; the entries are defined in their
 * types' files.
 */
struct crm_fieldtype {
	/*
	 * "phone", "name", ...: for a type that has a normalizer, also the
	 * name of the cleanse rule that runs it (crm-fields(5) `rules =`).
	 */
	const char *name;
	enum crm_ftype stored;   /* how import stores its values */
	/*
	 * Whether import accepts s, as said at the top: CRM_OK, CRM_EOF for
	 * no value, CRM_ERR_INVALID with the reason in err. country is the
	 * record's (country.h: crm_record_country): a postal code or a phone
	 * number is checked as that country writes them, Japan's
	 * (CRM_COUNTRY_JP) strictly.
	 * NULL: any text is accepted (names, free text, keys; an enum's
	 * values are its field's choices).
	 */
	enum crm_status (*check)(const char *s, int country, struct crm_error *err);
	/* Cleanse's normalizer; NULL when cleanse leaves the type's values as they are. */
	enum crm_status (*normalize)(const char *s, struct crm_norm *out,
				     struct crm_error *err);
	unsigned flags;   /* enum crm_fieldtype_flags */
};

extern const struct crm_fieldtype crm_fieldtype_text;      /* ftype-basic.c */
extern const struct crm_fieldtype crm_fieldtype_money;
extern const struct crm_fieldtype crm_fieldtype_integer;
extern const struct crm_fieldtype crm_fieldtype_flag;
extern const struct crm_fieldtype crm_fieldtype_gender;
extern const struct crm_fieldtype crm_fieldtype_enum;
extern const struct crm_fieldtype crm_fieldtype_key;
extern const struct crm_fieldtype crm_fieldtype_name;      /* ftype-name.c */
extern const struct crm_fieldtype crm_fieldtype_kana;
extern const struct crm_fieldtype crm_fieldtype_company;   /* ftype-company.c */
extern const struct crm_fieldtype crm_fieldtype_address;   /* ftype-address.c */
extern const struct crm_fieldtype crm_fieldtype_email;     /* ftype-email.c */
extern const struct crm_fieldtype crm_fieldtype_phone;     /* ftype-phone.c */
extern const struct crm_fieldtype crm_fieldtype_postal;    /* ftype-postal.c */
extern const struct crm_fieldtype crm_fieldtype_date;      /* ftype-date.c */
extern const struct crm_fieldtype crm_fieldtype_datetime;

/* Every field type, *n of them; static. */
const struct crm_fieldtype *const *crm_fieldtypes(size_t *n);

/* The field type called name, or NULL. */
const struct crm_fieldtype *crm_fieldtype_find(const char *name);

/*
 * The plain type of values stored as type (text for CRM_T_TEXT, email for
 * CRM_T_EMAIL, ...): the type of a field of a company's own, which
 * crm-fields(5) declares by its stored type only. NULL for a bad type.
 */
const struct crm_fieldtype *crm_fieldtype_of(enum crm_ftype type);

#endif
