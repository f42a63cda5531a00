/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Containing memory faults of the data path. A client's registered memory
 * is a file the client still holds: it can truncate it, and the daemon's
 * next access to the vanished pages raises SIGBUS. The data path runs its
 * accesses under a jump buffer; the handler jumps back, the region whose
 * pages vanished is poisoned (every later access through it fails with a
 * protection error, as a revoked IOMMU mapping would) and the daemon goes
 * on serving everybody else. A fault outside client memory is a bug: the
 * daemon dies with the default action.
 */

#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "hcasim.h"
#include "hca_log.h"

/** Where the data path thread wants a SIGBUS to land (NULL: nowhere). */
__thread sigjmp_buf *hcasim_fault_jmp;
/** The faulting address of the last contained SIGBUS. */
__thread void *hcasim_fault_addr;

/** SIGBUS handler: jump back into the data path, or die as usual. */
static void
fault_handler(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = hcasim_fault_jmp;

	(void)uc;
	if (jb != NULL) {
		hcasim_fault_jmp = NULL;
		hcasim_fault_addr = si->si_addr;
		siglongjmp(*jb, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/**
 * Install the SIGBUS handler (SA_NODEFER: the jump leaves the handler, so
 * the signal must not stay blocked).
 *
 * @return 0 or -1
 */
int
hcasim_fault_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL);
}

/**
 * After a contained SIGBUS: poison the region that holds the faulting
 * address. Called by the data path thread (regions cannot go away under
 * it).
 *
 * @return true when a region was poisoned; false when the address is in
 *         no client region (the caller must not go on)
 */
bool
hcasim_fault_contain(struct hcasim *h)
{
	uintptr_t a = (uintptr_t)hcasim_fault_addr;
	uint32_t i;

	for (i = 0; i < HCASIM_MR_SLOTS; i++) {
		struct hcasim_mr *mr = __atomic_load_n(&h->mr_table[i],
						       __ATOMIC_ACQUIRE);

		/* an mkey over a UMEM has no mapping of its own (map
		 * NULL): its bytes are the range it covers */
		if (mr != NULL && ((a >= (uintptr_t)mr->map &&
		     a < (uintptr_t)mr->map + mr->map_len) ||
		    (mr->map == NULL && a >= (uintptr_t)mr->base &&
		     a < (uintptr_t)mr->base + mr->len))) {
			__atomic_store_n(&mr->poisoned, 1, __ATOMIC_RELEASE);
			HCA_LOG(WARNING, "hcasim: lkey %#x lost its pages "
				"(fd truncated by its client): poisoned",
				mr->lkey);
			return true;
		}
	}
	return false;
}
