/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * sa_tool: drive the SA client from the command line or from a script on
 * stdin, for the tests of suite 'sa'.
 *
 *   sa_tool [--timeout MS] [--retries N] CMD ARGS...   one command
 *   sa_tool [--timeout MS] [--retries N] -             commands on stdin
 *
 * --transport umad|inband (or SA_TRANSPORT in the environment) picks how
 * the client reaches the SA (default umad).
 *
 * Commands (one client serves every command of a run):
 *   port                       the port's attributes (hca_port_query)
 *   path DGID [PKEY]           a PathRecord
 *   join MGID STATE [TMPL]     join (TMPL: copy create params from it)
 *   leave MGID STATE           leave
 *   mcast MGID                 a group's record
 *   member MGID                whether this port is in the group (any
 *                              join state, any client of the port):
 *                              member=1 or member=0
 *   nodes | portinfos          every NodeRecord / PortInfoRecord
 *   pkeys LID PORT             a port's P_Key table from the SA
 *   byguid GUID                the SA's view of one port
 *   async DGID...              concurrent async path queries
 *
 * Each command prints zero or more "rec ..." lines, then one line
 * "rc=<errno> err=<name> ms=<elapsed> key=value..."; once the client is
 * open the line also says its transport and counters (tp=, tp_sent=,
 * tp_received=, tp_dropped=, tp_rmpp_refused=).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hca_sa.h"

/** Most words in a command line, and async requests in one command. */
#define MAX_ARGS 64

static struct hca_sa *sa;
static struct hca_sa_config cfg;
static struct timespec t_start;

/** Name of a negative errno of the SA API. */
static const char *
err_name(int rc)
{
	switch (rc) {
	case 0: return "OK";
	case -ETIMEDOUT: return "ETIMEDOUT";
	case -ENOENT: return "ENOENT";
	case -EPROTO: return "EPROTO";
	case -EREMOTEIO: return "EREMOTEIO";
	case -ENODEV: return "ENODEV";
	case -EINVAL: return "EINVAL";
	case -ENOMEM: return "ENOMEM";
	case -ECANCELED: return "ECANCELED";
	case -EBUSY: return "EBUSY";
	default: return "OTHER";
	}
}

/** Milliseconds since the current command started. */
static long
elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t_start.tv_sec) * 1000 +
	       (now.tv_nsec - t_start.tv_nsec) / 1000000;
}

/** Print the start of a command's result line. */
static void
print_rc(int rc)
{
	struct hca_sa_stats st;

	printf("rc=%d err=%s ms=%ld status=0x%04x", rc, err_name(rc),
	       elapsed_ms(), sa != NULL ? hca_sa_last_status(sa) : 0);
	if (hca_sa_get_stats(sa, &st) == 0)
		printf(" tp=%s tp_sent=%" PRIu64 " tp_received=%" PRIu64
		       " tp_dropped=%" PRIu64 " tp_rmpp_refused=%" PRIu64,
		       hca_sa_transport_name(sa), st.sent, st.received,
		       st.dropped, st.rmpp_refused);
}

/** Set the transport from a name; 0 or -1 for an unknown name. */
static int
set_transport(const char *name)
{
	if (strcmp(name, "umad") == 0)
		cfg.transport = HCA_SA_TRANSPORT_UMAD;
	else if (strcmp(name, "inband") == 0)
		cfg.transport = HCA_SA_TRANSPORT_INBAND;
	else
		return -1;
	return 0;
}

/** Open the client on first use; 0 or a negative errno. */
static int
need_client(void)
{
	int err = 0;

	if (sa != NULL)
		return 0;
	sa = hca_sa_open(NULL, 0, &cfg, &err);
	return sa != NULL ? 0 : err;
}

/** Parse a GID argument; 0 or -EINVAL. */
static int
arg_gid(const char *s, union hca_gid *gid)
{
	return s != NULL ? hca_gid_from_str(s, gid) : -EINVAL;
}

/** Print a path record's fields. */
static void
print_path(const struct hca_path_rec *p)
{
	char d[48], s[48];

	printf(" dgid=%s sgid=%s dlid=%u slid=%u raw_traffic=%u"
	       " flow_label=0x%x hop_limit=%u tclass=%u reversible=%u"
	       " numb_path=%u pkey=0x%04x sl=%u mtu_selector=%u mtu=%u"
	       " rate_selector=%u rate=%u pkt_life_selector=%u pkt_life=%u"
	       " preference=%u",
	       hca_gid_to_str(&p->dgid, d, sizeof(d)),
	       hca_gid_to_str(&p->sgid, s, sizeof(s)), p->dlid, p->slid,
	       p->raw_traffic, p->flow_label, p->hop_limit, p->tclass,
	       p->reversible, p->numb_path, p->pkey, p->sl, p->mtu_selector,
	       p->mtu, p->rate_selector, p->rate, p->packet_life_selector,
	       p->packet_life, p->preference);
}

/** Print a member record's fields. */
static void
print_mcm(const struct hca_mcmember_rec *m)
{
	char g[48], p[48];

	printf(" mgid=%s port_gid=%s qkey=0x%08x mlid=0x%04x mtu_selector=%u"
	       " mtu=%u tclass=%u pkey=0x%04x rate_selector=%u rate=%u"
	       " pkt_life=%u sl=%u flow_label=0x%x hop_limit=%u scope=%u"
	       " join_state=0x%x",
	       hca_gid_to_str(&m->mgid, g, sizeof(g)),
	       hca_gid_to_str(&m->port_gid, p, sizeof(p)), m->qkey, m->mlid,
	       m->mtu_selector, m->mtu, m->tclass, m->pkey, m->rate_selector,
	       m->rate, m->packet_life, m->sl, m->flow_label, m->hop_limit,
	       m->scope, m->join_state);
}

/** Print a NodeRecord as a "rec" line. */
static void
print_node(const struct hca_node_rec *n)
{
	printf("rec lid=%u node_type=%u num_ports=%u port_num=%u"
	       " node_guid=0x%016" PRIx64 " port_guid=0x%016" PRIx64
	       " desc=%s\n", n->lid, n->node_type, n->num_ports, n->port_num,
	       n->node_guid, n->port_guid, n->desc);
}

/** Print a PortInfoRecord as a "rec" line. */
static void
print_portinfo(const struct hca_portinfo_rec *p)
{
	printf("rec lid=%u port_num=%u gid_prefix=0x%016" PRIx64
	       " base_lid=%u sm_lid=%u state=%u mtu_active=%u lmc=%u\n",
	       p->lid, p->port_num, p->gid_prefix, p->base_lid, p->sm_lid,
	       p->state, p->mtu_active, p->lmc);
}

/** port: print hca_port_query() of the first active port. */
static int
cmd_port(void)
{
	struct hca_port_info pi;
	char g[48];
	unsigned int i;
	int rc = hca_port_query(NULL, 0, &pi);

	print_rc(rc);
	if (rc != 0)
		return rc;
	printf(" ca=%s port=%d state=%d phys_state=%d lid=%u lmc=%u"
	       " sm_lid=%u sm_sl=%u gid=%s port_guid=0x%016" PRIx64
	       " node_guid=0x%016" PRIx64 " active_mtu=%u rate=%u"
	       " capmask=0x%08x pkey_count=%u pkeys=",
	       pi.ca_name, pi.port_num, pi.state, pi.phys_state, pi.lid,
	       pi.lmc, pi.sm_lid, pi.sm_sl, hca_gid_to_str(&pi.gid, g,
	       sizeof(g)), pi.port_guid, pi.node_guid, pi.active_mtu,
	       pi.rate, pi.capability_mask, pi.pkey_count);
	for (i = 0; i < pi.pkey_count; i++)
		printf("%s0x%04x", i ? "," : "", pi.pkeys[i]);
	return 0;
}

/** path DGID [PKEY] */
static int
cmd_path(char **argv, int argc)
{
	struct hca_path_rec p;
	union hca_gid dgid;
	uint16_t pkey = argc > 2 ? (uint16_t)strtoul(argv[2], NULL, 0) : 0;
	int rc = argc < 2 ? -EINVAL : arg_gid(argv[1], &dgid);

	if (rc == 0)
		rc = need_client();
	if (rc == 0)
		rc = hca_sa_query_path(sa, &dgid, pkey, &p);
	print_rc(rc);
	if (rc == 0)
		print_path(&p);
	return rc;
}

/** join MGID STATE [TEMPLATE_MGID] */
static int
cmd_join(char **argv, int argc)
{
	struct hca_mcmember_rec tmpl, rec;
	union hca_gid mgid, tgid;
	int rc = argc < 3 ? -EINVAL : arg_gid(argv[1], &mgid);

	if (rc == 0)
		rc = need_client();
	if (rc == 0 && argc > 3) {
		rc = arg_gid(argv[3], &tgid);
		if (rc == 0)
			rc = hca_sa_query_mcast(sa, &tgid, &tmpl);
	}
	if (rc == 0)
		rc = hca_sa_join_mcast(sa, &mgid,
				       (uint8_t)strtoul(argv[2], NULL, 0),
				       argc > 3 ? &tmpl : NULL, &rec);
	print_rc(rc);
	if (rc == 0)
		print_mcm(&rec);
	return rc;
}

/** leave MGID STATE */
static int
cmd_leave(char **argv, int argc)
{
	union hca_gid mgid;
	int rc = argc < 3 ? -EINVAL : arg_gid(argv[1], &mgid);

	if (rc == 0)
		rc = need_client();
	if (rc == 0)
		rc = hca_sa_leave_mcast(sa, &mgid,
					(uint8_t)strtoul(argv[2], NULL, 0));
	print_rc(rc);
	return rc;
}

/** mcast MGID */
static int
cmd_mcast(char **argv, int argc)
{
	struct hca_mcmember_rec rec;
	union hca_gid mgid;
	int rc = argc < 2 ? -EINVAL : arg_gid(argv[1], &mgid);

	if (rc == 0)
		rc = need_client();
	if (rc == 0)
		rc = hca_sa_query_mcast(sa, &mgid, &rec);
	print_rc(rc);
	if (rc == 0)
		print_mcm(&rec);
	return rc;
}

/** member MGID */
static int
cmd_member(char **argv, int argc)
{
	union hca_gid mgid;
	bool member = false;
	int rc = argc < 2 ? -EINVAL : arg_gid(argv[1], &mgid);

	if (rc == 0)
		rc = need_client();
	if (rc == 0)
		rc = hca_sa_query_membership(sa, &mgid, &member);
	print_rc(rc);
	if (rc == 0)
		printf(" member=%d", member);
	return rc;
}

/** nodes */
static int
cmd_nodes(void)
{
	struct hca_node_rec *recs = NULL;
	unsigned int i, n = 0;
	int rc = need_client();

	if (rc == 0)
		rc = hca_sa_query_nodes(sa, &recs, &n);
	for (i = 0; rc == 0 && i < n; i++)
		print_node(&recs[i]);
	free(recs);
	print_rc(rc);
	printf(" n=%u", n);
	return rc;
}

/** portinfos */
static int
cmd_portinfos(void)
{
	struct hca_portinfo_rec *recs = NULL;
	unsigned int i, n = 0;
	int rc = need_client();

	if (rc == 0)
		rc = hca_sa_query_portinfos(sa, &recs, &n);
	for (i = 0; rc == 0 && i < n; i++)
		print_portinfo(&recs[i]);
	free(recs);
	print_rc(rc);
	printf(" n=%u", n);
	return rc;
}

/** pkeys LID PORT */
static int
cmd_pkeys(char **argv, int argc)
{
	uint16_t pkeys[HCA_MAX_PKEYS];
	unsigned int i, n = 0;
	int rc = argc < 3 ? -EINVAL : need_client();

	if (rc == 0)
		rc = hca_sa_query_pkeys(sa,
					(uint16_t)strtoul(argv[1], NULL, 0),
					(uint8_t)strtoul(argv[2], NULL, 0),
					pkeys, HCA_MAX_PKEYS, &n);
	print_rc(rc);
	printf(" n=%u pkeys=", n);
	for (i = 0; i < n; i++)
		printf("%s0x%04x", i ? "," : "", pkeys[i]);
	return rc;
}

/** byguid GUID */
static int
cmd_byguid(char **argv, int argc)
{
	struct hca_node_rec node;
	struct hca_portinfo_rec pi;
	int rc = argc < 2 ? -EINVAL : need_client();

	if (rc == 0)
		rc = hca_sa_query_port_by_guid(sa,
				strtoull(argv[1], NULL, 0), &node, &pi);
	if (rc == 0) {
		print_node(&node);
		print_portinfo(&pi);
	}
	print_rc(rc);
	return rc;
}

/** One async path request and its outcome. */
struct async_req {
	int index;
	int done;       /**< callbacks seen (must end at 1) */
	int status;
	struct hca_path_rec path;
};

/** Callback of an async path query: record the outcome. */
static void
async_path_done(void *arg, int status, const void *record)
{
	struct async_req *r = arg;

	r->done++;
	r->status = status;
	if (status == 0)
		r->path = *(const struct hca_path_rec *)record;
}

/** async DGID... : start every query, then poll until all complete. */
static int
cmd_async(char **argv, int argc)
{
	static struct async_req reqs[MAX_ARGS];
	int i, n = argc - 1, rc = n < 1 ? -EINVAL : need_client();
	int polls = 0, started = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		union hca_gid dgid;

		memset(&reqs[i], 0, sizeof(reqs[i]));
		reqs[i].index = i;
		rc = arg_gid(argv[i + 1], &dgid);
		if (rc == 0)
			rc = hca_sa_query_path_async(sa, &dgid, 0,
						     async_path_done,
						     &reqs[i]);
		started += rc == 0;
	}
	printf("rec started=%d pending=%u\n", started, hca_sa_pending(sa));
	while (rc == 0 && hca_sa_pending(sa) > 0 && elapsed_ms() < 60000) {
		int ret = hca_sa_poll(sa, 200);

		polls++;
		if (ret < 0)
			rc = ret;
	}
	for (i = 0; i < started; i++) {
		printf("rec index=%d callbacks=%d rc=%d err=%s", i,
		       reqs[i].done, reqs[i].status,
		       err_name(reqs[i].status));
		if (reqs[i].status == 0)
			print_path(&reqs[i].path);
		printf("\n");
	}
	print_rc(rc);
	printf(" polls=%d pending=%u", polls, sa != NULL ?
	       hca_sa_pending(sa) : 0);
	return rc;
}

/** Run one command given as words; print its result line. */
static int
run_command(char **argv, int argc)
{
	const char *c = argv[0];
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	if (strcmp(c, "port") == 0)
		rc = cmd_port();
	else if (strcmp(c, "path") == 0)
		rc = cmd_path(argv, argc);
	else if (strcmp(c, "join") == 0)
		rc = cmd_join(argv, argc);
	else if (strcmp(c, "leave") == 0)
		rc = cmd_leave(argv, argc);
	else if (strcmp(c, "mcast") == 0)
		rc = cmd_mcast(argv, argc);
	else if (strcmp(c, "member") == 0)
		rc = cmd_member(argv, argc);
	else if (strcmp(c, "nodes") == 0)
		rc = cmd_nodes();
	else if (strcmp(c, "portinfos") == 0)
		rc = cmd_portinfos();
	else if (strcmp(c, "pkeys") == 0)
		rc = cmd_pkeys(argv, argc);
	else if (strcmp(c, "byguid") == 0)
		rc = cmd_byguid(argv, argc);
	else if (strcmp(c, "async") == 0)
		rc = cmd_async(argv, argc);
	else {
		rc = -EINVAL;
		print_rc(rc);
		printf(" unknown=%s", c);
	}
	printf("\n");
	fflush(stdout);
	return rc;
}

/** Read commands from stdin, one per line, until EOF or "quit". */
static int
run_script(void)
{
	char line[1024];
	int rc = 0;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *words[MAX_ARGS], *save = NULL, *w;
		int n = 0;

		for (w = strtok_r(line, " \t\r\n", &save);
		     w != NULL && n < MAX_ARGS;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		if (n == 0)
			continue;
		if (strcmp(words[0], "quit") == 0)
			break;
		rc = run_command(words, n);
	}
	return rc;
}

/** Parse options, then run one command or a script. */
int
main(int argc, char **argv)
{
	const char *tp = getenv("SA_TRANSPORT");
	int i = 1, rc;

	if (tp != NULL && tp[0] != '\0' && set_transport(tp) != 0) {
		fprintf(stderr, "sa_tool: unknown SA_TRANSPORT %s\n", tp);
		return 2;
	}
	while (i + 1 < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strcmp(argv[i], "--timeout") == 0)
			cfg.timeout_ms = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--retries") == 0)
			cfg.retries = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--transport") == 0) {
			if (set_transport(argv[i + 1]) != 0) {
				fprintf(stderr, "sa_tool: unknown transport\n");
				return 2;
			}
		} else
			break;
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: sa_tool [--timeout MS] [--retries N]"
			" [--transport umad|inband] CMD ARGS... | -\n");
		return 2;
	}
	if (strcmp(argv[i], "-") == 0)
		rc = run_script();
	else
		rc = run_command(argv + i, argc - i);
	hca_sa_close(sa);
	return rc == 0 ? 0 : 1;
}
