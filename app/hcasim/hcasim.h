/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_H
#define HCASIM_H

/**
 * @file
 * The soft HCA daemon's shared state: emulated ports, resource tables,
 * the publication scheme between the control thread and the data path.
 *
 * Threads:
 *  - control (hcasim_ctl.c): owns every table, serves client requests;
 *  - address learning (hcasim_addr.c): follows LIDs and P_Keys from the SA;
 *  - data path (hcasim_dp.c): reads the tables without locks.
 *
 * Publication: the control thread makes an object visible with a release
 * store of its pointer and withdraws it by storing NULL (or a new view),
 * then calls hcasim_dp_sync(), which waits until the data path has started
 * a new iteration; only then is the object's memory unmapped or freed. The
 * data path holds no pointer across iterations.
 */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <pthread.h>
#include <sys/uio.h>

#include <infiniband/mlx5dv.h>

#include "hcasim_proto.h"

/* ---- limits ---- */
#define HCASIM_MAX_PORTS 256
#define HCASIM_QP_SLOTS 16384          /**< QPs in the whole daemon */
#define HCASIM_MR_SLOTS 16384          /**< MRs in the whole daemon */
#define HCASIM_MAX_CLIENTS 256
#define HCASIM_CLIENT_MAX_PD 64
#define HCASIM_CLIENT_MAX_CQ 256       /**< CQ table of a client */
#define HCASIM_MAX_RING_MEM (2ull << 30)    /**< all clients together */
/* defaults of the per-client and per-host limits (--limit NAME=VALUE) */
#define HCASIM_DEF_CLIENT_QP 512
#define HCASIM_DEF_CLIENT_MR 4096
#define HCASIM_DEF_CLIENT_CQ 256
#define HCASIM_DEF_CLIENT_MCAST 256    /**< a quarter of a group */
#define HCASIM_DEF_CLIENT_RING_MEM (256ull << 20)
#define HCASIM_DEF_HOST_CLIENTS 64     /**< a quarter of the table */
#define HCASIM_DEF_HOST_QP 8192        /**< half of the QP table */
#define HCASIM_DEF_HOST_MR 8192        /**< half of the MR table */
#define HCASIM_DEF_HOST_RING_MEM (1ull << 30)   /**< half of the total */
#define HCASIM_MAX_WQE_CNT 32768       /**< send blocks / receive WQEs */
#define HCASIM_MAX_CQE 65536
#define HCASIM_MAX_INLINE 512
#define HCASIM_MAX_RSS_CHILDREN 64
#define HCASIM_MAX_MCG_MEMBERS 1024   /**< QPs attached to one MGID */
#define HCASIM_MCG_BUCKETS_LOG 12
#define HCASIM_MCG_BUCKETS (1u << HCASIM_MCG_BUCKETS_LOG) /**< MGID hash */
#define HCASIM_MCG_KEY_WORDS 5         /**< the MGID hash's key */
#define HCASIM_MAX_DS 63               /**< 16-byte units per send WQE */
#define HCASIM_MLID_BASE 0xc000
/** Internal QP state while it is being destroyed (never polled). */
#define HCASIM_QPS_DEAD 0xdead
#define HCASIM_MLID_COUNT 0x3fff       /**< 0xc000 .. 0xfffe */

/** Per-port counters (written by the data path only). */
struct hcasim_counters {
	uint64_t xmit_packets;
	uint64_t xmit_bytes;
	uint64_t rcv_packets;
	uint64_t rcv_bytes;
	uint64_t xmit_discards;        /**< no route (multicast without a GRH),
					*   no LID, bad P_Key index */
	uint64_t xmit_errors_wqe;      /**< malformed WQE (error CQE) */
	uint64_t xmit_errors_prot;     /**< bad lkey, out of region */
	uint64_t xmit_errors_length;   /**< longer than the MTU */
	uint64_t rcv_discards_no_qp;   /**< no such QP, or not RTR/RTS */
	uint64_t rcv_discards_qkey;
	uint64_t rcv_discards_pkey;
	uint64_t rcv_discards_no_buffer;
	uint64_t cq_overruns;          /**< completion lost: CQ full */
	uint64_t rcv_discards_wire;    /**< lost on the wire (injected) */
	uint64_t rcv_errors_icrc;
	uint64_t rcv_errors_vcrc;
	uint64_t rcv_errors;           /**< bad receive WQE (error CQE) */
	/* stateless offloads of sends (hcasim_offload.h) */
	uint64_t xmit_offload_csum;    /**< sends whose checksums we made */
	uint64_t xmit_lso_sends;       /**< LSO sends */
	uint64_t xmit_lso_segments;    /**< the datagrams they became */
	uint64_t xmit_errors_offload;  /**< bad Ethernet segment or headers */
};

/** Add to a counter the control thread may be reading. */
static inline void
hcasim_count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/** An emulated HCA port (one per Hca port of the net file). */
struct hcasim_port {
	char host[HCASIM_HOST_LEN];    /**< node description */
	uint8_t port_num;
	/* learned from the SA (atomic stores by the address thread) */
	uint16_t lid;
	uint8_t lmc;
	uint8_t state;
	uint8_t mtu;                   /**< IB MTU code */
	uint16_t sm_lid;
	uint8_t sm_sl;
	uint32_t capability_mask;
	uint64_t gid_prefix;           /**< host order */
	uint64_t port_guid;
	uint64_t node_guid;
	uint32_t pkey_count;
	uint16_t pkeys[HCASIM_MAX_PKEYS];
	/* a group a client attached to (ports_lock): the SM watch's probe */
	bool probe_set;
	bool probe_member;             /**< the SA listed it at the attach */
	uint8_t probe_mgid[16];
	struct hcasim_counters cnt;
};

struct hcasim_client;

/** A registered memory region, mapped into the daemon. */
struct hcasim_mr {
	uint32_t lkey;
	uint32_t pdn;
	struct hcasim_client *owner;
	uint64_t va;                   /**< the client's address */
	uint64_t len;
	uint8_t *base;                 /**< where va is in the daemon */
	void *map;
	size_t map_len;
	uint32_t poisoned;             /**< its fd was truncated (atomic) */
};

/** A completion queue. */
struct hcasim_cq {
	uint32_t cqn;
	uint32_t cqe_cnt;
	struct mlx5_cqe64 *cqes;
	volatile uint32_t *dbrec;      /**< [0]: consumer index */
	uint32_t pi;                   /**< producer index (data path) */
	uint32_t ci_cache;             /**< consumer index last read (dp) */
	uint32_t refs;                 /**< QPs using it (control) */
	void *map;
	size_t map_len;
};

/**
 * The RQs of the TIR that the root flow table of an underlay QP forwards
 * to: every datagram for the QP goes to qps[hash % n], none to the QP
 * itself.
 */
struct hcasim_rss_set {
	uint32_t n;
	struct hcasim_qp *qps[];
};

/** What an hcasim_qp is: a UD QP, or a send or receive queue made by
 * CREATE_SQ / CREATE_RQ (numbers from the QPs' space, as on ConnectX). */
#define HCASIM_Q_QP 0
#define HCASIM_Q_SQ 1
#define HCASIM_Q_RQ 2

/** A UD QP (or an SQ or RQ: kind). */
struct hcasim_qp {
	uint32_t qpn;
	uint8_t kind;                  /**< HCASIM_Q_* */
	uint32_t steer_ref;            /**< SQ: its TIS; RQ: RQ tables that
					*   list it (control) */
	uint32_t wire_qpn;
	struct hcasim_client *owner;
	struct hcasim_port *port;
	uint32_t pdn;
	uint32_t state;                /**< enum hca_qp_state (atomic) */
	uint32_t qkey;                 /**< atomic */
	uint16_t pkey_index;           /**< atomic */
	uint32_t max_inline;
	uint8_t *sq;
	uint32_t sq_wqe_cnt;
	uint32_t sq_tail;              /**< data path */
	uint32_t psn;                  /**< data path */
	uint32_t fail_next_send;       /**< atomic: injected fault armed */
	struct mlx5_wqe_data_seg *rq;
	uint32_t rq_wqe_cnt;
	uint32_t rq_tail;              /**< data path */
	uint32_t rq_prod_cache;        /**< producer last read (dp) */
	volatile uint32_t *dbrec;
	struct hcasim_cq *scq;
	struct hcasim_cq *rcq;
	struct hcasim_port *gid_port;  /**< whose GID its GRHs carry */
	struct hcasim_rss_set *rss;    /**< underlay QP: the RQs its root
					*   flow table's TIR spreads over */
	uint32_t nattach;              /**< multicast attachments (control) */
	void *map;
	size_t map_len;
	struct hcasim_qp *next;        /**< client's list (control) */
};

/** One member of a multicast group. */
struct hcasim_mcg_member {
	struct hcasim_qp *qp;
	uint8_t mgid[16];
};

/**
 * The members of the multicast groups whose MGIDs fall in one bucket of
 * the table (immutable once published; hcasim_mcg.c).
 */
struct hcasim_mcg {
	uint32_t n;
	struct hcasim_mcg_member m[];
};

/** The send queues the data path polls (immutable once published). */
struct hcasim_view {
	uint32_t n;
	struct hcasim_qp *qps[];
};

/**
 * What one host identity holds (control thread only). Index 0 is the
 * bucket of connections that have no known host yet (no HELLO on the
 * shared socket, or a host the net file does not name).
 */
struct hcasim_ident {
	char host[HCASIM_HOST_LEN];
	uint32_t clients;
	uint32_t nqp;
	uint32_t nmr;
	uint64_t ring_mem;
};

/** Requests refused by a limit or a check of this file (control only). */
struct hcasim_refusals {
	uint64_t client_qp;            /**< per-client QP limit */
	uint64_t client_mr;
	uint64_t client_cq;
	uint64_t client_mcast;
	uint64_t client_ring_mem;
	uint64_t host_clients;         /**< a host's share of the table */
	uint64_t host_qp;
	uint64_t host_mr;
	uint64_t host_ring_mem;
	uint64_t identity;             /**< HELLO naming another host */
};

/** A connected client (one per opened device). */
struct hcasim_client {
	int fd;
	uint32_t id;
	pid_t pid;
	bool hello;
	char host[HCASIM_HOST_LEN];
	struct hcasim_ident *ident;    /**< whose share it counts against */
	int bound_ident;               /**< host socket's identity, or 0 */
	struct hcasim_port *port;      /**< bound by PORT_OPEN */
	bool pds[HCASIM_CLIENT_MAX_PD];
	struct hcasim_cq *cqs[HCASIM_CLIENT_MAX_CQ];
	struct hcasim_qp *qps;
	uint32_t nmr;
	uint32_t ncq;
	uint32_t nqp;
	uint32_t nattach;
	size_t ring_mem;
	struct hcasim_cmd_client *cmd; /**< firmware commands (hcasim_cmd.c) */
	int intr_fd;                   /**< daemon's end of the interrupt
					*   line, or -1 (hcasim_event.c) */
	struct hcasim_eq *eq;          /**< its event queue (CREATE_EQ), or
					*   NULL (hcasim_cmd_eq.c) */
};

/** A client's event queue: a ring of EQEs in one of its UMEMs. */
struct hcasim_eq {
	uint8_t eqn;
	uint8_t log_size;              /**< log2 of the entries */
	uint64_t event_bitmask[4];     /**< bit n: event type n wanted */
	struct hcasim_eqe *ring;       /**< in the UMEM */
	volatile uint32_t *dbrec;      /**< consumer counter (big endian) */
	uint32_t count;                /**< entries written */
	bool overrun;                  /**< an entry was lost: re-register */
};

struct hcasim_wire;
struct hcasim_sa;
struct hcasim_gsi;

/** Port events waiting for the control thread (hcasim_event.c). */
#define HCASIM_EVQ_SIZE 1024

/**
 * One event: which port, which type (HCASIM_EQE_TYPE_*) and subtype;
 * for a QP or CQ error, the QP (its owner receives it) and the CQ.
 */
struct hcasim_port_event {
	uint16_t port;                 /**< index in hcasim.ports */
	uint8_t type;                  /**< HCASIM_EQE_TYPE_* */
	uint8_t sub_type;              /**< HCASIM_EQE_PORT_* */
	uint32_t qpn;                  /**< QP/CQ errors: the QP */
	uint32_t cqn;                  /**< CQ error: the owner's CQN */
};

/** The queue of events, from the address and data path threads to the
 * control thread. */
struct hcasim_evq {
	pthread_mutex_t lock;
	int wake_fd;                   /**< eventfd the control thread polls */
	uint32_t head, tail;           /**< free running */
	struct hcasim_port_event q[HCASIM_EVQ_SIZE];
	uint64_t posted;               /**< port events raised */
	uint64_t delivered;            /**< entries written to clients */
	uint64_t dropped;              /**< queue or client channel full */
	uint64_t reregisters;          /**< client re-registers raised */
};

/** Per-client and per-host limits (command line). */
struct hcasim_limits {
	uint32_t client_qp;
	uint32_t client_mr;
	uint32_t client_cq;
	uint32_t client_mcast;
	uint64_t client_ring_mem;
	uint32_t host_clients;
	uint32_t host_qp;
	uint32_t host_mr;
	uint64_t host_ring_mem;
};

/** Daemon configuration (command line). */
struct hcasim_config {
	const char *net_file;
	const char *socket_path;
	const char *host_sockets;      /**< directory of per-host sockets */
	const char *capture;
	double drop_rate;
	double corrupt_rate;
	uint64_t seed;
	uint64_t sm_key;
	unsigned int refresh_ms;
	bool status_mode;
	struct hcasim_limits limits;
	bool fault_mode;               /**< --fail-qp: inject, then exit */
	uint32_t fault_qpn;
	uint32_t fault_kind;           /**< enum hcasim_qp_fault_kind */
	bool allow_forge;  /**< tests: a QP may send as another's (forger) */
	/** tests: QUERY_HCA_CAP without ipoib_enhanced_offloads (no RSS
	 * on UD), CREATE_TIS refused */
	bool no_ipoib_enhanced;
	const char *cmd_log;           /**< --cmd-log: firmware command log */
};

/** The daemon. */
struct hcasim {
	struct hcasim_config cfg;
	struct hcasim_port ports[HCASIM_MAX_PORTS];
	unsigned int nports;
	pthread_mutex_t ports_lock;    /**< control vs address thread */
	uint16_t lid_port[65536];      /**< LID -> port index + 1 (atomic) */
	struct hcasim_qp *qp_table[HCASIM_QP_SLOTS];
	struct hcasim_mr *mr_table[HCASIM_MR_SLOTS];
	struct hcasim_mcg *mcg_table[HCASIM_MCG_BUCKETS]; /**< by MGID */
	uint64_t mcg_key[HCASIM_MCG_KEY_WORDS]; /**< hcasim_mcg_bucket() */
	struct hcasim_view *view;
	uint32_t qpn_tag;              /**< rotates so QPNs are not reused */
	uint64_t epoch;                /**< bumped by the control thread */
	uint64_t dp_seen;              /**< last epoch the data path saw */
	volatile int stop;
	int wake_fd;                   /**< eventfd: wakes an idle data path */
	bool dp_running;
	pthread_t dp_thread;
	pthread_t addr_thread;
	bool addr_running;
	struct hcasim_wire *wire;
	uint32_t next_client_id;
	uint64_t start_ns;
	struct hcasim_ident idents[HCASIM_MAX_PORTS + 1]; /**< [0]: unknown */
	unsigned int nidents;
	struct hcasim_refusals refused;
	struct hcasim_sa *sa;          /**< shared SA reader (locked inside) */
	struct hcasim_gsi *gsi;        /**< QP 1 relay (hcasim_gsi.c) */
	struct hcasim_evq evq;         /**< port events (hcasim_event.c) */
};

/* hcasim_res.c: resource tables */
int hcasim_pd_alloc(struct hcasim *h, struct hcasim_client *c, uint32_t *pdn);
int hcasim_pd_free(struct hcasim *h, struct hcasim_client *c, uint32_t pdn);
/** A client's memory mapped by the daemon (hcasim_client_mem_map()). */
struct hcasim_mem_map {
	void *map;                /**< what to munmap() */
	size_t map_len;
	uint8_t *base;            /**< the registered range's first byte */
	bool sealed;              /**< the file cannot shrink (F_SEAL_SHRINK) */
};
int hcasim_mr_quota_check(struct hcasim *h, struct hcasim_client *c);
int hcasim_client_mem_map(int fd, uint64_t fd_off, uint64_t len,
			  struct hcasim_mem_map *m);
int hcasim_mr_dereg(struct hcasim *h, struct hcasim_client *c, uint32_t lkey);
int hcasim_cq_create(struct hcasim *h, struct hcasim_client *c,
		     uint32_t min_cqe, uint32_t *cqn, int *fd);
int hcasim_cq_destroy(struct hcasim *h, struct hcasim_client *c,
		      uint32_t cqn);
/** What a QP is made with (CREATE_QP, CREATE_SQ, CREATE_RQ). */
struct hcasim_qp_create_req {
	uint32_t pdn;
	uint32_t send_cqn;
	uint32_t recv_cqn;
	uint32_t sq_wqe_cnt;
	uint32_t rq_wqe_cnt;
	uint32_t max_inline;
};

/** What hcasim_qp_create() made: numbers and the rings' layout. */
struct hcasim_qp_create_rep {
	uint32_t qpn;
	uint32_t wire_qpn;
	uint32_t sq_wqe_cnt;
	uint32_t rq_wqe_cnt;
	uint32_t max_inline;
	uint32_t pad;
	uint64_t map_len;
	uint64_t sq_off;
	uint64_t rq_off;
	uint64_t dbrec_off;
};

int hcasim_qp_create(struct hcasim *h, struct hcasim_client *c,
		     const struct hcasim_qp_create_req *req,
		     struct hcasim_qp_create_rep *rep, int *fd);
/** A QP state change (hcasim_qp_modify()). */
struct hcasim_qp_change {
	uint32_t qpn;
	uint32_t state;      /**< enum hca_qp_state */
	uint32_t qkey;
	uint16_t pkey_index;
};
int hcasim_qp_modify(struct hcasim *h, struct hcasim_client *c,
		     const struct hcasim_qp_change *req);
int hcasim_qp_fault(struct hcasim *h, const struct hcasim_qp_fault_req *req);
int hcasim_qp_destroy(struct hcasim *h, struct hcasim_client *c,
		      uint32_t qpn);
void hcasim_client_release(struct hcasim *h, struct hcasim_client *c);
void hcasim_dp_sync(struct hcasim *h);
void hcasim_view_rebuild(struct hcasim *h);

/** Find a QP by number (data path and control). */
static inline struct hcasim_qp *
hcasim_qp_lookup(struct hcasim *h, uint32_t qpn)
{
	struct hcasim_qp *qp = __atomic_load_n(
		&h->qp_table[qpn % HCASIM_QP_SLOTS], __ATOMIC_ACQUIRE);

	return (qp != NULL && qp->qpn == qpn) ? qp : NULL;
}

/** Find an MR by lkey (data path and control). */
static inline struct hcasim_mr *
hcasim_mr_lookup(struct hcasim *h, uint32_t lkey)
{
	struct hcasim_mr *mr = __atomic_load_n(
		&h->mr_table[lkey % HCASIM_MR_SLOTS], __ATOMIC_ACQUIRE);

	return (mr != NULL && mr->lkey == lkey) ? mr : NULL;
}

/* hcasim_limits.c: limits, host identities */
void hcasim_limits_default(struct hcasim_limits *l);
int hcasim_limit_parse(struct hcasim_limits *l, const char *spec);
void hcasim_idents_build(struct hcasim *h);
int hcasim_ident_find(struct hcasim *h, const char *host);
int hcasim_ident_take(struct hcasim *h, struct hcasim_client *c, int idx);
void hcasim_ident_drop(struct hcasim_client *c);
int hcasim_ring_mem_admit(struct hcasim *h, struct hcasim_client *c,
			  size_t len, size_t total);

/* hcasim_mcg.c: multicast membership by MGID */
void hcasim_mcg_init(struct hcasim *h);
int hcasim_mcast_attach(struct hcasim *h, struct hcasim_client *c,
			uint32_t qpn, const uint8_t *mgid);
int hcasim_mcast_detach(struct hcasim *h, struct hcasim_client *c,
			uint32_t qpn, const uint8_t *mgid);
uint32_t hcasim_mcg_remove_qps(struct hcasim *h, struct hcasim_qp *qp,
			       struct hcasim_client *owner,
			       struct hcasim_mcg **old, uint32_t *nold);

/**
 * The bucket of the multicast table that holds an MGID's members (data
 * path and control): a multilinear hash of its four 32-bit words under
 * the daemon's random key, top bits.
 *
 * @param mgid  the group (16 bytes, network order)
 */
static inline uint32_t
hcasim_mcg_bucket(const struct hcasim *h, const uint8_t *mgid)
{
	uint64_t x = h->mcg_key[0];
	uint32_t w;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		memcpy(&w, mgid + 4 * i, sizeof(w));
		x += (uint64_t)w * h->mcg_key[i + 1];
	}
	return (uint32_t)(x >> (64 - HCASIM_MCG_BUCKETS_LOG));
}

/* hcasim_addr.c: ports from the net file, addresses from the SA */
int hcasim_ports_load(struct hcasim *h, const char *net_file);
struct hcasim_port *hcasim_port_find(struct hcasim *h, const char *host,
				     unsigned int port_num);
int hcasim_addr_start(struct hcasim *h);
void hcasim_addr_stop(struct hcasim *h);
void hcasim_port_describe(struct hcasim *h, struct hcasim_port *p,
			  struct hcasim_port_attr *attr);

/* hcasim_event.c: port, QP and CQ events written into clients' EQs */
int hcasim_event_init(struct hcasim *h);
void hcasim_event_fini(struct hcasim *h);
void hcasim_event_post(struct hcasim *h, unsigned int port,
		       uint8_t sub_type);
void hcasim_event_post_all(struct hcasim *h, uint8_t sub_type);
void hcasim_event_post_qp(struct hcasim *h, const struct hcasim_qp *qp,
			  uint8_t type);
void hcasim_event_post_cq(struct hcasim *h, const struct hcasim_qp *qp,
			  const struct hcasim_cq *cq);
int hcasim_intr_open(struct hcasim *h, struct hcasim_client *c,
		     struct hcasim_intr_open_rep *rep, int *fd);
void hcasim_intr_close(struct hcasim_client *c);
bool hcasim_eq_write(struct hcasim_eq *eq, const struct hcasim_eqe *e);
void hcasim_event_note_attach(struct hcasim *h, struct hcasim_port *p,
			      const uint8_t *mgid, bool attached);
void hcasim_event_forget_port(struct hcasim *h, struct hcasim_port *p);
int hcasim_event_probe_target(struct hcasim *h, uint8_t *mgid,
			      uint8_t *port_gid, bool *member);
void hcasim_event_deliver(struct hcasim *h, struct hcasim_client **clients,
			  unsigned int n);

/* hcasim_dp.c: the data path */
int hcasim_dp_start(struct hcasim *h);
void hcasim_dp_stop(struct hcasim *h);

/* hcasim_fault.c: containing SIGBUS from truncated client memory */
#include <setjmp.h>
extern __thread sigjmp_buf *hcasim_fault_jmp;
extern __thread void *hcasim_fault_addr;
int hcasim_fault_init(void);
bool hcasim_fault_contain(struct hcasim *h);

/* hcasim_rss.c */
uint32_t hcasim_rss_hash(const uint8_t *ipoib, uint32_t len, uint8_t *type);
bool hcasim_rss_key_is(const uint8_t *key);

/* hcasim_stats.c */
char *hcasim_status_json(struct hcasim *h, size_t *len);

/* hcasim_ctl.c: the control thread */
int hcasim_ctl_run(struct hcasim *h);
int hcasim_status_print(const char *socket_path);
int hcasim_qp_fault_send(const char *socket_path, uint32_t qpn,
			 uint32_t kind);

#endif /* HCASIM_H */
