/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Raw-mode traffic test of net_ipoib, one process per host.
 *
 *   ipoib_raw_peer <EAL args with --vdev net_ipoib0,mode=raw> -- \
 *           ROLE DIR [drops]
 *   ipoib_raw_peer <EAL args> -- bcast SECONDS
 *
 * Each process writes its own IPoIB address to DIR/addr.ROLE, reads the
 * other's (DIR/addr.<other>), resolves it to a peer key and sends
 * unicast packets to it and broadcast packets to the broadcast key. It
 * checks what arrives: EtherType, payload, and the source key (the key
 * its own cache gives the sender's address). With "drops" it then proves
 * the drop paths by their xstats: unresolved overflow and SA failure, a
 * stale key, malformed packets, own multicast loopback. At the end the
 * port is stopped and closed and every mbuf must be back in its pool.
 * Exit status 0 when every check passed.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "rte_pmd_ipoib.h"

#define TEST_PROTO 0x88b5       /* local experimental EtherType */
#define NB_MBUF 4095
#define WANT_UNICAST 10
#define WANT_BCAST 2

static unsigned int failures;
static struct rte_mempool *pool;
static const char *role, *other, *dir;
static uint16_t port;

#include "../ipoib_test.h"

/** Write an address as hex to DIR/addr.<name>. */
static void
addr_write(const struct rte_ipoib_addr *a)
{
	char path[512], tmp[520];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/addr.%s", dir, role);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	for (i = 0; i < RTE_IPOIB_ADDR_LEN; i++)
		fprintf(f, "%02x", a->bytes[i]);
	fprintf(f, "\n");
	fclose(f);
	rename(tmp, path);
}

/** Read the other host's address; 0 when found. */
static int
addr_read(struct rte_ipoib_addr *a)
{
	char path[512];
	unsigned int b;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/addr.%s", dir, other);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	for (i = 0; i < RTE_IPOIB_ADDR_LEN; i++) {
		if (fscanf(f, "%2x", &b) != 1) {
			fclose(f);
			return -1;
		}
		a->bytes[i] = (uint8_t)b;
	}
	fclose(f);
	return 0;
}

/** Whether DIR/<what>.<name> exists. */
static int
flag_exists(const char *what, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.%s", dir, what, name);
	return access(path, F_OK) == 0;
}

/** Create DIR/<what>.<role>. */
static void
flag_set(const char *what)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, what, role);
	f = fopen(path, "w");
	if (f != NULL)
		fclose(f);
}

/** Build a test packet to key with a payload. */
static struct rte_mbuf *
make_pkt(uint16_t key, uint16_t proto, const char *payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipoib_hdr *h;
	size_t len = strlen(payload) + 1;

	if (m == NULL)
		return NULL;
	h = (struct rte_ipoib_hdr *)rte_pktmbuf_append(m, sizeof(*h) + len);
	h->proto = rte_cpu_to_be_16(proto);
	h->key = rte_cpu_to_be_16(key);
	memcpy(h + 1, payload, len);
	return m;
}

/** Send one packet (freed if not taken). */
static void
send_pkt(struct rte_mbuf *m)
{
	if (m != NULL && rte_eth_tx_burst(port, 0, &m, 1) == 0)
		rte_pktmbuf_free(m);
}

/** Counters of what arrived. */
struct rx_result {
	unsigned int unicast, bcast, bad;
};

/** Receive and check packets; peer_key is what the sender must show. */
static void
receive(uint16_t peer_key, struct rx_result *r)
{
	struct rte_mbuf *pkts[32];
	char want[64];
	uint16_t n, i;

	snprintf(want, sizeof(want), "ipoib-test from %s", other);
	n = rte_eth_rx_burst(port, 0, pkts, 32);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ipoib_hdr *h =
			rte_pktmbuf_mtod(m, const struct rte_ipoib_hdr *);
		const char *pl = (const char *)(h + 1);
		int ok = m->pkt_len >= sizeof(*h) + strlen(want) &&
			rte_be_to_cpu_16(h->proto) == TEST_PROTO &&
			strncmp(pl, want, strlen(want)) == 0;
		uint16_t src = rte_pmd_ipoib_get_key(m);

		if (ok && src == peer_key) {
			if (rte_pmd_ipoib_rx_is_multicast(m))
				r->bcast++;
			else
				r->unicast++;
		} else if (ok && src == 0) {
			/* first packets of a source being learned */
		} else {
			r->bad++;
			printf("bad packet: len %u proto 0x%04x key %u (want "
			       "%u)\n", m->pkt_len, rte_be_to_cpu_16(h->proto),
			       src, peer_key);
		}
		rte_pktmbuf_free(m);
	}
}

/** An xstat by name (absent: a failure, UINT64_MAX). */
static uint64_t
xstat(const char *name)
{
	return ipoib_test_xstat(port, name);
}

/**
 * The port reached the SA the way IPOIB_TEST_SA (the sa= devarg the
 * test gave, default umad) says, and the SA answered on it.
 */
static void
check_sa_transport(void)
{
	const char *want = getenv("IPOIB_TEST_SA");
	bool inband = want != NULL && strcmp(want, "inband") == 0;

	printf("%s: SA transport inband=%" PRIu64 ", %" PRIu64 " MADs sent, %"
	       PRIu64 " received\n", role, xstat("sa_transport_inband"),
	       xstat("sa_mads_sent"), xstat("sa_mads_received"));
	CHECK(xstat("sa_transport_inband") == (inband ? 1 : 0),
	      "SA transport as the sa= devarg says");
	CHECK(xstat("sa_mads_received") > 0, "SA replies received");
}

/** Poll receive for ms milliseconds. */
static void
idle(unsigned int ms, uint16_t peer_key, struct rx_result *r)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * ms / 1000;

	while (rte_get_tsc_cycles() < end) {
		receive(peer_key, r);
		rte_eth_tx_burst(port, 0, NULL, 0);
		usleep(1000);
	}
}

/** Exchange traffic with the other host. */
static void
test_exchange(uint16_t *peer_key_out, struct rx_result *r)
{
	struct rte_ipoib_addr own, peer;
	struct rte_ipoib_path path;
	uint16_t peer_key = 0, bkey = 0;
	char payload[64];
	uint64_t deadline = rte_get_tsc_cycles() + 40 * rte_get_tsc_hz();
	unsigned int seq = 0;

	CHECK(rte_pmd_ipoib_own_addr(port, &own) == 0, "own address");
	CHECK(rte_pmd_ipoib_broadcast_key(port, &bkey) == 0 && bkey != 0,
	      "broadcast key");
	addr_write(&own);
	while (addr_read(&peer) != 0 && rte_get_tsc_cycles() < deadline)
		usleep(10000);
	CHECK(rte_pmd_ipoib_resolve(port, &peer, &peer_key) == 0 &&
	      peer_key != 0, "resolve the other host");
	*peer_key_out = peer_key;
	snprintf(payload, sizeof(payload), "ipoib-test from %s", role);
	while (rte_get_tsc_cycles() < deadline) {
		if (seq++ % 20 == 0) {
			send_pkt(make_pkt(peer_key, TEST_PROTO, payload));
			send_pkt(make_pkt(bkey, TEST_PROTO, payload));
		}
		receive(peer_key, r);
		if (r->unicast >= WANT_UNICAST && r->bcast >= WANT_BCAST &&
		    !flag_exists("got", role))
			flag_set("got");
		if (flag_exists("got", role) && flag_exists("got", other))
			break;
		usleep(5000);
	}
	CHECK(rte_pmd_ipoib_peer_info(port, peer_key, NULL, &path) == 0 &&
	      path.resolved, "peer resolved");
	printf("%s: received %u unicast, %u broadcast, %u bad; peer key %u "
	       "LID 0x%04x\n", role, r->unicast, r->bcast, r->bad, peer_key,
	       path.lid);
	CHECK(r->unicast >= WANT_UNICAST, "unicast from the other host");
	CHECK(r->bcast >= WANT_BCAST, "broadcast from the other host");
	CHECK(r->bad == 0, "no bad packets");
	CHECK(xstat("rx_own_multicast_loopback") > 0,
	      "own broadcasts came back and were dropped");
	check_sa_transport();
}

/** Prove the drop paths by their counters. */
static void
test_drops(uint16_t peer_key, struct rx_result *r)
{
	static const uint8_t group[16] = {
		0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0, 0,
		0, 0, 0, 0, 0xe0, 0, 0, 0x7b,
	};
	struct rte_ipoib_addr ghost;
	uint16_t gkey = 0, mkey = 0;
	struct rte_mbuf *m;
	unsigned int i;
	uint64_t t0;

	/* an address nobody has: 3 packets held, the rest dropped */
	memset(&ghost, 0, sizeof(ghost));
	ghost.bytes[3] = 0x42;
	ghost.bytes[4] = 0xfe;
	ghost.bytes[5] = 0x80;
	ghost.bytes[19] = 0x99;
	uint64_t held0 = xstat("tx_unresolved_held");
	uint64_t drop0 = xstat("tx_unresolved_dropped");
	uint64_t sa0 = xstat("tx_sa_failure_dropped");
	uint64_t stale0 = xstat("tx_stale_key");
	uint64_t bad0 = xstat("tx_malformed");

	CHECK(rte_pmd_ipoib_resolve(port, &ghost, &gkey) == 0, "ghost");
	for (i = 0; i < 10; i++)
		send_pkt(make_pkt(gkey, TEST_PROTO, "to nobody"));
	CHECK(xstat("tx_unresolved_held") - held0 == 3, "3 held, got %lu",
	      (unsigned long)(xstat("tx_unresolved_held") - held0));
	CHECK(xstat("tx_unresolved_dropped") - drop0 == 7,
	      "7 dropped, got %lu",
	      (unsigned long)(xstat("tx_unresolved_dropped") - drop0));
	t0 = rte_get_tsc_cycles();
	while (xstat("tx_sa_failure_dropped") - sa0 < 3 &&
	       rte_get_tsc_cycles() - t0 < 20 * rte_get_tsc_hz())
		idle(100, peer_key, r);
	CHECK(xstat("sa_failures") >= 1 &&
	      xstat("tx_sa_failure_dropped") - sa0 == 3,
	      "SA failure drops the held packets (%lu)",
	      (unsigned long)(xstat("tx_sa_failure_dropped") - sa0));

	/* a multicast group joined, then left: its key goes stale */
	CHECK(rte_pmd_ipoib_mcast_join(port, group, &mkey, 10000) == 0 &&
	      mkey != 0, "join a group");
	send_pkt(make_pkt(mkey, TEST_PROTO, "to the group"));
	CHECK(rte_pmd_ipoib_mcast_leave(port, group) == 0, "leave");
	send_pkt(make_pkt(mkey, TEST_PROTO, "to a stale key"));
	CHECK(xstat("tx_stale_key") - stale0 == 1, "stale key counted (%lu)",
	      (unsigned long)(xstat("tx_stale_key") - stale0));

	/* malformed: shorter than the IPoIB header, and key 0 */
	m = rte_pktmbuf_alloc(pool);
	if (m != NULL)
		rte_pktmbuf_append(m, 2);
	send_pkt(m);
	send_pkt(make_pkt(0, TEST_PROTO, "key zero"));
	CHECK(xstat("tx_malformed") - bad0 == 2, "malformed counted (%lu)",
	      (unsigned long)(xstat("tx_malformed") - bad0));
}

/** Send broadcasts for some seconds (peer of a testpmd test). */
static void
run_bcast(unsigned int seconds)
{
	uint64_t end = rte_get_tsc_cycles() + seconds * rte_get_tsc_hz();
	struct rx_result r = { 0 };
	uint16_t bkey = 0;
	unsigned int n = 0;

	CHECK(rte_pmd_ipoib_broadcast_key(port, &bkey) == 0, "bcast key");
	while (rte_get_tsc_cycles() < end) {
		send_pkt(make_pkt(bkey, TEST_PROTO, "ipoib-test from bcast"));
		n++;
		idle(20, 0, &r);
	}
	printf("bcast: sent %u broadcasts, tx %lu\n", n,
	       (unsigned long)xstat("tx_good_packets"));
	CHECK(xstat("tx_good_packets") == n, "all sent");
}

/** Configure and start the port. */
static int
port_start(void)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_count_avail() < 1)
		return -1;
	port = 0;
	pool = rte_pktmbuf_pool_create("raw_pool", NB_MBUF, 64, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL || rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, 0, NULL) < 0)
		return -1;
	return rte_eth_dev_start(port);
}

/** Run the test; exit 0 when every check passed. */
int
main(int argc, char **argv)
{
	struct rx_result r = { 0 };
	uint16_t peer_key = 0;
	uint64_t deadline;
	int n = rte_eal_init(argc, argv), drops;

	if (n < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc < 3) {
		printf("usage: ... -- ROLE DIR [drops]\n");
		return 2;
	}
	role = argv[1];
	dir = argv[2];
	if (strcmp(role, "bcast") == 0) {
		if (port_start() != 0)
			return 1;
		run_bcast((unsigned int)atoi(dir));
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
		CHECK(rte_mempool_avail_count(pool) == NB_MBUF, "mbufs back");
		printf("bcast: %s\n", failures ? "FAIL" : "PASS");
		return failures ? 1 : 0;
	}
	drops = argc > 3 && strcmp(argv[3], "drops") == 0;
	other = strcmp(role, "a") == 0 ? "b" : "a";
	if (port_start() != 0) {
		printf("FAIL: port start\n");
		return 1;
	}
	test_exchange(&peer_key, &r);
	if (drops)
		test_drops(peer_key, &r);
	/* keep answering until the other side is done too */
	flag_set("done");
	deadline = rte_get_tsc_cycles() + 30 * rte_get_tsc_hz();
	while (!flag_exists("done", other) && rte_get_tsc_cycles() < deadline)
		idle(50, peer_key, &r);
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_eth_dev_close(port) == 0, "close");
	CHECK(rte_mempool_avail_count(pool) == NB_MBUF,
	      "every mbuf back in the pool: %u of %u",
	      rte_mempool_avail_count(pool), NB_MBUF);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	printf("%s: %s, %u failures\n", role, failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}
