/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ipoib-fwd: main, the lcore loop, signals and a clean shutdown (every
 * mbuf back in the pool, checked). The loop hands each burst to the
 * mode's engine (fwd_engine.h); main is the only caller of the engines'
 * hooks, and no module calls main.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "fwd.h"
#include "fwd_args.h"
#include "fwd_engines.h"
#include "fwd_port.h"
#include "fwd_stats.h"
#include "fwd_tx.h"

/** SIGINT/SIGTERM: stop forwarding (the summary follows). */
static void
on_signal(int sig)
{
	(void)sig;
	fwd_quit = true;
}

/**
 * The main lcore's extra work between bursts: control, stats, the
 * duration limit.
 */
static void
main_work(struct fwd_lcore *lc, uint64_t deadline)
{
	const struct fwd_engine *e = fwd_cfg.engine;
	unsigned int p;

	if (e->control != NULL) {
		e->control(lc);
		for (p = 0; p < fwd_cfg.nb_ports; p++)
			fwd_tx_flush(lc, (uint16_t)p);
	}
	fwd_ports_poll_links();
	fwd_stats_tick(false);
	if (deadline != 0 && rte_get_timer_cycles() >= deadline)
		fwd_quit = true;
}

/**
 * The loop of every lcore: poll its queue of every port, forward,
 * flush; the main lcore also runs the control work.
 *
 * @param arg  the lcore's struct fwd_lcore
 * @return 0
 */
static int
lcore_loop(void *arg)
{
	struct fwd_lcore *lc = arg;
	const struct fwd_engine *e = fwd_cfg.engine;
	struct rte_mbuf *m[FWD_MAX_BURST];
	uint64_t deadline = 0, bytes;
	unsigned int p, i;
	uint16_t n;

	if (fwd_cfg.duration != 0)
		deadline = rte_get_timer_cycles() +
			(uint64_t)fwd_cfg.duration * rte_get_timer_hz();
	while (!fwd_quit) {
		for (p = 0; p < fwd_cfg.nb_ports; p++) {
			if (!fwd_link_up[p])
				continue;
			n = rte_eth_rx_burst(fwd_cfg.ports[p].id,
					     (uint16_t)lc->index, m,
					     (uint16_t)fwd_cfg.burst);
			if (n == 0)
				continue;
			bytes = 0;
			for (i = 0; i < n; i++) {
				bytes += m[i]->pkt_len;
				m[i]->port = (uint16_t)p;
			}
			lc->cnt.port[p].rx_pkts += n;
			lc->cnt.port[p].rx_bytes += bytes;
			e->burst(lc, (uint16_t)p, m, n);
		}
		for (p = 0; p < fwd_cfg.nb_ports; p++)
			fwd_tx_flush(lc, (uint16_t)p);
		if (lc->is_main)
			main_work(lc, deadline);
	}
	for (p = 0; p < fwd_cfg.nb_ports; p++)
		fwd_tx_flush(lc, (uint16_t)p);
	return 0;
}

/**
 * Give every enabled lcore its queue index; the main lcore is index 0.
 *
 * @return 0, or -1 when there are too many lcores
 */
static int
lcores_init(void)
{
	unsigned int id;

	fwd_nb_lcores = 0;
	fwd_lcores[0].lcore_id = rte_get_main_lcore();
	fwd_lcores[0].is_main = true;
	fwd_nb_lcores = 1;
	RTE_LCORE_FOREACH_WORKER(id) {
		if (fwd_nb_lcores == FWD_MAX_LCORES) {
			fprintf(stderr, "%s: too many lcores (max %d)\n",
				FWD_NAME, FWD_MAX_LCORES);
			return -1;
		}
		fwd_lcores[fwd_nb_lcores].lcore_id = id;
		fwd_nb_lcores++;
	}
	for (id = 0; id < fwd_nb_lcores; id++)
		fwd_lcores[id].index = id;
	return 0;
}

/**
 * Count the ports numbered 0, 1, ... (as many as the arguments may name);
 * ports_check() says what is wrong with them, after the arguments.
 */
static void
ports_count(void)
{
	fwd_cfg.nb_ports = 0;
	while (fwd_cfg.nb_ports < FWD_MAX_PORTS &&
	       rte_eth_dev_is_valid_port(fwd_cfg.nb_ports)) {
		fwd_cfg.ports[fwd_cfg.nb_ports].id = fwd_cfg.nb_ports;
		fwd_cfg.nb_ports++;
	}
}

/**
 * Check the ports: every --vdev given must have become one, they must be
 * numbered 0..n-1, and there must be some.
 *
 * @return 0, or -1 (message printed)
 */
static int
ports_check(void)
{
	struct rte_devargs *da;
	uint16_t id, n = 0;

	RTE_EAL_DEVARGS_FOREACH("vdev", da) {
		if (rte_eth_dev_get_port_by_name(da->name, &id) != 0) {
			fprintf(stderr, "%s: device %s did not come up (its "
				"driver refused it: see the messages above)\n",
				FWD_NAME, da->name);
			return -1;
		}
	}
	RTE_ETH_FOREACH_DEV(id) {
		if (id != n || id >= FWD_MAX_PORTS) {
			fprintf(stderr, "%s: ports must be 0..%d in order\n",
				FWD_NAME, FWD_MAX_PORTS - 1);
			return -1;
		}
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "%s: no ports: give some with --vdev (e.g. "
			"--vdev net_ipoib0 --vdev net_memif0)\n", FWD_NAME);
		return -1;
	}
	return 0;
}

/**
 * EAL's usage hook: the application's options after EAL's (--help).
 *
 * @param prgname  the program name (unused: the usage names it)
 */
static void
usage_hook(const char *prgname)
{
	(void)prgname;
	fwd_usage(stdout);
}

/**
 * Run the lcores until a signal or the duration, then stop them.
 */
static void
run(void)
{
	unsigned int i;

	fwd_stats_start();
	for (i = 1; i < fwd_nb_lcores; i++)
		rte_eal_remote_launch(lcore_loop, &fwd_lcores[i],
				      fwd_lcores[i].lcore_id);
	lcore_loop(&fwd_lcores[0]);
	rte_eal_mp_wait_lcore();
}

/**
 * Stop everything; check that every mbuf came back.
 *
 * @return 0, or 1 when mbufs are missing
 */
static int
shutdown_all(void)
{
	unsigned int avail;

	if (fwd_cfg.engine->drain != NULL)
		fwd_cfg.engine->drain();
	fwd_stats_summary();
	fwd_ports_close();
	avail = rte_mempool_avail_count(fwd_pool);
	if (fwd_cfg.stats_json != NULL)
		fwd_stats_write_json(fwd_cfg.stats_json, true);
	if (avail != fwd_cfg.nb_mbufs) {
		fprintf(stderr, "%s: %u of %u mbufs not back in the pool\n",
			FWD_NAME, fwd_cfg.nb_mbufs - avail, fwd_cfg.nb_mbufs);
		return 1;
	}
	printf("%s: all %u mbufs back in the pool\n", FWD_NAME, avail);
	return 0;
}

/**
 * Entry point: EAL, arguments, ports, routes, forwarding, shutdown.
 *
 * @return 0 on a clean run, 1 on an error, 2 on bad arguments
 */
int
main(int argc, char **argv)
{
	int ret, status;

	rte_set_application_usage_hook(usage_hook);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n",
			FWD_NAME, rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)FWD_NAME;
	/* the arguments first: --help and bad values need no ports */
	ports_count();
	ret = fwd_parse_args(argc, argv);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	if (ports_check() != 0 || lcores_init() != 0)
		goto fail_args;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (fwd_ports_init(fwd_cfg.engine->ethernet) != 0)
		goto fail;
	if (fwd_cfg.engine->setup != NULL && fwd_cfg.engine->setup() != 0)
		goto fail;
	printf("%s: forwarding in mode %s on %u port(s) with %u lcore(s)\n",
	       FWD_NAME, fwd_cfg.engine->name, fwd_cfg.nb_ports,
	       fwd_nb_lcores);
	fflush(stdout);
	if (fwd_cfg.stats_json != NULL &&
	    fwd_stats_write_json(fwd_cfg.stats_json, false) != 0)
		goto fail;
	run();
	status = shutdown_all();
	if (fwd_cfg.engine->teardown != NULL)
		fwd_cfg.engine->teardown();
	rte_eal_cleanup();
	return status;
fail:
	if (fwd_pool != NULL)
		fwd_ports_close();
	rte_eal_cleanup();
	return 1;
fail_args:
	rte_eal_cleanup();
	return 2;
}
