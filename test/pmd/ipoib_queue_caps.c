/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * What a net_ipoib port advertises follows the device's capabilities.
 *
 *   ipoib_queue_caps <EAL args with -d PMD --vdev net_ipoib0,...> -- QUEUES
 *
 * QUEUES is the count the port must offer: 1 on a device without RSS on
 * UD (the soft HCA started with --no-ipoib-enhanced), the PMD's most
 * (IPOIB_MAX_QUEUES) on one with it. The port must offer exactly that
 * many rx and tx queues; RTE_ETH_RX_OFFLOAD_RSS_HASH and RSS flow types
 * only with more than one; descriptor limits that make sense. It must
 * refuse one queue more than it offers, and accept the most it offers
 * (with RSS when more than one). Then it starts with two queues (one
 * without RSS), stops and closes. Exit status 0 when every check passed.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

static unsigned int failures;

#include "../ipoib_test.h"

#define NB_MBUF 2047
#define NB_DESC 128

/**
 * Configure port with nq rx and tx queues, with RSS (hash delivered)
 * when rss.
 *
 * @return rte_eth_dev_configure()'s result
 */
static int
configure(uint16_t port, uint16_t nq, bool rss)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP;
	}
	return rte_eth_dev_configure(port, nq, nq, &conf);
}

/** Check what dev_infos_get says against the wanted queue count. */
static void
check_info(uint16_t port, uint16_t want)
{
	struct rte_eth_dev_info info;
	bool rss = want > 1;

	CHECK(rte_eth_dev_info_get(port, &info) == 0, "dev_info_get");
	printf("max_rx_queues %u max_tx_queues %u rx_offload_capa 0x%llx "
	       "flow_type_rss_offloads 0x%llx rx desc %u..%u tx desc %u..%u\n",
	       info.max_rx_queues, info.max_tx_queues,
	       (unsigned long long)info.rx_offload_capa,
	       (unsigned long long)info.flow_type_rss_offloads,
	       info.rx_desc_lim.nb_min, info.rx_desc_lim.nb_max,
	       info.tx_desc_lim.nb_min, info.tx_desc_lim.nb_max);
	CHECK(info.max_rx_queues == want && info.max_tx_queues == want,
	      "%u rx and %u tx queues offered, want %u", info.max_rx_queues,
	      info.max_tx_queues, want);
	CHECK(!!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH) == rss,
	      "RSS_HASH offered: %d, want %d",
	      !!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH), rss);
	CHECK((info.flow_type_rss_offloads != 0) == rss,
	      "RSS flow types 0x%llx offered with %u queues",
	      (unsigned long long)info.flow_type_rss_offloads, want);
	CHECK(info.rx_desc_lim.nb_max >= info.rx_desc_lim.nb_min &&
	      info.tx_desc_lim.nb_max >= info.tx_desc_lim.nb_min &&
	      info.rx_desc_lim.nb_max >= NB_DESC &&
	      info.tx_desc_lim.nb_max >= NB_DESC, "descriptor limits");
}

/** Start the port with nq queues of NB_DESC, then stop it. */
static void
start_stop(uint16_t port, uint16_t nq, struct rte_mempool *mp)
{
	uint16_t q;

	CHECK(configure(port, nq, nq > 1) == 0, "%u queues refused", nq);
	for (q = 0; q < nq; q++) {
		CHECK(rte_eth_rx_queue_setup(port, q, NB_DESC, 0, NULL,
					     mp) == 0, "rx queue %u", q);
		CHECK(rte_eth_tx_queue_setup(port, q, NB_DESC, 0, NULL) == 0,
		      "tx queue %u", q);
	}
	if (failures != 0)
		return;
	CHECK(rte_eth_dev_start(port) == 0, "start with %u queues", nq);
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
}

/** Run the checks on port 0. */
int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	uint16_t port = 0;
	unsigned long want;
	int n = rte_eal_init(argc, argv);
	int ret;

	if (n < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	argc -= n;
	argv += n;
	want = argc == 2 ? strtoul(argv[1], NULL, 0) : 0;
	if (want == 0 || want > RTE_MAX_QUEUES_PER_PORT ||
	    !rte_eth_dev_is_valid_port(port)) {
		printf("usage: ipoib_queue_caps <EAL args> -- QUEUES\n");
		return 2;
	}
	mp = rte_pktmbuf_pool_create("qcaps", NB_MBUF, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		printf("FAIL: mbuf pool\n");
		return 1;
	}
	check_info(port, (uint16_t)want);
	/* one queue more than offered: refused (without RSS, so that the
	 * count is the reason), before any resource */
	ret = configure(port, (uint16_t)(want + 1), false);
	CHECK(ret == -EINVAL, "%lu queues: %d, want -EINVAL", want + 1, ret);
	printf("%lu queues refused: %s\n", want + 1, strerror(-ret));
	/* the most offered: accepted */
	ret = configure(port, (uint16_t)want, want > 1);
	CHECK(ret == 0, "%lu queues: %d, want 0", want, ret);
	start_stop(port, want > 1 ? 2 : 1, mp);
	CHECK(rte_eth_dev_close(port) == 0, "close");
	rte_mempool_free(mp);
	rte_eal_cleanup();
	printf("%s: %u failures\n", failures == 0 ? "PASS" : "FAIL",
	       failures);
	return failures == 0 ? 0 : 1;
}
