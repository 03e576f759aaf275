/*
 * Normalizers for `crm cleanse`. Each public function cleans its input
 * (crm_ft_clean), applies the rules of its field to the cleaned copy and hands
 * the result to the caller's struct crm_norm. Checks that src/types.c
 * already makes at import (phone, email, postal code) are called, not
 * repeated (crm_check_as), quoting the caller's value. No state, no I/O.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "fields.h"
#include "ftypeint.h"
#include "normalize.h"
#include "strbuf.h"
#include "types.h"
#include "utf8.h"
#include "banned.h"

/* --- Characters --------------------------------------------------------- */

enum crm_status crm_normalize_text(const char *s, struct crm_norm *out,
				   struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, crm_ft_take_text);
}
