/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * One client, or one host, cannot starve the others: each per-client and
 * per-host limit refuses the request that would pass it (-EDQUOT, or
 * -EUSERS for a host's share of the client table), counts the refusal,
 * and another client still gets what it asks for; a host's own socket
 * serves that host only. Raw protocol, under test/with-fabric
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
#include "hcasim_raw.h"

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
/** CQ entries whose ring is 1 MiB (+ 4 KiB doorbell page). */
#define CQE_1M 16384

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
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION, 1, "" };
	struct hcasim_port_open_req po = { "", 1 };
	struct hcasim_port_attr a;
	int s = raw_connect_to(path);

	*status = -1000;
	if (s < 0)
		return -1;
	snprintf(hello.host, sizeof(hello.host), "%s", host);
	*status = raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1,
			   NULL, 0);
	if (*status == 0)
		*status = raw_call(s, HCASIM_MSG_PORT_OPEN, &po, sizeof(po),
				   -1, attr != NULL ? attr : &a, sizeof(a));
	if (*status != 0) {
		close(s);
		return -1;
	}
	return s;
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

/** A PD on a session: its number, or 0. */
static uint32_t
raw_pd(int s)
{
	struct hcasim_pd_msg pd = { 0 };

	return raw_call(s, HCASIM_MSG_PD_ALLOC, NULL, 0, -1, &pd,
			sizeof(pd)) == 0 ? pd.pdn : 0;
}

/** Create a CQ; 0 or the daemon's status. */
static int
raw_cq(int s, uint32_t cqe, uint32_t *cqn)
{
	struct hcasim_cq_create_req req = { cqe };
	struct hcasim_cq_create_rep rep = { 0 };
	int ret = raw_call(s, HCASIM_MSG_CQ_CREATE, &req, sizeof(req), -1,
			   &rep, sizeof(rep));

	if (cqn != NULL)
		*cqn = rep.cqn;
	return ret;
}

/** Create a small QP on a PD and CQ; 0 or the daemon's status. */
static int
raw_qp(int s, uint32_t pdn, uint32_t cqn, uint32_t *qpn)
{
	struct hcasim_qp_create_req req = { pdn, cqn, cqn, 16, 16, 0, 0 };
	struct hcasim_qp_create_rep rep = { 0 };
	int ret = raw_call(s, HCASIM_MSG_QP_CREATE, &req, sizeof(req), -1,
			   &rep, sizeof(rep));

	if (qpn != NULL)
		*qpn = rep.qpn;
	return ret;
}

/** Register a page of a memfd on a PD; 0 or the daemon's status. */
static int
raw_mr(int s, uint32_t pdn, int memfd)
{
	struct hcasim_mr_reg_req req = { pdn, 0, 0x100000, 4096, 0 };
	struct hcasim_mr_msg rep;

	return raw_call(s, HCASIM_MSG_MR_REG, &req, sizeof(req), memfd, &rep,
			sizeof(rep));
}

/** A PD, a CQ and a QP on a session; the QP's number or 0. */
static uint32_t
raw_pd_cq_qp(int s)
{
	uint32_t pdn = raw_pd(s), cqn = 0, qpn = 0;

	if (pdn == 0 || raw_cq(s, 16, &cqn) != 0 ||
	    raw_qp(s, pdn, cqn, &qpn) != 0)
		return 0;
	return qpn;
}

/** Attach a QP to an MLID with an MGID ending in tag; the status. */
static int
raw_attach(int s, uint32_t qpn, uint16_t mlid, uint8_t tag)
{
	struct hcasim_mcast_req req = { qpn, mlid, 0,
		{ 0xff, 0x12, 0x60, 0x1b, 0xff, 0xff, 0, 0, 0, 0, 0, 0,
		  0x7e, 0x57, 0x11, tag } };

	return raw_call(s, HCASIM_MSG_MCAST_ATTACH, &req, sizeof(req), -1,
			NULL, 0);
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
	int a = session("host1"), b = session("host2"), i, ret;
	uint32_t pdn, cqn = 0, first_cq = 0;

	T_CHECK(a >= 0 && b >= 0, "sessions");
	for (i = 0; i < L_CLIENT_CQ; i++) {
		T_CHECK(raw_cq(a, 16, &cqn) == 0, "CQ %d", i);
		first_cq = first_cq ? first_cq : cqn;
	}
	ret = raw_cq(a, 16, NULL);
	T_CHECK(ret == -EDQUOT, "CQ past the client limit: %d", ret);
	T_CHECK(raw_cq(b, 16, NULL) == 0, "host2's CQ refused");
	pdn = raw_pd(a);
	for (i = 0; i < L_CLIENT_QP; i++)
		T_CHECK(raw_qp(a, pdn, first_cq, NULL) == 0, "QP %d", i);
	ret = raw_qp(a, pdn, first_cq, NULL);
	T_CHECK(ret == -EDQUOT, "QP past the client limit: %d", ret);
	T_CHECK(raw_pd_cq_qp(b) != 0, "host2's QP refused");
	close(a);
	close(b);
	return refused_moved("client_cq", cq0) ||
	       refused_moved("client_qp", qp0) ? -1 : 0;
}

/** MRs per client (3), then per host (5); host2 still served. */
static int
check_mr(void)
{
	long long c0 = t_refused("client_mr"), h0 = t_refused("host_mr");
	int a = session("host1"), b = session("host1"), c = session("host2");
	int mfd = memfd_create("limits", MFD_CLOEXEC), i, ret;
	uint32_t pa, pb, pc;

	T_CHECK(a >= 0 && b >= 0 && c >= 0, "sessions");
	T_CHECK(mfd >= 0 && ftruncate(mfd, 4096) == 0, "memfd");
	pa = raw_pd(a);
	pb = raw_pd(b);
	pc = raw_pd(c);
	for (i = 0; i < L_CLIENT_MR; i++)
		T_CHECK(raw_mr(a, pa, mfd) == 0, "MR %d of a", i);
	ret = raw_mr(a, pa, mfd);
	T_CHECK(ret == -EDQUOT, "MR past the client limit: %d", ret);
	for (i = L_CLIENT_MR; i < L_HOST_MR; i++)
		T_CHECK(raw_mr(b, pb, mfd) == 0, "MR %d of b", i);
	ret = raw_mr(b, pb, mfd);
	T_CHECK(ret == -EDQUOT, "MR past host1's limit: %d", ret);
	T_CHECK(raw_mr(c, pc, mfd) == 0, "host2's MR refused");
	close(mfd);
	close(a);
	close(b);
	close(c);
	return refused_moved("client_mr", c0) ||
	       refused_moved("host_mr", h0) ? -1 : 0;
}

/** Multicast attachments per client: the fifth is refused. */
static int
check_mcast(void)
{
	long long m0 = t_refused("client_mcast");
	int a = session("host1"), b = session("host2"), i, ret;
	uint32_t qa, qb;

	T_CHECK(a >= 0 && b >= 0, "sessions");
	qa = raw_pd_cq_qp(a);
	qb = raw_pd_cq_qp(b);
	T_CHECK(qa != 0 && qb != 0, "QPs");
	for (i = 0; i < L_CLIENT_MCAST; i++) {
		ret = raw_attach(a, qa, (uint16_t)(0xc100 + i), (uint8_t)i);
		T_CHECK(ret == 0, "attach %d: %d", i, ret);
	}
	ret = raw_attach(a, qa, 0xc100 + L_CLIENT_MCAST, L_CLIENT_MCAST);
	T_CHECK(ret == -EDQUOT, "attach past the client limit: %d", ret);
	ret = raw_attach(b, qb, 0xc100, 0);
	T_CHECK(ret == 0, "host2's attach to the same group: %d", ret);
	close(a);
	close(b);
	return refused_moved("client_mcast", m0);
}

/** Queue memory: per client (2 MiB), then per host (3 MiB). */
static int
check_ring_mem(void)
{
	long long c0 = t_refused("client_ring_mem");
	long long h0 = t_refused("host_ring_mem");
	int a = session("host1"), b = session("host1"), c = session("host1");
	int d = session("host2"), ret;

	T_CHECK(a >= 0 && b >= 0 && c >= 0 && d >= 0, "sessions");
	T_CHECK(raw_cq(a, CQE_1M, NULL) == 0, "first 1 MiB CQ");
	ret = raw_cq(a, CQE_1M, NULL);
	T_CHECK(ret == -EDQUOT, "past the client's 2 MiB: %d", ret);
	T_CHECK(raw_cq(b, CQE_1M, NULL) == 0, "host1's second client");
	ret = raw_cq(c, CQE_1M, NULL);
	T_CHECK(ret == -EDQUOT, "past host1's 3 MiB: %d", ret);
	T_CHECK(raw_cq(d, CQE_1M, NULL) == 0, "host2's 1 MiB CQ refused");
	close(a);
	close(b);
	close(c);
	close(d);
	return refused_moved("client_ring_mem", c0) ||
	       refused_moved("host_ring_mem", h0) ? -1 : 0;
}

/** QPs per host: two clients of host1 share 6; host2 still served. */
static int
check_host_qp(void)
{
	long long q0 = t_refused("host_qp");
	int a = session("host1"), b = session("host1"), c = session("host2");
	uint32_t pa, pb, ca = 0, cb = 0;
	int i, ret;

	T_CHECK(a >= 0 && b >= 0 && c >= 0, "sessions");
	pa = raw_pd(a);
	pb = raw_pd(b);
	T_CHECK(raw_cq(a, 16, &ca) == 0 && raw_cq(b, 16, &cb) == 0, "CQs");
	for (i = 0; i < L_CLIENT_QP; i++)
		T_CHECK(raw_qp(a, pa, ca, NULL) == 0, "QP %d of a", i);
	for (i = L_CLIENT_QP; i < L_HOST_QP; i++)
		T_CHECK(raw_qp(b, pb, cb, NULL) == 0, "QP %d of b", i);
	ret = raw_qp(b, pb, cb, NULL);
	T_CHECK(ret == -EDQUOT, "QP past host1's limit: %d", ret);
	T_CHECK(raw_pd_cq_qp(c) != 0, "host2's QP refused");
	close(a);
	close(b);
	close(c);
	return refused_moved("host_qp", q0);
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
