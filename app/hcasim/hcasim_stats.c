/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's status report: per-port addresses and counters (and the
 * wire's counters) as one JSON object, for `hcasim --status` and
 * `ipoib-fabric status`.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "hcasim.h"
#include "hcasim_gsi.h"
#include "hcasim_wire.h"

/** A growing text buffer. */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
	bool failed;
};

/** Append printf-style text to a buffer (marks it failed on ENOMEM). */
__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		char *ns = realloc(b->s, b->cap * 2 + (size_t)n);

		if (ns == NULL) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

/** Read a counter written by the data path. */
static uint64_t
rd(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/** Copy a name into out as a JSON string body (escaping what must be). */
static void
json_escape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in != '\0' && n + 7 < cap; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = (char)ch;
		} else if (ch < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", ch);
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n] = '\0';
}

/** Append one port's object. */
static void
port_json(struct sbuf *b, const struct hcasim_port *p)
{
	const struct hcasim_counters *c = &p->cnt;
	char host[HCASIM_HOST_LEN * 6 + 8];
	unsigned int k;

	json_escape(p->host, host, sizeof(host));
	sb_printf(b, "{\"host\":\"%s\",\"port\":%u,\"lid\":%u,\"lmc\":%u,"
		  "\"state\":%u,\"mtu\":%u,\"port_guid\":\"0x%016" PRIx64 "\","
		  "\"pkeys\":[", host, p->port_num, p->lid, p->lmc,
		  p->state, p->mtu, p->port_guid);
	for (k = 0; k < p->pkey_count && k < HCASIM_MAX_PKEYS; k++)
		sb_printf(b, "%s\"0x%04x\"", k ? "," : "", p->pkeys[k]);
	sb_printf(b, "],\"counters\":{"
		  "\"xmit_packets\":%" PRIu64 ",\"xmit_bytes\":%" PRIu64 ","
		  "\"rcv_packets\":%" PRIu64 ",\"rcv_bytes\":%" PRIu64 ","
		  "\"xmit_discards\":%" PRIu64 ","
		  "\"xmit_errors_wqe\":%" PRIu64 ","
		  "\"xmit_errors_prot\":%" PRIu64 ","
		  "\"xmit_errors_length\":%" PRIu64 ","
		  "\"rcv_discards_no_qp\":%" PRIu64 ","
		  "\"rcv_discards_qkey\":%" PRIu64 ","
		  "\"rcv_discards_pkey\":%" PRIu64 ","
		  "\"rcv_discards_no_buffer\":%" PRIu64 ","
		  "\"rcv_discards_wire\":%" PRIu64 ","
		  "\"rcv_errors_icrc\":%" PRIu64 ","
		  "\"rcv_errors_vcrc\":%" PRIu64 ","
		  "\"rcv_errors\":%" PRIu64 ","
		  "\"cq_overruns\":%" PRIu64 ","
		  "\"xmit_offload_csum\":%" PRIu64 ","
		  "\"xmit_lso_sends\":%" PRIu64 ","
		  "\"xmit_lso_segments\":%" PRIu64 ","
		  "\"xmit_errors_offload\":%" PRIu64 "}}",
		  rd(&c->xmit_packets), rd(&c->xmit_bytes),
		  rd(&c->rcv_packets), rd(&c->rcv_bytes),
		  rd(&c->xmit_discards), rd(&c->xmit_errors_wqe),
		  rd(&c->xmit_errors_prot), rd(&c->xmit_errors_length),
		  rd(&c->rcv_discards_no_qp), rd(&c->rcv_discards_qkey),
		  rd(&c->rcv_discards_pkey), rd(&c->rcv_discards_no_buffer),
		  rd(&c->rcv_discards_wire), rd(&c->rcv_errors_icrc),
		  rd(&c->rcv_errors_vcrc), rd(&c->rcv_errors),
		  rd(&c->cq_overruns), rd(&c->xmit_offload_csum),
		  rd(&c->xmit_lso_sends), rd(&c->xmit_lso_segments),
		  rd(&c->xmit_errors_offload));
}

/** Append the wire's counters. */
static void
wire_json(struct sbuf *b, const struct hcasim_wire *w)
{
	struct hcasim_wire_counters c;

	if (w == NULL) {
		sb_printf(b, "null");
		return;
	}
	hcasim_wire_counters(w, &c);
	sb_printf(b, "{\"carried\":%" PRIu64 ",\"delivered\":%" PRIu64
		  ",\"dropped\":%" PRIu64 ",\"corrupted\":%" PRIu64
		  ",\"bad_vcrc\":%" PRIu64 ",\"bad_icrc\":%" PRIu64
		  ",\"captured\":%" PRIu64 ",\"capture_errors\":%" PRIu64 "}",
		  c.carried, c.delivered, c.dropped, c.corrupted, c.bad_vcrc,
		  c.bad_icrc, c.captured, c.capture_errors);
}

/** Append the limits, what each host holds, and the refusals. */
static void
limits_json(struct sbuf *b, const struct hcasim *h)
{
	const struct hcasim_limits *l = &h->cfg.limits;
	const struct hcasim_refusals *r = &h->refused;
	char host[HCASIM_HOST_LEN * 6 + 8];
	unsigned int i;

	sb_printf(b, ",\"limits\":{\"client_qp\":%u,\"client_mr\":%u,"
		  "\"client_cq\":%u,\"client_mcast\":%u,"
		  "\"client_ring_mem\":%" PRIu64 ",\"host_clients\":%u,"
		  "\"host_qp\":%u,\"host_mr\":%u,"
		  "\"host_ring_mem\":%" PRIu64 "},\"hosts\":[",
		  l->client_qp, l->client_mr, l->client_cq, l->client_mcast,
		  l->client_ring_mem, l->host_clients, l->host_qp, l->host_mr,
		  l->host_ring_mem);
	for (i = 0; i < h->nidents; i++) {
		json_escape(h->idents[i].host, host, sizeof(host));
		sb_printf(b, "%s{\"host\":\"%s\",\"clients\":%u,\"qps\":%u,"
			  "\"mrs\":%u,\"ring_mem\":%" PRIu64 "}",
			  i ? "," : "", host, h->idents[i].clients,
			  h->idents[i].nqp, h->idents[i].nmr,
			  h->idents[i].ring_mem);
	}
	sb_printf(b, "],\"refused\":{\"client_qp\":%" PRIu64 ","
		  "\"client_mr\":%" PRIu64 ",\"client_cq\":%" PRIu64 ","
		  "\"client_mcast\":%" PRIu64 ","
		  "\"client_ring_mem\":%" PRIu64 ","
		  "\"host_clients\":%" PRIu64 ",\"host_qp\":%" PRIu64 ","
		  "\"host_mr\":%" PRIu64 ",\"host_ring_mem\":%" PRIu64 ","
		  "\"identity\":%" PRIu64 "}",
		  r->client_qp, r->client_mr, r->client_cq, r->client_mcast,
		  r->client_ring_mem, r->host_clients, r->host_qp, r->host_mr,
		  r->host_ring_mem, r->identity);
}

/** Append the port event counters (hcasim_event.c). */
static void
events_json(struct sbuf *b, struct hcasim *h)
{
	struct hcasim_evq *q = &h->evq;

	pthread_mutex_lock(&q->lock);
	sb_printf(b, ",\"events\":{\"posted\":%" PRIu64 ",\"delivered\":%"
		  PRIu64 ",\"dropped\":%" PRIu64 ",\"reregisters\":%" PRIu64
		  "}", q->posted, q->delivered, q->dropped,
		  __atomic_load_n(&q->reregisters, __ATOMIC_RELAXED));
	pthread_mutex_unlock(&q->lock);
}

/** Append the QP 1 relay's counters (hcasim_gsi.c). */
static void
gsi_json(struct sbuf *b, struct hcasim *h)
{
	struct hcasim_gsi_stats st;

	hcasim_gsi_get_stats(h, &st);
	sb_printf(b, ",\"gsi\":{\"requests\":%" PRIu64 ",\"relayed\":%"
		  PRIu64 ",\"answered\":%" PRIu64 ",\"timeouts\":%" PRIu64
		  ",\"dropped_bad\":%" PRIu64 ",\"dropped_forged\":%" PRIu64
		  ",\"dropped_rate\":%" PRIu64
		  ",\"dropped_full\":%" PRIu64 ",\"undeliverable\":%" PRIu64
		  "}", st.requests, st.relayed, st.answered, st.timeouts,
		  st.dropped_bad, st.dropped_forged, st.dropped_rate, st.dropped_full,
		  st.undeliverable);
}

/**
 * Render the status as JSON.
 *
 * @param len  set to its length
 * @return a malloc'ed NUL-terminated string, or NULL when out of memory
 */
char *
hcasim_status_json(struct hcasim *h, size_t *len)
{
	struct sbuf b = { malloc(4096), 0, 4096, false };
	unsigned int i;

	if (b.s == NULL)
		return NULL;
	sb_printf(&b, "{\"version\":%u,\"ports\":[", HCASIM_PROTO_VERSION);
	pthread_mutex_lock(&h->ports_lock);
	for (i = 0; i < h->nports; i++) {
		if (i != 0)
			sb_printf(&b, ",");
		port_json(&b, &h->ports[i]);
	}
	pthread_mutex_unlock(&h->ports_lock);
	sb_printf(&b, "],\"wire\":");
	wire_json(&b, h->wire);
	limits_json(&b, h);
	events_json(&b, h);
	gsi_json(&b, h);
	sb_printf(&b, "}\n");
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}
