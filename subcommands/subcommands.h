/*
 * The subcommands: each parses its own options, calls the core and prints.
 * Each file defines its entry of the command table (const struct crm_cmd
 * crm_cmd_NAME); what they share for the command line is in cli.h.
 */
#ifndef CRM_SUBCOMMANDS_H
#define CRM_SUBCOMMANDS_H

#include <stdio.h>

#include "cli.h"



#endif
