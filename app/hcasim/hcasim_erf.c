/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ERF capture writer (see hcasim_erf.h for the record layout).
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hcasim_erf.h"

/** Largest record rlen can describe. */
#define ERF_MAX_RLEN 0xfff8u

/**
 * Store a 16-bit value most significant byte first.
 *
 * @param p
 *   Where.
 * @param v
 *   What.
 */
static void
erf_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/**
 * Turn a time into an ERF timestamp: seconds in the high 32 bits, the
 * fraction of a second in units of 2^-32 s in the low 32 bits.
 *
 * @param ts
 *   The time.
 * @return
 *   The ERF timestamp (host order).
 */
static uint64_t
erf_timestamp(const struct timespec *ts)
{
	uint64_t frac = ((uint64_t)ts->tv_nsec << 32) / 1000000000u;

	return ((uint64_t)ts->tv_sec << 32) | (frac & 0xffffffffu);
}

int
hcasim_erf_open(struct hcasim_erf *e, const char *path)
{
	e->written = 0;
	e->errors = 0;
	e->lost = 0;
	e->offset = 0;
	e->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (e->fd < 0)
		return -errno;
	return 0;
}

size_t
hcasim_erf_header(uint8_t *hdr, size_t pkt_len, const struct timespec *ts,
		  uint16_t lctr)
{
	size_t rlen = HCASIM_ERF_HDR_LEN + pkt_len;
	uint64_t t = erf_timestamp(ts);
	unsigned int i;

	if (pkt_len > ERF_MAX_RLEN)
		return 0;
	rlen = (rlen + HCASIM_ERF_ALIGN - 1) & ~(size_t)(HCASIM_ERF_ALIGN - 1);
	if (rlen > ERF_MAX_RLEN)
		return 0;
	for (i = 0; i < 8; i++)
		hdr[i] = (t >> (8 * i)) & 0xff;
	hdr[8] = HCASIM_ERF_TYPE_INFINIBAND;
	hdr[9] = HCASIM_ERF_FLAG_VLEN;
	erf_put_be16(hdr + 10, (uint16_t)rlen);
	erf_put_be16(hdr + 12, lctr);
	erf_put_be16(hdr + 14, (uint16_t)pkt_len);
	return rlen;
}

/**
 * Count a record that could not be written.
 *
 * @param e
 *   The writer.
 */
static void
erf_count_loss(struct hcasim_erf *e)
{
	e->errors++;
	if (e->lost < UINT16_MAX)
		e->lost++;
}

/**
 * Take back a record that was written only in part, so the file keeps
 * ending on a record boundary.
 *
 * @param e
 *   The writer.
 */
static void
erf_undo_partial_record(struct hcasim_erf *e)
{
	if (ftruncate(e->fd, (off_t)e->offset) < 0 ||
	    lseek(e->fd, (off_t)e->offset, SEEK_SET) < 0) {
		/* The file is unusable from here on: stop writing. */
		close(e->fd);
		e->fd = -1;
	}
}

int
hcasim_erf_write(struct hcasim_erf *e, const uint8_t *pkt, size_t len,
		 const struct timespec *ts)
{
	static const uint8_t zeros[HCASIM_ERF_ALIGN];
	uint8_t hdr[HCASIM_ERF_HDR_LEN];
	struct iovec iov[3];
	size_t rlen;
	ssize_t n;

	if (e->fd < 0)
		return -EBADF;
	rlen = hcasim_erf_header(hdr, len, ts, e->lost);
	if (rlen == 0) {
		erf_count_loss(e);
		return -EMSGSIZE;
	}
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)pkt;
	iov[1].iov_len = len;
	iov[2].iov_base = (void *)(uintptr_t)zeros;
	iov[2].iov_len = rlen - sizeof(hdr) - len;
	do {
		n = writev(e->fd, iov, 3);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)rlen) {
		int err = n < 0 ? -errno : -ENOSPC;

		if (n > 0)
			erf_undo_partial_record(e);
		erf_count_loss(e);
		return err;
	}
	e->offset += rlen;
	e->written++;
	e->lost = 0;
	return 0;
}

void
hcasim_erf_close(struct hcasim_erf *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}
