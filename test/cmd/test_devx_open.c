/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * What of the DevX backend runs without a ConnectX: the route
 * hca_dev_open() picks (a PCI address is the VFIO route, any other name
 * the kernel route), the failure of a device that does not exist
 * (-ENODEV, and a log line naming the device and the route), and which
 * DevX call each firmware command goes through.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hca_cmd.h"
#include "hca_dev.h"
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
	hca_log_set_handler(NULL);
	if (failures != 0) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("devx_open: all checks passed\n");
	return 0;
}
