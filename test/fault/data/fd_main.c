/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Data-plane fault tests through the PMD, one process: the PMD's port
 * (the vdev on host1, mode=raw) and device-API hosts (host2, host3).
 *
 *   fault_data <EAL args, --vdev net_ipoib0,mode=raw[,...]> -- PHASE...
 *
 * Phases: faults[=N] (needs 1% drop and corrupt rates), pkey (needs the
 * partitions of pkey.conf, PMD on pkey=0x8001), forge (3 hosts, hcasim
 * --allow-forge), shared (mode=raw) and shared_eth (mode=eth): shared
 * mbufs, a zero-length segment, an ND checksum; churn[=ROUNDS] (a
 * small peers= cache), oversize, qperror, oversize_eth (a mode=eth port;
 * fd_mtu.c), soak=SECONDS
 * (churn until the time is up, printing samples for usertools/ipoib-soak).
 * At the end every mbuf must be back in the pool. Exit 0 when every check
 * passed; every wait is bounded.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "fd.h"

/** Run one phase by its argument; -1 when unknown. */
static int
fd_run_phase(const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	double val = eq != NULL ? atof(eq + 1) : 0;

	if (len == 6 && strncmp(arg, "faults", len) == 0)
		fd_phase_faults(val > 0 ? (unsigned int)val : 5000);
	else if (strcmp(arg, "pkey") == 0)
		fd_phase_pkey();
	else if (strcmp(arg, "pkey_change") == 0)
		fd_phase_pkey_change();
	else if (strcmp(arg, "forge") == 0)
		fd_phase_forge();
	else if (strcmp(arg, "shared") == 0)
		fd_phase_shared();
	else if (strcmp(arg, "shared_eth") == 0)
		fd_phase_shared_eth();
	else if (len == 5 && strncmp(arg, "churn", len) == 0)
		fd_phase_churn(val > 0 ? (unsigned int)val : 14, 12, 0);
	else if (len == 4 && strncmp(arg, "soak", len) == 0 && val > 0)
		fd_phase_churn(0, 12, val);
	else if (strcmp(arg, "oversize") == 0)
		fd_phase_oversize();
	else if (strcmp(arg, "oversize_eth") == 0)
		fd_phase_oversize_eth();
	else if (strcmp(arg, "qperror") == 0)
		fd_phase_qperror();
	else
		return -1;
	return 0;
}

/** Run the phases; exit 0 when every check passed. */
int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv), i;

	if (n < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	argc -= n;
	argv += n;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fd_port_start(2047) != 0) {
		printf("FAIL: port setup\n");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		printf("--- %s\n", argv[i]);
		if (fd_run_phase(argv[i]) < 0) {
			printf("FAIL: unknown phase %s\n", argv[i]);
			failures++;
		}
	}
	CHECK(rte_eth_dev_stop(fd_port) == 0, "stop");
	CHECK(rte_eth_dev_close(fd_port) == 0, "close");
	printf("mbufs back in the pool: %u of %u\n",
	       rte_mempool_avail_count(fd_pool), fd_nb_mbuf);
	CHECK(rte_mempool_avail_count(fd_pool) == fd_nb_mbuf,
	      "every mbuf back in the pool: %u of %u",
	      rte_mempool_avail_count(fd_pool), fd_nb_mbuf);
	rte_mempool_free(fd_pool);
	rte_eal_cleanup();
	printf("%s, %u failures\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
