/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The daemon's small SA reader (see hcasim_sa.h): builds SubnAdmGet MADs,
 * sends them to the SM's LID on QP1 and waits for the matching reply.
 */

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/umad.h>

#include "hcasim_sa.h"

#define MAD_LEN 256
#define SA_CLASS 0x03
#define SA_CLASS_VERSION 2
#define SA_METHOD_GET 0x01
#define SA_METHOD_GET_RESP 0x81
#define SA_ATTR_NODE_REC 0x0011
#define SA_ATTR_PORTINFO_REC 0x0012
#define SA_ATTR_PKEY_REC 0x0033
#define SA_ATTR_MCMEMBER_REC 0x0038
#define SA_DATA_OFF 56
#define SA_METHOD_GET_TABLE_RESP 0x92
/** PayloadLength counts the SA header (SM_Key to ComponentMask). */
#define SA_HDR_PAYLOAD 20
#define SA_QKEY 0x80010000
#define SA_TIMEOUT_MS 200
#define SA_TRIES 3

/** An SA reader (shared by threads: one query at a time). */
struct hcasim_sa {
	pthread_mutex_t lock;
	int fd;
	int agent;
	uint16_t sm_lid;
	uint8_t sm_sl;
	uint64_t sm_key;
	uint64_t tid;
	uint8_t buf[1024];
};

/**
 * Open the SA reader on the first CA port.
 *
 * @param sm_key  SM_Key sent with every query (P_Key tables need the
 *                SM's key; opensm's default is 1)
 * @param err     set to a negative errno on failure (may be NULL)
 * @return the reader or NULL
 */
struct hcasim_sa *
hcasim_sa_open(uint64_t sm_key, int *err)
{
	struct hcasim_sa *sa = calloc(1, sizeof(*sa));
	umad_port_t port;
	int ret;

	if (sa == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (umad_init() < 0) {
		ret = -ENODEV;
		goto fail;
	}
	ret = umad_get_port(NULL, 0, &port);
	if (ret < 0)
		goto fail;
	sa->sm_lid = (uint16_t)port.sm_lid;
	sa->sm_sl = (uint8_t)port.sm_sl;
	umad_release_port(&port);
	sa->fd = umad_open_port(NULL, 0);
	if (sa->fd < 0) {
		ret = sa->fd;
		goto fail;
	}
	sa->agent = umad_register(sa->fd, SA_CLASS, SA_CLASS_VERSION, 1, NULL);
	if (sa->agent < 0) {
		umad_close_port(sa->fd);
		ret = -EIO;
		goto fail;
	}
	sa->sm_key = sm_key;
	pthread_mutex_init(&sa->lock, NULL);
	sa->tid = (uint64_t)time(NULL) << 24;
	return sa;
fail:
	free(sa);
	if (err != NULL)
		*err = ret < 0 ? ret : -EIO;
	return NULL;
}

/** Close an SA reader. */
void
hcasim_sa_close(struct hcasim_sa *sa)
{
	if (sa == NULL)
		return;
	umad_unregister(sa->fd, sa->agent);
	umad_close_port(sa->fd);
	pthread_mutex_destroy(&sa->lock);
	free(sa);
}

/** Refresh the SM's LID from the local port (it may move). */
static void
sa_refresh_sm(struct hcasim_sa *sa)
{
	umad_port_t port;

	if (umad_get_port(NULL, 0, &port) == 0) {
		if (port.sm_lid != 0)
			sa->sm_lid = (uint16_t)port.sm_lid;
		sa->sm_sl = (uint8_t)port.sm_sl;
		umad_release_port(&port);
	}
}

/**
 * Send a SubnAdmGet and wait for its reply.
 *
 * @param attr   attribute ID
 * @param mask   component mask
 * @param rec    the template record (copied into the MAD data)
 * @param rlen   its length
 * @param out    receives the reply's record (rlen bytes)
 * @param key    the SM_Key to send (0: an untrusted query)
 * @return 0, -ENOENT (no such record), -ETIMEDOUT, -EREMOTEIO
 */
static int
sa_get_locked(struct hcasim_sa *sa, uint16_t attr, uint64_t mask,
	      const uint8_t *rec, size_t rlen, uint8_t *out, uint64_t key)
{
	uint8_t *umad = sa->buf;
	uint8_t *mad = umad_get_mad(umad);
	int tries;

	if (sa->sm_lid == 0)
		sa_refresh_sm(sa);
	for (tries = 0; tries < SA_TRIES; tries++) {
		uint64_t tid = htobe64(++sa->tid & 0xffffffff), m = htobe64(mask);
		uint64_t be_key = htobe64(key);
		uint16_t a = htobe16(attr);
		struct timespec t0, t1;
		long waited = 0;

		memset(umad, 0, umad_size() + MAD_LEN);
		mad[0] = 1;
		mad[1] = SA_CLASS;
		mad[2] = SA_CLASS_VERSION;
		mad[3] = SA_METHOD_GET;
		memcpy(mad + 8, &tid, 8);
		memcpy(mad + 16, &a, 2);
		memcpy(mad + 36, &be_key, 8);
		memcpy(mad + 48, &m, 8);
		memcpy(mad + SA_DATA_OFF, rec, rlen);
		umad_set_addr(umad, sa->sm_lid, 1, sa->sm_sl, SA_QKEY);
		if (umad_send(sa->fd, sa->agent, umad, MAD_LEN, SA_TIMEOUT_MS,
			      0) < 0) {
			sa_refresh_sm(sa);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (waited < SA_TIMEOUT_MS) {
			int len = MAD_LEN;
			uint16_t status;

			if (umad_recv(sa->fd, umad, &len,
				      SA_TIMEOUT_MS - (int)waited) < 0)
				break;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			waited = (t1.tv_sec - t0.tv_sec) * 1000 +
				 (t1.tv_nsec - t0.tv_nsec) / 1000000;
			/* the kernel owns the TID's high 32 bits */
			if (memcmp(mad + 12, (uint8_t *)&tid + 4, 4) != 0 ||
			    mad[3] != SA_METHOD_GET_RESP)
				continue;
			memcpy(&status, mad + 4, 2);
			status = be16toh(status);
			/* 3: ERR_REQ_NO_RECORDS (a Get that matched none) */
			if (status != 0)
				return (status >> 8) == 3 ||
				       (status >> 8) == 4 ? -ENOENT :
				       -EREMOTEIO;
			memcpy(out, mad + SA_DATA_OFF, rlen);
			return 0;
		}
		sa_refresh_sm(sa);
	}
	return -ETIMEDOUT;
}

/** sa_get_locked() under the reader's lock, with the reader's SM_Key. */
static int
sa_get(struct hcasim_sa *sa, uint16_t attr, uint64_t mask,
       const uint8_t *rec, size_t rlen, uint8_t *out)
{
	int ret;

	pthread_mutex_lock(&sa->lock);
	ret = sa_get_locked(sa, attr, mask, rec, rlen, out, sa->sm_key);
	pthread_mutex_unlock(&sa->lock);
	return ret;
}

/**
 * Frame a GetTable reply of len bytes as the one segment of an RMPP
 * transfer: RMPP version 1, type DATA, flags ACTIVE | FIRST | LAST,
 * segment number 1, PayloadLength = the SA header (20) + the records.
 */
static void
sa_rmpp_one_segment(uint8_t *mad, uint32_t len)
{
	uint32_t seg = htobe32(1);
	uint32_t paylen = htobe32(len - SA_DATA_OFF + SA_HDR_PAYLOAD);

	mad[24] = 1;
	mad[25] = 1;
	mad[26] = 0x7;
	mad[27] = 0;
	memcpy(mad + 28, &seg, 4);
	memcpy(mad + 32, &paylen, 4);
}

/**
 * Relay one SA MAD of a client (QP 1 traffic, hcasim_gsi.c): sent from
 * the daemon's own port with a TID of the daemon's, the reply (any
 * response method with that TID) is copied out with the client's TID
 * put back. One try: the client retries as it would on a real fabric.
 *
 * ibsim hands a reply over as umad does after reassembly: RMPP version
 * 0 and a length. On a link the MAD is 256 bytes whatever it holds, so
 * a GetTable reply shorter than that gets the RMPP header a real SA
 * sends with a one-segment table (DATA, ACTIVE | FIRST | LAST, segment
 * 1, PayloadLength = SA header + records). A reply of 256 bytes is
 * passed as it came (it may have been cut by ibsim: see doc/sa-client.md).
 *
 * @param in       the client's 256-byte MAD
 * @param out      receives the 256-byte reply
 * @param wait_ms  how long to wait for it
 * @return 0, -ETIMEDOUT (no reply) or -EIO (the send failed)
 */
int
hcasim_sa_relay(struct hcasim_sa *sa, const uint8_t *in, uint8_t *out,
		int wait_ms)
{
	uint8_t *umad = sa->buf;
	uint8_t *mad = umad_get_mad(umad);
	struct timespec t0, t1;
	uint8_t client_tid[8];
	long waited = 0;
	uint64_t tid;
	int ret = -ETIMEDOUT;

	pthread_mutex_lock(&sa->lock);
	if (sa->sm_lid == 0)
		sa_refresh_sm(sa);
	tid = htobe64(++sa->tid & 0xffffffff);
	memset(umad, 0, umad_size() + MAD_LEN);
	memcpy(mad, in, MAD_LEN);
	memcpy(client_tid, mad + 8, 8);
	memcpy(mad + 8, &tid, 8);
	umad_set_addr(umad, sa->sm_lid, 1, sa->sm_sl, SA_QKEY);
	if (umad_send(sa->fd, sa->agent, umad, MAD_LEN, wait_ms, 0) < 0) {
		sa_refresh_sm(sa);
		pthread_mutex_unlock(&sa->lock);
		return -EIO;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (waited < wait_ms) {
		int len = MAD_LEN;

		if (umad_recv(sa->fd, umad, &len, wait_ms - (int)waited) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		waited = (t1.tv_sec - t0.tv_sec) * 1000 +
			 (t1.tv_nsec - t0.tv_nsec) / 1000000;
		/* the kernel owns the TID's high 32 bits */
		if (memcmp(mad + 12, (uint8_t *)&tid + 4, 4) != 0 ||
		    !(mad[3] & 0x80))
			continue;
		memset(out, 0, MAD_LEN);
		memcpy(out, mad, len > 0 && len < MAD_LEN ? (size_t)len :
		       MAD_LEN);
		memcpy(out + 8, client_tid, 8);
		if (mad[3] == SA_METHOD_GET_TABLE_RESP && mad[24] == 0 &&
		    len >= SA_DATA_OFF && len < MAD_LEN)
			sa_rmpp_one_segment(out, (uint32_t)len);
		ret = 0;
		break;
	}
	if (ret != 0)
		sa_refresh_sm(sa);
	pthread_mutex_unlock(&sa->lock);
	return ret;
}

/** Read a big-endian 64-bit field. */
static uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

/** Read a big-endian 16-bit field. */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * Read the NodeRecord of a LID.
 *
 * @param out  filled: lid, node type, port number, GUIDs, description
 * @return 0 or a negative errno (-ENOENT: no port has this LID)
 */
int
hcasim_sa_get_node(struct hcasim_sa *sa, uint16_t lid,
		   struct hcasim_sa_port *out)
{
	uint8_t rec[108] = { 0 }, r[108];
	int ret;

	rec[0] = (uint8_t)(lid >> 8);
	rec[1] = (uint8_t)lid;
	ret = sa_get(sa, SA_ATTR_NODE_REC, 1, rec, sizeof(rec), r);
	if (ret < 0)
		return ret;
	memset(out, 0, sizeof(*out));
	out->lid = get16(r);
	out->node_type = r[6];
	out->node_guid = get64(r + 16);
	out->port_guid = get64(r + 24);
	out->port_num = r[40];
	memcpy(out->desc, r + 44, 64);
	out->desc[64] = '\0';
	return out->lid == lid ? 0 : -EPROTO;
}

/**
 * Read the PortInfoRecord of out->lid / out->port_num into out.
 *
 * @return 0 or a negative errno
 */
int
hcasim_sa_get_portinfo(struct hcasim_sa *sa, struct hcasim_sa_port *out)
{
	uint8_t rec[68] = { 0 }, r[68];
	const uint8_t *pi = r + 4;
	uint32_t cap;
	int ret;

	rec[0] = (uint8_t)(out->lid >> 8);
	rec[1] = (uint8_t)out->lid;
	rec[2] = out->port_num;
	ret = sa_get(sa, SA_ATTR_PORTINFO_REC, 0x3, rec, sizeof(rec), r);
	if (ret < 0)
		return ret;
	out->gid_prefix = get64(pi + 8);
	out->sm_lid = get16(pi + 18);
	memcpy(&cap, pi + 20, 4);
	out->capability_mask = be32toh(cap);
	out->state = pi[32] & 0xf;
	out->lmc = pi[34] & 0x7;
	out->mtu = pi[36] >> 4;
	out->sm_sl = pi[36] & 0xf;
	return 0;
}

/**
 * Read one block (32 entries) of a port's P_Key table.
 *
 * @return 0 or a negative errno
 */
int
hcasim_sa_get_pkeys(struct hcasim_sa *sa, uint16_t lid, uint8_t port,
		    uint16_t block, uint16_t pkeys[32])
{
	uint8_t rec[72] = { 0 }, r[72];
	unsigned int i;
	int ret;

	rec[0] = (uint8_t)(lid >> 8);
	rec[1] = (uint8_t)lid;
	rec[2] = (uint8_t)(block >> 8);
	rec[3] = (uint8_t)block;
	rec[4] = port;
	ret = sa_get(sa, SA_ATTR_PKEY_REC, 0x7, rec, sizeof(rec), r);
	if (ret < 0)
		return ret;
	for (i = 0; i < 32; i++)
		pkeys[i] = get16(r + 8 + 2 * i);
	return 0;
}

/**
 * Whether a port is a member of a multicast group: a SubnAdmGet of the
 * MCMemberRecord with the MGID and the port GID as components.
 *
 * @param mgid      the group (16 bytes, network order)
 * @param port_gid  the port (16 bytes, network order)
 * @return 1 (member), 0 (no such record) or a negative errno
 */
int
hcasim_sa_is_member(struct hcasim_sa *sa, const uint8_t *mgid,
		    const uint8_t *port_gid)
{
	uint8_t rec[52] = { 0 }, r[52];
	int ret;

	memcpy(rec, mgid, 16);
	memcpy(rec + 16, port_gid, 16);
	ret = sa_get(sa, SA_ATTR_MCMEMBER_REC, 0x3, rec, sizeof(rec), r);
	if (ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : 1;
}
