/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SA_H
#define HCA_SA_H

/**
 * @file
 * The HCA access layer's port and subnet-administration (SA) client.
 *
 * A small API over rdma-core's libibumad, or in band over a UD QP of the
 * client's own (struct hca_sa_config.transport): read a CA port's
 * attributes and ask the subnet manager (opensm, on real fabrics and on
 * ibsim alike) for path records, multicast memberships and the list of
 * ports.
 *
 * This part of the layer does not depend on DPDK: the soft HCA daemon
 * links it too. An SA client (struct hca_sa) is owned by one control
 * thread; it is not safe to use one client from several threads at once.
 * Implemented by hca_port.c (port attributes, helpers), hca_sa_core.c
 * (the asynchronous core), hca_sa_umad.c and hca_sa_inband.c (the two
 * transports) and hca_sa_query.c (the queries).
 *
 * Errors are negative errno values:
 *   -ETIMEDOUT  no reply after every retry;
 *   -ENOENT     the SA answered "no records" (unknown GID, unknown group);
 *   -EPROTO     a reply that is truncated, malformed or does not match
 *               the request (wrong TID, attribute or method);
 *   -EREMOTEIO  the SA answered with another error status
 *               (hca_sa_last_status() gives it);
 *   -EMSGSIZE   in band: a multi-segment RMPP reply (not reassembled);
 *   -ENODEV     no such CA or port;
 *   -EINVAL     bad arguments;
 *   -ENOMEM     out of memory.
 *
 * All GIDs are in network byte order (as on the wire); every other field
 * of the records below is in host byte order.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Length of a GID in bytes. */
#define HCA_GID_LEN 16
/** Longest CA name (as libibumad's UMAD_CA_NAME_LEN). */
#define HCA_CA_NAME_LEN 20
/** Largest P_Key table this layer reads. */
#define HCA_MAX_PKEYS 128

/** Port states, as in PortInfo:PortState. */
enum hca_port_state {
	HCA_PORT_DOWN = 1,
	HCA_PORT_INIT = 2,
	HCA_PORT_ARMED = 3,
	HCA_PORT_ACTIVE = 4,
};

/** MCMemberRecord JoinState bits. */
enum hca_join_state {
	HCA_JOIN_FULL = 0x1,
	HCA_JOIN_NON_MEMBER = 0x2,
	HCA_JOIN_SENDONLY_NON_MEMBER = 0x4,
	HCA_JOIN_SENDONLY_FULL = 0x8,
};

/** A GID: subnet prefix then interface ID, network byte order. */
union hca_gid {
	uint8_t raw[HCA_GID_LEN];
	struct {
		uint64_t subnet_prefix; /**< big endian */
		uint64_t interface_id;  /**< big endian (the port GUID) */
	} global;
};

/** What a CA port says about itself. */
struct hca_port_info {
	char ca_name[HCA_CA_NAME_LEN];
	int port_num;
	enum hca_port_state state;
	int phys_state;
	uint16_t lid;
	uint8_t lmc;
	uint16_t sm_lid;
	uint8_t sm_sl;
	union hca_gid gid;       /**< subnet prefix + port GUID */
	uint64_t port_guid;      /**< host order */
	uint64_t node_guid;      /**< host order */
	uint8_t active_mtu;      /**< IB MTU code: 1=256 ... 5=4096 */
	uint8_t rate;            /**< Gbit/s as libibumad reports it */
	uint32_t capability_mask;
	unsigned int pkey_count;
	uint16_t pkeys[HCA_MAX_PKEYS];
};

/** A PathRecord. */
struct hca_path_rec {
	union hca_gid dgid;
	union hca_gid sgid;
	uint16_t dlid;
	uint16_t slid;
	uint8_t raw_traffic;
	uint32_t flow_label;
	uint8_t hop_limit;
	uint8_t tclass;
	uint8_t reversible;
	uint8_t numb_path;
	uint16_t pkey;
	uint8_t sl;
	uint8_t mtu_selector;
	uint8_t mtu;             /**< IB MTU code */
	uint8_t rate_selector;
	uint8_t rate;            /**< IB rate code (IBA 9.4, e.g. 2 = 2.5 Gb/s) */
	uint8_t packet_life_selector;
	uint8_t packet_life;
	uint8_t preference;
};

/** An MCMemberRecord. */
struct hca_mcmember_rec {
	union hca_gid mgid;
	union hca_gid port_gid;
	uint32_t qkey;
	uint16_t mlid;
	uint8_t mtu_selector;
	uint8_t mtu;
	uint8_t tclass;
	uint16_t pkey;
	uint8_t rate_selector;
	uint8_t rate;
	uint8_t packet_life_selector;
	uint8_t packet_life;
	uint8_t sl;
	uint32_t flow_label;
	uint8_t hop_limit;
	uint8_t scope;
	uint8_t join_state;
	uint8_t proxy_join;
};

/** A NodeRecord. */
struct hca_node_rec {
	uint16_t lid;
	uint8_t node_type;       /**< 1 CA, 2 switch, 3 router */
	uint8_t num_ports;
	uint8_t port_num;        /**< the port the record was read through */
	uint64_t node_guid;      /**< host order */
	uint64_t port_guid;      /**< host order */
	char desc[65];           /**< NUL-terminated node description */
};

/** A PortInfoRecord (the fields this project uses). */
struct hca_portinfo_rec {
	uint16_t lid;            /**< the record's EndportLID */
	uint8_t port_num;
	uint64_t gid_prefix;     /**< host order */
	uint16_t base_lid;
	uint16_t sm_lid;
	uint8_t state;           /**< enum hca_port_state */
	uint8_t mtu_active;
	uint8_t lmc;
};

/** How an SA client reaches the SA. */
enum hca_sa_transport {
	/** libibumad (the kernel's ib_umad, or ibsim's preload library) */
	HCA_SA_TRANSPORT_UMAD = 0,
	/**
	 * In band: a UD QP of the client's own on the device (hca_dev.h),
	 * Q_Key 0x80010000, sending to the SM's LID, QPN 1; for a device
	 * with no ib_umad (a ConnectX given to VFIO).
	 */
	HCA_SA_TRANSPORT_INBAND = 1,
};

/** Tunables of an SA client; zero fields take the defaults. */
struct hca_sa_config {
	unsigned int timeout_ms; /**< per try; default 1000 */
	unsigned int retries;    /**< tries after the first; default 3 */
	/**
	 * SM_Key sent with trusted-only queries (P_Key table records):
	 * 0 = opensm's default SA key, 1. Other queries always send 0
	 * (an untrusted requester).
	 */
	uint64_t sm_key;
	/** How the SA is reached (default HCA_SA_TRANSPORT_UMAD). */
	enum hca_sa_transport transport;
};

/** What an SA client counted (hca_sa_get_stats()). */
struct hca_sa_stats {
	uint64_t sent;            /**< MADs sent (tries included) */
	uint64_t send_errors;     /**< sends the transport refused */
	uint64_t received;        /**< MADs received */
	uint64_t dropped;         /**< received and not ours (source, size,
				   *  unknown TID) */
	uint64_t timeouts;        /**< requests that ran out of tries */
	uint64_t rmpp_refused;    /**< multi-segment RMPP replies refused
				   *  (in band: completed with -EMSGSIZE) */
};

/** An SA client bound to one CA port (opaque). */
struct hca_sa;

/**
 * Callback for an asynchronous SA request.
 *
 * @param arg     the caller's argument given with the request
 * @param status  0 on success or a negative errno (see the file comment)
 * @param record  the record on success (type depends on the request:
 *                struct hca_path_rec or struct hca_mcmember_rec), NULL on
 *                error; valid only during the call
 */
typedef void (*hca_sa_cb_t)(void *arg, int status, const void *record);

/**
 * Read a CA port's attributes through libibumad.
 *
 * @param ca_name  CA name, or NULL for the first CA
 * @param port     port number, or 0 for the first active port
 * @param info     filled on success
 * @return 0, or a negative errno
 */
int hca_port_query(const char *ca_name, int port, struct hca_port_info *info);

/**
 * Open an SA client on a CA port.
 *
 * @param ca_name  CA name, or NULL for the first CA
 * @param port     port number, or 0 for the first active port
 * @param cfg      tunables, or NULL for the defaults
 * @param err      set to a negative errno on failure (may be NULL)
 * @return the client, or NULL on failure
 */
struct hca_sa *hca_sa_open(const char *ca_name, int port,
			   const struct hca_sa_config *cfg, int *err);

/** Close an SA client; pending requests complete with -ECANCELED. */
void hca_sa_close(struct hca_sa *sa);

/** The client's transport name ("umad" or "inband"), "" for NULL. */
const char *hca_sa_transport_name(const struct hca_sa *sa);

/** Copy the client's counters; 0 or -EINVAL. */
int hca_sa_get_stats(const struct hca_sa *sa, struct hca_sa_stats *st);

/**
 * The umad file descriptor of the client, for poll(2) (readable = reply);
 * -ENOTSUP in band (call hca_sa_poll() with a timeout instead).
 */
int hca_sa_fd(const struct hca_sa *sa);

/** The SA MAD status (host order) of the last failed reply, 0 if none. */
uint16_t hca_sa_last_status(const struct hca_sa *sa);

/** A short text for a negative errno returned by this API. */
const char *hca_sa_strerror(int err);

/* ---- synchronous requests (wait at most timeout * (retries + 1)) ---- */

/**
 * Ask for a path to a destination GID.
 *
 * @param dgid  destination port GID
 * @param pkey  P_Key of the path (0 for any)
 * @param path  filled on success
 */
int hca_sa_query_path(struct hca_sa *sa, const union hca_gid *dgid,
		      uint16_t pkey, struct hca_path_rec *path);

/**
 * Join a multicast group.
 *
 * @param mgid        the group
 * @param join_state  HCA_JOIN_FULL or HCA_JOIN_SENDONLY_* bits
 * @param create      when the group may not exist: the Q_Key, P_Key, MTU,
 *                    rate, SL, flow label and traffic class to create it
 *                    with (Linux copies the broadcast group's); NULL to
 *                    join an existing group only
 * @param rec         filled with the group's record on success
 */
int hca_sa_join_mcast(struct hca_sa *sa, const union hca_gid *mgid,
		      uint8_t join_state, const struct hca_mcmember_rec *create,
		      struct hca_mcmember_rec *rec);

/** Leave a multicast group (the join state bits to remove). */
int hca_sa_leave_mcast(struct hca_sa *sa, const union hca_gid *mgid,
		       uint8_t join_state);

/** Read an existing group's record (MGID match, no membership change). */
int hca_sa_query_mcast(struct hca_sa *sa, const union hca_gid *mgid,
		       struct hca_mcmember_rec *rec);

/**
 * Ask the SA whether this port is a member of a group, in any join
 * state (the synchronous form of hca_sa_query_membership_async()). The
 * SA keeps memberships per port GID: another client of the same port
 * (the kernel's ib0, another process) makes the port a member too.
 *
 * @param mgid    the group
 * @param member  set on success: true when the SA lists the port in the
 *                group (an unknown group is not an error: false)
 * @return 0 or a negative errno
 */
int hca_sa_query_membership(struct hca_sa *sa, const union hca_gid *mgid,
			    bool *member);

/**
 * List every NodeRecord the SA knows.
 *
 * @param recs  set to a malloc'ed array the caller frees
 * @param n     set to its length
 */
int hca_sa_query_nodes(struct hca_sa *sa, struct hca_node_rec **recs,
		       unsigned int *n);

/** List every PortInfoRecord the SA knows (as hca_sa_query_nodes). */
int hca_sa_query_portinfos(struct hca_sa *sa, struct hca_portinfo_rec **recs,
			   unsigned int *n);

/**
 * Read a port's P_Key table as the SA knows it (PKeyTableRecord, one
 * Get per block of 32 entries, until max entries or the last block).
 *
 * @param lid    the port's LID (its node's base LID for a switch)
 * @param port   port number (0 for a switch's management port)
 * @param pkeys  filled with up to max entries, in table order (index
 *               order; zero entries are empty slots)
 * @param max    room in pkeys
 * @param n      set to the number of entries written
 * @return 0, -ENOENT (no such port), or another negative errno
 */
int hca_sa_query_pkeys(struct hca_sa *sa, uint16_t lid, uint8_t port,
		       uint16_t *pkeys, unsigned int max, unsigned int *n);

/**
 * The SA's view of one port, found by its port GUID: its NodeRecord,
 * and (when pi is not NULL) its PortInfoRecord.
 *
 * @return 0, -ENOENT (the SA knows no such port), or a negative errno
 */
int hca_sa_query_port_by_guid(struct hca_sa *sa, uint64_t port_guid,
			      struct hca_node_rec *node,
			      struct hca_portinfo_rec *pi);

/* ---- asynchronous requests (the data path never waits for the SA) ---- */

/**
 * Start a PathRecord query; cb runs from hca_sa_poll() with a
 * struct hca_path_rec.
 *
 * @return 0 when sent, or a negative errno (cb is then never called)
 */
int hca_sa_query_path_async(struct hca_sa *sa, const union hca_gid *dgid,
			    uint16_t pkey, hca_sa_cb_t cb, void *arg);

/**
 * Start a NodeRecord query for the port that has a LID (who sent a
 * packet without GRH); cb gets a struct hca_node_rec (its port_guid and
 * the subnet prefix make the port GID).
 *
 * @return 0 when sent, or a negative errno (cb is then never called)
 */
int hca_sa_query_node_by_lid_async(struct hca_sa *sa, uint16_t lid,
				   hca_sa_cb_t cb, void *arg);

/** Start a multicast join; cb gets a struct hca_mcmember_rec. */
int hca_sa_join_mcast_async(struct hca_sa *sa, const union hca_gid *mgid,
			    uint8_t join_state,
			    const struct hca_mcmember_rec *create,
			    hca_sa_cb_t cb, void *arg);

/**
 * Ask the SA whether this port is a member of a group (a GetTable of
 * MCMemberRecord by MGID and PortGID, which an SA answers for a port's
 * own memberships without an SM_Key). An SM that restarted has forgotten
 * every membership, so this tells a restart however short it was. cb
 * gets a `const bool *`: true when the SA lists the port in the group.
 *
 * @return 0 when sent, or a negative errno (cb is then never called)
 */
int hca_sa_query_membership_async(struct hca_sa *sa,
				  const union hca_gid *mgid,
				  hca_sa_cb_t cb, void *arg);

/**
 * Process replies and timeouts (resending with backoff, failing requests
 * whose retries are spent), running callbacks.
 *
 * @param timeout_ms  how long to wait for something to happen; 0 = do not
 *                    wait; negative = until a request completes or none
 *                    is pending (bounded by the pending deadlines)
 * @return the number of requests completed, or a negative errno
 */
int hca_sa_poll(struct hca_sa *sa, int timeout_ms);

/** Number of requests still waiting for an answer. */
unsigned int hca_sa_pending(const struct hca_sa *sa);

/* ---- helpers ---- */

/** IB MTU code (1..5) to bytes (256..4096), 0 if invalid. */
unsigned int hca_mtu_to_bytes(uint8_t mtu);

/** Format a GID as "fe80:0000:...:0001" into buf (at least 40 bytes). */
const char *hca_gid_to_str(const union hca_gid *gid, char *buf, size_t len);

/** Parse a GID in the usual colon form (inet_pton AF_INET6); 0 or -EINVAL. */
int hca_gid_from_str(const char *str, union hca_gid *gid);

#ifdef __cplusplus
}
#endif

#endif /* HCA_SA_H */
