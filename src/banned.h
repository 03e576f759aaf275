/*
 * Functions crm does not use, in the manner of git's banned.h: each has a
 * safer replacement that states the buffer size or reports errors.
 * Include it last, after every system header.
 *
 *   strcpy, strcat, strncpy, strncat, sprintf, vsprintf  -> snprintf, crm_strbuf
 *   strtok                                               -> explicit parsing
 *   atoi, atol, atoll                                    -> strtol with checks
 *   gets                                                 -> fgets, getline
 */
#ifndef CRM_BANNED_H
#define CRM_BANNED_H

#define CRM_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) CRM_BANNED(strcpy)
#undef strcat
#define strcat(x, y) CRM_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) CRM_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) CRM_BANNED(strncat)
#undef sprintf
#define sprintf(...) CRM_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) CRM_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) CRM_BANNED(strtok)
#undef atoi
#define atoi(x) CRM_BANNED(atoi)
#undef atol
#define atol(x) CRM_BANNED(atol)
#undef atoll
#define atoll(x) CRM_BANNED(atoll)
#undef gets
#define gets(x) CRM_BANNED(gets)

#endif
