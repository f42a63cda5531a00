/* SPDX-License-Identifier: BSD-3-Clause */
#include "fd.h"
void fd_phase_churn(unsigned int r, unsigned int p, double s) {RTE_SET_USED(r);RTE_SET_USED(p);RTE_SET_USED(s);}
