/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * One client, or one host, cannot starve the others: each per-client and
 * per-host limit refuses the command that would pass it (status
 * LIMITS_EXCEEDED with the limit's syndrome, doc/hcasim.md; -EUSERS for
 * a host's share of the client table), counts the refusal, and another
 * client still gets what it asks for; a host's own socket serves that
 * host only. Raw protocol and firmware commands, under test/with-fabric
 * (re-executes itself as host1):
 *
 *   test_hcasim_limits limits    the fabric must be started with the
 *                                limits of LIMITS below (meson does)
 *   test_hcasim_limits identity  any fabric
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hcasim_tlib.h"
#include "hcasim_rawcmd.h"
#include "hca_cmd.h"
#include "hca_sa.h"

/*
 * LIMITS: client-qp=4 client-mr=3 client-cq=4 client-mcast=4
 * client-ring-mem=2m host-clients=4 host-qp=6 host-mr=5 host-ring-mem=3m
 */
#define L_CLIENT_QP 4
#define L_CLIENT_MR 3
#define L_HOST_MR 5
#define L_CLIENT_CQ 4
#define L_CLIENT_MCAST 4
#define L_HOST_CLIENTS 4
#define L_HOST_QP 6
/** log2 of the CQ entries whose ring is 1 MiB (+ 4 KiB doorbell page). */
#define LOG_CQE_1M 14
/** Bytes of a client's arena (one UMEM: one memory region counted). */
#define ARENA (1 << 16)
/** An arena that holds two 1 MiB CQ rings. */
#define ARENA_2M (3 << 20)

/** The fabric's shared socket. */
static char shared[4096];

/**
 * HELLO as a host, then PORT_OPEN, on a socket path.
 *
 * @param status  set to 0, or the first refusal (1: connection closed)
 * @param attr    the port opened (may be NULL)
 * @return the socket, or -1
 */
static int
raw_open(const char *path, const char *host, int *status,
	 struct hcasim_port_attr *attr)
{
	return rawcmd_session(path, host, attr, status);
}

/**
 * A client of a host on the shared socket with an arena of len bytes
 * for its objects (a->s its socket).
 *
 * @return 0, or -1 (message printed)
 */
static int
client(struct rawcmd_arena *a, const char *host, size_t len)
{
	int status, s = raw_open(shared, host, &status, NULL);

	a->s = -1;
	a->fd = -1;
	if (s < 0)
		T_FAIL("session as %s: %d", host, status);
	if (rawcmd_arena_init(a, s, len) < 0) {
		close(s);
		a->s = -1;
		T_FAIL("arena of %s", host);
	}
	return 0;
}

/** Close a client (the daemon frees its objects). */
static void
client_close(struct rawcmd_arena *a)
{
	rawcmd_arena_fini(a);
	if (a->s >= 0)
		close(a->s);
	a->s = -1;
}

/** A PD of a client: its number, or 0. */
static uint32_t
raw_pd(struct rawcmd_arena *a)
{
	uint32_t pdn = 0;

	return rawcmd_pd(a->s, &pdn, NULL) == HCA_STATUS_OK ? pdn : 0;
}

/** A PD, a CQ and a QP of a client; the QP's number or 0. */
static uint32_t
raw_pd_cq_qp(struct rawcmd_arena *a)
{
	uint32_t pdn = raw_pd(a), cqn = 0, qpn = 0;

	if (pdn == 0 || rawcmd_cq(a, 4, &cqn, NULL) != HCA_STATUS_OK ||
	    rawcmd_qp(a, pdn, cqn, &qpn, NULL) != HCA_STATUS_OK)
		return 0;
	return qpn;
}

/**
 * Check that a command was refused by a limit: LIMITS_EXCEEDED with the
 * limit's syndrome.
 */
static int
over_limit(int st, uint32_t syn, uint32_t want, const char *what)
{
	T_CHECK(st == HCA_STATUS_LIMITS_EXCEEDED && syn == want,
		"%s: status %#x syndrome %#x, wanted limits exceeded %#x",
		what, st, syn, want);
	return 0;
}

/**
 * Wait until the daemon has let go of every client of a host (closed
 * sessions are released asynchronously), at most 5 s.
 */
static int
wait_clients_gone(const char *host)
{
	char anchor[128];
	int i;

	snprintf(anchor, sizeof(anchor), "{\"host\":\"%s\",\"clients\":",
		 host);
	for (i = 0; i < 100; i++) {
		if (t_status_value(anchor, "clients") == 0)
			return 0;
		usleep(50000);
	}
	T_FAIL("%s's clients are still counted after 5 s", host);
}

/** Wait until no client of host1 or host2 is counted any more. */
static int
settle(void)
{
	return wait_clients_gone("host1") < 0 ||
	       wait_clients_gone("host2") < 0 ? -1 : 0;
}

/** Check that a refusal counter moved by at least one. */
static int
refused_moved(const char *name, long long before)
{
	long long now = t_refused(name);

	T_CHECK(before >= 0 && now > before, "refusal counter %s: %lld -> "
		"%lld", name, before, now);
	return 0;
}

/** CQs and QPs per client: the one too many is refused, host2 served. */
static int
check_cq_qp(void)
{
	long long cq0 = t_refused("client_cq"), qp0 = t_refused("client_qp");
	struct rawcmd_arena a, b;
	uint32_t pdn, cqn = 0, first_cq = 0, syn = 0;
	int i, st;

	if (client(&a, "host1", ARENA) < 0 || client(&b, "host2", ARENA) < 0)
		return -1;
	for (i = 0; i < L_CLIENT_CQ; i++) {
		T_CHECK(rawcmd_cq(&a, 4, &cqn, NULL) == HCA_STATUS_OK, "CQ %d",
			i);
		first_cq = first_cq ? first_cq : cqn;
	}
	st = rawcmd_cq(&a, 4, NULL, &syn);
	if (over_limit(st, syn, RAWCMD_SYN_CQ_LIMIT,
		       "CQ past the client limit") < 0)
		return -1;
	T_CHECK(rawcmd_cq(&b, 4, NULL, NULL) == HCA_STATUS_OK,
		"host2's CQ refused");
	pdn = raw_pd(&a);
	for (i = 0; i < L_CLIENT_QP; i++)
		T_CHECK(rawcmd_qp(&a, pdn, first_cq, NULL, NULL) ==
			HCA_STATUS_OK, "QP %d", i);
	st = rawcmd_qp(&a, pdn, first_cq, NULL, &syn);
	if (over_limit(st, syn, RAWCMD_SYN_QP_LIMIT,
		       "QP past the client limit") < 0)
		return -1;
	T_CHECK(raw_pd_cq_qp(&b) != 0, "host2's QP refused");
	client_close(&a);
	client_close(&b);
	return refused_moved("client_cq", cq0) ||
	       refused_moved("client_qp", qp0) ? -1 : 0;
}

/**
 * Memory regions per client (3), then per host (5): a client's arena
 * UMEM counts as one, each mkey over it as one more; host2 still served.
 */
static int
check_mr(void)
{
	long long c0 = t_refused("client_mr"), h0 = t_refused("host_mr");
	struct rawcmd_arena a, b, c;
	uint32_t pa, pb, pc, index, syn = 0;
	int i, st;

	if (client(&a, "host1", ARENA) < 0 || client(&b, "host1", ARENA) < 0 ||
	    client(&c, "host2", ARENA) < 0)
		return -1;
	pa = raw_pd(&a);
	pb = raw_pd(&b);
	pc = raw_pd(&c);
	/* a: its UMEM and two mkeys make 3; b: its UMEM makes host1's 4th */
	for (i = 1; i < L_CLIENT_MR; i++)
		T_CHECK(rawcmd_mkey(&a, pa, 0x100000, 4096, &index, NULL) ==
			HCA_STATUS_OK, "mkey %d of a", i);
	st = rawcmd_mkey(&a, pa, 0x100000, 4096, &index, &syn);
	if (over_limit(st, syn, RAWCMD_SYN_MR_LIMIT,
		       "mkey past the client limit") < 0)
		return -1;
	for (i = L_CLIENT_MR + 1; i < L_HOST_MR; i++)
		T_CHECK(rawcmd_mkey(&b, pb, 0x100000, 4096, &index, NULL) ==
			HCA_STATUS_OK, "mkey %d of b", i);
	st = rawcmd_mkey(&b, pb, 0x100000, 4096, &index, &syn);
	if (over_limit(st, syn, RAWCMD_SYN_MR_LIMIT,
		       "mkey past host1's limit") < 0)
		return -1;
	T_CHECK(rawcmd_mkey(&c, pc, 0x100000, 4096, &index, NULL) ==
		HCA_STATUS_OK, "host2's mkey refused");
	client_close(&a);
	client_close(&b);
	client_close(&c);
	return refused_moved("client_mr", c0) ||
	       refused_moved("host_mr", h0) ? -1 : 0;
}

/**
 * Groups for the multicast check: the broadcast group joined at the SA
 * (opensm makes it), then n groups of MGIDs ending in 0 .. n - 1 created
 * with its parameters, so that ATTACH_TO_MCG finds their MLIDs.
 */
static int
make_groups(uint8_t mgids[][16], unsigned int n)
{
	static const uint8_t bcast[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff,
		0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t base[16] = { 0xff, 0x12, 0x60, 0x1b, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0x7e, 0x57, 0x11, 0 };
	struct hca_mcmember_rec bc, rec;
	union hca_gid mgid;
	struct hca_sa *sa;
	unsigned int i;
	int err = 0;

	sa = hca_sa_open(NULL, 0, NULL, &err);
	T_CHECK(sa != NULL, "hca_sa_open: %d", err);
	memcpy(mgid.raw, bcast, 16);
	err = hca_sa_join_mcast(sa, &mgid, HCA_JOIN_FULL, NULL, &bc);
	for (i = 0; err == 0 && i < n; i++) {
		memcpy(mgids[i], base, 16);
		mgids[i][15] = (uint8_t)i;
		memcpy(mgid.raw, mgids[i], 16);
		err = hca_sa_join_mcast(sa, &mgid, HCA_JOIN_FULL, &bc, &rec);
	}
	hca_sa_close(sa);
	T_CHECK(err == 0, "joins at the SA: %d", err);
	return 0;
}

/** Multicast attachments per client: the fifth is refused. */
static int
check_mcast(void)
{
	long long m0 = t_refused("client_mcast");
	uint8_t mgids[L_CLIENT_MCAST + 1][16];
	struct rawcmd_arena a, b;
	uint32_t qa, qb, syn = 0;
	int i, st;

	if (make_groups(mgids, L_CLIENT_MCAST + 1) < 0 ||
	    client(&a, "host1", ARENA) < 0 || client(&b, "host2", ARENA) < 0)
		return -1;
	qa = raw_pd_cq_qp(&a);
	qb = raw_pd_cq_qp(&b);
	T_CHECK(qa != 0 && qb != 0, "QPs");
	for (i = 0; i < L_CLIENT_MCAST; i++) {
		st = rawcmd_attach(a.s, qa, mgids[i], &syn);
		T_CHECK(st == HCA_STATUS_OK, "attach %d: status %#x syndrome "
			"%#x", i, st, syn);
	}
	st = rawcmd_attach(a.s, qa, mgids[L_CLIENT_MCAST], &syn);
	if (over_limit(st, syn, RAWCMD_SYN_MCG_LIMIT,
		       "attach past the client limit") < 0)
		return -1;
	st = rawcmd_attach(b.s, qb, mgids[0], &syn);
	T_CHECK(st == HCA_STATUS_OK, "host2's attach to the same group: "
		"status %#x syndrome %#x", st, syn);
	client_close(&a);
	client_close(&b);
	return refused_moved("client_mcast", m0);
}

/** Queue memory: per client (2 MiB), then per host (3 MiB). */
static int
check_ring_mem(void)
{
	long long c0 = t_refused("client_ring_mem");
	long long h0 = t_refused("host_ring_mem");
	struct rawcmd_arena a, b, c, d;
	uint32_t syn = 0;
	int st;

	if (client(&a, "host1", ARENA_2M) < 0 ||
	    client(&b, "host1", ARENA_2M) < 0 ||
	    client(&c, "host1", ARENA_2M) < 0 ||
	    client(&d, "host2", ARENA_2M) < 0)
		return -1;
	T_CHECK(rawcmd_cq(&a, LOG_CQE_1M, NULL, NULL) == HCA_STATUS_OK,
		"first 1 MiB CQ");
	st = rawcmd_cq(&a, LOG_CQE_1M, NULL, &syn);
	if (over_limit(st, syn, RAWCMD_SYN_RING_MEM,
		       "past the client's 2 MiB") < 0)
		return -1;
	T_CHECK(rawcmd_cq(&b, LOG_CQE_1M, NULL, NULL) == HCA_STATUS_OK,
		"host1's second client");
	st = rawcmd_cq(&c, LOG_CQE_1M, NULL, &syn);
	if (over_limit(st, syn, RAWCMD_SYN_RING_MEM,
		       "past host1's 3 MiB") < 0)
		return -1;
	T_CHECK(rawcmd_cq(&d, LOG_CQE_1M, NULL, NULL) == HCA_STATUS_OK,
		"host2's 1 MiB CQ refused");
	client_close(&a);
	client_close(&b);
	client_close(&c);
	client_close(&d);
	return refused_moved("client_ring_mem", c0) ||
	       refused_moved("host_ring_mem", h0) ? -1 : 0;
}

/** QPs per host: two clients of host1 share 6; host2 still served. */
static int
check_host_qp(void)
{
	long long q0 = t_refused("host_qp");
	struct rawcmd_arena a, b, c;
	uint32_t pa, pb, ca = 0, cb = 0, syn = 0;
	int i, st;

	if (client(&a, "host1", ARENA) < 0 || client(&b, "host1", ARENA) < 0 ||
	    client(&c, "host2", ARENA) < 0)
		return -1;
	pa = raw_pd(&a);
	pb = raw_pd(&b);
	T_CHECK(rawcmd_cq(&a, 4, &ca, NULL) == HCA_STATUS_OK &&
		rawcmd_cq(&b, 4, &cb, NULL) == HCA_STATUS_OK, "CQs");
	for (i = 0; i < L_CLIENT_QP; i++)
		T_CHECK(rawcmd_qp(&a, pa, ca, NULL, NULL) == HCA_STATUS_OK,
			"QP %d of a", i);
	for (i = L_CLIENT_QP; i < L_HOST_QP; i++)
		T_CHECK(rawcmd_qp(&b, pb, cb, NULL, NULL) == HCA_STATUS_OK,
			"QP %d of b", i);
	st = rawcmd_qp(&b, pb, cb, NULL, &syn);
	if (over_limit(st, syn, RAWCMD_SYN_QP_LIMIT,
		       "QP past host1's limit") < 0)
		return -1;
	T_CHECK(raw_pd_cq_qp(&c) != 0, "host2's QP refused");
	client_close(&a);
	client_close(&b);
	client_close(&c);
	return refused_moved("host_qp", q0);
}

/** A session on the shared socket as a host; -1 (message) on failure. */
static int
session(const char *host)
{
	int status, s = raw_open(shared, host, &status, NULL);

	if (s < 0)
		fprintf(stderr, "FAIL: session as %s: %d\n", host, status);
	return s;
}

/**
 * A host's share of the client table: host1's fifth client is refused
 * with -EUSERS while host2 connects; connections that never say HELLO
 * have a share too, and do not keep a host from its own socket.
 */
static int
check_clients(void)
{
	long long c0 = t_refused("host_clients");
	int s[L_HOST_CLIENTS + 1], i, status, x, y;
	char path[4200];

	for (i = 0; i < L_HOST_CLIENTS; i++) {
		s[i] = session("host1");
		T_CHECK(s[i] >= 0, "host1 client %d", i);
	}
	x = raw_open(shared, "host1", &status, NULL);
	T_CHECK(x < 0 && status == -EUSERS, "host1's client past its share: "
		"%d", status);
	y = session("host2");
	T_CHECK(y >= 0, "host2 refused while host1 is at its share");
	close(y);
	for (i = 0; i < L_HOST_CLIENTS; i++)
		close(s[i]);
	if (refused_moved("host_clients", c0) < 0)
		return -1;
	/* silent connections: their share fills, the next is closed */
	for (i = 0; i < L_HOST_CLIENTS; i++) {
		s[i] = raw_connect_to(shared);
		T_CHECK(s[i] >= 0, "connect %d", i);
	}
	/*
	 * Once the daemon has accepted them all, the next connection is
	 * closed; until then (a loaded machine) it may still be served:
	 * try again for at most 5 s.
	 */
	for (i = 0; i < 50; i++) {
		x = raw_open(shared, "host2", &status, NULL);
		if (x < 0 && status == 1)
			break;
		if (x >= 0)
			close(x);
		usleep(100000);
	}
	T_CHECK(x < 0 && status == 1, "a connection past the silent ones' "
		"share was not closed: %d", status);
	snprintf(path, sizeof(path), "%s/hcasim.hosts/host2",
		 getenv("IPOIB_FABRIC_DIR"));
	y = raw_open(path, "host2", &status, NULL);
	T_CHECK(y >= 0, "host2's own socket refused: %d", status);
	close(y);
	for (i = 0; i < L_HOST_CLIENTS; i++)
		close(s[i]);
	return 0;
}

/**
 * A host's own socket serves that host: a HELLO naming another host is
 * refused with -EACCES (counted), an empty or the right name opens the
 * host's port; `ipoib-fabric run host1` hands out host1's socket.
 */
static int
check_identity(const char *given)
{
	struct hcasim_port_attr want, got;
	long long id0 = t_refused("identity");
	char path[4200];
	int s, status;

	snprintf(path, sizeof(path), "%s/hcasim.hosts/host1",
		 getenv("IPOIB_FABRIC_DIR"));
	T_CHECK(given != NULL && strcmp(given, path) == 0,
		"ipoib-fabric run host1 gave HCASIM_SOCKET=%s, not %s",
		given ? given : "(unset)", path);
	s = raw_open(shared, "host1", &status, &want);
	T_CHECK(s >= 0, "host1 on the shared socket: %d", status);
	close(s);
	s = raw_open(path, "host2", &status, NULL);
	T_CHECK(s < 0 && status == -EACCES, "host2 on host1's socket: %d",
		status);
	s = raw_open(path, "", &status, &got);
	T_CHECK(s >= 0 && got.port_guid == want.port_guid,
		"no name on host1's socket: %d, GUID %#llx want %#llx",
		status, (unsigned long long)got.port_guid,
		(unsigned long long)want.port_guid);
	close(s);
	s = raw_open(path, "host1", &status, &got);
	T_CHECK(s >= 0 && got.port_guid == want.port_guid,
		"host1 on its socket: %d", status);
	close(s);
	return refused_moved("identity", id0);
}

/** Re-run this program as host1 of the fixture's fabric. */
static void
enter_fabric(char **argv)
{
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	const char *tool = getenv("IPOIB_FABRIC_TOOL");
	static char self[4096];
	ssize_t len;

	if (getenv("HCASIM_SOCKET") != NULL || dir == NULL || tool == NULL)
		return;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	/* umad2sim leaves a sys-PID directory in the cwd */
	if (len <= 0 || chdir(dir) != 0)
		exit(1);
	self[len] = '\0';
	execlp(tool, tool, "run", "--dir", dir, "host1", "--", self, argv[1],
	       (char *)NULL);
	perror("exec");
	exit(1);
}

/** Entry point. */
int
main(int argc, char **argv)
{
	const char *given;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s limits|identity\n", argv[0]);
		return 2;
	}
	enter_fabric(argv);
	given = getenv("HCASIM_SOCKET");
	if (given == NULL || getenv("IPOIB_FABRIC_DIR") == NULL) {
		fprintf(stderr, "FAIL: no fabric\n");
		return 1;
	}
	given = strdup(given);
	snprintf(shared, sizeof(shared), "%s/hcasim.sock",
		 getenv("IPOIB_FABRIC_DIR"));
	t_act_as("host1"); /* status reads through the shared socket */
	if (strcmp(argv[1], "identity") == 0) {
		ret = check_identity(given);
		if (ret == 0)
			printf("identity: a host's socket refused another "
			       "host's name and served its own\n");
	} else if (strcmp(argv[1], "limits") == 0) {
		ret = settle() || check_cq_qp();
		if (ret == 0)
			ret = settle() || check_mr();
		if (ret == 0)
			ret = settle() || check_mcast();
		if (ret == 0)
			ret = settle() || check_ring_mem();
		if (ret == 0)
			ret = settle() || check_host_qp();
		if (ret == 0)
			ret = settle() || check_clients();
		if (ret == 0)
			printf("limits: every per-client and per-host limit "
			       "refused and counted, other clients served\n");
	} else {
		fprintf(stderr, "unknown check %s\n", argv[1]);
		return 2;
	}
	free((void *)given);
	return ret == 0 ? 0 : 1;
}
