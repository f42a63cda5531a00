/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The SA client's queries: paths, multicast joins and leaves, node,
 * port and P_Key records. Each is one request (or a bounded series) on
 * the asynchronous core; the synchronous forms send and then poll until
 * their own request completes.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hca_log.h"
#include "hca_sa_priv.h"

/** Highest unicast LID. */
#define MAX_UNICAST_LID 0xbfff
/** LIDs walked past the highest known one when no switch says more. */
#define LID_WALK_SLACK 64
/** Most P_Key blocks read (65536 P_Keys / 32). */
#define MAX_PKEY_BLOCKS 2048

/* ------------------------------------------------------------------ */
/* Synchronous requests on the asynchronous core                       */
/* ------------------------------------------------------------------ */

/** A decoder of a raw reply, run inside the completion callback. */
typedef int (*raw_decode_t)(const struct hca_sa_reply *r, void *ctx);

/** The state of one synchronous request. */
struct sync_req {
	bool done;
	int status;
	enum hca_sa_kind kind;
	void *out;            /**< path or mcmember record to fill */
	raw_decode_t decode;  /**< for raw replies */
	void *ctx;
};

/** Completion callback of a synchronous request: keep the answer. */
static void
sync_req_done(void *arg, int status, const void *record)
{
	struct sync_req *s = arg;

	s->done = true;
	s->status = status;
	if (status != 0 || record == NULL)
		return;
	if (s->kind == HCA_SA_KIND_PATH && s->out != NULL)
		memcpy(s->out, record, sizeof(struct hca_path_rec));
	else if (s->kind == HCA_SA_KIND_MCMEMBER && s->out != NULL)
		memcpy(s->out, record, sizeof(struct hca_mcmember_rec));
	else if (s->kind == HCA_SA_KIND_RAW && s->decode != NULL)
		s->status = s->decode(record, s->ctx);
}

/**
 * Send a request and poll until it completes.
 *
 * @param sa     the client
 * @param req    what to send
 * @param out    record to fill (path / mcmember kinds), or NULL
 * @param decode raw decoder (raw kind), or NULL
 * @param ctx    its context
 * @return 0 or a negative errno
 */
static int
sync_run(struct hca_sa *sa, const struct hca_sa_request *req, void *out,
	 raw_decode_t decode, void *ctx)
{
	struct sync_req s = {
		.kind = req->kind, .out = out, .decode = decode, .ctx = ctx,
	};
	int ret;

	ret = hca_sa_submit(sa, req, sync_req_done, &s);
	if (ret != 0)
		return ret;
	ret = hca_sa_wait(sa, &s.done);
	return ret != 0 ? ret : s.status;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */
/* ------------------------------------------------------------------ */

/** Fill a PathRecord Get request (rec is its template buffer). */
static void
path_request(const struct hca_sa *sa, const union hca_gid *dgid,
	     uint16_t pkey, uint8_t *rec, struct hca_sa_request *req)
{
	memset(req, 0, sizeof(*req));
	hca_sa_path_template(rec, &sa->port_gid, dgid, pkey,
			     &req->comp_mask);
	req->method = HCA_METHOD_GET;
	req->attr = HCA_SA_ATTR_PATH_REC;
	req->rec = rec;
	req->rec_len = HCA_SA_PATH_REC_LEN;
	req->kind = HCA_SA_KIND_PATH;
	req->expect_gid = dgid;
}

/** Start a PathRecord query (see hca_sa.h). */
int
hca_sa_query_path_async(struct hca_sa *sa, const union hca_gid *dgid,
			uint16_t pkey, hca_sa_cb_t cb, void *arg)
{
	uint8_t rec[HCA_SA_PATH_REC_LEN];
	struct hca_sa_request req;

	if (sa == NULL || dgid == NULL || cb == NULL)
		return -EINVAL;
	path_request(sa, dgid, pkey, rec, &req);
	return hca_sa_submit(sa, &req, cb, arg);
}

/** Ask for a path to a destination GID (see hca_sa.h). */
int
hca_sa_query_path(struct hca_sa *sa, const union hca_gid *dgid,
		  uint16_t pkey, struct hca_path_rec *path)
{
	uint8_t rec[HCA_SA_PATH_REC_LEN];
	struct hca_sa_request req;

	if (sa == NULL || dgid == NULL || path == NULL)
		return -EINVAL;
	path_request(sa, dgid, pkey, rec, &req);
	return sync_run(sa, &req, path, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Multicast                                                           */
/* ------------------------------------------------------------------ */

/**
 * Fill an MCMemberRecord request.
 *
 * @param method      Set (join), Delete (leave) or GetTable (query)
 * @param join_state  JoinState bits (join and leave)
 * @param create      creation parameters (join), or NULL
 */
static void
mcast_request(const struct hca_sa *sa, uint8_t method,
	      const union hca_gid *mgid, uint8_t join_state,
	      const struct hca_mcmember_rec *create, uint8_t *rec,
	      struct hca_sa_request *req)
{
	memset(req, 0, sizeof(*req));
	hca_sa_mcmember_template(rec, mgid,
				 method == HCA_METHOD_GET_TABLE ? NULL :
				 &sa->port_gid, join_state, create,
				 &req->comp_mask);
	req->method = method;
	req->attr = HCA_SA_ATTR_MCMEMBER_REC;
	req->rec = rec;
	req->rec_len = HCA_SA_MCMEMBER_REC_LEN;
	req->kind = method == HCA_METHOD_DELETE ? HCA_SA_KIND_RAW :
		    HCA_SA_KIND_MCMEMBER;
	req->expect_gid = mgid;
}

/** Whether join state bits are a valid, non-empty combination. */
static bool
join_state_valid(uint8_t join_state)
{
	return join_state != 0 && (join_state & ~0x0f) == 0;
}

/** Start a multicast join (see hca_sa.h). */
int
hca_sa_join_mcast_async(struct hca_sa *sa, const union hca_gid *mgid,
			uint8_t join_state,
			const struct hca_mcmember_rec *create,
			hca_sa_cb_t cb, void *arg)
{
	uint8_t rec[HCA_SA_MCMEMBER_REC_LEN];
	struct hca_sa_request req;

	if (sa == NULL || mgid == NULL || cb == NULL ||
	    !join_state_valid(join_state))
		return -EINVAL;
	mcast_request(sa, HCA_METHOD_SET, mgid, join_state, create, rec,
		      &req);
	return hca_sa_submit(sa, &req, cb, arg);
}

/** Join a multicast group (see hca_sa.h). */
int
hca_sa_join_mcast(struct hca_sa *sa, const union hca_gid *mgid,
		  uint8_t join_state, const struct hca_mcmember_rec *create,
		  struct hca_mcmember_rec *rec)
{
	uint8_t tmpl[HCA_SA_MCMEMBER_REC_LEN];
	struct hca_sa_request req;

	if (sa == NULL || mgid == NULL || rec == NULL ||
	    !join_state_valid(join_state))
		return -EINVAL;
	mcast_request(sa, HCA_METHOD_SET, mgid, join_state, create, tmpl,
		      &req);
	return sync_run(sa, &req, rec, NULL, NULL);
}

/** Leave a multicast group (see hca_sa.h). */
int
hca_sa_leave_mcast(struct hca_sa *sa, const union hca_gid *mgid,
		   uint8_t join_state)
{
	uint8_t tmpl[HCA_SA_MCMEMBER_REC_LEN];
	struct hca_sa_request req;

	if (sa == NULL || mgid == NULL || !join_state_valid(join_state))
		return -EINVAL;
	mcast_request(sa, HCA_METHOD_DELETE, mgid, join_state, NULL, tmpl,
		      &req);
	return sync_run(sa, &req, NULL, NULL, NULL);
}

/** Read an existing group's record (see hca_sa.h). */
int
hca_sa_query_mcast(struct hca_sa *sa, const union hca_gid *mgid,
		   struct hca_mcmember_rec *rec)
{
	uint8_t tmpl[HCA_SA_MCMEMBER_REC_LEN];
	struct hca_sa_request req;

	if (sa == NULL || mgid == NULL || rec == NULL)
		return -EINVAL;
	mcast_request(sa, HCA_METHOD_GET_TABLE, mgid, 0, NULL, tmpl, &req);
	return sync_run(sa, &req, rec, NULL, NULL);
}

/** The caller's callback of a membership query. */
struct membership_req {
	union hca_gid mgid;
	hca_sa_cb_t cb;
	void *arg;
};

/**
 * Raw completion of a membership query: the port is a member when a
 * record of the group came back (an SA blanks the PortGID and JoinState
 * of records it gives without an SM_Key, so the count is the answer).
 */
static void
membership_done(void *arg, int status, const void *record)
{
	struct membership_req *q = arg;
	const struct hca_sa_reply *r = record;
	struct hca_mcmember_rec mcm;
	bool member = false;
	unsigned int i;

	for (i = 0; status == 0 && r != NULL && i < r->n_records; i++) {
		const uint8_t *rec = hca_sa_reply_record(r, i,
						HCA_SA_MCMEMBER_REC_LEN);

		if (rec == NULL || hca_sa_mcmember_decode(rec,
				HCA_SA_MCMEMBER_REC_LEN, &mcm) != 0) {
			status = -EPROTO;
			break;
		}
		if (memcmp(mcm.mgid.raw, q->mgid.raw, HCA_GID_LEN) == 0)
			member = true;
	}
	q->cb(q->arg, status, status == 0 ? &member : NULL);
	free(q);
}

/** Ask whether this port is a member of a group (see hca_sa.h). */
int
hca_sa_query_membership_async(struct hca_sa *sa, const union hca_gid *mgid,
			      hca_sa_cb_t cb, void *arg)
{
	uint8_t rec[HCA_SA_MCMEMBER_REC_LEN];
	struct hca_sa_request req = {
		.method = HCA_METHOD_GET_TABLE,
		.attr = HCA_SA_ATTR_MCMEMBER_REC, .rec = rec,
		.rec_len = sizeof(rec), .kind = HCA_SA_KIND_RAW,
	};
	struct membership_req *q;
	int ret;

	if (sa == NULL || mgid == NULL || cb == NULL)
		return -EINVAL;
	q = malloc(sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->mgid = *mgid;
	q->cb = cb;
	q->arg = arg;
	/* MGID and PortGID only: any join state of the port matches */
	hca_sa_mcmember_template(rec, mgid, &sa->port_gid, 0, NULL,
				 &req.comp_mask);
	req.comp_mask &= ~HCA_MCR_COMP_JOIN_STATE;
	ret = hca_sa_submit(sa, &req, membership_done, q);
	if (ret != 0)
		free(q);
	return ret;
}

/** The state of a synchronous membership query. */
struct membership_sync {
	bool done;
	int status;
	bool member;
};

/** Completion of a synchronous membership query: keep the answer. */
static void
membership_sync_done(void *arg, int status, const void *record)
{
	struct membership_sync *s = arg;

	s->done = true;
	s->status = status;
	if (status == 0 && record != NULL)
		s->member = *(const bool *)record;
}

/** Ask whether this port is a member of a group, and wait (hca_sa.h). */
int
hca_sa_query_membership(struct hca_sa *sa, const union hca_gid *mgid,
			bool *member)
{
	struct membership_sync s = { .done = false };
	int ret;

	if (member == NULL)
		return -EINVAL;
	ret = hca_sa_query_membership_async(sa, mgid, membership_sync_done,
					    &s);
	if (ret != 0)
		return ret;
	ret = hca_sa_wait(sa, &s.done);
	if (ret == 0)
		ret = s.status;
	if (ret == -ENOENT) {
		/* "no records": not a member (an SA may say so this way) */
		s.member = false;
		ret = 0;
	}
	if (ret == 0)
		*member = s.member;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Tables of records                                                   */
/* ------------------------------------------------------------------ */

/** Decode one wire record into an element of a table. */
typedef int (*elem_decode_t)(const uint8_t *rec, size_t len, void *out);

/** A growing array of decoded records. */
struct table {
	void *elems;
	size_t elem_size;
	unsigned int n;
	unsigned int cap;
	size_t wire_len;         /**< bytes of one record on the wire */
	elem_decode_t decode;
	bool truncated;          /**< the SA's table may have lost records */
};

/** Room for one more element; 0 or -ENOMEM. */
static int
table_reserve(struct table *t)
{
	unsigned int cap;
	void *ne;

	if (t->n < t->cap)
		return 0;
	cap = t->cap != 0 ? t->cap * 2 : 16;
	ne = realloc(t->elems, (size_t)cap * t->elem_size);
	if (ne == NULL)
		return -ENOMEM;
	t->elems = ne;
	t->cap = cap;
	return 0;
}

/** Raw decoder: append every whole record of a reply to a table. */
static int
table_collect(const struct hca_sa_reply *r, void *ctx)
{
	struct table *t = ctx;
	unsigned int i;

	if (r->maybe_truncated)
		t->truncated = true;
	for (i = 0; i < r->n_records; i++) {
		const uint8_t *rec = hca_sa_reply_record(r, i, t->wire_len);
		int ret;

		if (rec == NULL)
			return -EPROTO;
		ret = table_reserve(t);
		if (ret != 0)
			return ret;
		ret = t->decode(rec, t->wire_len,
				(uint8_t *)t->elems + t->n * t->elem_size);
		if (ret != 0)
			return ret;
		t->n++;
	}
	return 0;
}

/**
 * Send one table request (GetTable, or Get for one record) and append
 * what it returns.
 */
static int
table_query(struct hca_sa *sa, struct table *t, uint8_t method,
	    uint16_t attr, uint64_t comp_mask, const uint8_t *rec,
	    size_t rec_len)
{
	struct hca_sa_request req = {
		.method = method, .attr = attr, .comp_mask = comp_mask,
		.rec = rec, .rec_len = rec_len, .kind = HCA_SA_KIND_RAW,
	};

	return sync_run(sa, &req, NULL, table_collect, t);
}

/** elem_decode_t adaptor for NodeRecords. */
static int
decode_node(const uint8_t *rec, size_t len, void *out)
{
	return hca_sa_node_decode(rec, len, out);
}

/** elem_decode_t adaptor for PortInfoRecords. */
static int
decode_portinfo(const uint8_t *rec, size_t len, void *out)
{
	return hca_sa_portinfo_decode(rec, len, out);
}

/** elem_decode_t adaptor for SwitchInfoRecords: keeps LinearFDBTop. */
static int
decode_switch_top(const uint8_t *rec, size_t len, void *out)
{
	return hca_sa_switchinfo_top(rec, len, out);
}

/**
 * The highest LID worth asking about: the switches' LinearFDBTop, or our
 * own and the SM's LID plus some slack when no switch answers.
 */
static uint16_t
sa_find_top_lid(struct hca_sa *sa)
{
	struct table t = {
		.elem_size = sizeof(uint16_t),
		.wire_len = HCA_SA_SWITCHINFO_REC_LEN,
		.decode = decode_switch_top,
	};
	unsigned int top = sa->lid > sa->sm_lid ? sa->lid : sa->sm_lid;
	unsigned int i;

	if (table_query(sa, &t, HCA_METHOD_GET_TABLE,
			HCA_SA_ATTR_SWITCHINFO_REC, 0, NULL, 0) == 0 &&
	    t.n != 0) {
		for (i = 0; i < t.n; i++) {
			uint16_t v = ((uint16_t *)t.elems)[i];

			if (v > top)
				top = v;
		}
	} else {
		top += LID_WALK_SLACK;
	}
	free(t.elems);
	return top > MAX_UNICAST_LID ? MAX_UNICAST_LID : (uint16_t)top;
}

/**
 * Rebuild the NodeRecord table one LID at a time: used when the SA's
 * GetTable reply may have lost records (no RMPP reassembly, as under
 * ibsim's umad2sim).
 */
static int
nodes_walk_lids(struct hca_sa *sa, struct table *t)
{
	uint8_t rec[HCA_SA_NODE_REC_LEN];
	uint16_t top = sa_find_top_lid(sa);
	unsigned int lid;

	t->n = 0;
	for (lid = 1; lid <= top; lid++) {
		int ret;

		hca_sa_node_template_by_lid(rec, (uint16_t)lid);
		ret = table_query(sa, t, HCA_METHOD_GET, HCA_SA_ATTR_NODE_REC,
				  HCA_NR_COMP_LID, rec, sizeof(rec));
		if (ret != 0 && ret != -ENOENT)
			return ret;
	}
	return 0;
}

/** Hand a table to the caller, or free it on error. */
static int
table_finish(struct table *t, int ret, void *recs, unsigned int *n)
{
	if (ret != 0) {
		free(t->elems);
		return ret;
	}
	*(void **)recs = t->elems;
	*n = t->n;
	return 0;
}

/** List every NodeRecord the SA knows (see hca_sa.h). */
int
hca_sa_query_nodes(struct hca_sa *sa, struct hca_node_rec **recs,
		   unsigned int *n)
{
	struct table t = {
		.elem_size = sizeof(struct hca_node_rec),
		.wire_len = HCA_SA_NODE_REC_LEN,
		.decode = decode_node,
	};
	int ret;

	if (sa == NULL || recs == NULL || n == NULL)
		return -EINVAL;
	ret = table_query(sa, &t, HCA_METHOD_GET_TABLE, HCA_SA_ATTR_NODE_REC,
			  0, NULL, 0);
	if (ret == 0 && t.truncated) {
		HCA_LOG(DEBUG, "NodeRecord table incomplete: walking LIDs");
		ret = nodes_walk_lids(sa, &t);
	}
	return table_finish(&t, ret, recs, n);
}

/**
 * Rebuild the PortInfoRecord table from the nodes, one end port at a
 * time (port 0 of switches, the LID's own port of CAs and routers).
 */
static int
portinfos_walk_nodes(struct hca_sa *sa, struct table *t)
{
	uint8_t rec[HCA_SA_PORTINFO_REC_LEN];
	struct hca_node_rec *nodes;
	unsigned int i, n_nodes;
	int ret;

	ret = hca_sa_query_nodes(sa, &nodes, &n_nodes);
	if (ret != 0)
		return ret;
	t->n = 0;
	for (i = 0; i < n_nodes && ret == 0; i++) {
		uint8_t port = nodes[i].node_type == 2 ? 0 : nodes[i].port_num;

		hca_sa_portinfo_template(rec, nodes[i].lid, port);
		ret = table_query(sa, t, HCA_METHOD_GET,
				  HCA_SA_ATTR_PORTINFO_REC,
				  HCA_PIR_COMP_LID | HCA_PIR_COMP_PORT_NUM,
				  rec, sizeof(rec));
		if (ret == -ENOENT)
			ret = 0;
	}
	free(nodes);
	return ret;
}

/** List every PortInfoRecord the SA knows (see hca_sa.h). */
int
hca_sa_query_portinfos(struct hca_sa *sa, struct hca_portinfo_rec **recs,
		       unsigned int *n)
{
	struct table t = {
		.elem_size = sizeof(struct hca_portinfo_rec),
		.wire_len = HCA_SA_PORTINFO_REC_LEN,
		.decode = decode_portinfo,
	};
	int ret;

	if (sa == NULL || recs == NULL || n == NULL)
		return -EINVAL;
	ret = table_query(sa, &t, HCA_METHOD_GET_TABLE,
			  HCA_SA_ATTR_PORTINFO_REC, 0, NULL, 0);
	if (ret == 0 && t.truncated) {
		HCA_LOG(DEBUG, "PortInfoRecord table incomplete: walking");
		ret = portinfos_walk_nodes(sa, &t);
	}
	return table_finish(&t, ret, recs, n);
}

/* ------------------------------------------------------------------ */
/* P_Keys and single ports                                             */
/* ------------------------------------------------------------------ */

/** Raw decoder: one PKeyTableRecord block into a 32-entry array. */
static int
pkey_block_collect(const struct hca_sa_reply *r, void *ctx)
{
	const uint8_t *rec = hca_sa_reply_record(r, 0, HCA_SA_PKEY_REC_LEN);
	uint16_t block;

	if (rec == NULL)
		return r->n_records == 0 ? -ENOENT : -EPROTO;
	return hca_sa_pkey_decode(rec, HCA_SA_PKEY_REC_LEN, &block, ctx);
}

/** Read one P_Key block of a port; 0, -ENOENT or another errno. */
static int
pkey_read_block(struct hca_sa *sa, uint16_t lid, uint8_t port,
		uint16_t block, uint16_t *pkeys)
{
	uint8_t rec[HCA_SA_PKEY_REC_LEN];
	struct hca_sa_request req = {
		.method = HCA_METHOD_GET,
		.attr = HCA_SA_ATTR_PKEY_TABLE_REC,
		.comp_mask = HCA_PKR_COMP_LID | HCA_PKR_COMP_BLOCK |
			     HCA_PKR_COMP_PORT_NUM,
		.rec = rec, .rec_len = sizeof(rec), .kind = HCA_SA_KIND_RAW,
		.trusted = true,
	};

	hca_sa_pkey_template(rec, lid, port, block);
	return sync_run(sa, &req, NULL, pkey_block_collect, pkeys);
}

/** Read a port's P_Key table from the SA (see hca_sa.h). */
int
hca_sa_query_pkeys(struct hca_sa *sa, uint16_t lid, uint8_t port,
		   uint16_t *pkeys, unsigned int max, unsigned int *n)
{
	uint16_t blk[HCA_SA_PKEYS_PER_BLOCK];
	unsigned int block, got = 0;
	int ret = 0;

	if (sa == NULL || pkeys == NULL || n == NULL || max == 0)
		return -EINVAL;
	for (block = 0; got < max && block < MAX_PKEY_BLOCKS; block++) {
		unsigned int take = max - got;

		ret = pkey_read_block(sa, lid, port, (uint16_t)block, blk);
		if (ret != 0)
			break;
		if (take > HCA_SA_PKEYS_PER_BLOCK)
			take = HCA_SA_PKEYS_PER_BLOCK;
		memcpy(pkeys + got, blk, take * sizeof(uint16_t));
		got += take;
	}
	/* A missing block past the first ends the table. */
	if (ret == -ENOENT && block > 0)
		ret = 0;
	*n = got;
	return ret;
}

/** The SA's view of one port, found by its GUID (see hca_sa.h). */
int
hca_sa_query_port_by_guid(struct hca_sa *sa, uint64_t port_guid,
			  struct hca_node_rec *node,
			  struct hca_portinfo_rec *pi)
{
	struct table t = {
		.elem_size = sizeof(struct hca_node_rec),
		.wire_len = HCA_SA_NODE_REC_LEN,
		.decode = decode_node,
	};
	uint8_t rec[HCA_SA_NODE_REC_LEN];
	struct hca_node_rec found;
	unsigned int i;
	int ret;

	if (sa == NULL || node == NULL)
		return -EINVAL;
	hca_sa_node_template_by_guid(rec, port_guid);
	ret = table_query(sa, &t, HCA_METHOD_GET_TABLE, HCA_SA_ATTR_NODE_REC,
			  HCA_NR_COMP_PORT_GUID, rec, sizeof(rec));
	for (i = 0, ret = ret != 0 ? ret : -ENOENT; i < t.n; i++) {
		found = ((struct hca_node_rec *)t.elems)[i];
		if (found.port_guid == port_guid) {
			ret = 0;
			break;
		}
	}
	free(t.elems);
	if (ret != 0)
		return ret;
	*node = found;
	if (pi == NULL)
		return 0;
	t = (struct table){
		.elem_size = sizeof(*pi),
		.wire_len = HCA_SA_PORTINFO_REC_LEN,
		.decode = decode_portinfo,
	};
	hca_sa_portinfo_template(rec, found.lid,
				 found.node_type == 2 ? 0 : found.port_num);
	ret = table_query(sa, &t, HCA_METHOD_GET, HCA_SA_ATTR_PORTINFO_REC,
			  HCA_PIR_COMP_LID | HCA_PIR_COMP_PORT_NUM, rec,
			  HCA_SA_PORTINFO_REC_LEN);
	if (ret == 0 && t.n == 0)
		ret = -ENOENT;
	if (ret == 0)
		*pi = *(struct hca_portinfo_rec *)t.elems;
	free(t.elems);
	return ret;
}

/* ------------------------------------------------------------------ */
/* NodeRecord by LID, asynchronous                                     */
/* ------------------------------------------------------------------ */

/** The caller's callback of an asynchronous NodeRecord query. */
struct node_by_lid_req {
	hca_sa_cb_t cb;
	void *arg;
};

/** Raw completion: decode the first NodeRecord, call the caller, free. */
static void
node_by_lid_done(void *arg, int status, const void *record)
{
	struct node_by_lid_req *q = arg;
	const struct hca_sa_reply *r = record;
	struct hca_node_rec node;
	const uint8_t *rec = NULL;

	if (status == 0 && r != NULL)
		rec = hca_sa_reply_record(r, 0, HCA_SA_NODE_REC_LEN);
	if (status == 0 && rec == NULL)
		status = -ENOENT;
	if (status == 0)
		status = hca_sa_node_decode(rec, HCA_SA_NODE_REC_LEN, &node);
	q->cb(q->arg, status, status == 0 ? &node : NULL);
	free(q);
}

/** Start a NodeRecord query by LID (see hca_sa.h). */
int
hca_sa_query_node_by_lid_async(struct hca_sa *sa, uint16_t lid,
			       hca_sa_cb_t cb, void *arg)
{
	uint8_t rec[HCA_SA_NODE_REC_LEN];
	struct hca_sa_request req = {
		.method = HCA_METHOD_GET, .attr = HCA_SA_ATTR_NODE_REC,
		.comp_mask = HCA_NR_COMP_LID, .rec = rec,
		.rec_len = sizeof(rec), .kind = HCA_SA_KIND_RAW,
	};
	struct node_by_lid_req *q;
	int ret;

	if (sa == NULL || cb == NULL || lid == 0 || lid > MAX_UNICAST_LID)
		return -EINVAL;
	q = malloc(sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->cb = cb;
	q->arg = arg;
	hca_sa_node_template_by_lid(rec, lid);
	ret = hca_sa_submit(sa, &req, node_by_lid_done, q);
	if (ret != 0)
		free(q);
	return ret;
}
