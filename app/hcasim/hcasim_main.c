/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * hcasim, the soft HCA daemon: command line, start-up and shut-down.
 *
 *   hcasim --net NETFILE --socket PATH [--host-sockets DIR]
 *          [--limit NAME=VALUE]... [--capture FILE] [--cmd-log FILE]
 *          [--drop-rate R]
 *          [--corrupt-rate R] [--seed N] [--sm-key K] [--refresh-ms MS]
 *   hcasim --status --socket PATH
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcasim.h"
#include "hcasim_gsi.h"
#include "hcasim_wire.h"
#include "hcasim_cmd.h"
#include "hca_log.h"

/** Print the usage text. */
static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hcasim --net NETFILE --socket PATH\n"
		"              [--host-sockets DIR] [--limit NAME=VALUE]...\n"
		"              [--capture FILE] [--cmd-log FILE]\n"
		"              [--drop-rate R] [--corrupt-rate R] [--seed N]\n"
		"              [--sm-key K] [--refresh-ms MS] [--allow-forge]\n"
		"              [--no-ipoib-enhanced]\n"
		"       hcasim --status --socket PATH\n"
		"       hcasim --fail-qp QPN[,send] --socket PATH\n"
		"limits: client-qp, client-mr, client-cq, client-mcast,\n"
		"        client-ring-mem, host-clients, host-qp, host-mr,\n"
		"        host-ring-mem (sizes take k/m/g)\n");
}

/** Parse a rate in [0, 1]; false when it is not one. */
static bool
parse_rate(const char *s, double *r)
{
	char *end;

	errno = 0;
	*r = strtod(s, &end);
	return errno == 0 && *end == '\0' && end != s && *r >= 0 && *r <= 1;
}

/** Parse an unsigned number (any base); false when it is not one. */
static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0' && end != s && s[0] != '-';
}

/**
 * Parse --fail-qp QPN[,send] (QPN in any base): the QP enters the error
 * state now, or with ",send" its next send fails.
 *
 * @return false when the argument is not one
 */
static bool
parse_fault(const char *s, struct hcasim_config *cfg)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || v == 0 || v > 0xffffff)
		return false;
	if (*end == '\0')
		cfg->fault_kind = HCASIM_QP_FAULT_NOW;
	else if (strcmp(end, ",send") == 0)
		cfg->fault_kind = HCASIM_QP_FAULT_NEXT_SEND;
	else
		return false;
	cfg->fault_qpn = (uint32_t)v;
	cfg->fault_mode = true;
	return true;
}

/**
 * Parse the command line into cfg.
 *
 * @return 0, 1 (help printed) or -EINVAL
 */
static int
parse_args(int argc, char **argv, struct hcasim_config *cfg)
{
	static const struct option opts[] = {
		{ "net", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "host-sockets", required_argument, NULL, 'H' },
		{ "limit", required_argument, NULL, 'l' },
		{ "capture", required_argument, NULL, 'c' },
		{ "drop-rate", required_argument, NULL, 'd' },
		{ "corrupt-rate", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "sm-key", required_argument, NULL, 'k' },
		{ "refresh-ms", required_argument, NULL, 'm' },
		{ "status", no_argument, NULL, 't' },
		{ "fail-qp", required_argument, NULL, 'f' },
		{ "allow-forge", no_argument, NULL, 'F' },
		{ "no-ipoib-enhanced", no_argument, NULL, 'E' },
		{ "cmd-log", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int o;

	cfg->sm_key = 1; /* opensm's default */
	cfg->refresh_ms = 1000;
	hcasim_limits_default(&cfg->limits);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'n': cfg->net_file = optarg; break;
		case 's': cfg->socket_path = optarg; break;
		case 'H': cfg->host_sockets = optarg; break;
		case 'l':
			if (hcasim_limit_parse(&cfg->limits, optarg) < 0) {
				fprintf(stderr, "hcasim: bad limit %s\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'c': cfg->capture = optarg; break;
		case 't': cfg->status_mode = true; break;
		case 'f':
			if (!parse_fault(optarg, cfg))
				return -EINVAL;
			break;
		case 'F': cfg->allow_forge = true; break;
		case 'E': cfg->no_ipoib_enhanced = true; break;
		case 'C': cfg->cmd_log = optarg; break;
		case 'd':
			if (!parse_rate(optarg, &cfg->drop_rate))
				return -EINVAL;
			break;
		case 'r':
			if (!parse_rate(optarg, &cfg->corrupt_rate))
				return -EINVAL;
			break;
		case 'S':
			if (!parse_u64(optarg, &cfg->seed))
				return -EINVAL;
			break;
		case 'k':
			if (!parse_u64(optarg, &cfg->sm_key))
				return -EINVAL;
			break;
		case 'm':
			if (!parse_u64(optarg, &v) || v < 10 || v > 3600000)
				return -EINVAL;
			cfg->refresh_ms = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || cfg->socket_path == NULL ||
	    (!cfg->status_mode && !cfg->fault_mode && cfg->net_file == NULL))
		return -EINVAL;
	return 0;
}

/** Create the wire model when a capture or a fault is asked for. */
static int
wire_setup(struct hcasim *h)
{
	struct hcasim_wire_config wc = {
		.capture_path = h->cfg.capture,
		.drop_rate = h->cfg.drop_rate,
		.corrupt_rate = h->cfg.corrupt_rate,
		.seed = h->cfg.seed,
	};
	int err = 0;

	if (wc.capture_path == NULL && wc.drop_rate == 0 &&
	    wc.corrupt_rate == 0)
		return 0;
	h->wire = hcasim_wire_create(&wc, &err);
	return h->wire != NULL ? 0 : (err < 0 ? err : -EIO);
}

/** Run the daemon until a signal stops it. */
static int
daemon_run(struct hcasim *h)
{
	int ret;

	ret = hcasim_ports_load(h, h->cfg.net_file);
	if (ret < 0) {
		HCA_LOG(ERR, "hcasim: cannot read HCAs from %s: %s",
			h->cfg.net_file, strerror(-ret));
		return ret;
	}
	hcasim_idents_build(h);
	hcasim_mcg_init(h);
	if (h->cfg.cmd_log != NULL && hcasim_cmd_log_open(h->cfg.cmd_log) < 0) {
		HCA_LOG(ERR, "hcasim: cannot write %s", h->cfg.cmd_log);
		return -EIO;
	}
	ret = wire_setup(h);
	if (ret < 0) {
		HCA_LOG(ERR, "hcasim: wire setup failed: %s", strerror(-ret));
		return ret;
	}
	ret = hcasim_event_init(h);
	if (ret < 0) {
		HCA_LOG(ERR, "hcasim: event queue: %s", strerror(-ret));
		return ret;
	}
	ret = hcasim_addr_start(h);
	if (ret < 0) {
		HCA_LOG(ERR, "hcasim: SA client failed: %s", strerror(-ret));
		return ret;
	}
	ret = hcasim_dp_start(h);
	if (ret == 0) {
		ret = hcasim_gsi_start(h);
		if (ret == 0)
			ret = hcasim_ctl_run(h);
		hcasim_gsi_stop(h);
		hcasim_dp_stop(h);
		hcasim_gsi_free(h);
	}
	h->stop = 1;
	hcasim_addr_stop(h);
	hcasim_event_fini(h);
	hcasim_wire_destroy(h->wire);
	hcasim_cmd_log_close();
	return ret;
}

/** Entry point. */
int
main(int argc, char **argv)
{
	static struct hcasim h; /* big tables: not on the stack */
	int ret = parse_args(argc, argv, &h.cfg);

	if (ret == 1)
		return 0;
	if (ret < 0) {
		usage(stderr);
		return 2;
	}
	if (h.cfg.status_mode)
		return hcasim_status_print(h.cfg.socket_path) < 0 ? 1 : 0;
	if (h.cfg.fault_mode)
		return hcasim_qp_fault_send(h.cfg.socket_path, h.cfg.fault_qpn,
					    h.cfg.fault_kind) < 0 ? 1 : 0;
	pthread_mutex_init(&h.ports_lock, NULL);
	return daemon_run(&h) < 0 ? 1 : 0;
}
