/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's wire: carry a packet from one port to another through
 * the capture and the fault injector, and check it on arrival.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcasim_erf.h"
#include "hcasim_wire.h"

/** Longest error burst of a link fault (the VCRC catches up to 16). */
#define LINK_BURST_MAX 16
/** Longest error burst of a switch fault (the ICRC catches up to 32). */
#define SWITCH_BURST_MAX 32
/** Seed used when the configuration gives 0. */
#define WIRE_DEFAULT_SEED 0x1b5eed1b5eedull

struct hcasim_wire {
	bool capturing;                    /**< erf is open */
	double drop_rate;
	double corrupt_rate;
	uint64_t rng;                      /**< xorshift64* state, never 0 */
	struct hcasim_erf erf;
	struct hcasim_wire_counters cnt;
	uint8_t pkt[HCASIM_WIRE_MAX_PKT];  /**< the packet on the wire */
};

/* ---------------------------------------------------------------------
 * Random numbers: xorshift64*, seeded through splitmix64
 * ------------------------------------------------------------------- */

/**
 * Turn a seed into a well-mixed, non-zero PRNG state (splitmix64).
 *
 * @param seed
 *   Any value.
 * @return
 *   The first state.
 */
static uint64_t
rng_state_from_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z != 0 ? z : WIRE_DEFAULT_SEED;
}

/**
 * Draw the next 64 random bits.
 *
 * @param w
 *   The wire (its PRNG state advances).
 * @return
 *   64 random bits.
 */
static uint64_t
rng_next(struct hcasim_wire *w)
{
	uint64_t x = w->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/**
 * Draw a number uniformly in [0, 1).
 *
 * @param w
 *   The wire.
 * @return
 *   The number.
 */
static double
rng_uniform(struct hcasim_wire *w)
{
	return (double)(rng_next(w) >> 11) * (1.0 / 9007199254740992.0);
}

/**
 * Draw an integer uniformly in [0, n) (n > 0; the bias is below 2^-32 for
 * the packet sizes used here).
 *
 * @param w
 *   The wire.
 * @param n
 *   The bound.
 * @return
 *   The integer.
 */
static size_t
rng_below(struct hcasim_wire *w, size_t n)
{
	return (size_t)((rng_next(w) >> 32) * n >> 32);
}

/**
 * Decide an event of probability @p p (no draw when p is 0).
 *
 * @param w
 *   The wire.
 * @param p
 *   The probability, 0..1.
 * @return
 *   true when the event happens.
 */
static bool
rng_chance(struct hcasim_wire *w, double p)
{
	return p > 0 && rng_uniform(w) < p;
}

/* ---------------------------------------------------------------------
 * Fault injection
 * ------------------------------------------------------------------- */

/**
 * Flip one bit of a packet; bit b is bit (b % 8), least significant
 * first, of byte b / 8: the order the CRCs process them in.
 *
 * @param pkt
 *   The packet.
 * @param bit
 *   Bit number.
 */
static void
flip_bit(uint8_t *pkt, size_t bit)
{
	pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/**
 * Tell whether the ICRC covers a bit of a packet.
 *
 * @param bit
 *   Bit number (as flip_bit()).
 * @param grh
 *   Whether the packet has a GRH.
 * @return
 *   true for an invariant bit.
 */
static bool
bit_is_invariant(size_t bit, bool grh)
{
	return !(hcasim_icrc_variant_bits(bit / 8, grh) & (1u << (bit % 8)));
}

/**
 * A fault on a link: a burst of 1 to 16 bits anywhere in the packet,
 * first and last flipped, the ones between at random. The VCRC catches
 * every such burst.
 *
 * @param w
 *   The wire.
 * @param len
 *   Packet length.
 */
static void
corrupt_on_link(struct hcasim_wire *w, size_t len)
{
	size_t burst = 1 + rng_below(w, LINK_BURST_MAX);
	size_t start = rng_below(w, len * 8 - burst + 1);
	size_t i;

	flip_bit(w->pkt, start);
	for (i = 1; i + 1 < burst; i++)
		if (rng_next(w) & 1)
			flip_bit(w->pkt, start + i);
	if (burst > 1)
		flip_bit(w->pkt, start + burst - 1);
}

/**
 * A fault inside a switch: a burst of 1 to 32 bits among the bits the
 * ICRC covers (LRH through ICRC, variant fields excepted), after which
 * the next hop computes a fresh VCRC. The ICRC catches every such burst
 * (or the length checks do, when PktLen or PayLen was hit).
 *
 * @param w
 *   The wire.
 * @param len
 *   Packet length.
 * @param grh
 *   Whether the packet has a GRH.
 */
static void
corrupt_in_switch(struct hcasim_wire *w, size_t len, bool grh)
{
	size_t covered = (len - HCASIM_VCRC_LEN) * 8;
	size_t burst = 1 + rng_below(w, SWITCH_BURST_MAX);
	size_t start, i;
	int tries;

	/* The DETH is always invariant: the fallback start. */
	start = (HCASIM_LRH_LEN + HCASIM_BTH_LEN +
		 (grh ? HCASIM_GRH_LEN : 0)) * 8;
	for (tries = 0; tries < 64; tries++) {
		size_t b = rng_below(w, covered);

		if (bit_is_invariant(b, grh)) {
			start = b;
			break;
		}
	}
	flip_bit(w->pkt, start);
	for (i = 1; i < burst && start + i < covered; i++)
		if (bit_is_invariant(start + i, grh) && (rng_next(w) & 1))
			flip_bit(w->pkt, start + i);
	hcasim_wire_seal(w->pkt, len);
}

/**
 * Damage the packet on the wire, half the time on a link (stale VCRC),
 * half the time in a switch (fresh VCRC, bad ICRC).
 *
 * @param w
 *   The wire.
 * @param len
 *   Packet length.
 * @param grh
 *   Whether the packet has a GRH.
 */
static void
corrupt_packet(struct hcasim_wire *w, size_t len, bool grh)
{
	w->cnt.corrupted++;
	if (rng_next(w) & 1)
		corrupt_on_link(w, len);
	else
		corrupt_in_switch(w, len, grh);
}

/* ---------------------------------------------------------------------
 * The wire
 * ------------------------------------------------------------------- */

/**
 * Tell whether a rate is a probability.
 *
 * @param r
 *   The rate.
 * @return
 *   true for 0 <= r <= 1 (NaN is not).
 */
static bool
rate_is_valid(double r)
{
	return r >= 0.0 && r <= 1.0;
}

struct hcasim_wire *
hcasim_wire_create(const struct hcasim_wire_config *cfg, int *err)
{
	struct hcasim_wire *w;
	int rc;

	if (err != NULL)
		*err = 0;
	if (cfg == NULL || !rate_is_valid(cfg->drop_rate) ||
	    !rate_is_valid(cfg->corrupt_rate)) {
		if (err != NULL)
			*err = -EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		if (err != NULL)
			*err = -ENOMEM;
		return NULL;
	}
	w->drop_rate = cfg->drop_rate;
	w->corrupt_rate = cfg->corrupt_rate;
	w->rng = rng_state_from_seed(cfg->seed != 0 ? cfg->seed :
				     WIRE_DEFAULT_SEED);
	w->erf.fd = -1;
	if (cfg->capture_path != NULL) {
		rc = hcasim_erf_open(&w->erf, cfg->capture_path);
		if (rc < 0) {
			free(w);
			if (err != NULL)
				*err = rc;
			return NULL;
		}
		w->capturing = true;
	}
	return w;
}

void
hcasim_wire_destroy(struct hcasim_wire *w)
{
	if (w == NULL)
		return;
	hcasim_erf_close(&w->erf);
	free(w);
}

bool
hcasim_wire_enabled(const struct hcasim_wire *w)
{
	return w != NULL && (w->capturing || w->drop_rate > 0 ||
			     w->corrupt_rate > 0);
}

/**
 * Write the packet on the wire to the capture file, if there is one.
 *
 * @param w
 *   The wire.
 * @param len
 *   Packet length.
 */
static void
capture_packet(struct hcasim_wire *w, size_t len)
{
	struct timespec now;

	if (!w->capturing)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	hcasim_erf_write(&w->erf, w->pkt, len, &now);
	w->cnt.captured = w->erf.written;
	w->cnt.capture_errors = w->erf.errors;
}

/**
 * Count a packet the receiving port refused.
 *
 * @param w
 *   The wire.
 * @param rc
 *   The reason (a negative enum hcasim_wire_result).
 * @return
 *   @p rc.
 */
static int
count_refusal(struct hcasim_wire *w, int rc)
{
	switch (rc) {
	case HCASIM_WIRE_DROPPED:
		w->cnt.dropped++;
		break;
	case HCASIM_WIRE_BAD_VCRC:
		w->cnt.bad_vcrc++;
		break;
	case HCASIM_WIRE_BAD_ICRC:
		w->cnt.bad_icrc++;
		break;
	case HCASIM_WIRE_TOO_BIG:
		w->cnt.too_big++;
		break;
	default:
		w->cnt.malformed++;
		break;
	}
	return rc;
}

int
hcasim_wire_carry(struct hcasim_wire *w, const struct hcasim_pkt_meta *m,
		  const struct iovec *iov, int iovcnt,
		  uint8_t *out, size_t out_cap, size_t *out_len)
{
	const uint8_t *payload;
	size_t len, plen;
	int rc;

	if (w == NULL)
		return HCASIM_WIRE_MALFORMED;
	w->cnt.carried++;
	if (m == NULL || iovcnt < 0 || out_len == NULL ||
	    (out == NULL && out_cap > 0))
		return count_refusal(w, HCASIM_WIRE_MALFORMED);
	len = hcasim_wire_build(m, iov, iovcnt, w->pkt, sizeof(w->pkt));
	if (len == 0)
		return count_refusal(w, HCASIM_WIRE_TOO_BIG);
	capture_packet(w, len);
	if (rng_chance(w, w->drop_rate))
		return count_refusal(w, HCASIM_WIRE_DROPPED);
	if (rng_chance(w, w->corrupt_rate))
		corrupt_packet(w, len, m->grh);
	rc = hcasim_wire_parse(w->pkt, len, NULL, &payload, &plen);
	if (rc != HCASIM_WIRE_OK)
		return count_refusal(w, rc);
	if (plen > out_cap)
		return count_refusal(w, HCASIM_WIRE_TOO_BIG);
	if (plen > 0)
		memcpy(out, payload, plen);
	*out_len = plen;
	w->cnt.delivered++;
	w->cnt.delivered_bytes += plen;
	return HCASIM_WIRE_OK;
}

void
hcasim_wire_counters(const struct hcasim_wire *w,
		     struct hcasim_wire_counters *c)
{
	if (c == NULL)
		return;
	if (w == NULL) {
		memset(c, 0, sizeof(*c));
		return;
	}
	*c = w->cnt;
}

const char *
hcasim_wire_result_name(int result)
{
	switch (result) {
	case HCASIM_WIRE_OK:
		return "ok";
	case HCASIM_WIRE_DROPPED:
		return "dropped";
	case HCASIM_WIRE_BAD_VCRC:
		return "bad VCRC";
	case HCASIM_WIRE_BAD_ICRC:
		return "bad ICRC";
	case HCASIM_WIRE_MALFORMED:
		return "malformed";
	case HCASIM_WIRE_TOO_BIG:
		return "too big";
	default:
		return "unknown";
	}
}
