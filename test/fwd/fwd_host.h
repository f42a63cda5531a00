/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef FWD_HOST_H
#define FWD_HOST_H

/**
 * @file
 * fwd_host: a test host for ipoib-fwd, one DPDK port (port 0): an
 * Ethernet port (net_memif client, net_ipoib in mode=eth) for the l3
 * roles, a raw net_ipoib port for the io roles.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define HOST_MAX_DST 4
#define HOST_UDP_PORT 9999

/** The options of a test host. */
struct host_opts {
	const char *role;
	uint8_t ip[4], gw[4], ip6[16], gw6[16];
	bool has_ip, has_ip6;
	uint8_t dst[HOST_MAX_DST][4], dst6[HOST_MAX_DST][16];
	unsigned int nb_dst, nb_dst6;
	uint8_t unrouted[4], unrouted6[16];
	bool has_unrouted, has_unrouted6;
	uint8_t unresolved[4];      /* routed via a gateway that is not there */
	bool has_unresolved;
	uint8_t expect_src[4], expect_src6[16];
	unsigned int count;
	unsigned int timeout;       /* seconds */
	unsigned int rate;          /* packets per second (raw-send) */
	unsigned int ttl;           /* expected TTL at the sink */
	uint8_t raw_dst[20];
	bool has_raw_dst;
	const char *ready_file;     /* written when the port is up */
	const char *hold_file;      /* wait for it before closing the port */
};

extern struct host_opts host;
extern struct rte_mempool *host_pool;
extern struct rte_ether_addr host_mac;
extern unsigned int host_failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		host_failures++; \
		printf("FAIL %s:%d: ", __func__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
		fflush(stdout); \
	} \
} while (0)

/** Called for every received packet that is not ARP/ND for us. */
typedef bool (*host_handler)(struct rte_mbuf *m, void *arg);

uint64_t host_ms(void);
void host_write_ready(const char *extra);
int host_send(struct rte_mbuf *m);
bool host_poll(host_handler h, void *arg, unsigned int timeout_ms);
struct rte_mbuf *host_udp4(const struct rte_ether_addr *dmac,
			   const uint8_t *dst, uint8_t ttl, uint16_t len);
struct rte_mbuf *host_udp6(const struct rte_ether_addr *dmac,
			   const uint8_t *dst, uint8_t hop, uint16_t len);
bool host_udp4_valid(const struct rte_ipv4_hdr *ip, uint32_t len);
bool host_udp6_valid(const struct rte_ipv6_hdr *ip6, uint32_t len);
uint16_t host_cksum6(const struct rte_ipv6_hdr *ip6, const void *l4,
		     uint32_t len);

int host_run_source(void);
int host_run_sink(void);
int host_run_gen(void);
int host_run_raw_send(void);
int host_run_raw_recv(void);

#endif
