/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_ERF_H
#define HCASIM_ERF_H

/**
 * @file
 * ERF (Endace Extensible Record Format) capture writer for the soft HCA's
 * wire: one type-21 (InfiniBand) record per packet, no file header, so a
 * file cut anywhere between records is a valid capture.
 *
 * Record layout (16-byte header, multi-byte fields as marked):
 *   0  ts     8  little endian: seconds << 32 | binary fraction of a second
 *   8  type   1  21 (TYPE_INFINIBAND), no extension header
 *   9  flags  1  bit 2 set (varying record length), interface 0
 *  10  rlen   2  big endian: record length, header included, padded to 8
 *  12  lctr   2  big endian: records lost to write errors before this one
 *  14  wlen   2  big endian: packet length on the wire (LRH..VCRC)
 *  16  the packet, then zero bytes up to rlen
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** ERF record type of a whole InfiniBand packet. */
#define HCASIM_ERF_TYPE_INFINIBAND 21
/** ERF flags bit: varying record length. */
#define HCASIM_ERF_FLAG_VLEN 0x04
/** Length of the ERF record header. */
#define HCASIM_ERF_HDR_LEN 16
/** Records are padded to a multiple of this. */
#define HCASIM_ERF_ALIGN 8

/** An open capture file. */
struct hcasim_erf {
	int fd;            /**< the file, -1 when closed */
	uint64_t written;  /**< records written */
	uint64_t errors;   /**< records lost to write errors */
	uint16_t lost;     /**< losses not yet reported in a record's lctr */
	uint64_t offset;   /**< end of the last whole record in the file */
};

/**
 * Create (truncate) a capture file.
 *
 * @param e
 *   The writer to set up.
 * @param path
 *   File name.
 * @return
 *   0, or a negative errno of open().
 */
int hcasim_erf_open(struct hcasim_erf *e, const char *path);

/**
 * Fill an ERF record header.
 *
 * @param hdr
 *   The 16 bytes to fill.
 * @param pkt_len
 *   Length of the packet the record holds (at most 65535 - 16 - 7).
 * @param ts
 *   Capture time (CLOCK_REALTIME).
 * @param lctr
 *   Loss counter to put in the record.
 * @return
 *   The record length (rlen), or 0 if @p pkt_len is too long.
 */
size_t hcasim_erf_header(uint8_t *hdr, size_t pkt_len,
			 const struct timespec *ts, uint16_t lctr);

/**
 * Append one packet to the capture as one record, with one write().
 *
 * @param e
 *   The writer (nothing happens when it is closed).
 * @param pkt
 *   The packet.
 * @param len
 *   Its length.
 * @param ts
 *   Capture time.
 * @return
 *   0, or a negative errno (the record is then lost and counted).
 */
int hcasim_erf_write(struct hcasim_erf *e, const uint8_t *pkt, size_t len,
		     const struct timespec *ts);

/**
 * Close a capture file (a closed writer may be closed again).
 *
 * @param e
 *   The writer.
 */
void hcasim_erf_close(struct hcasim_erf *e);

#endif /* HCASIM_ERF_H */
