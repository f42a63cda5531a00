/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_STATS_H
#define IPOIB_FWD_STATS_H

/**
 * @file
 * Statistics of ipoib-fwd (fwd_stats.c): periodic lines, the summary,
 * the JSON file.
 */

#include <stdbool.h>

void fwd_stats_start(void);
void fwd_stats_tick(bool force);
void fwd_stats_summary(void);
int fwd_stats_write_json(const char *path, bool final);

#endif /* IPOIB_FWD_STATS_H */
