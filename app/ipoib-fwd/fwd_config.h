/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_CONFIG_H
#define IPOIB_FWD_CONFIG_H

/**
 * @file
 * The configuration of ipoib-fwd (fwd_config.c): defaults, the setters
 * shared by the command line and the config file, and the config file.
 */

#include <stddef.h>

void fwd_config_defaults(void);
int fwd_config_load(const char *path);
int fwd_set_mode(const char *s);
int fwd_set_pair(const char *a, const char *b);
int fwd_set_peer(const char *port, const char *dest);
int fwd_parse_port_index(const char *s);
int fwd_parse_route(char **tok, unsigned int nb, unsigned int line,
		    char *err, size_t errlen);
int fwd_parse_port_addr(unsigned int port, const char *s, char *err,
			size_t errlen);

#endif /* IPOIB_FWD_CONFIG_H */
