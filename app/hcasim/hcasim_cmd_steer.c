/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's firmware commands of transport objects and receive
 * steering (see hcasim_cmd.h), as ConnectX IPoIB uses them: the TIS whose
 * underlay QP its SQs send as; RQ tables; TIRs that spread over an RQ
 * table by a Toeplitz hash; NIC receive flow tables with groups and
 * match-all entries forwarding to a TIR; SET_FLOW_TABLE_ROOT, which binds
 * a table to an underlay QP. Once bound, every datagram for the QP (unicast
 * or multicast) goes to the RQ the hash picks, none to the QP itself; the
 * QP still admits it (state, P_Key, Q_Key).
 *
 * What the daemon models, and refuses otherwise (documented syndromes):
 * TIRs indirect, Toeplitz, with the daemon's key, on source and
 * destination addresses and ports (either address family, TCP or UDP,
 * through one TIR: ConnectX wants one TIR per traffic type); tables of
 * the NIC receive type, at most 16 entries, groups without match
 * criteria, entries that forward to one TIR. The first entry of a root
 * table (lowest index) decides. After every change the member set of each
 * bound QP is published anew (hcasim_rss_set, steered) for the data path.
 * Objects are numbered per client from 1. Control thread only.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hcasim_cmd.h"
#include "hcasim_msg.h"

/** Objects of each kind a client can hold. */
#define STEER_MAX HCASIM_STEER_MAX
/** Flow tables a client can hold, groups per table, entries per table. */
#define FT_MAX 16
#define FG_MAX 4
#define LOG_FTE_MAX 4
#define FTE_MAX (1u << LOG_FTE_MAX)
/** Most RQs in one RQ table (as the HCA layer writes at most). */
#define RQT_MAX HCASIM_RQT_MAX

/** A TIS. */
struct steer_tis {
	bool used;
	uint32_t underlay_qpn;
	uint32_t refs;          /**< SQs */
};

/** An RQ table. */
struct steer_rqt {
	bool used;
	uint32_t n;
	uint32_t rqn[RQT_MAX];
	uint32_t refs;          /**< TIRs */
};

/** A TIR. */
struct steer_tir {
	bool used;
	uint32_t rqtn;
	uint32_t refs;          /**< flow entries */
};

/** A flow group. */
struct steer_fg {
	bool used;
	uint32_t start, end;
	uint32_t entries;
};

/** A flow table entry. */
struct steer_fte {
	bool used;
	uint32_t group;         /**< index + 1 */
	uint32_t tirn;
};

/** A flow table. */
struct steer_ft {
	bool used;
	uint32_t size;
	uint32_t root_qpn;      /**< the QP it is the root of, or 0 */
	uint32_t groups;
	struct steer_fg fg[FG_MAX];
	struct steer_fte fte[FTE_MAX];
};

/** A client's transport and steering objects. */
struct hcasim_steer {
	struct steer_tis tis[STEER_MAX];
	struct steer_rqt rqt[STEER_MAX];
	struct steer_tir tir[STEER_MAX];
	struct steer_ft ft[FT_MAX];
};

/** The client's steering state, made on first use (NULL: no memory). */
static struct hcasim_steer *
steer_of(struct hcasim_client *c)
{
	struct hcasim_cmd_client *s = hcasim_cmd_state(c);

	if (s != NULL && s->steer == NULL)
		s->steer = calloc(1, sizeof(*s->steer));
	return s != NULL ? s->steer : NULL;
}

/** Object n (1-based) of an array of max, if used, else NULL. */
#define STEER_GET(arr, max, num) \
	((num) >= 1 && (num) <= (max) && (arr)[(num) - 1].used ? \
	 &(arr)[(num) - 1] : NULL)

/** A free slot's number (1-based) in an array of max, or 0. */
#define STEER_FREE(arr, max, out) do { \
	uint32_t i_; \
	(out) = 0; \
	for (i_ = 0; i_ < (max); i_++) \
		if (!(arr)[i_].used) { \
			(out) = i_ + 1; \
			break; \
		} \
} while (0)

/* See hcasim_cmd.h. */
uint32_t
hcasim_steer_tis_underlay(struct hcasim_client *c, uint32_t tisn)
{
	struct hcasim_steer *s = c->cmd != NULL ? c->cmd->steer : NULL;
	struct steer_tis *t = s != NULL ? STEER_GET(s->tis, STEER_MAX, tisn) :
			      NULL;

	return t != NULL ? t->underlay_qpn : 0;
}

/* See hcasim_cmd.h. */
void
hcasim_steer_tis_ref(struct hcasim_client *c, uint32_t tisn, int d)
{
	struct hcasim_steer *s = c->cmd != NULL ? c->cmd->steer : NULL;
	struct steer_tis *t = s != NULL ? STEER_GET(s->tis, STEER_MAX, tisn) :
			      NULL;

	if (t != NULL)
		t->refs += d;
}

/* See hcasim_cmd.h. */
void
hcasim_steer_release(struct hcasim_client *c)
{
	if (c->cmd != NULL) {
		free(c->cmd->steer);
		c->cmd->steer = NULL;
	}
}

/****************************************************************************
 * Publishing to the data path
 ****************************************************************************/

/** The client's UD QP of a number (an underlay candidate), or NULL. */
static struct hcasim_qp *
underlay_ours(struct hcasim_cmd_ctx *x, uint32_t qpn)
{
	struct hcasim_qp *qp = hcasim_qp_lookup(x->h, qpn);

	return qp != NULL && qp->owner == x->c && qp->kind == HCASIM_Q_QP ?
	       qp : NULL;
}

/**
 * Give a QP a new steered member set (or none), wait for the data path,
 * free the old one.
 */
static void
publish(struct hcasim_cmd_ctx *x, struct hcasim_qp *qp,
	struct hcasim_rss_set *set)
{
	struct hcasim_rss_set *old = __atomic_exchange_n(&qp->rss, set,
							 __ATOMIC_ACQ_REL);

	hcasim_dp_sync(x->h);
	free(old);
}

/**
 * The RQs a root table leads to: its first entry's TIR's RQ table.
 *
 * @return the set (possibly empty), or NULL without memory
 */
static struct hcasim_rss_set *
table_set(struct hcasim_cmd_ctx *x, struct hcasim_steer *s,
	  const struct steer_ft *ft)
{
	const struct steer_rqt *rqt = NULL;
	struct hcasim_rss_set *set;
	uint32_t i;

	for (i = 0; i < ft->size && rqt == NULL; i++) {
		const struct steer_tir *tir;

		if (!ft->fte[i].used)
			continue;
		tir = STEER_GET(s->tir, STEER_MAX, ft->fte[i].tirn);
		if (tir != NULL)
			rqt = STEER_GET(s->rqt, STEER_MAX, tir->rqtn);
		break;
	}
	set = malloc(sizeof(*set) + RQT_MAX * sizeof(set->qps[0]));
	if (set == NULL)
		return NULL;
	set->n = 0;
	for (i = 0; rqt != NULL && i < rqt->n; i++) {
		struct hcasim_qp *rq = hcasim_qp_lookup(x->h, rqt->rqn[i]);

		if (rq != NULL && rq->owner == x->c && rq->kind == HCASIM_Q_RQ)
			set->qps[set->n++] = rq;
	}
	return set;
}

/**
 * Publish the member set of every QP a table of the client is the root
 * of (after any change of a table, entry, TIR or RQ table).
 *
 * @return 0, or a failed status (no memory)
 */
static int
steer_publish(struct hcasim_cmd_ctx *x, struct hcasim_steer *s)
{
	uint32_t i;

	for (i = 0; i < FT_MAX; i++) {
		struct steer_ft *ft = &s->ft[i];
		struct hcasim_rss_set *set;
		struct hcasim_qp *qp;

		if (!ft->used || ft->root_qpn == 0)
			continue;
		qp = underlay_ours(x, ft->root_qpn);
		if (qp == NULL)
			continue; /* the QP is gone */
		set = table_set(x, s, ft);
		if (set == NULL)
			return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
					       HCASIM_SYN_NO_MEM);
		publish(x, qp, set);
	}
	return HCA_STATUS_OK;
}

/** A steering handler's state, or a failed status when out of memory. */
#define STEER_OR_FAIL(x, s) do { \
	(s) = steer_of((x)->c); \
	if ((s) == NULL) \
		return hcasim_cmd_fail((x), HCA_STATUS_NO_RESOURCES, \
				       HCASIM_SYN_NO_MEM); \
} while (0)

/****************************************************************************
 * TIS
 ****************************************************************************/

/**
 * CREATE_TIS: its underlay QP must be a UD QP of the client; with
 * --allow-forge (tests), any client's (a hostile host sending as
 * another: the forging test). With --no-ipoib-enhanced, refused: a
 * device without ipoib_enhanced_offloads has no RSS on UD.
 */
int
hcasim_cmd_create_tis(struct hcasim_cmd_ctx *x)
{
	const uint8_t *tisc = x->in + HCA_CREATE_TIS_IN_CTX_OFF;
	uint32_t uqpn = hca_prm_get(tisc, HCA_TISC_UNDERLAY_QPN);
	struct hcasim_qp *u = hcasim_qp_lookup(x->h, uqpn);
	struct hcasim_steer *s;
	uint32_t n;

	STEER_OR_FAIL(x, s);
	if (x->h->cfg.no_ipoib_enhanced)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UNDERLAY);
	if (u == NULL || u->kind != HCASIM_Q_QP ||
	    (u->owner != x->c && !x->h->cfg.allow_forge))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UNDERLAY);
	STEER_FREE(s->tis, STEER_MAX, n);
	if (n == 0)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_STEER_FULL);
	s->tis[n - 1].used = true;
	s->tis[n - 1].underlay_qpn = uqpn;
	s->tis[n - 1].refs = 0;
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, n);
	return HCA_STATUS_OK;
}

/** DESTROY_TIS (not while SQs use it). */
int
hcasim_cmd_destroy_tis(struct hcasim_cmd_ctx *x)
{
	struct hcasim_steer *s;
	struct steer_tis *t;

	STEER_OR_FAIL(x, s);
	t = STEER_GET(s->tis, STEER_MAX, hca_prm_get(x->in, HCA_CMD_OBJ_NUM));
	if (t == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_TIS);
	if (t->refs != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_TIS_BUSY);
	t->used = false;
	return HCA_STATUS_OK;
}

/****************************************************************************
 * RQ tables
 ****************************************************************************/

/** Count an RQ table's RQs as listed (d +1) or no longer (d -1). */
static void
rqt_ref(struct hcasim_cmd_ctx *x, const struct steer_rqt *t, int d)
{
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		struct hcasim_qp *rq = hcasim_qp_lookup(x->h, t->rqn[i]);

		if (rq != NULL && rq->owner == x->c && rq->kind == HCASIM_Q_RQ)
			rq->steer_ref += d;
	}
}

/**
 * CREATE_RQT and MODIFY_RQT (the list only): 1 .. rqt_max_size RQs, at
 * most RQT_MAX, each an RQ of the client. A modified table's TIRs
 * spread over the new list at once.
 */
int
hcasim_cmd_rqt(struct hcasim_cmd_ctx *x)
{
	bool modify = hca_prm_get(x->in, HCA_IN_OPCODE) == HCA_CMD_MODIFY_RQT;
	const uint8_t *rqtc = x->in + HCA_RQT_IN_CTX_OFF;
	uint32_t n = hca_prm_get(rqtc, HCA_RQTC_RQT_ACTUAL_SIZE);
	struct hcasim_steer *s;
	struct steer_rqt *t;
	uint32_t num, i;

	STEER_OR_FAIL(x, s);
	if (n == 0 || n > RQT_MAX ||
	    n > hca_prm_get(rqtc, HCA_RQTC_RQT_MAX_SIZE) ||
	    x->in_len < HCA_RQT_IN_LEN(n))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_RQT);
	for (i = 0; i < n; i++) {
		struct hcasim_qp *rq = hcasim_qp_lookup(x->h, hca_prm_get(
			rqtc + HCA_RQTC_RQ_NUM_OFF + 4 * i, HCA_RQT_ENTRY_RQN));

		if (rq == NULL || rq->owner != x->c ||
		    rq->kind != HCASIM_Q_RQ)
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
					       HCASIM_SYN_RQT);
	}
	if (modify) {
		num = hca_prm_get(x->in, HCA_CMD_OBJ_NUM);
		t = STEER_GET(s->rqt, STEER_MAX, num);
		if (t == NULL)
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
					       HCASIM_SYN_RQT);
		if (hca_prm_get(x->in, HCA_MODIFY_RQT_IN_BITMASK) !=
		    HCA_MODIFY_RQT_BITMASK_RQN_LIST)
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
					       HCASIM_SYN_RQT);
		rqt_ref(x, t, -1);
	} else {
		STEER_FREE(s->rqt, STEER_MAX, num);
		if (num == 0)
			return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
					       HCASIM_SYN_STEER_FULL);
		t = &s->rqt[num - 1];
		t->used = true;
		t->refs = 0;
	}
	t->n = n;
	for (i = 0; i < n; i++)
		t->rqn[i] = hca_prm_get(rqtc + HCA_RQTC_RQ_NUM_OFF + 4 * i,
					HCA_RQT_ENTRY_RQN);
	rqt_ref(x, t, 1);
	if (!modify) {
		hca_prm_set(x->out, HCA_CMD_OBJ_NUM, num);
		return HCA_STATUS_OK;
	}
	return steer_publish(x, s);
}

/** DESTROY_RQT (not while a TIR uses it). */
int
hcasim_cmd_destroy_rqt(struct hcasim_cmd_ctx *x)
{
	struct hcasim_steer *s;
	struct steer_rqt *t;

	STEER_OR_FAIL(x, s);
	t = STEER_GET(s->rqt, STEER_MAX, hca_prm_get(x->in, HCA_CMD_OBJ_NUM));
	if (t == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_RQT);
	if (t->refs != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_RQT_BUSY);
	rqt_ref(x, t, -1);
	t->used = false;
	return HCA_STATUS_OK;
}

/****************************************************************************
 * TIRs
 ****************************************************************************/

/** CREATE_TIR: indirect over an RQ table of the client, Toeplitz with
 * the daemon's key, on addresses and ports (outer headers). */
int
hcasim_cmd_create_tir(struct hcasim_cmd_ctx *x)
{
	const uint8_t *tirc = x->in + HCA_CREATE_TIR_IN_CTX_OFF;
	uint32_t rqtn = hca_prm_get(tirc, HCA_TIRC_INDIRECT_TABLE);
	struct hcasim_steer *s;
	struct steer_rqt *t;
	uint32_t n;

	STEER_OR_FAIL(x, s);
	if (hca_prm_get(tirc, HCA_TIRC_DISP_TYPE) != HCA_TIRC_DISP_INDIRECT ||
	    hca_prm_get(tirc, HCA_TIRC_RX_HASH_FN) !=
	    HCA_TIRC_HASH_FN_TOEPLITZ ||
	    hca_prm_get(tirc, HCA_TIRC_RX_HASH_SYMMETRIC) != 0 ||
	    hca_prm_get(tirc, HCA_TIRC_HASH_SELECTED_FIELDS) !=
	    (HCA_RX_HASH_SRC_IP | HCA_RX_HASH_DST_IP | HCA_RX_HASH_L4_SPORT |
	     HCA_RX_HASH_L4_DPORT) ||
	    !hcasim_rss_key_is(tirc + HCA_TIRC_TOEPLITZ_KEY_OFF))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_TIR);
	t = STEER_GET(s->rqt, STEER_MAX, rqtn);
	if (t == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_RQT);
	STEER_FREE(s->tir, STEER_MAX, n);
	if (n == 0)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_STEER_FULL);
	s->tir[n - 1].used = true;
	s->tir[n - 1].rqtn = rqtn;
	s->tir[n - 1].refs = 0;
	t->refs++;
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, n);
	return HCA_STATUS_OK;
}

/** DESTROY_TIR (not while a flow entry forwards to it). */
int
hcasim_cmd_destroy_tir(struct hcasim_cmd_ctx *x)
{
	struct hcasim_steer *s;
	struct steer_tir *t;
	struct steer_rqt *q;

	STEER_OR_FAIL(x, s);
	t = STEER_GET(s->tir, STEER_MAX, hca_prm_get(x->in, HCA_CMD_OBJ_NUM));
	if (t == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_TIR);
	if (t->refs != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_TIR_BUSY);
	q = STEER_GET(s->rqt, STEER_MAX, t->rqtn);
	if (q != NULL)
		q->refs--;
	t->used = false;
	return HCA_STATUS_OK;
}

/****************************************************************************
 * Flow tables, groups, entries, root
 ****************************************************************************/

/** The client's flow table an input names (NIC RX), or NULL. */
static struct steer_ft *
ft_named(struct hcasim_cmd_ctx *x, struct hcasim_steer *s)
{
	if (hca_prm_get(x->in, HCA_FT_IN_TABLE_TYPE) != HCA_FT_TYPE_NIC_RX)
		return NULL;
	return STEER_GET(s->ft, FT_MAX, hca_prm_get(x->in,
						    HCA_FT_IN_TABLE_ID));
}

/** CREATE_FLOW_TABLE: NIC RX, at most FTE_MAX entries. */
int
hcasim_cmd_create_ft(struct hcasim_cmd_ctx *x)
{
	const uint8_t *ftc = x->in + HCA_CREATE_FT_IN_CTX_OFF;
	uint32_t log = hca_prm_get(ftc, HCA_FTC_LOG_SIZE);
	struct hcasim_steer *s;
	uint32_t n;

	STEER_OR_FAIL(x, s);
	if (hca_prm_get(x->in, HCA_FT_IN_TABLE_TYPE) != HCA_FT_TYPE_NIC_RX ||
	    log > LOG_FTE_MAX || hca_prm_get(ftc, HCA_FTC_TABLE_MISS_ACTION))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_FT);
	STEER_FREE(s->ft, FT_MAX, n);
	if (n == 0)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_STEER_FULL);
	memset(&s->ft[n - 1], 0, sizeof(s->ft[0]));
	s->ft[n - 1].used = true;
	s->ft[n - 1].size = 1u << log;
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, n);
	return HCA_STATUS_OK;
}

/** DESTROY_FLOW_TABLE (not while it has groups or is a root). */
int
hcasim_cmd_destroy_ft(struct hcasim_cmd_ctx *x)
{
	struct hcasim_steer *s;
	struct steer_ft *ft;

	STEER_OR_FAIL(x, s);
	ft = ft_named(x, s);
	if (ft == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_FT);
	if (ft->groups != 0 ||
	    (ft->root_qpn != 0 && underlay_ours(x, ft->root_qpn) != NULL))
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_FT_BUSY);
	ft->used = false;
	return HCA_STATUS_OK;
}

/**
 * SET_FLOW_TABLE_ROOT: bind a NIC RX table of the client to a UD QP of
 * the client (replacing its root), or with op_mod 1 disconnect the QP's
 * root. A QP with RSS children made by message cannot have a root.
 */
int
hcasim_cmd_set_ft_root(struct hcasim_cmd_ctx *x)
{
	bool disconnect = hca_prm_get(x->in, HCA_IN_OP_MOD) ==
			  HCA_SET_FT_ROOT_DISCONNECT;
	uint32_t qpn = hca_prm_get(x->in, HCA_SET_FT_ROOT_IN_UNDERLAY_QPN);
	struct hcasim_qp *qp = underlay_ours(x, qpn);
	struct hcasim_steer *s;
	struct steer_ft *ft = NULL;
	uint32_t i;

	STEER_OR_FAIL(x, s);
	if (hca_prm_get(x->in, HCA_IN_OP_MOD) > HCA_SET_FT_ROOT_DISCONNECT ||
	    hca_prm_get(x->in, HCA_FT_IN_TABLE_TYPE) != HCA_FT_TYPE_NIC_RX)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_ROOT);
	if (qp == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UNDERLAY);
	if (!disconnect) {
		ft = ft_named(x, s);
		if (ft == NULL)
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
					       HCASIM_SYN_FT);
	}
	for (i = 0; i < FT_MAX; i++)
		if (s->ft[i].used && s->ft[i].root_qpn == qpn)
			s->ft[i].root_qpn = 0;
	if (disconnect) {
		publish(x, qp, NULL);
		return HCA_STATUS_OK;
	}
	ft->root_qpn = qpn;
	return steer_publish(x, s);
}

/** CREATE_FLOW_GROUP: a range inside the table, apart from its other
 * groups, no match criteria. */
int
hcasim_cmd_create_fg(struct hcasim_cmd_ctx *x)
{
	uint32_t start = hca_prm_get(x->in, HCA_CREATE_FG_IN_START_INDEX);
	uint32_t end = hca_prm_get(x->in, HCA_CREATE_FG_IN_END_INDEX);
	struct hcasim_steer *s;
	struct steer_ft *ft;
	uint32_t i, n = 0;

	STEER_OR_FAIL(x, s);
	ft = ft_named(x, s);
	if (ft == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_FT);
	if (start > end || end >= ft->size ||
	    hca_prm_get(x->in, HCA_CREATE_FG_IN_MATCH_CRITERIA_ENABLE) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_FG);
	for (i = 0; i < FG_MAX; i++) {
		const struct steer_fg *g = &ft->fg[i];

		if (!g->used) {
			if (n == 0)
				n = i + 1;
			continue;
		}
		if (start <= g->end && g->start <= end)
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
					       HCASIM_SYN_FG);
	}
	if (n == 0)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_STEER_FULL);
	ft->fg[n - 1].used = true;
	ft->fg[n - 1].start = start;
	ft->fg[n - 1].end = end;
	ft->fg[n - 1].entries = 0;
	ft->groups++;
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, n);
	return HCA_STATUS_OK;
}

/** DESTROY_FLOW_GROUP (not while it has entries). */
int
hcasim_cmd_destroy_fg(struct hcasim_cmd_ctx *x)
{
	uint32_t gid = hca_prm_get(x->in, HCA_DESTROY_FG_IN_GROUP_ID);
	struct hcasim_steer *s;
	struct steer_ft *ft;
	struct steer_fg *g;

	STEER_OR_FAIL(x, s);
	ft = ft_named(x, s);
	if (ft == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_FT);
	g = STEER_GET(ft->fg, FG_MAX, gid);
	if (g == NULL || g->entries != 0)
		return hcasim_cmd_fail(x, g == NULL ? HCA_STATUS_BAD_RESOURCE :
				       HCA_STATUS_RESOURCE_BUSY, HCASIM_SYN_FG);
	g->used = false;
	ft->groups--;
	return HCA_STATUS_OK;
}

/**
 * SET_FLOW_TABLE_ENTRY (op_mod 0, a new entry): an index of its group,
 * free; action forward; one destination, a TIR of the client.
 */
int
hcasim_cmd_set_fte(struct hcasim_cmd_ctx *x)
{
	const uint8_t *fc = x->in + HCA_SET_FTE_IN_CTX_OFF;
	const uint8_t *dest = fc + HCA_FLOW_CTX_DEST_OFF;
	uint32_t idx = hca_prm_get(x->in, HCA_SET_FTE_IN_FLOW_INDEX);
	uint32_t gid = hca_prm_get(fc, HCA_FLOW_CTX_GROUP_ID);
	uint32_t tirn = hca_prm_get(dest, HCA_DEST_ID);
	struct hcasim_steer *s;
	struct steer_tir *tir;
	struct steer_ft *ft;
	struct steer_fg *g;

	STEER_OR_FAIL(x, s);
	ft = ft_named(x, s);
	if (ft == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_FT);
	g = STEER_GET(ft->fg, FG_MAX, gid);
	if (hca_prm_get(x->in, HCA_IN_OP_MOD) != 0 || g == NULL ||
	    idx < g->start || idx > g->end || ft->fte[idx].used ||
	    hca_prm_get(fc, HCA_FLOW_CTX_ACTION) != HCA_FLOW_ACTION_FWD_DEST ||
	    hca_prm_get(fc, HCA_FLOW_CTX_DEST_LIST_SIZE) != 1 ||
	    hca_prm_get(dest, HCA_DEST_TYPE) != HCA_FLOW_DEST_TIR)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_FTE);
	tir = STEER_GET(s->tir, STEER_MAX, tirn);
	if (tir == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_TIR);
	ft->fte[idx].used = true;
	ft->fte[idx].group = gid;
	ft->fte[idx].tirn = tirn;
	g->entries++;
	tir->refs++;
	return steer_publish(x, s);
}

/** DELETE_FLOW_TABLE_ENTRY. */
int
hcasim_cmd_delete_fte(struct hcasim_cmd_ctx *x)
{
	uint32_t idx = hca_prm_get(x->in, HCA_DELETE_FTE_IN_FLOW_INDEX);
	struct hcasim_steer *s;
	struct steer_tir *tir;
	struct steer_ft *ft;
	struct steer_fg *g;

	STEER_OR_FAIL(x, s);
	ft = ft_named(x, s);
	if (ft == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_FT);
	if (idx >= ft->size || !ft->fte[idx].used)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_FTE);
	g = STEER_GET(ft->fg, FG_MAX, ft->fte[idx].group);
	if (g != NULL)
		g->entries--;
	tir = STEER_GET(s->tir, STEER_MAX, ft->fte[idx].tirn);
	if (tir != NULL)
		tir->refs--;
	ft->fte[idx].used = false;
	return steer_publish(x, s);
}
