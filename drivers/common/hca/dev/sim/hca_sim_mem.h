/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SIM_MEM_H
#define HCA_SIM_MEM_H

/**
 * @file
 * What the soft HCA adds to the command-made objects (struct
 * hca_cmdobj_hooks): the daemon maps memory from an fd, not from an
 * address, so queue memory is a sealed memfd mapped on this side and a
 * memory region must name the fd behind it; commands stop once the
 * connection is lost.
 */

#include "hca_cmdobj_port.h"

/** The soft HCA's hooks (the port's cmd.ctx is a hca_sim_transport). */
extern const struct hca_cmdobj_hooks hca_sim_hooks;

#endif /* HCA_SIM_MEM_H */
