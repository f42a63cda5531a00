/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's firmware command executor (see hcasim_cmd.h): the CMD,
 * UMEM_REG and UMEM_DEREG messages, the opcode table, the command log,
 * UMEMs, and the commands of the device and its port (capabilities, vport
 * context, GIDs, P_Keys, PMTU), PDs and memory keys. Control thread only.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "hcasim_cmd.h"
#include "hcasim_offload.h"
#include "hca_dev.h"
#include "hca_log.h"

/** The command log, or NULL. */
static FILE *cmd_log;
/** Last UMEM id given (ids are unique in the daemon). */
static uint32_t umem_last_id;
/** Rotating tag of mkey indices, so that indices are not reused soon. */
static uint32_t mkey_tag;

/****************************************************************************
 * Helpers shared with hcasim_cmd_qp.c
 ****************************************************************************/

/* See hcasim_cmd.h. */
int
hcasim_cmd_fail(struct hcasim_cmd_ctx *x, uint8_t status, uint32_t syndrome)
{
	x->syndrome = syndrome;
	return status;
}

/* See hcasim_cmd.h. */
bool
hcasim_cmd_port_ok(const struct hcasim_cmd_ctx *x, unsigned int port)
{
	return port == 0 || port == x->c->port->port_num;
}

/* See hcasim_cmd.h. */
struct hcasim_cmd_client *
hcasim_cmd_state(struct hcasim_client *c)
{
	if (c->cmd == NULL)
		c->cmd = calloc(1, sizeof(*c->cmd));
	return c->cmd;
}

/* See hcasim_cmd.h. */
struct hcasim_umem *
hcasim_cmd_umem(struct hcasim_client *c, uint32_t id)
{
	unsigned int i;

	for (i = 0; c->cmd != NULL && i < HCASIM_CMD_MAX_UMEM; i++)
		if (c->cmd->umems[i] != NULL && c->cmd->umems[i]->id == id)
			return c->cmd->umems[i];
	return NULL;
}

/* See hcasim_cmd.h. */
int
hcasim_cmd_hold_add(struct hcasim_client *c, uint8_t kind, uint32_t num,
		    uint32_t lkey, void *obj, struct hcasim_umem *u0,
		    struct hcasim_umem *u1)
{
	struct hcasim_cmd_client *s = hcasim_cmd_state(c);
	struct hcasim_cmd_hold *hd;

	if (s == NULL)
		return -ENOMEM;
	if (s->nholds == s->holds_room) {
		uint32_t room = s->holds_room ? s->holds_room * 2 : 16;

		hd = realloc(s->holds, room * sizeof(*hd));
		if (hd == NULL)
			return -ENOMEM;
		s->holds = hd;
		s->holds_room = room;
	}
	hd = &s->holds[s->nholds++];
	hd->kind = kind;
	hd->num = num;
	hd->lkey = lkey;
	hd->obj = obj;
	hd->umem[0] = u0;
	hd->umem[1] = u1;
	if (u0 != NULL)
		u0->refs++;
	if (u1 != NULL)
		u1->refs++;
	return 0;
}

/* See hcasim_cmd.h. */
struct hcasim_cmd_hold *
hcasim_cmd_hold_find(struct hcasim_client *c, uint8_t kind, uint32_t num)
{
	uint32_t i;

	for (i = 0; c->cmd != NULL && i < c->cmd->nholds; i++)
		if (c->cmd->holds[i].kind == kind &&
		    c->cmd->holds[i].num == num)
			return &c->cmd->holds[i];
	return NULL;
}

/** Drop a record (of c's) and its UMEM references. */
static void
hold_drop(struct hcasim_client *c, struct hcasim_cmd_hold *hd)
{
	unsigned int k;

	for (k = 0; k < 2; k++)
		if (hd->umem[k] != NULL)
			hd->umem[k]->refs--;
	*hd = c->cmd->holds[--c->cmd->nholds];
}

/* See hcasim_cmd.h. */
void
hcasim_cmd_hold_drop(struct hcasim_client *c, uint8_t kind, uint32_t num)
{
	struct hcasim_cmd_hold *hd = hcasim_cmd_hold_find(c, kind, num);

	if (hd != NULL)
		hold_drop(c, hd);
}

/**
 * Drop the records of objects that are gone without a command (destroyed
 * by an object message): an object is alive while its number still
 * leads to the very object recorded.
 */
static void
holds_prune(struct hcasim *h, struct hcasim_client *c)
{
	uint32_t i = 0;

	while (c->cmd != NULL && i < c->cmd->nholds) {
		struct hcasim_cmd_hold *hd = &c->cmd->holds[i];
		bool alive;

		if (hd->kind == HCASIM_HOLD_CQ)
			alive = hd->num >= 1 && hd->num <= HCASIM_CLIENT_MAX_CQ &&
				c->cqs[hd->num - 1] == hd->obj;
		else if (hd->kind == HCASIM_HOLD_QP)
			alive = hcasim_qp_lookup(h, hd->num) == hd->obj;
		else if (hd->kind == HCASIM_HOLD_EQ)
			alive = c->eq == hd->obj;
		else
			alive = hcasim_mr_lookup(h, hd->lkey) == hd->obj;
		if (alive)
			i++;
		else
			hold_drop(c, hd);
	}
}

/****************************************************************************
 * UMEMs
 ****************************************************************************/

/**
 * UMEM_REG: map a client's memory fd (memory-backed files only, range
 * inside the file: hcasim_client_mem_map()) and give it an id. Counted
 * as a memory region against the client's and its host's limits.
 *
 * @return 0 or a negative errno: -EINVAL (no fd, not memory-backed, range
 *         past the file), -EDQUOT (a limit), -ENOSPC (UMEM table full),
 *         -ENOMEM
 */
static int
umem_reg(struct hcasim *h, struct hcasim_client *c,
	 const struct hcasim_umem_reg_req *req, int fd, uint32_t *id)
{
	struct hcasim_cmd_client *s = hcasim_cmd_state(c);
	struct hcasim_mem_map m;
	struct hcasim_umem *u;
	unsigned int slot;
	int ret;

	if (s == NULL)
		return -ENOMEM;
	if (fd < 0)
		return -EINVAL;
	ret = hcasim_mr_quota_check(h, c);
	if (ret < 0)
		return ret;
	for (slot = 0; slot < HCASIM_CMD_MAX_UMEM; slot++)
		if (s->umems[slot] == NULL)
			break;
	if (slot == HCASIM_CMD_MAX_UMEM)
		return -ENOSPC;
	ret = hcasim_client_mem_map(fd, req->fd_off, req->len, &m);
	if (ret < 0)
		return ret;
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		munmap(m.map, m.map_len);
		return -ENOMEM;
	}
	u->id = ++umem_last_id;
	if (u->id == 0)
		u->id = ++umem_last_id;
	u->sealed = m.sealed;
	u->map = m.map;
	u->map_len = m.map_len;
	u->base = m.base;
	u->len = req->len;
	s->umems[slot] = u;
	c->nmr++;
	if (c->ident != NULL)
		c->ident->nmr++;
	*id = u->id;
	return 0;
}

/**
 * UMEM_DEREG: unmap a UMEM nothing uses any more (objects destroyed by
 * object messages let go of it here).
 *
 * @return 0, -EINVAL (not the client's) or -EBUSY (queues or mkeys over
 *         it)
 */
static int
umem_dereg(struct hcasim *h, struct hcasim_client *c, uint32_t id)
{
	unsigned int i;

	holds_prune(h, c);
	for (i = 0; c->cmd != NULL && i < HCASIM_CMD_MAX_UMEM; i++) {
		struct hcasim_umem *u = c->cmd->umems[i];

		if (u == NULL || u->id != id)
			continue;
		if (u->refs != 0)
			return -EBUSY;
		munmap(u->map, u->map_len);
		free(u);
		c->cmd->umems[i] = NULL;
		c->nmr--;
		if (c->ident != NULL)
			c->ident->nmr--;
		return 0;
	}
	return -EINVAL;
}

/* See hcasim_cmd.h. */
void
hcasim_cmd_client_release(struct hcasim_client *c)
{
	unsigned int i;

	/* its ring is in a UMEM: gone before them */
	free(c->eq);
	c->eq = NULL;
	if (c->cmd == NULL)
		return;
	for (i = 0; i < HCASIM_CMD_MAX_UMEM; i++) {
		struct hcasim_umem *u = c->cmd->umems[i];

		if (u != NULL) {
			munmap(u->map, u->map_len);
			free(u);
		}
	}
	free(c->cmd->holds);
	hcasim_steer_release(c);
	free(c->cmd);
	c->cmd = NULL;
}

/****************************************************************************
 * Device and port queries
 ****************************************************************************/

/** Floor of log2 of n (n >= 1). */
static unsigned int
log2_floor(uint64_t n)
{
	unsigned int l = 0;

	while (n > 1) {
		n >>= 1;
		l++;
	}
	return l;
}

/**
 * QUERY_HCA_CAP, general capabilities (current or maximum: the same
 * here), consistent with the PORT_OPEN reply and the daemon's limits.
 * Checksums of UD sends (ipoib_basic_offloads), LSO and RSS on UD
 * (ipoib_enhanced_offloads): RQs and SQs count as QPs, an RQ table holds
 * HCASIM_RQT_MAX RQs; none of the enhanced ones with --no-ipoib-enhanced.
 * The Ethernet offload type says csum_cap and max_lso_cap
 * (HCASIM_LSO_MAX, hcasim_offload.h). The output
 * is the header and the 256 bytes of general capabilities the command
 * layer reads, not the whole 4096-byte structure (see doc/hcasim.md).
 */
static int
cmd_query_hca_cap(struct hcasim_cmd_ctx *x)
{
	uint8_t *cap = x->out + HCA_QUERY_HCA_CAP_OUT_CAP_OFF;
	const struct hcasim_limits *l = &x->h->cfg.limits;
	unsigned int op_mod = hca_prm_get(x->in, HCA_IN_OP_MOD);

	if (op_mod >> 1 == HCA_CAP_TYPE_ETH_OFFLOADS) {
		/* checksums and LSO of IPoIB sends (hcasim_offload.h) */
		hca_prm_set(cap, HCA_CAP_ETH_CSUM_CAP, 1);
		hca_prm_set(cap, HCA_CAP_ETH_MAX_LSO_CAP, HCASIM_LSO_LOG_MAX);
		x->out_len = HCA_QUERY_HCA_CAP_OUT_CAP_OFF + HCA_CAP_ETH_LEN;
		return HCA_STATUS_OK;
	}
	if (op_mod >> 1 != HCA_CAP_TYPE_GENERAL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_OP_MOD);
	hca_prm_set(cap, HCA_CAP_PORT_TYPE, HCA_CAP_PORT_TYPE_IB);
	hca_prm_set(cap, HCA_CAP_NUM_PORTS, 1);
	hca_prm_set(cap, HCA_CAP_LOG_MAX_QP_SZ, log2_floor(HCASIM_MAX_WQE_CNT));
	hca_prm_set(cap, HCA_CAP_LOG_MAX_QP, log2_floor(l->client_qp));
	hca_prm_set(cap, HCA_CAP_LOG_MAX_CQ_SZ, log2_floor(HCASIM_MAX_CQE));
	hca_prm_set(cap, HCA_CAP_LOG_MAX_CQ, log2_floor(l->client_cq));
	hca_prm_set(cap, HCA_CAP_LOG_MAX_EQ_SZ, HCASIM_EQ_LOG_MAX);
	hca_prm_set(cap, HCA_CAP_LOG_MAX_EQ, 0);       /* one EQ */
	hca_prm_set(cap, HCA_CAP_LOG_MAX_MKEY, log2_floor(l->client_mr));
	hca_prm_set(cap, HCA_CAP_LOG_MAX_PD, log2_floor(HCASIM_CLIENT_MAX_PD));
	hca_prm_set(cap, HCA_CAP_LOG_MAX_MSG, 12);
	hca_prm_set(cap, HCA_CAP_LOG_MAX_MCG, log2_floor(HCASIM_MLID_COUNT));
	hca_prm_set(cap, HCA_CAP_MAX_QP_MCG, HCASIM_MAX_MCG_MEMBERS);
	hca_prm_set(cap, HCA_CAP_LOG_PG_SZ, 12);
	/* control 16 + datagram 48 + inline header 4 + the inline bytes */
	hca_prm_set(cap, HCA_CAP_MAX_WQE_SZ_SQ, 68 + HCASIM_MAX_INLINE);
	hca_prm_set(cap, HCA_CAP_MAX_WQE_SZ_RQ, 16);
	hca_prm_set(cap, HCA_CAP_GID_TABLE_SIZE, 0);   /* 8 entries */
	hca_prm_set(cap, HCA_CAP_PKEY_TABLE_SIZE, 0);  /* 128 entries */
	hca_prm_set(cap, HCA_CAP_UD, 1);
	hca_prm_set(cap, HCA_CAP_QKV, 1);
	hca_prm_set(cap, HCA_CAP_PKV, 1);
	hca_prm_set(cap, HCA_CAP_IPOIB_BASIC_OFFLOADS, 1);
	if (!x->h->cfg.no_ipoib_enhanced) {
		hca_prm_set(cap, HCA_CAP_IPOIB_ENHANCED_OFFLOADS, 1);
		hca_prm_set(cap, HCA_CAP_NIC_FLOW_TABLE, 1);
		hca_prm_set(cap, HCA_CAP_LOG_MAX_RQ, log2_floor(l->client_qp));
		hca_prm_set(cap, HCA_CAP_LOG_MAX_SQ, log2_floor(l->client_qp));
		hca_prm_set(cap, HCA_CAP_LOG_MAX_TIR,
			    log2_floor(HCASIM_STEER_MAX));
		hca_prm_set(cap, HCA_CAP_LOG_MAX_TIS,
			    log2_floor(HCASIM_STEER_MAX));
		hca_prm_set(cap, HCA_CAP_LOG_MAX_RQT,
			    log2_floor(HCASIM_STEER_MAX));
		hca_prm_set(cap, HCA_CAP_LOG_MAX_RQT_SIZE,
			    log2_floor(HCASIM_RQT_MAX));
	}
	x->out_len = HCA_QUERY_HCA_CAP_OUT_CAP_OFF + HCA_CAP_GENERAL_LEN;
	return HCA_STATUS_OK;
}

/** The GID table's length (QUERY_HCA_CAP: 8 << 0). */
#define CMD_GID_TABLE_LEN 8
/** The P_Key table's length (QUERY_HCA_CAP: 128 << 0). */
#define CMD_PKEY_TABLE_LEN 128
_Static_assert(CMD_PKEY_TABLE_LEN == HCASIM_MAX_PKEYS, "P_Key table");

/**
 * Check the port fields shared by the vport queries: the client's own
 * port, its own vport.
 *
 * @return 0 or a failed status
 */
static int
vport_check(struct hcasim_cmd_ctx *x)
{
	if (hca_prm_get(x->in, HCA_VPORT_IN_OTHER_VPORT) != 0 ||
	    hca_prm_get(x->in, HCA_VPORT_IN_VPORT_NUMBER) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_VPORT);
	if (!hcasim_cmd_port_ok(x, hca_prm_get(x->in, HCA_VPORT_IN_PORT_NUM)))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_PORT);
	return 0;
}

/** Saturate a counter to 16 bits. */
static uint16_t
sat16(uint64_t v)
{
	return v > 0xffff ? 0xffff : (uint16_t)v;
}

/** QUERY_HCA_VPORT_CONTEXT: the port as PORT_OPEN describes it. */
static int
cmd_query_vport_ctx(struct hcasim_cmd_ctx *x)
{
	uint8_t *v = x->out + HCA_VPORT_CTX_OFF;
	struct hcasim_port_attr a;
	struct hcasim_port *p = x->c->port;
	int st = vport_check(x);

	if (st != 0)
		return st;
	hcasim_port_describe(x->h, p, &a);
	hca_prm_set(v, HCA_VPORT_CTX_HAS_SMI, 1);
	hca_prm_set(v, HCA_VPORT_CTX_PORT_PHYS_STATE, a.phys_state);
	hca_prm_set(v, HCA_VPORT_CTX_PORT_STATE, a.state);
	hca_prm_set(v, HCA_VPORT_CTX_VPORT_STATE, a.state);
	hca_prm_set(v, HCA_VPORT_CTX_SYS_IMAGE_GUID, a.node_guid);
	hca_prm_set(v, HCA_VPORT_CTX_PORT_GUID, a.port_guid);
	hca_prm_set(v, HCA_VPORT_CTX_NODE_GUID, a.node_guid);
	hca_prm_set(v, HCA_VPORT_CTX_CAP_MASK1, a.capability_mask);
	hca_prm_set(v, HCA_VPORT_CTX_LID, a.lid);
	hca_prm_set(v, HCA_VPORT_CTX_LMC, a.lmc & 0x7);
	hca_prm_set(v, HCA_VPORT_CTX_SM_LID, a.sm_lid);
	hca_prm_set(v, HCA_VPORT_CTX_SM_SL, a.sm_sl & 0xf);
	hca_prm_set(v, HCA_VPORT_CTX_QKEY_VIOLATIONS, sat16(
		__atomic_load_n(&p->cnt.rcv_discards_qkey, __ATOMIC_RELAXED)));
	hca_prm_set(v, HCA_VPORT_CTX_PKEY_VIOLATIONS, sat16(
		__atomic_load_n(&p->cnt.rcv_discards_pkey, __ATOMIC_RELAXED)));
	x->out_len = HCA_QUERY_HCA_VPORT_CONTEXT_OUT_LEN;
	return HCA_STATUS_OK;
}

/** QUERY_HCA_VPORT_GID: GID 0 is the port's, the others are zero. */
static int
cmd_query_vport_gid(struct hcasim_cmd_ctx *x)
{
	unsigned int idx = hca_prm_get(x->in, HCA_VPORT_IN_INDEX);
	unsigned int n = idx == HCA_VPORT_INDEX_ALL ? CMD_GID_TABLE_LEN : 1;
	struct hcasim_port_attr a;
	int st = vport_check(x);

	if (st != 0)
		return st;
	if (idx != HCA_VPORT_INDEX_ALL && idx >= CMD_GID_TABLE_LEN)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_INDEX,
				       HCASIM_SYN_GID_INDEX);
	hcasim_port_describe(x->h, x->c->port, &a);
	hca_prm_set(x->out, HCA_VPORT_GID_OUT_GIDS_NUM, n);
	if (idx == HCA_VPORT_INDEX_ALL || idx == 0)
		memcpy(x->out + HCA_VPORT_GID_OUT_GID_OFF, a.gid, 16);
	x->out_len = HCA_VPORT_GID_OUT_GID_OFF + n * 16;
	return HCA_STATUS_OK;
}

/** QUERY_HCA_VPORT_PKEY: the port's table (128 entries, unused zero). */
static int
cmd_query_vport_pkey(struct hcasim_cmd_ctx *x)
{
	uint8_t *p = x->out + HCA_VPORT_PKEY_OUT_PKEY_OFF;
	unsigned int idx = hca_prm_get(x->in, HCA_VPORT_IN_INDEX);
	unsigned int i, first = idx, n = 1;
	struct hcasim_port_attr a;
	int st = vport_check(x);

	if (st != 0)
		return st;
	if (idx == HCA_VPORT_INDEX_ALL) {
		first = 0;
		n = CMD_PKEY_TABLE_LEN;
	} else if (idx >= CMD_PKEY_TABLE_LEN) {
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_INDEX,
				       HCASIM_SYN_PKEY_INDEX);
	}
	hcasim_port_describe(x->h, x->c->port, &a);
	for (i = 0; i < n; i++)
		if (first + i < a.pkey_count)
			hca_prm_set(p + i * HCA_VPORT_PKEY_ENTRY_LEN,
				    HCA_VPORT_PKEY_ENTRY_PKEY,
				    a.pkeys[first + i]);
	x->out_len = HCA_VPORT_PKEY_OUT_PKEY_OFF +
		     (size_t)n * HCA_VPORT_PKEY_ENTRY_LEN;
	return HCA_STATUS_OK;
}

/** ACCESS_REG: read PMTU (max 4096, admin and operational the port's). */
static int
cmd_access_reg(struct hcasim_cmd_ctx *x)
{
	const uint8_t *rin = x->in + HCA_ACCESS_REG_DATA_OFF;
	uint8_t *reg = x->out + HCA_ACCESS_REG_DATA_OFF;
	struct hcasim_port_attr a;

	if (hca_prm_get(x->in, HCA_IN_OP_MOD) != HCA_ACCESS_REG_READ ||
	    hca_prm_get(x->in, HCA_ACCESS_REG_IN_REGISTER_ID) != HCA_REG_PMTU)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_REGISTER);
	if (!hcasim_cmd_port_ok(x, hca_prm_get(rin, HCA_PMTU_LOCAL_PORT)))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_PORT);
	hcasim_port_describe(x->h, x->c->port, &a);
	hca_prm_set(reg, HCA_PMTU_LOCAL_PORT,
		    hca_prm_get(rin, HCA_PMTU_LOCAL_PORT));
	hca_prm_set(reg, HCA_PMTU_MAX_MTU, 5);
	hca_prm_set(reg, HCA_PMTU_ADMIN_MTU, a.active_mtu);
	hca_prm_set(reg, HCA_PMTU_OPER_MTU, a.active_mtu);
	x->out_len = HCA_ACCESS_REG_DATA_OFF + HCA_REG_PMTU_LEN;
	return HCA_STATUS_OK;
}

/****************************************************************************
 * PDs and memory keys
 ****************************************************************************/

/** ALLOC_PD: one of the client's PDs (hcasim_pd_alloc()). */
static int
cmd_alloc_pd(struct hcasim_cmd_ctx *x)
{
	uint32_t pdn;

	if (hcasim_pd_alloc(x->h, x->c, &pdn) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_PD_FULL);
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, pdn);
	return HCA_STATUS_OK;
}

/** DEALLOC_PD: free one (hcasim_pd_free()). */
static int
cmd_dealloc_pd(struct hcasim_cmd_ctx *x)
{
	int ret = hcasim_pd_free(x->h, x->c,
				 hca_prm_get(x->in, HCA_CMD_OBJ_NUM));

	if (ret == -EBUSY)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_PD_BUSY);
	if (ret != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_PD);
	return HCA_STATUS_OK;
}

/**
 * Pick an mkey index whose key (index << 8 | variant) falls on a free
 * slot of the MR table (the data path finds keys by key % slots).
 *
 * @return 0 and *index, or -ENOSPC
 */
static int
mkey_index_alloc(struct hcasim *h, uint8_t variant, uint32_t *index)
{
	uint32_t j, tag;

	for (j = 0; j < HCASIM_MR_SLOTS >> 8; j++) {
		uint32_t low = (mkey_tag + j) % (HCASIM_MR_SLOTS >> 8);

		if (h->mr_table[(low << 8 | variant) % HCASIM_MR_SLOTS] !=
		    NULL)
			continue;
		mkey_tag++;
		tag = (mkey_tag / (HCASIM_MR_SLOTS >> 8)) % 0x3fffe + 1;
		*index = tag * (HCASIM_MR_SLOTS >> 8) + low;
		return 0;
	}
	return -ENOSPC;
}

/**
 * CREATE_MKEY over a UMEM: a memory region of the data path at the
 * client's start address, backed by the UMEM's bytes from the offset.
 */
static int
cmd_create_mkey(struct hcasim_cmd_ctx *x)
{
	const uint8_t *mkc = x->in + HCA_CREATE_MKEY_IN_MKC_OFF;
	struct hcasim *h = x->h;
	struct hcasim_client *c = x->c;
	unsigned int mode = hca_prm_get(mkc, HCA_MKC_ACCESS_MODE_1_0) |
		hca_prm_get(mkc, HCA_MKC_ACCESS_MODE_4_2) << 2;
	uint64_t off = hca_prm_get(x->in, HCA_CREATE_MKEY_IN_UMEM_OFFSET);
	uint64_t start = hca_prm_get(mkc, HCA_MKC_START_ADDR);
	uint64_t len = hca_prm_get(mkc, HCA_MKC_LEN);
	uint8_t variant = hca_prm_get(mkc, HCA_MKC_MKEY_7_0);
	struct hcasim_umem *u;
	struct hcasim_mr *mr;
	uint32_t index;

	if (!hcasim_cmd_pd_ours(c, hca_prm_get(mkc, HCA_MKC_PD)))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_PD);
	if (!hca_prm_get(x->in, HCA_CREATE_MKEY_IN_UMEM_VALID))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UMEM_VALID);
	if (mode != HCA_MKC_ACCESS_MODE_MTT)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_MKEY_MODE);
	if (len == 0 || hca_prm_get(mkc, HCA_MKC_LENGTH64) ||
	    start + len < start)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_MKEY_LEN);
	u = hcasim_cmd_umem(c, hca_prm_get(x->in,
					   HCA_CREATE_MKEY_IN_UMEM_ID));
	if (u == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_UMEM);
	if (off > u->len || len > u->len - off)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UMEM_BOUNDS);
	if (c->nmr >= h->cfg.limits.client_mr ||
	    (c->ident != NULL && c->ident->nmr >= h->cfg.limits.host_mr)) {
		if (c->nmr >= h->cfg.limits.client_mr)
			h->refused.client_mr++;
		else
			h->refused.host_mr++;
		return hcasim_cmd_fail(x, HCA_STATUS_LIMITS_EXCEEDED,
				       HCASIM_SYN_MR_LIMIT);
	}
	if (mkey_index_alloc(h, variant, &index) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_MKEY_FULL);
	mr = calloc(1, sizeof(*mr));
	if (mr == NULL || hcasim_cmd_hold_add(c, HCASIM_HOLD_MKEY, index,
					      index << 8 | variant, mr, u,
					      NULL) != 0) {
		free(mr);
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	}
	/* no mapping of its own (map NULL): the UMEM's stays until the
	 * mkey is gone */
	mr->lkey = index << 8 | variant;
	mr->pdn = hca_prm_get(mkc, HCA_MKC_PD);
	mr->owner = c;
	mr->va = start;
	mr->len = len;
	mr->base = u->base + off;
	__atomic_store_n(&h->mr_table[mr->lkey % HCASIM_MR_SLOTS], mr,
			 __ATOMIC_RELEASE);
	c->nmr++;
	if (c->ident != NULL)
		c->ident->nmr++;
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, index);
	return HCA_STATUS_OK;
}

/** DESTROY_MKEY: withdraw the key (hcasim_mr_dereg()), release its UMEM. */
static int
cmd_destroy_mkey(struct hcasim_cmd_ctx *x)
{
	uint32_t index = hca_prm_get(x->in, HCA_CMD_OBJ_NUM);
	struct hcasim_cmd_hold *hd = hcasim_cmd_hold_find(x->c,
		HCASIM_HOLD_MKEY, index);

	if (hd == NULL || hcasim_mr_dereg(x->h, x->c, hd->lkey) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_MKEY);
	hcasim_cmd_hold_drop(x->c, HCASIM_HOLD_MKEY, index);
	return HCA_STATUS_OK;
}

/****************************************************************************
 * The opcode table and the messages
 ****************************************************************************/

/** One command the executor runs. */
struct cmd_op {
	uint16_t opcode;
	uint16_t in_len;        /**< the input it needs */
	int (*run)(struct hcasim_cmd_ctx *x);
};

/** Every opcode executed, with the input length its encoder gives. */
static const struct cmd_op cmd_ops[] = {
	{ HCA_CMD_QUERY_HCA_CAP, HCA_QUERY_HCA_CAP_IN_LEN,
	  cmd_query_hca_cap },
	{ HCA_CMD_QUERY_HCA_VPORT_CONTEXT, HCA_VPORT_IN_LEN,
	  cmd_query_vport_ctx },
	{ HCA_CMD_QUERY_HCA_VPORT_GID, HCA_VPORT_IN_LEN,
	  cmd_query_vport_gid },
	{ HCA_CMD_QUERY_HCA_VPORT_PKEY, HCA_VPORT_IN_LEN,
	  cmd_query_vport_pkey },
	{ HCA_CMD_ACCESS_REG, HCA_ACCESS_REG_DATA_OFF + HCA_REG_PMTU_LEN,
	  cmd_access_reg },
	{ HCA_CMD_ALLOC_PD, HCA_CMD_SHORT_LEN, cmd_alloc_pd },
	{ HCA_CMD_DEALLOC_PD, HCA_CMD_SHORT_LEN, cmd_dealloc_pd },
	{ HCA_CMD_CREATE_MKEY, HCA_CREATE_MKEY_IN_LEN, cmd_create_mkey },
	{ HCA_CMD_DESTROY_MKEY, HCA_CMD_SHORT_LEN, cmd_destroy_mkey },
	{ HCA_CMD_CREATE_EQ, HCA_CREATE_EQ_IN_LEN, hcasim_cmd_create_eq },
	{ HCA_CMD_DESTROY_EQ, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_eq },
	{ HCA_CMD_CREATE_CQ, HCA_CREATE_CQ_IN_LEN, hcasim_cmd_create_cq },
	{ HCA_CMD_DESTROY_CQ, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_cq },
	{ HCA_CMD_CREATE_QP, HCA_CREATE_QP_IN_LEN, hcasim_cmd_create_qp },
	{ HCA_CMD_DESTROY_QP, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_qp },
	{ HCA_CMD_RST2INIT_QP, HCA_MODIFY_QP_IN_LEN, hcasim_cmd_modify_qp },
	{ HCA_CMD_INIT2RTR_QP, HCA_MODIFY_QP_IN_LEN, hcasim_cmd_modify_qp },
	{ HCA_CMD_RTR2RTS_QP, HCA_MODIFY_QP_IN_LEN, hcasim_cmd_modify_qp },
	{ HCA_CMD_2ERR_QP, HCA_CMD_SHORT_LEN, hcasim_cmd_modify_qp },
	{ HCA_CMD_2RST_QP, HCA_CMD_SHORT_LEN, hcasim_cmd_modify_qp },
	{ HCA_CMD_QUERY_QP, HCA_CMD_SHORT_LEN, hcasim_cmd_query_qp },
	{ HCA_CMD_ATTACH_TO_MCG, HCA_MCG_IN_LEN, hcasim_cmd_mcg },
	{ HCA_CMD_DETACH_FROM_MCG, HCA_MCG_IN_LEN, hcasim_cmd_mcg },
	{ HCA_CMD_CREATE_SQ, HCA_CREATE_WQ_IN_LEN, hcasim_cmd_create_sq },
	{ HCA_CMD_MODIFY_SQ, HCA_MODIFY_WQ_IN_LEN, hcasim_cmd_modify_wq },
	{ HCA_CMD_DESTROY_SQ, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_wq },
	{ HCA_CMD_CREATE_RQ, HCA_CREATE_WQ_IN_LEN, hcasim_cmd_create_rq },
	{ HCA_CMD_MODIFY_RQ, HCA_MODIFY_WQ_IN_LEN, hcasim_cmd_modify_wq },
	{ HCA_CMD_DESTROY_RQ, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_wq },
	{ HCA_CMD_CREATE_TIS, HCA_CREATE_TIS_IN_LEN, hcasim_cmd_create_tis },
	{ HCA_CMD_DESTROY_TIS, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_tis },
	{ HCA_CMD_CREATE_RQT, HCA_RQT_IN_LEN(1), hcasim_cmd_rqt },
	{ HCA_CMD_MODIFY_RQT, HCA_RQT_IN_LEN(1), hcasim_cmd_rqt },
	{ HCA_CMD_DESTROY_RQT, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_rqt },
	{ HCA_CMD_CREATE_TIR, HCA_CREATE_TIR_IN_LEN, hcasim_cmd_create_tir },
	{ HCA_CMD_DESTROY_TIR, HCA_CMD_SHORT_LEN, hcasim_cmd_destroy_tir },
	{ HCA_CMD_CREATE_FLOW_TABLE, HCA_CREATE_FT_IN_LEN,
	  hcasim_cmd_create_ft },
	{ HCA_CMD_DESTROY_FLOW_TABLE, HCA_FT_SHORT_IN_LEN,
	  hcasim_cmd_destroy_ft },
	{ HCA_CMD_SET_FLOW_TABLE_ROOT, HCA_FT_SHORT_IN_LEN,
	  hcasim_cmd_set_ft_root },
	{ HCA_CMD_CREATE_FLOW_GROUP, HCA_CREATE_FG_IN_LEN,
	  hcasim_cmd_create_fg },
	{ HCA_CMD_DESTROY_FLOW_GROUP, HCA_FT_SHORT_IN_LEN,
	  hcasim_cmd_destroy_fg },
	{ HCA_CMD_SET_FLOW_TABLE_ENTRY, HCA_SET_FTE_IN_LEN,
	  hcasim_cmd_set_fte },
	{ HCA_CMD_DELETE_FLOW_TABLE_ENTRY, HCA_FT_SHORT_IN_LEN,
	  hcasim_cmd_delete_fte },
};

/**
 * Write one line to the command log: opcode (four hex digits), input
 * and output mailboxes in hex, separated by single spaces.
 */
static void
cmd_log_line(uint16_t opcode, const uint8_t *in, size_t in_len,
	     const uint8_t *out, size_t out_len)
{
	size_t i;

	if (cmd_log == NULL)
		return;
	fprintf(cmd_log, "%04x ", opcode);
	for (i = 0; i < in_len; i++)
		fprintf(cmd_log, "%02x", in[i]);
	fputc(' ', cmd_log);
	for (i = 0; i < out_len; i++)
		fprintf(cmd_log, "%02x", out[i]);
	fputc('\n', cmd_log);
	fflush(cmd_log);
}

/**
 * Execute one input mailbox into an output mailbox: find the opcode,
 * check the input length, run it, write status and syndrome.
 *
 * @param out  HCASIM_BODY_MAX bytes, zeroed
 * @return the output's length
 */
static size_t
cmd_exec(struct hcasim *h, struct hcasim_client *c, const uint8_t *in,
	 size_t in_len, uint8_t *out)
{
	struct hcasim_cmd_ctx x = {
		.h = h, .c = c, .in = in, .in_len = in_len, .out = out,
		.out_len = HCA_OUT_HDR_LEN,
	};
	uint16_t opcode = hca_prm_get(in, HCA_IN_OPCODE);
	const struct cmd_op *op = NULL;
	unsigned int i;
	int st;

	for (i = 0; i < sizeof(cmd_ops) / sizeof(cmd_ops[0]); i++)
		if (cmd_ops[i].opcode == opcode)
			op = &cmd_ops[i];
	if (op == NULL)
		st = hcasim_cmd_fail(&x, HCA_STATUS_BAD_OPCODE,
				     HCASIM_SYN_OPCODE);
	else if (in_len < op->in_len)
		st = hcasim_cmd_fail(&x, HCA_STATUS_BAD_INPUT_LEN,
				     HCASIM_SYN_INPUT_LEN);
	else
		st = op->run(&x);
	if (st != HCA_STATUS_OK) {
		memset(out, 0, x.out_len);
		x.out_len = HCA_OUT_HDR_LEN;
		hca_prm_set(out, HCA_OUT_STATUS, (uint64_t)st);
		hca_prm_set(out, HCA_OUT_SYNDROME, x.syndrome);
	}
	cmd_log_line(opcode, in, in_len, out, x.out_len);
	return x.out_len;
}

/* See hcasim_cmd.h. */
int
hcasim_cmd_msg(struct hcasim *h, struct hcasim_client *c, uint16_t type,
	       const void *body, size_t blen, int fd, void *out, size_t *olen)
{
	struct hcasim_umem_reg_req reg;
	struct hcasim_umem_msg um;
	int ret;

	*olen = 0;
	switch (type) {
	case HCASIM_MSG_CMD:
		*olen = cmd_exec(h, c, body, blen, out);
		return 0;
	case HCASIM_MSG_UMEM_REG:
		memcpy(&reg, body, sizeof(reg));
		memset(&um, 0, sizeof(um));
		ret = umem_reg(h, c, &reg, fd, &um.umem_id);
		if (ret == 0) {
			memcpy(out, &um, sizeof(um));
			*olen = sizeof(um);
		}
		return ret;
	case HCASIM_MSG_UMEM_DEREG:
		memcpy(&um, body, sizeof(um));
		return umem_dereg(h, c, um.umem_id);
	default:
		return -EBADMSG;
	}
}

/* See hcasim_cmd.h. */
int
hcasim_cmd_log_open(const char *path)
{
	cmd_log = fopen(path, "we");
	return cmd_log != NULL ? 0 : -errno;
}

/* See hcasim_cmd.h. */
void
hcasim_cmd_log_close(void)
{
	if (cmd_log != NULL)
		fclose(cmd_log);
	cmd_log = NULL;
}
