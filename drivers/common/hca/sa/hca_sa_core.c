/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The SA client's asynchronous core: opening a client, the table of
 * requests in flight keyed by TID, sending and resending with backoff,
 * reading and matching replies, and running callbacks from
 * hca_sa_poll(). The queries themselves are in hca_sa_query.c; the
 * MADs travel through a transport (hca_sa_umad.c, hca_sa_inband.c).
 */

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hca_log.h"
#include "hca_sa_inband.h"
#include "hca_sa_priv.h"
#include "hca_sa_umad.h"

/** Defaults of struct hca_sa_config. */
#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_RETRIES 3
/** opensm's default SA key (its sa_key option). */
#define DEFAULT_SM_KEY 1
/** Replies read per hca_sa_poll() round, so one call stays bounded. */
#define DRAIN_MAX 64

/* ------------------------------------------------------------------ */
/* Time and timeouts                                                   */
/* ------------------------------------------------------------------ */

/** Milliseconds of a monotonic clock. */
uint64_t
hca_sa_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/** Backoff weight of try number k (0-based): doubling, capped. */
static unsigned int
try_weight(unsigned int k)
{
	return k < 3 ? 1u << k : HCA_SA_BACKOFF_CAP;
}

/**
 * How long try k waits for its answer. The tries share the whole budget,
 * timeout_ms * (retries + 1), in proportion to their weights, so each
 * try waits about twice as long as the one before and the last answer is
 * awaited no later than the budget says.
 */
static unsigned int
try_timeout_ms(const struct hca_sa *sa, unsigned int k)
{
	uint64_t budget = (uint64_t)sa->timeout_ms * (sa->retries + 1);
	uint64_t total = 0, t;
	unsigned int i;

	for (i = 0; i <= sa->retries; i++)
		total += try_weight(i);
	t = budget * try_weight(k) / total;
	return t != 0 ? (unsigned int)t : 1;
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */
/* ------------------------------------------------------------------ */

/** Open an SA client on a CA port (see hca_sa.h). */
struct hca_sa *
hca_sa_open(const char *ca_name, int port, const struct hca_sa_config *cfg,
	    int *err)
{
	struct hca_sa *sa;
	int ret;

	if (port < 0) {
		ret = -EINVAL;
		goto fail;
	}
	sa = calloc(1, sizeof(*sa));
	if (sa == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	sa->ops = cfg != NULL && cfg->transport == HCA_SA_TRANSPORT_INBAND ?
		  &hca_sa_inband_ops : &hca_sa_umad_ops;
	sa->portid = -1;
	sa->fd = -1;
	sa->timeout_ms = cfg != NULL && cfg->timeout_ms != 0 ?
			 cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	sa->retries = cfg != NULL && cfg->retries != 0 ?
		      cfg->retries : DEFAULT_RETRIES;
	sa->sm_key = cfg != NULL && cfg->sm_key != 0 ?
		     cfg->sm_key : DEFAULT_SM_KEY;
	sa->next_tid = (uint32_t)(hca_sa_now_ms() * 2654435761u) ^
		       ((uint32_t)getpid() << 12);
	ret = sa->ops->open(sa, ca_name, port);
	if (ret != 0) {
		free(sa);
		goto fail;
	}
	sa->share_id = hca_sa_share_join(sa);
	HCA_LOG(DEBUG, "SA client (%s) on %s/%d: LID %u, SM LID %u",
		sa->ops->name, sa->ca_name, sa->port_num, sa->lid, sa->sm_lid);
	return sa;
fail:
	HCA_LOG(ERR, "cannot open SA client on %s/%d: %s",
		ca_name != NULL ? ca_name : "(first CA)", port,
		hca_sa_strerror(ret));
	if (err != NULL)
		*err = ret;
	return NULL;
}

/** Free a slot and run its callback with a status and record. */
static void
sa_complete(struct hca_sa *sa, struct hca_sa_slot *slot, int status,
	    const void *record)
{
	hca_sa_cb_t cb = slot->cb;
	void *arg = slot->arg;

	slot->busy = false;
	sa->pending--;
	if (cb != NULL)
		cb(arg, status, status == 0 ? record : NULL);
}

/** Close an SA client; pending requests complete with -ECANCELED. */
void
hca_sa_close(struct hca_sa *sa)
{
	unsigned int i;

	if (sa == NULL)
		return;
	for (i = 0; i < HCA_SA_MAX_PENDING; i++)
		if (sa->slots[i].busy)
			sa_complete(sa, &sa->slots[i], -ECANCELED, NULL);
	hca_sa_share_leave(sa, sa->share_id);
	sa->ops->close(sa);
	free(sa);
}

/** The umad file descriptor of the client, for poll(2). */
int
hca_sa_fd(const struct hca_sa *sa)
{
	if (sa == NULL)
		return -EINVAL;
	return sa->ops == &hca_sa_umad_ops ? sa->fd : -ENOTSUP;
}

/** The client's transport name (see hca_sa.h). */
const char *
hca_sa_transport_name(const struct hca_sa *sa)
{
	return sa != NULL ? sa->ops->name : "";
}

/** Copy the client's counters (see hca_sa.h). */
int
hca_sa_get_stats(const struct hca_sa *sa, struct hca_sa_stats *st)
{
	if (sa == NULL || st == NULL)
		return -EINVAL;
	*st = sa->stats;
	return 0;
}

/** The SA MAD status of the last failed reply, 0 if none. */
uint16_t
hca_sa_last_status(const struct hca_sa *sa)
{
	return sa != NULL ? sa->last_status : 0;
}

/** Number of requests still waiting for an answer. */
unsigned int
hca_sa_pending(const struct hca_sa *sa)
{
	return sa != NULL ? sa->pending : 0;
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */
/* ------------------------------------------------------------------ */

/**
 * Send (or resend) a slot's MAD to the SM and start its next try.
 * A failed send is not fatal: the try simply times out and the next one
 * goes to the SM LID read afresh (the SM may have moved or come up).
 */
static void
sa_send_slot(struct hca_sa *sa, struct hca_sa_slot *slot)
{
	unsigned int wait = try_timeout_ms(sa, slot->tries);

	slot->tries++;
	slot->deadline_ms = hca_sa_now_ms() + wait;
	sa->stats.sent++;
	if (sa->sm_lid == 0 || sa->ops->send(sa, slot->mad, wait) < 0) {
		sa->stats.send_errors++;
		HCA_LOG(DEBUG, "SA send of TID %#x to LID %u failed",
			(unsigned int)slot->tid, sa->sm_lid);
	}
}

/** Take a free slot, or NULL when the table is full. */
static struct hca_sa_slot *
sa_take_slot(struct hca_sa *sa)
{
	unsigned int i;

	for (i = 0; i < HCA_SA_MAX_PENDING; i++)
		if (!sa->slots[i].busy)
			return &sa->slots[i];
	return NULL;
}

/** A TID whose low 32 bits no pending request uses (and not 0). */
static uint64_t
sa_new_tid(struct hca_sa *sa)
{
	unsigned int i;
	uint32_t tid;

again:
	tid = ++sa->next_tid;
	if (sa->share_id != 0) /* the client's number in bits 24..31 */
		tid = (tid & 0xffffffu) | ((uint32_t)sa->share_id << 24);
	if (tid == 0 || (sa->share_id != 0 && (tid & 0xffffffu) == 0))
		goto again;
	for (i = 0; i < HCA_SA_MAX_PENDING; i++)
		if (sa->slots[i].busy && (uint32_t)sa->slots[i].tid == tid)
			goto again;
	return tid;
}

/** Send a request; cb runs from hca_sa_poll() (see hca_sa_priv.h). */
int
hca_sa_submit(struct hca_sa *sa, const struct hca_sa_request *req,
	      hca_sa_cb_t cb, void *arg)
{
	struct hca_sa_slot *slot;
	int ret;

	if (sa == NULL || req == NULL)
		return -EINVAL;
	slot = sa_take_slot(sa);
	if (slot == NULL)
		return -EBUSY;
	memset(slot, 0, sizeof(*slot));
	slot->tid = sa_new_tid(sa);
	ret = hca_sa_mad_build(slot->mad, slot->tid, req->method, req->attr,
			       req->comp_mask, req->rec, req->rec_len);
	if (ret != 0)
		return ret;
	if (req->trusted)
		hca_sa_mad_set_sm_key(slot->mad, sa->sm_key);
	slot->busy = true;
	slot->method = req->method;
	slot->attr = req->attr;
	slot->kind = req->kind;
	slot->cb = cb;
	slot->arg = arg;
	if (req->expect_gid != NULL) {
		slot->check_gid = true;
		slot->expect_gid = *req->expect_gid;
	}
	sa->pending++;
	sa_send_slot(sa, slot);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */
/* ------------------------------------------------------------------ */

/** The pending slot whose TID matches (low 32 bits), or NULL. */
static struct hca_sa_slot *
sa_find_slot(struct hca_sa *sa, uint64_t tid)
{
	unsigned int i;

	for (i = 0; i < HCA_SA_MAX_PENDING; i++)
		if (sa->slots[i].busy &&
		    (uint32_t)sa->slots[i].tid == (uint32_t)tid)
			return &sa->slots[i];
	return NULL;
}

/** Whether a decoded GID is the one the request was about. */
static bool
sa_gid_matches(const struct hca_sa_slot *slot, const union hca_gid *gid)
{
	return !slot->check_gid ||
	       memcmp(gid->raw, slot->expect_gid.raw, HCA_GID_LEN) == 0;
}

/** Complete a path request from a good reply. */
static void
sa_complete_path(struct hca_sa *sa, struct hca_sa_slot *slot,
		 const struct hca_sa_reply *r)
{
	const uint8_t *rec = hca_sa_reply_record(r, 0, HCA_SA_PATH_REC_LEN);
	struct hca_path_rec path;

	if (rec == NULL) {
		sa_complete(sa, slot, r->n_records == 0 ? -ENOENT : -EPROTO,
			    NULL);
		return;
	}
	if (hca_sa_path_decode(rec, HCA_SA_PATH_REC_LEN, &path) != 0 ||
	    !sa_gid_matches(slot, &path.dgid)) {
		HCA_LOG(WARNING, "SA PathRecord reply for another GID");
		sa_complete(sa, slot, -EPROTO, NULL);
		return;
	}
	sa_complete(sa, slot, 0, &path);
}

/**
 * Complete a multicast request from a good reply: the first record for
 * the requested MGID (a GetTable reply may list several).
 */
static void
sa_complete_mcmember(struct hca_sa *sa, struct hca_sa_slot *slot,
		     const struct hca_sa_reply *r)
{
	struct hca_mcmember_rec mcm;
	unsigned int i;

	for (i = 0; i < r->n_records; i++) {
		const uint8_t *rec = hca_sa_reply_record(r, i,
						HCA_SA_MCMEMBER_REC_LEN);

		if (hca_sa_mcmember_decode(rec, HCA_SA_MCMEMBER_REC_LEN,
					   &mcm) != 0)
			break;
		if (sa_gid_matches(slot, &mcm.mgid)) {
			sa_complete(sa, slot, 0, &mcm);
			return;
		}
	}
	sa_complete(sa, slot, r->n_records == 0 ? -ENOENT : -EPROTO, NULL);
}

/**
 * Whether a MAD is one segment of a multi-segment RMPP transfer (RMPP
 * header at byte 24: version, type, flags; ACTIVE 1, FIRST 2, LAST 4).
 */
static bool
sa_rmpp_segmented(const uint8_t *mad, size_t len)
{
	uint8_t flags;

	if (len < 28 || mad[24] == 0)
		return false;
	flags = mad[26] & 0x7;
	return (flags & 1) != 0 && (flags & 6) != 6;
}

/**
 * Handle one received MAD: match it to a request and complete that
 * request. Replies that match no request (late answers to a retried or
 * finished request) are dropped; replies that match one but are
 * malformed, of the wrong attribute or method, or carry an error status
 * complete it with the error.
 *
 * A reply of another client of the process (by the number in its TID)
 * is handed over to that client, unless it was handed over already.
 *
 * @param handed  the reply came from this client's inbox
 * @return 1 when a request completed, 0 otherwise
 */
static int
sa_handle_mad(struct hca_sa *sa, const uint8_t *mad, size_t len,
	      bool handed)
{
	struct hca_sa_slot *slot;
	struct hca_sa_reply r;
	uint64_t tid;
	int ret;

	if (hca_mad_peek_tid(mad, len, &tid) != 0)
		return 0;
	slot = sa_find_slot(sa, tid);
	if (slot == NULL) {
		if (!handed && hca_sa_share_forward(sa, tid, mad, len))
			return 0; /* another client of the process asked */
		HCA_LOG(DEBUG, "dropped SA MAD with unknown TID %#x",
			(unsigned int)tid);
		sa->stats.dropped++;
		return 0;
	}
	if (sa->ops != &hca_sa_umad_ops && sa_rmpp_segmented(mad, len)) {
		/* only ib_umad reassembles: in band, refuse, do not guess */
		sa->stats.rmpp_refused++;
		HCA_LOG(WARNING, "SA reply (TID %#x) is a multi-segment RMPP "
			"transfer, not reassembled in band",
			(unsigned int)tid);
		sa_complete(sa, slot, -EMSGSIZE, NULL);
		return 1;
	}
	ret = hca_sa_mad_parse(mad, len, &r);
	if (ret == 0)
		ret = hca_sa_reply_check(&r, slot->tid, slot->method,
					 slot->attr);
	if (ret == -EAGAIN)
		return 0; /* busy: the next try resends */
	if (ret == -EPROTO)
		HCA_LOG(WARNING, "malformed or mismatched SA reply (TID %#x)",
			(unsigned int)tid);
	if (ret != 0) {
		if (ret != -EPROTO)
			sa->last_status = r.status;
		sa_complete(sa, slot, ret, NULL);
		return 1;
	}
	if (slot->kind == HCA_SA_KIND_PATH)
		sa_complete_path(sa, slot, &r);
	else if (slot->kind == HCA_SA_KIND_MCMEMBER)
		sa_complete_mcmember(sa, slot, &r);
	else
		sa_complete(sa, slot, 0, &r);
	return 1;
}

/**
 * Read and handle the MADs that are waiting, without blocking.
 *
 * @return requests completed, or a negative errno
 */
static int
sa_drain(struct hca_sa *sa)
{
	int done = 0, i;

	for (i = 0; i < DRAIN_MAX; i++) {
		const uint8_t *mad = NULL;
		int len = sa->ops->recv(sa, &mad);

		if (len < 0)
			return len;
		if (len == 0)
			break;
		sa->stats.received++;
		done += sa_handle_mad(sa, mad, (size_t)len, false);
	}
	return done;
}

/**
 * Handle the replies other clients of the process read for this one.
 *
 * @return requests completed
 */
static int
sa_drain_inbox(struct hca_sa *sa)
{
	uint8_t *mad;
	size_t len;
	int done = 0;

	while ((mad = hca_sa_share_take(sa, sa->share_id, &len)) != NULL) {
		done += sa_handle_mad(sa, mad, len, true);
		free(mad);
	}
	return done;
}

/**
 * Resend requests whose try timed out, and fail those out of retries.
 *
 * @return requests completed
 */
static int
sa_expire(struct hca_sa *sa)
{
	uint64_t now = hca_sa_now_ms();
	bool refreshed = false;
	unsigned int i;
	int done = 0;

	for (i = 0; i < HCA_SA_MAX_PENDING; i++) {
		struct hca_sa_slot *slot = &sa->slots[i];

		if (!slot->busy || slot->deadline_ms > now)
			continue;
		if (slot->tries > sa->retries) {
			sa->stats.timeouts++;
			sa_complete(sa, slot, -ETIMEDOUT, NULL);
			done++;
			continue;
		}
		if (!refreshed) {
			sa->ops->refresh_sm(sa);
			refreshed = true;
		}
		HCA_LOG(DEBUG, "SA TID %#x: try %u", (unsigned int)slot->tid,
			slot->tries + 1);
		sa_send_slot(sa, slot);
	}
	return done;
}

/** Milliseconds until the earliest pending deadline (-1 if none). */
static int
sa_next_deadline_in(const struct hca_sa *sa, uint64_t now)
{
	uint64_t best = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < HCA_SA_MAX_PENDING; i++)
		if (sa->slots[i].busy && sa->slots[i].deadline_ms < best)
			best = sa->slots[i].deadline_ms;
	if (best == UINT64_MAX)
		return -1;
	return best <= now ? 0 : (int)(best - now);
}

/** Process replies and timeouts, running callbacks (see hca_sa.h). */
int
hca_sa_poll(struct hca_sa *sa, int timeout_ms)
{
	uint64_t end;
	int done = 0;

	if (sa == NULL)
		return -EINVAL;
	end = hca_sa_now_ms() + (timeout_ms > 0 ? (uint64_t)timeout_ms : 0);
	for (;;) {
		uint64_t now;
		int ret, wait;

		ret = sa_drain(sa);
		if (ret < 0)
			return ret;
		done += ret + sa_drain_inbox(sa) + sa_expire(sa);
		now = hca_sa_now_ms();
		if (done > 0 || (timeout_ms >= 0 && now >= end) ||
		    (timeout_ms < 0 && sa->pending == 0))
			return done;
		wait = sa_next_deadline_in(sa, now);
		if (timeout_ms >= 0 && (wait < 0 || (uint64_t)wait > end - now))
			wait = (int)(end - now);
		if (hca_sa_share_crowded() && (wait < 0 || wait > 10))
			wait = 10; /* another client may hand a reply over */
		ret = sa->ops->wait(sa, wait);
		if (ret < 0)
			return ret;
	}
}

/** Poll until *done (see hca_sa_priv.h). */
int
hca_sa_wait(struct hca_sa *sa, const bool *done)
{
	uint64_t limit = hca_sa_now_ms() + 1000 +
			 (uint64_t)sa->timeout_ms * (sa->retries + 1);

	while (!*done) {
		int ret;

		if (hca_sa_now_ms() > limit)
			return -ETIMEDOUT;
		ret = hca_sa_poll(sa, 100);
		if (ret < 0)
			return ret;
	}
	return 0;
}
