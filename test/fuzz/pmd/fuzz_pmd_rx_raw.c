/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness pmd_rx_raw: received completions through the production
 * receive burst of mode=raw (see fuzz_pmd_rx.c for the input and checks).
 */

#include "fuzz.h"
#include "fuzz_pmd.h"
#include "fuzz_pmd_rx.h"

/**
 * libFuzzer's set-up hook: create the fake port (EAL, pool, peers)
 * before the first input, so that its allocations are not taken for
 * leaks of an input.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_pmd_port(false);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pmd_rx(data, size, false);
	return 0;
}
