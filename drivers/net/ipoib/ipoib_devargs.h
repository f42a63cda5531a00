/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_DEVARGS_H
#define IPOIB_DEVARGS_H

/**
 * @file
 * The devargs of a net_ipoib port: the one list that names them
 * (IPOIB_DEVARGS) and their parser; the values go to struct ipoib_args
 * (ipoib.h). The parser's table, its error messages and the driver's
 * registered parameter string all come from that list.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "hca_sa.h"
#include "ipoib.h"

/** Range of port=: the IB port numbers of a CA. */
#define IPOIB_DEVARG_PORT_MIN 1
#define IPOIB_DEVARG_PORT_MAX 254
/** Range of peers=: the peer cache's capacity (IPOIB_PEER_MAX at most). */
#define IPOIB_DEVARG_PEERS_MIN 1
#define IPOIB_DEVARG_PEERS_MAX 65535

/** "<min..max>" of two integer constants, as a string literal. */
#define IPOIB_DEVARG_RANGE(min, max) "<" RTE_STR(min) ".." RTE_STR(max) ">"

/**
 * The devargs, in the order they are documented: one
 * X(key, parser, syntax, meaning) each, SEP between two.
 *
 * - key: the devarg's name (an identifier, stringified);
 * - parser: the function of ipoib_devargs.c that checks a value and
 *   stores it in struct ipoib_args;
 * - syntax: the values accepted, as a string literal ("<1..254>",
 *   "<raw|eth>");
 * - meaning: what the devarg sets, in one line.
 *
 * Key and syntax make the parameter string (IPOIB_DEVARGS_PARAM_STRING);
 * all four make the parser's table and its error messages.
 */
#define IPOIB_DEVARGS(X, SEP) \
	X(ibdev, ipoib_devarg_ibdev, "<CA name>", \
	  "the name of the CA to use, shorter than " \
	  RTE_STR(HCA_CA_NAME_LEN) " characters (the first CA when " \
	  "not given; on hardware the kernel route; not with pci=)") SEP \
	X(pci, ipoib_devarg_pci, "<DDDD:BB:DD.F>", \
	  "the PCI address of a ConnectX function bound to vfio-pci " \
	  "(the VFIO route; not with ibdev=)") SEP \
	X(port, ipoib_devarg_port, \
	  IPOIB_DEVARG_RANGE(IPOIB_DEVARG_PORT_MIN, IPOIB_DEVARG_PORT_MAX), \
	  "the CA's port number") SEP \
	X(pkey, ipoib_devarg_pkey, "<0x0001..0xffff>", \
	  "the P_Key; its partition (low 15 bits) is not 0, the " \
	  "full-member bit 0x8000 is added") SEP \
	X(mode, ipoib_devarg_mode, "<raw|eth>", \
	  "what applications see: the IPoIB header with peer keys (raw) " \
	  "or Ethernet (eth)") SEP \
	X(peers, ipoib_devarg_peers, \
	  IPOIB_DEVARG_RANGE(IPOIB_DEVARG_PEERS_MIN, IPOIB_DEVARG_PEERS_MAX), \
	  "the peer cache's capacity") SEP \
	X(grh, ipoib_devarg_grh, "<always|auto>", \
	  "a GRH on every send (always), or none on unicast inside the " \
	  "subnet (auto)") SEP \
	X(sa, ipoib_devarg_sa, "<umad|inband>", \
	  "how the SA is reached: libibumad (umad) or in band, from a UD " \
	  "QP of the port's own (inband)")

/** X of IPOIB_DEVARGS for the parameter string: "key=syntax". */
#define IPOIB_DEVARG_PARAM(key, parser, syntax, meaning) #key "=" syntax

/**
 * The parameter string of RTE_PMD_REGISTER_PARAM_STRING, a string
 * literal: "ibdev=<CA name> port=<1..254> ... grh=<always|auto>".
 */
#define IPOIB_DEVARGS_PARAM_STRING IPOIB_DEVARGS(IPOIB_DEVARG_PARAM, " ")

/**
 * Parse the devargs of a vdev into a: the defaults, then each key=value
 * of params in order. An unknown key or a bad value is logged (the
 * message names the key, the value and what is accepted) and fails.
 *
 * @param name
 *   The vdev's name, for the messages.
 * @param params
 *   The devargs ("key=value,key=value"), or NULL or "" for the defaults.
 * @param a
 *   Filled in.
 * @return
 *   0, or -EINVAL
 */
int ipoib_devargs_parse(const char *name, const char *params,
			struct ipoib_args *a);

#endif /* IPOIB_DEVARGS_H */
