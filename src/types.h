/*
 * Typed values at the door: the checks and parsers `crm import` uses to
 * turn a field as written in a spreadsheet into one canonical form, or to
 * reject it with a reason. Each lives in its type's file beside the type's
 * normalizer (ftype.h says what they promise); this header gathers the
 * import side, with the folding they start with (fold.h).
 */
#ifndef CRM_TYPES_H
#define CRM_TYPES_H

#include "fold.h"
#include "ftype.h"
#include "ftype-basic.h"
#include "ftype-date.h"
#include "ftype-email.h"
#include "ftype-phone.h"
#include "ftype-postal.h"

#endif
