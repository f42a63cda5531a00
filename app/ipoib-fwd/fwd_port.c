/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Ports of ipoib-fwd: setup (one receive and one transmit queue per
 * lcore, RSS when there are several, a shared mbuf pool), link wait and
 * link states, the IPv6 groups a router joins, the io-mode destinations
 * of raw net_ipoib ports, and the ports' own addresses.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dev_driver.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "fwd.h"
#include "fwd_addr.h"
#include "fwd_port.h"
#include "rte_pmd_ipoib.h"

/**
 * Whether a port is a net_ipoib port, and whether it runs mode=raw (from
 * its devargs; mode=eth is the default).
 */
static void
port_kind(struct fwd_port *p, const struct rte_eth_dev_info *info)
{
	const struct rte_device *dev = info->device;

	p->is_ipoib = info->driver_name != NULL &&
		strstr(info->driver_name, "ipoib") != NULL;
	p->raw = false;
	if (p->is_ipoib && dev != NULL && dev->devargs != NULL &&
	    dev->devargs->args != NULL)
		p->raw = strstr(dev->devargs->args, "mode=raw") != NULL;
}

/**
 * Configure a port's queues (one per lcore) and start it.
 *
 * @return 0, or a negative errno (message printed)
 */
static int
port_setup(struct fwd_port *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nq = (uint16_t)fwd_nb_lcores, q, rxd, txd;
	int ret;

	ret = rte_eth_dev_info_get(p->id, &info);
	if (ret != 0)
		goto fail;
	port_kind(p, &info);
	snprintf(p->name, sizeof(p->name), "%s", rte_dev_name(info.device));
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		fprintf(stderr, "%s: port %u (%s): %u lcores need %u "
			"queues, it has at most %u rx / %u tx\n", FWD_NAME,
			p->id, p->name, nq, nq, info.max_rx_queues,
			info.max_tx_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (nq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	ret = rte_eth_dev_configure(p->id, nq, nq, &conf);
	if (ret != 0)
		goto fail;
	rxd = (uint16_t)fwd_cfg.rxd;
	txd = (uint16_t)fwd_cfg.txd;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &rxd, &txd);
	if (ret != 0)
		goto fail;
	for (q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(p->id, q, rxd,
					     rte_eth_dev_socket_id(p->id),
					     NULL, fwd_pool);
		if (ret != 0)
			goto fail;
		ret = rte_eth_tx_queue_setup(p->id, q, txd,
					     rte_eth_dev_socket_id(p->id),
					     NULL);
		if (ret != 0)
			goto fail;
	}
	ret = rte_eth_dev_start(p->id);
	if (ret != 0)
		goto fail;
	rte_eth_macaddr_get(p->id, &p->mac);
	return 0;
fail:
	fprintf(stderr, "%s: port %u (%s) did not come up: %s\n", FWD_NAME,
		p->id, p->name, rte_strerror(-ret));
	return ret;
}

/**
 * Join the IPv6 groups a router must hear on a port: all-nodes and the
 * solicited-node group of each of its IPv6 addresses (neighbour
 * solicitations are sent there; an IPoIB port receives a group only once
 * joined). Ports without multicast filtering (memif) take everything.
 */
static void
port_join_nd_groups(const struct fwd_port *p)
{
	struct rte_ether_addr list[FWD_MAX_ADDRS + 1];
	unsigned int i, n = 0;
	int ret;

	if (p->nb_addr6 == 0)
		return;
	list[n++] = (struct rte_ether_addr){ { 0x33, 0x33, 0, 0, 0, 1 } };
	for (i = 0; i < p->nb_addr6; i++) {
		const uint8_t *a = p->addr6[i].ip;

		list[n++] = (struct rte_ether_addr){ { 0x33, 0x33, 0xff,
			a[13], a[14], a[15] } };
	}
	ret = rte_eth_dev_set_mc_addr_list(p->id, list, n);
	if (ret != 0 && ret != -ENOTSUP)
		fprintf(stderr, "%s: warning: port %u (%s): cannot join the "
			"IPv6 solicited-node groups: %s\n", FWD_NAME, p->id,
			p->name, rte_strerror(-ret));
}

/**
 * Join, on every port, the IPv6 groups a router must hear (see
 * port_join_nd_groups).
 */
void
fwd_ports_join_nd_groups(void)
{
	unsigned int i;

	for (i = 0; i < fwd_cfg.nb_ports; i++)
		port_join_nd_groups(&fwd_cfg.ports[i]);
}

/**
 * Wait until every port's link is up, at most --link-timeout seconds;
 * ports still down are named (a warning: the forwarder runs anyway, as a
 * memif server waits for its client).
 */
static void
ports_wait_link(void)
{
	uint64_t deadline = rte_get_timer_cycles() +
		(uint64_t)fwd_cfg.link_timeout * rte_get_timer_hz();
	struct rte_eth_link link;
	unsigned int i, down;

	do {
		down = 0;
		for (i = 0; i < fwd_cfg.nb_ports; i++) {
			memset(&link, 0, sizeof(link));
			rte_eth_link_get_nowait(fwd_cfg.ports[i].id, &link);
			down += link.link_status == RTE_ETH_LINK_DOWN;
		}
		if (down == 0)
			return;
		usleep(100 * 1000);
	} while (rte_get_timer_cycles() < deadline && !fwd_quit);
	for (i = 0; i < fwd_cfg.nb_ports; i++) {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(fwd_cfg.ports[i].id, &link);
		if (link.link_status == RTE_ETH_LINK_DOWN)
			fprintf(stderr, "%s: warning: port %u (%s): link still "
				"down after %u s\n", FWD_NAME, i,
				fwd_cfg.ports[i].name, fwd_cfg.link_timeout);
	}
}

/**
 * Print what a port is: name, MAC, IPoIB address, addresses.
 */
static void
port_print(const struct fwd_port *p)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE], buf[64];
	struct rte_ipoib_addr a;
	unsigned int i;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	printf("%s: port %u: %s, %s, mac %s", FWD_NAME, p->id, p->name,
	       p->is_ipoib ? (p->raw ? "IPoIB raw" : "IPoIB eth") :
	       "Ethernet", mac);
	if (p->is_ipoib && rte_pmd_ipoib_own_addr(p->id, &a) == 0) {
		printf(", ipoib ");
		for (i = 0; i < RTE_IPOIB_ADDR_LEN; i++)
			printf("%02x", a.bytes[i]);
	}
	for (i = 0; i < p->nb_addr4; i++)
		printf(", %s", fwd_addr_str(&p->addr4[i], buf, sizeof(buf)));
	for (i = 0; i < p->nb_addr6; i++)
		printf(", %s", fwd_addr_str(&p->addr6[i], buf, sizeof(buf)));
	printf("\n");
}

/**
 * Check that the ports fit the mode: a mode that needs Ethernet frames
 * (l2/l3/macswap) refuses raw net_ipoib ports.
 *
 * @param ethernet  the mode needs Ethernet frames
 * @return 0 or -EINVAL (message printed)
 */
static int
ports_check_mode(bool ethernet)
{
	unsigned int i;

	for (i = 0; i < fwd_cfg.nb_ports; i++) {
		const struct fwd_port *p = &fwd_cfg.ports[i];

		if (ethernet && p->raw) {
			fprintf(stderr, "%s: port %u (%s) is net_ipoib in "
				"mode=raw: this mode needs Ethernet frames "
				"(mode=eth)\n", FWD_NAME, i, p->name);
			return -EINVAL;
		}
		if (p->has_peer && rte_is_zero_ether_addr(&p->peer_mac) &&
		    !p->raw) {
			fprintf(stderr, "%s: port %u (%s): an IPoIB peer "
				"address needs a net_ipoib port in mode=raw\n",
				FWD_NAME, i, p->name);
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * Create the mbuf pool, set up and start every port, check them against
 * the mode, wait for links.
 *
 * @param ethernet  the mode needs Ethernet frames (raw ports refused)
 * @return 0, or a negative errno (message printed)
 */
int
fwd_ports_init(bool ethernet)
{
	unsigned int i;
	int ret;

	fwd_pool = rte_pktmbuf_pool_create("fwd_pool", fwd_cfg.nb_mbufs, 256,
					   0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   rte_socket_id());
	if (fwd_pool == NULL) {
		fprintf(stderr, "%s: cannot create a pool of %u mbufs: %s\n",
			FWD_NAME, fwd_cfg.nb_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < fwd_cfg.nb_ports; i++) {
		ret = port_setup(&fwd_cfg.ports[i]);
		if (ret != 0)
			return ret;
	}
	ret = ports_check_mode(ethernet);
	if (ret != 0)
		return ret;
	ports_wait_link();
	fwd_ports_poll_links();
	for (i = 0; i < fwd_cfg.nb_ports; i++)
		port_print(&fwd_cfg.ports[i]);
	return 0;
}

/**
 * Wait (at most --link-timeout seconds) until the subnet manager gave
 * the path to a raw port's peer, so that the first packets are not
 * held.
 *
 * @return 0, or -1 when it did not come
 */
static int
peer_wait_path(const struct fwd_port *p)
{
	uint64_t deadline = rte_get_timer_cycles() +
		(uint64_t)fwd_cfg.link_timeout * rte_get_timer_hz();
	struct rte_ipoib_path path;

	do {
		if (rte_pmd_ipoib_peer_info(p->id,
				rte_pmd_ipoib_tag_key(p->peer_tag), NULL,
				&path) == 0 && path.resolved)
			return 0;
		usleep(20 * 1000);
	} while (rte_get_timer_cycles() < deadline && !fwd_quit);
	return -1;
}

/**
 * Resolve the IPoIB peers of raw ports (io mode) to peer tags.
 *
 * @return 0, or a negative errno (message printed)
 */
int
fwd_ports_resolve_peers(void)
{
	struct rte_ipoib_addr a;
	unsigned int i;
	uint64_t tag;
	int ret;

	for (i = 0; i < fwd_cfg.nb_ports; i++) {
		struct fwd_port *p = &fwd_cfg.ports[i];

		if (!p->has_peer || !rte_is_zero_ether_addr(&p->peer_mac))
			continue;
		memcpy(a.bytes, p->peer_ipoib, sizeof(a.bytes));
		ret = rte_pmd_ipoib_resolve_tag(p->id, &a, &tag);
		if (ret != 0) {
			fprintf(stderr, "%s: port %u: cannot resolve its peer: "
				"%s\n", FWD_NAME, i, rte_strerror(-ret));
			return ret;
		}
		p->peer_tag = tag;
		if (peer_wait_path(p) != 0)
			fprintf(stderr, "%s: warning: port %u: no path to its "
				"peer yet (packets are held, then dropped and "
				"counted)\n", FWD_NAME, i);
	}
	return 0;
}

/**
 * Refresh the ports' link states (main lcore, every 100 ms): lcores
 * neither poll nor send on a port whose link is down (a memif peer that
 * went away).
 */
void
fwd_ports_poll_links(void)
{
	static uint64_t next;
	uint64_t now = rte_get_timer_cycles();
	struct rte_eth_link link;
	unsigned int p;

	if (now < next)
		return;
	next = now + rte_get_timer_hz() / 10;
	for (p = 0; p < fwd_cfg.nb_ports; p++) {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(fwd_cfg.ports[p].id, &link);
		fwd_link_up[p] = link.link_status == RTE_ETH_LINK_UP;
	}
}

/** Stop and close every port. */
void
fwd_ports_close(void)
{
	unsigned int i;

	for (i = 0; i < fwd_cfg.nb_ports; i++) {
		rte_eth_dev_stop(fwd_cfg.ports[i].id);
		rte_eth_dev_close(fwd_cfg.ports[i].id);
	}
}

/**
 * Whether a port has this address.
 *
 * @param port    index into fwd_cfg.ports
 * @param family  4 or 6
 * @param ip      the address, network order
 * @return true when it is one of the port's addresses
 */
bool
fwd_port_owns(uint16_t port, int family, const uint8_t *ip)
{
	const struct fwd_port *p = &fwd_cfg.ports[port];
	const struct fwd_addr *a = family == 4 ? p->addr4 : p->addr6;
	unsigned int i, n = family == 4 ? p->nb_addr4 : p->nb_addr6;

	for (i = 0; i < n; i++)
		if (memcmp(a[i].ip, ip, family == 4 ? 4 : 16) == 0)
			return true;
	return false;
}

/**
 * The port's address to speak to ip from: the one whose subnet holds
 * ip, else the first of the family.
 *
 * @return the address, or NULL when the port has none of the family
 */
const struct fwd_addr *
fwd_port_addr_for(uint16_t port, int family, const uint8_t *ip)
{
	const struct fwd_port *p = &fwd_cfg.ports[port];
	const struct fwd_addr *a = family == 4 ? p->addr4 : p->addr6;
	unsigned int i, n = family == 4 ? p->nb_addr4 : p->nb_addr6;

	for (i = 0; i < n; i++)
		if (fwd_prefix_contains(&a[i], ip))
			return &a[i];
	return n > 0 ? &a[0] : NULL;
}
