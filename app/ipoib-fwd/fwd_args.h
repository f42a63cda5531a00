/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_ARGS_H
#define IPOIB_FWD_ARGS_H

/**
 * @file
 * The command line of ipoib-fwd (fwd_args.c).
 */

#include <stdio.h>

int fwd_parse_args(int argc, char **argv);
void fwd_usage(FILE *out);

#endif /* IPOIB_FWD_ARGS_H */
