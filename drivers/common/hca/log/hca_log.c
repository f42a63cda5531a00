/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Logging for the DPDK-free part of the HCA layer (see hca_log.h).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hca_log.h"

static hca_log_handler_t log_handler;
static int stderr_level = -1;

/**
 * Default handler: print to stderr when the level is at or below
 * HCA_LOG_LEVEL (a number, default NOTICE).
 */
static void
hca_log_to_stderr(int level, const char *msg)
{
	if (stderr_level < 0) {
		const char *env = getenv("HCA_LOG_LEVEL");

		stderr_level = env != NULL ? atoi(env) : HCA_LOG_NOTICE;
	}
	if (level <= stderr_level)
		fputs(msg, stderr);
}

/** Route this layer's messages to a handler (NULL restores stderr). */
void
hca_log_set_handler(hca_log_handler_t handler)
{
	log_handler = handler;
}

/** Format a message and hand it to the current handler. */
void
hca_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_handler != NULL)
		log_handler(level, msg);
	else
		hca_log_to_stderr(level, msg);
}
