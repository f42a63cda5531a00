/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The table of forwarding engines of ipoib-fwd. Adding a mode: write
 * fwd_mode_<name>.c (a struct fwd_engine fwd_engine_<name>), add its
 * name to FWD_ENGINES below and the file to meson.build.
 */

#include <stdio.h>
#include <string.h>

#include "fwd_engines.h"

/** The modes, in the order --help lists them; the first is the default. */
#define FWD_ENGINES(X) X(io) X(macswap) X(l2) X(l3)

#define FWD_ENGINE_DECLARE(name) extern const struct fwd_engine \
	fwd_engine_##name;
#define FWD_ENGINE_ENTRY(name) &fwd_engine_##name,

FWD_ENGINES(FWD_ENGINE_DECLARE)

const struct fwd_engine *const fwd_engines[] = {
	FWD_ENGINES(FWD_ENGINE_ENTRY)
	NULL
};

/**
 * Find an engine by name.
 *
 * @param name  a mode name ("io", "l3", ...)
 * @return the engine, or NULL when there is none of that name
 */
const struct fwd_engine *
fwd_engine_find(const char *name)
{
	unsigned int i;

	for (i = 0; fwd_engines[i] != NULL; i++)
		if (strcmp(fwd_engines[i]->name, name) == 0)
			return fwd_engines[i];
	return NULL;
}

/**
 * Write the engines' names, in table order, separated by sep ("io|l2",
 * "io, l2"): for the usage and the refusal of an unknown mode.
 *
 * @param buf  filled with the list (truncated to len)
 * @param len  size of buf
 * @param sep  what goes between two names
 */
void
fwd_engine_names(char *buf, size_t len, const char *sep)
{
	size_t used = 0;
	unsigned int i;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; fwd_engines[i] != NULL && used < len; i++) {
		n = snprintf(buf + used, len - used, "%s%s",
			     i == 0 ? "" : sep, fwd_engines[i]->name);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}
