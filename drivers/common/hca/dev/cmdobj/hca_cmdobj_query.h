/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_CMDOBJ_QUERY_H
#define HCA_CMDOBJ_QUERY_H

/**
 * @file
 * The port query of a command-driven backend:
 * QUERY_HCA_VPORT_CONTEXT, _GID and _PKEY and the PMTU register, with the
 * capabilities read at open (QUERY_HCA_CAP).
 */

#include "hca_cmdobj.h"

/**
 * The port's attributes now (struct hca_dev_ops.query).
 *
 * @return 0 or a negative errno (the failed command logged)
 */
int hca_cmdobj_query(struct hca_dev *dev, struct hca_dev_attr *attr);

#endif /* HCA_CMDOBJ_QUERY_H */
