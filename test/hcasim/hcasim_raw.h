/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_RAW_H
#define HCASIM_RAW_H

/**
 * @file
 * The soft HCA's protocol spoken raw, for hostile-client tests.
 */

#include <stddef.h>
#include <stdint.h>

#include "hcasim_proto.h"

int raw_connect_to(const char *path);
int raw_connect(void);
int raw_xfer(int sock, const void *msg, size_t len, int fd, void *body,
	     size_t blen);
int raw_call(int sock, uint16_t type, const void *req, size_t rlen, int fd,
	     void *body, size_t blen);

#endif /* HCASIM_RAW_H */
