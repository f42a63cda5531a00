/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The configuration of ipoib-fwd: its defaults, the setters the command
 * line and the config file share, routes, port addresses, and the
 * config file.
 *
 * Config file: one statement per line, '#' starts a comment.
 *
 *     mode l3
 *     addr 0 192.0.2.1/24
 *     addr 0 2001:db8:1::1/64
 *     route 203.0.113.0/24 via 198.51.100.2
 *     route 2001:db8:9::/48 port 1
 *     pair 0 1
 *     peer 1 02:00:00:00:00:02
 *     icmp-rate 100
 *     pending 16
 *
 * Errors name the file, the line and the reason.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"
#include "fwd_addr.h"
#include "fwd_config.h"
#include "fwd_engines.h"

#define FWD_MAX_TOKENS 8

/**
 * Set every value to its default (the mode: the first engine), and pair
 * the ports 0:1, 2:3, ... (the last one alone with itself).
 */
void
fwd_config_defaults(void)
{
	unsigned int i;

	fwd_cfg.engine = fwd_engines[0];
	fwd_cfg.burst = 32;
	fwd_cfg.nb_mbufs = 16383;
	fwd_cfg.rxd = 1024;
	fwd_cfg.txd = 1024;
	fwd_cfg.stats_period = 1;
	fwd_cfg.icmp_rate = 100;
	fwd_cfg.pending = 16;
	fwd_cfg.resolve_ms = 500;
	fwd_cfg.resolve_tries = 3;
	fwd_cfg.link_timeout = 10;
	for (i = 0; i < fwd_cfg.nb_ports; i++)
		fwd_cfg.ports[i].pair = (uint16_t)(i ^ 1) <
			fwd_cfg.nb_ports ? (uint16_t)(i ^ 1) : (uint16_t)i;
}

/**
 * Parse a port index (a decimal number naming a configured port).
 *
 * @param s  the text to parse
 * @return the index, or -1 when it is not a number naming a port
 */
int
fwd_parse_port_index(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 ||
	    v >= (long)fwd_cfg.nb_ports)
		return -1;
	return (int)v;
}

/**
 * Give a port an address ("ADDR/LEN").
 *
 * @param port    port index (checked)
 * @param s       the address
 * @param err     filled with the reason on failure
 * @return 0 or -EINVAL
 */
int
fwd_parse_port_addr(unsigned int port, const char *s, char *err,
		    size_t errlen)
{
	struct fwd_port *p;
	struct fwd_addr a;

	if (port >= fwd_cfg.nb_ports) {
		snprintf(err, errlen, "no port %u (%u port(s))", port,
			 fwd_cfg.nb_ports);
		return -EINVAL;
	}
	if (fwd_parse_addr(s, &a, true) != 0) {
		snprintf(err, errlen, "bad address \"%s\" (want ADDR/LEN)", s);
		return -EINVAL;
	}
	p = &fwd_cfg.ports[port];
	if (a.family == 4) {
		if (p->nb_addr4 >= FWD_MAX_ADDRS)
			goto full;
		p->addr4[p->nb_addr4++] = a;
	} else {
		if (p->nb_addr6 >= FWD_MAX_ADDRS)
			goto full;
		p->addr6[p->nb_addr6++] = a;
	}
	return 0;
full:
	snprintf(err, errlen, "port %u has too many addresses (max %d)",
		 port, FWD_MAX_ADDRS);
	return -EINVAL;
}

/**
 * Parse a route from its tokens: PREFIX [via GW] [port N] (the words may
 * also be written "via=GW", "port=N").
 *
 * @param tok   the tokens (modified)
 * @param nb    how many
 * @param line  config line (0 for the command line)
 * @return 0, or -EINVAL with the reason in err
 */
int
fwd_parse_route(char **tok, unsigned int nb, unsigned int line, char *err,
		size_t errlen)
{
	struct fwd_route r = { .port = UINT16_MAX, .line = line };
	struct fwd_addr gw;
	unsigned int i;
	int port;

	if (nb < 1) {
		snprintf(err, errlen, "route needs a prefix");
		return -EINVAL;
	}
	if (fwd_parse_addr(tok[0], &r.prefix, true) != 0) {
		snprintf(err, errlen, "bad prefix \"%s\" (want ADDR/LEN)",
			 tok[0]);
		return -EINVAL;
	}
	for (i = 1; i < nb; i++) {
		char *key = tok[i], *val = strchr(tok[i], '=');

		if (val != NULL) {
			*val++ = '\0';
		} else if (i + 1 < nb) {
			val = tok[++i];
		} else {
			snprintf(err, errlen, "\"%s\" needs a value", key);
			return -EINVAL;
		}
		if (strcmp(key, "via") == 0) {
			if (fwd_parse_addr(val, &gw, false) != 0 ||
			    gw.family != r.prefix.family) {
				snprintf(err, errlen, "bad gateway \"%s\" "
					 "(an IPv%u address)", val,
					 r.prefix.family);
				return -EINVAL;
			}
			r.has_gateway = true;
			memcpy(r.gateway, gw.ip, 16);
		} else if (strcmp(key, "port") == 0 ||
			   strcmp(key, "dev") == 0) {
			port = fwd_parse_port_index(val);
			if (port < 0) {
				snprintf(err, errlen, "no port \"%s\" "
					 "(%u port(s))", val,
					 fwd_cfg.nb_ports);
				return -EINVAL;
			}
			r.port = (uint16_t)port;
		} else {
			snprintf(err, errlen, "unknown route word \"%s\"", key);
			return -EINVAL;
		}
	}
	if (!r.has_gateway && r.port == UINT16_MAX) {
		snprintf(err, errlen, "route needs \"via GW\" or \"port N\"");
		return -EINVAL;
	}
	if (fwd_cfg.nb_routes >= FWD_MAX_ROUTES) {
		snprintf(err, errlen, "too many routes (max %d)",
			 FWD_MAX_ROUTES);
		return -EINVAL;
	}
	fwd_cfg.routes[fwd_cfg.nb_routes++] = r;
	return 0;
}

/**
 * Set the forwarding mode by name (one of the engine table).
 *
 * @return 0, or -EINVAL for an unknown name
 */
int
fwd_set_mode(const char *s)
{
	const struct fwd_engine *e = fwd_engine_find(s);

	if (e == NULL)
		return -EINVAL;
	fwd_cfg.engine = e;
	return 0;
}

/**
 * Pair two ports for io mode (both directions).
 *
 * @return 0 or -EINVAL
 */
int
fwd_set_pair(const char *a, const char *b)
{
	int pa = fwd_parse_port_index(a), pb = fwd_parse_port_index(b);

	if (pa < 0 || pb < 0)
		return -EINVAL;
	fwd_cfg.ports[pa].pair = (uint16_t)pb;
	fwd_cfg.ports[pb].pair = (uint16_t)pa;
	fwd_cfg.pairs_set = true;
	return 0;
}

/**
 * Parse 40 hex digits into a 20-byte IPoIB address.
 *
 * @return 0 or -EINVAL
 */
static int
parse_ipoib_addr(const char *s, uint8_t addr[20])
{
	unsigned int i, b;

	if (strlen(s) != 40)
		return -EINVAL;
	for (i = 0; i < 20; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		addr[i] = (uint8_t)b;
	}
	return 0;
}

/**
 * Set the io-mode destination of a port: a MAC or an IPoIB address.
 *
 * @return 0 or -EINVAL
 */
int
fwd_set_peer(const char *port, const char *dest)
{
	int p = fwd_parse_port_index(port);
	struct fwd_port *fp;

	if (p < 0)
		return -EINVAL;
	fp = &fwd_cfg.ports[p];
	if (rte_ether_unformat_addr(dest, &fp->peer_mac) == 0) {
		fp->has_peer = true;
		return 0;
	}
	if (parse_ipoib_addr(dest, fp->peer_ipoib) == 0) {
		fp->has_peer = true;
		memset(&fp->peer_mac, 0, sizeof(fp->peer_mac));
		return 0;
	}
	return -EINVAL;
}

/**
 * Split a line into whitespace-separated tokens, stopping at '#'.
 *
 * @return the number of tokens, or -1 when there are too many
 */
static int
split_line(char *s, char **tok)
{
	int n = 0;
	char *save = NULL, *t;
	char *hash = strchr(s, '#');

	if (hash != NULL)
		*hash = '\0';
	for (t = strtok_r(s, " \t\r\n", &save); t != NULL;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == FWD_MAX_TOKENS)
			return -1;
		tok[n++] = t;
	}
	return n;
}

/**
 * Parse an unsigned number in [min, max] into *v.
 *
 * @return 0 or -EINVAL
 */
static int
parse_uint(const char *s, unsigned int min, unsigned int max,
	   unsigned int *v)
{
	char *end;
	unsigned long x;

	if (*s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || x < min || x > max)
		return -EINVAL;
	*v = (unsigned int)x;
	return 0;
}

/**
 * Apply one config statement.
 *
 * @return 0, or -EINVAL with the reason in err
 */
static int
config_statement(char **tok, int nb, unsigned int line, char *err,
		 size_t errlen)
{
	char names[128];
	unsigned int v;
	int port;

	if (strcmp(tok[0], "mode") == 0 && nb == 2) {
		if (fwd_set_mode(tok[1]) == 0)
			return 0;
		fwd_engine_names(names, sizeof(names), ", ");
		snprintf(err, errlen, "unknown mode \"%s\" (%s)", tok[1],
			 names);
		return -EINVAL;
	}
	if (strcmp(tok[0], "addr") == 0 && nb == 3) {
		port = fwd_parse_port_index(tok[1]);
		if (port < 0) {
			snprintf(err, errlen, "no port \"%s\" (%u port(s))",
				 tok[1], fwd_cfg.nb_ports);
			return -EINVAL;
		}
		return fwd_parse_port_addr(port, tok[2], err, errlen);
	}
	if (strcmp(tok[0], "route") == 0)
		return fwd_parse_route(tok + 1, nb - 1, line, err, errlen);
	if (strcmp(tok[0], "pair") == 0 && nb == 3) {
		if (fwd_set_pair(tok[1], tok[2]) != 0)
			goto bad_value;
		return 0;
	}
	if (strcmp(tok[0], "peer") == 0 && nb == 3) {
		if (fwd_set_peer(tok[1], tok[2]) != 0)
			goto bad_value;
		return 0;
	}
	if (strcmp(tok[0], "icmp-rate") == 0 && nb == 2) {
		if (parse_uint(tok[1], 0, 1000000, &v) != 0)
			goto bad_value;
		fwd_cfg.icmp_rate = v;
		return 0;
	}
	if (strcmp(tok[0], "pending") == 0 && nb == 2) {
		if (parse_uint(tok[1], 1, 1024, &v) != 0)
			goto bad_value;
		fwd_cfg.pending = v;
		return 0;
	}
	snprintf(err, errlen, "unknown statement \"%s\" or wrong number of "
		 "words (%d)", tok[0], nb);
	return -EINVAL;
bad_value:
	snprintf(err, errlen, "bad value for \"%s\"", tok[0]);
	return -EINVAL;
}

/**
 * Read the config file; the first bad line stops it with
 * "FILE:LINE: reason" on stderr.
 *
 * @return 0, or -1 on any error
 */
int
fwd_config_load(const char *path)
{
	char buf[512], err[256];
	char *tok[FWD_MAX_TOKENS];
	unsigned int line = 0;
	FILE *f;
	int nb;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "%s: cannot open config file %s: %s\n",
			FWD_NAME, path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "%s: %s:%u: line too long\n", FWD_NAME,
				path, line);
			goto fail;
		}
		nb = split_line(buf, tok);
		if (nb == 0)
			continue;
		if (nb < 0) {
			fprintf(stderr, "%s: %s:%u: too many words\n",
				FWD_NAME, path, line);
			goto fail;
		}
		if (config_statement(tok, nb, line, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s:%u: %s\n", FWD_NAME, path,
				line, err);
			goto fail;
		}
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}
