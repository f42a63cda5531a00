/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FUZZ_SA_H
#define IPOIB_FUZZ_SA_H

/**
 * @file
 * Input format of the SA reply harness (fuzz_sa_reply.c), shared with the
 * corpus generator: byte 0 picks the request the reply answers
 * (modulo FUZZ_SA_KINDS), the remaining bytes are the reply MAD exactly as
 * umad_recv() hands it over (a reassembled RMPP reply may exceed 256
 * bytes).
 */

#include <stdint.h>

/** The requests the SA client sends, one per consumer of a reply. */
enum fuzz_sa_kind {
	FUZZ_SA_PATH,           /**< Get(PathRecord), hca_sa_query_path */
	FUZZ_SA_MCM_JOIN,       /**< Set(MCMemberRecord), join */
	FUZZ_SA_MCM_QUERY,      /**< GetTable(MCMemberRecord), query */
	FUZZ_SA_MCM_LEAVE,      /**< Delete(MCMemberRecord), leave */
	FUZZ_SA_NODE_TABLE,     /**< GetTable(NodeRecord) */
	FUZZ_SA_NODE_GET,       /**< Get(NodeRecord) by LID or port GUID */
	FUZZ_SA_PORTINFO_TABLE, /**< GetTable(PortInfoRecord) */
	FUZZ_SA_PKEY_GET,       /**< Get(PKeyTableRecord), one block */
	FUZZ_SA_SWITCH_TABLE,   /**< GetTable(SwitchInfoRecord) */
	FUZZ_SA_SMP_PORTINFO,   /**< directed-route SMP Get(PortInfo) */
	FUZZ_SA_KINDS
};

/** TID of every request (only its low 32 bits must come back). */
#define FUZZ_SA_TID 0x00000000c0de0001ULL

/** The DGID a path request asks about (fe80::2:c9ff:fe00:102). */
#define FUZZ_SA_DGID { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, \
	0x00, 0x02, 0xc9, 0xff, 0xfe, 0x00, 0x01, 0x02 }

/** The MGID a multicast request is about (the IPoIB broadcast group). */
#define FUZZ_SA_MGID { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0, 0, \
	0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }

#endif /* IPOIB_FUZZ_SA_H */
