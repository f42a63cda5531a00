/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_ENGINES_H
#define IPOIB_FWD_ENGINES_H

/**
 * @file
 * The table of forwarding engines of ipoib-fwd (fwd_engines.c).
 */

#include <stddef.h>

#include "fwd_engine.h"

/** The engines, NULL-terminated; the first is the default mode. */
extern const struct fwd_engine *const fwd_engines[];

const struct fwd_engine *fwd_engine_find(const char *name);
void fwd_engine_names(char *buf, size_t len, const char *sep);

#endif /* IPOIB_FWD_ENGINES_H */
