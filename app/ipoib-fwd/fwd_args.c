/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Command line of ipoib-fwd (after EAL's arguments and "--").
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"
#include "fwd_args.h"
#include "fwd_config.h"
#include "fwd_engines.h"

/**
 * Print the usage message.
 *
 * @param out  stdout when asked for (--help), stderr after a bad argument
 */
void
fwd_usage(FILE *out)
{
	char names[128];

	fwd_engine_names(names, sizeof(names), "|");
	fprintf(out,
"usage: " FWD_NAME " [EAL options] -- [options]\n"
"  --mode %-18s forwarding mode (default %s)\n"
"  --config FILE             config file (addr/route/pair/peer/... lines)\n"
"  --addr PORT,ADDR/LEN      an address of a port (l3; repeatable)\n"
"  --route PREFIX,via=GW[,port=N] | PREFIX,port=N   a route (repeatable)\n"
"  --pairs A:B[,C:D...]      io mode port pairs (default 0:1,2:3...;\n"
"                            one port alone pairs with itself)\n"
"  --peer PORT,MAC|IPOIB     io mode: destination of packets sent on PORT\n"
"                            (a MAC for Ethernet ports, 40 hex digits of\n"
"                            an IPoIB address for raw net_ipoib ports)\n"
"  --burst N                 burst size, 1..%d (default 32)\n"
"  --mbufs N                 mbufs in the pool (default 16383)\n"
"  --rxd N, --txd N          descriptors per queue (default 1024)\n"
"  --stats-period S          seconds between stats lines, 0 = none (1)\n"
"  --stats-json FILE         write statistics as JSON to FILE\n"
"  --duration S              stop after S seconds (default: on a signal)\n"
"  --icmp-rate N             ICMP errors per second per lcore (100)\n"
"  --pending N               packets held per unresolved next hop (16)\n"
"  --link-timeout S          seconds to wait for links to come up (10)\n",
		names, fwd_engines[0]->name, FWD_MAX_BURST);
}

/**
 * Parse "A:B,C:D" into port pairs.
 *
 * @return 0 or -EINVAL
 */
static int
parse_pairs(const char *arg)
{
	char buf[256], *save = NULL, *t, *colon;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	for (t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		colon = strchr(t, ':');
		if (colon == NULL)
			return -EINVAL;
		*colon = '\0';
		if (fwd_set_pair(t, colon + 1) != 0)
			return -EINVAL;
	}
	return 0;
}

/**
 * Split "PORT,REST" at the first comma.
 *
 * @return REST, or NULL when there is no comma
 */
static char *
split_port(char *arg)
{
	char *c = strchr(arg, ',');

	if (c == NULL)
		return NULL;
	*c = '\0';
	return c + 1;
}

/**
 * Parse "--route PREFIX,via=GW,port=N".
 *
 * @return 0 or -EINVAL (message printed)
 */
static int
parse_route_arg(char *arg)
{
	char *tok[8], *save = NULL, *t, err[256];
	unsigned int n = 0;

	for (t = strtok_r(arg, ",", &save); t != NULL && n < 8;
	     t = strtok_r(NULL, ",", &save))
		tok[n++] = t;
	if (fwd_parse_route(tok, n, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: --route: %s\n", FWD_NAME, err);
		return -EINVAL;
	}
	return 0;
}

/**
 * Parse "--addr PORT,ADDR/LEN".
 *
 * @return 0 or -EINVAL (message printed)
 */
static int
parse_addr_arg(char *arg)
{
	char *rest = split_port(arg), err[256];
	int port = fwd_parse_port_index(arg);

	if (rest == NULL || port < 0) {
		fprintf(stderr, "%s: --addr: want PORT,ADDR/LEN with PORT "
			"below %u\n", FWD_NAME, fwd_cfg.nb_ports);
		return -EINVAL;
	}
	if (fwd_parse_port_addr(port, rest, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: --addr: %s\n", FWD_NAME, err);
		return -EINVAL;
	}
	return 0;
}

/**
 * Parse an unsigned option value in [min, max].
 *
 * @return 0, or -EINVAL (message printed)
 */
static int
uint_arg(const char *name, const char *s, unsigned int min, unsigned int max,
	 unsigned int *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 0);
	if (*s == '-' || errno != 0 || end == s || *end != '\0' || x < min ||
	    x > max) {
		fprintf(stderr, "%s: --%s: \"%s\" is not a number in %u..%u\n",
			FWD_NAME, name, s, min, max);
		return -EINVAL;
	}
	*v = (unsigned int)x;
	return 0;
}

enum {
	OPT_MODE = 256, OPT_CONFIG, OPT_ADDR, OPT_ROUTE, OPT_PAIRS, OPT_PEER,
	OPT_BURST, OPT_MBUFS, OPT_RXD, OPT_TXD, OPT_STATS_PERIOD,
	OPT_STATS_JSON, OPT_DURATION, OPT_ICMP_RATE, OPT_PENDING,
	OPT_LINK_TIMEOUT,
};

static const struct option long_opts[] = {
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "route", required_argument, NULL, OPT_ROUTE },
	{ "pairs", required_argument, NULL, OPT_PAIRS },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "stats-period", required_argument, NULL, OPT_STATS_PERIOD },
	{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "icmp-rate", required_argument, NULL, OPT_ICMP_RATE },
	{ "pending", required_argument, NULL, OPT_PENDING },
	{ "link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/**
 * Apply one option.
 *
 * @return 0, or -EINVAL (message printed)
 */
static int
apply_option(int opt, char *arg)
{
	char *rest, names[128];

	switch (opt) {
	case OPT_MODE:
		if (fwd_set_mode(arg) == 0)
			return 0;
		fwd_engine_names(names, sizeof(names), ", ");
		fprintf(stderr, "%s: --mode: unknown mode \"%s\" (%s)\n",
			FWD_NAME, arg, names);
		return -EINVAL;
	case OPT_CONFIG:
		fwd_cfg.config_file = arg;
		return 0;
	case OPT_ADDR:
		return parse_addr_arg(arg);
	case OPT_ROUTE:
		return parse_route_arg(arg);
	case OPT_PAIRS:
		if (parse_pairs(arg) == 0)
			return 0;
		fprintf(stderr, "%s: --pairs: want A:B[,C:D] with ports below "
			"%u\n", FWD_NAME, fwd_cfg.nb_ports);
		return -EINVAL;
	case OPT_PEER:
		rest = split_port(arg);
		if (rest != NULL && fwd_set_peer(arg, rest) == 0)
			return 0;
		fprintf(stderr, "%s: --peer: want PORT,MAC or PORT,<40 hex "
			"digits> with PORT below %u\n", FWD_NAME,
			fwd_cfg.nb_ports);
		return -EINVAL;
	case OPT_BURST:
		return uint_arg("burst", arg, 1, FWD_MAX_BURST, &fwd_cfg.burst);
	case OPT_MBUFS:
		return uint_arg("mbufs", arg, 1024, 4u << 20,
				&fwd_cfg.nb_mbufs);
	case OPT_RXD:
		return uint_arg("rxd", arg, 32, 16384, &fwd_cfg.rxd);
	case OPT_TXD:
		return uint_arg("txd", arg, 32, 16384, &fwd_cfg.txd);
	case OPT_STATS_PERIOD:
		return uint_arg("stats-period", arg, 0, 3600,
				&fwd_cfg.stats_period);
	case OPT_STATS_JSON:
		fwd_cfg.stats_json = arg;
		return 0;
	case OPT_DURATION:
		return uint_arg("duration", arg, 1, 1u << 30,
				&fwd_cfg.duration);
	case OPT_ICMP_RATE:
		return uint_arg("icmp-rate", arg, 0, 1000000,
				&fwd_cfg.icmp_rate);
	case OPT_PENDING:
		return uint_arg("pending", arg, 1, 1024, &fwd_cfg.pending);
	case OPT_LINK_TIMEOUT:
		return uint_arg("link-timeout", arg, 0, 600,
				&fwd_cfg.link_timeout);
	default:
		fwd_usage(stderr);
		return -EINVAL;
	}
}

/**
 * Parse the application's arguments; the config file is read first so
 * that the command line adds to it.
 *
 * @param argc, argv  what follows EAL's arguments
 * @return 0, 1 for --help, or -EINVAL (message printed)
 */
int
fwd_parse_args(int argc, char **argv)
{
	int opt, i;

	fwd_config_defaults();
	/* the config file first: find it */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			fwd_cfg.config_file = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			fwd_cfg.config_file = argv[i] + 9;
	}
	if (fwd_cfg.config_file != NULL &&
	    fwd_config_load(fwd_cfg.config_file) != 0)
		return -EINVAL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			fwd_usage(stdout);
			return 1;
		}
		if (opt == OPT_CONFIG)
			continue;
		if (opt == '?' || apply_option(opt, optarg) != 0) {
			if (opt == '?')
				fwd_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", FWD_NAME,
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}
