/* SPDX-License-Identifier: BSD-3-Clause */
#include "fd.h"
void fd_phase_pkey(void) {}
void fd_phase_limited(void) {}
