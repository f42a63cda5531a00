/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Several SA clients in one process. Each client has its own umad port
 * and agent, but a umad implementation may hand a reply to another
 * client of the same process than the one that asked: ibsim's
 * libumad2sim does, for two clients on one port (both agents get the
 * same number, and the first reader gets the MAD). So every client of
 * the process gets a number (1..HCA_SA_SHARE_MAX) that its TIDs carry
 * in bits 24..31; a client that reads a reply with another client's
 * number hands it over to that client's inbox, and every client reads
 * its inbox when it polls. The callback of a request therefore always
 * runs in its own client's hca_sa_poll(), in the thread that owns it.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/umad.h>

#include "hca_log.h"
#include "hca_sa_priv.h"

/** Clients numbered at most (the TID has 8 bits for the number). */
#define HCA_SA_SHARE_MAX 64
/** Replies waiting in one client's inbox at most. */
#define HCA_SA_INBOX_MAX 32
/** Largest reply handed over (a reassembled table can be bigger). */
#define HCA_SA_INBOX_MAD_MAX 65536

/** A reply handed over to its client. */
struct hca_sa_inbox_mad {
	size_t len;
	uint8_t *mad;
};

/** The inbox of one numbered client. */
struct hca_sa_inbox {
	struct hca_sa *owner;     /**< NULL: number free */
	unsigned int head, count;
	struct hca_sa_inbox_mad q[HCA_SA_INBOX_MAX];
};

static pthread_mutex_t share_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hca_sa_inbox inboxes[HCA_SA_SHARE_MAX];
static unsigned int share_clients;

/**
 * Give a new client a number (0 when all are taken: its replies are
 * then never handed over, as before).
 *
 * @param sa  the client
 * @return its number, 0..HCA_SA_SHARE_MAX
 */
unsigned int
hca_sa_share_join(struct hca_sa *sa)
{
	unsigned int i, id = 0;

	pthread_mutex_lock(&share_lock);
	for (i = 0; i < HCA_SA_SHARE_MAX; i++) {
		if (inboxes[i].owner == NULL) {
			memset(&inboxes[i], 0, sizeof(inboxes[i]));
			inboxes[i].owner = sa;
			id = i + 1;
			share_clients++;
			break;
		}
	}
	pthread_mutex_unlock(&share_lock);
	return id;
}

/**
 * Forget a client (at close): free what its inbox still holds.
 *
 * @param sa  the client
 * @param id  its number (0: none)
 */
void
hca_sa_share_leave(struct hca_sa *sa, unsigned int id)
{
	struct hca_sa_inbox *in;
	unsigned int i;

	if (id == 0 || id > HCA_SA_SHARE_MAX)
		return;
	pthread_mutex_lock(&share_lock);
	in = &inboxes[id - 1];
	if (in->owner == sa) {
		for (i = 0; i < in->count; i++)
			free(in->q[(in->head + i) % HCA_SA_INBOX_MAX].mad);
		memset(in, 0, sizeof(*in));
		share_clients--;
	}
	pthread_mutex_unlock(&share_lock);
}

/** Whether other clients live in this process (then poll in slices). */
bool
hca_sa_share_crowded(void)
{
	return __atomic_load_n(&share_clients, __ATOMIC_RELAXED) > 1;
}

/**
 * Hand a reply that another client asked for to that client's inbox.
 *
 * @param self  the client that read it
 * @param tid   its TID (low 32 bits carry the asker's number)
 * @param mad   the reply
 * @param len   its length
 * @return 1 when handed over, 0 when nobody of the process asked it
 */
int
hca_sa_share_forward(const struct hca_sa *self, uint64_t tid,
		     const uint8_t *mad, size_t len)
{
	unsigned int id = ((uint32_t)tid >> 24) & 0xff;
	struct hca_sa_inbox *in;
	uint8_t *copy;
	int ret = 0;

	if (id == 0 || id > HCA_SA_SHARE_MAX || len > HCA_SA_INBOX_MAD_MAX)
		return 0;
	copy = malloc(len);
	if (copy == NULL)
		return 0;
	memcpy(copy, mad, len);
	pthread_mutex_lock(&share_lock);
	in = &inboxes[id - 1];
	if (in->owner != NULL && in->owner != self &&
	    in->count < HCA_SA_INBOX_MAX) {
		struct hca_sa_inbox_mad *e =
			&in->q[(in->head + in->count) % HCA_SA_INBOX_MAX];

		e->mad = copy;
		e->len = len;
		in->count++;
		ret = 1;
	}
	pthread_mutex_unlock(&share_lock);
	if (ret == 0)
		free(copy);
	return ret;
}

/**
 * Take the oldest reply handed over to a client.
 *
 * @param sa   the client
 * @param id   its number
 * @param len  set to the reply's length
 * @return the reply (free() it), or NULL when the inbox is empty
 */
uint8_t *
hca_sa_share_take(struct hca_sa *sa, unsigned int id, size_t *len)
{
	struct hca_sa_inbox *in;
	uint8_t *mad = NULL;

	if (id == 0 || id > HCA_SA_SHARE_MAX)
		return NULL;
	pthread_mutex_lock(&share_lock);
	in = &inboxes[id - 1];
	if (in->owner == sa && in->count > 0) {
		mad = in->q[in->head].mad;
		*len = in->q[in->head].len;
		in->q[in->head].mad = NULL;
		in->head = (in->head + 1) % HCA_SA_INBOX_MAX;
		in->count--;
	}
	pthread_mutex_unlock(&share_lock);
	return mad;
}

/* ------------------------------------------------------------------ */
/* One umad port and agent per CA port and process                     */
/* ------------------------------------------------------------------ */

/*
 * libumad2sim keeps one reader thread per opened port and shares its
 * state between two opens of the same port: closing one of them while
 * the other lives made that thread dereference freed state (a crash at
 * port stop with two net_ipoib ports in one process). So the clients of
 * one CA port share one umad port and SA agent, opened by the first and
 * closed by the last; replies reach their client through the numbers
 * above, whichever client reads them.
 */

/** A umad port with its SA agent, shared by the clients of a CA port. */
struct hca_sa_umad {
	char ca_name[HCA_CA_NAME_LEN];
	int port_num;
	int portid;
	int agent;
	int fd;
	unsigned int refs;        /**< 0: entry free */
};

static struct hca_sa_umad umads[HCA_SA_SHARE_MAX];

/**
 * Give a client the umad port and SA agent of its CA port: the shared
 * one when another client of the process has it open, else a new one
 * (opened with open_fn).
 *
 * @param sa       the client (ca_name and port_num set)
 * @param open_fn  opens a new port and agent into sa (0 or -errno)
 * @return 0, or the negative errno of open_fn / -ENOSPC
 */
int
hca_sa_share_port_open(struct hca_sa *sa, int (*open_fn)(struct hca_sa *))
{
	struct hca_sa_umad *u, *free_u = NULL;
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&share_lock);
	for (i = 0; i < HCA_SA_SHARE_MAX; i++) {
		u = &umads[i];
		if (u->refs != 0 && u->port_num == sa->port_num &&
		    strcmp(u->ca_name, sa->ca_name) == 0)
			break;
		if (u->refs == 0 && free_u == NULL)
			free_u = u;
	}
	if (i < HCA_SA_SHARE_MAX) {
		u->refs++;
		sa->portid = u->portid;
		sa->agent = u->agent;
		sa->fd = u->fd;
	} else if (free_u == NULL) {
		ret = -ENOSPC;
	} else {
		ret = open_fn(sa);
		if (ret == 0) {
			snprintf(free_u->ca_name, sizeof(free_u->ca_name),
				 "%s", sa->ca_name);
			free_u->port_num = sa->port_num;
			free_u->portid = sa->portid;
			free_u->agent = sa->agent;
			free_u->fd = sa->fd;
			free_u->refs = 1;
		}
	}
	pthread_mutex_unlock(&share_lock);
	return ret;
}

/**
 * A client is done with its umad port: unregister and close it when it
 * was the last one.
 *
 * @param sa  the client
 */
void
hca_sa_share_port_close(struct hca_sa *sa)
{
	unsigned int i;

	pthread_mutex_lock(&share_lock);
	for (i = 0; i < HCA_SA_SHARE_MAX; i++) {
		struct hca_sa_umad *u = &umads[i];

		if (u->refs == 0 || u->portid != sa->portid)
			continue;
		if (--u->refs == 0) {
			umad_unregister(u->portid, u->agent);
			umad_close_port(u->portid);
			memset(u, 0, sizeof(*u));
		}
		break;
	}
	pthread_mutex_unlock(&share_lock);
}
