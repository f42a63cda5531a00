/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * A flood of create requests against the soft HCA does not starve a
 * well-behaved client. Flooding processes open connections until the
 * daemon refuses more, and on each connection create CQs and QPs until
 * the per-client limits answer -EDQUOT, destroy them and start again,
 * for FLOOD_SECONDS. The connections all claim host3: once host3's share
 * of the client table is used up, host1 can still connect. Meanwhile a
 * well-behaved client (host1 -> host2, opened before the flood) pings:
 * every ping must arrive, within a bounded latency. Afterwards a new client can connect and send.
 * Run under test/with-fabric (re-executes itself as host1).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>

#include "hcasim_tlib.h"

#define FLOOD_SECONDS 8
#define FLOODERS 2
#define CONNS_PER_FLOODER 4
#define MAX_LATENCY_US 1000000  /* the bound on one ping, generous */
#define LIMIT_CQS 256           /* doc/hcasim.md, per client */
#define LIMIT_QPS 512

/** Microseconds of CLOCK_MONOTONIC. */
static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/**
 * Create CQs on a connection until refused, destroy them; the refusal
 * must be -EDQUOT after exactly LIMIT_CQS.
 *
 * @return 0 or -1
 */
static int
flood_cqs(struct hca_dev *dev)
{
	static struct hca_cq *cqs[LIMIT_CQS + 1];
	int n = 0, ret = 0, i;

	while (n <= LIMIT_CQS) {
		ret = hca_cq_create(dev, 16, &cqs[n]);
		if (ret != 0)
			break;
		n++;
	}
	for (i = 0; i < n; i++)
		hca_cq_destroy(cqs[i]);
	T_CHECK(ret == -EDQUOT && n == LIMIT_CQS,
		"CQ flood: %d created, then %d (%s)", n, ret, strerror(-ret));
	return 0;
}

/**
 * Create QPs on one CQ until refused, destroy them; the refusal must be
 * -EDQUOT after exactly LIMIT_QPS.
 *
 * @return 0 or -1
 */
static int
flood_qps(struct hca_dev *dev)
{
	static struct hca_qp *qps[LIMIT_QPS + 1];
	struct hca_qp_init_attr a = { .sq_wqe_cnt = 16, .rq_wqe_cnt = 16 };
	struct hca_pd *pd;
	struct hca_cq *cq;
	int n = 0, ret, i;

	pd = hca_pd_alloc(dev, &ret);
	T_CHECK(pd != NULL && hca_cq_create(dev, 16, &cq) == 0, "pd/cq");
	a.send_cq = a.recv_cq = cq;
	while (n <= LIMIT_QPS) {
		ret = hca_qp_create_ud(pd, &a, &qps[n]);
		if (ret != 0)
			break;
		n++;
	}
	for (i = 0; i < n; i++)
		hca_qp_destroy(qps[i]);
	hca_cq_destroy(cq);
	hca_pd_free(pd);
	T_CHECK(ret == -EDQUOT && n == LIMIT_QPS,
		"QP flood: %d created, then %d (%s)", n, ret, strerror(-ret));
	return 0;
}

/**
 * One flooding process: connections, then create floods until the time
 * is up. The first flooder also opens connections until refused.
 *
 * @return exit status (0 when every limit answered as documented)
 */
static int
flooder(int id)
{
	static struct hca_dev *devs[CONNS_PER_FLOODER], *extra[300];
	struct hca_dev *other;
	long long end = now_us() + FLOOD_SECONDS * 1000000LL;
	int i, n_extra = 0, ret = 0, rounds = 0;

	t_act_as("host3");
	for (i = 0; i < CONNS_PER_FLOODER; i++)
		T_CHECK(hca_dev_open(NULL, 1, &devs[i]) == 0, "open");
	if (id == 0) {
		long long t0 = now_us();

		while (n_extra < 300) {
			ret = hca_dev_open(NULL, 1, &extra[n_extra]);
			if (ret != 0)
				break;
			n_extra++;
		}
		printf("flooder: %d more connections, then %d (%s) after "
		       "%lld ms\n", n_extra, ret, strerror(-ret),
		       (now_us() - t0) / 1000);
		T_CHECK(ret == -EUSERS && n_extra < 256,
			"the daemon accepted %d extra clients", n_extra);
		t_act_as("host1");
		ret = hca_dev_open(NULL, 1, &other);
		T_CHECK(ret == 0, "host1 refused once host3 had its share: "
			"%s", strerror(-ret));
		hca_dev_close(other);
		t_act_as("host3");
	}
	while (now_us() < end) {
		for (i = 0; i < CONNS_PER_FLOODER; i++)
			if (flood_cqs(devs[i]) != 0 || flood_qps(devs[i]) != 0)
				return 1;
		rounds++;
	}
	printf("flooder %d: %d rounds of %d CQ + %d QP creates on %d "
	       "connections\n", id, rounds, LIMIT_CQS + 1, LIMIT_QPS + 1,
	       CONNS_PER_FLOODER);
	for (i = 0; i < n_extra; i++)
		hca_dev_close(extra[i]);
	for (i = 0; i < CONNS_PER_FLOODER; i++)
		hca_dev_close(devs[i]);
	return 0;
}

/**
 * Ping host1 -> host2 until the flooders are done: every ping arrives,
 * none later than MAX_LATENCY_US.
 *
 * @return 0 or -1
 */
static int
ping_during_flood(struct t_host *a, struct t_host *b, pid_t *kids)
{
	struct mlx5_wqe_av av;
	long long worst = 0, sum = 0;
	int done = 0, n = 0, i, st;

	t_av(&av, b, b->qp, 0x77);
	while (done < FLOODERS) {
		struct mlx5_cqe64 c;
		long long t0 = now_us(), lat;
		uint8_t *dst = t_recv_post(b, b->qp);

		snprintf((char *)t_send_area(a), 32, "ping %d", n);
		t_send(a, a->qp, &av, t_send_area(a), 32, false, false);
		T_CHECK(t_poll(b->rcq, 5000, &c) == 0, "ping %d lost", n);
		lat = now_us() - t0;
		T_CHECK(hca_cqe_opcode(&c) == MLX5_CQE_RESP_SEND &&
			strncmp((char *)dst + HCA_GRH_LEN, (char *)
				t_send_area(a), 32) == 0, "ping %d bad", n);
		worst = lat > worst ? lat : worst;
		sum += lat;
		n++;
		usleep(2000);
		for (i = 0; i < FLOODERS; i++)
			if (kids[i] > 0 && waitpid(kids[i], &st, WNOHANG) ==
			    kids[i]) {
				T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
					"flooder %d failed", i);
				kids[i] = 0;
				done++;
			}
	}
	printf("well-behaved client: %d pings during the flood, all "
	       "delivered, mean %lld us, worst %lld us (bound %d us)\n", n,
	       sum / (n ? n : 1), worst, MAX_LATENCY_US);
	T_CHECK(n >= 100, "only %d pings during the flood", n);
	T_CHECK(worst <= MAX_LATENCY_US, "worst latency %lld us", worst);
	return 0;
}

/** Fork the flooders, ping meanwhile, then check a new client works. */
static int
run(void)
{
	struct t_host a, b, c;
	pid_t kids[FLOODERS];
	int i;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, 0x77, 0) < 0 || t_qp_ready(b.qp, 0x77, 0) < 0)
		return -1;
	fflush(stdout);
	for (i = 0; i < FLOODERS; i++) {
		kids[i] = fork();
		T_CHECK(kids[i] >= 0, "fork");
		if (kids[i] == 0) {
			/* the parent's connections stay the parent's */
			_exit(flooder(i));
		}
	}
	if (ping_during_flood(&a, &b, kids) < 0) {
		for (i = 0; i < FLOODERS; i++)
			if (kids[i] > 0)
				kill(kids[i], SIGKILL);
		return -1;
	}
	T_CHECK(t_host_open(&c, "host3") == 0, "a new client after the "
		"flood");
	t_host_close(&c);
	t_host_close(&a);
	t_host_close(&b);
	return 0;
}

/** Entry point (re-executes itself as host1 under with-fabric). */
int
main(void)
{
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	const char *tool = getenv("IPOIB_FABRIC_TOOL");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("HCASIM_SOCKET") == NULL && dir != NULL && tool != NULL) {
		static char self[4096];
		ssize_t len = readlink("/proc/self/exe", self,
				       sizeof(self) - 1);

		if (len <= 0 || chdir(dir) != 0)
			return 1;
		self[len] = '\0';
		execlp(tool, tool, "run", "--dir", dir, "host1", "--", self,
		       (char *)NULL);
		perror("exec");
		return 1;
	}
	if (getenv("HCASIM_SOCKET") == NULL) {
		fprintf(stderr, "FAIL: no fabric\n");
		return 1;
	}
	if (run() < 0)
		return 1;
	printf("flood: limits answered -EDQUOT, extra clients refused, the "
	       "well-behaved client was served throughout\n");
	return 0;
}
