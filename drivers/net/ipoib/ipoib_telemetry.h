/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_TELEMETRY_H
#define IPOIB_TELEMETRY_H

/**
 * @file
 * The telemetry commands of the driver (ipoib_telemetry.c).
 */


void ipoib_telemetry_register(void);

#endif /* IPOIB_TELEMETRY_H */
