/*
 * The public API of libcrm, the core library behind the crm command.
 * Every public name starts with crm_. Functions return enum crm_status
 * (CRM_OK = 0) and fill a caller's struct crm_error; each prototype says
 * who owns what. The core never prints and never exits.
 */
#ifndef CRM_H
#define CRM_H

#include "error.h"
#include "strbuf.h"
#include "db.h"
#include "audit.h"
#include "run.h"
#include "customer.h"
#include "csvio.h"

#endif
