/*
 * Normalizers: the pure functions `crm cleanse` applies to one field value
 * to remove notation drift (表記揺れ) before duplicates are looked for.
 * Each lives in its type's file beside the type's check (ftype.h says what
 * they promise); this header gathers the cleanse side.
 */
#ifndef CRM_NORMALIZE_H
#define CRM_NORMALIZE_H

#include "ftype.h"
#include "ftype-address.h"
#include "ftype-basic.h"
#include "ftype-company.h"
#include "ftype-email.h"
#include "ftype-name.h"
#include "ftype-phone.h"
#include "ftype-postal.h"

#endif
