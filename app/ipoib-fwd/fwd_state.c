/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The shared state of ipoib-fwd, and nothing else (no functions): the
 * configuration (written while the arguments are read, read-only once
 * forwarding starts), the lcores, the mbuf pool, the link states
 * (written by the main lcore) and the stop flag (set by a signal or the
 * duration). Every module may read it; it calls no module.
 */

#include "fwd.h"

struct fwd_config fwd_cfg;
struct fwd_lcore fwd_lcores[FWD_MAX_LCORES];
unsigned int fwd_nb_lcores;
struct rte_mempool *fwd_pool;
volatile bool fwd_quit;
volatile bool fwd_link_up[FWD_MAX_PORTS];
