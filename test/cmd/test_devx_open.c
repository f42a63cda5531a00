/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * What of the DevX backend runs without a ConnectX: the route
 * hca_dev_open() picks (a PCI address is the VFIO route, any other name
 * the kernel route), the failure of a device that does not exist
 * (-ENODEV, and a log line naming the device and the route), which
 * DevX call each firmware command goes through, the exact output length
 * each command is executed with, the translation of a DevX event
 * channel's entry (a synthetic one: cookie, then the device's entry)
 * into the device API's QP and CQ errors, and the device's liveness as
 * fatal events move it.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>

#include "hca_cmd.h"
#include "hca_dev.h"
#include "hca_devx_event.h"
#include "hca_devx_transport.h"
#include "hca_log.h"

static int failures;

/** Count and report a failed check. */
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, \
			#cond); \
		failures++; \
	} \
} while (0)

/** The log lines of the call under test. */
static char logged[4096];

/** Keep this layer's log lines. */
static void
keep_log(int level, const char *msg)
{
	(void)level;
	strncat(logged, msg, sizeof(logged) - strlen(logged) - 1);
}

/** hca_dev_name_is_pci(): the DDDD:BB:DD.F form only. */
static void
test_pci_form(void)
{
	CHECK(hca_dev_name_is_pci("0000:99:00.0"));
	CHECK(hca_dev_name_is_pci("0000:af:00.7"));
	CHECK(!hca_dev_name_is_pci("mlx5_0"));
	CHECK(!hca_dev_name_is_pci("99:00.0"));
	CHECK(!hca_dev_name_is_pci("0000:99:00.0x"));
	CHECK(!hca_dev_name_is_pci("0000:99:0g.0"));
	CHECK(!hca_dev_name_is_pci(NULL));
}

/**
 * Open a device that does not exist, by one route: -ENODEV and a log
 * line holding want.
 */
static void
test_open_missing(const char *name, const char *want)
{
	struct hca_dev *dev = NULL;
	int ret;

	logged[0] = '\0';
	ret = hca_dev_open(name, 1, &dev);
	printf("hca_dev_open(%s) = %d; log: %s", name, ret, logged);
	CHECK(ret == -ENODEV);
	CHECK(dev == NULL);
	CHECK(strstr(logged, want) != NULL);
}

/** Which DevX call carries each command. */
static void
test_routes(void)
{
	CHECK(hca_devx_cmd_route(HCA_CMD_CREATE_QP) == 'c');
	CHECK(hca_devx_cmd_route(HCA_CMD_DESTROY_QP) == 'd');
	CHECK(hca_devx_cmd_route(HCA_CMD_RST2INIT_QP) == 'm');
	CHECK(hca_devx_cmd_route(HCA_CMD_ATTACH_TO_MCG) == 'm');
	CHECK(hca_devx_cmd_route(HCA_CMD_CREATE_CQ) == 'c');
	CHECK(hca_devx_cmd_route(HCA_CMD_DESTROY_MKEY) == 'd');
	CHECK(hca_devx_cmd_route(HCA_CMD_SET_FLOW_TABLE_ENTRY) == 'c');
	CHECK(hca_devx_cmd_route(HCA_CMD_DELETE_FLOW_TABLE_ENTRY) == 'd');
	CHECK(hca_devx_cmd_route(HCA_CMD_SET_FLOW_TABLE_ROOT) == 'm');
	CHECK(hca_devx_cmd_route(HCA_CMD_QUERY_HCA_CAP) == 'g');
	CHECK(hca_devx_cmd_route(HCA_CMD_QUERY_HCA_VPORT_CONTEXT) == 'g');
	CHECK(hca_devx_cmd_route(HCA_CMD_ACCESS_REG) == 'g');
}

/** The exact output length of the command encoded in in (len bytes). */
static size_t
out_len_of(const uint8_t *in, int len)
{
	CHECK(len > 0);
	return len > 0 ? hca_cmd_out_len(in, (size_t)len, 8, 128) : 0;
}

/**
 * Every encoder's command has the output length of the PRM (Linux's
 * mlx5_ifc.h *_out sizes; rdma-core's scapy classes where it has them),
 * and the DevX transport passes exactly that, whatever the caller's
 * buffer.
 */
static void
test_out_lens(void)
{
	static const uint8_t mgid[16] = { 0xff, 0x12, 0x40, 0x1b };
	struct hca_cmd_query_cap q = { .cap_type = HCA_CAP_TYPE_GENERAL,
				       .current = true };
	struct hca_cmd_vport_query vq = { .port_num = 1 };
	struct hca_cmd_qp_modify m = { .qpn = 0x12 };
	struct hca_devx_transport dt;
	uint8_t in[1024];

	CHECK(out_len_of(in, hca_cmd_query_hca_cap_in(in, sizeof(in), &q))
	      == 16 + 4096);
	CHECK(out_len_of(in, hca_cmd_query_vport_ctx_in(in, sizeof(in), &vq))
	      == 16 + 512);
	vq.index = 0;
	CHECK(out_len_of(in, hca_cmd_query_vport_gid_in(in, sizeof(in), &vq))
	      == 16 + 16);
	CHECK(out_len_of(in, hca_cmd_query_vport_pkey_in(in, sizeof(in),
							 &vq)) == 16 + 4);
	vq.index = HCA_VPORT_INDEX_ALL;
	CHECK(out_len_of(in, hca_cmd_query_vport_gid_in(in, sizeof(in), &vq))
	      == 16 + 8 * 16);
	CHECK(out_len_of(in, hca_cmd_query_vport_pkey_in(in, sizeof(in),
							 &vq)) == 16 + 128 * 4);
	/* a whole table of unknown size: no length */
	CHECK(hca_cmd_out_len(in, (size_t)hca_cmd_query_vport_pkey_in(in,
			      sizeof(in), &vq), 0, 0) == 0);
	CHECK(out_len_of(in, hca_cmd_query_pmtu_in(in, sizeof(in), 0, 1)) ==
	      16 + 16);
	CHECK(out_len_of(in, hca_cmd_alloc_pd_in(in, sizeof(in), 0)) == 16);
	CHECK(out_len_of(in, hca_cmd_dealloc_pd_in(in, sizeof(in), 0, 3)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_destroy_mkey_in(in, sizeof(in), 0, 3))
	      == 16);
	CHECK(out_len_of(in, hca_cmd_destroy_cq_in(in, sizeof(in), 0, 3)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_destroy_qp_in(in, sizeof(in), 0, 3)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_rst2init_qp_in(in, sizeof(in), &m)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_init2rtr_qp_in(in, sizeof(in), &m)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_qp_2err_in(in, sizeof(in), 0, 3)) == 16);
	CHECK(out_len_of(in, hca_cmd_qp_2rst_in(in, sizeof(in), 0, 3)) == 16);
	CHECK(out_len_of(in, hca_cmd_query_qp_in(in, sizeof(in), 0, 3)) ==
	      272);
	CHECK(out_len_of(in, hca_cmd_attach_mcg_in(in, sizeof(in), 0, 3,
						   mgid)) == 16);
	CHECK(out_len_of(in, hca_cmd_detach_mcg_in(in, sizeof(in), 0, 3,
						   mgid)) == 16);
	CHECK(out_len_of(in, hca_cmd_modify_sq_in(in, sizeof(in), 0, 3,
			 HCA_WQ_STATE_RST, HCA_WQ_STATE_RDY)) == 16);
	CHECK(out_len_of(in, hca_cmd_modify_rq_in(in, sizeof(in), 0, 3,
			 HCA_WQ_STATE_RST, HCA_WQ_STATE_RDY)) == 16);
	CHECK(out_len_of(in, hca_cmd_destroy_sq_in(in, sizeof(in), 0, 3)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_destroy_rq_in(in, sizeof(in), 0, 3)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_destroy_tis_in(in, sizeof(in), 0, 3)) ==
	      16);
	CHECK(out_len_of(in, hca_cmd_destroy_rqt_in(in, sizeof(in), 0, 3)) ==
	      16);
	/* an opcode hca_prm.h does not know, a header cut short */
	memset(in, 0, 16);
	in[0] = 0x7f;
	CHECK(hca_cmd_out_len(in, 16, 8, 128) == 0);
	CHECK(hca_cmd_out_len(in, 4, 8, 128) == 0);
	/* the transport: the exact length, not the caller's 2048 */
	memset(&dt, 0, sizeof(dt));
	hca_devx_transport_set_tables(&dt, 16, 256);
	CHECK(hca_devx_out_len(&dt, in, (size_t)hca_cmd_qp_2rst_in(in,
			       sizeof(in), 0, 3), 2048) == 16);
	CHECK(hca_devx_out_len(&dt, in, (size_t)hca_cmd_query_hca_cap_in(in,
			       sizeof(in), &q), 2048) == 4112);
	CHECK(hca_devx_out_len(&dt, in,
			       (size_t)hca_cmd_query_vport_pkey_in(in,
			       sizeof(in), &vq), 2048) == 16 + 256 * 4);
	in[0] = 0x7f;
	in[1] = 0;
	CHECK(hca_devx_out_len(&dt, in, 16, 2048) == 2048);
}

/**
 * A synthetic event channel read: the cookie of a subscription, then
 * an event queue entry of type, with num where that type carries its
 * queue number (wq_type: the queue kind of a QP error).
 */
static size_t
channel_read(uint8_t *buf, uint64_t cookie, uint8_t type, uint8_t wq_type,
	     uint32_t num)
{
	uint8_t *e = buf + sizeof(cookie);
	size_t off = type == HCA_EQE_TYPE_CQ_ERROR ? HCA_EQE_CQ_NUM_BYTE :
		     HCA_EQE_WQ_NUM_BYTE;

	memset(buf, 0, sizeof(cookie) + HCA_CMD_EQE_LEN);
	memcpy(buf, &cookie, sizeof(cookie));
	e[HCA_EQE_TYPE_OFF] = type;
	if (type != HCA_EQE_TYPE_CQ_ERROR)
		e[HCA_EQE_DATA_OFF + HCA_EQE_WQ_TYPE_BYTE] = wq_type;
	e[HCA_EQE_DATA_OFF + off + 1] = (uint8_t)(num >> 16);
	e[HCA_EQE_DATA_OFF + off + 2] = (uint8_t)(num >> 8);
	e[HCA_EQE_DATA_OFF + off + 3] = (uint8_t)num;
	e[HCA_EQE_OWNER_OFF] = 1;
	return sizeof(cookie) + HCA_CMD_EQE_LEN;
}

/**
 * Translate a synthetic channel read and decode it: want_ret from the
 * translation, then (when 1) the event type and object number.
 */
static void
check_event(char kind, uint32_t sub_num, uint8_t type, uint8_t wq_type,
	    uint32_t num, int want_ret, enum hca_event_type want_type)
{
	uint8_t buf[8 + HCA_CMD_EQE_LEN], eqe[HCA_CMD_EQE_LEN];
	struct hca_event ev;
	size_t n;
	int ret;

	n = channel_read(buf, hca_devx_event_cookie(kind, sub_num), type,
			 wq_type, num);
	ret = hca_devx_event_translate(buf, n, eqe);
	if (ret != want_ret)
		fprintf(stderr, "translate %c 0x%x type 0x%x: %d, want %d\n",
			kind, num, type, ret, want_ret);
	CHECK(ret == want_ret);
	if (ret != 1)
		return;
	hca_devx_eqe_decode(eqe, 1, &ev);
	CHECK(ev.type == want_type);
	CHECK(ev.obj_num == num);
	CHECK(ev.eqe_type == type);
	CHECK(ev.port_num == 1);
	CHECK(hca_devx_eqe_wq_type(eqe) == wq_type);
}

/** QP, SQ, RQ and CQ errors from the event channel, and what is refused. */
static void
test_event_translation(void)
{
	uint8_t buf[8 + HCA_CMD_EQE_LEN], eqe[HCA_CMD_EQE_LEN];
	uint16_t types[HCA_DEVX_EVENT_TYPES_MAX];
	struct hca_event ev;

	/* the subscriptions: what the kernel allows per kind of queue */
	CHECK(hca_devx_event_types('Q', types) == 3);
	CHECK(types[0] == 0x05 && types[1] == 0x10 && types[2] == 0x11);
	CHECK(hca_devx_event_types('S', types) == 1 && types[0] == 0x05);
	CHECK(hca_devx_event_types('R', types) == 1 && types[0] == 0x05);
	CHECK(hca_devx_event_types('C', types) == 1 && types[0] == 0x04);
	CHECK(hca_devx_event_types('P', types) == 0);

	check_event('Q', 0x1234, HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_WQ_TYPE_QP, 0x1234, 1, HCA_EVENT_QP_FATAL);
	check_event('Q', 0xabcdef, HCA_EQE_TYPE_WQ_INVAL_REQ_ERROR,
		    HCA_EQE_WQ_TYPE_QP, 0xabcdef, 1, HCA_EVENT_QP_FATAL);
	check_event('Q', 0x77, HCA_EQE_TYPE_WQ_ACCESS_ERROR,
		    HCA_EQE_WQ_TYPE_QP, 0x77, 1, HCA_EVENT_QP_ACCESS_ERR);
	check_event('S', 0x81, HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_WQ_TYPE_SQ, 0x81, 1, HCA_EVENT_QP_FATAL);
	check_event('R', 0x82, HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_WQ_TYPE_RQ, 0x82, 1, HCA_EVENT_QP_FATAL);
	check_event('C', 0x456, HCA_EQE_TYPE_CQ_ERROR, 0, 0x456, 1,
		    HCA_EVENT_CQ_ERR);
	/* another object's entry, a type the kind is not subscribed to,
	 * the wrong kind of queue, an unknown cookie */
	check_event('Q', 0x1234, HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_WQ_TYPE_QP, 0x1235, -EPROTO, 0);
	check_event('C', 0x456, HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_WQ_TYPE_QP, 0x456, -EPROTO, 0);
	check_event('S', 0x81, HCA_EQE_TYPE_WQ_ACCESS_ERROR,
		    HCA_EQE_WQ_TYPE_SQ, 0x81, -EPROTO, 0);
	check_event('Q', 0x81, HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_WQ_TYPE_SQ, 0x81, -EPROTO, 0);
	check_event('X', 0x81, HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_WQ_TYPE_QP, 0x81, -EPROTO, 0);
	/* a read without event data (a channel that omits it) */
	channel_read(buf, hca_devx_event_cookie('Q', 5),
		     HCA_EQE_TYPE_WQ_CATAS_ERROR, HCA_EQE_WQ_TYPE_QP, 5);
	CHECK(hca_devx_event_translate(buf, 8, eqe) == -EINVAL);
	CHECK(hca_devx_event_translate(buf, 8 + HCA_CMD_EQE_LEN - 1, eqe) ==
	      -EINVAL);
	/* a port change decodes as the soft HCA's does */
	memset(eqe, 0, sizeof(eqe));
	eqe[HCA_EQE_TYPE_OFF] = HCA_EQE_TYPE_PORT_CHANGE;
	eqe[HCA_EQE_SUB_TYPE_OFF] = HCA_EQE_PORT_LID_CHANGE;
	eqe[HCA_EQE_DATA_OFF + HCA_EQE_PORT_BYTE] = 2 << HCA_EQE_PORT_SHIFT;
	hca_devx_eqe_decode(eqe, 1, &ev);
	CHECK(ev.type == HCA_EVENT_LID_CHANGE);
	CHECK(ev.port_num == 2);
}

/** The device's liveness as events move it. */
static void
test_alive(void)
{
	static const int kernel_events[] = {
		IBV_EVENT_PORT_ACTIVE, IBV_EVENT_LID_CHANGE,
		IBV_EVENT_DEVICE_FATAL, IBV_EVENT_PORT_ACTIVE,
	};
	static const bool alive_after[] = { true, true, false, false };
	struct hca_devx_transport dt;
	bool alive = true;
	size_t i;

	for (i = 0; i < sizeof(kernel_events) / sizeof(kernel_events[0]);
	     i++) {
		alive = hca_devx_alive_after(alive, kernel_events[i]);
		CHECK(alive == alive_after[i]);
	}
	CHECK(hca_devx_alive_after(true, IBV_EVENT_QP_FATAL));
	CHECK(hca_devx_alive_after(true, IBV_EVENT_PORT_ERR));
	CHECK(!hca_devx_alive_after(true, IBV_EVENT_DEVICE_FATAL));
	CHECK(hca_devx_vfio_alive_after(true, 0));
	CHECK(hca_devx_vfio_alive_after(true, EAGAIN));
	CHECK(hca_devx_vfio_alive_after(true, -EINTR));
	CHECK(!hca_devx_vfio_alive_after(true, EIO));
	CHECK(!hca_devx_vfio_alive_after(false, 0));
	memset(&dt, 0, sizeof(dt));
	CHECK(hca_devx_transport_alive(&dt));
	dt.dead = true;
	CHECK(!hca_devx_transport_alive(&dt));
}

/** Run the checks; "devx_open: all checks passed" or a failure count. */
int
main(void)
{
	unsetenv("HCASIM_SOCKET");
	hca_log_set_handler(keep_log);
	test_pci_form();
	test_open_missing("mlx5_9",
		"mlx5_9: no such RDMA device (kernel route, ibdev=)");
	test_open_missing("0000:99:00.0",
		"0000:99:00.0: no ConnectX function bound to vfio-pci "
		"(VFIO route, pci=)");
	test_routes();
	test_out_lens();
	test_event_translation();
	test_alive();
	hca_log_set_handler(NULL);
	if (failures != 0) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("devx_open: all checks passed\n");
	return 0;
}
