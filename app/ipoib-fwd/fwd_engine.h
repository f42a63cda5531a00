/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_ENGINE_H
#define IPOIB_FWD_ENGINE_H

/**
 * @file
 * Forwarding engines of ipoib-fwd: one per mode, each in its own file
 * (fwd_mode_<name>.c) defining a struct fwd_engine named
 * fwd_engine_<name>, listed once in the table of fwd_engines.c. Main
 * calls an engine's hooks; an engine never calls main, the table or
 * another engine.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fwd.h"

/**
 * A forwarding mode. Only name and burst are required; a NULL hook
 * means "nothing to do".
 */
struct fwd_engine {
	/** the name --mode and "mode" in the config file take */
	const char *name;
	/** it needs Ethernet frames: raw net_ipoib ports are refused */
	bool ethernet;
	/**
	 * After the ports are up, before forwarding: build the mode's
	 * tables. Returns 0, or non-zero with a message printed.
	 */
	int (*setup)(void);
	/**
	 * Forward a burst received on a port (index into fwd_cfg.ports),
	 * on any lcore: every packet is sent (fwd_tx_enqueue), held or
	 * dropped (fwd_drop).
	 */
	void (*burst)(struct fwd_lcore *lc, uint16_t port,
		      struct rte_mbuf **m, unsigned int n);
	/** The main lcore's control work between bursts. */
	void (*control)(struct fwd_lcore *lc);
	/**
	 * After the lcores stopped, before the pool is checked: free the
	 * packets the mode still holds.
	 */
	void (*drain)(void);
	/** At exit, after the statistics: free the mode's tables. */
	void (*teardown)(void);
};

#endif /* IPOIB_FWD_ENGINE_H */
