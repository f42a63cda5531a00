/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's multicast membership, keyed by MGID as a ConnectX keys
 * its multicast table: an attachment names a QP and an MGID (no MLID),
 * and a multicast datagram reaches the QPs attached to the DGID of its
 * GRH (hcasim_dp.c). The table is a fixed array of buckets chosen by a
 * keyed hash of the MGID; a bucket is an immutable list of (QP, MGID)
 * members that the control thread replaces (copy, release store,
 * hcasim_dp_sync(), free) and the data path reads without a lock (see
 * hcasim.h for the publication rule). Control thread only.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "hcasim.h"
#include "hca_log.h"

/****************************************************************************
 * The table
 ****************************************************************************/

/**
 * Choose the bucket hash's key, so that which MGIDs share a bucket cannot
 * be known (nor forced) by a client. Falls back to the clock when the
 * kernel gives no random bytes.
 *
 * @param h  the daemon (before the data path starts)
 */
void
hcasim_mcg_init(struct hcasim *h)
{
	struct timespec ts;
	uint64_t seed;
	unsigned int i;

	if (getrandom(h->mcg_key, sizeof(h->mcg_key), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(h->mcg_key))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_sec << 30 ^ (uint64_t)ts.tv_nsec;
	for (i = 0; i < HCASIM_MCG_KEY_WORDS; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		h->mcg_key[i] = seed;
	}
}

/**
 * Count the members of one group in a bucket.
 *
 * @param m     the bucket's list, or NULL
 * @param mgid  the group
 * @return how many QPs are attached to it
 */
static uint32_t
mcg_group_size(const struct hcasim_mcg *m, const uint8_t *mgid)
{
	uint32_t i, n = 0;

	for (i = 0; m != NULL && i < m->n; i++)
		if (memcmp(m->m[i].mgid, mgid, 16) == 0)
			n++;
	return n;
}

/**
 * Publish a bucket's new list, wait for the data path, free the old one.
 *
 * @param b  the bucket
 * @param n  its new list (NULL: empty)
 * @param m  the list it replaces
 */
static void
mcg_publish(struct hcasim *h, uint32_t b, struct hcasim_mcg *n,
	    struct hcasim_mcg *m)
{
	__atomic_store_n(&h->mcg_table[b], n, __ATOMIC_RELEASE);
	hcasim_dp_sync(h);
	free(m);
}

/****************************************************************************
 * Attach and detach
 ****************************************************************************/

/**
 * Attach a QP to the multicast group of an MGID (ATTACH_TO_MCG).
 *
 * @param qpn   the QP (the client's own)
 * @param mgid  the group (16 bytes, network order; first byte 0xff)
 * @return 0, -EINVAL (not the client's QP, not a multicast GID), -EDQUOT
 *         (the client's limit, counted), -EEXIST (attached already),
 *         -ENOSPC (the group is full), -ENOMEM
 */
int
hcasim_mcast_attach(struct hcasim *h, struct hcasim_client *c, uint32_t qpn,
		    const uint8_t *mgid)
{
	struct hcasim_qp *qp = hcasim_qp_lookup(h, qpn);
	struct hcasim_mcg *m, *n;
	uint32_t b, i, cnt;

	if (qp == NULL || qp->owner != c || qp->kind != HCASIM_Q_QP ||
	    mgid[0] != 0xff)
		return -EINVAL;
	if (c->nattach >= h->cfg.limits.client_mcast) {
		h->refused.client_mcast++;
		return -EDQUOT;
	}
	b = hcasim_mcg_bucket(h, mgid);
	m = h->mcg_table[b];
	cnt = m != NULL ? m->n : 0;
	for (i = 0; i < cnt; i++)
		if (m->m[i].qp == qp && !memcmp(m->m[i].mgid, mgid, 16))
			return -EEXIST;
	if (mcg_group_size(m, mgid) >= HCASIM_MAX_MCG_MEMBERS)
		return -ENOSPC;
	n = malloc(sizeof(*n) + (cnt + 1) * sizeof(n->m[0]));
	if (n == NULL)
		return -ENOMEM;
	n->n = cnt + 1;
	if (cnt != 0)
		memcpy(n->m, m->m, cnt * sizeof(n->m[0]));
	n->m[cnt].qp = qp;
	memcpy(n->m[cnt].mgid, mgid, 16);
	mcg_publish(h, b, n, m);
	qp->nattach++;
	c->nattach++;
	return 0;
}

/**
 * Detach a QP from the multicast group of an MGID (DETACH_FROM_MCG).
 *
 * @param qpn   the QP (the client's own)
 * @param mgid  the group (16 bytes, network order)
 * @return 0, -EINVAL (not the client's QP, or not attached), -ENOMEM
 */
int
hcasim_mcast_detach(struct hcasim *h, struct hcasim_client *c, uint32_t qpn,
		    const uint8_t *mgid)
{
	struct hcasim_qp *qp = hcasim_qp_lookup(h, qpn);
	struct hcasim_mcg *m, *n = NULL;
	uint32_t b, i, found = 0;

	if (qp == NULL || qp->owner != c)
		return -EINVAL;
	b = hcasim_mcg_bucket(h, mgid);
	m = h->mcg_table[b];
	if (m == NULL)
		return -EINVAL;
	if (m->n > 1) {
		n = malloc(sizeof(*n) + (m->n - 1) * sizeof(n->m[0]));
		if (n == NULL)
			return -ENOMEM;
		n->n = 0;
	}
	for (i = 0; i < m->n; i++) {
		if (!found && m->m[i].qp == qp &&
		    !memcmp(m->m[i].mgid, mgid, 16))
			found = 1;
		else if (n != NULL && n->n < m->n - 1)
			n->m[n->n++] = m->m[i];
	}
	if (!found) {
		free(n);
		return -EINVAL;
	}
	mcg_publish(h, b, n, m);
	qp->nattach--;
	c->nattach--;
	return 0;
}

/****************************************************************************
 * Withdrawal of a QP or a client
 ****************************************************************************/

/**
 * Remove a QP from every multicast group it is attached to (publishing
 * new member lists; the caller syncs before freeing the old ones).
 *
 * @param qp     the QP, or NULL for every QP of owner
 * @param owner  with qp NULL: whose QPs to remove
 * @param old    receives replaced lists to free after a sync
 * @param nold   in: room in old; out: how many were stored
 * @return the attachments removed
 */
uint32_t
hcasim_mcg_remove_qps(struct hcasim *h, struct hcasim_qp *qp,
		      struct hcasim_client *owner, struct hcasim_mcg **old,
		      uint32_t *nold)
{
	uint32_t b, i, room = *nold, removed = 0;

	*nold = 0;
	for (b = 0; b < HCASIM_MCG_BUCKETS && *nold < room; b++) {
		struct hcasim_mcg *m = h->mcg_table[b], *n;
		uint32_t keep = 0;

		if (m == NULL)
			continue;
		for (i = 0; i < m->n; i++)
			if (qp != NULL ? m->m[i].qp != qp :
			    m->m[i].qp->owner != owner)
				keep++;
		if (keep == m->n)
			continue;
		n = NULL;
		if (keep != 0) {
			n = malloc(sizeof(*n) + keep * sizeof(n->m[0]));
			if (n == NULL)
				continue; /* retried on the next removal */
			n->n = 0;
			for (i = 0; i < m->n; i++)
				if (qp != NULL ? m->m[i].qp != qp :
				    m->m[i].qp->owner != owner)
					n->m[n->n++] = m->m[i];
		}
		__atomic_store_n(&h->mcg_table[b], n, __ATOMIC_RELEASE);
		old[(*nold)++] = m;
		removed += m->n - keep;
	}
	return removed;
}
