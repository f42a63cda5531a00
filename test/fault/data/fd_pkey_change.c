/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Phase "pkey_change" (fabric with pkey.conf, the PMD on host1 with
 * pkey=0x8001 "blue", host3 blue too): the SM changes the port's P_Key
 * table under the running port. The test rewrites the fabric's opensm
 * partitions file without host1 in blue and makes opensm sweep again
 * (SIGHUP: a heavy sweep reads the partitions file again); the soft HCA
 * sees host1's new table and raises the P_Key change event; the PMD
 * counts it (port_events_pkey_change), finds its P_Key gone, counts
 * partition_lost and reports the link down, and blue's unicast no longer
 * reaches it. Then the file is restored and opensm sweeps again: a
 * second event, partition_regained, the link up, and blue's unicast
 * arrives again.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"

/** Datagrams sent from blue in each check. */
#define FD_PKC_N 20
/** How long the SM, the soft HCA and the PMD may take (s). */
#define FD_PKC_WAIT 30

/** blue without host1 (pkey.conf has it with host1). */
static const char fd_pkc_without[] =
	"Default=0x7fff, ipoib : ALL=full;\n"
	"blue=0x8001, ipoib : 0x0002c90300000301=full;\n"
	"red=0x8002, ipoib : 0x0002c90300000201=full;\n";

/**
 * Write the fabric's partitions file (copy of pkey.conf, or the text)
 * and make opensm sweep again.
 *
 * @param text  the new contents, or NULL for the saved original
 * @return 0 or -1
 */
static int
fd_pkc_partitions(const char *text)
{
	static char orig[4096];
	static size_t orig_len;
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	char path[4096], pidpath[4096];
	FILE *f;
	long pid = 0;

	if (dir == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/partitions.conf", dir);
	snprintf(pidpath, sizeof(pidpath), "%s/opensm.pid", dir);
	if (orig_len == 0) {
		f = fopen(path, "r");
		if (f == NULL)
			return -1;
		orig_len = fread(orig, 1, sizeof(orig) - 1, f);
		fclose(f);
	}
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	if (text != NULL)
		fputs(text, f);
	else
		fwrite(orig, 1, orig_len, f);
	fclose(f);
	f = fopen(pidpath, "r");
	if (f == NULL || fscanf(f, "%ld", &pid) != 1 || pid <= 0) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);
	return kill((pid_t)pid, SIGHUP);
}

/** Wait until an xstat passes a value. @return true when it did. */
static bool
fd_pkc_wait(const char *name, uint64_t above)
{
	uint64_t end = fd_deadline(FD_PKC_WAIT);

	while (!fd_expired(end)) {
		if (fd_xstat(name) > above)
			return true;
		fd_sleep_ms(100);
	}
	return false;
}

/** The PMD's link status now. */
static int
fd_pkc_link(void)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(fd_port, &link);
	return link.link_status;
}

/**
 * Send FD_PKC_N datagrams from blue to the PMD and count those the PMD
 * receives from blue within a second.
 */
static uint64_t
fd_pkc_blue_to_pmd(struct fd_host *blue)
{
	struct mlx5_wqe_av av;
	uint64_t got = 0, end;
	unsigned int i;

	fd_av_to_pmd(&av, true);
	for (i = 0; i < FD_PKC_N; i++)
		CHECK(fd_host_send(blue, 0, &av, i) == 0, "send");
	end = fd_deadline(1);
	while (!fd_expired(end)) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(fd_port, 0, pkts, 32), k;

		for (k = 0; k < n; k++) {
			uint32_t sender, seq;
			const uint8_t *p = rte_pktmbuf_mtod(pkts[k],
							    const uint8_t *);

			if (pkts[k]->data_len == 4 + FD_PAYLOAD &&
			    fd_payload_check(p + 4, FD_PAYLOAD, &sender,
					     &seq) == 0 &&
			    sender == blue->qp[0]->wire_qpn)
				got++;
			rte_pktmbuf_free(pkts[k]);
		}
		usleep(500);
	}
	return got;
}

/** The phase (see the file comment). */
void
fd_phase_pkey_change(void)
{
	static struct fd_host blue;
	uint64_t ev0, lost0, back0, got;

	if (fd_host_open(&blue, "host3", 0x8001) != 0 ||
	    fd_host_qp_new(&blue, 0) != 0) {
		CHECK(false, "host3");
		return;
	}
	got = fd_pkc_blue_to_pmd(&blue);
	printf("before: blue -> PMD %" PRIu64 " of %d, link %d\n", got,
	       FD_PKC_N, fd_pkc_link());
	CHECK(got == FD_PKC_N && fd_pkc_link() == RTE_ETH_LINK_UP,
	      "blue does not reach the PMD before the change");
	ev0 = fd_xstat("port_events_pkey_change");
	lost0 = fd_xstat("partition_lost");
	back0 = fd_xstat("partition_regained");

	/* the SM takes host1 out of blue */
	CHECK(fd_pkc_partitions(fd_pkc_without) == 0,
	      "cannot rewrite the partitions or signal opensm");
	CHECK(fd_pkc_wait("partition_lost", lost0),
	      "the PMD did not lose its partition (P_Key change events %"
	      PRIu64 ")", fd_xstat("port_events_pkey_change") - ev0);
	got = fd_pkc_blue_to_pmd(&blue);
	printf("out of blue: P_Key change events %" PRIu64 ", partition_lost"
	       " %" PRIu64 ", link %d, blue -> PMD %" PRIu64 " of %d\n",
	       fd_xstat("port_events_pkey_change") - ev0,
	       fd_xstat("partition_lost") - lost0, fd_pkc_link(), got,
	       FD_PKC_N);
	CHECK(fd_xstat("port_events_pkey_change") > ev0,
	      "no P_Key change event");
	CHECK(fd_pkc_link() == RTE_ETH_LINK_DOWN, "link still up");
	CHECK(got == 0, "blue reached the PMD out of its partition");

	/* the SM puts host1 back */
	ev0 = fd_xstat("port_events_pkey_change");
	CHECK(fd_pkc_partitions(NULL) == 0,
	      "cannot restore the partitions or signal opensm");
	CHECK(fd_pkc_wait("partition_regained", back0),
	      "the PMD did not get its partition back");
	fd_sleep_ms(500);
	got = fd_pkc_blue_to_pmd(&blue);
	printf("back in blue: P_Key change events %" PRIu64
	       ", partition_regained %" PRIu64 ", link %d, blue -> PMD %"
	       PRIu64 " of %d\n", fd_xstat("port_events_pkey_change") - ev0,
	       fd_xstat("partition_regained") - back0, fd_pkc_link(), got,
	       FD_PKC_N);
	CHECK(fd_xstat("port_events_pkey_change") > ev0,
	      "no P_Key change event at the restore");
	CHECK(fd_pkc_link() == RTE_ETH_LINK_UP, "link not up again");
	CHECK(got == FD_PKC_N, "blue -> PMD %" PRIu64 " of %d after the "
	      "restore", got, FD_PKC_N);
	fd_host_close(&blue);
}
