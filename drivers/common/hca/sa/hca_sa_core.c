/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The SA client's asynchronous core: opening a client, the table of
 * requests in flight keyed by TID, sending and resending with backoff,
 * reading and matching replies, and running callbacks from
 * hca_sa_poll(). The queries themselves are in hca_sa_query.c.
 */

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/umad.h>

#include "hca_log.h"
#include "hca_sa_priv.h"

/** Defaults of struct hca_sa_config. */
#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_RETRIES 3
/** opensm's default SA key (its sa_key option). */
#define DEFAULT_SM_KEY 1
/** The SA's QP and Q_Key (IBA 15.4). */
#define SA_QPN 1
#define SA_QKEY 0x80010000
/** Room for libibumad's header in a send buffer. */
#define SEND_BUF_LEN 512
/** Initial receive buffer: 16 MADs (grows for reassembled tables). */
#define RBUF_INITIAL (16 * HCA_MAD_SIZE)
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

/** Read the port's LID, SM and GID into the client; 0 or -ENODEV. */
static int
sa_read_port(struct hca_sa *sa, const char *ca_name, int port)
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
sa_open_agent(struct hca_sa *sa)
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
	if (umad_init() < 0) {
		ret = -ENODEV;
		goto fail;
	}
	sa = calloc(1, sizeof(*sa));
	if (sa == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	sa->timeout_ms = cfg != NULL && cfg->timeout_ms != 0 ?
			 cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	sa->retries = cfg != NULL && cfg->retries != 0 ?
		      cfg->retries : DEFAULT_RETRIES;
	sa->sm_key = cfg != NULL && cfg->sm_key != 0 ?
		     cfg->sm_key : DEFAULT_SM_KEY;
	sa->next_tid = (uint32_t)(hca_sa_now_ms() * 2654435761u) ^
		       ((uint32_t)getpid() << 12);
	ret = sa_read_port(sa, ca_name, port);
	if (ret == 0)
		ret = hca_sa_share_port_open(sa, sa_open_agent);
	if (ret != 0) {
		free(sa);
		goto fail;
	}
	/* umad_size() depends on the ABI found by umad_open_port(). */
	sa->rbuf_len = RBUF_INITIAL;
	sa->rbuf = calloc(1, umad_size() + sa->rbuf_len);
	if (sa->rbuf == NULL) {
		hca_sa_share_port_close(sa);
		free(sa);
		ret = -ENOMEM;
		goto fail;
	}
	sa->share_id = hca_sa_share_join(sa);
	HCA_LOG(DEBUG, "SA client on %s/%d: LID %u, SM LID %u", sa->ca_name,
		sa->port_num, sa->lid, sa->sm_lid);
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
	hca_sa_share_port_close(sa);
	free(sa->rbuf);
	free(sa);
}

/** The umad file descriptor of the client, for poll(2). */
int
hca_sa_fd(const struct hca_sa *sa)
{
	return sa != NULL ? sa->fd : -EINVAL;
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
	_Alignas(8) uint8_t ub[SEND_BUF_LEN];
	unsigned int wait = try_timeout_ms(sa, slot->tries);

	slot->tries++;
	slot->deadline_ms = hca_sa_now_ms() + wait;
	if (umad_size() + HCA_MAD_SIZE > sizeof(ub))
		return; /* cannot happen with ABI 5; the try times out */
	memset(ub, 0, sizeof(ub));
	memcpy(umad_get_mad(ub), slot->mad, HCA_MAD_SIZE);
	umad_set_addr(ub, sa->sm_lid, SA_QPN, sa->sm_sl, SA_QKEY);
	if (sa->sm_lid == 0 ||
	    umad_send(sa->portid, sa->agent, ub, HCA_MAD_SIZE, (int)wait,
		      0) < 0)
		HCA_LOG(DEBUG, "SA send of TID %#x to LID %u failed",
			(unsigned int)slot->tid, sa->sm_lid);
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
		return 0;
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

/** Make the receive buffer hold need bytes of MAD; 0 or -ENOMEM. */
static int
sa_grow_rbuf(struct hca_sa *sa, size_t need)
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
 * Read and handle the MADs that are waiting, without blocking.
 *
 * @return requests completed, or a negative errno
 */
static int
sa_drain(struct hca_sa *sa)
{
	int done = 0, i;

	for (i = 0; i < DRAIN_MAX; i++) {
		struct pollfd pfd = { .fd = sa->fd, .events = POLLIN };
		int len = (int)sa->rbuf_len;
		int ret;

		/* Only read what is there: never block in read(). */
		if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
			break;
		ret = umad_recv(sa->portid, sa->rbuf, &len, 0);

		if (ret == -ENOSPC && len > 0) {
			if (sa_grow_rbuf(sa, (size_t)len) != 0) {
				HCA_LOG(ERR, "SA reply of %d bytes too big",
					len);
				return -ENOMEM;
			}
			continue;
		}
		if (ret < 0)
			break; /* nothing more (or a transient error) */
		if (umad_status(sa->rbuf) != 0)
			continue; /* the kernel gave up on a send: we retry */
		if (len < 0 || (size_t)len > sa->rbuf_len)
			continue;
		done += sa_handle_mad(sa, umad_get_mad(sa->rbuf),
				      (size_t)len, false);
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

/** Refresh the SM LID (it may have moved) before resending. */
static void
sa_refresh_sm(struct hca_sa *sa)
{
	umad_port_t up;

	memset(&up, 0, sizeof(up));
	if (umad_get_port(sa->ca_name, sa->port_num, &up) < 0)
		return;
	sa->sm_lid = (uint16_t)up.sm_lid;
	sa->sm_sl = (uint8_t)up.sm_sl;
	umad_release_port(&up);
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
			sa_complete(sa, slot, -ETIMEDOUT, NULL);
			done++;
			continue;
		}
		if (!refreshed) {
			sa_refresh_sm(sa);
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
		struct pollfd pfd = { .fd = sa->fd, .events = POLLIN };
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
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
			return -errno;
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
