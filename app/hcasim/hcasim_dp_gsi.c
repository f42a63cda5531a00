/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The data path's side of QP 1 of the SM's port (hcasim_gsi.h): a
 * datagram a client sends to QPN 1 goes to the SA relay, checked first;
 * the relay's replies are delivered as UD receives from (SM LID, QPN 1).
 * Runs on the data path thread.
 */

#include <endian.h>
#include <string.h>

#include "hcasim.h"
#include "hcasim_dp.h"
#include "hcasim_gsi.h"

/** The GSI as a sender: the source QPN its replies carry. */
static struct hcasim_qp gsi_source = { .wire_qpn = HCASIM_GSI_QPN };

/**
 * Whether a MAD changes a membership of another port than the sender's:
 * a Set or Delete of an MCMemberRecord whose PortGID (record bytes
 * 16..31) is not the sending port's GID. opensm takes the relay's MADs
 * from the SM's own port, which may join any port: the daemon checks
 * what the SA cannot.
 */
static bool
gsi_forged(const struct hcasim_dp_pkt *p, const uint8_t *mad)
{
	const struct hcasim_port *gp = p->sport;
	uint64_t gid[2];

	if (mad[1] != 0x03 || (mad[3] != 0x02 && mad[3] != 0x15) ||
	    mad[16] != 0x00 || mad[17] != 0x38)
		return false; /* not SA Set/Delete(MCMemberRecord) */
	gid[0] = htobe64(__atomic_load_n(&gp->gid_prefix, __ATOMIC_RELAXED));
	gid[1] = htobe64(__atomic_load_n(&gp->port_guid, __ATOMIC_RELAXED));
	return memcmp(mad + 56 + 16, gid, sizeof(gid)) != 0;
}

/**
 * Hand a datagram to QPN 1 to the relay: one MAD, to the port's SM LID,
 * with the GSI's Q_Key, not about another port's memberships; anything
 * else is counted there and dropped.
 */
void
hcasim_dp_gsi_send(struct hcasim *h, struct hcasim_dp_pkt *p)
{
	uint8_t mad[HCASIM_GSI_MAD_LEN];
	struct hcasim_port *sport = p->sport;
	bool to_sm = p->s.dlid == __atomic_load_n(&sport->sm_lid,
						  __ATOMIC_RELAXED) &&
		     p->s.qkey == HCASIM_GSI_QKEY;
	bool forged = false;

	if (p->s.len == HCASIM_GSI_MAD_LEN) {
		hcasim_dp_payload_copy(mad, p);
		forged = gsi_forged(p, mad);
	}
	hcasim_gsi_submit(h, (uint16_t)(sport - h->ports), p->sqp->wire_qpn,
			  p->pkey, to_sm, forged, mad, p->s.len);
}

/**
 * Deliver the SA's replies the relay queued: a UD receive from (SM LID,
 * QPN 1) with Q_Key 0x80010000 into the asking QP, checked as any
 * datagram (state, P_Key, Q_Key, buffer).
 *
 * @return replies handled
 */
unsigned int
hcasim_dp_gsi_deliver(struct hcasim *h)
{
	uint8_t mad[HCASIM_GSI_MAD_LEN];
	unsigned int n = 0;
	uint16_t port, pkey;
	uint32_t qpn;

	while (hcasim_gsi_take_reply(h, &port, &qpn, &pkey, mad)) {
		struct hcasim_port *dport = &h->ports[port];
		struct hcasim_qp *rqp = hcasim_qp_lookup(h, qpn);
		struct iovec iov = { mad, sizeof(mad) };
		struct hcasim_dp_pkt p;

		n++;
		if (rqp == NULL || rqp->port != dport ||
		    rqp->kind != HCASIM_Q_QP) {
			hcasim_gsi_count_undeliverable(h);
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.s.len = sizeof(mad);
		p.s.qkey = HCASIM_GSI_QKEY;
		p.s.sl = __atomic_load_n(&dport->sm_sl, __ATOMIC_RELAXED);
		p.sqp = &gsi_source;
		p.sport = dport;
		p.slid = __atomic_load_n(&dport->sm_lid, __ATOMIC_RELAXED);
		p.pkey = pkey;
		p.out_iov = &iov;
		p.out_cnt = 1;
		hcasim_dp_deliver(h, &p, rqp, NULL, 0);
	}
	return n;
}
