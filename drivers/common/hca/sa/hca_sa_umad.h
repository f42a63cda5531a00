/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SA_UMAD_H
#define HCA_SA_UMAD_H

/**
 * @file
 * The SA client's transport over libibumad (hca_sa_umad.c).
 */

#include "hca_sa_priv.h"

/** The transport's table (hca_sa_core.c picks it at open). */
extern const struct hca_sa_transport_ops hca_sa_umad_ops;

#endif /* HCA_SA_UMAD_H */
