/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * bench-peers: the cost of the net_ipoib peer cache on the data path, as
 * the population grows and while a writer churns entries. A
 * microbenchmark over the same calls the PMD's bursts make per packet
 * (ipoib_peer_lookup_bulk() on receive, ipoib_peer_get(), the use stamp
 * (ipoib_peer_touch()) and a read of the prebuilt address vector on
 * transmit, a quiescent report per burst of 32), not an end-to-end run: a fabric with 64K peers is out of
 * reach of the simulator.
 *
 *   bench-peers <EAL args, 2 lcores> -- [-n PACKETS] [-r ROUNDS]
 *                                       [-t SECONDS] [-p MAXPEERS] [-k K]
 *
 * Scale: three caches of the PMD's default capacity (65535) hold 16,
 * 1024 and MAXPEERS (default 65535) resolved peers; traffic is spread
 * at random over all of them; the three are measured in turn, ROUNDS
 * times, PACKETS packets each (ns of the thread's CPU time per packet:
 * on a loaded machine, time the thread was not running is left out).
 * Churn: a reader looks up 1024 resident peers for SECONDS without a
 * writer, then SECONDS while the second lcore inserts, resolves and
 * removes other peers as fast as it can; ROUNDS pairs (lookups/s).
 * Each rate is given twice: per second of wall-clock time and per second
 * of the reader thread's CPU time. On a loaded machine the second one
 * leaves out the time the reader was not running (other work moves onto
 * the reader's CPU while the writer keeps the other one busy): it is the
 * one that judges the cache.
 *
 * -k K measures population K only (0: 16, 1: 1024, 2: MAXPEERS), without
 * the churn: for a run under callgrind's cache simulation
 * (--toggle-collect=pb_measure), where the instructions and simulated
 * misses of one population's bursts are divided by PACKETS.
 *
 * Prints one JSON object on stdout.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ipoib_peer.h"

#define PB_BURST 32
#define PB_TRAFFIC 65536          /**< traffic pattern length */
#define PB_CAPACITY IPOIB_PEER_MAX
#define PB_READER 0
#define PB_RESIDENT 1024
#define PB_CHURN_SET 4096

/** Options. */
struct pb_opts {
	uint64_t packets;
	unsigned int rounds;
	double seconds;
	uint32_t max_peers;
	int only;                 /**< population to measure alone, or -1 */
};

/** Addresses of the peers, index i is peer i. */
static struct ipoib_hwaddr *pb_addrs;
/**
 * Source addresses in traffic order, one pattern per population: copies
 * read in order, as a receive burst has them (in its packets and the
 * local array it looks up), not pointers into pb_addrs, whose random
 * reads would add a miss per packet of the benchmark's own at 64K peers.
 */
static struct ipoib_hwaddr *pb_traffic;
/** Set to stop the churning writer. */
static volatile int pb_stop;
/** Writer operations done. */
static uint64_t pb_churned;
/** The cache the churn phase uses. */
static struct ipoib_peer_cache *pb_churn_cache;

/** The address of peer i: QPN i + 1, a GID made of i. */
static void
pb_addr_make(struct ipoib_hwaddr *a, uint32_t i)
{
	union hca_gid gid;

	memset(&gid, 0, sizeof(gid));
	gid.global.subnet_prefix = rte_cpu_to_be_64(0xfe80000000000000ULL);
	gid.global.interface_id = rte_cpu_to_be_64(0x0002c90300000000ULL |
						   (i * 0x100ULL + 1));
	ipoib_hwaddr_make(a, (i + 1) & 0xffffff, &gid);
}

/**
 * Insert and resolve peers [from, to) of pb_addrs.
 *
 * @return 0 or a negative errno
 */
static int
pb_fill(struct ipoib_peer_cache *pc, uint32_t from, uint32_t to)
{
	struct ipoib_path path;
	uint16_t key;
	uint32_t i;
	int ret;

	memset(&path, 0, sizeof(path));
	for (i = from; i < to; i++) {
		ret = ipoib_peer_insert(pc, &pb_addrs[i], 0, &key);
		if (ret < 0)
			return ret;
		path.lid = (uint16_t)(2 + (i % 0xbffd));
		ret = ipoib_peer_resolve(pc, key, &path, 0x0b1b);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/** A random traffic pattern over peers [0, n): copies of pb_addrs. */
static void
pb_pattern(struct ipoib_hwaddr *t, uint32_t n, uint64_t seed)
{
	uint32_t i;

	for (i = 0; i < PB_TRAFFIC; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		t[i] = pb_addrs[(seed >> 33) % n];
	}
}

/**
 * One burst as the PMD's bursts treat it: bulk lookup of the sources
 * (receive), then per packet the peer by key, its use stamp and its
 * address vector (transmit), then a quiescent state.
 *
 * @return a checksum of what was read (keeps the reads alive)
 */
static inline uint64_t
pb_burst(struct ipoib_peer_cache *pc, const struct ipoib_hwaddr *a)
{
	const struct ipoib_hwaddr *addrs[PB_BURST];
	uint64_t now = rte_get_tsc_cycles(), sum = 0;
	uint16_t keys[PB_BURST];
	unsigned int i;

	for (i = 0; i < PB_BURST; i++)
		addrs[i] = &a[i];
	ipoib_peer_lookup_bulk(pc, addrs, PB_BURST, keys);
	for (i = 0; i < PB_BURST; i++) {
		struct ipoib_peer *p = ipoib_peer_get(pc, keys[i]);

		if (likely(p != NULL && ipoib_peer_is_resolved(p))) {
			ipoib_peer_touch(p, now);
			sum += p->av.key.qkey.qkey + p->av.rlid;
		}
	}
	ipoib_peer_reader_quiescent(pc, PB_READER);
	return sum;
}

/** CPU time of the calling thread, in seconds. */
static double
pb_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/**
 * Run packets through a cache with a traffic pattern.
 *
 * @return nanoseconds of the thread's CPU time per packet
 */
static __rte_noinline double
pb_measure(struct ipoib_peer_cache *pc, const struct ipoib_hwaddr *t,
	   uint64_t packets, uint64_t *sink)
{
	uint64_t done, pos = 0;
	double c0 = pb_thread_cpu();

	for (done = 0; done < packets; done += PB_BURST) {
		*sink += pb_burst(pc, &t[pos]);
		pos = (pos + PB_BURST) % PB_TRAFFIC;
	}
	return (pb_thread_cpu() - c0) * 1e9 / (double)done;
}

/** The churning writer (second lcore): insert, resolve, remove. */
static int
pb_writer(void *arg __rte_unused)
{
	struct ipoib_peer_cache *pc = pb_churn_cache;
	struct ipoib_path path;
	uint64_t n = 0;
	uint16_t key;
	uint32_t i;

	memset(&path, 0, sizeof(path));
	path.lid = 7;
	while (!pb_stop) {
		i = PB_RESIDENT + (uint32_t)(n % PB_CHURN_SET);
		if (ipoib_peer_insert(pc, &pb_addrs[i], 0, &key) >= 0) {
			ipoib_peer_resolve(pc, key, &path, 0x0b1b);
			ipoib_peer_remove(pc, key);
		}
		if ((n & 63) == 0)
			ipoib_peer_reclaim(pc);
		n++;
	}
	pb_churned += n;
	return 0;
}

/**
 * Reader rate for a while, with or without the writer.
 *
 * @param cpu_rate  set to lookups per second of the reader's CPU time
 * @return lookups per second of wall-clock time
 */
static double
pb_reader_rate(const struct pb_opts *o, bool writer, uint64_t *sink,
	       double *cpu_rate)
{
	struct ipoib_peer_cache *pc = pb_churn_cache;
	unsigned int wl = rte_get_next_lcore(-1, 1, 0);
	uint64_t hz = rte_get_tsc_hz(), t0, end, done = 0, pos = 0;
	double c0;

	pb_stop = 0;
	if (writer && rte_eal_remote_launch(pb_writer, NULL, wl) != 0)
		return -1;
	c0 = pb_thread_cpu();
	t0 = rte_rdtsc();
	end = t0 + (uint64_t)(o->seconds * (double)hz);
	while (rte_rdtsc() < end) {
		*sink += pb_burst(pc, &pb_traffic[pos]);
		pos = (pos + PB_BURST) % PB_TRAFFIC;
		done += PB_BURST;
	}
	t0 = rte_rdtsc() - t0;
	*cpu_rate = (double)done / (pb_thread_cpu() - c0);
	pb_stop = 1;
	if (writer)
		rte_eal_wait_lcore(wl);
	return (double)done * (double)hz / (double)t0;
}

/** Parse options after EAL's; 0 or -EINVAL. */
static int
pb_parse(int argc, char **argv, struct pb_opts *o)
{
	int c;

	o->packets = 2000000;
	o->rounds = 5;
	o->seconds = 1.0;
	o->max_peers = PB_CAPACITY;
	o->only = -1;
	while ((c = getopt(argc, argv, "n:r:t:p:k:")) != -1) {
		switch (c) {
		case 'n': o->packets = strtoull(optarg, NULL, 0); break;
		case 'r': o->rounds = (unsigned int)atoi(optarg); break;
		case 't': o->seconds = strtod(optarg, NULL); break;
		case 'p': o->max_peers = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'k': o->only = atoi(optarg); break;
		default: return -EINVAL;
		}
	}
	if (optind != argc || o->packets < PB_BURST || o->rounds == 0 ||
	    o->rounds > 100 || !(o->seconds > 0) || o->max_peers < 1024 ||
	    o->max_peers > PB_CAPACITY || o->only < -1 || o->only > 2) {
		fprintf(stderr, "usage: bench-peers <EAL> -- [-n PACKETS] "
			"[-r 1..100] [-t SECONDS] [-p 1024..65535] "
			"[-k 0..2]\n");
		return -EINVAL;
	}
	return 0;
}

/** Print a JSON array of doubles. */
static void
pb_print_array(const char *name, const double *v, unsigned int n,
	       bool comma)
{
	unsigned int i;

	printf("\"%s\": [", name);
	for (i = 0; i < n; i++)
		printf("%s%.3f", i ? ", " : "", v[i]);
	printf("]%s", comma ? ", " : "");
}

/**
 * Measure one population alone (-k); print the JSON.
 *
 * @return 0 or 1
 */
static int
pb_run_one(const struct pb_opts *o, uint32_t pop)
{
	struct ipoib_peer_cache *pc;
	double ns[100];
	uint64_t sink = 0;
	unsigned int r;

	pc = ipoib_peer_cache_create("pb", PB_CAPACITY, 1, SOCKET_ID_ANY);
	if (pc == NULL || pb_fill(pc, 0, pop) < 0)
		return 1;
	ipoib_peer_reader_online(pc, PB_READER);
	pb_pattern(pb_traffic, pop, 1);
	for (r = 0; r < o->rounds; r++)
		ns[r] = pb_measure(pc, pb_traffic, o->packets, &sink);
	ipoib_peer_reader_offline(pc, PB_READER);
	ipoib_peer_cache_free(pc);
	printf("{\"population\": %u, ", pop);
	pb_print_array("ns", ns, o->rounds, true);
	printf("\"sink\": %" PRIu64 "}\n", sink & 1);
	return 0;
}

/**
 * Measure the three populations and the churn; print the JSON.
 *
 * @return 0 or 1
 */
static int
pb_run(const struct pb_opts *o)
{
	const uint32_t pops[3] = { 16, 1024, o->max_peers };
	struct ipoib_peer_cache *pc[3];
	double ns[3][100], quiet[100], busy[100], quiet_cpu[100],
		busy_cpu[100];
	uint64_t sink = 0;
	char name[32];
	unsigned int k, r;

	if (o->only >= 0)
		return pb_run_one(o, pops[o->only]);
	for (k = 0; k < 3; k++) {
		snprintf(name, sizeof(name), "pb%u", k);
		pc[k] = ipoib_peer_cache_create(name, PB_CAPACITY, 1,
						SOCKET_ID_ANY);
		if (pc[k] == NULL || pb_fill(pc[k], 0, pops[k]) < 0)
			return 1;
		ipoib_peer_reader_online(pc[k], PB_READER);
		pb_pattern(&pb_traffic[k * PB_TRAFFIC], pops[k], k + 1);
	}
	for (r = 0; r < o->rounds; r++)
		for (k = 0; k < 3; k++)
			ns[k][r] = pb_measure(pc[k],
					      &pb_traffic[k * PB_TRAFFIC],
					      o->packets, &sink);
	for (k = 0; k < 3; k++) {
		ipoib_peer_reader_offline(pc[k], PB_READER);
		ipoib_peer_cache_free(pc[k]);
	}
	pb_churn_cache = ipoib_peer_cache_create("pbc", PB_CAPACITY, 1,
						 SOCKET_ID_ANY);
	if (pb_churn_cache == NULL || pb_fill(pb_churn_cache, 0,
					      PB_RESIDENT) < 0)
		return 1;
	ipoib_peer_reader_online(pb_churn_cache, PB_READER);
	pb_pattern(pb_traffic, PB_RESIDENT, 99);
	for (r = 0; r < o->rounds; r++) {
		quiet[r] = pb_reader_rate(o, false, &sink, &quiet_cpu[r]);
		busy[r] = pb_reader_rate(o, true, &sink, &busy_cpu[r]);
	}
	ipoib_peer_reader_offline(pb_churn_cache, PB_READER);
	ipoib_peer_cache_free(pb_churn_cache);
	printf("{\"populations\": [%u, %u, %u], ", pops[0], pops[1], pops[2]);
	pb_print_array("ns_16", ns[0], o->rounds, true);
	pb_print_array("ns_1k", ns[1], o->rounds, true);
	pb_print_array("ns_max", ns[2], o->rounds, true);
	pb_print_array("reader_quiet", quiet, o->rounds, true);
	pb_print_array("reader_churn", busy, o->rounds, true);
	pb_print_array("reader_quiet_cpu", quiet_cpu, o->rounds, true);
	pb_print_array("reader_churn_cpu", busy_cpu, o->rounds, true);
	printf("\"writer_ops\": %" PRIu64 ", \"sink\": %" PRIu64 "}\n",
	       pb_churned, sink & 1);
	return 0;
}

/** Entry point: see the file comment. */
int
main(int argc, char **argv)
{
	struct pb_opts o;
	uint32_t i;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "bench-peers: EAL init failed\n");
		return 2;
	}
	if (pb_parse(argc - ret, argv + ret, &o) < 0)
		return 2;
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "bench-peers: need 2 lcores\n");
		return 2;
	}
	pb_addrs = rte_malloc(NULL, sizeof(*pb_addrs) * PB_CAPACITY, 0);
	pb_traffic = rte_malloc(NULL, sizeof(*pb_traffic) * 3 * PB_TRAFFIC,
				0);
	if (pb_addrs == NULL || pb_traffic == NULL) {
		fprintf(stderr, "bench-peers: out of memory\n");
		return 1;
	}
	for (i = 0; i < PB_CAPACITY; i++)
		pb_addr_make(&pb_addrs[i], i);
	ret = pb_run(&o);
	rte_free(pb_traffic);
	rte_free(pb_addrs);
	rte_eal_cleanup();
	return ret;
}
