/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * A traffic endpoint for the management-plane fault tests: one process
 * per host, driven by files in a shared directory while a script breaks
 * the fabric around it.
 *
 *   fault_peer <EAL args, one net_ipoib vdev> -- ROLE DIR [options]
 *
 * ROLE is one letter. Each process writes its IPoIB address to
 * DIR/addr.ROLE (again whenever it changes: a port that recreated its QP
 * after a soft-HCA restart has a new QPN), reads the addresses of the
 * roles it sends to (again when they change) and sends them one unicast
 * packet every 2 ms. Each packet carries the sender's role and the phase
 * it was sent in; the phase is the number in DIR/phase, which the script
 * writes. Every 100 ms the process writes DIR/stat.ROLE: per peer and
 * phase the packets sent and received, the cached path LID of each peer
 * it sends to, the link status, every xstat and the mbufs in use. It
 * ends when DIR/stop exists (or after --seconds), stops and closes the
 * ports, and fails when mbufs are missing then.
 *
 * Options:
 *   --to R[,R...]        roles to send to (default: none, receive only)
 *   --to-from-phase R:N  send to R only from phase N on (a new peer)
 *   --mc-mac MAC         mode=eth: set_mc_addr_list with this MAC
 *   --seconds S          give up after S seconds (default 85)
 *   --port P             use ethdev port P; ports 0..P-1 are started
 *                        too and idle (several vdevs in one process)
 */

#include <getopt.h>
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
#define MAX_PEERS 4
#define MAX_PHASE 8
#define MAGIC 0x464c5431u       /* "FLT1" */

static int failures;
#include "../../ipoib_test.h"

/** What a packet carries after the IPoIB header. */
struct fault_payload {
	uint32_t magic;
	char role;
	uint8_t phase;
	uint16_t pad;
	uint32_t seq;
} __rte_packed;

/** A role this process sends to. */
struct fault_peer {
	char role;
	unsigned int from_phase;  /**< start sending in this phase */
	struct rte_ipoib_addr addr;
	bool have_addr;
	uint16_t key;
	uint64_t sent[MAX_PHASE];
	uint64_t refused[MAX_PHASE];
};

/** The state of the process. */
static struct {
	char role;
	const char *dir;
	uint16_t port;
	struct rte_mempool *pool;
	struct fault_peer to[MAX_PEERS];
	unsigned int nto;
	uint64_t rx[26][MAX_PHASE]; /**< by sender role 'a'..'z', phase */
	uint64_t rx_other;          /**< not a test packet */
	unsigned int phase;
	struct rte_ipoib_addr own;
	bool have_own;
	const char *mc_mac;
	unsigned int seconds;
	uint32_t seq;
} st = { .seconds = 85 };

/** DIR/name in buf. */
static const char *
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", st.dir, name);
	return buf;
}

/** Read the phase the script set (DIR/phase), 0 before it exists. */
static unsigned int
phase_read(void)
{
	char p[512];
	unsigned int v = 0;
	FILE *f = fopen(path_of(p, sizeof(p), "phase"), "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%u", &v) != 1)
		v = st.phase;
	fclose(f);
	return v < MAX_PHASE ? v : MAX_PHASE - 1;
}

/** Write the port's address to DIR/addr.ROLE when it changed. */
static void
own_addr_publish(void)
{
	struct rte_ipoib_addr a;
	char p[512], tmp[520];
	FILE *f;
	int i;

	if (rte_pmd_ipoib_own_addr(st.port, &a) != 0 ||
	    (st.have_own && memcmp(&a, &st.own, sizeof(a)) == 0))
		return;
	snprintf(p, sizeof(p), "%s/addr.%c", st.dir, st.role);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	for (i = 0; i < RTE_IPOIB_ADDR_LEN; i++)
		fprintf(f, "%02x", a.bytes[i]);
	fprintf(f, "\n");
	fclose(f);
	rename(tmp, p);
	st.own = a;
	st.have_own = true;
	printf("%c: address published (QPN 0x%02x%02x%02x)\n", st.role,
	       a.bytes[1], a.bytes[2], a.bytes[3]);
}

/** Read DIR/addr.R into a; 0 when found. */
static int
peer_addr_read(char r, struct rte_ipoib_addr *a)
{
	char p[512];
	unsigned int b;
	FILE *f;
	int i;

	snprintf(p, sizeof(p), "%s/addr.%c", st.dir, r);
	f = fopen(p, "r");
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

/** Follow the peers' addresses: resolve new ones to keys. */
static void
peers_refresh(void)
{
	unsigned int i;

	for (i = 0; i < st.nto; i++) {
		struct fault_peer *p = &st.to[i];
		struct rte_ipoib_addr a;

		if (st.phase < p->from_phase || peer_addr_read(p->role, &a))
			continue;
		if (p->have_addr && p->key != 0 &&
		    memcmp(&a, &p->addr, sizeof(a)) == 0)
			continue;
		p->addr = a;
		p->have_addr = true;
		p->key = 0;
		if (rte_pmd_ipoib_resolve(st.port, &a, &p->key) != 0)
			p->key = 0;
		printf("%c: peer %c key %u (phase %u)\n", st.role, p->role,
		       p->key, st.phase);
	}
}

/** Send one packet to a peer, counting what the driver took. */
static void
send_one(struct fault_peer *p)
{
	struct rte_mbuf *m;
	struct rte_ipoib_hdr *h;
	struct fault_payload *pl;

	if (p->key == 0 || st.phase < p->from_phase)
		return;
	m = rte_pktmbuf_alloc(st.pool);
	if (m == NULL)
		return;
	h = (struct rte_ipoib_hdr *)rte_pktmbuf_append(m, sizeof(*h) +
						      sizeof(*pl) + 32);
	h->proto = rte_cpu_to_be_16(TEST_PROTO);
	h->key = rte_cpu_to_be_16(p->key);
	pl = (struct fault_payload *)(h + 1);
	memset(pl, 0, sizeof(*pl) + 32);
	pl->magic = MAGIC;
	pl->role = st.role;
	pl->phase = (uint8_t)st.phase;
	pl->seq = st.seq++;
	if (rte_eth_tx_burst(st.port, 0, &m, 1) == 1) {
		p->sent[st.phase]++;
	} else {
		p->refused[st.phase]++;
		rte_pktmbuf_free(m);
	}
}

/** Receive what arrived and count the test packets. */
static void
receive(void)
{
	struct rte_mbuf *pkts[32];
	uint16_t n, i;

	n = rte_eth_rx_burst(st.port, 0, pkts, RTE_DIM(pkts));
	for (i = 0; i < n; i++) {
		const struct rte_ipoib_hdr *h =
			rte_pktmbuf_mtod(pkts[i], const struct rte_ipoib_hdr *);
		const struct fault_payload *pl =
			(const struct fault_payload *)(h + 1);

		if (rte_pktmbuf_data_len(pkts[i]) >= sizeof(*h) + sizeof(*pl) &&
		    rte_be_to_cpu_16(h->proto) == TEST_PROTO &&
		    pl->magic == MAGIC && pl->role >= 'a' && pl->role <= 'z' &&
		    pl->phase < MAX_PHASE)
			st.rx[pl->role - 'a'][pl->phase]++;
		else
			st.rx_other++;
		rte_pktmbuf_free(pkts[i]);
	}
}

/** Write every xstat of the port as name=value lines. */
static void
xstats_write(FILE *f)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	int n = rte_eth_xstats_get_names(st.port, NULL, 0), i;

	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	if (names != NULL && xs != NULL &&
	    rte_eth_xstats_get_names(st.port, names, n) == n &&
	    rte_eth_xstats_get(st.port, xs, n) == n)
		for (i = 0; i < n; i++)
			fprintf(f, "%s=%lu\n", names[i].name,
				(unsigned long)xs[i].value);
	free(names);
	free(xs);
}

/** Write DIR/stat.ROLE (atomically). */
static void
stats_write(bool final, long leaked)
{
	struct rte_eth_link link;
	char p[512], tmp[520];
	unsigned int i, ph;
	FILE *f;

	snprintf(p, sizeof(p), "%s/stat.%c", st.dir, st.role);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	memset(&link, 0, sizeof(link));
	if (!final)
		rte_eth_link_get_nowait(st.port, &link);
	fprintf(f, "phase=%u\nlink=%u\nfinal=%d\n", st.phase,
		link.link_status, final);
	for (i = 0; i < st.nto; i++)
		for (ph = 0; ph < MAX_PHASE; ph++)
			fprintf(f, "tx_%c_%u=%lu\nrefused_%c_%u=%lu\n",
				st.to[i].role, ph,
				(unsigned long)st.to[i].sent[ph],
				st.to[i].role, ph,
				(unsigned long)st.to[i].refused[ph]);
	for (i = 0; i < st.nto && !final; i++) {
		struct rte_ipoib_path path;

		memset(&path, 0, sizeof(path));
		if (st.to[i].key != 0)
			rte_pmd_ipoib_peer_info(st.port, st.to[i].key, NULL,
						&path);
		fprintf(f, "lid_%c=%u\n", st.to[i].role, path.lid);
	}
	/* every sender and phase, zeros included: a missing name is an
	 * error of the test (test/fault/ctrl/lib.sh) */
	for (i = 0; i < 26; i++)
		for (ph = 0; ph < MAX_PHASE; ph++)
			fprintf(f, "rx_%c_%u=%lu\n", 'a' + i, ph,
				(unsigned long)st.rx[i][ph]);
	fprintf(f, "rx_other=%lu\n", (unsigned long)st.rx_other);
	if (final)
		fprintf(f, "mbufs_leaked=%ld\n", leaked);
	else
		fprintf(f, "mbufs_in_use=%u\n",
			rte_mempool_in_use_count(st.pool));
	if (!final)
		xstats_write(f);
	fclose(f);
	rename(tmp, p);
}

/** Parse the options after ROLE DIR; 0 when fine. */
static int
parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "to-from-phase", required_argument, NULL, 'f' },
		{ "mc-mac", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *s;
	int c;

	if (argc < 3 || strlen(argv[1]) != 1 || argv[1][0] < 'a' ||
	    argv[1][0] > 'z')
		return -1;
	st.role = argv[1][0];
	st.dir = argv[2];
	optind = 3;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			for (s = optarg; *s != '\0'; s++)
				if (*s != ',' && st.nto < MAX_PEERS)
					st.to[st.nto++].role = *s;
			break;
		case 'f':
			if (st.nto >= MAX_PEERS || strlen(optarg) < 3 ||
			    optarg[1] != ':')
				return -1;
			st.to[st.nto].role = optarg[0];
			st.to[st.nto++].from_phase = (unsigned int)atoi(
				optarg + 2);
			break;
		case 'm':
			st.mc_mac = optarg;
			break;
		case 's':
			st.seconds = (unsigned int)atoi(optarg);
			break;
		case 'p':
			st.port = (uint16_t)atoi(optarg);
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/** Configure and start one port with one queue each way; 0 when fine. */
static int
port_start_one(uint16_t port)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 512, rte_socket_id(), NULL,
				   st.pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 512, rte_socket_id(),
				   NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		return -1;
	return 0;
}

/** Configure and start the ports; join the --mc-mac group. */
static int
port_start(void)
{
	struct rte_ether_addr mac;
	uint16_t p;

	st.pool = rte_pktmbuf_pool_create("fault_pool", NB_MBUF, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	if (st.pool == NULL || rte_eth_dev_count_avail() <= st.port)
		return -1;
	for (p = 0; p <= st.port; p++)
		if (port_start_one(p) != 0)
			return -1;
	if (st.mc_mac != NULL) {
		if (rte_ether_unformat_addr(st.mc_mac, &mac) != 0 ||
		    rte_eth_dev_set_mc_addr_list(st.port, &mac, 1) != 0) {
			printf("%c: set_mc_addr_list %s failed\n", st.role,
			       st.mc_mac);
			return -1;
		}
		printf("%c: joined the group of %s\n", st.role, st.mc_mac);
	}
	return 0;
}

/** Whether DIR/stop exists. */
static bool
stop_requested(void)
{
	char p[512];

	return access(path_of(p, sizeof(p), "stop"), F_OK) == 0;
}

/** Run traffic until DIR/stop or the deadline. */
static void
run(void)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t end = rte_get_tsc_cycles() + st.seconds * hz;
	uint64_t tick = 0, now;
	unsigned int i;

	while ((now = rte_get_tsc_cycles()) < end) {
		if (now >= tick) {
			tick = now + hz / 10;
			if (stop_requested())
				break;
			st.phase = phase_read();
			own_addr_publish();
			peers_refresh();
			stats_write(false, 0);
		}
		for (i = 0; i < st.nto; i++)
			send_one(&st.to[i]);
		receive();
		usleep(2000);
	}
	CHECK(now < end, "DIR/stop within %u s", st.seconds);
}

/**
 * Entry: EAL, port, traffic until told to stop, then stop and close the
 * port and check that every mbuf is back. Exit 0 when every check
 * passed.
 */
int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	long leaked;

	if (n < 0) {
		printf("EAL init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	if (parse_options(argc, argv) != 0) {
		printf("usage: fault_peer <EAL> -- ROLE DIR [--to R,...] "
		       "[--to-from-phase R:N] [--mc-mac MAC] [--seconds S]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (port_start() != 0) {
		printf("%c: cannot start the port\n", st.role);
		return 1;
	}
	run();
	for (n = 0; n <= st.port; n++) {
		rte_eth_dev_stop((uint16_t)n);
		rte_eth_dev_close((uint16_t)n);
	}
	leaked = (long)rte_mempool_in_use_count(st.pool);
	CHECK(leaked == 0, "%ld mbufs not back in the pool", leaked);
	stats_write(true, leaked);
	printf("%c: done, %d failure(s), %ld mbufs leaked\n", st.role,
	       failures, leaked);
	rte_eal_cleanup();
	return failures == 0 ? 0 : 1;
}
