/*
 * FNV-1a, 64 bits: a hash of short strings for in-memory tables (dedupe's
 * keys, rfm's orders), in one place. Not for anything an attacker chooses
 * to collide on purpose: the tables it keys stay correct, only slower.
 */
#ifndef CRM_HASH_H
#define CRM_HASH_H

#include <stdint.h>

#define CRM_FNV_BASIS 0xcbf29ce484222325ULL

/* h with one byte more. */
static inline uint64_t crm_fnv_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

/* h with the bytes of the C string s. */
static inline uint64_t crm_fnv_str(uint64_t h, const char *s)
{
	while (*s)
		h = crm_fnv_byte(h, (unsigned char)*s++);
	return h;
}

/* A 64-bit mix (splitmix64's finalizer): spreads h over every bit. */
static inline uint64_t crm_hash_mix(uint64_t h)
{
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

#endif
