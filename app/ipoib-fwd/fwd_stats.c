/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Statistics of ipoib-fwd: a line per period (per port rx/tx Mpps and
 * Gbit/s, drops by reason), the summary at exit, and the JSON file.
 * Read on the main lcore from the per-lcore counters (each written by
 * its own lcore only; a torn read is impossible for aligned 64-bit
 * words on the platforms DPDK supports).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "fwd.h"
#include "fwd_engine.h"
#include "fwd_neigh.h"
#include "fwd_stats.h"

static const char *const drop_names[FWD_DROP_MAX] = {
	[FWD_DROP_MALFORMED] = "malformed",
	[FWD_DROP_TTL_EXCEEDED] = "ttl_exceeded",
	[FWD_DROP_NO_ROUTE] = "no_route",
	[FWD_DROP_UNRESOLVED] = "unresolved",
	[FWD_DROP_PENDING_FULL] = "pending_full",
	[FWD_DROP_NEIGH_FULL] = "neigh_table_full",
	[FWD_DROP_UNSUPPORTED] = "unsupported",
	[FWD_DROP_NOT_FORWARDED] = "not_forwarded",
	[FWD_DROP_TX_FULL] = "tx_full",
	[FWD_DROP_RING_FULL] = "ring_full",
	[FWD_DROP_NO_MBUF] = "no_mbuf",
	[FWD_DROP_LOCAL] = "local",
	[FWD_DROP_LINK_DOWN] = "link_down",
};

static const char *const event_names[FWD_EV_MAX] = {
	[FWD_EV_ICMP_SENT] = "icmp_errors_sent",
	[FWD_EV_ICMP_LIMITED] = "icmp_errors_rate_limited",
	[FWD_EV_ARP_REPLIES] = "arp_nd_replies",
	[FWD_EV_ARP_REQUESTS] = "arp_nd_requests",
	[FWD_EV_ECHO_REPLIES] = "echo_replies",
	[FWD_EV_NEIGH_LEARNED] = "neighbours_learned",
};

static struct fwd_counters last;      /* at the previous line */
static uint64_t start_tsc, last_tsc, next_tsc;
static struct rte_eth_stats dev_stats[FWD_MAX_PORTS];
static uint64_t peak_rx_pps;

/** Add up every lcore's counters into out. */
static void
counters_sum(struct fwd_counters *out)
{
	const volatile struct fwd_counters *c;
	unsigned int i, p, d;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < fwd_nb_lcores; i++) {
		c = &fwd_lcores[i].cnt;
		for (p = 0; p < fwd_cfg.nb_ports; p++) {
			out->port[p].rx_pkts += c->port[p].rx_pkts;
			out->port[p].rx_bytes += c->port[p].rx_bytes;
			out->port[p].tx_pkts += c->port[p].tx_pkts;
			out->port[p].tx_bytes += c->port[p].tx_bytes;
		}
		for (d = 0; d < FWD_DROP_MAX; d++)
			out->drop[d] += c->drop[d];
		for (d = 0; d < FWD_EV_MAX; d++)
			out->event[d] += c->event[d];
	}
}

/** Start the clocks. */
void
fwd_stats_start(void)
{
	start_tsc = rte_get_timer_cycles();
	last_tsc = start_tsc;
	next_tsc = start_tsc + rte_get_timer_hz() * fwd_cfg.stats_period;
}

/** Total drops in a set of counters. */
static uint64_t
drops_total(const struct fwd_counters *c)
{
	uint64_t t = 0;
	unsigned int d;

	for (d = 0; d < FWD_DROP_MAX; d++)
		t += c->drop[d];
	return t;
}

/**
 * Print one statistics line for the period since the last one.
 */
static void
stats_line(const struct fwd_counters *now, double secs)
{
	uint64_t rx, tx, rxb, txb, allrx = 0;
	unsigned int p, d;

	printf("%s: %6.1fs", FWD_NAME,
	       (double)(rte_get_timer_cycles() - start_tsc) /
	       rte_get_timer_hz());
	for (p = 0; p < fwd_cfg.nb_ports; p++) {
		rx = now->port[p].rx_pkts - last.port[p].rx_pkts;
		tx = now->port[p].tx_pkts - last.port[p].tx_pkts;
		rxb = now->port[p].rx_bytes - last.port[p].rx_bytes;
		txb = now->port[p].tx_bytes - last.port[p].tx_bytes;
		allrx += rx;
		printf(" | p%u rx %.3f Mpps %.3f Gbit/s tx %.3f Mpps %.3f "
		       "Gbit/s", p, rx / secs / 1e6, rxb * 8 / secs / 1e9,
		       tx / secs / 1e6, txb * 8 / secs / 1e9);
	}
	if (allrx / secs > peak_rx_pps)
		peak_rx_pps = (uint64_t)(allrx / secs);
	printf(" | drops %" PRIu64, drops_total(now) - drops_total(&last));
	for (d = 0; d < FWD_DROP_MAX; d++)
		if (now->drop[d] != last.drop[d])
			printf(" %s=%" PRIu64, drop_names[d],
			       now->drop[d] - last.drop[d]);
	printf("\n");
	fflush(stdout);
}

/**
 * Called often on the main lcore: print the line and write the JSON
 * file when a period has passed (or now, with force).
 */
void
fwd_stats_tick(bool force)
{
	uint64_t now = rte_get_timer_cycles();
	struct fwd_counters c;
	double secs;

	if (!force && (fwd_cfg.stats_period == 0 || now < next_tsc))
		return;
	next_tsc = now + rte_get_timer_hz() * RTE_MAX(fwd_cfg.stats_period,
						       1u);
	counters_sum(&c);
	secs = (double)(now - last_tsc) / rte_get_timer_hz();
	if (secs <= 0)
		secs = 1e-9;
	if (fwd_cfg.stats_period != 0)
		stats_line(&c, secs);
	last = c;
	last_tsc = now;
	if (fwd_cfg.stats_json != NULL)
		fwd_stats_write_json(fwd_cfg.stats_json, false);
}

/** Read the ports' own statistics (before they are closed). */
static void
read_dev_stats(void)
{
	unsigned int p;

	for (p = 0; p < fwd_cfg.nb_ports; p++)
		rte_eth_stats_get(fwd_cfg.ports[p].id, &dev_stats[p]);
}

/**
 * Print a port's non-zero extended statistics (the PMD's drop reasons).
 */
static void
print_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n, i, col = 0;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	if (names != NULL && vals != NULL &&
	    rte_eth_xstats_get_names(port, names, n) == n &&
	    rte_eth_xstats_get(port, vals, n) == n) {
		for (i = 0; i < n; i++) {
			if (vals[i].value == 0 || strstr(names[i].name,
			    "packets") != NULL || strstr(names[i].name,
			    "bytes") != NULL)
				continue;
			printf("%s%s=%" PRIu64, col == 0 ? "    xstats:" : "",
			       names[i].name, vals[i].value);
			printf(++col % 4 == 0 ? "\n" : " ");
			if (col % 4 == 0)
				col = 0;
		}
		if (col != 0)
			printf("\n");
	}
	free(names);
	free(vals);
}

/**
 * Print the summary: totals per port, average rates, drops by reason,
 * events.
 */
void
fwd_stats_summary(void)
{
	struct fwd_counters c;
	double secs = (double)(rte_get_timer_cycles() - start_tsc) /
		rte_get_timer_hz();
	unsigned int p, d;

	read_dev_stats();
	counters_sum(&c);
	if (secs <= 0)
		secs = 1e-9;
	printf("%s: summary after %.1f s (mode %s, %u lcore(s))\n", FWD_NAME,
	       secs, fwd_cfg.engine->name, fwd_nb_lcores);
	for (p = 0; p < fwd_cfg.nb_ports; p++)
		printf("  port %u %-16s rx %" PRIu64 " pkts (%.3f Mpps avg) "
		       "tx %" PRIu64 " pkts (%.3f Mpps avg, %.3f Gbit/s) "
		       "dev: imissed %" PRIu64 " ierrors %" PRIu64
		       " oerrors %" PRIu64 "\n", p, fwd_cfg.ports[p].name,
		       c.port[p].rx_pkts, c.port[p].rx_pkts / secs / 1e6,
		       c.port[p].tx_pkts, c.port[p].tx_pkts / secs / 1e6,
		       c.port[p].tx_bytes * 8 / secs / 1e9,
		       dev_stats[p].imissed, dev_stats[p].ierrors,
		       dev_stats[p].oerrors);
	for (p = 0; p < fwd_cfg.nb_ports; p++)
		print_xstats(fwd_cfg.ports[p].id);
	printf("  peak rx rate %.3f Mpps; drops %" PRIu64 ":",
	       peak_rx_pps / 1e6, drops_total(&c));
	for (d = 0; d < FWD_DROP_MAX; d++)
		if (c.drop[d] != 0)
			printf(" %s=%" PRIu64, drop_names[d], c.drop[d]);
	printf("\n  events:");
	for (d = 0; d < FWD_EV_MAX; d++)
		printf(" %s=%" PRIu64, event_names[d], c.event[d]);
	printf("\n");
	fflush(stdout);
}

/** Write the per-port part of the JSON file. */
static void
json_ports(FILE *f, const struct fwd_counters *c, double secs, bool final)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned int p;

	fprintf(f, "  \"ports\": [\n");
	for (p = 0; p < fwd_cfg.nb_ports; p++) {
		const struct fwd_port *fp = &fwd_cfg.ports[p];
		const struct fwd_port_counters *pc = &c->port[p];

		if (!final)
			rte_eth_stats_get(fp->id, &dev_stats[p]);
		rte_ether_format_addr(mac, sizeof(mac), &fp->mac);
		fprintf(f, "    {\"port\": %u, \"name\": \"%s\", \"mac\": "
			"\"%s\", \"kind\": \"%s\", \"rx_packets\": %" PRIu64
			", \"rx_bytes\": %" PRIu64 ", \"tx_packets\": %" PRIu64
			", \"tx_bytes\": %" PRIu64 ", \"rx_mpps_avg\": %.6f, "
			"\"tx_mpps_avg\": %.6f, \"tx_gbps_avg\": %.6f, "
			"\"dev_ipackets\": %" PRIu64 ", \"dev_opackets\": %"
			PRIu64 ", \"dev_imissed\": %" PRIu64
			", \"dev_ierrors\": %" PRIu64 ", \"dev_oerrors\": %"
			PRIu64 "}%s\n", p, fp->name, mac,
			fp->is_ipoib ? (fp->raw ? "ipoib-raw" : "ipoib-eth") :
			"ethernet", pc->rx_pkts, pc->rx_bytes, pc->tx_pkts,
			pc->tx_bytes, pc->rx_pkts / secs / 1e6,
			pc->tx_pkts / secs / 1e6, pc->tx_bytes * 8 / secs / 1e9,
			dev_stats[p].ipackets, dev_stats[p].opackets,
			dev_stats[p].imissed, dev_stats[p].ierrors,
			dev_stats[p].oerrors,
			p + 1 < fwd_cfg.nb_ports ? "," : "");
	}
	fprintf(f, "  ],\n");
}

/**
 * Write the statistics as JSON (to FILE.tmp, then renamed, so readers
 * never see half a file).
 *
 * @param final  the last write: ports are closed, the mbuf count is final
 * @return 0, or -1 (message printed)
 */
int
fwd_stats_write_json(const char *path, bool final)
{
	char tmp[4096];
	struct fwd_counters c;
	double secs = (double)(rte_get_timer_cycles() - start_tsc) /
		rte_get_timer_hz();
	unsigned int d, avail = rte_mempool_avail_count(fwd_pool);
	FILE *f;

	if (secs <= 0)
		secs = 1e-9;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "%s: cannot write %s: %s\n", FWD_NAME, tmp,
			strerror(errno));
		return -1;
	}
	counters_sum(&c);
	fprintf(f, "{\n  \"mode\": \"%s\", \"lcores\": %u, \"elapsed_s\": "
		"%.3f, \"final\": %s,\n", fwd_cfg.engine->name,
		fwd_nb_lcores, secs, final ? "true" : "false");
	json_ports(f, &c, secs, final);
	fprintf(f, "  \"drops\": {");
	for (d = 0; d < FWD_DROP_MAX; d++)
		fprintf(f, "%s\"%s\": %" PRIu64, d ? ", " : "", drop_names[d],
			c.drop[d]);
	fprintf(f, "},\n  \"drops_total\": %" PRIu64 ",\n  \"lcore_rx_packets\":"
		" [", drops_total(&c));
	for (d = 0; d < fwd_nb_lcores; d++) {
		uint64_t rx = 0;
		unsigned int p;

		for (p = 0; p < fwd_cfg.nb_ports; p++)
			rx += fwd_lcores[d].cnt.port[p].rx_pkts;
		fprintf(f, "%s%" PRIu64, d ? ", " : "", rx);
	}
	fprintf(f, "],\n  \"events\": {");
	for (d = 0; d < FWD_EV_MAX; d++)
		fprintf(f, "%s\"%s\": %" PRIu64, d ? ", " : "", event_names[d],
			c.event[d]);
	fprintf(f, "},\n  \"neighbours\": %u,\n  \"mbufs\": "
		"{\"pool_size\": %u, \"available\": %u, \"in_use\": %u}\n}\n",
		fwd_neigh_count(), fwd_cfg.nb_mbufs, avail,
		fwd_cfg.nb_mbufs - avail);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", FWD_NAME, path,
			strerror(errno));
		return -1;
	}
	return 0;
}
