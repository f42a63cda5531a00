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
#include "hcasim_rawcmd.h"
#include "hca_cmd.h"

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
	/* 4 was PD_ALLOC, a retired message: now an unknown type */
	s = raw_connect();
	T_CHECK(s >= 0 && raw_call(s, 4, NULL, 0, -1, NULL, 0) == 1,
		"retired type not dropped");
	close(s);
	s = raw_connect();
	T_CHECK(s >= 0 && raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello),
				   0, NULL, 0) == 1,
		"fd on HELLO not dropped");
	close(s);
	return 0;
}

/**
 * Requests out of order or with bad versions are refused: a command
 * before HELLO or before PORT_OPEN is refused in the header (-EPROTO).
 */
static int
check_order(void)
{
	struct hcasim_hello_req hello = { 99, 1, "host1" };
	struct hcasim_port_open_req po = { "", 1 };
	uint8_t in[64], out[HCASIM_BODY_MAX];
	size_t olen;
	int s = raw_connect(), len = hca_cmd_alloc_pd_in(in, sizeof(in), 0);

	T_CHECK(s >= 0 && len > 0, "connect");
	T_CHECK(rawcmd_exec(s, in, (size_t)len, out, &olen) == -EPROTO,
		"ALLOC_PD before HELLO");
	T_CHECK(raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1, NULL,
			 0) == -EPROTONOSUPPORT, "wrong version");
	memset(hello.host, 'x', sizeof(hello.host));
	hello.version = HCASIM_PROTO_VERSION;
	T_CHECK(raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1, NULL,
			 0) == -EINVAL, "unterminated host");
	strcpy(hello.host, "nosuchhost");
	T_CHECK(raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1, NULL,
			 0) == 0, "HELLO");
	T_CHECK(rawcmd_exec(s, in, (size_t)len, out, &olen) == -EPROTO,
		"ALLOC_PD before PORT_OPEN");
	T_CHECK(raw_call(s, HCASIM_MSG_PORT_OPEN, &po, sizeof(po), -1, NULL,
			 0) == -ENODEV, "unknown host opened");
	close(s);
	return 0;
}

/**
 * Memory that cannot be registered: no fd, a pipe, a disk file, a range
 * past the file (UMEM_REG: -EINVAL in the header); an mkey whose range
 * wraps the address space (CREATE_MKEY: BAD_PARAM).
 */
static int
check_memory(int s, struct rawcmd_arena *a, uint32_t pdn)
{
	struct hcasim_umem_reg_req req = { 4096, 0 };
	char path[] = "/var/tmp/hcasim-proto-XXXXXX";
	uint32_t syn = 0, index;
	int p[2], dfd, mfd, ret;

	T_CHECK(raw_call(s, HCASIM_MSG_UMEM_REG, &req, sizeof(req), -1, NULL,
			 0) == -EINVAL, "UMEM without fd");
	T_CHECK(pipe(p) == 0, "pipe");
	ret = raw_call(s, HCASIM_MSG_UMEM_REG, &req, sizeof(req), p[0], NULL,
		       0);
	close(p[0]);
	close(p[1]);
	T_CHECK(ret == -EINVAL, "UMEM on a pipe: %d", ret);
	dfd = mkstemp(path);
	T_CHECK(dfd >= 0 && ftruncate(dfd, 4096) == 0, "mkstemp");
	unlink(path);
	ret = raw_call(s, HCASIM_MSG_UMEM_REG, &req, sizeof(req), dfd, NULL,
		       0);
	close(dfd);
	T_CHECK(ret == -EINVAL, "UMEM on a disk file: %d", ret);
	mfd = memfd_create("t", MFD_CLOEXEC);
	T_CHECK(mfd >= 0 && ftruncate(mfd, 4096) == 0, "memfd");
	req.len = 8192;
	ret = raw_call(s, HCASIM_MSG_UMEM_REG, &req, sizeof(req), mfd, NULL,
		       0);
	close(mfd);
	T_CHECK(ret == -EINVAL, "UMEM beyond the file: %d", ret);
	ret = rawcmd_mkey(a, pdn, UINT64_MAX - 100, 4096, &index, &syn);
	T_CHECK(ret == HCA_STATUS_BAD_PARAM && syn == RAWCMD_SYN_MKEY_LEN,
		"mkey wrapping the address space: status %#x syndrome %#x",
		ret, syn);
	return 0;
}

/**
 * Bad object numbers and sizes are refused with the status and syndrome
 * doc/hcasim.md gives; PDs run out after the client's 64.
 */
static int
check_objects(void)
{
	struct hca_cmd_qp_modify m = { .qpn = 0x4000, .q_key = 1,
				       .port_num = 1 };
	uint8_t in[512];
	struct rawcmd_arena a;
	uint32_t pdn = 0, syn = 0, cqn, qpn;
	int s = rawcmd_session(NULL, "host1", NULL, NULL), i, ret;

	T_CHECK(s >= 0, "session");
	T_CHECK(rawcmd_arena_init(&a, s, 1 << 16) == 0, "arena");
	if (rawcmd_refused(s, in, hca_cmd_dealloc_pd_in(in, sizeof(in), 0,
			   999), HCA_STATUS_BAD_RESOURCE, RAWCMD_SYN_PD,
			   "unknown PD freed") < 0)
		goto fail;
	T_CHECK(rawcmd_pd(s, &pdn, NULL) == HCA_STATUS_OK, "PD");
	if (check_memory(s, &a, pdn) < 0)
		goto fail;
	ret = rawcmd_cq(&a, 0, &cqn, &syn);
	T_CHECK(ret == HCA_STATUS_BAD_SIZE && syn == RAWCMD_SYN_CQ_SIZE,
		"CQ of log size 0: status %#x syndrome %#x", ret, syn);
	{
		/* a huge CQ: its ring need not fit, the size is judged first */
		struct hca_cmd_cq cq = { .log_cq_size = 30,
			.cq_umem_id = a.umem, .dbr_umem_id = a.umem,
			.dbr_addr = 0x8000 };

		if (rawcmd_refused(s, in, hca_cmd_create_cq_in(in, sizeof(in),
				   &cq), HCA_STATUS_BAD_SIZE,
				   RAWCMD_SYN_CQ_SIZE, "huge CQ") < 0)
			goto fail;
	}
	ret = rawcmd_qp(&a, pdn, 5, &qpn, &syn);
	T_CHECK(ret == HCA_STATUS_BAD_RESOURCE && syn == RAWCMD_SYN_CQ,
		"QP on unknown CQs: status %#x syndrome %#x", ret, syn);
	if (rawcmd_refused(s, in, hca_cmd_rst2init_qp_in(in, sizeof(in), &m),
			   HCA_STATUS_BAD_RESOURCE, RAWCMD_SYN_QP,
			   "modify of a QP not ours") < 0)
		goto fail;
	for (i = 0; i < 200; i++) {
		ret = rawcmd_pd(s, &pdn, &syn);
		if (ret != HCA_STATUS_OK)
			break;
	}
	T_CHECK(ret == HCA_STATUS_NO_RESOURCES && syn == RAWCMD_SYN_PD_FULL &&
		i < 200, "PD limit: status %#x syndrome %#x after %d", ret,
		syn, i);
	rawcmd_arena_fini(&a);
	close(s);
	return 0;
fail:
	rawcmd_arena_fini(&a);
	close(s);
	return -1;
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
