/*
 * The date and datetime types (src/ftype-date.c). What the functions
 * return is said in ftype.h.
 */
#ifndef CRM_FTYPE_DATE_H
#define CRM_FTYPE_DATE_H

#include <stdint.h>

#include "error.h"
#include "ftype.h"

/* Sizes of the output buffers of crm_parse_date() and crm_parse_datetime(). */
#define CRM_DATE_SIZE 11        /* "YYYY-MM-DD" and NUL */
#define CRM_DATETIME_SIZE 20    /* "YYYY-MM-DDTHH:MM:SS" and NUL */

/*
 * Writes a date as "YYYY-MM-DD" into out. Accepts 2025/7/23, 2025-07-23,
 * 2025.7.23, 20250723, 2025年7月23日 and the Japanese eras 明治 (M), 大正 (T),
 * 昭和 (S), 平成 (H), 令和 (R) as 令和7年7月23日, 令和元年5月1日, R7.7.23,
 * H30/1/2, with spaces around separators, and a time after the date (which
 * must be valid and is then dropped). Rejects dates that do not exist, era
 * dates outside their era, years before 1873 or after 2200 and two-digit years.
 */
enum crm_status crm_parse_date(const char *s, char out[CRM_DATE_SIZE],
			       struct crm_error *err);

/*
 * Writes a local date and time as "YYYY-MM-DDTHH:MM:SS", or "YYYY-MM-DD" when
 * the value has no time. Accepts every date crm_parse_date() does, then a
 * space (or ISO 'T') and H:MM, HH:MM:SS or H時M分S秒 (minutes and seconds
 * optional). A time zone (Z, +09:00, JST) is rejected: crm stores local time.
 */
enum crm_status crm_parse_datetime(const char *s, char out[CRM_DATETIME_SIZE],
				   struct crm_error *err);

/*
 * Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (negative before it; Howard Hinnant's days_from_civil). m and d are not
 * checked: 2025-13-01 is 2026-01-01.
 */
int32_t crm_days_from_civil(int y, int m, int d);

#endif
