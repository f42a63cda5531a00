/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_SA_H
#define HCASIM_SA_H

/**
 * @file
 * The daemon's own small SA reader: single-record SubnAdmGet queries by
 * LID (NodeRecord, PortInfoRecord, P_KeyTableRecord) through libibumad.
 * Single-record Gets need no RMPP, so they work under ibsim's umad2sim
 * preload, which does not reassemble multi-segment GetTable replies.
 */

#include <stdint.h>

/** What the daemon learns about one CA port. */
struct hcasim_sa_port {
	uint16_t lid;
	uint8_t node_type;
	uint8_t port_num;
	uint64_t node_guid;
	uint64_t port_guid;
	char desc[65];
	/* from the PortInfoRecord */
	uint64_t gid_prefix;
	uint16_t sm_lid;
	uint8_t state;
	uint8_t lmc;
	uint8_t mtu;
	uint8_t sm_sl;
	uint32_t capability_mask;
};

struct hcasim_sa;

/** Open the SA reader on the first CA port; NULL with *err on failure. */
struct hcasim_sa *hcasim_sa_open(uint64_t sm_key, int *err);
/** Close it. */
void hcasim_sa_close(struct hcasim_sa *sa);
/** NodeRecord of a LID; -ENOENT when no port has it. */
int hcasim_sa_get_node(struct hcasim_sa *sa, uint16_t lid,
		       struct hcasim_sa_port *out);
/** Fill the PortInfoRecord part of out (out->lid, out->port_num set). */
int hcasim_sa_get_portinfo(struct hcasim_sa *sa, struct hcasim_sa_port *out);
/** Read one 32-entry block of a port's P_Key table. */
int hcasim_sa_get_pkeys(struct hcasim_sa *sa, uint16_t lid, uint8_t port,
			uint16_t block, uint16_t pkeys[32]);

/**
 * Whether a port is a member of a multicast group (one SubnAdmGet of
 * its MCMemberRecord by MGID and port GID, with the SM_Key).
 *
 * @return 1 (member), 0 (not: no such record) or a negative errno
 */
int hcasim_sa_is_member(struct hcasim_sa *sa, const uint8_t *mgid,
			const uint8_t *port_gid);

/**
 * Relay a client's SA MAD to the SM and copy out its reply (client's
 * TID restored); 0, -ETIMEDOUT or -EIO.
 */
int hcasim_sa_relay(struct hcasim_sa *sa, const uint8_t *in, uint8_t *out,
		    int wait_ms);

#endif /* HCASIM_SA_H */
