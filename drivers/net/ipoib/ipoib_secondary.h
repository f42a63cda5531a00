/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_SECONDARY_H
#define IPOIB_SECONDARY_H

/**
 * @file
 * A port seen from a secondary process (ipoib_secondary.c).
 */


struct rte_vdev_device;
int ipoib_secondary_probe(struct rte_vdev_device *vdev);

#endif /* IPOIB_SECONDARY_H */
