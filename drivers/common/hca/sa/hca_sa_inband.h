/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SA_INBAND_H
#define HCA_SA_INBAND_H

/**
 * @file
 * The SA client's in-band transport: a UD QP of the client's own
 * (hca_sa_inband.c).
 */

#include "hca_sa_priv.h"

/** The transport's table (hca_sa_core.c picks it at open). */
extern const struct hca_sa_transport_ops hca_sa_inband_ops;

#endif /* HCA_SA_INBAND_H */
