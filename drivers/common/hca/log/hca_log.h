/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_LOG_H
#define HCA_LOG_H

/**
 * @file
 * Logging for the DPDK-free part of the HCA layer. Messages go to a
 * handler: stderr by default (level from the HCA_LOG_LEVEL environment
 * variable, default NOTICE), or rte_log with type pmd.common.hca once
 * librte_common_hca is loaded.
 */

/** Levels, numbered as RTE_LOG_* (and syslog). */
enum hca_log_level {
	HCA_LOG_ERR = 4,
	HCA_LOG_WARNING = 5,
	HCA_LOG_NOTICE = 6,
	HCA_LOG_INFO = 7,
	HCA_LOG_DEBUG = 8,
};

/** A log handler: gets the level and the formatted message (with '\n'). */
typedef void (*hca_log_handler_t)(int level, const char *msg);

/** Route this layer's messages to a handler (NULL restores stderr). */
void hca_log_set_handler(hca_log_handler_t handler);

/** Log a printf-style message at a level. */
void hca_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Log with a level name (ERR, WARNING, NOTICE, INFO, DEBUG). */
#define HCA_LOG(level, fmt, ...) \
	hca_log(HCA_LOG_ ## level, "hca: " fmt "\n", ##__VA_ARGS__)

#endif /* HCA_LOG_H */
