/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Losing the device and getting it back (control thread). When the
 * connection to the soft HCA breaks (the daemon died or was restarted)
 * every queue of the port is gone with it. The control thread then:
 *  1. reports the link down and pauses the data path: the burst
 *     functions return 0 (nothing received, nothing taken); once every
 *     burst that was running has returned (each queue counts its bursts
 *     in dp_seq), no lcore touches the queues any more;
 *  2. frees the port's device objects: the mbufs posted for receive and
 *     those of sends never completed go back to their pools;
 *  3. every IPOIB_RECOVER_MS tries to open the port again; once it can,
 *     it recreates the protection domain, registers the mempools,
 *     recreates every QP and CQ, attaches the broadcast group and the
 *     joined groups again, posts receive buffers, resumes the data path
 *     and resyncs with the SM (ipoib_watch.c). The port's QPN, and so its
 *     IPoIB hardware address, may differ: the new one is logged and
 *     rte_pmd_ipoib_own_addr() returns it. Peers, keys and tags survive.
 * The same pause serves a queue pair that entered the error state: the
 * device says so with a QP or CQ error event (ipoib_qp_mark_failed(),
 * called by ipoib_watch.c), or the data path flags it when it reads the
 * error completion (the safety net); the control thread then pauses the
 * data path, resets the QP (ipoib_qp_reset.c) and resumes
 * (ipoib_recover_qp_poll()).
 * The burst functions the ethdev installs are pausable (ipoib_dp.h).
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include "ipoib.h"
#include "ipoib_group.h"
#include "ipoib_log.h"
#include "ipoib_port.h"
#include "ipoib_qp_reset.h"
#include "ipoib_recover.h"
#include "ipoib_watch.h"

/** How often the port tries to reopen the device (ms). */
#define IPOIB_RECOVER_MS 1000
/** Say so when the data path does not pause within this (ms). */
#define IPOIB_PAUSE_WARN_MS 5000

/** Milliseconds from now, in TSC cycles. */
static uint64_t
ipoib_tsc_in(unsigned int ms)
{
	return rte_get_tsc_cycles() + ipoib_ms_to_tsc(ms);
}

/**
 * Free the port's device objects (queues with their mbufs, memory
 * registrations, PD) and close the device. Runs with the data path
 * paused and quiescent, under priv->lock.
 *
 * @param priv  the port
 */
static void
ipoib_device_release(struct ipoib_priv *priv)
{
	ipoib_port_resources_close(priv);
	hca_dev_close(priv->hca);
	priv->hca = NULL;
}

/**
 * Open the device again and rebuild every object of the port on it.
 *
 * @param priv  the port (device released)
 * @return 0, or a negative errno (everything released again)
 */
static int
ipoib_device_rebuild(struct ipoib_priv *priv)
{
	const char *ca = priv->args.ibdev[0] ? priv->args.ibdev : NULL;
	struct hca_dev_attr attr;
	int ret;

	ret = hca_dev_open(ca, priv->args.port, &priv->hca);
	if (ret < 0)
		return ret; /* not back yet */
	ret = hca_dev_query(priv->hca, &attr);
	if (ret == 0 && attr.port.state != HCA_PORT_ACTIVE)
		ret = -ENETDOWN;
	if (ret < 0)
		goto fail;
	priv->attr = attr;
	ret = ipoib_port_resources_open(priv);
	if (ret == 0)
		ret = ipoib_group_attach_all(priv);
	if (ret == 0)
		ret = ipoib_port_queues_fill(priv);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	ipoib_device_release(priv);
	return ret;
}

/**
 * Pause the data path: the bursts return 0 from now on; note where each
 * queue's burst count stood, for ipoib_dp_quiet().
 *
 * @param priv  the port
 */
static void
ipoib_dp_pause(struct ipoib_priv *priv)
{
	uint16_t i;

	__atomic_store_n(&priv->dp_paused, 1, __ATOMIC_RELAXED);
	/* pairs with the fence of ipoib_dp_enter() */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < priv->nb_rxq; i++)
		priv->rec.rx_seq[i] = __atomic_load_n(&priv->rxq[i].dp_seq,
						      __ATOMIC_ACQUIRE);
	for (i = 0; i < priv->nb_txq; i++)
		priv->rec.tx_seq[i] = __atomic_load_n(&priv->txq[i].dp_seq,
						      __ATOMIC_ACQUIRE);
	priv->rec.deadline = ipoib_tsc_in(IPOIB_PAUSE_WARN_MS);
}

/** The device connection broke: link down, pause the data path. */
static void
ipoib_recover_begin(struct ipoib_priv *priv)
{
	priv->cst.dev_lost++;
	IPOIB_LOG(ERR, "%s: device connection lost (soft HCA gone?): link "
		  "down; queues are recreated when the device is back",
		  priv->name);
	ipoib_dp_pause(priv);
	priv->rec.state = IPOIB_REC_PAUSING;
}

/**
 * Whether a queue's lcore is out of the queue for good: not inside a
 * burst, or inside another one than when the pause began (that one saw
 * the pause and left at once).
 */
static bool
ipoib_queue_left(const uint32_t *seq, uint32_t at_pause)
{
	uint32_t now = __atomic_load_n(seq, __ATOMIC_ACQUIRE);

	return (now & 1) == 0 || now != at_pause;
}

/** Whether no lcore is inside a queue of the port any more. */
static bool
ipoib_dp_quiet(const struct ipoib_priv *priv)
{
	uint16_t i;

	for (i = 0; i < priv->nb_rxq; i++)
		if (!ipoib_queue_left(&priv->rxq[i].dp_seq,
				      priv->rec.rx_seq[i]))
			return false;
	for (i = 0; i < priv->nb_txq; i++)
		if (!ipoib_queue_left(&priv->txq[i].dp_seq,
				      priv->rec.tx_seq[i]))
			return false;
	return true;
}

/**
 * Whether the paused data path has left every queue; warns now and then
 * while a burst does not return.
 */
static bool
ipoib_dp_paused_quiet(struct ipoib_priv *priv)
{
	if (ipoib_dp_quiet(priv))
		return true;
	if (rte_get_tsc_cycles() > priv->rec.deadline) {
		IPOIB_LOG(WARNING, "%s: a burst has not returned for %u s",
			  priv->name, IPOIB_PAUSE_WARN_MS / 1000);
		priv->rec.deadline = ipoib_tsc_in(IPOIB_PAUSE_WARN_MS);
	}
	return false;
}

/** Wait (without blocking) for the data path to leave the queues. */
static void
ipoib_recover_pausing(struct ipoib_priv *priv)
{
	if (!ipoib_dp_paused_quiet(priv))
		return;
	ipoib_device_release(priv);
	priv->rec.state = IPOIB_REC_DOWN;
	priv->rec.next_try = 0;
}

/** Try to get the device back now and then. */
static void
ipoib_recover_down(struct ipoib_priv *priv)
{
	uint32_t old_qpn = priv->qpn;
	int ret;

	if (rte_get_tsc_cycles() < priv->rec.next_try)
		return;
	priv->rec.next_try = ipoib_tsc_in(IPOIB_RECOVER_MS);
	ret = ipoib_device_rebuild(priv);
	if (ret == -ECONNREFUSED || ret == -ENOENT || ret == -ENETDOWN)
		return; /* not back yet */
	if (ret < 0) {
		priv->cst.dev_recover_failures++;
		IPOIB_LOG(ERR, "%s: device back but the port cannot be "
			  "rebuilt: %s (retrying)", priv->name, strerror(-ret));
		return;
	}
	priv->qpn = priv->rxq[0].qp->wire_qpn;
	/* new QPs: errors of the old ones are gone with them */
	__atomic_store_n(&priv->qp_failed, 0, __ATOMIC_RELAXED);
	priv->rec.state = IPOIB_REC_IDLE;
	priv->cst.dev_recoveries++;
	__atomic_store_n(&priv->dp_paused, 0, __ATOMIC_RELEASE);
	IPOIB_LOG(NOTICE, "%s: device back: queues recreated, QPN 0x%06x "
		  "(was 0x%06x)", priv->name, priv->qpn, old_qpn);
	ipoib_watch_resync(priv, "device back");
}

/**
 * Follow the device connection (control thread, under priv->lock):
 * start, continue or finish a recovery.
 *
 * @param priv  the port
 * @return whether the device is usable now (link may be up)
 */
bool
ipoib_recover_poll(struct ipoib_priv *priv)
{
	switch (priv->rec.state) {
	case IPOIB_REC_IDLE:
	case IPOIB_REC_QP_PAUSING: /* the device going is worse */
		if (hca_dev_alive(priv->hca))
			return true;
		ipoib_recover_begin(priv);
		/* fall through */
	case IPOIB_REC_PAUSING:
		ipoib_recover_pausing(priv);
		if (priv->rec.state != IPOIB_REC_DOWN)
			break;
		/* fall through */
	case IPOIB_REC_DOWN:
		ipoib_recover_down(priv);
		break;
	}
	return priv->rec.state == IPOIB_REC_IDLE;
}

/**
 * Follow the port's queue pairs (control thread, every round, under
 * priv->lock): when the data path saw a QP enter the error state, pause
 * the data path, reset every failed QP once no burst is inside
 * (ipoib_qp_reset.c) and resume. Never waits for the data path.
 *
 * @param priv  the port
 */
void
ipoib_recover_qp_poll(struct ipoib_priv *priv)
{
	uint32_t failed = __atomic_load_n(&priv->qp_failed, __ATOMIC_ACQUIRE);
	uint16_t i;
	int ret;

	if (failed == 0 || (priv->rec.state != IPOIB_REC_IDLE &&
			    priv->rec.state != IPOIB_REC_QP_PAUSING))
		return;
	if (priv->rec.state == IPOIB_REC_IDLE) {
		IPOIB_LOG(ERR, "%s: a queue pair entered the error state "
			  "(queues 0x%x): pausing the data path to reset it",
			  priv->name, failed);
		ipoib_dp_pause(priv);
		priv->rec.state = IPOIB_REC_QP_PAUSING;
		priv->rec.next_try = 0;
	}
	if (!ipoib_dp_paused_quiet(priv) ||
	    rte_get_tsc_cycles() < priv->rec.next_try)
		return;
	for (i = 0; i < IPOIB_MAX_QUEUES; i++) {
		uint32_t bit = UINT32_C(1) << i;

		if (!(failed & bit))
			continue;
		ret = priv->rxq[i].qp != NULL ? ipoib_qp_reset(priv, i) :
			0; /* no such queue */
		if (ret < 0) {
			priv->cst.qp_recover_failures++;
			priv->rec.next_try = ipoib_tsc_in(IPOIB_RECOVER_MS);
			IPOIB_LOG(ERR, "%s: queue %u: cannot reset its queue "
				  "pair: %s (retrying)", priv->name, i,
				  strerror(-ret));
			continue;
		}
		__atomic_fetch_and(&priv->qp_failed, ~bit, __ATOMIC_RELAXED);
		priv->qp_reset_tsc[i] = rte_get_tsc_cycles();
		priv->cst.qp_recoveries++;
		IPOIB_LOG(NOTICE, "%s: queue %u: queue pair reset, back in "
			  "service", priv->name, i);
	}
	if (__atomic_load_n(&priv->qp_failed, __ATOMIC_RELAXED) != 0)
		return;
	priv->rec.state = IPOIB_REC_IDLE;
	__atomic_store_n(&priv->dp_paused, 0, __ATOMIC_RELEASE);
}

/**
 * Reset the recovery state at start (device open, data path running).
 *
 * @param priv  the port
 */
void
ipoib_recover_init(struct ipoib_priv *priv)
{
	memset(&priv->rec, 0, sizeof(priv->rec));
	memset(priv->qp_reset_tsc, 0, sizeof(priv->qp_reset_tsc));
	__atomic_store_n(&priv->qp_failed, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&priv->dp_paused, 0, __ATOMIC_RELEASE);
}
