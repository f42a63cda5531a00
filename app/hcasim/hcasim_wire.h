/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_WIRE_H
#define HCASIM_WIRE_H

/**
 * @file
 * The soft HCA's wire: whole InfiniBand packets, their CRCs, ERF captures
 * and fault injection.
 *
 * The data path normally copies a UD payload straight from the sender's
 * memory to the receiver's. When a capture or a fault is configured
 * (hcasim_wire_enabled()), it calls hcasim_wire_carry() instead, which
 * builds the packet exactly as an HCA would put it on the link (LRH, GRH
 * when present, BTH, DETH, payload, pad, ICRC, VCRC), writes it to the
 * capture file, may drop it or flip bits in it, and then checks it as the
 * receiving port would (lengths, VCRC, ICRC). A corrupted packet is caught
 * by those checks and counted: it is never delivered.
 *
 * Threading: a struct hcasim_wire belongs to the one data-path thread that
 * calls hcasim_wire_carry(); there are no locks. Counters are plain
 * uint64_t fields written by that thread only; another thread may read a
 * snapshot with hcasim_wire_counters() (values may lag, never tear on
 * 64-bit hosts).
 *
 * The stand-alone functions (build, parse, CRCs) keep no state and are
 * safe anywhere; tests and fuzzers use them directly.
 *
 * No DPDK in here: plain C11 plus POSIX.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "hca_sa.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Header sizes, in bytes. */
#define HCASIM_LRH_LEN 8
#define HCASIM_GRH_LEN 40
#define HCASIM_BTH_LEN 12
#define HCASIM_DETH_LEN 8
#define HCASIM_ICRC_LEN 4
#define HCASIM_VCRC_LEN 2

/** Largest UD payload the wire carries (the largest IB MTU). */
#define HCASIM_WIRE_MAX_PAYLOAD 4096
/** Largest whole packet: headers, payload, pad, ICRC and VCRC. */
#define HCASIM_WIRE_MAX_PKT (HCASIM_LRH_LEN + HCASIM_GRH_LEN + \
	HCASIM_BTH_LEN + HCASIM_DETH_LEN + HCASIM_WIRE_MAX_PAYLOAD + 3 + \
	HCASIM_ICRC_LEN + HCASIM_VCRC_LEN)

/** BTH opcode of a UD SEND only packet, the only one the wire builds. */
#define HCASIM_OPCODE_UD_SEND_ONLY 0x64

/** LRH:LNH values. */
#define HCASIM_LNH_IBA_LOCAL 2  /**< BTH follows the LRH */
#define HCASIM_LNH_IBA_GLOBAL 3 /**< GRH follows the LRH */

/**
 * Everything the headers of one UD SEND packet need, in host byte order
 * (GIDs excepted: network order, as in hca_sa.h).
 */
struct hcasim_pkt_meta {
	uint16_t slid;        /**< LRH source LID */
	uint16_t dlid;        /**< LRH destination LID (an MLID for mcast) */
	uint8_t sl;           /**< service level, 0..15 */
	uint8_t vl;           /**< virtual lane, 0..15 (0 is fine) */
	bool grh;             /**< a GRH follows the LRH */
	union hca_gid sgid;   /**< GRH source GID (when grh) */
	union hca_gid dgid;   /**< GRH destination GID (when grh) */
	uint8_t tclass;       /**< GRH traffic class */
	uint8_t hop_limit;    /**< GRH hop limit */
	uint32_t flow_label;  /**< GRH flow label, 20 bits */
	uint16_t pkey;        /**< BTH P_Key (full 16 bits, member bit incl.) */
	bool solicited;       /**< BTH:SE, solicited event */
	uint32_t dest_qp;     /**< BTH destination QP, 24 bits */
	uint32_t psn;         /**< BTH PSN, 24 bits */
	uint32_t qkey;        /**< DETH Q_Key */
	uint32_t src_qp;      /**< DETH source QP, 24 bits */
};

/** Why hcasim_wire_carry() or hcasim_wire_parse() refused a packet. */
enum hcasim_wire_result {
	HCASIM_WIRE_OK = 0,            /**< delivered / well formed */
	HCASIM_WIRE_DROPPED = -1,      /**< dropped by fault injection */
	HCASIM_WIRE_BAD_VCRC = -2,     /**< VCRC check failed */
	HCASIM_WIRE_BAD_ICRC = -3,     /**< ICRC check failed */
	HCASIM_WIRE_MALFORMED = -4,    /**< bad lengths, LNH, opcode, ... */
	HCASIM_WIRE_TOO_BIG = -5,      /**< payload over the maximum or the
					*  receiver's buffer (out_cap) */
};

/** Configuration of a wire; zero everywhere means "off". */
struct hcasim_wire_config {
	const char *capture_path; /**< ERF file to write, or NULL */
	double drop_rate;         /**< probability to drop a packet, 0..1 */
	double corrupt_rate;      /**< probability to flip bits, 0..1 */
	uint64_t seed;            /**< PRNG seed (0 picks a fixed default) */
};

/** Counters of one wire; read them with hcasim_wire_counters(). */
struct hcasim_wire_counters {
	uint64_t carried;         /**< packets given to hcasim_wire_carry() */
	uint64_t delivered;       /**< packets that passed every check */
	uint64_t delivered_bytes; /**< their payload bytes */
	uint64_t dropped;         /**< HCASIM_WIRE_DROPPED */
	uint64_t corrupted;       /**< packets the injector flipped bits in */
	uint64_t bad_vcrc;        /**< HCASIM_WIRE_BAD_VCRC */
	uint64_t bad_icrc;        /**< HCASIM_WIRE_BAD_ICRC */
	uint64_t malformed;       /**< HCASIM_WIRE_MALFORMED */
	uint64_t too_big;         /**< HCASIM_WIRE_TOO_BIG */
	uint64_t captured;        /**< ERF records written */
	uint64_t capture_errors;  /**< ERF records lost to write errors */
};

struct hcasim_wire;

/**
 * Create a wire.
 *
 * @param cfg
 *   What to capture and which faults to inject (copied; the path string
 *   is copied too).
 * @param err
 *   Set to a negative errno on failure (-EINVAL: a rate outside 0..1;
 *   errors of fopen() for the capture file; -ENOMEM). May be NULL.
 * @return
 *   The wire, or NULL on failure.
 */
struct hcasim_wire *hcasim_wire_create(const struct hcasim_wire_config *cfg,
				       int *err);

/**
 * Destroy a wire: close its capture file, free it. (Each capture record
 * is written with one write() as it is made, so a killed daemon loses
 * none and a reader never sees half a record.)
 *
 * @param w
 *   The wire, or NULL (nothing happens).
 */
void hcasim_wire_destroy(struct hcasim_wire *w);

/**
 * Tell whether the data path must send packets through this wire.
 *
 * @param w
 *   The wire, or NULL.
 * @return
 *   true when a capture or a fault injection is on; false otherwise (the
 *   data path may then copy payloads straight across).
 */
bool hcasim_wire_enabled(const struct hcasim_wire *w);

/**
 * Carry one UD SEND packet across the wire.
 *
 * Builds the whole packet from @p m and the payload, writes it to the
 * capture (as transmitted, before any fault), maybe drops it or flips
 * bits in it, then checks it as the receiving port would. On success the
 * payload as received is copied into @p out.
 *
 * @param w
 *   The wire.
 * @param m
 *   Header fields.
 * @param iov
 *   The payload, gathered from @p iovcnt pieces (may be 0 pieces).
 * @param iovcnt
 *   Number of pieces in @p iov.
 * @param out
 *   Where the received payload goes.
 * @param out_cap
 *   Size of @p out.
 * @param out_len
 *   Set to the received payload length on success.
 * @return
 *   HCASIM_WIRE_OK (0) when delivered; a negative enum hcasim_wire_result
 *   when not (and counted).
 */
int hcasim_wire_carry(struct hcasim_wire *w, const struct hcasim_pkt_meta *m,
		      const struct iovec *iov, int iovcnt,
		      uint8_t *out, size_t out_cap, size_t *out_len);

/**
 * Copy a snapshot of the counters of a wire.
 *
 * @param w
 *   The wire.
 * @param c
 *   Filled with the counters.
 */
void hcasim_wire_counters(const struct hcasim_wire *w,
			  struct hcasim_wire_counters *c);

/**
 * Give the name of a result ("ok", "dropped", "bad VCRC", ...).
 *
 * @param result
 *   An enum hcasim_wire_result value.
 * @return
 *   A static string.
 */
const char *hcasim_wire_result_name(int result);

/**
 * Build a whole UD SEND packet (LRH, GRH when m->grh, BTH, DETH, payload,
 * pad, ICRC, VCRC).
 *
 * @param m
 *   Header fields.
 * @param iov
 *   The payload pieces.
 * @param iovcnt
 *   Number of pieces.
 * @param buf
 *   Where the packet goes.
 * @param cap
 *   Size of @p buf.
 * @return
 *   The packet length in bytes, or 0 when the payload is over
 *   HCASIM_WIRE_MAX_PAYLOAD, @p buf is too small or @p iovcnt is negative.
 */
size_t hcasim_wire_build(const struct hcasim_pkt_meta *m,
			 const struct iovec *iov, int iovcnt,
			 uint8_t *buf, size_t cap);

/**
 * Recompute and store the VCRC of a packet, as every switch on the path
 * does (tests and fault injection use it after changing bytes).
 *
 * @param pkt
 *   The packet, LRH first, VCRC in its last two bytes.
 * @param len
 *   Its length (at least 2).
 */
void hcasim_wire_seal(uint8_t *pkt, size_t len);

/**
 * Parse and check a whole packet as a receiving port does: lengths, LNH,
 * LVer/TVer, opcode (UD SEND only), VCRC, then ICRC. Never reads outside
 * pkt[0..len).
 *
 * @param pkt
 *   The packet, LRH first, VCRC last.
 * @param len
 *   Its length in bytes.
 * @param m
 *   Filled with its header fields on success (may be NULL).
 * @param payload
 *   Set to the payload inside @p pkt on success (may be NULL).
 * @param plen
 *   Set to the payload length, pad excluded, on success (may be NULL).
 * @return
 *   HCASIM_WIRE_OK, HCASIM_WIRE_MALFORMED, HCASIM_WIRE_BAD_VCRC or
 *   HCASIM_WIRE_BAD_ICRC.
 */
int hcasim_wire_parse(const uint8_t *pkt, size_t len,
		      struct hcasim_pkt_meta *m,
		      const uint8_t **payload, size_t *plen);

/**
 * Compute the ICRC of a packet (IBA 7.8.1): CRC-32 (zlib's) over the
 * packet from the LRH to the end of the pad, the variant fields taken as
 * ones. Store it least significant byte first.
 *
 * @param pkt
 *   The packet, LRH first.
 * @param len
 *   Bytes covered: LRH through pad (ICRC and VCRC excluded).
 * @param grh
 *   Whether a GRH follows the LRH (the masks differ).
 * @return
 *   The ICRC value; 0 when len is shorter than the headers.
 */
uint32_t hcasim_icrc(const uint8_t *pkt, size_t len, bool grh);

/**
 * Tell which bits of a packet byte the ICRC does not cover (the variant
 * fields, taken as ones): LRH:VL and BTH:resv8a in a local packet; the
 * whole LRH, GRH:TClass, GRH:FlowLabel, GRH:HopLmt and BTH:resv8a in a
 * global one.
 *
 * @param off
 *   Byte offset in the packet (LRH first).
 * @param grh
 *   Whether the packet has a GRH.
 * @return
 *   The mask of variant bits of that byte (0 for bytes past the BTH).
 */
uint8_t hcasim_icrc_variant_bits(size_t off, bool grh);

/**
 * Compute the VCRC of a packet (IBA 7.8.2): CRC-16, polynomial 0x100B,
 * over the packet from the LRH through the ICRC, bits taken least
 * significant first (reflected, as the ICRC), seed 0xFFFF, result
 * complemented. Stored least significant byte first. See
 * doc/hcasim-wire.md.
 *
 * @param pkt
 *   The packet, LRH first.
 * @param len
 *   Bytes covered: LRH through ICRC.
 * @return
 *   The VCRC value.
 */
uint16_t hcasim_vcrc(const uint8_t *pkt, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* HCASIM_WIRE_H */
