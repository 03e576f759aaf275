/*
 * Countries, as the field catalogue needs them: which country a record's
 * country value (or import --country) names, and the shape of that
 * country's postal codes, so that an Australian 4-digit postcode is
 * checked as one instead of being refused as a bad Japanese code.
 */
#ifndef CRM_COUNTRY_H
#define CRM_COUNTRY_H

enum {
	CRM_COUNTRY_UNKNOWN = 0,  /* a value no entry of the table names */
	CRM_COUNTRY_JP = 1,       /* Japan: an empty value means it too */
};

/*
 * The country a value names: an ISO 3166 code (JP, JPN), an English or a
 * Japanese name (Japan, 日本, Australia, 豪州 ...), compared NFKC-folded,
 * trimmed and in any case. NULL or empty is Japan, crm's default; a value
 * no entry names is CRM_COUNTRY_UNKNOWN.
 */
int crm_country_of(const char *value);

/*
 * The ISO 4217 code a currency column's value names (JPY, 円, yen, ¥, 日本円;
 * USD, $, ドル; GBP, £, ポンド; EUR, €, ユーロ: any case and width, read as a
 * country's name is), or NULL for one crm does not know.
 */
const char *crm_currency_code(const char *value);

/* The ISO 3166 alpha-2 code of a country ("JP"); NULL for UNKNOWN. */
const char *crm_country_code(int country);

/*
 * The postal codes of a country, as a pattern: '9' a digit, 'A' a letter,
 * 'X' a letter or a digit, ' ' an optional space, '-' an optional hyphen,
 * '|' between alternatives. NULL when crm knows none (any code is taken).
 * Japan's is not here: ftype-postal.c checks it with 〒 and all.
 */
const char *crm_country_postal(int country);

/*
 * The country of a record from its country and prefecture values (either
 * NULL): the country named, when one is; with none, Japan, unless the
 * prefecture is there and names none of Japan's 47 (a state, a county:
 * FEBRL's "nsw"), which is a record from somewhere else. Import's checks,
 * its rules and crm cleanse all decide it here.
 */
int crm_record_country(const char *country, const char *prefecture);

/* 1 when folded text t (ASCII letters in any case) fits pattern. */
int crm_country_postal_fits(const char *pattern, const char *t);

#endif
