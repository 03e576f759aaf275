/*
 * Fuzz targets: one per field type (its check, parser or normalizer) and
 * one for the CSV reader, each with the oracle it is held to. The same
 * targets run under libFuzzer (libfuzzer.c, -Dfuzz=true) and, without it,
 * in every build's tests (replay.c replays the corpus and the inputs that
 * once broke an oracle).
 */
#ifndef CRM_FUZZ_TARGETS_H
#define CRM_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_target {
	const char *name;
	void (*one)(const uint8_t *data, size_t size);
};

/* Every target, by name (README.md lists them with their oracles). */
extern const struct fuzz_target fuzz_targets[];
extern const size_t fuzz_ntargets;

const struct fuzz_target *fuzz_target_find(const char *name);

/*
 * What a broken oracle does: 1 (libFuzzer) aborts, so that the fuzzer keeps
 * the input; 0 (replay) prints and counts, so that every input is tried.
 */
extern int fuzz_abort_on_failure;
extern unsigned long fuzz_failures;

#endif
