/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The SA client's umad transport: libibumad (the kernel's ib_umad, or
 * ibsim's preload library) carries the MADs. The port and agent are
 * shared by the clients of a process (hca_sa_share.c).
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/umad.h>

#include "hca_log.h"
#include "hca_sa_umad.h"

/** The SA's QP and Q_Key (IBA 15.4). */
#define SA_QPN 1
#define SA_QKEY 0x80010000
/** Room for libibumad's header in a send buffer. */
#define SEND_BUF_LEN 512
/** Initial receive buffer: 16 MADs (grows for reassembled tables). */
#define RBUF_INITIAL (16 * HCA_MAD_SIZE)

/** Read the port's LID, SM and GID into the client; 0 or -ENODEV. */
static int
umad_read_port(struct hca_sa *sa, const char *ca_name, int port)
{
	umad_port_t up;

	memset(&up, 0, sizeof(up));
	if (umad_get_port(ca_name, port, &up) < 0)
		return -ENODEV;
	memcpy(sa->ca_name, up.ca_name, sizeof(sa->ca_name));
	sa->ca_name[sizeof(sa->ca_name) - 1] = '\0';
	sa->port_num = up.portnum;
	sa->lid = (uint16_t)up.base_lid;
	sa->sm_lid = (uint16_t)up.sm_lid;
	sa->sm_sl = (uint8_t)up.sm_sl;
	sa->port_gid.global.subnet_prefix = up.gid_prefix;
	sa->port_gid.global.interface_id = up.port_guid;
	umad_release_port(&up);
	return 0;
}

/** Open the umad port and register an SA agent that asks for RMPP. */
static int
umad_open_agent(struct hca_sa *sa)
{
	sa->portid = umad_open_port(sa->ca_name, sa->port_num);
	if (sa->portid < 0)
		return -ENODEV;
	sa->agent = umad_register(sa->portid, HCA_MGMT_CLASS_SA,
				  HCA_SA_CLASS_VERSION, 1, NULL);
	if (sa->agent < 0) {
		umad_close_port(sa->portid);
		sa->portid = -1;
		return -EACCES;
	}
	sa->fd = umad_get_fd(sa->portid);
	return 0;
}

/** Open the transport: port, shared agent, receive buffer. */
static int
umad_tp_open(struct hca_sa *sa, const char *ca_name, int port)
{
	int ret;

	if (umad_init() < 0)
		return -ENODEV;
	ret = umad_read_port(sa, ca_name, port);
	if (ret == 0)
		ret = hca_sa_share_port_open(sa, umad_open_agent);
	if (ret != 0)
		return ret;
	/* umad_size() depends on the ABI found by umad_open_port(). */
	sa->rbuf_len = RBUF_INITIAL;
	sa->rbuf = calloc(1, umad_size() + sa->rbuf_len);
	if (sa->rbuf == NULL) {
		hca_sa_share_port_close(sa);
		return -ENOMEM;
	}
	return 0;
}

/** Close the transport (the port when this was its last client). */
static void
umad_tp_close(struct hca_sa *sa)
{
	hca_sa_share_port_close(sa);
	free(sa->rbuf);
	sa->rbuf = NULL;
}

/** Send one MAD to the SM's LID, QPN 1, with the controlled Q_Key. */
static int
umad_tp_send(struct hca_sa *sa, const uint8_t *mad, unsigned int wait_ms)
{
	_Alignas(8) uint8_t ub[SEND_BUF_LEN];

	if (umad_size() + HCA_MAD_SIZE > sizeof(ub))
		return -ENOSPC; /* cannot happen with ABI 5 */
	memset(ub, 0, sizeof(ub));
	memcpy(umad_get_mad(ub), mad, HCA_MAD_SIZE);
	umad_set_addr(ub, sa->sm_lid, SA_QPN, sa->sm_sl, SA_QKEY);
	if (umad_send(sa->portid, sa->agent, ub, HCA_MAD_SIZE, (int)wait_ms,
		      0) < 0)
		return -EIO;
	return 0;
}

/** Make the receive buffer hold need bytes of MAD; 0 or -ENOMEM. */
static int
umad_grow_rbuf(struct hca_sa *sa, size_t need)
{
	uint8_t *nb;

	if (need <= sa->rbuf_len)
		return 0;
	if (need > HCA_SA_MAX_REPLY)
		return -ENOMEM;
	nb = realloc(sa->rbuf, umad_size() + need);
	if (nb == NULL)
		return -ENOMEM;
	sa->rbuf = nb;
	sa->rbuf_len = need;
	return 0;
}

/**
 * Take the next waiting MAD without blocking (readiness is checked with
 * poll() first: never block in read()). The buffer grows for a
 * reassembled RMPP table.
 */
static int
umad_tp_recv(struct hca_sa *sa, const uint8_t **mad)
{
	for (;;) {
		struct pollfd pfd = { .fd = sa->fd, .events = POLLIN };
		int len = (int)sa->rbuf_len;
		int ret;

		if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
			return 0;
		ret = umad_recv(sa->portid, sa->rbuf, &len, 0);
		if (ret == -ENOSPC && len > 0) {
			if (umad_grow_rbuf(sa, (size_t)len) != 0) {
				HCA_LOG(ERR, "SA reply of %d bytes too big",
					len);
				return -ENOMEM;
			}
			continue;
		}
		if (ret < 0)
			return 0; /* nothing more (or a transient error) */
		if (umad_status(sa->rbuf) != 0)
			continue; /* the kernel gave up on a send: we retry */
		if (len < 0 || (size_t)len > sa->rbuf_len)
			continue;
		*mad = umad_get_mad(sa->rbuf);
		return len;
	}
}

/** Wait for the umad fd to become readable, up to ms. */
static int
umad_tp_wait(struct hca_sa *sa, int ms)
{
	struct pollfd pfd = { .fd = sa->fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/** Refresh the SM LID (it may have moved) before resending. */
static void
umad_tp_refresh_sm(struct hca_sa *sa)
{
	umad_port_t up;

	memset(&up, 0, sizeof(up));
	if (umad_get_port(sa->ca_name, sa->port_num, &up) < 0)
		return;
	sa->sm_lid = (uint16_t)up.sm_lid;
	sa->sm_sl = (uint8_t)up.sm_sl;
	umad_release_port(&up);
}

/** The umad transport. */
const struct hca_sa_transport_ops hca_sa_umad_ops = {
	.name = "umad",
	.open = umad_tp_open,
	.close = umad_tp_close,
	.send = umad_tp_send,
	.recv = umad_tp_recv,
	.wait = umad_tp_wait,
	.refresh_sm = umad_tp_refresh_sm,
};
