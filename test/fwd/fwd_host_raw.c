/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The raw roles of fwd_host (io mode over raw net_ipoib ports):
 * raw-send sends --count packets to --raw-dst at --rate; raw-recv counts
 * what arrives until --count, 3 s of silence after the first packet, or
 * --timeout. Each prints a RESULT line with its counts and its port's
 * drop counters, for the test to add up.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "fwd_host.h"
#include "rte_pmd_ipoib.h"

#define RAW_PROTO 0x88b5
#define RAW_LEN 64

/**
 * Wait (at most timeout s) until the path behind a key is resolved.
 *
 * @return 0 or -1
 */
static int
wait_resolved(uint16_t key)
{
	uint64_t end = host_ms() + host.timeout * 1000ull;
	struct rte_ipoib_path path;

	do {
		if (rte_pmd_ipoib_peer_info(0, key, NULL, &path) == 0 &&
		    path.resolved)
			return 0;
		usleep(20000);
	} while (host_ms() < end);
	return -1;
}

/** Build one raw packet to a tag, with a sequence number. */
static struct rte_mbuf *
raw_packet(uint64_t tag, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(host_pool);
	struct rte_ipoib_hdr *h;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	h = (struct rte_ipoib_hdr *)rte_pktmbuf_append(m, RAW_LEN);
	h->proto = rte_cpu_to_be_16(RAW_PROTO);
	p = (uint8_t *)(h + 1);
	memset(p, 0xa5, RAW_LEN - sizeof(*h));
	memcpy(p, &seq, sizeof(seq));
	rte_pmd_ipoib_set_dst_tag(m, tag);
	return m;
}

/**
 * Hand a burst to the port, retrying what a full transmit ring refuses
 * (as any DPDK sender does) until deadline_ms.
 *
 * @param b
 *   the packets; those not sent by the deadline are freed
 * @param n
 *   how many
 * @param deadline_ms
 *   host_ms() after which refused packets are given up
 * @param retries
 *   incremented once per refused attempt
 * @return how many the port took
 */
static unsigned int
send_burst_retrying(struct rte_mbuf **b, unsigned int n, uint64_t deadline_ms,
		    uint32_t *retries)
{
	unsigned int done = 0, i;

	while (done < n) {
		done += rte_eth_tx_burst(0, 0, b + done, (uint16_t)(n - done));
		if (done == n || host_ms() > deadline_ms)
			break;
		(*retries)++;
		usleep(50);
	}
	for (i = done; i < n; i++)
		rte_pktmbuf_free(b[i]);
	return done;
}

/**
 * The raw-send role: --count packets at --rate; a burst the transmit
 * ring refuses is retried until --timeout.
 *
 * @return 0 when every packet was handed to the port
 */
int
host_run_raw_send(void)
{
	struct rte_ipoib_addr a;
	struct rte_mbuf *b[32];
	struct rte_eth_stats st;
	uint64_t tag, start, deadline;
	uint32_t seq = 0, sent = 0, retries = 0;
	unsigned int n, i;

	CHECK(host.has_raw_dst, "--raw-dst needed");
	memcpy(a.bytes, host.raw_dst, sizeof(a.bytes));
	if (!host.has_raw_dst || rte_pmd_ipoib_resolve_tag(0, &a, &tag) != 0 ||
	    wait_resolved(rte_pmd_ipoib_tag_key(tag)) != 0) {
		CHECK(0, "the destination did not resolve");
		return 1;
	}
	start = host_ms();
	deadline = start + host.timeout * 1000ull;
	while (seq < host.count) {
		n = RTE_MIN(32u, host.count - seq);
		for (i = 0; i < n; i++)
			b[i] = raw_packet(tag, seq + i);
		for (i = 0; i < n && b[i] != NULL; i++)
			;
		n = i;
		if (n == 0) {
			CHECK(host_ms() <= deadline, "no mbufs until timeout");
			if (host_ms() > deadline)
				break;
			usleep(200);
			continue;
		}
		sent += send_burst_retrying(b, n, deadline, &retries);
		seq += n;
		while ((host_ms() - start) * host.rate < (uint64_t)seq * 1000)
			usleep(200);
	}
	host_poll(NULL, NULL, 500);   /* let completions come back */
	rte_eth_stats_get(0, &st);
	printf("RESULT sent=%u refused=%u retries=%u oerrors=%" PRIu64 "\n",
	       sent, seq - sent, retries, st.oerrors);
	return 0;
}

/** What raw-recv counts. */
struct raw_counts {
	uint32_t received, other;
	uint64_t last_ms;
};

/** Handler: count a raw packet. */
static bool
raw_packet_in(struct rte_mbuf *m, void *arg)
{
	struct raw_counts *c = arg;
	const struct rte_ipoib_hdr *h =
		rte_pktmbuf_mtod(m, const struct rte_ipoib_hdr *);

	if (m->data_len >= sizeof(*h) &&
	    h->proto == rte_cpu_to_be_16(RAW_PROTO))
		c->received++;
	else
		c->other++;
	c->last_ms = host_ms();
	rte_pktmbuf_free(m);
	return c->received >= host.count;
}

/**
 * The raw-recv role: publish our address (ready file), count.
 *
 * @return 0
 */
int
host_run_raw_recv(void)
{
	struct raw_counts c = { 0, 0, 0 };
	uint64_t end = host_ms() + host.timeout * 1000ull;
	struct rte_ipoib_addr a;
	struct rte_eth_stats st;
	char hex[41];
	unsigned int i;

	if (rte_pmd_ipoib_own_addr(0, &a) != 0) {
		CHECK(0, "no own address");
		return 1;
	}
	for (i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", a.bytes[i]);
	host_write_ready(hex);
	while (host_ms() < end) {
		if (host_poll(raw_packet_in, &c, 200))
			break;
		if (c.last_ms != 0 && host_ms() - c.last_ms > 3000)
			break;
	}
	rte_eth_stats_get(0, &st);
	printf("RESULT received=%u other=%u imissed=%" PRIu64 " ierrors=%"
	       PRIu64 "\n", c.received, c.other, st.imissed, st.ierrors);
	return 0;
}
