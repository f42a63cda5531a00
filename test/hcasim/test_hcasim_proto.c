/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's protocol against a hostile client: malformed messages,
 * requests out of order, foreign or unknown object numbers, wrong fds and
 * exhausted limits get an error reply or a dropped connection, and the
 * daemon keeps serving well-behaved clients. Run under test/with-fabric
 * (re-executes itself as host1 like test_hcasim).
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hcasim_tlib.h"
#include "hcasim_raw.h"

/** HELLO as host1 then PORT_OPEN; returns the socket or -1. */
static int
raw_session(void)
{
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION, 1, "host1" };
	struct hcasim_port_open_req po = { "", 1 };
	struct hcasim_port_attr attr;
	int s = raw_connect();

	if (s < 0 || raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1,
			      NULL, 0) != 0 ||
	    raw_call(s, HCASIM_MSG_PORT_OPEN, &po, sizeof(po), -1, &attr,
		     sizeof(attr)) != 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/** Malformed framing drops the connection. */
static int
check_framing(void)
{
	struct hcasim_msg_hdr hdr = { 0xdeadbeef, HCASIM_MSG_HELLO, 16, 1, 0 };
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION, 1, "host1" };
	uint8_t big[64] = { 0 };
	int s;

	s = raw_connect();
	T_CHECK(s >= 0 && raw_xfer(s, &hdr, sizeof(hdr), -1, NULL, 0) == 1,
		"bad magic not dropped");
	close(s);
	s = raw_connect();
	T_CHECK(s >= 0 && raw_xfer(s, "xy", 2, -1, NULL, 0) == 1,
		"short message not dropped");
	close(s);
	s = raw_connect();
	T_CHECK(s >= 0 && raw_call(s, HCASIM_MSG_HELLO, big, 40, -1, NULL,
				   0) == 1, "wrong body length not dropped");
	close(s);
	s = raw_connect();
	T_CHECK(s >= 0 && raw_call(s, 999, NULL, 0, -1, NULL, 0) == 1,
		"unknown type not dropped");
	close(s);
	s = raw_connect();
	T_CHECK(s >= 0 && raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello),
				   0, NULL, 0) == 1,
		"fd on HELLO not dropped");
	close(s);
	return 0;
}

/** Requests out of order or with bad versions are refused. */
static int
check_order(void)
{
	struct hcasim_hello_req hello = { 99, 1, "host1" };
	struct hcasim_port_open_req po = { "", 1 };
	int s = raw_connect();

	T_CHECK(s >= 0, "connect");
	T_CHECK(raw_call(s, HCASIM_MSG_PD_ALLOC, NULL, 0, -1, NULL, 0) ==
		-EPROTO, "PD before HELLO");
	T_CHECK(raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1, NULL,
			 0) == -EPROTONOSUPPORT, "wrong version");
	memset(hello.host, 'x', sizeof(hello.host));
	hello.version = HCASIM_PROTO_VERSION;
	T_CHECK(raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1, NULL,
			 0) == -EINVAL, "unterminated host");
	strcpy(hello.host, "nosuchhost");
	T_CHECK(raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1, NULL,
			 0) == 0, "HELLO");
	T_CHECK(raw_call(s, HCASIM_MSG_PD_ALLOC, NULL, 0, -1, NULL, 0) ==
		-EPROTO, "PD before PORT_OPEN");
	T_CHECK(raw_call(s, HCASIM_MSG_PORT_OPEN, &po, sizeof(po), -1, NULL,
			 0) == -ENODEV, "unknown host opened");
	close(s);
	return 0;
}

/** Bad object numbers, fds and sizes are refused with errors. */
static int
check_objects(void)
{
	struct hcasim_pd_msg pd = { 0 }, bad_pd = { 999 };
	struct hcasim_mr_reg_req mr = { 0 };
	struct hcasim_cq_create_req cq = { 0 };
	struct hcasim_qp_create_req qp = { 0 };
	struct hcasim_qp_modify_req mod = { 0 };
	int s = raw_session(), p[2], mfd, i, ret;

	T_CHECK(s >= 0, "session");
	T_CHECK(raw_call(s, HCASIM_MSG_PD_FREE, &bad_pd, sizeof(bad_pd), -1,
			 NULL, 0) == -EINVAL, "unknown PD freed");
	T_CHECK(raw_call(s, HCASIM_MSG_PD_ALLOC, NULL, 0, -1, &pd,
			 sizeof(pd)) == 0, "PD");
	mr.pdn = pd.pdn;
	mr.va = 0x10000;
	mr.len = 4096;
	T_CHECK(raw_call(s, HCASIM_MSG_MR_REG, &mr, sizeof(mr), -1, NULL, 0) ==
		-EINVAL, "MR without fd");
	T_CHECK(pipe(p) == 0, "pipe");
	T_CHECK(raw_call(s, HCASIM_MSG_MR_REG, &mr, sizeof(mr), p[0], NULL,
			 0) == -EINVAL, "MR on a pipe");
	{
		char path[] = "/var/tmp/hcasim-proto-XXXXXX";
		int dfd = mkstemp(path);

		T_CHECK(dfd >= 0 && ftruncate(dfd, 4096) == 0, "mkstemp");
		unlink(path);
		T_CHECK(raw_call(s, HCASIM_MSG_MR_REG, &mr, sizeof(mr), dfd,
				 NULL, 0) == -EINVAL, "MR on a disk file");
		close(dfd);
	}
	mfd = memfd_create("t", MFD_CLOEXEC);
	T_CHECK(mfd >= 0 && ftruncate(mfd, 4096) == 0, "memfd");
	mr.len = 8192;
	T_CHECK(raw_call(s, HCASIM_MSG_MR_REG, &mr, sizeof(mr), mfd, NULL,
			 0) == -EINVAL, "MR beyond the file");
	mr.len = 4096;
	mr.va = UINT64_MAX - 100;
	T_CHECK(raw_call(s, HCASIM_MSG_MR_REG, &mr, sizeof(mr), mfd, NULL,
			 0) == -EINVAL, "MR wrapping the address space");
	T_CHECK(raw_call(s, HCASIM_MSG_CQ_CREATE, &cq, sizeof(cq), -1, NULL,
			 0) == -EINVAL, "CQ of 0 entries");
	cq.min_cqe = 1u << 30;
	T_CHECK(raw_call(s, HCASIM_MSG_CQ_CREATE, &cq, sizeof(cq), -1, NULL,
			 0) == -EINVAL, "huge CQ");
	qp.pdn = pd.pdn;
	qp.send_cqn = qp.recv_cqn = 5;
	qp.sq_wqe_cnt = qp.rq_wqe_cnt = 16;
	T_CHECK(raw_call(s, HCASIM_MSG_QP_CREATE, &qp, sizeof(qp), -1, NULL,
			 0) == -EINVAL, "QP on unknown CQs");
	mod.qpn = 0x4000;
	mod.state = 1;
	T_CHECK(raw_call(s, HCASIM_MSG_QP_MODIFY, &mod, sizeof(mod), -1, NULL,
			 0) == -EINVAL, "modify of a QP not ours");
	for (i = 0; i < 200; i++) {
		ret = raw_call(s, HCASIM_MSG_PD_ALLOC, NULL, 0, -1, &pd,
			       sizeof(pd));
		if (ret != 0)
			break;
	}
	T_CHECK(ret == -ENOSPC && i < 200, "PD limit: %d after %d", ret, i);
	close(p[0]);
	close(p[1]);
	close(mfd);
	close(s);
	return 0;
}

/** After all that, a normal client still works end to end. */
static int
check_still_serving(void)
{
	struct t_host a, b;
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 c;
	uint8_t *dst;
	int ret = -1;

	if (t_host_open(&a, "host1") < 0 || t_host_open(&b, "host2") < 0 ||
	    t_qp_ready(a.qp, 0x77, 0) < 0 || t_qp_ready(b.qp, 0x77, 0) < 0)
		goto out;
	dst = t_recv_post(&b, b.qp);
	memcpy(t_send_area(&a), "still here", 10);
	t_av(&av, &b, b.qp, 0x77);
	t_send(&a, a.qp, &av, t_send_area(&a), 10, false, false);
	if (t_poll(b.rcq, 3000, &c) != 0 ||
	    memcmp(dst + HCA_GRH_LEN, "still here", 10) != 0) {
		fprintf(stderr, "FAIL: daemon no longer serving\n");
		goto out;
	}
	ret = 0;
out:
	t_host_close(&a);
	t_host_close(&b);
	return ret;
}

/** Entry point. */
int
main(void)
{
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	const char *tool = getenv("IPOIB_FABRIC_TOOL");

	if (getenv("HCASIM_SOCKET") == NULL && getenv("SIM_HOST") == NULL &&
	    dir != NULL && tool != NULL) {
		static char self[4096];
		ssize_t len = readlink("/proc/self/exe", self,
				       sizeof(self) - 1);

		/* umad2sim leaves a sys-PID directory in the cwd */
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
	t_act_as("host1"); /* the shared socket: any host may be named */
	if (check_framing() < 0 || check_order() < 0 ||
	    check_objects() < 0 || check_still_serving() < 0)
		return 1;
	printf("proto: every bad request refused, daemon still serving\n");
	return 0;
}
