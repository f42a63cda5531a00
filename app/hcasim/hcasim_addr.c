/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's ports and their addresses: the emulated ports come from
 * the fabric's net file (every Hca and its port count, named by node
 * description); their LIDs, GIDs, states and P_Key tables come from the
 * SM, read through the SA at start and then every refresh period, so a
 * LID the SM changes is followed. The SM is never bypassed.
 *
 * What a pass finds changed on a port is raised to its clients as a port
 * event (hcasim_event.c), as a ConnectX raises it: active, down, LID
 * change, P_Key change, and client re-register when the port's SM LID
 * changed or when the SA answers again after a pass it did not answer
 * (the SM restarted, or another one took over: it has forgotten every
 * registration). The passes are the daemon's one look at the SA, shared
 * by all its ports and clients.
 *
 * An SM that restarts faster than a pass keeps every LID the same and
 * misses no pass; what it cannot keep are the registrations. So every
 * ADDR_SM_PROBE_EVERY passes the address thread asks the SA one thing:
 * whether one port is still a member of a group a client of it attached
 * to (one SubnAdmGet, for the whole daemon). A membership the SA listed
 * (at the attach, or at a probe) and then does not know on
 * ADDR_SM_PROBE_MISSES probes in a row (a client that leaves detaches
 * within moments) is one the SM forgot: client re-register on every
 * port.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcasim.h"
#include "hcasim_sa.h"
#include "hca_dev.h"
#include "hca_log.h"

/** Every this many passes, scan every LID again (else check known ones). */
#define ADDR_FULL_SCAN_EVERY 10
/** LIDs scanned past the highest one seen. */
#define ADDR_SCAN_MARGIN 32
/** LIDs scanned at least. */
#define ADDR_SCAN_MIN 64
/** Every this many passes, ask the SA whether it forgot a membership. */
#define ADDR_SM_PROBE_EVERY 2
/** Probes in a row that must find the membership gone. */
#define ADDR_SM_PROBE_MISSES 2

/****************************************************************************
 * The net file
 ****************************************************************************/

/** Copy the first "quoted" string of s into out; false when none. */
static bool
quoted(const char *s, char *out, size_t cap)
{
	const char *a = strchr(s, '"'), *b;
	size_t n;

	if (a == NULL)
		return false;
	b = strchr(a + 1, '"');
	if (b == NULL)
		return false;
	n = (size_t)(b - a - 1);
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, a + 1, n);
	out[n] = '\0';
	return true;
}

/** Add the ports of one Hca node. */
static int
ports_add(struct hcasim *h, const char *name, unsigned int nports)
{
	unsigned int i;

	if (nports == 0 || nports > 255 || h->nports + nports > HCASIM_MAX_PORTS)
		return -ENOSPC;
	for (i = 1; i <= nports; i++) {
		struct hcasim_port *p = &h->ports[h->nports++];

		memset(p, 0, sizeof(*p));
		snprintf(p->host, sizeof(p->host), "%s", name);
		p->port_num = (uint8_t)i;
		p->state = HCA_PORT_DOWN;
		p->mtu = 4; /* until the SA tells */
		p->pkey_count = 1;
		p->pkeys[0] = 0xffff;
	}
	return 0;
}

/**
 * Read the net file (ibsim / ibnetdiscover format): every "Hca N "name""
 * (or "Ca") header gives a host and its number of ports.
 *
 * @return 0 or a negative errno (no Hca at all is -EINVAL)
 */
int
hcasim_ports_load(struct hcasim *h, const char *net_file)
{
	FILE *f = fopen(net_file, "r");
	char line[512], name[HCASIM_HOST_LEN], alt[HCASIM_HOST_LEN];
	int ret = 0;

	if (f == NULL)
		return -errno;
	while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *hash;
		unsigned int n;

		while (isspace((unsigned char)*s))
			s++;
		if (strncmp(s, "Hca", 3) == 0)
			s += 3;
		else if (strncmp(s, "Ca", 2) == 0)
			s += 2;
		else
			continue;
		if (!isspace((unsigned char)*s) || sscanf(s, "%u", &n) != 1 ||
		    !quoted(s, name, sizeof(name)))
			continue;
		/* ibnetdiscover: Ca 1 "H-guid"  # "description" */
		hash = strchr(strchr(strchr(s, '"') + 1, '"') + 1, '#');
		if (hash != NULL && quoted(hash, alt, sizeof(alt)))
			memcpy(name, alt, sizeof(name));
		ret = ports_add(h, name, n);
	}
	fclose(f);
	if (ret == 0 && h->nports == 0)
		ret = -EINVAL;
	return ret;
}

/**
 * Find an emulated port by host name and port number (0 = the first).
 *
 * @return the port or NULL
 */
struct hcasim_port *
hcasim_port_find(struct hcasim *h, const char *host, unsigned int port_num)
{
	unsigned int i;

	for (i = 0; i < h->nports; i++) {
		struct hcasim_port *p = &h->ports[i];

		if (strcmp(p->host, host) == 0 &&
		    (port_num == 0 || p->port_num == port_num))
			return p;
	}
	return NULL;
}

/**
 * Describe a port for a client (the PORT_OPEN reply).
 *
 * @param attr  filled
 */
void
hcasim_port_describe(struct hcasim *h, struct hcasim_port *p,
		     struct hcasim_port_attr *attr)
{
	uint64_t v;

	memset(attr, 0, sizeof(*attr));
	pthread_mutex_lock(&h->ports_lock);
	snprintf(attr->ca_name, sizeof(attr->ca_name), "hcasim0");
	attr->port_num = p->port_num;
	attr->state = p->state;
	attr->phys_state = p->state == HCA_PORT_ACTIVE ? 5 : 2;
	attr->lid = p->lid;
	attr->sm_lid = p->sm_lid;
	attr->sm_sl = p->sm_sl;
	attr->capability_mask = p->capability_mask;
	attr->lmc = p->lmc;
	attr->active_mtu = p->mtu;
	attr->rate = 10;
	v = htobe64(p->gid_prefix);
	memcpy(attr->gid, &v, 8);
	v = htobe64(p->port_guid);
	memcpy(attr->gid + 8, &v, 8);
	attr->port_guid = p->port_guid;
	attr->node_guid = p->node_guid;
	attr->pkey_count = p->pkey_count;
	memcpy(attr->pkeys, p->pkeys, sizeof(attr->pkeys));
	pthread_mutex_unlock(&h->ports_lock);
	attr->max_qp_wr = HCASIM_MAX_WQE_CNT;
	attr->max_cqe = HCASIM_MAX_CQE;
	attr->max_inline = HCASIM_MAX_INLINE;
	attr->max_qp = h->cfg.limits.client_qp;
	attr->max_rss_children = h->cfg.no_ipoib_enhanced ? 0 :
				 HCASIM_MAX_RSS_CHILDREN;
}

/****************************************************************************
 * Learning from the SA
 ****************************************************************************/

/** What one pass learned about one port. */
struct addr_seen {
	bool seen;
	struct hcasim_sa_port sa;
	uint16_t pkeys[32];
	unsigned int npkeys;
};

/** State of the address thread. */
struct addr_state {
	struct hcasim *h;
	struct hcasim_sa *sa;
	uint16_t max_lid;
	uint16_t pub_lid[HCASIM_MAX_PORTS];   /**< LIDs in lid_port */
	uint8_t pub_lmc[HCASIM_MAX_PORTS];
	struct addr_seen seen[HCASIM_MAX_PORTS];
	bool sa_lost;                         /**< the last pass got no answer */
	/* the SM probe: one group membership of one port */
	int probe_port;                       /**< port probed, or -1 */
	uint8_t probe_mgid[16];
	bool probe_member;                    /**< the SA listed it */
	unsigned int probe_misses;            /**< "no record" in a row */
};

/** Strip trailing blanks of a node description. */
static void
desc_trim(char *d)
{
	size_t n = strlen(d);

	while (n > 0 && (isspace((unsigned char)d[n - 1]) || d[n - 1] == 0))
		d[--n] = '\0';
}

/**
 * Learn what sits at one LID: a CA port of the net file gets its
 * PortInfo and P_Key table read.
 *
 * @return 0 (learned or nothing there) or -ETIMEDOUT (no SA: stop)
 */
static int
addr_probe_lid(struct addr_state *st, uint16_t lid)
{
	struct hcasim_sa_port sp;
	struct hcasim_port *p;
	struct addr_seen *s;
	unsigned int i;
	int ret;

	ret = hcasim_sa_get_node(st->sa, lid, &sp);
	if (ret == -ETIMEDOUT)
		return ret;
	if (ret < 0 || sp.node_type != 1)
		return 0;
	desc_trim(sp.desc);
	p = hcasim_port_find(st->h, sp.desc, sp.port_num);
	if (p == NULL || p->port_num != sp.port_num)
		return 0;
	if (hcasim_sa_get_portinfo(st->sa, &sp) < 0)
		return 0;
	s = &st->seen[p - st->h->ports];
	s->sa = sp;
	s->npkeys = 0;
	if (hcasim_sa_get_pkeys(st->sa, lid, sp.port_num, 0, s->pkeys) == 0) {
		for (i = 0; i < 32; i++)
			if (s->pkeys[i] != 0)
				s->npkeys = i + 1;
	}
	if (s->npkeys == 0) {
		s->pkeys[0] = 0xffff;
		s->npkeys = 1;
	}
	s->seen = true;
	if (lid > st->max_lid)
		st->max_lid = lid;
	return 0;
}

/** Point lid_port at a port for its LID range (or clear the old range). */
static void
addr_publish_lids(struct addr_state *st, unsigned int i, uint16_t lid,
		  uint8_t lmc)
{
	struct hcasim *h = st->h;
	uint32_t l, n;

	if (st->pub_lid[i] == lid && st->pub_lmc[i] == lmc)
		return;
	n = 1u << st->pub_lmc[i];
	for (l = st->pub_lid[i]; st->pub_lid[i] != 0 && l < st->pub_lid[i] + n &&
	     l < HCASIM_MLID_BASE; l++)
		if (h->lid_port[l] == i + 1)
			__atomic_store_n(&h->lid_port[l], 0, __ATOMIC_RELAXED);
	n = 1u << lmc;
	for (l = lid; lid != 0 && l < (uint32_t)lid + n &&
	     l < HCASIM_MLID_BASE; l++)
		__atomic_store_n(&h->lid_port[l], (uint16_t)(i + 1),
				 __ATOMIC_RELAXED);
	if (lid != 0 && st->pub_lid[i] != lid)
		HCA_LOG(NOTICE, "hcasim: %s port %u has LID %u",
			h->ports[i].host, h->ports[i].port_num, lid);
	st->pub_lid[i] = lid;
	st->pub_lmc[i] = lmc;
}

/**
 * Raise the events of what a pass changed on one port (called before the
 * port takes the new values, under ports_lock).
 *
 * @param i  the port's index
 * @param s  what the pass learned about it
 */
static void
addr_events(struct addr_state *st, unsigned int i, const struct addr_seen *s)
{
	struct hcasim *h = st->h;
	const struct hcasim_port *p = &h->ports[i];
	uint8_t state = s->seen ? s->sa.state : HCA_PORT_DOWN;
	bool was_active = p->state == HCA_PORT_ACTIVE;

	if (state == HCA_PORT_ACTIVE && !was_active)
		hcasim_event_post(h, i, HCASIM_EQE_PORT_ACTIVE);
	else if (state != HCA_PORT_ACTIVE && was_active)
		hcasim_event_post(h, i, HCASIM_EQE_PORT_DOWN);
	if (!s->seen)
		return;
	if (p->lid != 0 && s->sa.lid != 0 && s->sa.lid != p->lid)
		hcasim_event_post(h, i, HCASIM_EQE_PORT_LID_CHANGE);
	if (p->pkey_count != s->npkeys ||
	    memcmp(p->pkeys, s->pkeys, s->npkeys * sizeof(p->pkeys[0])) != 0)
		hcasim_event_post(h, i, HCASIM_EQE_PORT_PKEY_CHANGE);
	if (p->sm_lid != 0 && s->sa.sm_lid != 0 && s->sa.sm_lid != p->sm_lid)
		hcasim_event_post(h, i, HCASIM_EQE_PORT_CLIENT_REREG);
}

/** Store what a pass learned into the ports (under ports_lock). */
static void
addr_apply(struct addr_state *st)
{
	struct hcasim *h = st->h;
	unsigned int i, k;

	pthread_mutex_lock(&h->ports_lock);
	for (i = 0; i < h->nports; i++) {
		struct hcasim_port *p = &h->ports[i];
		struct addr_seen *s = &st->seen[i];
		uint16_t lid = s->seen ? s->sa.lid : 0;
		uint8_t lmc = s->seen ? s->sa.lmc : 0;

		addr_events(st, i, s);
		__atomic_store_n(&p->state, s->seen ? s->sa.state :
				 HCA_PORT_DOWN, __ATOMIC_RELAXED);
		if (!s->seen)
			continue;
		for (k = 0; k < s->npkeys; k++)
			__atomic_store_n(&p->pkeys[k], s->pkeys[k],
					 __ATOMIC_RELAXED);
		__atomic_store_n(&p->pkey_count, s->npkeys, __ATOMIC_RELAXED);
		__atomic_store_n(&p->gid_prefix, s->sa.gid_prefix,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&p->port_guid, s->sa.port_guid,
				 __ATOMIC_RELAXED);
		p->node_guid = s->sa.node_guid;
		p->sm_lid = s->sa.sm_lid;
		p->sm_sl = s->sa.sm_sl;
		p->capability_mask = s->sa.capability_mask;
		if (s->sa.mtu >= 1 && s->sa.mtu <= 5)
			__atomic_store_n(&p->mtu, s->sa.mtu, __ATOMIC_RELAXED);
		__atomic_store_n(&p->lmc, lmc, __ATOMIC_RELAXED);
		__atomic_store_n(&p->lid, lid, __ATOMIC_RELAXED);
		addr_publish_lids(st, i, lid, lmc);
	}
	for (i = 0; i < h->nports; i++)
		if (!st->seen[i].seen)
			addr_publish_lids(st, i, 0, 0);
	pthread_mutex_unlock(&h->ports_lock);
}

/**
 * One learning pass: a full scan of LIDs, or a check of the known ones
 * (which falls back to a full scan when anything moved or is missing).
 *
 * @return false when the SA did not answer (nothing learned)
 */
static bool
addr_pass(struct addr_state *st, bool full)
{
	struct hcasim *h = st->h;
	unsigned int i;
	uint32_t lid, top;

	if (!full) {
		for (i = 0; i < h->nports; i++) {
			struct addr_seen *s = &st->seen[i];
			uint16_t old = s->sa.lid;

			if (!s->seen)
				return addr_pass(st, true);
			s->seen = false;
			if (addr_probe_lid(st, old) < 0 || !s->seen ||
			    s->sa.lid != old)
				return addr_pass(st, true);
		}
		addr_apply(st);
		return true;
	}
	for (i = 0; i < h->nports; i++)
		st->seen[i].seen = false;
	top = (uint32_t)st->max_lid + ADDR_SCAN_MARGIN;
	if (top < ADDR_SCAN_MIN)
		top = ADDR_SCAN_MIN;
	for (lid = 1; lid <= top && lid < HCASIM_MLID_BASE && !h->stop; lid++) {
		if (addr_probe_lid(st, (uint16_t)lid) < 0)
			return false; /* no SA now: keep what we had */
		if ((uint32_t)st->max_lid + ADDR_SCAN_MARGIN > top)
			top = (uint32_t)st->max_lid + ADDR_SCAN_MARGIN;
	}
	addr_apply(st);
	return true;
}

/**
 * Raise a client re-register on every port. The probe counts its misses
 * afresh: the clients rejoin now, and a membership that stays gone
 * (their rejoins failed) is raised again.
 */
static void
addr_reregister_all(struct addr_state *st, const char *why)
{
	__atomic_fetch_add(&st->h->evq.reregisters, 1, __ATOMIC_RELAXED);
	HCA_LOG(NOTICE, "hcasim: %s: client re-register on every port", why);
	st->probe_misses = 0;
	hcasim_event_post_all(st->h, HCASIM_EQE_PORT_CLIENT_REREG);
}

/**
 * The SM probe (see the file comment): ask whether the probed port is
 * still a member of the group it attached; a membership the SA listed
 * that is gone twice in a row is a restarted SM.
 */
static void
addr_probe_sm(struct addr_state *st)
{
	uint8_t mgid[16], gid[16];
	bool member = false;
	int port = hcasim_event_probe_target(st->h, mgid, gid, &member), ret;

	if (port < 0) {
		st->probe_port = -1;
		return;
	}
	if (port != st->probe_port || memcmp(mgid, st->probe_mgid, 16) != 0) {
		st->probe_port = port;
		memcpy(st->probe_mgid, mgid, 16);
		st->probe_member = member;
		st->probe_misses = 0;
	}
	ret = hcasim_sa_is_member(st->sa, mgid, gid);
	if (ret == 1) {
		st->probe_member = true;
		st->probe_misses = 0;
	} else if (ret == 0 && st->probe_member &&
		   ++st->probe_misses >= ADDR_SM_PROBE_MISSES) {
		addr_reregister_all(st, "the SM forgot a membership (it "
				    "restarted)");
	}
}

/**
 * Follow the SA's answers: a pass without an answer marks the SM lost;
 * the first pass answered after that raises a client re-register on
 * every port (an SM that comes back, restarted or new, has forgotten
 * every registration: multicast memberships, service records).
 *
 * @param answered  what the pass returned
 */
static void
addr_follow_sm(struct addr_state *st, bool answered)
{
	if (!answered) {
		if (!st->sa_lost)
			HCA_LOG(WARNING, "hcasim: the SA does not answer");
		st->sa_lost = true;
		return;
	}
	if (!st->sa_lost)
		return;
	st->sa_lost = false;
	addr_reregister_all(st, "the SA answers again");
}

/** Sleep ms milliseconds, waking early when the daemon stops. */
static void
addr_sleep(struct hcasim *h, unsigned int ms)
{
	struct timespec ts = { 0, 10 * 1000000L };

	while (ms >= 10 && !h->stop) {
		nanosleep(&ts, NULL);
		ms -= 10;
	}
}

/** The address thread: learn, then refresh every period. */
static void *
addr_main(void *arg)
{
	struct addr_state *st = arg;
	unsigned int pass = 0;

	st->probe_port = -1;
	while (!st->h->stop) {
		bool answered = addr_pass(st, pass % ADDR_FULL_SCAN_EVERY == 0);

		addr_follow_sm(st, answered);
		if (answered && pass % ADDR_SM_PROBE_EVERY == 0)
			addr_probe_sm(st);
		pass++;
		addr_sleep(st->h, st->h->cfg.refresh_ms);
	}
	free(st); /* the SA reader is closed by hcasim_addr_stop() */
	return NULL;
}

/**
 * Open the SA reader, learn every port once (synchronously, so clients
 * see addresses from the start), then keep following them in a thread.
 *
 * @return 0 or a negative errno
 */
int
hcasim_addr_start(struct hcasim *h)
{
	struct addr_state *st = calloc(1, sizeof(*st));
	int err = 0, ret;

	if (st == NULL)
		return -ENOMEM;
	st->h = h;
	st->sa = hcasim_sa_open(h->cfg.sm_key, &err);
	if (st->sa == NULL) {
		free(st);
		return err;
	}
	addr_pass(st, true);
	for (unsigned int i = 0; i < h->nports; i++)
		if (!st->seen[i].seen)
			HCA_LOG(WARNING, "hcasim: %s port %u not known to the SA yet",
				h->ports[i].host, h->ports[i].port_num);
	ret = pthread_create(&h->addr_thread, NULL, addr_main, st);
	if (ret != 0) {
		hcasim_sa_close(st->sa);
		free(st);
		return -ret;
	}
	pthread_setname_np(h->addr_thread, "hcasim-addr");
	h->addr_running = true;
	h->sa = st->sa; /* shared with the control thread (attach) */
	return 0;
}

/** Stop the address thread (h->stop is set by the caller). */
void
hcasim_addr_stop(struct hcasim *h)
{
	if (h->addr_running)
		pthread_join(h->addr_thread, NULL);
	h->addr_running = false;
	hcasim_sa_close(h->sa);
	h->sa = NULL;
}
