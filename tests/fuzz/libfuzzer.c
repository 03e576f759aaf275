/*
 * libFuzzer's entry for one target, named by FUZZ_TARGET at compile time
 * (tests/fuzz/meson.build builds fuzz-NAME for each, with -Dfuzz=true).
 */
#include <stdio.h>
#include <stdlib.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct fuzz_target *t;

	if (!t) {
		t = fuzz_target_find(FUZZ_TARGET);
		if (!t) {
			fprintf(stderr, "no fuzz target '%s'\n", FUZZ_TARGET);
			abort();
		}
		fuzz_abort_on_failure = 1;
	}
	t->one(data, size);
	return 0;
}
